"""C13: notifications on kanaal ``klanten`` after every successful write."""

import io
import json

import jwt
import pytest
import requests
from django.core.management import CommandError, call_command
from freezegun import freeze_time
from notifications_api_common.models import (
    FailedNotification,
    NotificationResponse,
    NotificationsConfig,
)
from zgw_consumers.constants import APITypes, AuthTypes
from zgw_consumers.models import Service

from klanten.background.models import UitgaandeNotificatie
from klanten.background.tasks import verstuur_notificaties
from klanten.datamodel.models import Klant
from klanten.datamodel.partijen import DigitaalAdres
from klanten.notificaties import outbox

from .conftest import BASE, BSN, RSIN

NRC = "https://notificaties.example/api/v1/"
NOTIFICATIES = f"{NRC}notificaties"
NOW = "2024-03-01T10:00:00Z"
NOW_LOCAL = "2024-03-01T11:00:00+01:00"  # TIME_ZONE is Europe/Amsterdam

PERSONAL = {
    "bronorganisatie": RSIN,
    "klantnummer": "1234",
    "subjectType": "natuurlijk_persoon",
    "subjectIdentificatie": {
        "inpBsn": BSN,
        "geslachtsnaam": "Bakkerszoon",
        "voornamen": "Hendrikus",
    },
    "voornaam": "Hendrikus",
    "achternaam": "Bakkerszoon",
    "telefoonnummer": "0687654321",
    "emailadres": "h.bakkerszoon@example.nl",
    "adres": {"straatnaam": "Lindelaan", "huisnummer": 7, "woonplaatsnaam": "Zeist"},
}
PERSONAL_STRINGS = [
    BSN,
    "Bakkerszoon",
    "Hendrikus",
    "0687654321",
    "h.bakkerszoon@example.nl",
    "Lindelaan",
    "Zeist",
]


def configure(auth_type=AuthTypes.no_auth, **extra) -> Service:
    service = Service.objects.create(
        label="Notificaties API",
        slug="notificaties",
        api_type=APITypes.nrc,
        api_root=NRC,
        auth_type=auth_type,
        **extra,
    )
    config = NotificationsConfig.get_solo()
    config.notifications_api_service = service
    config.notification_delivery_max_retries = 2
    config.save()
    return service


@pytest.fixture
def nrc(db, requests_mock):
    configure()
    requests_mock.post(NOTIFICATIES, status_code=201, json={})
    return requests_mock


def sent(mock, kanaal: str | None = None) -> list[dict]:
    """The notifications sent (``kanaal``: on that kanaal only)."""
    return [
        r.json()
        for r in mock.request_history
        if r.url == NOTIFICATIES and kanaal in (None, r.json()["kanaal"])
    ]


def expected(url: str, actie: str, subject_type: str = "natuurlijk_persoon") -> dict:
    return {
        "kanaal": "klanten",
        "source": "klanten",
        "hoofdObject": url,
        "resource": "klant",
        "resourceUrl": url,
        "actie": actie,
        "aanmaakdatum": NOW_LOCAL,
        "kenmerken": {"subjectType": subject_type},
    }


@pytest.fixture
def write(api, django_capture_on_commit_callbacks):
    """Do a request at NOW and run the after-commit callbacks, as a real commit would."""

    def do(method: str, url: str, body=None, **extra):
        with freeze_time(NOW), django_capture_on_commit_callbacks(execute=True):
            if body is None:
                return getattr(api, method)(url, **extra)
            return getattr(api, f"{method}_json")(url, body, **extra)

    return do


def test_create(nrc, write):
    response = write("post", f"{BASE}/klanten", PERSONAL)
    assert response.status_code == 201
    url = response.json()["url"]
    assert sent(nrc, "klanten") == [expected(url, "create")]
    # K10: the klant is a partij of the Klantinteracties API too
    uuid = url.rsplit("/", 1)[1]
    partij_url = f"http://testserver/klantinteracties/api/v1/partijen/{uuid}"
    assert sent(nrc, "partijen") == [
        {
            "kanaal": "partijen",
            "source": "klanten",
            "hoofdObject": partij_url,
            "resource": "partij",
            "resourceUrl": partij_url,
            "actie": "create",
            "aanmaakdatum": NOW_LOCAL,
            "kenmerken": {"soortPartij": "persoon"},
        },
        # and its standaard addresses (emailadres, telefoonnummer), each a digitaal adres
        *(
            {
                "kanaal": "partijen",
                "source": "klanten",
                "hoofdObject": partij_url,
                "resource": "digitaaladres",
                "resourceUrl": f"http://testserver/klantinteracties/api/v1/digitaleadressen/{a}",
                "actie": "create",
                "aanmaakdatum": NOW_LOCAL,
                "kenmerken": {},
            }
            for a in DigitaalAdres.objects.filter(klant__uuid=uuid)
            .order_by("pk")
            .values_list("uuid", flat=True)
        ),
    ]
    request = nrc.request_history[-1]
    assert request.method == "POST"
    assert request.headers["Content-Type"] == "application/json"
    # delivered: nothing is kept for a retry
    assert not FailedNotification.objects.exists()


