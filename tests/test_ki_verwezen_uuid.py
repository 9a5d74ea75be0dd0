"""The uuid a Klantinteracties URL filter matches (``klantcontacten.query.verwezen_uuid``): the
prepared list reads (``_uit_url``) and the ORM filters (``_ref_uuid``) share it."""

import uuid

from klanten.klantinteracties.klantcontacten import query
from klanten.klantinteracties.klantcontacten.viewsets import _uit_url

KEY = uuid.UUID("4b2c5e4a-9f0e-4d6a-8a51-0c2f3e1d7b90")
BASE = "https://example.com/klantinteracties/api/v1"


def test_a_url_of_the_collection_is_its_uuid():
    assert query.verwezen_uuid(f"{BASE}/partijen/{KEY}", "partijen") == KEY
    assert query.verwezen_uuid(f"{BASE}/partijen/{KEY}/", "partijen") == KEY


def test_a_url_of_another_collection_or_no_uuid_matches_nothing():
    assert query.verwezen_uuid(f"{BASE}/betrokkenen/{KEY}", "partijen") == query.GEEN
    assert query.verwezen_uuid(f"{BASE}/partijen/geen-uuid", "partijen") == query.GEEN
    assert query.verwezen_uuid(str(KEY), "partijen") == query.GEEN


def test_the_prepared_reads_and_the_orm_filters_take_the_same_uuid():
    for url, verwacht in (
        (f"{BASE}/klantcontacten/{KEY}", KEY),
        (f"{BASE}/actoren/{KEY}", query.GEEN),
        ("onzin", query.GEEN),
    ):
        assert query._ref_uuid(url, "klantcontacten", is_url=True) == verwacht
        assert _uit_url("klantcontacten")(url) == verwacht
    assert query._ref_uuid(KEY, "klantcontacten", is_url=False) == KEY
