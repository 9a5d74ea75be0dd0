"""C4 and P2: locally configured API clients (save_api_client and setup_configuration)."""

import io
import textwrap
import warnings

import pytest
from django.core.management import CommandError, call_command
from vng_api_common.authorizations.models import Applicatie, Autorisatie
from vng_api_common.constants import ComponentTypes
from vng_api_common.models import JWTSecret

from klanten.config.clients import APIClient, ShortSecretWarning, save_api_client

from .conftest import BASE, BSN, RSIN, ApiClient, make_token

LONG_SECRET = "s" * 32
OTHER_SECRET = "t" * 40
KLANT = {
    "bronorganisatie": RSIN,
    "subjectType": "natuurlijk_persoon",
    "subjectIdentificatie": {"inpBsn": BSN},
}


def _save(**kwargs) -> Applicatie:
    data = {"client_id": "portaal", "secret": LONG_SECRET, "label": "Portaal", **kwargs}
    with warnings.catch_warnings():
        warnings.simplefilter("error", ShortSecretWarning)
        return save_api_client(APIClient(**data))


def _state(client_id: str = "portaal") -> dict:
    applicatie = Applicatie.objects.get(client_ids__contains=[client_id])
    return {
        "secret": JWTSecret.objects.get(identifier=client_id).secret,
        "label": applicatie.label,
        "client_ids": applicatie.client_ids,
        "alle": applicatie.heeft_alle_autorisaties,
        "autorisaties": sorted(
            (a.component, sorted(a.scopes)) for a in applicatie.autorisaties.all()
        ),
    }


def _client(client_id="portaal", secret=LONG_SECRET) -> ApiClient:
    return ApiClient(make_token(client_id, secret=secret))


# --- save_api_client --------------------------------------------------------------------------
def test_creates_secret_application_and_scopes(db):
    applicatie = _save(scopes=("klanten.lezen", "audittrails.lezen"))
    assert applicatie.pk is not None
    assert _state() == {
        "secret": LONG_SECRET,
        "label": "Portaal",
        "client_ids": ["portaal"],
        "alle": False,
        "autorisaties": [("kc", ["audittrails.lezen", "klanten.lezen"])],
    }


def test_is_idempotent(db):
    first = _save(scopes=("klanten.lezen",))
    second = _save(scopes=("klanten.lezen",))
    assert (second.pk, second.uuid) == (first.pk, first.uuid)
    assert JWTSecret.objects.count() == 1
    assert Applicatie.objects.count() == 1
    assert Autorisatie.objects.count() == 1
    assert _state()["autorisaties"] == [("kc", ["klanten.lezen"])]


def test_updates_label_secret_and_scopes(db):
    first = _save(scopes=("klanten.lezen",))
    second = _save(label="Klantportaal", secret=OTHER_SECRET, scopes=("klanten.aanmaken",))
    assert second.pk == first.pk
    assert _state() == {
        "secret": OTHER_SECRET,
        "label": "Klantportaal",
        "client_ids": ["portaal"],
        "alle": False,
        "autorisaties": [("kc", ["klanten.aanmaken"])],
    }
    assert Autorisatie.objects.count() == 1


def test_all_rights_replaces_scopes(db):
    _save(scopes=("klanten.lezen",))
    _save(heeft_alle_autorisaties=True, scopes=("klanten.lezen",))
    assert _state()["alle"] is True
    assert _state()["autorisaties"] == []
    _save(scopes=("klanten.lezen",))
    assert _state()["alle"] is False
    assert _state()["autorisaties"] == [("kc", ["klanten.lezen"])]


def test_keeps_autorisaties_for_other_components(db):
    applicatie = _save(scopes=("klanten.lezen",))
    Autorisatie.objects.create(
        applicatie=applicatie, component=ComponentTypes.zrc, scopes=["zaken.lezen"]
    )
    _save(scopes=("klanten.bijwerken",))
    assert _state()["autorisaties"] == [
        ("kc", ["klanten.bijwerken"]),
        ("zrc", ["zaken.lezen"]),
    ]


def test_unknown_scope_is_refused(db):
    with pytest.raises(ValueError, match="klanten.schrijven"):
        _save(scopes=("klanten.lezen", "klanten.schrijven"))
    assert not JWTSecret.objects.exists()
    assert not Applicatie.objects.exists()


def test_unknown_scope_leaves_an_existing_client_alone(db):
    _save(scopes=("klanten.lezen",))
    before = _state()
    with pytest.raises(ValueError):
        _save(secret=OTHER_SECRET, scopes=("zaken.lezen",))
    assert _state() == before