def test_update_partial_update_and_destroy(nrc, write, make_klant):
    klant = make_klant(
        subject_type="niet_natuurlijk_persoon",
        subject_identificatie={"inn_nnp_id": RSIN, "statutaire_naam": "Bakkerij BV"},
    )
    url = f"http://testserver{BASE}/klanten/{klant.uuid}"
    body = {
        "bronorganisatie": RSIN,
        "subjectType": "niet_natuurlijk_persoon",
        "subjectIdentificatie": {"innNnpId": RSIN, "statutaireNaam": "Bakkerij BV"},
        "bedrijfsnaam": "Bakkerij",
    }
    assert write("put", url, body).status_code == 200
    assert write("patch", url, {"functie": "eigenaar"}).status_code == 200
    assert write("delete", url).status_code == 204
    # the functie is not in the partij: PUT (bedrijfsnaam) and DELETE change it
    assert [(m["resource"], m["actie"]) for m in sent(nrc, "partijen")] == [
        ("partij", "update"),
        ("partij", "destroy"),
    ]
    assert sent(nrc, "klanten") == [
        expected(url, "update", "niet_natuurlijk_persoon"),
        expected(url, "partial_update", "niet_natuurlijk_persoon"),
        expected(url, "destroy", "niet_natuurlijk_persoon"),
    ]


def test_klant_without_subject_type(nrc, write, requests_mock):
    subject = "https://brp.example/ingeschrevenpersonen/1"
    requests_mock.get(subject, status_code=200, json={})
    response = write("post", f"{BASE}/klanten", {"bronorganisatie": RSIN, "subject": subject})
    assert response.status_code == 201, response.content
    # Open Notificaties cannot handle null kenmerken: the library sends ""
    assert sent(nrc, "klanten") == [expected(response.json()["url"], "create", "")]


def test_no_personal_data_in_any_notification(nrc, write):
    created = write("post", f"{BASE}/klanten", PERSONAL)
    url = created.json()["url"]
    write("put", url, {**PERSONAL, "functie": "bakker"})
    write("patch", url, {"telefoonnummer": "0611223344"})
    write("delete", url)
    bodies = [r.text for r in nrc.request_history if r.url == NOTIFICATIES]
    # on kanaal klanten 4; on partijen the partij's create, PUT (functie: no), PATCH (the same
    # address: no), delete; its addresses' create (2), PATCH (the phone number: 1), delete (2)
    assert len(sent(nrc, "klanten")) == 4
    assert [(m["resource"], m["actie"]) for m in sent(nrc, "partijen")] == [
        ("partij", "create"),
        ("digitaaladres", "create"),
        ("digitaaladres", "create"),
        ("digitaaladres", "partial_update"),
        ("digitaaladres", "destroy"),
        ("digitaaladres", "destroy"),
        ("partij", "destroy"),
    ]
    for body in bodies:
        for value in [*PERSONAL_STRINGS, "0611223344"]:
            assert value not in body
        assert set(json.loads(body)) == set(expected(url, "create"))


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("post", "/klanten", {"bronorganisatie": "123"}, 400),
        ("post", "/klanten", {**PERSONAL, "emailadres": "geen-adres"}, 400),
        ("put", "/klanten/{uuid}", {**PERSONAL, "bronorganisatie": "123456789"}, 400),
        ("patch", "/klanten/{uuid}", {"subjectType": "vestiging"}, 400),
        ("patch", "/klanten/00000000-0000-0000-0000-000000000000", {"functie": "x"}, 404),
        ("delete", "/klanten/00000000-0000-0000-0000-000000000000", None, 404),
    ],
)
def test_failed_writes_send_nothing(
    nrc, api, make_klant, django_capture_on_commit_callbacks, method, path, body, status
):
    klant = make_klant()
    url = BASE + path.format(uuid=klant.uuid)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        if body is None:
            response = getattr(api, method)(url)
        else:
            response = getattr(api, f"{method}_json")(url, body)
    assert response.status_code == status, response.content
    assert callbacks == []
    assert sent(nrc) == []
    assert not FailedNotification.objects.exists()


