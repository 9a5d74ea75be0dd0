"""Repairs of stored partij data, each changed partij recorded as the API records a change
(K10: one audit record and one notification per changed representation, nothing for a change
of nothing), shared by the data migrations and the runtime:

- migration 0015 (one partij per HR key) uses the record helpers;
- migration 0017 and ``services.verwijder_klanten`` (through :class:`HerstelNodig`) repair the
  ``subIdentificatorVan`` of identifiers written before K5's rule
  (``rules.require_sub_identificator_van_kvk``): one that names a row that is not a KvK
  number (a BSN, an RSIN, ...) or names itself loses the reference.

Everything here takes an ``apps`` registry: a migration passes the HISTORICAL models of its
state (a live model would select columns later migrations add), the runtime the live one
(``django.apps.apps``). The representations are the runtime's (``partij_data``,
``identificator_data``), built on those models: if a later version's representation reads a
field that does not exist yet at a migration, that migration fails loudly (rolled back) and
then needs a frozen copy. Notifications are only put in the outbox (sent by the periodic
task), never sent from here.
"""

from __future__ import annotations

from django.db.models import Prefetch

from . import rules

# klanten per batch: locked, represented before and after, recorded
BATCH = 500

# the identifiers whose subIdentificatorVan is invalid by K5's rule (names a row that is not a
# KvK number, or the identifier itself), optionally only those naming one of the rows %s
ONGELDIG = """
SELECT i.id, i.klant_id FROM datamodel_partijidentificator i
JOIN datamodel_partijidentificator d ON d.id = i.sub_identificator_van_id
WHERE (d.code_soort_object_id <> 'kvk_nummer' OR d.id = i.id)
  AND (%s::bigint[] IS NULL OR d.id = ANY(%s::bigint[]))
ORDER BY i.id
"""

# the repair of the rows ``ONGELDIG`` found, checked again under the locks
LOSMAKEN = """
UPDATE datamodel_partijidentificator i SET sub_identificator_van_id = NULL
FROM datamodel_partijidentificator d
WHERE d.id = i.sub_identificator_van_id AND i.id = ANY(%s::bigint[])
  AND (d.code_soort_object_id <> 'kvk_nummer' OR d.id = i.id)
"""

HERSTEL_WEERGAVE = "Klanten (herstel subIdentificatorVan)"
HERSTEL_TOELICHTING = (
    "K5: een subIdentificatorVan noemt alleen een KvK-nummer; de verwijzing van vóór die "
    "regel naar een andere identificator (of naar zichzelf) is leeggemaakt."
)


def notificaties_aan(apps) -> bool:
    """``berichten.aan()`` on the configuration model of ``apps``: notifications are stored
    when not switched off and a Notificaties API is configured; without one the records are
    written alone, unless ``NOTIFICATIONS_GUARANTEE_DELIVERY`` refuses the change (as the API
    refuses a write)."""
    from notifications_api_common.settings import get_setting

    if get_setting("NOTIFICATIONS_DISABLED"):
        return False
    config = apps.get_model("notifications_api_common", "NotificationsConfig")
    if config.objects.filter(notifications_api_service__isnull=False).exists():
        return True
    if get_setting("NOTIFICATIONS_GUARANTEE_DELIVERY"):
        raise RuntimeError("Notifications API configuration is broken or absent.")
    return False


def partijen(apps, pks: list[int], ctx) -> dict:
    """pk -> (klant, its partij representation), loaded as ``laad_partijen`` loads them."""
    from .partijrepresentatie import PARTIJ_RELATIES, partij_data

    klant_model = apps.get_model("datamodel", "Klant")
    ident_model = apps.get_model("datamodel", "PartijIdentificator")
    adres_model = apps.get_model("datamodel", "DigitaalAdres")
    betrokkene_model = apps.get_model("datamodel", "Betrokkene")
    klanten = (
        klant_model.objects.filter(pk__in=pks)
        .select_related(*PARTIJ_RELATIES, "werkte_voor_partij")
        .prefetch_related(
            Prefetch(
                "partij_identificatoren",
                queryset=ident_model.objects.select_related("sub_identificator_van").order_by("pk"),
            ),
            Prefetch("digitale_adressen", queryset=adres_model.objects.order_by("pk")),
            Prefetch(
                "betrokkenheden",
                queryset=betrokkene_model.objects.only("uuid", "klant").order_by("pk"),
            ),
        )
        .order_by("pk")
    )
    return {klant.pk: (klant, partij_data(klant, ctx)) for klant in klanten}


