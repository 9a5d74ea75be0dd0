"""C11: ETag, If-None-Match, HEAD and Location."""

import hashlib
import re

import pytest
from vng_api_common.audittrails.models import AuditTrail

from .conftest import BASE, BSN, RSIN

ETAG = re.compile(r'^"[0-9a-f]{32}"$')
BODY = {
    "bronorganisatie": RSIN,
    "subjectType": "natuurlijk_persoon",
    "subjectIdentificatie": {"inpBsn": BSN},
    "achternaam": "Jansen",
    "adres": {"straatnaam": "Kerkstraat", "huisnummer": 3},
}


@pytest.fixture
def klant_url(api):
    response = api.post_json(f"{BASE}/klanten", BODY)
    assert response.status_code == 201
    return response.json()["url"]


@pytest.fixture
def trail_url(api, klant_url):
    trail = AuditTrail.objects.get(bron="kc")
    return f"{klant_url}/audittrail/{trail.uuid}"


@pytest.fixture(params=["klant", "audittrail"])
def detail_url(request, klant_url):
    if request.param == "klant":
        return klant_url
    return request.getfixturevalue("trail_url")


def test_location_on_create(api):
    response = api.post_json(f"{BASE}/klanten", BODY)
    assert response.status_code == 201
    assert response["Location"] == response.json()["url"]
    assert response["Location"].startswith(f"http://testserver{BASE}/klanten/")


def test_etag_is_the_hash_of_the_body(api, detail_url):
    response = api.get(detail_url)
    assert response.status_code == 200
    assert ETAG.match(response["ETag"])
    digest = hashlib.md5(response.content, usedforsecurity=False).hexdigest()
    assert response["ETag"] == f'"{digest}"'


def test_etag_is_stable(api, detail_url):
    assert api.get(detail_url)["ETag"] == api.get(detail_url)["ETag"]


def test_matching_if_none_match_gives_304(api, detail_url):
    etag = api.get(detail_url)["ETag"]
    response = api.get(detail_url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert response["API-version"] == "1.0.0"


def test_other_etag_gives_200(api, detail_url):
    first = api.get(detail_url)
    response = api.get(detail_url, HTTP_IF_NONE_MATCH='"00000000000000000000000000000000"')
    assert response.status_code == 200
    assert response.content == first.content
    assert response["ETag"] == first["ETag"]


def test_star_gives_304(api, detail_url):
    response = api.get(detail_url, HTTP_IF_NONE_MATCH="*")
    assert response.status_code == 304
    assert response.content == b""


def test_one_of_several_etags_gives_304(api, detail_url):
    etag = api.get(detail_url)["ETag"]
    header = f'"79054025255fb1a26e4bc422aef54eb4", {etag}'
    response = api.get(detail_url, HTTP_IF_NONE_MATCH=header)
    assert response.status_code == 304


def test_weak_form_of_the_etag_gives_304(api, detail_url):
    """If-None-Match uses the weak comparison (RFC 9110 13.1.2)."""
    etag = api.get(detail_url)["ETag"]
    response = api.get(detail_url, HTTP_IF_NONE_MATCH=f"W/{etag}")
    assert response.status_code == 304


def test_malformed_if_none_match_is_ignored(api, detail_url):
    response = api.get(detail_url, HTTP_IF_NONE_MATCH="geen-etag")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "change",
    [
        {"achternaam": "de Vries"},
        {"adres": {"straatnaam": "Kerkstraat", "huisnummer": 4}},
        {"subjectIdentificatie": {"inpBsn": BSN, "geslachtsnaam": "Jansen"}},
    ],
)
def test_etag_changes_after_an_update(api, klant_url, change):
    before = api.get(klant_url)["ETag"]
    assert api.patch_json(klant_url, change).status_code == 200
    after = api.get(klant_url)
    assert after["ETag"] != before
    assert ETAG.match(after["ETag"])
    # the old ETag no longer matches
    assert api.get(klant_url, HTTP_IF_NONE_MATCH=before).status_code == 200
    assert api.get(klant_url, HTTP_IF_NONE_MATCH=after["ETag"]).status_code == 304


def test_etag_differs_between_klanten(api, klant_url):
    other = api.post_json(f"{BASE}/klanten", BODY)
    assert other.status_code == 201
    assert api.get(klant_url)["ETag"] != api.get(other.json()["url"])["ETag"]


def test_head_has_the_get_headers_without_body(api, detail_url):
    get = api.get(detail_url)
    head = api.head(detail_url)
    assert head.status_code == 200
    assert head.content == b""
    for header in ("ETag", "API-version", "Content-Type"):
        assert head[header] == get[header], header
    assert head["Content-Type"] == "application/json"


def test_head_with_if_none_match(api, detail_url):
    etag = api.get(detail_url)["ETag"]
    response = api.head(detail_url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""


def test_head_needs_the_read_scope(make_client, klant_url):
    client = make_client(scopes=["klanten.aanmaken"])
    response = client.head(klant_url)
    assert response.status_code == 403


def test_head_of_unknown_klant(api):
    response = api.head(f"{BASE}/klanten/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert response.content == b""


def test_no_304_for_errors(api):
    response = api.get(
        f"{BASE}/klanten/00000000-0000-0000-0000-000000000000", HTTP_IF_NONE_MATCH="*"
    )
    assert response.status_code == 404
