import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "klanten.conf.settings")

app = Celery("klanten")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