@pytest.mark.parametrize("secret", ["kort", "x" * 31, "é" * 15])
def test_short_secret_warns(db, secret):
    with pytest.warns(ShortSecretWarning, match="portaal"):
        save_api_client(APIClient(client_id="portaal", secret=secret, label="Portaal"))
    # still saved: a warning, not a refusal
    assert JWTSecret.objects.get(identifier="portaal").secret == secret


@pytest.mark.parametrize("secret", ["x" * 32, "é" * 16, "y" * 64])
def test_long_enough_secret_does_not_warn(db, secret):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        save_api_client(APIClient(client_id="portaal", secret=secret, label="Portaal"))


def test_warning_does_not_contain_the_secret(db):
    with pytest.warns(ShortSecretWarning) as caught:
        save_api_client(APIClient(client_id="portaal", secret="geheim123", label="Portaal"))
    assert "geheim123" not in str(caught[0].message)


# --- end to end ---------------------------------------------------------------------------
def test_scopes_work_end_to_end(db):
    _save(scopes=("klanten.lezen", "klanten.aanmaken"))
    client = _client()
    created = client.post_json(f"{BASE}/klanten", KLANT)
    assert created.status_code == 201
    url = created.json()["url"]
    assert client.get(url).status_code == 200
    assert client.patch_json(url, {"voornaam": "Jan"}).status_code == 403
    assert client.delete(url).status_code == 403
    assert client.get(f"{url}/audittrail").status_code == 403

    # widening the scopes takes effect for the next request, same token
    _save(scopes=("klanten.lezen", "klanten.verwijderen"))
    assert client.post_json(f"{BASE}/klanten", KLANT).status_code == 403
    assert client.delete(url).status_code == 204


def test_changed_secret_invalidates_old_tokens(db):
    _save(scopes=("klanten.lezen",))
    old = _client()
    assert old.get(f"{BASE}/klanten").status_code == 200
    _save(secret=OTHER_SECRET, scopes=("klanten.lezen",))
    response = old.get(f"{BASE}/klanten")
    assert response.status_code == 403
    assert response.json()["code"] == "invalid-jwt-signature"
    assert _client(secret=OTHER_SECRET).get(f"{BASE}/klanten").status_code == 200


def test_all_rights_end_to_end(db):
    _save(heeft_alle_autorisaties=True)
    client = _client()
    created = client.post_json(f"{BASE}/klanten", KLANT)
    assert created.status_code == 201
    assert client.get(f"{created.json()['url']}/audittrail").status_code == 200
    assert client.delete(created.json()["url"]).status_code == 204


def test_no_scopes_means_no_access(db):
    _save(scopes=())
    assert _state()["autorisaties"] == []
    assert _client().get(f"{BASE}/klanten").status_code == 403


# --- setup_configuration ------------------------------------------------------------------
def _yaml(tmp_path, body: str):
    path = tmp_path / "setup.yaml"
    path.write_text(textwrap.dedent(body))
    return path


def _setup(path) -> str:
    out = io.StringIO()
    call_command("setup_configuration", "--yaml-file", str(path), stdout=out)
    return out.getvalue()


CONFIG = f"""
    klanten_api_clients_enable: true
    klanten_api_clients:
      items:
        - client_id: portaal
          secret: {LONG_SECRET}
          label: Klantportaal
          scopes:
            - klanten.lezen
            - klanten.aanmaken
        - client_id: beheer
          secret: {OTHER_SECRET}
          label: Beheer
          heeft_alle_autorisaties: true
"""


def test_setup_configuration_creates_working_clients(db, tmp_path):
    _setup(_yaml(tmp_path, CONFIG))
    assert _state("portaal") == {
        "secret": LONG_SECRET,
        "label": "Klantportaal",
        "client_ids": ["portaal"],
        "alle": False,
        "autorisaties": [("kc", ["klanten.aanmaken", "klanten.lezen"])],
    }
    assert _state("beheer")["alle"] is True

    portaal = _client()
    created = portaal.post_json(f"{BASE}/klanten", KLANT)
    assert created.status_code == 201
    assert portaal.delete(created.json()["url"]).status_code == 403
    beheer = _client("beheer", OTHER_SECRET)
    assert beheer.delete(created.json()["url"]).status_code == 204


