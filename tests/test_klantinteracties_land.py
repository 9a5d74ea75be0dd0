# ruff: noqa: F811  (the fixtures imported from ki_helpers)
"""The country of a partij's ``correspondentieadres`` (the klant's ``KlantAdres``): an ISO 3166
code the BRP land code table knows is stored as its BRP ``landcode`` (shown in both APIs); any
other is kept in ``KlantAdres.land`` (the Klanten API's ``landcode`` stays empty), so nothing a
Klantinteracties client sends is lost. A Klanten API or admin write that changes the
``landcode`` says the country: the kept ISO code goes, never shown stale."""

import json

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import AddIndex
from django.test.utils import CaptureQueriesContext

from klanten.datamodel.models import Klant, KlantAdres

from .admin_helpers import KLANTEN_ADMIN, change_form_data
from .conftest import BASE, BSN_2, RSIN
from .ki_helpers import kiss, open_forms  # noqa: F401
from .migratie_helpers import teruggezet
from .test_klantinteracties_partijen import PARTIJEN, persoon
from .test_partij_k10 import laatste_partij_record, nu_gelezen, stand

pytestmark = pytest.mark.zichtbaarheid_applicatie
pytest_plugins = ("tests.admin_fixtures",)  # fixtures: beheerder_client

ADRES = {
    "straatnaam": "Calle Mayor",
    "huisnummer": 12,
    "stad": "Madrid",
    "adresregel1": "Calle Mayor 12",
    "land": "ES",
}


def maak(client, land: str, **extra) -> dict:
    response = client.post_json(
        PARTIJEN, persoon(**extra, correspondentieadres={**ADRES, "land": land})
    )
    assert response.status_code == 201, response.content
    return response.json()


def ki_land(client, uuid) -> str:
    response = client.get(f"{PARTIJEN}/{uuid}")
    assert response.status_code == 200, response.content
    return response.json()["correspondentieadres"]["land"]


def met_geldige_bronorganisatie(uuid) -> None:
    """The test settings' Klantinteracties bronorganisatie (all zeros) is no RSIN a Klanten
    API or admin write accepts back."""
    Klant.objects.filter(uuid=uuid).update(bronorganisatie=RSIN)


def kolommen(uuid) -> tuple[str, str]:
    adres = KlantAdres.objects.get(klant__uuid=uuid)
    return adres.landcode, adres.land


def test_an_iso_code_without_a_brp_code_round_trips(open_forms, api):
    partij = maak(open_forms, "ES")
    assert partij["correspondentieadres"]["land"] == "ES"
    assert ki_land(open_forms, partij["uuid"]) == "ES"
    assert kolommen(partij["uuid"]) == ("", "ES")
    # the Klanten API shows no BRP code it does not know (and not the ISO code)
    klant = api.get(f"{BASE}/klanten/{partij['uuid']}").json()
    assert klant["adres"]["landcode"] == ""
    assert "land" not in klant["adres"]


def test_an_iso_code_is_kept_in_upper_case(open_forms):
    partij = maak(open_forms, "es")
    assert partij["correspondentieadres"]["land"] == "ES"
    assert kolommen(partij["uuid"]) == ("", "ES")


def test_a_code_of_the_table_is_the_brp_landcode_in_both_apis(open_forms, api):
    partij = maak(open_forms, "BE")
    assert partij["correspondentieadres"]["land"] == "BE"
    assert ki_land(open_forms, partij["uuid"]) == "BE"
    assert kolommen(partij["uuid"]) == ("5010", "")
    klant = api.get(f"{BASE}/klanten/{partij['uuid']}").json()
    assert klant["adres"]["landcode"] == "5010"


@pytest.mark.parametrize(
    ("body", "land"),
    [
        ({"adres": {"landcode": "5010"}}, "BE"),
        # a landcode the table does not know: no country in either API, not the stale ES
        ({"adres": {"landcode": "7028"}}, ""),
    ],
    ids=["known", "unknown"],
)
def test_a_klanten_api_patch_of_the_landcode_leaves_no_stale_iso_code(open_forms, api, body, land):
    partij = maak(open_forms, "ES")
    response = api.patch_json(f"{BASE}/klanten/{partij['uuid']}", body)
    assert response.status_code == 200, response.content
    assert ki_land(open_forms, partij["uuid"]) == land
    assert kolommen(partij["uuid"]) == (body["adres"]["landcode"], "")


