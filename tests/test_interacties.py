"""E2: the contactmomenten, verzoeken and zaken (by URL, with a role) of a klant."""

import uuid

import pytest

from klanten.datamodel.constants import INTERACTIE_ROLLEN
from klanten.datamodel.models import Interactie

from .conftest import ALL_SCOPES, BASE, ApiClient, klant_url

CONTACTMOMENT = "https://contactmomenten.example.nl/api/v1/contactmomenten/7d1c0b30"
VERZOEK = "https://verzoeken.example.nl/api/v1/verzoeken/3f2a"
ZAAK = "https://zaken.example.nl/api/v1/zaken/9b1e"
PROBLEM_KEYS = {"type", "code", "title", "status", "detail", "instance"}
VALID_ROLES = {
    "contactmoment": {"belanghebbende", "gesprekspartner"},
    "verzoek": {"belanghebbende", "initiator", "mede_initiator"},
    "zaak": {
        "adviseur",
        "behandelaar",
        "belanghebbende",
        "beslisser",
        "initiator",
        "klantcontacter",
        "zaakcoordinator",
        "mede_initiator",
    },
}
ALL_ROLES = sorted(set().union(*VALID_ROLES.values()))
URLS = {"contactmoment": CONTACTMOMENT, "verzoek": VERZOEK, "zaak": ZAAK}


@pytest.fixture
def klant(make_klant):
    return make_klant(achternaam="Jansen")


def interacties_path(klant) -> str:
    return f"{BASE}/klanten/{klant.uuid}/interacties"


def post(client, klant, soort="contactmoment", url=CONTACTMOMENT, rol="gesprekspartner", **extra):
    return client.post_json(
        interacties_path(klant), {"soort": soort, "url": url, "rol": rol, **extra}
    )


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) == PROBLEM_KEYS | ({"invalidParams"} if status == 400 else set())
    assert body["code"] == code
    return body


def assert_invalid(response, name: str, code: str) -> None:
    body = assert_problem(response, 400, "invalid")
    assert [(p["name"], p["code"]) for p in body["invalidParams"]] == [(name, code)]


# --- representation -----------------------------------------------------------------------------
def test_the_role_table_is_the_standards():
    assert {soort: set(roles) for soort, roles in INTERACTIE_ROLLEN.items()} == VALID_ROLES


def test_create_returns_the_exact_representation(api, klant):
    response = post(api, klant)

    assert response.status_code == 201, response.content
    assert response["Content-Type"] == "application/json"
    interactie = Interactie.objects.get(klant=klant)
    assert response.json() == {
        "url": f"{klant_url(klant)}/interacties/{interactie.uuid}",
        "klant": klant_url(klant),
        "soort": "contactmoment",
        "objectUrl": CONTACTMOMENT,
        "rol": "gesprekspartner",
        "vernietigingsdatum": None,
    }
    assert (interactie.soort, interactie.url, interactie.rol) == (
        "contactmoment",
        CONTACTMOMENT,
        "gesprekspartner",
    )


def test_vernietigingsdatum_is_stored(api, klant):
    response = post(
        api, klant, soort="zaak", url=ZAAK, rol="initiator", vernietigingsdatum="2031-12-31"
    )
    assert response.status_code == 201, response.content
    assert response.json()["vernietigingsdatum"] == "2031-12-31"
    assert str(Interactie.objects.get(klant=klant).vernietigingsdatum) == "2031-12-31"


def test_list_returns_every_interaction_oldest_first(api, klant, make_klant):
    first = post(api, klant).json()
    second = post(api, klant, soort="verzoek", url=VERZOEK, rol="initiator").json()
    third = post(
        api, klant, soort="zaak", url=ZAAK, rol="belanghebbende", vernietigingsdatum="2030-01-01"
    ).json()
    other = make_klant(achternaam="Bakker")
    post(api, other, soort="zaak", url=ZAAK, rol="belanghebbende")

    response = api.get(interacties_path(klant))
    assert response.status_code == 200, response.content
    assert response.json() == [first, second, third]


def test_list_of_a_klant_without_interactions(api, klant):
    response = api.get(interacties_path(klant))
    assert response.status_code == 200
    assert response.json() == []


# --- roles per kind -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "soort, rol", [(soort, rol) for soort, roles in VALID_ROLES.items() for rol in sorted(roles)]
)
def test_valid_roles(api, klant, soort, rol):
    response = post(api, klant, soort=soort, url=URLS[soort], rol=rol)
    assert response.status_code == 201, response.content
    assert response.json()["rol"] == rol


@pytest.mark.parametrize(
    "soort, rol",
    [
        (soort, rol)
        for soort, roles in VALID_ROLES.items()
        for rol in [*ALL_ROLES, "Belanghebbende", "eigenaar", ""]
        if rol not in roles
    ],
)
def test_other_roles_are_refused(api, klant, soort, rol):
    response = post(api, klant, soort=soort, url=URLS[soort], rol=rol)
    if rol == "":
        assert_invalid(response, "rol", "blank")
    else:
        assert_invalid(response, "rol", "invalid_choice")
    assert not Interactie.objects.exists()


