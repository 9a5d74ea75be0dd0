from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """Staff user of the admin. Custom from the start so it can grow (OIDC claims, 2FA)."""

    class Meta:
        verbose_name = "gebruiker"
        verbose_name_plural = "gebruikers"