def test_a_klanten_api_patch_without_the_landcode_keeps_the_iso_code(open_forms, api):
    partij = maak(open_forms, "ES")
    response = api.patch_json(f"{BASE}/klanten/{partij['uuid']}", {"adres": {"huisnummer": 14}})
    assert response.status_code == 200, response.content
    assert ki_land(open_forms, partij["uuid"]) == "ES"


def test_a_klanten_api_put_of_the_address_read_keeps_the_iso_code(open_forms, api):
    """A client that writes back the address it read (its ``landcode`` "", unchanged) loses
    nothing: the ISO code stays while the landcode stays what it was."""
    partij = maak(open_forms, "ES")
    met_geldige_bronorganisatie(partij["uuid"])
    url = f"{BASE}/klanten/{partij['uuid']}"
    klant = api.get(url).json()
    body = {k: v for k, v in klant.items() if k not in ("url",)}
    body["adres"] = {**klant["adres"], "straatnaam": "Calle Menor"}
    response = api.put_json(url, body)
    assert response.status_code == 200, response.content
    assert ki_land(open_forms, partij["uuid"]) == "ES"
    assert kolommen(partij["uuid"]) == ("", "ES")
    body["adres"] = {**body["adres"], "landcode": "5010"}
    assert api.put_json(url, body).status_code == 200
    assert ki_land(open_forms, partij["uuid"]) == "BE"
    assert kolommen(partij["uuid"]) == ("5010", "")


def test_a_klanten_api_patch_of_the_same_empty_landcode_changes_nothing(
    open_forms, api, notificaties
):
    """The address read and written back (``landcode`` "" as shown): the ISO code stays and
    nothing changed, so nothing is recorded."""
    partij = maak(open_forms, "ES")
    voor = stand()
    response = api.patch_json(f"{BASE}/klanten/{partij['uuid']}", {"adres": {"landcode": ""}})
    assert response.status_code == 200, response.content
    assert ki_land(open_forms, partij["uuid"]) == "ES"
    assert kolommen(partij["uuid"]) == ("", "ES")
    assert stand() == voor


def test_the_filter_finds_addresses_kept_by_iso_code(open_forms):
    spanje = maak(open_forms, "ES")
    belgie = maak(open_forms, "BE", bsn=BSN_2)
    assert Klant.objects.get(uuid=belgie["uuid"]).adres.landcode == "5010"

    def gevonden(land) -> set[str]:
        response = open_forms.get(PARTIJEN, {"correspondentieadresLand": land})
        assert response.status_code == 200, response.content
        return {p["uuid"] for p in response.json()["results"]}

    assert gevonden("ES") == {spanje["uuid"]}
    assert gevonden("es") == {spanje["uuid"]}
    assert gevonden("BE") == {belgie["uuid"]}
    assert gevonden("PT") == set()


