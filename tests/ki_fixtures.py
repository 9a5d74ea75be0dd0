"""Fixtures for the Klantinteracties API: clients with ``Token`` keys (K2) and the scopes of
component ``ki``, as trusted asserters (K4) or not. Import them in a test module::

    from .ki_fixtures import KI_BASE, ki_api, make_ki_client  # noqa: F401
"""

import itertools

import pytest
from vng_api_common.authorizations.models import Applicatie

from klanten.config.clients import APIClient, save_api_client
from klanten.config.tokens import maak_token

from .conftest import SECRET, ApiClient, make_token

KI_BASE = "/klantinteracties/api/v1"
KI_SCOPES = (
    "klantinteracties.lezen",
    "klantinteracties.aanmaken",
    "klantinteracties.bijwerken",
    "klantinteracties.verwijderen",
)
PROBLEM_KEYS = {"type", "code", "title", "status", "detail", "instance"}
_counter = itertools.count(1)


def ki_url(collectie: str, uuid) -> str:
    return f"http://testserver{KI_BASE}/{collectie}/{uuid}"


def ki_post(client, collectie: str, body: dict) -> dict:
    """POST ``body`` to a Klantinteracties collection; the created resource (201)."""
    response = client.post_json(f"{KI_BASE}/{collectie}", body)
    assert response.status_code == 201, response.content
    return response.json()


# (codeObjecttype, codeRegister) of each kind of partij-identificator
IDENTIFICATOR_CODES = {
    "bsn": ("natuurlijk_persoon", "brp"),
    "kvk_nummer": ("niet_natuurlijk_persoon", "hr"),
    "rsin": ("niet_natuurlijk_persoon", "hr"),
    "vestigingsnummer": ("vestiging", "hr"),
}


def identificator(soort: str, object_id: str) -> dict:
    """A partijIdentificator body of kind ``soort`` (``IDENTIFICATOR_CODES``)."""
    objecttype, register = IDENTIFICATOR_CODES[soort]
    return {
        "codeObjecttype": objecttype,
        "codeSoortObjectId": soort,
        "objectId": object_id,
        "codeRegister": register,
    }


def assert_problem(response, status: int, code: str | None = None) -> dict:
    """A ZGW problem (six keys, ``invalidParams`` on a 400), sent as ``application/json`` as
    Open Klant does (``klanten.api.exceptions.error_content_type``)."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == PROBLEM_KEYS | ({"invalidParams"} if status == 400 else set())
    if code is not None:
        assert body["code"] == code, body
    return body


def invalid_params(response) -> list[tuple[str, str]]:
    body = assert_problem(response, 400)
    return [(p["name"], p["code"]) for p in body["invalidParams"]]


@pytest.fixture
def make_ki_client(db):
    """``make_ki_client(scopes=KI_SCOPES, maximale_rang=None, vertrouwd=False, jwt=False,
    scopes_klanten=())`` -> ApiClient with ``Authorization: Token <key>`` (or a ZGW JWT with
    ``jwt=True``). ``vertrouwd``: a trusted asserter (K4) at ``maximale_rang`` (default 2)."""

    def factory(
        scopes=KI_SCOPES,
        *,
        maximale_rang=None,
        vertrouwd=False,
        jwt=False,
        scopes_klanten=(),
        all_rights=False,
        client_id=None,
    ):
        client_id = client_id or f"ki-client-{next(_counter)}"
        if vertrouwd and maximale_rang is None:
            maximale_rang = 2
        save_api_client(
            APIClient(
                client_id=client_id,
                secret=SECRET,
                label=f"Applicatie {client_id}",
                heeft_alle_autorisaties=all_rights,
                scopes=tuple(scopes_klanten),
                klantinteracties_scopes=tuple(scopes),
                maximale_rang=maximale_rang,
                vertrouwde_bron_klantinteracties=vertrouwd,
            )
        )
        applicatie = Applicatie.objects.get(client_ids__contains=[client_id])
        if jwt:
            client = ApiClient(make_token(client_id))
        else:
            _token, sleutel = maak_token(applicatie)
            client = ApiClient(HTTP_AUTHORIZATION=f"Token {sleutel}")
        client.applicatie = applicatie
        return client

    return factory


@pytest.fixture
def ki_api(make_ki_client):
    """A client with every Klantinteracties scope, not a trusted asserter (as KISS)."""
    return make_ki_client()


@pytest.fixture
def ki_vertrouwd(make_ki_client):
    """A trusted asserter at rank 2 (DigiD Midden), as Open Forms is configured."""
    return make_ki_client(vertrouwd=True)
