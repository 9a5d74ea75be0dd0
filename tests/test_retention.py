"""Retention (contract section 4): destruction dates (R1), the daily destruction in batches with
tombstones and ``destroy`` notifications (R2), validated klanten untouched (R3). Frozen time."""

import io
import json
import threading
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone
from freezegun import freeze_time
from vng_api_common.audittrails.models import AuditTrail

from klanten.background import retention
from klanten.background.models import (
    UitgaandeNotificatie,
    VernietigdeKlant,
    Vernietigingsrun,
)
from klanten.background.tasks import vernietig_klanten
from klanten.datamodel import rules, services
from klanten.datamodel.constants import VernietigingsGrond
from klanten.datamodel.models import Interactie, Klant

from .conftest import BASE, BSN, BSN_2
from .test_notifications import NOTIFICATIES, PERSONAL, PERSONAL_STRINGS, configure, sent
from .threads import outcomes, start_thread

JAAR = timedelta(days=365)
MAAND = timedelta(days=30)
ZAAK = "https://zaken.example/api/v1/zaken/"


# --- R1: the rule itself ------------------------------------------------------------------------


def T(datum, geregistreerd=date(2024, 1, 10)):
    return rules.InteractieTermijn(datum, geregistreerd)


def regel(interacties=(), gevalideerd=False, aangemaakt_op=date(2024, 1, 10)):
    return rules.vernietiging(
        gevalideerd=gevalideerd,
        aangemaakt_op=aangemaakt_op,
        interacties=interacties,
        bewaartermijn=JAAR,
        respijt_zonder_interactie=MAAND,
    )


def test_rule_without_interaction_is_the_grace_period():
    assert regel() == rules.Vernietiging(date(2024, 2, 9), VernietigingsGrond.geen_interactie)


def test_rule_takes_the_latest_date_of_the_interactions():
    result = regel([T(date(2025, 1, 1)), T(date(2026, 6, 30)), T(date(2024, 5, 1))])
    assert result == rules.Vernietiging(date(2026, 6, 30), VernietigingsGrond.interactie)


def test_rule_without_dates_is_the_default_period_from_the_context():
    assert regel([T(None)]) == rules.Vernietiging(
        date(2025, 1, 9), VernietigingsGrond.bewaartermijn
    )
    # a context registered later than the klant counts from its own registration
    assert regel([T(None, date(2024, 6, 1))]).datum == date(2025, 6, 1)
    # never before the klant's own creation
    assert regel([T(None, date(2023, 1, 1))]).datum == date(2025, 1, 9)


def test_rule_mixes_dated_and_undated_interactions():
    assert regel([T(date(2024, 3, 1)), T(None)]).datum == date(2025, 1, 9)
    assert regel([T(date(2027, 3, 1)), T(None)]).grond == VernietigingsGrond.interactie
    # a tie: the explicit date of the source system is the reason
    assert regel([T(None), T(date(2025, 1, 9))]).grond == VernietigingsGrond.interactie


def test_rule_validated_klant_has_no_date():
    assert regel(gevalideerd=True) is None
    assert regel([T(date(2020, 1, 1))], gevalideerd=True) is None


def test_is_te_vernietigen():
    today = date(2024, 5, 1)
    assert rules.is_te_vernietigen(False, date(2024, 5, 1), today)
    assert rules.is_te_vernietigen(False, date(2024, 4, 30), today)
    assert not rules.is_te_vernietigen(False, date(2024, 5, 2), today)
    assert not rules.is_te_vernietigen(False, None, today)
    assert not rules.is_te_vernietigen(True, date(2020, 1, 1), today)


# --- R1: the stored date follows every write ---------------------------------------------------


def interactie_url(klant):
    return f"{BASE}/klanten/{klant.uuid}/interacties"


def post_interactie(api, klant, nummer, vernietigingsdatum=None, rol="belanghebbende"):
    body = {"soort": "zaak", "url": f"{ZAAK}{nummer}", "rol": rol}
    if vernietigingsdatum:
        body["vernietigingsdatum"] = vernietigingsdatum
    response = api.post_json(interactie_url(klant), body)
    assert response.status_code == 201, response.content
    return response.json()


def stored(klant) -> date | None:
    return Klant.objects.values_list("vernietigingsdatum", flat=True).get(pk=klant.pk)


def test_api_create_sets_the_grace_period(api):
    with freeze_time("2024-01-10T09:00:00Z"):
        response = api.post_json(f"{BASE}/klanten", PERSONAL)
    assert response.status_code == 201
    assert Klant.objects.get().vernietigingsdatum == date(2024, 2, 9)
    # not part of the standard representation (C2)
    assert "vernietigingsdatum" not in response.json()