def test_setup_configuration_is_idempotent(db, tmp_path):
    path = _yaml(tmp_path, CONFIG)
    _setup(path)
    before = (_state("portaal"), _state("beheer"))
    _setup(path)
    assert (_state("portaal"), _state("beheer")) == before
    assert Applicatie.objects.count() == 2
    assert JWTSecret.objects.count() == 2


def test_setup_configuration_step_disabled(db, tmp_path):
    path = _yaml(
        tmp_path,
        CONFIG.replace("klanten_api_clients_enable: true", "klanten_api_clients_enable: false"),
    )
    with pytest.raises(CommandError):
        _setup(path)
    assert not Applicatie.objects.exists()


def test_setup_configuration_refuses_unknown_scopes(db, tmp_path):
    path = _yaml(tmp_path, CONFIG.replace("- klanten.aanmaken", "- klanten.alles"))
    with pytest.raises(CommandError):
        _setup(path)
    # the whole run is rolled back
    assert not Applicatie.objects.exists()
    assert not JWTSecret.objects.exists()


# --- one client, several APIs (Contactmomenten API: component cmc) -------------------------------
def test_scopes_per_api(db):
    _save(
        scopes=("klanten.lezen", "audittrails.lezen"),
        contactmomenten_scopes=("contactmomenten.lezen", "contactmomenten.aanmaken"),
    )
    assert _state()["autorisaties"] == [
        ("cmc", ["contactmomenten.aanmaken", "contactmomenten.lezen"]),
        ("kc", ["audittrails.lezen", "klanten.lezen"]),
    ]
    # saved again without contactmomenten scopes: the client loses them
    _save(scopes=("klanten.lezen",))
    assert _state()["autorisaties"] == [("kc", ["klanten.lezen"])]
    _save(contactmomenten_scopes=("contactmomenten.lezen",))
    assert _state()["autorisaties"] == [("cmc", ["contactmomenten.lezen"])]


def test_unknown_contactmomenten_scope_is_refused(db):
    with pytest.raises(ValueError, match="klanten.lezen"):
        _save(contactmomenten_scopes=("klanten.lezen",))
    with pytest.raises(ValueError, match="contactmomenten.lezen"):
        _save(scopes=("contactmomenten.lezen",))
    assert not Applicatie.objects.exists()


def test_audittrails_lezen_is_per_api(db, medewerkers):
    """audittrails.lezen of the Klanten API does not read contactmomenten' audit trails."""
    from klanten.datamodel import contacten

    klantcontact = contacten.create_klantcontact(
        {"bronorganisatie": RSIN, "medewerker_url": "https://m.example.nl/1"}
    )
    trail = f"/contactmomenten/api/v1/contactmomenten/{klantcontact.uuid}/audittrail"
    _save(scopes=("audittrails.lezen",))
    assert _client().get(trail).status_code == 403
    _save(contactmomenten_scopes=("audittrails.lezen",))
    assert _client().get(trail).status_code == 200
    klant = _client().get(f"{BASE}/klanten/00000000-0000-4000-8000-000000000000/audittrail")
    assert klant.status_code == 403


CM_CONFIG = f"""
    klanten_api_clients_enable: true
    klanten_api_clients:
      items:
        - client_id: kcc
          secret: {LONG_SECRET}
          label: Klantcontactcentrum
          scopes:
            - klanten.lezen
          contactmomenten_scopes:
            - contactmomenten.lezen
            - contactmomenten.aanmaken
            - audittrails.lezen
"""


def test_setup_configuration_grants_contactmomenten_scopes(db, tmp_path, medewerkers):
    _setup(_yaml(tmp_path, CM_CONFIG))
    assert _state("kcc")["autorisaties"] == [
        ("cmc", ["audittrails.lezen", "contactmomenten.aanmaken", "contactmomenten.lezen"]),
        ("kc", ["klanten.lezen"]),
    ]
    kcc = _client("kcc")
    body = {"bronorganisatie": RSIN, "medewerker": "https://m.example.nl/1"}
    created = kcc.post_json("/contactmomenten/api/v1/contactmomenten", body)
    assert created.status_code == 201, created.content
    assert kcc.get(created.json()["url"]).status_code == 200
    assert kcc.delete(created.json()["url"]).status_code == 403


def test_setup_configuration_refuses_unknown_contactmomenten_scopes(db, tmp_path):
    path = _yaml(
        tmp_path, CM_CONFIG.replace("- contactmomenten.aanmaken", "- contactmomenten.alles")
    )
    with pytest.raises(CommandError):
        _setup(path)
    assert not Applicatie.objects.exists()
