"""A broken business rule is answered the same on every API, by one mapping
(``klanten.api.exceptions.regel_als_api_fout``): ``rules.Refused`` 403, ``rules.Conflict`` 409
(on the Klanten API with ``bestaandeKlant`` when it names an existing klant), any other
``rules.RuleViolation`` 400 with ``invalidParams``; each with the rule's code and message.

First the mapping itself, then each kind through a create of each API (Klanten,
Contactmomenten, Klantinteracties) whose service raises it, and through the exception handler
for a rule a view leaves unmapped. Which real rule each write meets is tested with the rules
(``test_validaties``, ``test_cardinaliteit``, ``test_bevestigingslink``,
``test_contactmoment_relaties``, ``test_vergrendelvolgorde``, ``test_schema_conflicts``)."""

import pytest
from django.test import RequestFactory
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.views import APIView

from klanten.api.exceptions import ConflictError, regel_als_api_fout
from klanten.datamodel import contacten, partijservices, rules, services, transactions

from .conftest import BASE, BSN, CM_BASE, RSIN, klant_url
from .ki_fixtures import KI_BASE

PROBLEM_KEYS = {"type", "code", "title", "status", "detail", "instance"}
BERICHT = "Een regel van de registratie."


def weigering():
    return rules.Refused(BERICHT, code="onvertrouwde-bron")


def conflict():
    return rules.Conflict(BERICHT, code="test-conflict")


def regel(veld=None):
    exc = rules.RuleViolation(BERICHT, code="test-regel")
    if veld is not None:
        exc.field = veld
    return exc


# --- the mapping -----------------------------------------------------------------------------


def test_a_refusal_is_a_403_with_its_code():
    fout = regel_als_api_fout(weigering())
    assert isinstance(fout, PermissionDenied)
    assert fout.status_code == 403
    assert (str(fout.detail), fout.detail.code) == (BERICHT, "onvertrouwde-bron")


def test_a_conflict_is_a_409_with_its_code_and_no_existing_klant():
    fout = regel_als_api_fout(conflict(), RequestFactory().get("/"))
    assert isinstance(fout, ConflictError)
    assert fout.status_code == 409
    assert (str(fout.detail), fout.detail.code) == (BERICHT, "test-conflict")
    assert fout.existing_url is None


def test_a_concurrent_change_is_a_409_gelijktijdige_wijziging():
    fout = regel_als_api_fout(transactions.GelijktijdigeWijziging())
    assert (fout.status_code, fout.detail.code) == (409, "gelijktijdige-wijziging")


def test_a_conflict_naming_an_existing_klant_carries_its_url_built_from_the_request(make_klant):
    klant = make_klant()
    exc = services._duplicate(klant)

    fout = regel_als_api_fout(exc, RequestFactory().get("/"))

    assert (fout.status_code, fout.detail.code) == (409, "gevalideerde-klant-bestaat")
    assert fout.existing_url == klant_url(klant)
    # without a request (the other APIs, the exception handler) no klanten URL
    assert regel_als_api_fout(exc).existing_url is None


def test_another_rule_is_a_400_on_the_field_it_names():
    fout = regel_als_api_fout(regel())
    assert isinstance(fout, ValidationError)
    [(veld, [detail])] = fout.detail.items()
    assert (veld, str(detail), detail.code) == ("non_field_errors", BERICHT, "test-regel")

    # the field the rule names (``exc.field``), unless the caller names one
    assert list(regel_als_api_fout(regel("subject")).detail) == ["subject"]
    assert list(regel_als_api_fout(regel("subject"), veld="vorigContactmoment").detail) == [
        "vorigContactmoment"
    ]


# --- through a create of each API --------------------------------------------------------------

KLANT = {
    "bronorganisatie": RSIN,
    "subjectType": "natuurlijk_persoon",
    "subjectIdentificatie": {"inpBsn": BSN},
}
CONTACTMOMENT = {
    "bronorganisatie": "423182687",
    "kanaal": "telephone",
    "tekst": "Vraag",
    "initiatiefnemer": "gemeente",
    "medewerker": "http://example.com/medewerker/1",
}
PARTIJ = {
    "soortPartij": "persoon",
    "indicatieActief": True,
    "partijIdentificatie": {"contactnaam": {"voornaam": "Jan", "achternaam": "Jansen"}},
}


