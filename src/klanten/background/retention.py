"""R2/R3: the destruction of non-validated klanten whose retention ended.

Run daily by Celery beat (``tasks.vernietig_klanten``) and by hand with ``manage.py
vernietig_klanten``. Klanten are destroyed in batches, each batch in its own transaction:

1. lock a batch of klanten that are due by their stored ``vernietigingsdatum``
   (``SELECT ... FOR UPDATE SKIP LOCKED``: a second run at the same time takes other klanten,
   and a klant being changed right now is left for the next batch or run), with the other
   partijen holding an address their betrokkenen gave (id order; taken again in one
   statement when one comes before them, ``services.vergrendel_te_vernietigen``), then their
   betrokkenen; a klant whose partijen keep changing so that they cannot be locked in that
   order (``transactions.GelijktijdigeWijziging`` after every attempt) is left for the next
   run, never locked out of order;
2. derive each one's destruction date again from its current data (R1): the stored date is
   kept in sync by the services, but a validated klant (R3), a new interaction or changed
   settings always win; a klant that turns out not to be due gets its date corrected;
3. for the rest, in the same transaction: a tombstone (uuid, date, reason) is written and the
   klanten are deleted with everything that hangs off them (addresses, identification,
   interactions, links, audit trail), leaving one audit record of each deletion (no personal
   data; the reason as ``toelichting``) and a ``destroy`` notification each.

Running it again destroys nothing twice: what is gone is not found any more.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import structlog
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from klanten.datamodel import contacten, rules, services
from klanten.datamodel.constants import VernietigingsGrond
from klanten.datamodel.models import Betrokkene, Klant
from klanten.datamodel.partijen import DigitaalAdres
from klanten.datamodel.transactions import GelijktijdigeWijziging, uitvoeren
from klanten.datamodel.wijzigingen import Herkomst

from .models import RunStatus, VernietigdeKlant, Vernietigingsrun

logger = structlog.stdlib.get_logger(__name__)

# the application named in the audit records of the destructions
BEWAARTERMIJN = "Klanten (bewaartermijn)"


def te_vernietigen(vandaag: date):
    """The klanten due by their stored destruction date (never a validated klant)."""
    return Klant.objects.filter(gevalideerd=False, vernietigingsdatum__lte=vandaag)


def beoordeel(klanten: list[Klant], vandaag: date) -> list[tuple[Klant, rules.Vernietiging]]:
    """The klanten of ``klanten`` that are due now by their current data, with the reason."""
    per_klant = services.interactie_termijnen([k.pk for k in klanten])
    due = []
    for klant in klanten:
        vernietiging = services.vernietiging_van(klant, per_klant[klant.pk])
        datum = vernietiging.datum if vernietiging else None
        if rules.is_te_vernietigen(klant.gevalideerd, datum, vandaag):
            due.append((klant, vernietiging))
    return due


def vernietig_batch(
    vandaag: date, batch_size: int, overslaan: set[int] | None = None
) -> tuple[int, int]:
    """Destroy one batch. Returns (klanten looked at, klanten destroyed); (0, 0) when nothing
    is due (or everything due is locked by someone else, or in ``overslaan``).

    A write transaction (``transactions.uitvoeren``): run again when PostgreSQL cancels it,
    when the deletion met an invalid ``subIdentificatorVan`` written before K5's rule
    (``partijherstel.HerstelNodig``) after that is repaired in a transaction of its own, so
    such data does not fail every run, and when it could not lock the partijen of its
    klanten's addresses in the one order (``transactions.GelijktijdigeWijziging``). Still so
    after the last attempt: nothing of the batch changed, the klanten of the batch it names
    (all klanten of the batch when it names none of them: a failed batch always leaves at
    least one klant, so the run goes on with the others and never takes the same batch
    again) are added to ``overslaan`` (the run's klanten left for its next run, which the
    next batch skips) and the batch returns (their number, 0)."""
    gekozen: list[int] = []  # the klanten the last attempt chose, by id
    try:
        return uitvoeren(_vernietig_batch, vandaag, batch_size, overslaan or (), gekozen)
    except GelijktijdigeWijziging as exc:
        # read once, here (after the last attempt; the exception's ids are read on first use)
        achter = (exc.klant_ids & set(gekozen)) or set(gekozen)
        # their number only (no client value): the next run takes them again
        logger.warning("retention_klanten_left_for_next_run", aantal=len(achter))
        if overslaan is not None:
            overslaan.update(achter)
        return len(achter), 0


def _vernietig_batch(
    vandaag: date, batch_size: int, overslaan=(), gekozen: list[int] | None = None
) -> tuple[int, int]:
    kandidaten = te_vernietigen(vandaag)
    if overslaan:
        kandidaten = kandidaten.exclude(pk__in=sorted(overslaan))
    gekozen = [] if gekozen is None else gekozen
    gekozen.clear()  # this attempt's choice only

    def kies() -> list[Klant]:
        klanten = list(
            kandidaten.select_for_update(skip_locked=True).order_by("vernietigingsdatum", "id")[
                :batch_size
            ]
        )
        gekozen[:] = [klant.pk for klant in klanten]
        return klanten

    with transaction.atomic(savepoint=False):
        # with the other partijen holding an address their betrokkenen gave (released from
        # them below), in id order, and then their betrokkenen
        klanten = services.vergrendel_te_vernietigen(kies)
        if not klanten:
            return 0, 0
        due = beoordeel(klanten, vandaag)
        due_ids = {klant.pk for klant, _ in due}
        for klant in klanten:
            if klant.pk not in due_ids:
                # stale stored date (validated meanwhile, new interaction, settings changed)
                services.werk_vernietigingsdatum_bij(klant)
        if due:
            VernietigdeKlant.objects.bulk_create(
                [
                    VernietigdeKlant(
                        uuid=klant.uuid,
                        vernietigd_op=timezone.now(),
                        vernietigingsdatum=vernietiging.datum,
                        grond=vernietiging.grond,
                    )
                    for klant, vernietiging in due
                ],
                ignore_conflicts=True,
            )
            services.verwijder_klanten(
                [klant for klant, _ in due],
                Herkomst.systeem(BEWAARTERMIJN),
                {
                    klant.pk: f"Vernietigd (R2): {VernietigingsGrond(vernietiging.grond).label}"
                    for klant, vernietiging in due
                },
                vernietiging=True,
            )
        return len(klanten), len(due)


def vernietig_anonieme_betrokkenen(vandaag: date, batch_size: int) -> int:
    """R1/R2 for the betrokkenen without a klant (an anonymous contact, K6, or one whose klant
    was deleted through an API, K9): one batch destroyed, in its own transaction. Their
    klantcontact stays. Locks, in the order of every write: the klant rows of the partijen that
    also hold an address one of them gave (id order), then the betrokkenen (skip locked); one
    whose address a partij not locked got meanwhile waits for the next batch. Returns how many
    went (0: nothing due, or all due ones locked or waiting)."""
    bewaartermijn = timedelta(days=settings.KLANTEN_BEWAARTERMIJN_DAGEN)
    te_vernietigen = contacten.anonieme_betrokkenen_te_vernietigen(vandaag, bewaartermijn)
    with transaction.atomic():
        # the lock order of every write: first the klant rows (id order) of the partijen that
        # also hold an address these betrokkenen gave (it is released from them: the partij's
        # address changes), then the betrokkenen (SKIP LOCKED: a second run takes others)
        batch = te_vernietigen.order_by("id").values("id")[:batch_size]
        klant_ids = set(
            Klant.objects.select_for_update()
            .filter(
                pk__in=DigitaalAdres.objects.filter(
                    betrokkene_id__in=batch, klant__isnull=False
                ).values("klant_id")
            )
            .order_by("id")
            .values_list("id", flat=True)
        )
        ids = list(
            te_vernietigen.select_for_update(skip_locked=True, of=("self",))
            .order_by("id")
            .values_list("id", flat=True)[:batch_size]
        )
        if not ids:
            return 0
        # an address a partij not locked here holds that one of them gave (given, or the batch
        # taken, meanwhile): that betrokkene waits for the next batch, which locks the partij
        wacht = set(
            DigitaalAdres.objects.filter(betrokkene_id__in=ids, klant__isnull=False)
            .exclude(klant_id__in=klant_ids)
            .values_list("betrokkene_id", flat=True)
        )
        return contacten.verwijder_betrokkenen(
            Betrokkene.objects.filter(pk__in=[i for i in ids if i not in wacht]),
            Herkomst.systeem(BEWAARTERMIJN),
        )


@dataclass
class Voorbeeld:
    """What a run would destroy now (``--dry-run``): uuids and reasons only."""

    uuids: list[str] = field(default_factory=list)
    per_grond: dict[str, int] = field(default_factory=dict)


def voorbeeld(vandaag: date | None = None, chunk: int = 1000) -> Voorbeeld:
    """The klanten a run would destroy now; reads only, changes nothing."""
    vandaag = vandaag or timezone.localdate()
    result = Voorbeeld()
    last = (date.min, 0)
    while True:
        klanten = list(
            te_vernietigen(vandaag)
            .exclude(vernietigingsdatum__lt=last[0])
            .exclude(vernietigingsdatum=last[0], id__lte=last[1])
            .order_by("vernietigingsdatum", "id")[:chunk]
        )
        if not klanten:
            return result
        last = (klanten[-1].vernietigingsdatum, klanten[-1].id)
        for klant, vernietiging in beoordeel(klanten, vandaag):
            result.uuids.append(str(klant.uuid))
            result.per_grond[vernietiging.grond] = result.per_grond.get(vernietiging.grond, 0) + 1


def voer_uit(
    *, handmatig: bool = False, batch_size: int | None = None, vandaag: date | None = None
) -> Vernietigingsrun:
    """One destruction run: batches until nothing is due. Recorded as a ``Vernietigingsrun``
    (for the admin and ``/health/background``); an error marks the run failed and is raised."""
    batch_size = batch_size or settings.KLANTEN_VERNIETIGING_BATCH
    vandaag = vandaag or timezone.localdate()
    run = Vernietigingsrun.objects.create(handmatig=handmatig)
    logger.info("retention_run_started", run_id=run.pk, handmatig=handmatig)
    # klanten a batch could not lock in the one order: left for the next run
    overslaan: set[int] = set()
    try:
        while True:
            gezien, vernietigd = vernietig_batch(vandaag, batch_size, overslaan)
            if not gezien:
                break
            run.aantal_vernietigd += vernietigd
            Vernietigingsrun.objects.filter(pk=run.pk).update(
                aantal_vernietigd=run.aantal_vernietigd
            )
        betrokkenen = 0
        while vernietigd_anoniem := vernietig_anonieme_betrokkenen(vandaag, batch_size):
            betrokkenen += vernietigd_anoniem
    except Exception as exc:
        run.status = RunStatus.mislukt
        run.fout = type(exc).__name__
        run.beeindigd_op = timezone.now()
        run.save(update_fields=["status", "fout", "beeindigd_op", "aantal_vernietigd"])
        logger.error(
            "retention_run_failed",
            run_id=run.pk,
            error=type(exc).__name__,
            vernietigd=run.aantal_vernietigd,
        )
        raise
    run.status = RunStatus.geslaagd
    run.beeindigd_op = timezone.now()
    run.save(update_fields=["status", "beeindigd_op", "aantal_vernietigd"])
    logger.info(
        "retention_run_finished",
        run_id=run.pk,
        vernietigd=run.aantal_vernietigd,
        anonieme_betrokkenen=betrokkenen,
    )
    return run