def test_date_follows_interactions_added_changed_and_removed(api, make_klant):
    with freeze_time("2024-01-10T09:00:00Z"):
        klant = make_klant()
    assert stored(klant) == date(2024, 2, 9)
    with freeze_time("2024-03-01T09:00:00Z"):
        eerste = post_interactie(api, klant, 1, "2025-06-01")
        assert stored(klant) == date(2025, 6, 1)
        # an undated context registered now: 2025-03-01, earlier than the dated one
        post_interactie(api, klant, 2)
        assert stored(klant) == date(2025, 6, 1)
        # the same zaak and role again with a later date updates it
        post_interactie(api, klant, 1, "2026-01-01")
        assert stored(klant) == date(2026, 1, 1)
    assert Interactie.objects.filter(klant=klant).count() == 2
    # removing the dated one leaves the undated context
    assert api.delete(eerste["url"]).status_code == 204
    assert stored(klant) == date(2025, 3, 1)
    for url in [i["url"] for i in api.get(interactie_url(klant)).json()]:
        assert api.delete(url).status_code == 204
    # no interaction any more: the grace period from the creation
    assert stored(klant) == date(2024, 2, 9)


def test_date_follows_writes_outside_the_services(make_klant):
    """The admin's inlines and klanten saved directly (signals)."""
    with freeze_time("2024-01-10T09:00:00Z"):
        klant = Klant.objects.create(bronorganisatie="002220647", klantnummer="77")
        assert stored(klant) == date(2024, 2, 9)
        interactie = Interactie.objects.create(
            klant=klant, soort="zaak", url=f"{ZAAK}9", rol="initiator", vernietigingsdatum=None
        )
        assert stored(klant) == date(2025, 1, 9)
        interactie.vernietigingsdatum = date(2030, 1, 1)
        interactie.save()
        assert stored(klant) == date(2030, 1, 1)
        interactie.delete()
        assert stored(klant) == date(2024, 2, 9)
    # deleting a klant with interactions works (nothing left to keep in sync)
    Interactie.objects.create(klant=klant, soort="zaak", url=f"{ZAAK}9", rol="initiator")
    klant.delete()
    assert not Interactie.objects.exists()


def test_validation_clears_the_date_and_it_stays_cleared(api, make_klant):
    from .test_admin_validatie import _validated_klant

    klant = _validated_klant(make_klant)
    assert klant.gevalideerd
    assert stored(klant) is None
    post_interactie(api, klant, 1, "2020-01-01")
    assert stored(klant) is None


def test_changed_settings_are_applied_by_herbereken(make_klant, settings):
    with freeze_time("2024-01-10T09:00:00Z"):
        klant = make_klant()
    settings.KLANTEN_RESPIJT_ZONDER_INTERACTIE_DAGEN = 60
    out = io.StringIO()
    call_command("vernietig_klanten", "--herbereken", stdout=out)
    assert "1 gewijzigd" in out.getvalue()
    assert stored(klant) == date(2024, 3, 10)
    with pytest.raises(CommandError):
        call_command("vernietig_klanten", "--herbereken", "--dry-run")


# --- R2/R3: the destruction ----------------------------------------------------------------------


@pytest.fixture
def nrc(db, requests_mock, settings):
    settings.SITE_DOMAIN = "klanten.example"
    settings.IS_HTTPS = True
    configure()
    requests_mock.post(NOTIFICATIES, status_code=201, json={})
    return requests_mock


@pytest.fixture
def landschap(api, make_klant):
    """Klanten made on 2024-01-10, looked at on 2024-03-01:

    - ``zonder``: no interaction, due since 2024-02-09 (geen_interactie)
    - ``verlopen``: its zaak's date 2024-02-29 has passed (interactie)
    - ``lopend``: its zaak lives until 2030
    - ``gevalideerd``: validated, with an old interaction date (R3: never)
    - ``vandaag``: due today (2024-03-01)
    """
    from .test_admin_validatie import _validated_klant

    with freeze_time("2024-01-10T09:00:00Z"):
        klanten = {
            "zonder": make_klant(achternaam="Zonderland"),
            "verlopen": make_klant(
                subject_type="natuurlijk_persoon", subject_identificatie={"inp_bsn": BSN_2}
            ),
            "lopend": make_klant(),
            "vandaag": make_klant(subject_type="vestiging", subject_identificatie={}),
        }
        post_interactie(api, klanten["verlopen"], 1, "2024-02-29")
        post_interactie(api, klanten["lopend"], 2, "2030-01-01")
        post_interactie(api, klanten["vandaag"], 3, "2024-03-01")
        klanten["gevalideerd"] = _validated_klant(make_klant, inp_bsn=BSN, achternaam="Geldig")
        post_interactie(api, klanten["gevalideerd"], 4, "2020-01-01")
    for klant in klanten.values():
        klant.refresh_from_db()
    return klanten


