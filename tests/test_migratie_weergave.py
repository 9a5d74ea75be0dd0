"""Migration 0020 gives the klanten already stored their representation's parts, and goes back."""

import pytest
from django.db import connection

from klanten.datamodel.models import Klant

from .conftest import BASE, BSN, RSIN_2
from .migratie_helpers import teruggezet
from .test_read_path import LASTIG, _rendered, _written

BEFORE = [("datamodel", "0019_fk_indexen_zonder_dubbel")]


def _kolommen() -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE column_name LIKE 'weergave%%' AND table_name LIKE 'datamodel_%%'"
        )
        return set(cursor.fetchall())


@pytest.mark.django_db(transaction=True)
def test_klanten_stored_before_the_migration_read_as_rendered(api, make_klant):
    assert len(_kolommen()) == 7
    with teruggezet(BEFORE):
        assert _kolommen() == set()  # the way back drops them
        klanten = [
            make_klant(
                achternaam=LASTIG,
                adres={"straatnaam": LASTIG, "huisnummer": 3},
                subject_type="natuurlijk_persoon",
                subject_identificatie={"inp_bsn": BSN, "verblijfsadres": {"aoa_huisnummer": 1}},
            ),
            make_klant(
                subject_type="niet_natuurlijk_persoon",
                subject_identificatie={"inn_nnp_id": RSIN_2, "bezoekadres": LASTIG},
            ),
            make_klant(
                subject_type="vestiging",
                subject_identificatie={"vestigings_nummer": "000012345678", "handelsnaam": []},
            ),
        ]
    assert len(_kolommen()) == 7
    written = [_written(klant) for klant in reversed(klanten)]
    for data in written:
        assert api.get(data["url"]).content == _rendered(data)
    assert api.get(f"{BASE}/klanten").json()["results"] == written
    assert Klant.objects.count() == 3


@pytest.mark.django_db
def test_the_stored_parts_are_computed_under_any_search_path():
    """pg_dump's restore runs with an empty search_path and computes the generated columns as
    it loads the rows (before any trigger exists): the functions behind them find their
    helpers all the same."""
    adres, buitenland = '{"aoaHuisnummer": 1}', '{"lndLandcode": "5010"}'
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL search_path = ''")
        for sql, groep, verwacht in (
            (
                "SELECT public.klanten_weergave_natuurlijk_persoon("
                "'1', '', '', '', '', '', 'Jan', '', '', %s::jsonb, NULL)",
                adres,
                '"aoaHuisnummer":1',
            ),
            (
                "SELECT public.klanten_weergave_niet_natuurlijk_persoon("
                "'1', '', '', '', '', %s::jsonb)",
                buitenland,
                '"lndLandcode":"5010"',
            ),
            (
                "SELECT public.klanten_weergave_vestiging('1', '{}', %s::jsonb, NULL)",
                adres,
                '"aoaHuisnummer":1',
            ),
        ):
            cursor.execute(sql, [groep])
            assert verwacht in cursor.fetchone()[0]
        cursor.execute("SET LOCAL search_path = public")
