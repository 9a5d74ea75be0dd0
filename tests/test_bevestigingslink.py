"""E4: the one-time, expiring confirmation link for a non-validated klant.

The API hands out the link once; only a SHA-256 hash of its token is stored. The token is
consumed exactly once, also under concurrent use.
"""

import hashlib
import threading
from datetime import datetime, timedelta
from urllib.parse import urlparse

import pytest
from django.db import connection
from django.utils import timezone
from freezegun import freeze_time

from klanten.datamodel import rules, services
from klanten.datamodel.models import Bevestigingsverzoek

from .conftest import ALL_SCOPES, BASE, BSN, ApiClient
from .threads import outcomes, start_thread

PROBLEM_KEYS = {"type", "code", "title", "status", "detail", "instance"}
LINK_PREFIX = "/mijn-gegevens/bevestigen/"


@pytest.fixture
def klant(make_klant):
    return make_klant(achternaam="Jansen")


def request_link(client, klant):
    return client.post_json(f"{BASE}/klanten/{klant.uuid}/bevestigingsverzoek", {})


def token_of(response) -> str:
    path = urlparse(response.json()["url"]).path
    assert path.startswith(LINK_PREFIX)
    return path.removeprefix(LINK_PREFIX)


def valideer(klant) -> None:
    bewijs = rules.Bewijs(
        middel="digid",
        betrouwbaarheidsniveau="urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract",
        rang=2,
        uitgever="test",
        bron="applicatie",
        authenticatie_moment=timezone.now(),
        geauthenticeerde=rules.Identiteit("bsn", BSN),
        gegevens_bevestigd=True,
    )
    services.valideer_klant(klant, bewijs, services.Actor())


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code
    return body


