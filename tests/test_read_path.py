"""The read path (rows compiled once per shape) gives exactly the write path's representation."""

from django.core.exceptions import ObjectDoesNotExist
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klanten import sqlvorm
from klanten.api import readsql
from klanten.datamodel.models import Klant
from klanten.datamodel.representation import (
    COLUMNS,
    KLANT_LIST_RELATIONS,
    klant_data,
    row_from_instance,
    rows,
)

from .conftest import BASE, BSN, RSIN_2

VERBLIJFSADRES = {"aoa_identificatie": "0344200000123456", "gor_openbare_ruimte_naam": "Oudegracht"}
BUITENLAND = {"lnd_landcode": "5010", "lnd_landnaam": "België", "sub_adres_buitenland_1": "x"}


def _klanten(make_klant):
    return [
        make_klant(
            subject_type="natuurlijk_persoon",
            subject_identificatie={
                "inp_bsn": BSN,
                "voornamen": "Jan",
                "verblijfsadres": VERBLIJFSADRES,
                "sub_verblijf_buitenland": BUITENLAND,
            },
            adres={"straatnaam": "Kerkstraat", "huisnummer": 1, "woonplaatsnaam": "Utrecht"},
        ),
        make_klant(
            subject_type="niet_natuurlijk_persoon",
            subject_identificatie={"inn_nnp_id": RSIN_2, "sub_verblijf_buitenland": BUITENLAND},
        ),
        make_klant(
            subject_type="vestiging",
            subject_identificatie={
                "vestigings_nummer": "000012345678",
                "handelsnaam": ["Bakkerij", "Banketbakkerij"],
                "verblijfsadres": VERBLIJFSADRES,
            },
        ),
        make_klant(subject="https://brp.example/ingeschrevenpersonen/1"),
    ]


def test_list_detail_and_write_representations_are_identical(api, make_klant):
    klanten = _klanten(make_klant)
    listed = {item["url"]: item for item in api.get(f"{BASE}/klanten").json()["results"]}
    base = f"http://testserver{BASE}/klanten/"
    for klant in klanten:
        written = klant_data(
            Klant.objects.select_related(
                "adres", "natuurlijk_persoon", "niet_natuurlijk_persoon", "vestiging"
            ).get(pk=klant.pk),
            base,
        )
        detail = api.get(written["url"]).json()
        assert detail == written
        assert listed[written["url"]] == written
    assert listed[f"{base}{klanten[2].uuid}"]["subjectIdentificatie"]["handelsnaam"] == [
        "Bakkerij",
        "Banketbakkerij",
    ]
    assert (
        listed[f"{base}{klanten[0].uuid}"]["subjectIdentificatie"]["verblijfsadres"][
            "gorOpenbareRuimteNaam"
        ]
        == "Oudegracht"
    )


def test_each_read_shape_is_compiled_once(api, make_klant):
    klant = make_klant()
    sqlvorm._cache.clear()
    api.get(f"{BASE}/klanten/{klant.uuid}")
    api.get(f"{BASE}/klanten", {"achternaam": "x"})
    shapes = set(sqlvorm._cache)
    api.get(f"{BASE}/klanten/{klant.uuid}")
    api.get(f"{BASE}/klanten", {"achternaam": "y"})
    assert set(sqlvorm._cache) == shapes
    with CaptureQueriesContext(connection) as queries:
        assert api.get(f"{BASE}/klanten/{klant.uuid}").status_code == 200
    assert len(queries.captured_queries) == 1


def test_filter_values_are_parameters_not_sql(api, make_klant):
    make_klant(achternaam="O'Brien; DROP TABLE datamodel_klant; --")
    response = api.get(f"{BASE}/klanten", {"achternaam": "O'Brien; DROP TABLE datamodel_klant; --"})
    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert Klant.objects.count() == 1


# --- the bodies of the reads, byte for byte: the write path's representation, rendered ---------
# every character class an encoder could treat differently: quotes, backslash, the short
# escapes, other control characters, DEL, non-ASCII, U+2028/U+2029 (escaped by the renderer),
# a character outside the BMP, and a slash
LASTIG = 'a"b\\c\bd\fe\nf\rg\th\x01i\x1fj\x7fk é ĳ \u2028 \u2029 \U0001f600 /l'


def _rendered(data) -> bytes:
    """The write path's representation, rendered as the API renders it."""
    from klanten.api.renderers import KlantenJSONRenderer
    from klanten.api.representation import CamelCaseData

    return KlantenJSONRenderer().render(CamelCaseData(data))


def _written(klant) -> dict:
    return klant_data(
        Klant.objects.select_related(
            "adres", "natuurlijk_persoon", "niet_natuurlijk_persoon", "vestiging"
        ).get(pk=klant.pk),
        f"http://testserver{BASE}/klanten/",
    )


