from django import template
from django.conf import settings
from mozilla_django_oidc_db.constants import OIDC_ADMIN_CONFIG_IDENTIFIER
from mozilla_django_oidc_db.models import OIDCClient

register = template.Library()


@register.simple_tag
def staff_oidc_enabled() -> bool:
    return OIDCClient.objects.filter(
        identifier=OIDC_ADMIN_CONFIG_IDENTIFIER, enabled=True, oidc_provider__isnull=False
    ).exists()


@register.simple_tag
def password_login_enabled() -> bool:
    return settings.ADMIN_PASSWORD_LOGIN
