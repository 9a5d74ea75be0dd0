import time

from django.db import migrations, models
from django.db.models import Q

# K5: one partij per HR key (KvK number, RSIN, vestigingsnummer) per organisation, backed by a
# partial unique index. Rows that already break it (migration 0010 made an identifier for
# every klant of an RSIN or vestigingsnummer, which the Klanten API allows many of; and two
# concurrent writes could both pass the query check) are not deleted: per key the row of the
# validated klant, else the oldest row, stays attached; the others are detached (klant NULL,
# kept with their uuid, as ``partijsync`` would never have made them) and their klant is
# shown as a contactpersoon working for the holder (``werkte_voor_partij``, where it had no
# organisation yet), as ``partijsync`` does for a klant whose HR key another klant holds.
# Their ``subjectIdentificatie`` in the Klanten API is unchanged.
#
# Recording (K10: every change of a representation writes one audit record and one
# notification, a change of nothing neither). What this step changes is, per klant that lost
# a row, its partij: ``partijIdentificatoren`` without the row, and ``soortPartij`` /
# ``partijIdentificatie`` as a contactpersoon of the holder when it got ``werkte_voor_partij``.
# That is recorded as ``PUT /partij-identificatoren/{uuid}`` with ``identificeerdePartij: null``
# records it (``partijservices._wijzig_identificator``): one ``partial_update`` of the partij
# (audit bron ``ki``, kanaal ``partijen``, kenmerk ``soortPartij``), the partij before and
# after as the API represents it. Nothing else changes, so nothing else is recorded: the
# Klanten API's klant shows neither the identifiers nor ``werkte_voor_partij``; the holder's
# partij lists no contactpersonen; an identifier that leaves its partij is recorded as its
# partij's change (``partijwijzigingen``), as the API does. The notifications stay in the
# outbox for the periodic task (or ``manage.py verstuur_notificaties``), nothing is sent from
# the migration.
#
# The data step uses the runtime code that builds the records (the partij representation
# ``partijrepresentatie.partij_data``, ``audit.record``, ``berichten.bericht``,
# ``outbox.rij``, through the helpers of ``datamodel.partijherstel`` that 0017 shares) on the
# HISTORICAL models of this migration's state, and inserts through the
# historical models: a live model would select columns later migrations add. This is fragile
# in one way: if a later version's ``partij_data`` (or the record builders) reads a field that
# does not exist yet at this migration, upgrading a database from before 0015 with duplicates
# fails here (loudly, rolled back; nothing half done), and this step then needs a frozen copy
# of the representation. Keep this import limited to this data step.
#
# A database that applied an earlier version of this migration (raw SQL, without records)
# does not run it again: the changes it made then stay unrecorded (docs/deployment.md).
#
# Locks: the identifier table is locked against writes (SHARE ROW EXCLUSIVE) from the start of
# the data step until the migration commits, so no write of the running old version makes a
# new duplicate between this step and the index; the klanten that change are locked (FOR
# UPDATE, pk order) before they are read. Every write locks its klant first and may then
# insert an identifier (which waits for the table lock): a migration waiting for such a
# klant while holding the table lock would deadlock with it (during a rolling deploy).
# So the klanten are locked with NOWAIT, all of them, right after the table lock, in a
# savepoint (``_vergrendel``): when one is held by a write, the savepoint is rolled back
# (PostgreSQL releases the table and row locks taken after it), the migration waits a
# moment without any lock and tries again, at most ``POGINGEN`` times, then fails with a
# message saying so (rolled back; nothing half done; run it again, at a quieter moment). The
# index is built without CONCURRENTLY (inside the migration's transaction).

DUBBEL = """
CREATE TEMPORARY TABLE hr_dubbel AS
SELECT i.id, i.klant_id,
    first_value(i.klant_id) OVER w AS houder,
    row_number() OVER w AS rang
FROM datamodel_partijidentificator i JOIN datamodel_klant k ON k.id = i.klant_id
WHERE i.code_soort_object_id IN ('kvk_nummer', 'rsin', 'vestigingsnummer')
WINDOW w AS (PARTITION BY i.bronorganisatie, i.code_soort_object_id, i.object_id
             ORDER BY k.gevalideerd DESC, i.id)
"""

WERKTE_VOOR = """
UPDATE datamodel_klant k SET werkte_voor_partij_id = d.houder
FROM (SELECT DISTINCT ON (klant_id) klant_id, houder FROM hr_dubbel
      WHERE rang > 1 AND klant_id = ANY(%s) ORDER BY klant_id, id) d
WHERE k.id = d.klant_id AND k.werkte_voor_partij_id IS NULL AND d.houder <> k.id
"""