def test_read_bodies_are_byte_identical_to_the_rendered_representation(api, make_klant):
    from klanten.datamodel.models import NatuurlijkPersoon, Vestiging

    klanten = _klanten(make_klant)
    klanten.append(
        make_klant(
            voornaam=LASTIG,
            achternaam=LASTIG[::-1],
            functie="",
            subject_type="natuurlijk_persoon",
            subject_identificatie={
                "inp_bsn": BSN,
                "geslachtsnaam": LASTIG,
                "verblijfsadres": {"aoa_identificatie": LASTIG, "aoa_huisnummer": 12},
            },
            adres={"straatnaam": LASTIG, "huisletter": "A"},
        )
    )
    # stored groups as the API never writes them: a JSON null, a key with null, a key missing,
    # a key the representation does not know
    persoon = NatuurlijkPersoon.objects.get(klant=klanten[-1])
    persoon.sub_verblijf_buitenland = {"lndLandcode": None, "onbekend": "x"}
    persoon.save()
    Vestiging.objects.filter(klant=klanten[2]).update(verblijfsadres=None, handelsnaam=[LASTIG])
    NatuurlijkPersoon.objects.filter(klant=klanten[0]).update(
        sub_verblijf_buitenland={"subAdresBuitenland1": LASTIG, "lndLandcode": "5010"}
    )
    klanten.append(make_klant(subject_type="vestiging", subject_identificatie=None))

    written = [_written(klant) for klant in reversed(klanten)]  # newest first
    for data in written:
        response = api.get(data["url"])
        assert response.status_code == 200
        assert response.content == _rendered(data)
    listed = api.get(f"{BASE}/klanten")
    assert listed.content == _rendered(
        {"count": len(written), "next": None, "previous": None, "results": written}
    )
    assert b"\\u2028" in listed.content and "\u2028".encode() not in listed.content


def test_a_page_of_three_with_links_is_byte_identical(api, make_klant, monkeypatch):
    from klanten.api.pagination import KlantenPagination

    monkeypatch.setattr(KlantenPagination, "page_size", 2)
    klanten = [make_klant(achternaam=f"Jansen{i}") for i in range(5)]
    written = [_written(klant) for klant in reversed(klanten)]
    response = api.get(f"{BASE}/klanten", {"page": "2"})
    assert response.content == _rendered(
        {
            "count": 5,
            "next": f"http://testserver{BASE}/klanten?page=3",
            "previous": f"http://testserver{BASE}/klanten",
            "results": written[2:4],
        }
    )
    response = api.get(f"{BASE}/klanten", {"page": "3"})
    assert response.json()["results"] == written[4:]
    assert api.get(f"{BASE}/klanten", {"page": "4"}).status_code == 404


def _prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_reads_are_prepared_statements(api, make_klant, settings, monkeypatch):
    """Planning the joined read took PostgreSQL about ten times as long as running it: the
    reads (detail, list page, counts) are prepared once per connection."""
    from klanten.api.pagination import KlantenPagination

    monkeypatch.setattr(KlantenPagination, "page_size", 1)  # full pages: counted
    klant = make_klant(achternaam="Jansen")
    make_klant(achternaam="Jansen")
    assert api.get(f"{BASE}/klanten/{klant.uuid}").status_code == 200
    assert api.get(f"{BASE}/klanten", {"achternaam": "Jansen"}).json()["count"] == 2
    assert api.get(f"{BASE}/klanten").json()["count"] == 2
    prepared = _prepared()
    assert any("LIMIT 1 OFFSET 0" in sql and "achternaam" in sql for sql in prepared)
    assert any("count(*)" in sql and "achternaam" in sql for sql in prepared)
    assert any("datamodel_klantteller" in sql for sql in prepared)
    assert any('"datamodel_klant"."uuid" = $' in sql for sql in prepared)
    before = len(prepared)
    assert api.get(f"{BASE}/klanten", {"achternaam": "Pietersen"}).json()["count"] == 0
    assert api.get(f"{BASE}/klanten/{klant.uuid}").status_code == 200
    assert len(_prepared()) == before  # the same shapes: the same statements
    # deeper pages are not prepared: one statement per page would crowd out the others
    assert api.get(f"{BASE}/klanten", {"page": "2"}).status_code == 200
    assert len(_prepared()) == before

    settings.KLANTEN_PREPARED_READS = False
    assert api.get(f"{BASE}/klanten", {"achternaam": "Jansen", "functie": "x"}).status_code == 200
    assert len(_prepared()) == before


