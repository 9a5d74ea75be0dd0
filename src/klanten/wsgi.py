import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "klanten.conf.settings")
application = get_wsgi_application()

# the garbage collector's settings, once the application is loaded (GC_FREEZE,
# GC_GEN0_THRESHOLD; klanten.conf.gc_tuning)
from klanten.conf import gc_tuning  # noqa: E402

gc_tuning.apply()