def test_forbidden_write_sends_nothing(nrc, make_client, django_capture_on_commit_callbacks):
    reader = make_client(scopes=["klanten.lezen"])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = reader.post_json(f"{BASE}/klanten", PERSONAL)
    assert response.status_code == 403
    assert callbacks == []
    assert sent(nrc) == []


def test_reads_send_nothing(nrc, api, make_klant, django_capture_on_commit_callbacks):
    klant = make_klant()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert api.get(f"{BASE}/klanten").status_code == 200
        assert api.get(f"{BASE}/klanten/{klant.uuid}").status_code == 200
        assert api.head(f"{BASE}/klanten/{klant.uuid}").status_code == 200
    assert callbacks == []
    assert sent(nrc) == []


def test_sent_only_after_commit(nrc, api, django_capture_on_commit_callbacks):
    with freeze_time(NOW), django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api.post_json(f"{BASE}/klanten", PERSONAL)
    assert response.status_code == 201
    assert len(callbacks) == 1
    assert sent(nrc) == []
    # the message is kept in the outbox, written with the klant, until delivered
    row = UitgaandeNotificatie.objects.get(bericht__kanaal="klanten")
    assert row.status == "te_versturen"
    assert row.bericht == expected(response.json()["url"], "create")
    assert FailedNotification.objects.count() == 0
    with freeze_time(NOW):
        callbacks[0]()
    assert sent(nrc, "klanten") == [expected(response.json()["url"], "create")]
    row.refresh_from_db()
    assert row.status == "afgeleverd"
    assert FailedNotification.objects.count() == 0


def test_without_configured_service_writes_succeed(db, api, requests_mock, write):
    assert NotificationsConfig.get_solo().notifications_api_service is None
    response = write("post", f"{BASE}/klanten", PERSONAL)
    assert response.status_code == 201
    assert requests_mock.request_history == []
    assert Klant.objects.count() == 1


