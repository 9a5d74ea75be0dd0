"""The read path (rows compiled once per shape) gives exactly the write path's representation."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from klanten.api import readsql
from klanten.datamodel.models import Klant
from klanten.datamodel.representation import klant_data

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
    readsql._cache.clear()
    api.get(f"{BASE}/klanten/{klant.uuid}")
    api.get(f"{BASE}/klanten", {"achternaam": "x"})
    shapes = set(readsql._cache)
    api.get(f"{BASE}/klanten/{klant.uuid}")
    api.get(f"{BASE}/klanten", {"achternaam": "y"})
    assert set(readsql._cache) == shapes
    with CaptureQueriesContext(connection) as queries:
        assert api.get(f"{BASE}/klanten/{klant.uuid}").status_code == 200
    assert len(queries.captured_queries) == 1


def test_filter_values_are_parameters_not_sql(api, make_klant):
    make_klant(achternaam="O'Brien; DROP TABLE datamodel_klant; --")
    response = api.get(f"{BASE}/klanten", {"achternaam": "O'Brien; DROP TABLE datamodel_klant; --"})
    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert Klant.objects.count() == 1