def als(model, rij):
    """The live unsaved ``rij`` as an unsaved instance of ``model`` (of ``apps``)."""
    return model(
        **{
            veld.attname: getattr(rij, veld.attname)
            for veld in model._meta.concrete_fields
            if not veld.primary_key
        }
    )


def leg_vast(apps, wijzigingen: list[tuple], actor, aan: bool) -> int:
    """One ``partial_update`` audit record per changed representation in ``wijzigingen``
    (``(resource, weergave, oud, nieuw)``; an unchanged one is skipped) and, when ``aan``, one
    outbox notification each, as ``notificaties.wijziging.leg_vast`` builds them; inserted
    through the models of ``apps``. Returns how many were recorded."""
    from klanten.notificaties import audit, berichten, outbox

    records, meldingen = [], []
    for resource, weergave, oud, nieuw in wijzigingen:
        if oud == nieuw:
            continue
        records.append(
            audit.record(
                bron=resource.bron,
                resource=resource.resource,
                actie="partial_update",
                resource_url=nieuw["url"],
                hoofd_object=resource.hoofd_object_url(nieuw),
                weergave=weergave,
                oud=oud,
                nieuw=nieuw,
                actor=actor,
            )
        )
        if aan:
            meldingen.append(
                outbox.rij(
                    berichten.bericht(
                        kanaal=resource.kanaal,
                        resource=resource.resource,
                        actie="partial_update",
                        resource_url=nieuw["url"],
                        hoofd_object=resource.hoofd_object_url(nieuw),
                        kenmerken=resource.kenmerken_van(nieuw),
                    )
                )
            )
    audit_model = apps.get_model("audittrails", "AuditTrail")
    outbox_model = apps.get_model("background", "UitgaandeNotificatie")
    if records:
        audit_model.objects.bulk_create([als(audit_model, r) for r in records])
    if meldingen:
        outbox_model.objects.bulk_create([als(outbox_model, m) for m in meldingen])
    return len(records)