LOSMAKEN = """
UPDATE datamodel_partijidentificator i SET klant_id = NULL
FROM hr_dubbel d WHERE i.id = d.id AND d.rang > 1 AND d.klant_id = ANY(%s)
"""

ACTOR_WEERGAVE = "Klanten (migratie 0015)"
TOELICHTING = (
    "K5: een HR-sleutel hoort bij één partij per organisatie; de identificator van deze "
    "partij is losgemaakt (de houder van de sleutel houdt hem)."
)


# the attempts at taking the locks without waiting for a klant row, and the pause between two
POGINGEN = 20
PAUZE = 0.5  # seconds, times the attempt's number (at most ~100 s in all)
# lock_not_available (FOR UPDATE NOWAIT on a row another transaction holds)
NIET_BESCHIKBAAR = "55P03"


class VergrendelingMislukt(RuntimeError):
    pass


def _vergrendel(connection) -> list[int]:
    """Take the locks of the data step in a savepoint: the identifier table, then (NOWAIT, pk
    order) the klanten whose rows it detaches. Returns those klanten (ids). A klant held by a
    write: the savepoint is rolled back (its locks released), a pause, again."""
    from django.db import OperationalError, transaction

    for poging in range(1, POGINGEN + 1):
        try:
            with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
                cursor.execute(
                    "LOCK TABLE datamodel_partijidentificator IN SHARE ROW EXCLUSIVE MODE"
                )
                cursor.execute(DUBBEL)
                cursor.execute(
                    "SELECT DISTINCT klant_id FROM hr_dubbel WHERE rang > 1 ORDER BY klant_id"
                )
                klanten = [pk for (pk,) in cursor.fetchall()]
                if klanten:
                    cursor.execute(
                        "SELECT id FROM datamodel_klant WHERE id = ANY(%s) "
                        "ORDER BY id FOR UPDATE NOWAIT",
                        [klanten],
                    )
            return klanten
        except OperationalError as exc:
            cause = exc.__cause__
            if getattr(cause, "sqlstate", None) != NIET_BESCHIKBAAR:
                raise
            if poging == POGINGEN:
                raise VergrendelingMislukt(
                    "Migration 0015 could not lock the klanten whose HR identifiers it "
                    f"detaches: writes held them in each of {POGINGEN} attempts. Nothing was "
                    "changed; run the migration again (at a quieter moment)."
                ) from exc
        time.sleep(PAUZE * poging)
    raise AssertionError("unreachable")


def ontkoppel_dubbele(apps, schema_editor):
    # the record helpers migration 0017 and the runtime repair share (historical models here)
    from klanten.datamodel import partijherstel
    from klanten.datamodel.partijrepresentatie import KIContext
    from klanten.datamodel.partijwijzigingen import PARTIJ, weergave
    from klanten.notificaties import audit

    # the table and the klanten that change locked, without waiting for a klant row
    klanten = _vergrendel(schema_editor.connection)
    ctx = KIContext.zonder_request()
    actor = audit.Actor(applicatie_weergave=ACTOR_WEERGAVE, toelichting=TOELICHTING)
    # read only when something changes: a database without duplicates needs no configuration
    aan = bool(klanten) and partijherstel.notificaties_aan(apps)
    for start in range(0, len(klanten), partijherstel.BATCH):
        pks = klanten[start : start + partijherstel.BATCH]  # locked (``_vergrendel``)
        voor = partijherstel.partijen(apps, pks, ctx)
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(WERKTE_VOOR, [pks])
            cursor.execute(LOSMAKEN, [pks])
        na = partijherstel.partijen(apps, pks, ctx)
        # as ``notificaties.wijziging.leg_vast(PARTIJ, "partial_update", ...)`` builds them
        partijherstel.leg_vast(
            apps,
            [(PARTIJ, weergave(na[pk][0]), voor[pk][1], na[pk][1]) for pk in pks],
            actor,
            aan,
        )
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP TABLE hr_dubbel")


class Migration(migrations.Migration):
    dependencies = [
        ("datamodel", "0014_vergrendel_vers"),
        # the record tables this migration writes (and the Notificaties configuration it reads)
        ("audittrails", "0019_alter_audittrail_options"),
        ("background", "0002_notificatie_backoff"),
    ]

    operations = [
        migrations.RunPython(ontkoppel_dubbele, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="partijidentificator",
            constraint=models.UniqueConstraint(
                condition=Q(
                    klant__isnull=False,
                    code_soort_object_id__in=["kvk_nummer", "rsin", "vestigingsnummer"],
                ),
                fields=("bronorganisatie", "code_soort_object_id", "object_id"),
                name="een_partij_per_hr_sleutel",
            ),
        ),
    ]
