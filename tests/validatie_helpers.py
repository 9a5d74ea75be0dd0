"""Shared helpers of the validated-klanten tests (V2-V6): assertions by an application."""

from datetime import timedelta

from django.utils import timezone
from vng_api_common.authorizations.models import Applicatie

from klanten.config.models import ValidatieRecht
from klanten.datamodel.models import Klant

from .conftest import ALL_SCOPES, BASE, BSN, RSIN

KLANTEN = f"{BASE}/klanten"
GEVALIDEERDE_KLANTEN = f"{BASE}/gevalideerde-klanten"
VALIDEREN = "klanten.valideren"

EIDAS = "http://eidas.europa.eu/LoA/"
SAML = "urn:oasis:names:tc:SAML:2.0:ac:classes:"
EH = "urn:etoegang:core:assurance-class:"
DIGID_BASIS = f"{SAML}PasswordProtectedTransport"  # rank 1
DIGID_MIDDEN = f"{SAML}MobileTwoFactorContract"  # rank 2
DIGID_SUBSTANTIEEL = f"{SAML}Smartcard"  # rank 3
DIGID_HOOG = f"{SAML}SmartcardPKI"  # rank 4

KVK = "12345678"
VESTIGINGSNUMMER = "000012345678"


def validatie_url(klant) -> str:
    return f"{KLANTEN}/{klant.uuid}/validaties"


def moment(minutes_ago: float = 5):
    """An authentication moment, whole seconds, ``minutes_ago`` before now (local time)."""
    value = timezone.localtime() - timedelta(minutes=minutes_ago)
    return value.replace(microsecond=0)


def bsn(value: str = BSN) -> dict:
    return {"type": "bsn", "identificatie": value}


def assertion(
    identificatie: str = BSN,
    *,
    niveau: str = DIGID_MIDDEN,
    middel: str = "digid",
    minutes_ago: float = 5,
    bevestigd: bool = True,
    **extra,
) -> dict:
    """An application's assertion (camelCase body of POST .../validaties)."""
    body = {
        "middel": middel,
        "betrouwbaarheidsniveau": niveau,
        "authenticatieMoment": moment(minutes_ago).isoformat(),
        "uitgever": "DigiD",
        "geauthenticeerde": bsn(identificatie),
        "gegevensBevestigd": bevestigd,
    }
    body.update(extra)
    return body


def applicatie_of(client_id: str) -> Applicatie:
    return Applicatie.objects.get(client_ids__contains=[client_id])


def validating_client(
    make_client,
    client_id: str,
    *,
    maximale_rang: int | None = 4,
    scopes=(*ALL_SCOPES, VALIDEREN),
    **claims,
):
    """An API client with ``klanten.valideren`` and (unless None) a registered maximum rank."""
    client = make_client(scopes=scopes, client_id=client_id, **claims)
    if maximale_rang is not None:
        ValidatieRecht.objects.update_or_create(
            applicatie=applicatie_of(client_id), defaults={"maximale_rang": maximale_rang}
        )
    return client


def np_klant(make_klant, inp_bsn: str | None = BSN, bronorganisatie: str = RSIN, **data) -> Klant:
    """A non-validated natural person, with an (unverified) BSN unless ``inp_bsn`` is None."""
    if inp_bsn is None:
        data.setdefault("subject", "")
        data.setdefault("subject_type", "natuurlijk_persoon")
        data.setdefault("subject_identificatie", {"geslachtsnaam": "Dijk"})
    else:
        data.setdefault("subject_type", "natuurlijk_persoon")
        data.setdefault("subject_identificatie", {"inp_bsn": inp_bsn})
    return make_klant(bronorganisatie=bronorganisatie, **data)


def problem(response, status: int) -> dict:
    """The problem+json body of an error answer, after checking its status and type."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    return body


def invalid_params(response) -> list[tuple[str, str]]:
    body = problem(response, 400)
    return [(p["name"], p["code"]) for p in body["invalidParams"]]