def test_zgw_auth_towards_the_notificaties_api(db, requests_mock, write):
    configure(auth_type=AuthTypes.zgw, client_id="klanten-nrc", secret="nrc-secret-" + "x" * 24)
    requests_mock.post(NOTIFICATIES, status_code=201, json={})
    assert write("post", f"{BASE}/klanten", PERSONAL).status_code == 201
    authorization = requests_mock.request_history[-1].headers["Authorization"]
    assert authorization.startswith("Bearer ")
    claims = jwt.decode(
        authorization.removeprefix("Bearer "),
        "nrc-secret-" + "x" * 24,
        algorithms=["HS256"],
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims["client_id"] == "klanten-nrc"


# --- delivery failures ------------------------------------------------------------------
# Without a broker (as here) a write makes one attempt right after its commit; retries are
# made by the outbox's periodic task (klanten.background), after the backoff of the admin's
# Notificaties configuration: retry_backoff * base_factor ** (attempt - 1) = 25 s, 100 s, ...


def drain_at(moment):
    """The periodic task, run at ``moment``."""
    with freeze_time(moment):
        verstuur_notificaties()


def test_failed_delivery_is_retried(db, requests_mock, write):
    configure()
    requests_mock.post(
        NOTIFICATIES, [{"status_code": 500, "text": "kapot"}, {"status_code": 201, "json": {}}]
    )
    response = write("post", f"{BASE}/klanten", PERSONAL)
    assert response.status_code == 201
    url = response.json()["url"]
    # one attempt in the request, never inline retries
    assert sent(requests_mock, "klanten") == [expected(url, "create")]
    row = UitgaandeNotificatie.objects.get(bericht__kanaal="klanten")
    assert (row.status, row.pogingen, row.laatste_fout) == ("te_versturen", 1, "HTTP 500: kapot")
    # not before the backoff has passed
    drain_at("2024-03-01T10:00:24Z")
    assert len(sent(requests_mock, "klanten")) == 1
    drain_at("2024-03-01T10:00:25Z")
    assert sent(requests_mock, "klanten") == [expected(url, "create")] * 2
    row.refresh_from_db()
    assert (row.status, row.pogingen) == ("afgeleverd", 2)
    assert not FailedNotification.objects.exists()
    assert not NotificationResponse.objects.exists()
    # delivered: never sent again
    drain_at("2024-03-02T10:00:00Z")
    assert len(sent(requests_mock, "klanten")) == 2


def test_connection_errors_are_retried(db, requests_mock, write):
    configure()
    requests_mock.post(
        NOTIFICATIES,
        [{"exc": requests.ConnectionError("geen verbinding")}, {"status_code": 201, "json": {}}],
    )
    response = write("post", f"{BASE}/klanten", PERSONAL)
    assert response.status_code == 201
    assert len(sent(requests_mock, "klanten")) == 1
    assert (
        UitgaandeNotificatie.objects.get(bericht__kanaal="klanten").laatste_fout
        == "ConnectionFailed: connection-failed"
    )
    drain_at("2024-03-01T10:01:00Z")
    assert len(sent(requests_mock, "klanten")) == 2
    assert UitgaandeNotificatie.objects.get(bericht__kanaal="klanten").status == "afgeleverd"
    assert not FailedNotification.objects.exists()


def test_undeliverable_notification_is_kept(db, requests_mock, write):
    configure()  # at most 2 retries: 3 attempts
    requests_mock.post(NOTIFICATIES, status_code=503, text="onderhoud")
    response = write("post", f"{BASE}/klanten", PERSONAL)
    # the write itself succeeded
    assert response.status_code == 201
    url = response.json()["url"]
    drain_at("2024-03-01T10:00:25Z")  # attempt 2, after 25 s
    drain_at("2024-03-01T10:02:04Z")  # too early: the next backoff is 100 s
    drain_at("2024-03-01T10:02:05Z")  # attempt 3, the last
    drain_at("2024-03-02T10:00:00Z")  # nothing more
    assert sent(requests_mock, "klanten") == [expected(url, "create")] * 3
    failed = UitgaandeNotificatie.objects.get(bericht__kanaal="klanten")
    assert failed.bericht == expected(url, "create")
    assert (failed.status, failed.pogingen, failed.laatste_fout) == (
        "mislukt",
        3,
        "HTTP 503: onderhoud",
    )
    for value in PERSONAL_STRINGS:
        assert value not in json.dumps(failed.bericht)
    # the library's store is not used: the outbox is the one place
    assert not FailedNotification.objects.exists()

    # sent again from the admin's action, once the Notificaties API is back
    requests_mock.post(NOTIFICATIES, status_code=201, json={})
    with freeze_time("2024-03-02T10:00:00Z"):
        assert outbox.opnieuw_versturen([failed.pk]) == 1
        verstuur_notificaties()
    failed.refresh_from_db()
    assert (failed.status, failed.pogingen) == ("afgeleverd", 1)
    assert sent(requests_mock, "klanten") == [expected(url, "create")] * 4


# --- kanaal registration -----------------------------------------------------------------
@pytest.fixture
def kanaal_settings(settings):
    settings.SITE_DOMAIN = "klanten.example"
    settings.IS_HTTPS = True


def test_register_kanalen_creates_the_kanaal(db, requests_mock, kanaal_settings):
    configure()
    requests_mock.get(f"{NRC}kanaal", json=[])
    requests_mock.post(f"{NRC}kanaal", status_code=201, json={"url": f"{NRC}kanaal/1"})
    out = io.StringIO()
    call_command("register_kanalen", stdout=out, stderr=io.StringIO())
    # every kanaal of the service (the Contactmomenten API's: test_contactmomenten_notificaties)
    get, post = [
        r
        for r in requests_mock.request_history
        if r.qs.get("naam") == ["klanten"] or (r.method == "POST" and r.json()["naam"] == "klanten")
    ]
    assert (get.method, get.url) == ("GET", f"{NRC}kanaal?naam=klanten")
    assert (post.method, post.url) == ("POST", f"{NRC}kanaal")
    assert post.json() == {
        "naam": "klanten",
        "documentatieLink": "https://klanten.example/ref/kanalen/#klanten",
        "filters": ["subject_type"],
    }
    assert f"Registered kanaal 'klanten' with {NRC}" in out.getvalue()


def test_register_kanalen_updates_an_existing_kanaal(db, requests_mock, kanaal_settings):
    configure()
    existing = {"url": f"{NRC}kanaal/7", "naam": "klanten", "filters": []}
    requests_mock.get(f"{NRC}kanaal", json=[existing])
    requests_mock.put(f"{NRC}kanaal/7", json=existing)
    out = io.StringIO()
    call_command("register_kanalen", "--kanalen", "klanten", stdout=out)
    put = requests_mock.request_history[-1]
    assert (put.method, put.url) == ("PUT", f"{NRC}kanaal/7")
    assert put.json()["filters"] == ["subject_type"]
    assert "Updated already existing kanaal 'klanten'" in out.getvalue()


def test_register_kanalen_without_service(db):
    with pytest.raises(CommandError):
        call_command("register_kanalen")


def test_kanaal_documentation_page(client, db):
    response = client.get("/ref/kanalen/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "klanten" in html
    assert "subject_type" in html or "subjectType" in html
