from django.urls import path

from . import views

urlpatterns = [
    path("health/live", views.live, name="health-live"),
    path("health/ready", views.ready, name="health-ready"),
    path("health/background", views.background, name="health-background"),
    path("metrics", views.metrics_view, name="metrics"),
]
