"""Staff sign-in to the admin: OpenID Connect against the real test provider (users and
groups from the claims, logout at the provider) and the break-glass password login with
two-factor authentication (maykin-2fa)."""

from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice
from maykin_2fa.test import get_valid_totp_token

from .oidc_fixtures import configure_oidc

pytestmark = pytest.mark.django_db

CLAIMS = {
    "email": "m.devries@gemeente.example",
    "given_name": "Marieke",
    "family_name": "de Vries",
    "roles": ["klanten-beheerders", "klanten-lezers", "andere-app"],
}


@pytest.fixture
def op(oidc_provider):
    configure_oidc(oidc_provider)
    return oidc_provider


def staff_sign_in(client, op, sub="medewerker-42", claims=None):
    op.next_login(sub, None, claims if claims is not None else CLAIMS)
    response = client.get("/oidc/authenticate/", {"next": "/admin/"})
    assert response.status_code == 302
    callback = op.authorize(response["Location"], "http://testserver/")
    return client.get(callback.removeprefix("http://testserver"))


def test_login_page_offers_the_organisation_account(client, op):
    page = client.get("/admin/login/").content.decode()
    assert "Inloggen met organisatie-account" in page
    assert 'name="auth-password"' in page  # the break-glass fallback


def test_staff_login_creates_the_user_with_groups(client, op, django_user_model):
    response = staff_sign_in(client, op)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    user = django_user_model.objects.get(username="medewerker-42")
    assert (user.email, user.first_name, user.last_name) == (
        "m.devries@gemeente.example",
        "Marieke",
        "de Vries",
    )
    assert user.is_staff and not user.is_superuser
    assert set(user.groups.values_list("name", flat=True)) == {
        "klanten-beheerders",
        "klanten-lezers",
    }  # only groups matching the sync pattern are created
    assert not Group.objects.filter(name="andere-app").exists()
    admin = client.get("/admin/")
    assert admin.status_code == 200  # OIDC counts as verified: no second factor asked


def test_staff_login_updates_the_user_and_its_groups(client, op, django_user_model):
    staff_sign_in(client, op)
    client.logout()
    staff_sign_in(
        client,
        op,
        claims={**CLAIMS, "email": "marieke@gemeente.example", "roles": ["klanten-superbeheer"]},
    )
    user = django_user_model.objects.get(username="medewerker-42")
    assert user.email == "marieke@gemeente.example"
    assert list(user.groups.values_list("name", flat=True)) == ["klanten-superbeheer"]
    assert user.is_superuser


def test_staff_logout_also_at_the_provider(client, op):
    staff_sign_in(client, op)
    response = client.post("/admin/logout/")
    assert response.status_code == 200
    logout_url = response.context["logout_url"]
    assert logout_url.startswith(op.configuration["end_session_endpoint"])
    assert parse_qs(urlparse(logout_url).query)["post_logout_redirect_uri"] == [
        "http://testserver/admin/login/"
    ]
    assert client.get("/admin/").status_code == 302


def test_staff_login_without_subject_claim_fails(client, op, django_user_model, settings):
    from mozilla_django_oidc_db.models import OIDCClient

    config = OIDCClient.objects.get(identifier="admin-oidc")
    config.options["user_settings"]["claim_mappings"]["username"] = ["preferred_username"]
    config.save()
    response = staff_sign_in(client, op)
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/failure/"
    assert not django_user_model.objects.exists()


# --- break-glass: password + TOTP -------------------------------------------------------


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser(
        "noodtoegang", "nood@example.nl", "een-lang-wachtwoord-voor-nood"
    )


def password_step(client):
    return client.post(
        "/admin/login/?next=/admin/",
        {
            "admin_login_view-current_step": "auth",
            "auth-username": "noodtoegang",
            "auth-password": "een-lang-wachtwoord-voor-nood",
        },
    )


def test_password_login_requires_setting_up_two_factor(client, superuser):
    response = password_step(client)
    assert response.status_code == 302
    assert response["Location"] == "/admin/mfa/setup/"
    # not verified: the admin stays closed
    assert client.get("/admin/").status_code == 302


def test_password_login_with_totp(client, superuser):
    device = TOTPDevice.objects.create(user=superuser, name="default", confirmed=True)
    response = password_step(client)
    assert response.status_code == 200
    assert 'name="token-otp_token"' in response.content.decode()
    assert client.get("/admin/").status_code == 302  # not yet
    response = client.post(
        "/admin/login/?next=/admin/",
        {
            "admin_login_view-current_step": "token",
            "token-otp_token": get_valid_totp_token(superuser),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert device.pk


def test_password_login_can_be_switched_off(client, superuser, settings):
    settings.ADMIN_PASSWORD_LOGIN = False
    settings.AUTHENTICATION_BACKENDS = ["klanten.accounts.backends.OIDCAuthenticationBackend"]
    page = client.get("/admin/login/").content.decode()
    assert 'name="auth-password"' not in page
    response = password_step(client)
    assert client.get("/admin/").status_code == 302
    assert response.status_code == 200  # the form again, with an error
