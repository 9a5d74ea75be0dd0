"""Klantinteracties clients through ``setup_configuration`` (keys, scopes, trusted asserter)
and the kanaal ``partijen`` (K2, K4, K10)."""

import io
import textwrap

import pytest
from django.core.management import CommandError, call_command

from klanten.config.models import APIToken, ValidatieRecht
from klanten.config.tokens import applicatie_voor_sleutel

from .ki_fixtures import KI_BASE
from .test_notifications import NRC, configure

SLEUTEL = "een-sleutel-van-open-forms-die-lang-genoeg-is"

YAML = f"""
klanten_api_clients_enable: true
klanten_api_clients:
  items:
    - client_id: open-forms
      secret: a-test-secret-that-is-long-enough-32b
      label: Open Forms
      klantinteracties_scopes: [klantinteracties.lezen, klantinteracties.aanmaken]
      klantinteracties_tokens: [{SLEUTEL}]
      maximale_rang: 2
      vertrouwde_bron_klantinteracties: true
"""


def _setup(tmp_path, body: str) -> str:
    path = tmp_path / "setup.yaml"
    path.write_text(textwrap.dedent(body))
    out = io.StringIO()
    call_command("setup_configuration", yaml_file=str(path), stdout=out)
    return out.getvalue()


def test_setup_configuration_makes_a_klantinteracties_client(db, tmp_path, client):
    _setup(tmp_path, YAML)
    _setup(tmp_path, YAML)  # idempotent
    applicatie = applicatie_voor_sleutel(SLEUTEL)
    assert applicatie is not None and applicatie.label == "Open Forms"
    assert APIToken.objects.count() == 1
    assert SLEUTEL not in APIToken.objects.get().sleutel_hash
    assert ValidatieRecht.objects.get(applicatie=applicatie).vertrouwde_bron_klantinteracties
    response = client.get(f"{KI_BASE}/partijen", HTTP_AUTHORIZATION=f"Token {SLEUTEL}")
    assert response.status_code == 200
    response = client.delete(
        f"{KI_BASE}/partijen/7d2f9a8e-0000-4000-8000-000000000000",
        HTTP_AUTHORIZATION=f"Token {SLEUTEL}",
    )
    assert response.status_code == 403  # no klantinteracties.verwijderen


def test_an_unknown_scope_or_a_short_key_stops_the_step(db, tmp_path):
    with pytest.raises(CommandError):
        _setup(tmp_path, YAML.replace("klantinteracties.lezen,", "klantinteracties.alles,"))
    with pytest.raises(CommandError):
        _setup(tmp_path, YAML.replace(SLEUTEL, "kort"))


def test_register_kanalen_registers_partijen(db, requests_mock, settings):
    settings.SITE_DOMAIN = "klanten.example"
    settings.IS_HTTPS = True
    configure()
    requests_mock.get(f"{NRC}kanaal", json=[])
    requests_mock.post(f"{NRC}kanaal", status_code=201, json={"url": f"{NRC}kanaal/3"})
    out = io.StringIO()
    call_command("register_kanalen", "--kanalen", "partijen", stdout=out)
    _get, post = requests_mock.request_history
    assert post.json() == {
        "naam": "partijen",
        "documentatieLink": "https://klanten.example/ref/kanalen/#partijen",
        "filters": ["soort_partij"],
    }
