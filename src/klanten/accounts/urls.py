"""Staff sign-in for the admin: OpenID Connect (mozilla-django-oidc-db) and, as a break-glass
fallback, a password with two-factor authentication (maykin-2fa). Included before
``admin.site.urls``."""

from django.urls import include, path
from maykin_2fa import monkeypatch_admin
from maykin_2fa.urls import urlpatterns as maykin_2fa_urlpatterns
from maykin_2fa.urls import webauthn_urlpatterns
from mozilla_django_oidc_db.views import AdminLoginFailure

from . import views

# the admin requires a verified (two-factor or OIDC) login
monkeypatch_admin()

urlpatterns = [
    path("admin/logout/", views.logout, name="staff-logout"),
    path("admin/login/failure/", AdminLoginFailure.as_view(), name="admin-oidc-error"),
    path("admin/", include((maykin_2fa_urlpatterns, "maykin_2fa"))),
    path("admin/", include((webauthn_urlpatterns, "two_factor"))),
    path("oidc/", include("mozilla_django_oidc.urls")),
]