@pytest.mark.parametrize(
    "body, name, code",
    [
        (
            {"soort": "klantcontact", "url": CONTACTMOMENT, "rol": "belanghebbende"},
            "soort",
            "invalid_choice",
        ),
        ({"url": CONTACTMOMENT, "rol": "belanghebbende"}, "soort", "required"),
        ({"soort": "contactmoment", "rol": "belanghebbende"}, "url", "required"),
        ({"soort": "contactmoment", "url": "geen-url", "rol": "belanghebbende"}, "url", "invalid"),
        ({"soort": "contactmoment", "url": CONTACTMOMENT}, "rol", "required"),
        (
            {"soort": "zaak", "url": ZAAK, "rol": "initiator", "vernietigingsdatum": "morgen"},
            "vernietigingsdatum",
            "invalid",
        ),
        (
            {"soort": "zaak", "url": "https://x.nl/" + "a" * 1000, "rol": "initiator"},
            "url",
            "max_length",
        ),
    ],
    ids=["unknown-soort", "no-soort", "no-url", "bad-url", "no-rol", "bad-date", "long-url"],
)
def test_invalid_input(api, klant, body, name, code):
    assert_invalid(api.post_json(interacties_path(klant), body), name, code)
    assert not Interactie.objects.exists()


def test_wrong_content_type(api, klant):
    response = api.post(
        interacties_path(klant),
        "soort=contactmoment",
        content_type="application/x-www-form-urlencoded",
    )
    assert_problem(response, 415, "unsupported_media_type")


# --- idempotency --------------------------------------------------------------------------------
def test_the_same_url_and_role_twice_is_one_interaction(api, klant):
    first = post(api, klant)
    second = post(api, klant)
    assert first.status_code == 201
    assert second.status_code in (200, 201), second.content
    assert second.json() == first.json()
    assert Interactie.objects.filter(klant=klant).count() == 1


def test_the_same_url_in_another_role_is_another_interaction(api, klant):
    first = post(api, klant, rol="gesprekspartner").json()
    second = post(api, klant, rol="belanghebbende").json()
    assert first["url"] != second["url"]
    assert Interactie.objects.filter(klant=klant).count() == 2


def test_the_same_url_for_two_klanten(api, klant, make_klant):
    other = make_klant(achternaam="Bakker")
    assert post(api, klant).status_code == 201
    assert post(api, other).status_code == 201
    assert Interactie.objects.filter(url=CONTACTMOMENT).count() == 2


# --- delete -------------------------------------------------------------------------------------
def test_delete(api, klant):
    kept = post(api, klant, rol="belanghebbende").json()
    url = post(api, klant).json()["url"]

    response = api.delete(url.removeprefix("http://testserver"))
    assert response.status_code == 204
    assert response.content == b""
    assert api.get(interacties_path(klant)).json() == [kept]

    again = api.delete(url.removeprefix("http://testserver"))
    assert_problem(again, 404, "not_found")


@pytest.mark.parametrize("key", ["0d4e3c1a-6f1b-4b8e-9a57-3c2f0e9b7d11", "not-a-uuid", "1"])
def test_delete_unknown_interaction(api, klant, key):
    post(api, klant)
    assert_problem(api.delete(f"{interacties_path(klant)}/{key}"), 404, "not_found")
    assert Interactie.objects.count() == 1


def test_delete_through_another_klant_is_not_found(api, klant, make_klant):
    other = make_klant(achternaam="Bakker")
    interactie = post(api, klant).json()
    key = interactie["url"].rsplit("/", 1)[1]
    assert_problem(api.delete(f"{interacties_path(other)}/{key}"), 404, "not_found")
    assert Interactie.objects.filter(klant=klant).count() == 1


def test_get_on_a_single_interaction_is_not_allowed(api, klant):
    url = post(api, klant).json()["url"].removeprefix("http://testserver")
    assert_problem(api.get(url), 405, "method_not_allowed")


def test_interactions_go_with_the_klant(api, klant):
    post(api, klant)
    assert api.delete(f"{BASE}/klanten/{klant.uuid}").status_code == 204
    assert not Interactie.objects.exists()


# --- unknown klant ------------------------------------------------------------------------------
@pytest.mark.parametrize("key", ["0d4e3c1a-6f1b-4b8e-9a57-3c2f0e9b7d11", "not-a-uuid"])
def test_unknown_klant(api, key):
    path = f"{BASE}/klanten/{key}/interacties"
    assert_problem(api.get(path), 404, "not_found")
    body = {"soort": "contactmoment", "url": CONTACTMOMENT, "rol": "gesprekspartner"}
    assert_problem(api.post_json(path, body), 404, "not_found")
    assert_problem(api.delete(f"{path}/{uuid.uuid4()}"), 404, "not_found")


# --- scopes -------------------------------------------------------------------------------------
def test_reading_needs_lezen(make_client, klant):
    assert make_client(scopes=("klanten.lezen",)).get(interacties_path(klant)).status_code == 200
    without = make_client(scopes=tuple(s for s in ALL_SCOPES if s != "klanten.lezen"))
    assert_problem(without.get(interacties_path(klant)), 403, "permission_denied")


def test_writing_needs_bijwerken(make_client, klant):
    lezer = make_client(scopes=("klanten.lezen", "klanten.aanmaken", "klanten.verwijderen"))
    assert_problem(post(lezer, klant), 403, "permission_denied")
    assert not Interactie.objects.exists()

    schrijver = make_client(scopes=("klanten.bijwerken",))
    created = post(schrijver, klant)
    assert created.status_code == 201, created.content
    url = created.json()["url"].removeprefix("http://testserver")

    assert_problem(lezer.delete(url), 403, "permission_denied")
    assert Interactie.objects.count() == 1
    assert schrijver.delete(url).status_code == 204


def test_all_rights(make_client, klant):
    alles = make_client(all_rights=True)
    created = post(alles, klant)
    assert created.status_code == 201
    assert alles.get(interacties_path(klant)).status_code == 200
    assert alles.delete(created.json()["url"].removeprefix("http://testserver")).status_code == 204


def test_without_token(db, klant):
    anonymous = ApiClient()
    assert anonymous.get(interacties_path(klant)).status_code == 403
    assert post(anonymous, klant).status_code == 403
