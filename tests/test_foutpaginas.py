"""Error pages for people: Dutch, in the product's style, with the way back (Mijn
klantgegevens for a resident, the admin's index for staff), the right status and no technical
detail; the API keeps its problem+json. The browser tests show the same pages in Chromium
(tests/browser/test_foutpaginas_browser.py)."""

import pytest
from django.test import Client
from django.urls import path
from django.utils import timezone
from mozilla_django_oidc_db.models import OIDCClient, OIDCProvider

from klanten import urls as klanten_urls
from klanten.beheer.models import BeheerGebeurtenis
from klanten.datamodel.models import Klant
from klanten.mijn.context import SESSION_KEY, AuthenticatieContext
from klanten.mijn.oidc import MIJN_GEGEVENS_OIDC

from .admin_helpers import KLANTEN_ADMIN
from .conftest import BASE, BSN, RSIN
from .oidc_fixtures import DIGID_MIDDEN

pytest_plugins = ("tests.admin_fixtures",)
pytestmark = pytest.mark.django_db

ENGELS = ("Not Found", "Forbidden", "Server Error", "requested resource", "CSRF")


def _kaputt(request):
    raise RuntimeError("een fout die niemand te zien krijgt")


# a URL configuration with two crashing pages, one for residents and one for staff
urlpatterns = [
    path("mijn-gegevens/__kapot", _kaputt),
    path("admin/__kapot/", _kaputt),
    *klanten_urls.urlpatterns,
]
handler400 = klanten_urls.handler400
handler403 = klanten_urls.handler403
handler404 = klanten_urls.handler404
handler500 = klanten_urls.handler500


@pytest.fixture
def kapotte_urls(settings):
    settings.ROOT_URLCONF = __name__


def mijn_gegevens_beschikbaar(settings) -> None:
    settings.MIJN_GEGEVENS_BRONORGANISATIE = RSIN
    provider = OIDCProvider.objects.create(identifier="op")
    OIDCClient.objects.update_or_create(
        identifier=MIJN_GEGEVENS_OIDC, defaults={"enabled": True, "oidc_provider": provider}
    )


def ingelogd(client, bsn=BSN) -> AuthenticatieContext:
    """A signed-in resident session (as the sign-in leaves it)."""
    now = timezone.now()
    context = AuthenticatieContext(
        middel="digid",
        niveau=DIGID_MIDDEN,
        rang=2,
        uitgever="https://digid.example",
        authenticatie_moment=now,
        sleutel_type="bsn",
        sleutel=bsn,
        ingelogd_op=now,
        laatst_actief=now,
    )
    session = client.session
    session[SESSION_KEY] = context.to_session()
    session.save()
    return context


def _page(response) -> str:
    return response.content.decode()


def assert_dutch_page(response, status: int, titel: str, terug: str):
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    page = _page(response)
    assert titel in page
    assert f'href="{terug}"' in page
    assert not any(woord in page for woord in ENGELS), page
    assert "Traceback" not in page and "RuntimeError" not in page


# --- residents ----------------------------------------------------------------------------


def test_resident_404(client, settings):
    mijn_gegevens_beschikbaar(settings)
    response = client.get("/mijn-gegevens/bestaat/niet")
    assert_dutch_page(response, 404, "Deze pagina bestaat niet (meer)", "/mijn-gegevens/")
    assert "mijn/mijn.css" in _page(response)  # the residents' style


def test_resident_404_for_someone_elses_klant_shows_sign_out(client, settings, make_klant):
    mijn_gegevens_beschikbaar(settings)
    ingelogd(client)
    ander = make_klant(subject_identificatie={"inp_bsn": "123456782"})
    response = client.get(f"/mijn-gegevens/{ander.uuid}/wijzigen")
    assert_dutch_page(response, 404, "Deze pagina bestaat niet (meer)", "/mijn-gegevens/")
    assert "Uitloggen" in _page(response)