def herstel_sub_identificatoren(apps, connection, actor, doelen: list[int] | None = None) -> int:
    """K5: every identifier whose ``subIdentificatorVan`` names a row that is not a KvK number,
    or names itself, loses the reference (``doelen``: only references to those rows). Each
    partij that so changes gets one ``partial_update`` record (bron ``ki``, kanaal
    ``partijen``, its representation before and after), and so does an identifier without a
    partij (its own representation, as ``PUT /partij-identificatoren`` records it). Returns
    how many identifiers were repaired; nothing repaired records nothing.

    Locks: the klanten of the repaired rows in id order (batches in ascending order), as every
    write locks its klant first, then the identifiers without a partij in id order. Call it
    holding no klant lock (a transaction of its own): then it cannot deadlock with a write
    that locks klanten in that same order. A row that moved to another partij between the
    search and the locks is left (checked again under the locks), for a later run."""
    from .partijrepresentatie import KIContext, identificator_data
    from .partijwijzigingen import PARTIJ, PARTIJIDENTIFICATOR, weergave

    klant_model = apps.get_model("datamodel", "Klant")
    ident_model = apps.get_model("datamodel", "PartijIdentificator")
    with connection.cursor() as cursor:
        cursor.execute(ONGELDIG, [doelen, doelen])
        gevonden = cursor.fetchall()
    if not gevonden:
        return 0
    per_klant: dict[int, list[int]] = {}
    los: list[int] = []
    for rij_id, klant_id in gevonden:
        if klant_id is None:
            los.append(rij_id)
        else:
            per_klant.setdefault(klant_id, []).append(rij_id)
    ctx = KIContext.zonder_request()
    aan = notificaties_aan(apps)
    hersteld = 0
    klanten = sorted(per_klant)
    for start in range(0, len(klanten), BATCH):
        pks = klanten[start : start + BATCH]
        list(klant_model.objects.filter(pk__in=pks).order_by("pk").select_for_update())
        rijen = list(
            ident_model.objects.filter(
                pk__in=[i for pk in pks for i in per_klant[pk]], klant_id__in=pks
            ).values_list("pk", flat=True)
        )
        voor = partijen(apps, pks, ctx)
        with connection.cursor() as cursor:
            cursor.execute(LOSMAKEN, [rijen])
            hersteld += cursor.rowcount
        na = partijen(apps, pks, ctx)
        leg_vast(
            apps,
            [
                (PARTIJ, weergave(na[pk][0]), voor[pk][1], na[pk][1])
                for pk in pks
                if pk in voor and pk in na
            ],
            actor,
            aan,
        )
    if los:
        rijen = list(
            ident_model.objects.select_for_update(of=("self",))
            .filter(pk__in=los, klant__isnull=True)
            .select_related("sub_identificator_van")
            .order_by("pk")
        )
        voor = {rij.pk: identificator_data(rij, ctx) for rij in rijen}
        with connection.cursor() as cursor:
            cursor.execute(LOSMAKEN, [[rij.pk for rij in rijen]])
            hersteld += cursor.rowcount
        na = {
            rij.pk: identificator_data(rij, ctx)
            for rij in ident_model.objects.filter(pk__in=voor)
            .select_related("sub_identificator_van")
            .order_by("pk")
        }
        leg_vast(
            apps,
            [
                (PARTIJIDENTIFICATOR, f"partijidentificator {na[pk]['uuid']}", voor[pk], na[pk])
                for pk in voor
            ],
            actor,
            aan,
        )
    return hersteld


class HerstelNodig(rules.Conflict):
    """A deletion (of klanten, or ``partijsync`` removing a klant's identifier) met an
    identifier whose ``subIdentificatorVan`` names a row being deleted that is not an HR key
    (a BSN named so before K5's rule, or by an old instance during a rolling deploy), or a row
    naming itself: the database refuses the deletion (PROTECT), and such a row may not be
    kept without its partij (personal data; a row naming itself would keep naming itself).

    The reference is invalid by K5, so it is repaired (as migration 0017 does), never kept.
    The repair changes other partijen (the referrers'), whose klant rows must be locked first;
    locking them while holding the deleted klanten's locks could deadlock with a write that
    locks them in id order. So the write is not continued: the outermost write transaction
    (``transactions.uitvoeren``) rolls back, releasing every lock, runs
    :meth:`herstel_eerst` in a transaction of its own (which locks only the referrers'
    klanten, in id order) and runs the write again. Inside a transaction that is not a write
    transaction of ours it cannot do so: then it is what it is, a ``Conflict`` (the API
    answers 409 with code ``sub-identificator-herstel-nodig``, never 500)."""

    code = "sub-identificator-herstel-nodig"

    def __init__(self, doelen):
        super().__init__(
            "De wijziging kan nu niet worden uitgevoerd: een partij-identificator noemt een "
            "identificator van deze partij als subIdentificatorVan terwijl die geen "
            "KvK-nummer is (gegevens van vóór die regel). Herstel met de migratie "
            "datamodel 0017, of probeer het opnieuw.",
            code=self.code,
        )
        self.doelen = sorted(doelen)

    def herstel_eerst(self) -> None:
        from django.apps import apps
        from django.db import connection

        from klanten.notificaties import audit

        from .transactions import uitvoeren

        actor = audit.Actor(applicatie_weergave=HERSTEL_WEERGAVE, toelichting=HERSTEL_TOELICHTING)
        uitvoeren(herstel_sub_identificatoren, apps, connection, actor, self.doelen)