DUE = ("zonder", "verlopen", "vandaag")


def canonical(message: dict) -> str:
    return json.dumps(message, sort_keys=True)


def uuids(klanten, names):
    return {klanten[name].uuid for name in names}


def test_dry_run_prints_counts_and_uuids_and_changes_nothing(landschap, nrc):
    before = (Klant.objects.count(), Interactie.objects.count(), AuditTrail.objects.count())
    out = io.StringIO()
    with freeze_time("2024-03-01T12:00:00Z"):
        call_command("vernietig_klanten", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "Droogloop: 3 klant(en) zouden worden vernietigd." in text
    assert "geen_interactie: 1" in text and "interactie: 2" in text
    for name in DUE:
        assert str(landschap[name].uuid) in text
    for name in ("lopend", "gevalideerd"):
        assert str(landschap[name].uuid) not in text
    # counts and uuids only
    assert "Zonderland" not in text and BSN not in text and BSN_2 not in text
    assert before == (Klant.objects.count(), Interactie.objects.count(), AuditTrail.objects.count())
    assert not VernietigdeKlant.objects.exists()
    assert not Vernietigingsrun.objects.exists()
    assert not UitgaandeNotificatie.objects.exists()
    assert sent(nrc) == []


def test_destruction_in_batches(landschap, nrc, django_capture_on_commit_callbacks):
    survivors = uuids(landschap, ("lopend", "gevalideerd"))
    with (
        freeze_time("2024-03-01T12:00:00Z"),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        run = retention.voer_uit(batch_size=2)
    # two batches (2 + 1), each its own transaction with one task for its notifications
    assert len(callbacks) == 2
    assert (run.status, run.aantal_vernietigd, run.handmatig, run.fout) == (
        "geslaagd",
        3,
        False,
        "",
    )
    assert run.beeindigd_op is not None
    assert set(Klant.objects.values_list("uuid", flat=True)) == survivors

    # tombstones: uuid, date, reason (nothing else is stored)
    tombstones = {t.uuid: (t.vernietigingsdatum, t.grond) for t in VernietigdeKlant.objects.all()}
    assert tombstones == {
        landschap["zonder"].uuid: (date(2024, 2, 9), "geen_interactie"),
        landschap["verlopen"].uuid: (date(2024, 2, 29), "interactie"),
        landschap["vandaag"].uuid: (date(2024, 3, 1), "interactie"),
    }
    assert {f.name for f in VernietigdeKlant._meta.fields} == {
        "uuid",
        "vernietigd_op",
        "vernietigingsdatum",
        "grond",
    }

    # the destroy notification, exactly as an API delete sends it, and delivered
    def message(name, subject_type):
        url = f"https://klanten.example{BASE}/klanten/{landschap[name].uuid}"
        return {
            "kanaal": "klanten",
            "source": "klanten",
            "hoofdObject": url,
            "resource": "klant",
            "resourceUrl": url,
            "actie": "destroy",
            "aanmaakdatum": "2024-03-01T13:00:00+01:00",
            "kenmerken": {"subjectType": subject_type},
        }

    expected = [
        message("zonder", "natuurlijk_persoon"),
        message("verlopen", "natuurlijk_persoon"),
        message("vandaag", "vestiging"),
    ]
    assert sorted(sent(nrc, "klanten"), key=canonical) == sorted(expected, key=canonical)
    # K10: each was a partij too: one destroy on kanaal partijen each, kenmerk soortPartij
    assert sorted(
        (m["resource"], m["actie"], m["kenmerken"]["soortPartij"]) for m in sent(nrc, "partijen")
    ) == [("partij", "destroy", "organisatie"), *[("partij", "destroy", "persoon")] * 2]
    assert set(UitgaandeNotificatie.objects.values_list("status", flat=True)) == {"afgeleverd"}
    for body in (r.text for r in nrc.request_history):
        for value in (*PERSONAL_STRINGS, BSN_2, "Zonderland"):
            assert value not in body

    # everything that hung off the destroyed klanten is gone, the rest is kept
    assert set(Interactie.objects.values_list("klant__uuid", flat=True)) == survivors
    # their audit trail went with them; one record of each destruction stays, without
    # personal data (who: the retention run; why: the ground)
    destroyed = {f"https://klanten.example{BASE}/klanten/{u}" for u in uuids(landschap, DUE)}
    trails = AuditTrail.objects.filter(hoofd_object__in=destroyed)
    assert sorted(trails.values_list("hoofd_object", "actie")) == sorted(
        (url, "destroy") for url in destroyed
    )
    for trail in trails:
        assert trail.oud == {"url": trail.hoofd_object, "gevalideerd": False}
        assert trail.nieuw is None
        assert trail.applicatie_weergave == "Klanten (bewaartermijn)"
        assert trail.toelichting.startswith("Vernietigd (R2): ")
        for value in (*PERSONAL_STRINGS, BSN_2, "Zonderland"):
            assert value not in json.dumps([trail.oud, trail.resource_weergave])


def test_destruction_is_idempotent(landschap, nrc, django_capture_on_commit_callbacks):
    with (
        freeze_time("2024-03-01T12:00:00Z"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        first = retention.voer_uit()
        second = retention.voer_uit()
    assert (first.aantal_vernietigd, second.aantal_vernietigd) == (3, 0)
    assert second.status == "geslaagd"
    assert VernietigdeKlant.objects.count() == 3
    # one destroy notification each on kanaal klanten and on kanaal partijen (K10)
    assert UitgaandeNotificatie.objects.count() == 6
    assert len(sent(nrc)) == 6


def test_validated_klanten_are_never_destroyed(landschap, nrc):
    gevalideerd = landschap["gevalideerd"]
    # even with a (wrong) destruction date in the past
    Klant.objects.filter(pk=gevalideerd.pk).update(vernietigingsdatum=date(2020, 1, 1))
    with freeze_time("2099-01-01T12:00:00Z"):
        run = retention.voer_uit()
    assert run.aantal_vernietigd == 4
    assert list(Klant.objects.values_list("uuid", flat=True)) == [gevalideerd.uuid]


def test_a_stale_stored_date_is_corrected_not_acted_on(landschap, nrc):
    klant = landschap["lopend"]
    # stored date out of sync (e.g. changed settings): the current data wins
    Klant.objects.filter(pk=klant.pk).update(vernietigingsdatum=date(2024, 1, 1))
    with freeze_time("2024-03-01T12:00:00Z"):
        run = retention.voer_uit()
    assert run.aantal_vernietigd == 3
    assert Klant.objects.filter(pk=klant.pk).exists()
    assert stored(klant) == date(2030, 1, 1)


def test_management_command_runs_the_task(landschap, nrc):
    out = io.StringIO()
    with freeze_time("2024-03-01T12:00:00Z"):
        call_command("vernietig_klanten", "--batch-size", "1", stdout=out)
    assert out.getvalue().strip() == "3 klant(en) vernietigd."
    run = Vernietigingsrun.objects.get()
    assert (run.handmatig, run.aantal_vernietigd) == (True, 3)


def test_scheduled_task_and_its_switch(landschap, nrc, settings):
    settings.KLANTEN_VERNIETIGING_AAN = False
    with freeze_time("2024-03-01T12:00:00Z"):
        assert vernietig_klanten() == 0
    assert Klant.objects.count() == 5
    assert not Vernietigingsrun.objects.exists()
    settings.KLANTEN_VERNIETIGING_AAN = True
    with freeze_time("2024-03-01T12:00:00Z"):
        assert vernietig_klanten() == 3
    assert Vernietigingsrun.objects.get().handmatig is False


def test_the_beat_schedule(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE
    dagelijks = schedule["vernietig-klanten"]
    assert dagelijks["task"] == "klanten.background.tasks.vernietig_klanten"
    assert (dagelijks["schedule"].hour, dagelijks["schedule"].minute) == ({2}, {30})
    assert schedule["verstuur-notificaties"]["schedule"] == 30
    from klanten.celery import app

    assert dagelijks["task"] in app.tasks
    assert schedule["verstuur-notificaties"]["task"] in app.tasks
    assert schedule["ruim-notificaties-op"]["task"] in app.tasks


def test_a_failing_batch_is_rolled_back_and_the_run_marked_failed(landschap, nrc, monkeypatch):
    def kapot(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "verwijder_klanten", kapot)
    with freeze_time("2024-03-01T12:00:00Z"), pytest.raises(RuntimeError):
        retention.voer_uit()
    run = Vernietigingsrun.objects.get()
    assert (run.status, run.fout, run.aantal_vernietigd) == ("mislukt", "RuntimeError", 0)
    assert Klant.objects.count() == 5
    assert not VernietigdeKlant.objects.exists()
    assert not UitgaandeNotificatie.objects.exists()


def test_without_notificaties_api_destruction_still_works(landschap):
    with freeze_time("2024-03-01T12:00:00Z"):
        assert retention.voer_uit().aantal_vernietigd == 3
    assert not UitgaandeNotificatie.objects.exists()


# --- two runs at once, and klanten locked by a write in progress --------------------------------


def _klanten_due(count: int):
    with freeze_time("2024-01-10T09:00:00Z"):
        return [
            services.create_klant({"bronorganisatie": "002220647", "subject_type": "vestiging"})
            for _ in range(count)
        ]


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_destroy_each_klant_once(requests_mock):
    configure()
    requests_mock.post(NOTIFICATIES, status_code=201, json={})
    klanten = _klanten_due(40)
    barrier = threading.Barrier(2)

    def run():
        barrier.wait(timeout=10)
        # no freeze_time here: it is not thread-local (and upsets the connection timeout)
        return retention.voer_uit(batch_size=3, vandaag=date(2024, 3, 1)).aantal_vernietigd

    results = outcomes([start_thread(run) for _ in range(2)], timeout=60)
    assert sum(results) == 40
    assert not Klant.objects.exists()
    assert VernietigdeKlant.objects.count() == 40
    assert set(VernietigdeKlant.objects.values_list("uuid", flat=True)) == {k.uuid for k in klanten}
    # one destroy notification per klant and one per partij (K10), each delivered once
    assert UitgaandeNotificatie.objects.count() == 80
    posted = [r.json()["resourceUrl"] for r in requests_mock.request_history]
    assert len(posted) == len(set(posted)) == 80


@pytest.mark.django_db(transaction=True)
def test_a_locked_klant_is_skipped_without_waiting():
    locked, free = _klanten_due(2)
    holding, release = threading.Event(), threading.Event()

    def hold_lock():
        with transaction.atomic():
            Klant.objects.select_for_update().get(pk=locked.pk)
            holding.set()
            assert release.wait(timeout=30)

    thread = start_thread(hold_lock)
    try:
        assert holding.wait(timeout=10)
        run = retention.voer_uit(vandaag=date(2024, 3, 1))
        assert run.aantal_vernietigd == 1
        assert list(Klant.objects.values_list("pk", flat=True)) == [locked.pk]
    finally:
        release.set()
        thread.outcome(timeout=30)
    # the next run takes it
    assert retention.voer_uit(vandaag=date(2024, 3, 2)).aantal_vernietigd == 1


def test_health_and_admin_show_the_last_successful_run(
    landschap, nrc, client, django_user_model, django_capture_on_commit_callbacks
):
    with (
        freeze_time("2024-03-01T12:00:00Z"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        retention.voer_uit()
    with freeze_time("2024-03-01T13:00:00Z"):
        body = client.get("/health/background").json()
    assert body["status"] == "ok"
    assert body["destruction"]["last_success"] == "2024-03-01T13:00:00+01:00"
    assert body["destruction"]["last_success_destroyed"] == 3
    assert body["notifications"] == {
        "undelivered": 0,
        "pending": 0,
        "overdue": 0,
        "failed": 0,
        "oldest_undelivered": None,
    }
    # more than a day without a successful run: a warning
    with freeze_time("2024-03-02T16:00:00Z"):
        body = client.get("/health/background").json()
    assert (body["status"], body["problems"]) == ("warning", ["destruction_late"])

    user = django_user_model.objects.create_superuser("beheer", "beheer@example.com", "x")
    client.force_login(user)
    for page in ("vernietigdeklant", "vernietigingsrun"):
        response = client.get(f"/admin/background/{page}/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "Laatste geslaagde vernietigingsrun: 2024-03-01T13:00:00+01:00" in html
    html = client.get("/admin/background/vernietigdeklant/").content.decode()
    assert str(landschap["zonder"].uuid) in html
    assert "Zonderland" not in html


def test_timezone_of_the_dates(make_klant):
    # 23:30 UTC on 9 January is 10 January in Amsterdam: the local date counts
    with freeze_time("2024-01-09T23:30:00Z"):
        klant = make_klant()
        assert timezone.localdate() == date(2024, 1, 10)
    assert stored(klant) == date(2024, 2, 9)