@pytest.fixture
def schrijf(api, cm_api, ki_api, medewerkers, monkeypatch):
    """``schrijf(api, exc)``: the create of that API (``klanten``, ``contactmomenten``,
    ``klantinteracties``), its service raising ``exc``; the response."""
    writes = {
        "klanten": (services, "create_klant", api, f"{BASE}/klanten", KLANT),
        "contactmomenten": (
            contacten,
            "create_klantcontact",
            cm_api,
            f"{CM_BASE}/contactmomenten",
            CONTACTMOMENT,
        ),
        "klantinteracties": (
            partijservices,
            "maak_partij",
            ki_api,
            f"{KI_BASE}/partijen",
            PARTIJ,
        ),
    }

    def schrijf(naam, exc):
        module, functie, client, url, body = writes[naam]

        def breekt(*args, **kwargs):
            raise exc

        monkeypatch.setattr(module, functie, breekt)
        return client.post_json(url, body)

    return schrijf


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == PROBLEM_KEYS | ({"invalidParams"} if status == 400 else set()), body
    return body


APIS = ("klanten", "contactmomenten", "klantinteracties")


@pytest.mark.parametrize("naam", APIS)
def test_a_refusal_is_a_403_on_every_api(schrijf, naam):
    """On the Contactmomenten API too (it answered a refusal as a 400 before)."""
    body = problem(schrijf(naam, weigering()), 403)
    assert (body["code"], body["detail"]) == ("onvertrouwde-bron", BERICHT)


@pytest.mark.parametrize("naam", APIS)
def test_a_conflict_is_a_409_on_every_api(schrijf, naam):
    body = problem(schrijf(naam, conflict()), 409)
    assert (body["code"], body["detail"]) == ("test-conflict", BERICHT)


@pytest.mark.parametrize("naam", APIS)
def test_a_concurrent_change_is_a_409_on_every_api(schrijf, naam):
    body = problem(schrijf(naam, transactions.GelijktijdigeWijziging()), 409)
    assert body["code"] == "gelijktijdige-wijziging"


@pytest.mark.parametrize(("naam", "bestaande"), [(api, api == "klanten") for api in APIS])
def test_an_existing_klant_is_named_on_the_klanten_api(schrijf, make_klant, naam, bestaande):
    """V6: the Klanten API names the existing klant (``bestaandeKlant``); the other APIs'
    resources are no klanten: the same 409 without it (as before)."""
    klant = make_klant()
    response = schrijf(naam, services._duplicate(klant))
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "gevalideerde-klant-bestaat"
    if bestaande:
        assert set(body) == PROBLEM_KEYS | {"bestaandeKlant"}
        assert body["bestaandeKlant"] == klant_url(klant)
    else:
        assert set(body) == PROBLEM_KEYS


@pytest.mark.parametrize("naam", APIS)
def test_another_rule_is_a_400_with_invalid_params_on_every_api(schrijf, naam):
    body = problem(schrijf(naam, regel()), 400)
    assert (body["code"], body["status"]) == ("invalid", 400)
    assert body["invalidParams"] == [
        {"name": "nonFieldErrors", "code": "test-regel", "reason": BERICHT}
    ]


@pytest.mark.parametrize(
    ("naam", "veld"),
    [
        ("klanten", "subjectIdentificatie"),
        ("klantinteracties", "subjectIdentificatie"),
        # the Contactmomenten API names the field by the rule's code (vorigContactmoment)
        ("contactmomenten", "nonFieldErrors"),
    ],
)
def test_a_rule_naming_its_field_is_a_400_on_that_field(schrijf, naam, veld):
    body = problem(schrijf(naam, regel("subject_identificatie")), 400)
    assert [(p["name"], p["code"]) for p in body["invalidParams"]] == [(veld, "test-regel")]


def test_the_contactmomenten_api_names_vorig_contactmoment_by_the_rules_code(schrijf):
    exc = rules.RuleViolation(BERICHT, code="kringverwijzing")
    body = problem(schrijf("contactmomenten", exc), 400)
    assert [(p["name"], p["code"]) for p in body["invalidParams"]] == [
        ("vorigContactmoment", "kringverwijzing")
    ]


# --- a rule a view leaves: the exception handler ------------------------------------------------


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (weigering(), 403, "onvertrouwde-bron"),
        (conflict(), 409, "test-conflict"),
        (regel(), 400, "invalid"),
    ],
)
@pytest.mark.parametrize(
    "url", [f"{BASE}/klanten", f"{CM_BASE}/contactmomenten", f"{KI_BASE}/partijen"]
)
def test_the_exception_handler_answers_a_rule_a_view_leaves_as_the_views_do(
    api, monkeypatch, url, exc, status, code
):
    """Any rule, not only a conflict (a refusal or another rule was a 500 before)."""

    def breekt(self, request, *args, **kwargs):
        raise exc

    monkeypatch.setattr(APIView, "initial", breekt)
    body = problem(api.get(url), status)
    assert body["code"] == code
    if status == 400:
        assert body["invalidParams"] == [
            {"name": "nonFieldErrors", "code": "test-regel", "reason": BERICHT}
        ]