def test_prepared_reads_keep_the_connection_health_check(api, make_klant, monkeypatch):
    """DB_CONN_HEALTH_CHECKS: a read that is a request's first query checks the persistent
    connection first, as Django's own cursors do."""
    from django.db import connections

    klant = make_klant()
    wrapper = connections["default"]  # not the proxy: its attributes are the wrapper's
    checked = []
    saved = wrapper.health_check_enabled, wrapper.health_check_done
    wrapper.health_check_enabled, wrapper.health_check_done = True, False
    monkeypatch.setattr(wrapper, "is_usable", lambda: checked.append(True) or True)
    try:
        assert readsql.detail_weergave(_Request(), klant.uuid) is not None
        assert checked == [True]
        assert wrapper.health_check_done
    finally:
        wrapper.health_check_enabled, wrapper.health_check_done = saved


class _Request:
    """A request that sees every klant (V7 does not matter here)."""

    jwt_auth = None


def test_rows_are_fetched_without_building_a_column_description(api, make_klant, monkeypatch):
    """The rows of a read (and nothing of a statement without rows) come from the result's
    status: ``cursor.description`` builds an object per column (47 for a klant) on every
    call."""
    import psycopg

    klant = make_klant(achternaam="Jansen")

    def no_description(cursor):
        raise AssertionError("description built")

    monkeypatch.setattr(psycopg.Cursor, "description", property(no_description))
    assert api.get(f"/klanten/api/v1/klanten/{klant.uuid}").status_code == 200
    assert api.get("/klanten/api/v1/klanten").json()["count"] == 1
    assert sqlvorm.voer_uit("SELECT 1 WHERE false", []) == []
    assert sqlvorm.voer_uit("SET LOCAL statement_timeout = 0", [], prepare=False) == []


def _volgens_paden(klant: Klant) -> tuple:
    """The row as read before ``row_from_instance`` had its plan: each column's path walked
    attribute by attribute, an absent related row (None or ``ObjectDoesNotExist``) NULL."""

    def waarde(delen):
        obj = klant
        for deel in delen:
            try:
                obj = getattr(obj, deel)
            except ObjectDoesNotExist:
                return None
            if obj is None:
                return None
        return obj

    return tuple(waarde(kolom.split("__")) for kolom in COLUMNS)


def test_row_from_instance_is_the_row_the_query_selects(make_klant):
    """From an instance with its one-to-one rows loaded, loaded later (an absent one raises
    ``ObjectDoesNotExist``) or set by the service that wrote it (an absent one is None): the
    row ``rows`` selects, and what walking each column's path gives."""
    for gemaakt in _klanten(make_klant):
        [rij] = rows(Klant.objects.filter(pk=gemaakt.pk))
        geladen = Klant.objects.select_related(*KLANT_LIST_RELATIONS).get(pk=gemaakt.pk)
        for klant in (geladen, Klant.objects.get(pk=gemaakt.pk)):
            assert row_from_instance(klant) == rij
            assert _volgens_paden(klant) == rij
        assert row_from_instance(gemaakt) == _volgens_paden(gemaakt)
        assert len(rij) == len(COLUMNS)


def test_reads_follow_changes_made_in_the_database_by_any_path(api, make_klant):
    """The JSON the reads join is PostgreSQL's own (generated columns, migration 0020): a
    change that never went through Python's rendering (a queryset update, a deleted address,
    a new identification, a subject type changed) shows in the next read, byte for byte the
    rendered representation."""
    from klanten.datamodel.models import KlantAdres, NatuurlijkPersoon, Vestiging

    klant = make_klant(adres={"straatnaam": "Kerkstraat", "huisnummer": 1})
    other = make_klant(subject="https://brp.example/ingeschrevenpersonen/2")

    def same(*klanten):
        for k in klanten:
            data = _written(k)
            assert api.get(data["url"]).content == _rendered(data)
        listed = api.get(f"{BASE}/klanten").json()["results"]
        assert {item["url"]: item for item in listed} == {
            data["url"]: data for data in (_written(k) for k in klanten)
        }

    same(klant, other)
    Klant.objects.filter(pk=klant.pk).update(
        achternaam=LASTIG, telefoonnummer="0612345678", aanmaakkanaal="balie"
    )
    KlantAdres.objects.filter(klant=klant).update(straatnaam=LASTIG, huisnummer=None)
    NatuurlijkPersoon.objects.filter(klant=klant).update(
        geslachtsnaam=LASTIG, verblijfsadres={"aoaHuisnummer": 7, "x": 1}
    )
    same(klant, other)
    assert api.get(_written(klant)["url"]).json()["adres"]["straatnaam"] == LASTIG
    KlantAdres.objects.filter(klant=klant).delete()
    Klant.objects.filter(pk=other.pk).update(subject="", subject_type="vestiging")
    Vestiging.objects.create(klant=other, vestigings_nummer="000012345678", handelsnaam=["B"])
    same(klant, other)
    body = api.get(_written(other)["url"]).json()
    assert body["subjectIdentificatie"]["handelsnaam"] == ["B"]
    assert api.get(_written(klant)["url"]).json()["adres"] is None