def _adressen_in_nederland(aantal: int) -> None:
    """``aantal`` partijen (anchors) with an address in the Netherlands (BRP landcode 6030,
    ``land`` blank, as the most are), the tables analysed: the planner weighs an index against
    reading every address as it would in production."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO datamodel_klant (uuid, bronorganisatie, klantnummer, bedrijfsnaam,"
            " functie, website_url, voornaam, voorvoegsel_achternaam, achternaam,"
            " telefoonnummer, emailadres, subject, subject_type, aanmaakkanaal, aangemaakt_op,"
            " gewijzigd_op, gevalideerd, gevalideerde_sleutel_type, gevalideerde_sleutel,"
            " registratie_rang, soort_partij, indicatie_actief, indicatie_geheimhouding,"
            " voorkeurstaal, interne_notitie, bezoekadres, anker)"
            " SELECT gen_random_uuid(), %s, 'nl-' || n, '', '', '', '', '', '', '', '', '',"
            " '', '', now(), now(), false, '', '', 0, 'persoon', true, false, '', '',"
            " '{}'::jsonb, true FROM generate_series(1, %s) AS n",
            [RSIN, aantal],
        )
        cursor.execute(
            "INSERT INTO datamodel_klantadres (klant_id, straatnaam, huisnummer, huisletter,"
            " huisnummertoevoeging, postcode, woonplaats_naam, landcode, nummeraanduiding_id,"
            " adresregel1, adresregel2, adresregel3, land)"
            " SELECT id, 'Dorpsstraat', 1, '', '', '1234AB', 'Utrecht', '6030', '', '', '', '',"
            " '' FROM datamodel_klant WHERE klantnummer LIKE %s",
            ["nl-%"],
        )
        cursor.execute("ANALYZE datamodel_klant")
        cursor.execute("ANALYZE datamodel_klantadres")


def _indexen(plan: dict) -> set[str]:
    """The indexes a plan (EXPLAIN FORMAT JSON) reads ``datamodel_klantadres`` by."""
    gevonden = set()
    stack = [plan]
    while stack:
        node = stack.pop()
        if node.get("Index Name", "").startswith("klantadres_"):
            gevonden.add(node["Index Name"])
        stack.extend(node.get("Plans", []))
    return gevonden


def test_the_land_filter_reads_the_addresses_by_index(open_forms):
    """The country filter finds an address by either column (``landcode`` OR ``land``): each
    has an index (``land``: migration 0018), so the query reads only the addresses in that
    country, never every address (as it did without the index on ``land``, even with
    sequential scans disabled: the primary key walked with the condition as a filter)."""
    spanje = maak(open_forms, "ES")
    _adressen_in_nederland(3000)
    with CaptureQueriesContext(connection) as queries:
        response = open_forms.get(PARTIJEN, {"correspondentieadresLand": "ES"})
    assert response.status_code == 200, response.content
    assert [p["uuid"] for p in response.json()["results"]] == [spanje["uuid"]]
    [sql] = [q["sql"] for q in queries if '"datamodel_klantadres"."land" = ' in q["sql"]]
    with connection.cursor() as cursor:
        # the test's transaction ends with the test: LOCAL is undone with it
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        [(plan,)] = cursor.fetchall()
    plan = (plan if isinstance(plan, list) else json.loads(plan))[0]["Plan"]
    gelezen = _indexen(plan)
    assert {"klantadres_land_k_idx", "klantadres_landcode_k_idx"} <= gelezen, gelezen


@pytest.mark.django_db(transaction=True)
def test_the_land_index_migration_is_reversible():
    def indexen() -> dict:
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, "datamodel_klantadres")
        return {naam: c["columns"] for naam, c in constraints.items() if c["index"]}

    # the migration that adds it (found, not named: its number may change), and the one before
    [migratie] = [
        migratie
        for (app, _), migratie in MigrationLoader(connection).disk_migrations.items()
        if app == "datamodel"
        and any(
            isinstance(op, AddIndex) and op.index.name == "klantadres_land_k_idx"
            for op in migratie.operations
        )
    ]
    [voor] = [dependency for dependency in migratie.dependencies if dependency[0] == "datamodel"]
    assert indexen()["klantadres_land_k_idx"] == ["land", "klant_id"]
    with teruggezet([voor]):
        assert "klantadres_land_k_idx" not in indexen()
        assert indexen()["klantadres_landcode_k_idx"] == ["landcode", "klant_id"]
    assert indexen()["klantadres_land_k_idx"] == ["land", "klant_id"]


# --- records of a Klantinteracties write that changes only the land ---------------------------


def test_promotion_that_changes_only_the_land_records_the_partij_once(
    kiss, open_forms, notificaties
):
    """An anchor (KISS) promoted by Open Forms with the same data but the country: one partij
    record and notification (its representation changed); the same country again: none."""
    anker = maak(kiss, "FR")
    kiss_oud = nu_gelezen(anker["uuid"])
    assert kiss_oud["correspondentieadres"]["land"] == "FR"
    kc, kc_n, ki, ki_n = stand()
    response = open_forms.post_json(PARTIJEN, persoon(correspondentieadres=ADRES))
    assert response.status_code == 201, response.content
    assert response.json()["uuid"] == anker["uuid"]
    assert response.json()["correspondentieadres"]["land"] == "ES"
    assert stand()[2:] == (ki + 1, ki_n + 1)
    record = laatste_partij_record()
    assert record.oud == kiss_oud
    assert record.nieuw == nu_gelezen(anker["uuid"])
    verschil = {k for k in record.nieuw if record.nieuw[k] != record.oud[k]}
    assert verschil == {"correspondentieadres"}
    assert {
        k
        for k in record.nieuw["correspondentieadres"]
        if record.nieuw["correspondentieadres"][k] != record.oud["correspondentieadres"][k]
    } == {"land"}


def test_promotion_with_the_same_unknown_land_records_no_partij_change(
    kiss, open_forms, notificaties
):
    anker = maak(kiss, "ES")
    _, _, ki, ki_n = stand()
    response = open_forms.post_json(PARTIJEN, persoon(correspondentieadres=ADRES))
    assert response.status_code == 201, response.content
    assert response.json()["uuid"] == anker["uuid"]
    assert stand()[2:] == (ki, ki_n)
    assert kolommen(anker["uuid"]) == ("", "ES")


# --- the admin ------------------------------------------------------------------------------------


def test_the_admin_change_of_the_landcode_clears_the_iso_code(
    open_forms, beheerder_client, notificaties
):
    partij = maak(open_forms, "ES")
    met_geldige_bronorganisatie(partij["uuid"])
    klant = Klant.objects.get(uuid=partij["uuid"])
    change_url = f"{KLANTEN_ADMIN}{klant.pk}/change/"
    page = beheerder_client.get(change_url)
    assert '<div class="readonly">ES</div>' in page.content.decode()  # shown read-only
    data = change_form_data(page)
    # saved unchanged: the ISO code stays, nothing written
    before = stand()
    assert beheerder_client.post(change_url, data).status_code == 302
    assert kolommen(partij["uuid"]) == ("", "ES")
    assert stand() == before
    # another street: the country stays
    data["adres-0-straatnaam"] = "Calle Menor"
    assert beheerder_client.post(change_url, data).status_code == 302
    assert kolommen(partij["uuid"]) == ("", "ES")
    assert ki_land(open_forms, partij["uuid"]) == "ES"
    # a landcode: it says the country
    data["adres-0-landcode"] = "5010"
    assert beheerder_client.post(change_url, data).status_code == 302
    assert kolommen(partij["uuid"]) == ("5010", "")
    assert ki_land(open_forms, partij["uuid"]) == "BE"


def test_promotion_gives_an_anchor_without_an_address_the_given_one(
    kiss, open_forms, api, notificaties
):
    """An anchor made without a correspondentieadres: the promoting write's is stored (was
    dropped: only an existing address was overwritten)."""
    anker = kiss.post_json(PARTIJEN, persoon()).json()
    assert anker["correspondentieadres"] is None
    _, _, ki, ki_n = stand()
    response = open_forms.post_json(PARTIJEN, persoon(correspondentieadres=ADRES))
    assert response.status_code == 201, response.content
    assert response.json()["uuid"] == anker["uuid"]
    assert response.json()["correspondentieadres"]["land"] == "ES"
    assert response.json()["correspondentieadres"]["straatnaam"] == "Calle Mayor"
    assert ki_land(open_forms, anker["uuid"]) == "ES"
    assert kolommen(anker["uuid"]) == ("", "ES")
    assert stand()[2:] == (ki + 1, ki_n + 1)
    assert laatste_partij_record().nieuw == nu_gelezen(anker["uuid"])
    klant = api.get(f"{BASE}/klanten/{anker['uuid']}").json()
    assert klant["adres"]["straatnaam"] == "Calle Mayor"