def test_resident_410_after_deleting(client, settings, make_klant):
    mijn_gegevens_beschikbaar(settings)
    klant = make_klant(subject_type="natuurlijk_persoon", subject_identificatie={"inp_bsn": BSN})
    Klant.objects.filter(pk=klant.pk).update(
        gevalideerd=True, gevalideerde_sleutel_type="bsn", gevalideerde_sleutel=BSN
    )
    ingelogd(client)
    assert client.post(f"/mijn-gegevens/{klant.uuid}/verwijderen").status_code == 302
    # Back to the edit page of what was just deleted
    response = client.get(f"/mijn-gegevens/{klant.uuid}/wijzigen")
    assert_dutch_page(response, 410, "Deze gegevens heeft u verwijderd", "/mijn-gegevens/")
    # someone else deleting their klant does not make it "gone" for this person: 404
    other = Client()
    ingelogd(other, bsn="123456782")
    assert other.get(f"/mijn-gegevens/{klant.uuid}/wijzigen").status_code == 404


def test_resident_403_for_a_forged_form(settings):
    mijn_gegevens_beschikbaar(settings)
    client = Client(enforce_csrf_checks=True)
    response = client.post("/mijn-gegevens/uitloggen")
    assert_dutch_page(response, 403, "Deze pagina is verlopen", "/mijn-gegevens/")


def test_resident_500(settings, kapotte_urls, django_assert_num_queries):
    client = Client(raise_request_exception=False)
    with django_assert_num_queries(0):  # works when the database is what failed
        response = client.get("/mijn-gegevens/__kapot")
    assert_dutch_page(response, 500, "Er ging bij ons iets mis", "/mijn-gegevens/")
    assert "een fout die niemand te zien krijgt" not in _page(response)


# --- staff ------------------------------------------------------------------------------------


def test_staff_403(raadpleger_client):
    response = raadpleger_client.get(f"{KLANTEN_ADMIN}add/")
    assert_dutch_page(response, 403, "U heeft geen toegang tot deze pagina", "/admin/")
    assert "functioneel beheerder" in _page(response)
    assert "admin/css/base.css" in _page(response)  # the admin's style, with its header


def test_staff_404_for_a_klant_that_is_not_there(beheerder_client):
    for url in (f"{KLANTEN_ADMIN}999999/change/", f"{KLANTEN_ADMIN}999999/history/"):
        response = beheerder_client.get(url)
        assert_dutch_page(response, 404, "Deze pagina bestaat niet (meer)", "/admin/")
    response = beheerder_client.get("/admin/bestaat/niet/")
    assert_dutch_page(response, 404, "Deze pagina bestaat niet (meer)", "/admin/")


def test_staff_410_for_a_destroyed_klant(beheerder_client, make_klant):
    klant = make_klant()
    response = beheerder_client.post(
        f"{KLANTEN_ADMIN}{klant.pk}/delete/", {"post": "yes", "reden": "AVG-verzoek 12"}
    )
    assert response.status_code == 302
    assert BeheerGebeurtenis.objects.get(actie="vernietiging").klant_pk == klant.pk
    response = beheerder_client.get(f"{KLANTEN_ADMIN}{klant.pk}/change/")
    assert_dutch_page(response, 410, "Deze klant is vernietigd", "/admin/")
    assert f"De klant met klantnummer {klant.klantnummer} van {RSIN}" in _page(response)
    assert "AVG-verzoek 12" not in _page(response)  # the reason stays in the access log


def test_staff_403_for_a_forged_form(beheerder):
    client = Client(enforce_csrf_checks=True)
    client.force_login(beheerder)
    response = client.post(f"{KLANTEN_ADMIN}add/", {"achternaam": "X"})
    assert_dutch_page(response, 403, "Dit formulier is verlopen", "/admin/")


def test_staff_500(kapotte_urls, beheerder):
    client = Client(raise_request_exception=False)
    client.force_login(beheerder)
    response = client.get("/admin/__kapot/")
    assert_dutch_page(response, 500, "Er ging iets mis", "/admin/")


# --- the API keeps problem+json ---------------------------------------------------------------


def test_api_errors_stay_problem_json(client, kapotte_urls):
    response = client.get(f"{BASE}/bestaat-niet")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_pages_are_not_cached(client, settings):
    mijn_gegevens_beschikbaar(settings)
    assert client.get("/mijn-gegevens/bestaat/niet")["Cache-Control"] == "no-store"