def test_a_full_page_and_its_count_are_one_statement(api, make_klant, monkeypatch):
    """The number of matches rides with the page's rows (an InitPlan): a full page, filtered
    or not, is one statement, and its count is every match, not the page's."""
    from klanten.api.pagination import KlantenPagination

    monkeypatch.setattr(KlantenPagination, "page_size", 2)
    for i in range(3):
        make_klant(achternaam="Jansen", voornaam=str(i))
    make_klant(achternaam="Pietersen")
    api.get(f"{BASE}/klanten")  # the client's authorization, read once and cached
    for params, count in (({}, 4), ({"achternaam": "Jansen"}, 3)):
        with CaptureQueriesContext(connection) as queries:
            body = api.get(f"{BASE}/klanten", params).json()
        assert len(queries.captured_queries) == 1
        assert body["count"] == count and len(body["results"]) == 2 and body["next"]
        last = api.get(f"{BASE}/klanten", {**params, "page": "2"}).json()
        assert last["count"] == count and len(last["results"]) == count - 2
    assert api.get(f"{BASE}/klanten", {"achternaam": "Jansen", "page": "3"}).status_code == 404


def test_a_klantbeeld_is_byte_identical_and_one_statement_without_interactions(
    make_client, make_klant
):
    """The klantbeeld's klanten come from the stored parts as the list's do: each the write
    path's representation with its interactions and contactmomenten after it, byte for byte;
    klanten without any are read, and the request recorded, in one statement."""
    from klanten.datamodel import contacten, services
    from klanten.datamodel.models import KlantbeeldVerzoek

    from .test_klantbeeld import valideer

    loket = make_client(scopes=("klanten.klantbeeld",), client_id="loket")
    bronorganisaties = ("517439943", "001000007", "100000009")
    klanten = [
        valideer(
            make_klant(
                bronorganisatie=bronorganisatie,
                voornaam=LASTIG,
                achternaam=LASTIG[::-1],
                subject_type="natuurlijk_persoon",
                subject_identificatie={"inp_bsn": BSN, "geslachtsnaam": LASTIG},
                adres={"straatnaam": LASTIG, "huisletter": "A"},
            ),
            "bsn",
            BSN,
        )
        for bronorganisatie in bronorganisaties
    ]
    body = {"subjectType": "natuurlijk_persoon", "identificatie": {"inpBsn": BSN}}

    def klantbeeld(statements: int) -> list[dict]:
        loket.post_json(f"{BASE}/klantbeeld", body)  # the client's scopes read once, then cached
        before = KlantbeeldVerzoek.objects.count()
        with CaptureQueriesContext(connection) as queries:
            response = loket.post_json(f"{BASE}/klantbeeld", body)
        assert response.status_code == 200, response.content
        assert len(queries.captured_queries) == statements
        verzoek = KlantbeeldVerzoek.objects.order_by("-id").first()
        assert KlantbeeldVerzoek.objects.count() == before + 1
        assert (verzoek.aantal_klanten, verzoek.applicatie_weergave) == (3, "Applicatie loket")
        # the interactions and contactmomenten as parsed (their own renderings have their own
        # tests), each klant's representation and its place as the write path renders them
        parsed = response.json()["klanten"]
        expected = [
            {
                **_written(klant),
                "interacties": entry["interacties"],
                "contactmomenten": entry["contactmomenten"],
            }
            for klant, entry in zip(reversed(klanten), parsed, strict=True)
        ]
        assert response.content == _rendered(
            {"subjectType": "natuurlijk_persoon", "klanten": expected}
        )
        return parsed

    assert [(k["interacties"], k["contactmomenten"]) for k in klantbeeld(1)] == [([], [])] * 3
    services.add_interactie(klanten[1], soort="zaak", url="https://z.nl/zaken/1", rol="initiator")
    parsed = klantbeeld(2)
    assert [len(k["interacties"]) for k in parsed] == [0, 1, 0]
    contactmoment = contacten.create_klantcontact(
        {"bronorganisatie": bronorganisaties[0], "kanaal": "telefoon", "inhoud": LASTIG}
    )
    contacten.add_betrokkene(
        contactmoment, klant=klanten[0], klantcontactmoment_rol="belanghebbende"
    )
    parsed = klantbeeld(3)
    assert [len(k["interacties"]) for k in parsed] == [0, 1, 1]
    assert [len(k["contactmomenten"]) for k in parsed] == [0, 0, 1]
    assert parsed[2]["contactmomenten"][0]["tekst"] == LASTIG