def database_contains(text: str) -> list[str]:
    """The tables of the public schema with a row whose text form contains ``text``."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        tables = [row[0] for row in cursor.fetchall()]
        hits = []
        for table in tables:
            cursor.execute(
                f'SELECT EXISTS (SELECT 1 FROM "{table}" t WHERE t::text LIKE %s)',
                [f"%{text}%"],
            )
            if cursor.fetchone()[0]:
                hits.append(table)
    return hits


# --- the API ------------------------------------------------------------------------------------
def test_create_returns_a_one_time_link(api, klant):
    with freeze_time("2025-05-01T10:00:00Z"):
        response = request_link(api, klant)

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"url", "verlooptOp"}
    parsed = urlparse(body["url"])
    assert (parsed.scheme, parsed.netloc) == ("http", "testserver")
    token = token_of(response)
    assert len(token) >= 32
    assert "/" not in token and "?" not in token
    # 72 hours by default; in local time with its offset
    expires = datetime.fromisoformat(body["verlooptOp"])
    assert expires.utcoffset() is not None
    assert expires == datetime.fromisoformat("2025-05-04T10:00:00+00:00")

    verzoek = Bevestigingsverzoek.objects.get()
    assert verzoek.klant_id == klant.pk
    assert verzoek.gebruikt_op is None
    assert verzoek.verloopt_op == expires


def test_validity_follows_the_setting(api, klant, settings):
    settings.KLANTEN_BEVESTIGINGSLINK_GELDIG_UREN = 2
    with freeze_time("2025-05-01T10:00:00Z"):
        body = request_link(api, klant).json()
    assert datetime.fromisoformat(body["verlooptOp"]) == datetime.fromisoformat(
        "2025-05-01T12:00:00+00:00"
    )


def test_only_the_hash_of_the_token_is_stored(api, klant):
    token = token_of(request_link(api, klant))
    verzoek = Bevestigingsverzoek.objects.get()
    assert verzoek.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in verzoek.token_hash
    assert database_contains(token) == []
    # the hash is what is stored (a sanity check of the search itself)
    assert database_contains(verzoek.token_hash) == [Bevestigingsverzoek._meta.db_table]


def test_every_request_gives_a_new_token(api, klant):
    tokens = {token_of(request_link(api, klant)) for _ in range(3)}
    assert len(tokens) == 3
    assert Bevestigingsverzoek.objects.filter(klant=klant).count() == 3


def test_the_registering_application_is_recorded(make_client, klant):
    from vng_api_common.authorizations.models import Applicatie

    client = make_client(client_id="balie")
    request_link(client, klant)
    applicatie = Applicatie.objects.get(client_ids__contains=["balie"])
    assert Bevestigingsverzoek.objects.get().applicatie_id == str(applicatie.uuid)


def test_a_validated_klant_gets_no_link(api, klant):
    valideer(klant)
    body = assert_problem(request_link(api, klant), 409, "klant-al-gevalideerd")
    assert set(body) >= PROBLEM_KEYS
    assert not Bevestigingsverzoek.objects.exists()


def test_an_open_link_of_a_klant_validated_meanwhile_is_still_redeemable_once(api, klant):
    """Validation elsewhere does not crash the link; it is consumed once like any other."""
    token = token_of(request_link(api, klant))
    valideer(klant)
    assert services.redeem_bevestigingsverzoek(token).pk == klant.pk
    with pytest.raises(services.LinkUnusable):
        services.redeem_bevestigingsverzoek(token)


@pytest.mark.parametrize("key", ["0d4e3c1a-6f1b-4b8e-9a57-3c2f0e9b7d11", "not-a-uuid"])
def test_unknown_klant(api, key):
    response = api.post_json(f"{BASE}/klanten/{key}/bevestigingsverzoek", {})
    assert_problem(response, 404, "not_found")
    assert not Bevestigingsverzoek.objects.exists()


def test_scope_bijwerken_is_required(make_client, klant):
    without = make_client(scopes=tuple(s for s in ALL_SCOPES if s != "klanten.bijwerken"))
    assert_problem(request_link(without, klant), 403, "permission_denied")
    assert_problem(request_link(ApiClient(), klant), 403, "permission_denied")
    assert not Bevestigingsverzoek.objects.exists()
    assert request_link(make_client(scopes=("klanten.bijwerken",)), klant).status_code == 201


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_only_post(api, klant, method):
    response = getattr(api, method)(f"{BASE}/klanten/{klant.uuid}/bevestigingsverzoek")
    assert_problem(response, 405, "method_not_allowed")


@pytest.mark.zichtbaarheid_applicatie
def test_another_application_cannot_ask_a_link(make_client):
    a = make_client(client_id="app-a")
    b = make_client(client_id="app-b")
    created = a.post_json(
        f"{BASE}/klanten",
        {
            "bronorganisatie": "002220647",
            "subjectType": "natuurlijk_persoon",
            "subjectIdentificatie": {"inpBsn": BSN},
        },
    )
    path = created.json()["url"].removeprefix("http://testserver")
    assert_problem(b.post_json(f"{path}/bevestigingsverzoek", {}), 404, "not_found")
    assert a.post_json(f"{path}/bevestigingsverzoek", {}).status_code == 201


# --- the token lifecycle (services) -------------------------------------------------------------
def test_peek_does_not_consume(api, klant):
    token = token_of(request_link(api, klant))
    for _ in range(2):
        verzoek = services.peek_bevestigingsverzoek(token)
        assert verzoek.klant == klant
        assert verzoek.gebruikt_op is None


def test_redeem_once(api, klant):
    token = token_of(request_link(api, klant))
    assert services.redeem_bevestigingsverzoek(token) == klant
    assert Bevestigingsverzoek.objects.get().gebruikt_op is not None

    with pytest.raises(services.LinkUnusable) as second:
        services.redeem_bevestigingsverzoek(token)
    assert second.value.reason == "gebruikt"
    with pytest.raises(services.LinkUnusable) as peek:
        services.peek_bevestigingsverzoek(token)
    assert peek.value.reason == "gebruikt"


def test_redeeming_one_link_leaves_the_others(api, klant):
    first = token_of(request_link(api, klant))
    second = token_of(request_link(api, klant))
    services.redeem_bevestigingsverzoek(first)
    assert services.peek_bevestigingsverzoek(second).klant == klant


def test_expiry(api, klant):
    with freeze_time("2025-05-01T10:00:00Z"):
        token = token_of(request_link(api, klant))
    with freeze_time("2025-05-04T09:59:59Z"):
        assert services.peek_bevestigingsverzoek(token).klant == klant
    for moment in ("2025-05-04T10:00:00Z", "2025-05-04T10:00:01Z", "2026-01-01T00:00:00Z"):
        with freeze_time(moment):
            for use in (services.peek_bevestigingsverzoek, services.redeem_bevestigingsverzoek):
                with pytest.raises(services.LinkUnusable) as refused:
                    use(token)
                assert refused.value.reason == "verlopen"
    assert Bevestigingsverzoek.objects.get().gebruikt_op is None


def test_redeem_just_before_expiry(api, klant):
    with freeze_time("2025-05-01T10:00:00Z"):
        token = token_of(request_link(api, klant))
    with freeze_time("2025-05-04T09:59:00Z"):
        assert services.redeem_bevestigingsverzoek(token) == klant
        assert Bevestigingsverzoek.objects.get().gebruikt_op == timezone.now()


@pytest.mark.parametrize("token", ["", "onbekend", "x" * 43, "%00", "a" * 10_000])
def test_unknown_token(db, token):
    for use in (services.peek_bevestigingsverzoek, services.redeem_bevestigingsverzoek):
        with pytest.raises(services.LinkUnusable) as refused:
            use(token)
        assert refused.value.reason == "onbekend"


def test_the_hash_of_a_token_is_not_a_token(api, klant):
    request_link(api, klant)
    stored = Bevestigingsverzoek.objects.get().token_hash
    with pytest.raises(services.LinkUnusable) as refused:
        services.peek_bevestigingsverzoek(stored)
    assert refused.value.reason == "onbekend"


def test_an_expired_used_link_reports_used(api, klant):
    with freeze_time("2025-05-01T10:00:00Z"):
        token = token_of(request_link(api, klant))
        services.redeem_bevestigingsverzoek(token)
    with freeze_time("2025-06-01T10:00:00Z"), pytest.raises(services.LinkUnusable) as refused:
        services.peek_bevestigingsverzoek(token)
    assert refused.value.reason == "gebruikt"


def test_link_of_a_deleted_klant_is_unknown(api, klant):
    token = token_of(request_link(api, klant))
    assert api.delete(f"{BASE}/klanten/{klant.uuid}").status_code == 204
    with pytest.raises(services.LinkUnusable) as refused:
        services.redeem_bevestigingsverzoek(token)
    assert refused.value.reason == "onbekend"


# --- concurrency (real transactions on PostgreSQL) ----------------------------------------------
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("threads", [2, 8])
def test_concurrent_redeems_succeed_exactly_once(make_klant, threads):
    klant = make_klant(achternaam="Jansen")
    token, _verzoek = services.create_bevestigingsverzoek(klant)
    barrier = threading.Barrier(threads)

    def redeem():
        barrier.wait(timeout=10)
        try:
            return services.redeem_bevestigingsverzoek(token)
        except services.LinkUnusable as exc:
            return exc.reason

    uitkomsten = outcomes([start_thread(redeem) for _ in range(threads)], timeout=30)

    successes = [o for o in uitkomsten if not isinstance(o, str)]
    assert [k.pk for k in successes] == [klant.pk]
    assert sorted(o for o in uitkomsten if isinstance(o, str)) == ["gebruikt"] * (threads - 1)
    verzoek = Bevestigingsverzoek.objects.get()
    assert verzoek.gebruikt_op is not None
    assert verzoek.gebruikt_op <= timezone.now() + timedelta(seconds=1)
