"""Transactional writes of klantcontacten and what hangs off them (design K3).

The Contactmomenten API, the Klanten API's interactions (E2), the admin and the
Klantinteracties API all write klantcontacten, betrokkenen, onderwerpobjecten and actoren
through these functions, so each rule is enforced once (``docs/store.md``). Callers pass plain,
already shape-checked data (snake_case column names, model instances for references); nothing
here knows about requests or URLs.

Every write is a write transaction (``transactions.schrijfactie``: run again when PostgreSQL
cancels it). Locks, in one order: the klant rows involved (by id), then the klantcontact, then
the rows that hang off it; changes of a ``vorig_klantcontact`` chain are serialized by one
transaction-level advisory lock taken after those. A row that is gone raises its model's
``DoesNotExist`` (the API answers 404).

A write made on behalf of someone (``herkomst``, see ``wijzigingen.Herkomst``) is recorded in
its transaction (``contactwijzigingen``): the Contactmomenten API's audit trail and
notifications, whichever API or path made it; a change of nothing records nothing.
"""

from dataclasses import dataclass
from uuid import UUID

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from vng_api_common.constants import CommonResourceAction

from klanten.notificaties.wijziging import Bundel

from . import (
    contactwijzigingen,
    kicontactwijzigingen,
    partijstand,
    partijwijzigingen,
    rules,
    vernietiging,
)
from .contactrepresentatie import (
    Basis,
    klantcontactmoment_data,
    klantcontactmomenten_met_contact,
)
from .kicontactrepresentatie import (
    KLANTCONTACT_REFERENTIES,
    actor_json_uit,
)
from .klantcontacten import (
    ROL_VOOR_CONTACTMOMENT_ROL,
    Actor,
    ActorKlantcontact,
    Betrokkene,
    Klantcontact,
    Onderwerpobject,
    SoortActor,
    contactmoment_rol,
    met_contactmoment_rol,
)
from .transactions import (
    GelijktijdigeWijziging,
    is_vergrendeld,
    markeer_vergrendeld,
    schrijfactie,
)
from .vergrendeling import KLANTCONTACT_VERS, uuids, vergrendel_vers_op
from .wijzigingen import Herkomst

# the columns a client may write (through any API); everything else is kept by the services
KLANTCONTACT_VELDEN = (
    "bronorganisatie",
    "nummer",
    "referentienummer",
    "kanaal",
    "voorkeurskanaal",
    "onderwerp",
    "inhoud",
    "reactie",
    "taal",
    "vertrouwelijk",
    "indicatie_contact_gelukt",
    "verdere_actie_ondernomen",
    "hoofd_onderwerp_type",
    "metadata",
    "plaatsgevonden_op",
    "initiatiefnemer",
    "onderwerp_links",
    "medewerker_url",
    "geregistreerd_door",
)
BETROKKENE_VELDEN = (
    "initiator",
    "voorletters",
    "voornaam",
    "voorvoegsel_achternaam",
    "achternaam",
    "organisatienaam",
    "bezoekadres",
    "correspondentieadres",
    "vernietigingsdatum",
    "geregistreerd_door",
)
ONDERWERPOBJECT_VELDEN = (
    "object_id",
    "code_objecttype",
    "code_register",
    "code_soort_object_id",
    "object_url",
    "object_type",
    "geregistreerd_door",
)

# how an actor for a Contactmomenten medewerkerIdentificatie is identified (the codes KISS
# uses for employees registered by hand)
MEDEWERKER_CODES = {
    "code_objecttype": "mdw",
    "code_register": "handmatig",
    "code_soort_object_id": "idf",
}
# the zaak of an objectcontactmoment, as Klantinteracties shows it
ZAAK_CODES = {
    "code_objecttype": "zaak",
    "code_register": "openzaak",
    "code_soort_object_id": "uuid",
}

# pg_advisory_xact_lock key serializing changes of vorig_klantcontact chains (see _keten)
_KETEN_LOCK = 0x6B6C6E7463  # "klntc"


class Bestaat(Exception):
    """The row would duplicate one that exists (a betrokkene with the same klant and role, an
    onderwerpobject with the same object); ``bestaand`` is that row."""

    def __init__(self, bestaand):
        super().__init__("bestaat al")
        self.bestaand = bestaand


@dataclass(frozen=True)
class MedewerkerIdentificatie:
    """The Contactmomenten API's embedded identification of an employee."""

    identificatie: str = ""
    achternaam: str = ""
    voorletters: str = ""
    voorvoegsel_achternaam: str = ""

    def naam(self) -> str:
        delen = (self.voorletters, self.voorvoegsel_achternaam, self.achternaam)
        return " ".join(deel for deel in delen if deel)


class _Ongewijzigd:
    def __repr__(self):
        return "ONGEWIJZIGD"


# "leave as it is" for the keyword arguments of update_klantcontact
ONGEWIJZIGD = _Ongewijzigd()


# --- actors ------------------------------------------------------------------------------------


def actor_voor_medewerker(medewerker: MedewerkerIdentificatie) -> Actor:
    """The actor of soort medewerker for exactly this identification, created when there is
    none. Identifications that differ in any part are different actors: an actor is shared by
    every klantcontact it took part in, so changing one would change all their
    representations."""
    waarden = {
        "soort_actor": SoortActor.medewerker,
        "object_id": medewerker.identificatie,
        "achternaam": medewerker.achternaam,
        "voorletters": medewerker.voorletters,
        "voorvoegsel_achternaam": medewerker.voorvoegsel_achternaam,
        **MEDEWERKER_CODES,
    }
    with connection.cursor() as cursor:
        # two transactions finding no actor for one identification create one, not two
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
            [f"actor-medewerker:{medewerker.identificatie}"],
        )
    actor = Actor.objects.filter(**waarden).order_by("id").first()
    if actor is None:
        actor = Actor.objects.create(naam=medewerker.naam(), **waarden)
    return actor


def medewerker_link(klantcontact: Klantcontact) -> ActorKlantcontact | None:
    """The link whose actor is the Contactmomenten API's medewerker of a klantcontact: its first
    (lowest id) link to an actor of soort medewerker."""
    return (
        ActorKlantcontact.objects.select_related("actor")
        .filter(klantcontact=klantcontact, actor__soort_actor=SoortActor.medewerker)
        .order_by("id")
        .first()
    )


def _zet_medewerker(
    klantcontact: Klantcontact,
    medewerker: MedewerkerIdentificatie | None,
    *,
    nieuw=False,
    bundel: Bundel | None = None,
) -> Actor | None:
    """Make ``medewerker`` the klantcontact's first medewerker (None: it has none).
    ``nieuw``: the klantcontact was inserted in this transaction (it has no links yet), and
    the link goes into ``bundel`` when given (inserted with the write's records); returns its
    actor."""
    if nieuw:
        if medewerker is None:
            return None
        actor = actor_voor_medewerker(medewerker)
        link = ActorKlantcontact(actor=actor, klantcontact=klantcontact)
        if bundel is not None:
            bundel.rijen.append(link)
        else:
            link.save(force_insert=True)
        return actor
    huidig = medewerker_link(klantcontact)
    if medewerker is None:
        if huidig is not None:
            huidig.delete()
        return
    actor = actor_voor_medewerker(medewerker)
    if huidig is None:
        ActorKlantcontact.objects.get_or_create(actor=actor, klantcontact=klantcontact)
        return
    if huidig.actor_id == actor.pk:
        return
    # the actor may already take part through a later link: that one goes, so that the first
    # link (which decides) points at it
    ActorKlantcontact.objects.filter(actor=actor, klantcontact=klantcontact).delete()
    huidig.actor = actor
    huidig.save(update_fields=["actor"])


def add_actor(klantcontact: Klantcontact, actor: Actor) -> tuple[ActorKlantcontact, bool]:
    """An actor took part in a klantcontact (Klantinteracties' actorklantcontact)."""
    klantcontact = Klantcontact.objects.select_for_update().get(pk=klantcontact.pk)
    return ActorKlantcontact.objects.get_or_create(actor=actor, klantcontact=klantcontact)


# --- the vorig/volgend chain ---------------------------------------------------------------------


def _keten(start_id: int, limiet: int = 100_000) -> list[int]:
    """The ids of the chain back in time from ``start_id`` (itself first), in one query; it
    stops on a repeated id, so it ends even on a (not allowed) loop."""
    table = Klantcontact._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH RECURSIVE keten(id, vorig_id, pad, lus) AS (
                SELECT id, vorig_klantcontact_id, ARRAY[id], false FROM {table} WHERE id = %s
                UNION ALL
                SELECT k.id, k.vorig_klantcontact_id, keten.pad || k.id, k.id = ANY(keten.pad)
                FROM {table} k JOIN keten ON k.id = keten.vorig_id
                WHERE NOT keten.lus AND cardinality(keten.pad) < %s
            )
            SELECT id FROM keten
            """,
            [start_id, limiet],
        )
        return [row[0] for row in cursor.fetchall()]


def _zet_vorig(klantcontact: Klantcontact, vorig: Klantcontact | None) -> None:
    """Point ``klantcontact`` at ``vorig`` (not yet saved), refusing a loop or a previous
    contactmoment that already has a next one."""
    if vorig is None:
        klantcontact.vorig_klantcontact = None
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_KETEN_LOCK])
    volgend = (
        Klantcontact.objects.filter(vorig_klantcontact_id=vorig.pk)
        .values_list("id", flat=True)
        .first()
    )
    rules.require_vorig_vrij(volgend, klantcontact.pk)
    if not Klantcontact.objects.filter(pk=vorig.pk).exists():
        raise Klantcontact.DoesNotExist("vorig")
    rules.require_no_loop(klantcontact.pk, _keten(vorig.pk))
    klantcontact.vorig_klantcontact = vorig


# --- klantcontacten ----------------------------------------------------------------------------


def _ki():
    """The Klantinteracties recording of klantcontacten (kanaal klantcontacten)."""
    return kicontactwijzigingen


def _velden(data: dict, velden) -> dict:
    onbekend = set(data) - set(velden)
    if onbekend:
        raise TypeError(f"Onbekende velden: {', '.join(sorted(onbekend))}")
    return data


def _klanten_van(
    klantcontact_id: int, extra=(), *, met_betrokkenen: bool = False, adressen: bool = False
) -> list:
    """Lock the klanten of a klantcontact's betrokkenen (by id), and those of ``extra`` (ids):
    the first locks of a write that changes what their retention date depends on.
    ``met_betrokkenen``: each with the uuids of its betrokkenen of the klantcontact as read by
    the same statement (``betrokkenen_hier``, for :func:`_klanten_na`). ``adressen``: also
    the partijen holding a digital address one of its betrokkenen gave (same statement)."""
    from django.contrib.postgres.expressions import ArraySubquery
    from django.db.models import OuterRef

    from .models import Klant

    ids = Betrokkene.objects.filter(
        klantcontact_id=klantcontact_id, klant__isnull=False
    ).values_list("klant_id", flat=True)
    wie = Q(pk__in=ids) | Q(pk__in=list(extra)) if extra else Q(pk__in=ids)
    if adressen:
        wie |= Q(pk__in=_adreshouders(klantcontact_id))
    klanten = Klant.objects.select_for_update().filter(wie).order_by("id")
    if met_betrokkenen:
        klanten = klanten.annotate(
            betrokkenen_hier=ArraySubquery(
                Betrokkene.objects.filter(
                    klantcontact_id=klantcontact_id, klant_id=OuterRef("pk")
                ).values("uuid")
            )
        )
    return list(klanten)


def _klanten_na(klantcontact: Klantcontact, klanten: list) -> None:
    """After the klantcontact's lock (:func:`update_klantcontact` changing its date): every
    klant of its betrokkenen must be among ``klanten`` (locked before the klantcontact), as
    the write changes their retention dates. Every betrokkene (read with the lock) one of
    ``klanten`` had when they were locked: no statement. Otherwise (an anonymous betrokkene,
    or one added meanwhile) one statement reads their klanten; a klant missing (its
    betrokkene added between the read of the klanten and the klantcontact's lock) is not
    locked now, after the klantcontact (out of order; a write of the API has no savepoint to
    give its locks back): nothing was changed and :class:`GelijktijdigeWijziging` makes the
    write transaction run again from its start (``transactions``), which reads that
    betrokkene before its first lock. Still missing after the last attempt: 409
    ``gelijktijdige-wijziging``, nothing written."""
    bekend = {uuid for klant in klanten for uuid in klant.betrokkenen_hier}
    if set(klantcontact.ki_betrokkenen) <= bekend:
        return
    ontbrekend = set(
        Betrokkene.objects.filter(klantcontact_id=klantcontact.pk, klant__isnull=False)
        .values_list("klant_id", flat=True)
        .distinct()
    ) - {klant.pk for klant in klanten}
    if ontbrekend:
        raise GelijktijdigeWijziging(ontbrekend)


def vergrendel_klantcontact(**lookup) -> Klantcontact:
    """Lock the klantcontact of ``queryset`` that ``lookup`` finds and read, in the same
    statement after the lock is held (``vergrendeling``: the function
    ``datamodel_klantcontact_vers`` over the locking query, so what a writer that held the
    lock first added is seen), what its representations need beyond its own columns
    (``repr_vorig_uuid``, ``repr_volgend_uuid``, ``repr_medewerker``, and its
    Klantinteracties references ``ki_betrokkenen``, ... as ``klantcontact_referenties``
    reads them); the services do not lock it again in the same write transaction. A write that
    changes its date locks its klanten first (:func:`update_klantcontact`)."""
    gevonden = vergrendel_vers_op(Klantcontact, KLANTCONTACT_VERS, **lookup)
    if gevonden is None:
        raise Klantcontact.DoesNotExist("Klantcontact matching query does not exist.")
    klantcontact, data = gevonden
    for naam in ("repr_vorig_uuid", "repr_volgend_uuid"):
        setattr(klantcontact, naam, None if data[naam] is None else UUID(data[naam]))
    klantcontact.repr_medewerker = data["repr_medewerker"]
    for naam in ("ki_betrokkenen", "ki_onderwerpobjecten", "ki_internetaken"):
        setattr(klantcontact, naam, uuids(data[naam]))
    klantcontact.ki_actoren = data["ki_actoren"]
    markeer_vergrendeld(klantcontact)
    return klantcontact


def _save(klantcontact: Klantcontact, **kwargs) -> None:
    if klantcontact.vorig_klantcontact_id is None:
        klantcontact.save(**kwargs)  # no chain: no unique previous one to clash on
        return
    try:
        with transaction.atomic():
            klantcontact.save(**kwargs)
    except IntegrityError as exc:
        # a backstop: the chain lock lets no two klantcontacten take one previous one
        if "vorig_klantcontact" not in str(exc):
            raise
        rules.require_vorig_vrij(-1, klantcontact.pk)


@schrijfactie
def create_klantcontact(
    data: dict,
    *,
    medewerker: MedewerkerIdentificatie | None = None,
    vorig: Klantcontact | None = None,
    herkomst: Herkomst | None = None,
) -> Klantcontact:
    """A new klantcontact. ``data`` holds columns of ``KLANTCONTACT_VELDEN``; ``medewerker``
    becomes its first medewerker, ``vorig`` its previous klantcontact (locally: a
    Contactmomenten ``vorigContactmoment``)."""
    klantcontact = Klantcontact(**_velden(data, KLANTCONTACT_VELDEN))
    _zet_vorig(klantcontact, vorig)
    _save(klantcontact, force_insert=True)
    # the medewerker's link and the records of both APIs: one statement
    bundel = Bundel() if herkomst is not None else None
    actor = _zet_medewerker(klantcontact, medewerker, nieuw=True, bundel=bundel)
    if herkomst is not None:
        # built from what was just written (not read back)
        nieuw = contactwijzigingen.contactmoment_uit(
            klantcontact,
            Basis.van_herkomst(herkomst),
            vorig_uuid=vorig.uuid if vorig is not None else None,
            volgend_uuid=None,
            medewerker=contactwijzigingen.medewerker_data(medewerker),
        )
        contactwijzigingen.leg_contactmoment_vast(
            CommonResourceAction.create, oud=None, nieuw=nieuw, herkomst=herkomst, bundel=bundel
        )
        # what was recorded is the answer too (the same request's URLs): not read again
        klantcontact.representatie = nieuw
        # the same row is a klantcontact of Klantinteracties (kanaal klantcontacten, K10),
        # new: no references but its medewerker
        ki_nieuw = _ki().klantcontact_uit(
            klantcontact,
            _ki().KiBasis.van_herkomst(herkomst),
            actoren=[actor_json_uit(actor)] if actor is not None else [],
        )
        klantcontact.ki_representatie = _ki().leg_klantcontact_vast(
            CommonResourceAction.create,
            klantcontact.pk,
            oud=None,
            herkomst=herkomst,
            nieuw=ki_nieuw,
            bundel=bundel,
        )
        bundel.voeg_in()
    return klantcontact


@schrijfactie
def update_klantcontact(
    klantcontact: Klantcontact,
    data: dict,
    *,
    medewerker=ONGEWIJZIGD,
    vorig=ONGEWIJZIGD,
    partial: bool = True,
    herkomst: Herkomst | None = None,
) -> Klantcontact:
    """Change the given columns (``data``), and the medewerker and previous klantcontact when
    given (None removes them); ``partial``: a partial update (PATCH) rather than an update
    (PUT), for the audit trail. When the date changes, the retention date of the klanten that
    took part follows (R1, ``signals.py``): their rows are locked first (one added between
    that lock and the klantcontact's: the write runs again, :func:`_klanten_na`)."""
    data = _velden(data, KLANTCONTACT_VELDEN)
    if not is_vergrendeld(klantcontact):
        datum = "plaatsgevonden_op" in data
        klanten = _klanten_van(klantcontact.pk, met_betrokkenen=True) if datum else []
        klantcontact = vergrendel_klantcontact(pk=klantcontact.pk)
        if datum:
            # a betrokkene of another klant added between the two locks: run again
            _klanten_na(klantcontact, klanten)
    vorig_uuid = klantcontact.repr_vorig_uuid
    medewerker_json = klantcontact.repr_medewerker
    if herkomst is not None:
        basis = Basis.van_herkomst(herkomst)
        oud = contactwijzigingen.contactmoment_uit(
            klantcontact,
            basis,
            vorig_uuid=vorig_uuid,
            volgend_uuid=klantcontact.repr_volgend_uuid,
            medewerker=medewerker_json,
        )
        ki_basis = _ki().KiBasis.van_herkomst(herkomst)
        # its Klantinteracties references, read with the lock
        ki_referenties = {
            naam.removeprefix("ki_"): getattr(klantcontact, naam)
            for naam in KLANTCONTACT_REFERENTIES
        }
        ki_oud = _ki().klantcontact_uit(klantcontact, ki_basis, **ki_referenties)
        bundel = Bundel()
    for field, value in data.items():
        setattr(klantcontact, field, value)
    # only the columns written (the retention signal follows a change of the date only)
    update_fields = [*data, "gewijzigd_op"]
    if vorig is not ONGEWIJZIGD and (
        vorig is None or vorig.pk != klantcontact.vorig_klantcontact_id
    ):
        _zet_vorig(klantcontact, vorig)
        vorig_uuid = vorig.uuid if vorig is not None else None
        update_fields.append("vorig_klantcontact")
    _save(klantcontact, update_fields=update_fields)
    if medewerker is not ONGEWIJZIGD:
        _zet_medewerker(klantcontact, medewerker)
        # none: a later link may now be the first, read it
        medewerker_json = contactwijzigingen.medewerker_data(medewerker) if medewerker else None
    if herkomst is not None:
        if medewerker is None:
            nieuw = contactwijzigingen.contactmoment(klantcontact, basis)
        else:
            nieuw = contactwijzigingen.contactmoment_uit(
                klantcontact,
                basis,
                vorig_uuid=vorig_uuid,
                volgend_uuid=klantcontact.repr_volgend_uuid,
                medewerker=medewerker_json,
            )
        actie = CommonResourceAction.partial_update if partial else CommonResourceAction.update
        contactwijzigingen.leg_contactmoment_vast(
            actie, oud=oud, nieuw=nieuw, herkomst=herkomst, bundel=bundel
        )
        klantcontact.representatie = nieuw
        # the references are those read with the lock unless the medewerker changed
        ki_nieuw = (
            _ki().klantcontact_uit(klantcontact, ki_basis, **ki_referenties)
            if medewerker is ONGEWIJZIGD
            else None
        )
        _ki().leg_klantcontact_vast(
            actie, klantcontact.pk, oud=ki_oud, herkomst=herkomst, nieuw=ki_nieuw, bundel=bundel
        )
        bundel.voeg_in()
    return klantcontact


@schrijfactie
def delete_klantcontact(klantcontact: Klantcontact, *, herkomst: Herkomst | None = None) -> None:
    """Remove a klantcontact with its betrokkenen, onderwerpobjecten and actor links (K9: the
    actors themselves stay). A later klantcontact that pointed at it loses its previous one.
    The retention dates of the klanten that took part follow (signals). Its audit trail goes,
    one record of the deletion stays (``contactwijzigingen``). The partijen of its betrokkenen
    lose them from their ``betrokkenen``: each recorded as a change (K10).

    The digital addresses its betrokkenen gave go with them: one only a betrokkene held is
    deleted (recorded ``destroy``, its earlier records removed), a partij's address one of them
    also gave stays with the partij without it (``partial_update``, ``verstrektDoorBetrokkene``
    gone), as the retention's destruction of betrokkenen does
    (:func:`_adressen_van_betrokkenen_af`).

    Locks: the klanten of its betrokkenen and the partijen holding an address one of them gave
    (id order), then the klantcontact, then its betrokkenen (:func:`_vergrendel_met_klanten`:
    a betrokkene of another klant, or an address of another partij, added before those locks
    is seen and that klant locked too, in order). A partij that only holds such an address is
    locked by its row only and not recorded: its representation lists its addresses by
    reference and does not change (the address is recorded, :func:`_partijen_van`)."""
    klanten, klantcontact, adressen = _vergrendel_met_klanten(
        klantcontact.pk, partijen=herkomst is not None, adressen=True, herkomst=herkomst
    )
    partijen = (
        [partijwijzigingen.Betrokkenheden(klant, herkomst) for klant in klanten]
        if herkomst is not None
        else []
    )
    if herkomst is not None:
        oud = contactwijzigingen.contactmoment(klantcontact, Basis.van_herkomst(herkomst))
        contactwijzigingen.leg_verwijdering_vast(oud, herkomst)
        _ki().leg_klantcontact_verwijderd(klantcontact.pk, herkomst)
    # its betrokkenen's addresses were dealt with: the cascade leaves them alone
    _verwijder(Klantcontact.objects.filter(pk=klantcontact.pk))
    if herkomst is not None and (partijen or adressen[0]):
        # its betrokkenen (read with its lock) went with it
        weg = set(klantcontact.ki_betrokkenen)
        bundel = Bundel()
        for partij in partijen:
            for betrokkene in list(partijstand.rijen(partij.klant, "betrokkenheden")):
                if betrokkene.uuid in weg:
                    partij.haal_weg(betrokkene)
            partij.leg_vast(bundel)
        _leg_adressen_af_vast(*adressen, herkomst, bundel)
        bundel.voeg_in()


# how often a delete of a klantcontact takes its locks again when a betrokkene of a klant it
# did not lock was added meanwhile (each time another write must have added one); then the
# write runs again from its start (transactions.GelijktijdigeWijziging)
VERGRENDEL_POGINGEN = 5


def _vergrendel_met_klanten(
    klantcontact_id: int,
    *,
    partijen: bool,
    adressen: bool = False,
    herkomst: Herkomst | None = None,
) -> tuple[list, Klantcontact, tuple[dict, dict]]:
    """Lock the klanten of a klantcontact's betrokkenen (by id; ``partijen``: each with its
    partij rows in memory, ``partijstand``) and then the klantcontact; returns the klanten
    locked and the klantcontact (``vergrendel_klantcontact``; ``DoesNotExist`` when gone).

    The klanten are read before the klantcontact is locked, so a betrokkene of another klant
    may be added in between (``add_betrokkene`` locks its klant, then the klantcontact). Once
    the klantcontact is locked no betrokkene can be added, so its klanten are read again: when
    one is not locked, the locks are given back (a rollback to the savepoint taken before the
    first klant lock releases the row locks taken after it) and taken again for all of them,
    in id order, klanten before the klantcontact. Still one missing in the last of
    :data:`VERGRENDEL_POGINGEN` rounds: it is not locked after the klantcontact (out of
    order); nothing was changed and :class:`GelijktijdigeWijziging` makes the write
    transaction roll back (every lock given back) and run again from its start
    (``transactions``: at most ``POGINGEN`` times in all, then 409
    ``gelijktijdige-wijziging``, nothing written).

    ``adressen``: the klantcontact's betrokkenen go (:func:`delete_klantcontact`), and with
    them the digital addresses they gave. The partijen holding such an address are locked
    with the klanten (read by the same statement); the betrokkenen are locked after the
    klantcontact (a write giving one an address is waited for,
    :func:`vergrendel_betrokkenen`), and their addresses are then deleted or released by one
    statement that first checks that every partij holding one is locked: one given an address
    meanwhile is not, nothing is changed and the locks are taken again with it, as above.
    Returns the addresses' representations before and after as third element (empty without
    ``adressen`` or ``herkomst``). With ``partijen`` the klanten returned are those of its
    betrokkenen, with their partij rows; the address-only holders are locked by their row
    (:func:`_partijen_van`) and not returned, unless one became a betrokkene's partij before
    its lock: then its partij rows are read under the lock held (:func:`_met_partij_rijen`)."""
    extra: set[int] = set()
    extra_betrokken: set[int] = set()
    wijzigingen: tuple[dict, dict] = ({}, {})
    for poging in range(1, VERGRENDEL_POGINGEN + 1):
        savepoint = transaction.savepoint()
        houders: set[int] = set()
        if partijen:
            klanten, houders = _partijen_van(
                klantcontact_id, extra, adressen=adressen, betrokken=extra_betrokken
            )
        else:
            klanten = _klanten_van(klantcontact_id, extra, adressen=adressen)
        try:
            klantcontact = vergrendel_klantcontact(pk=klantcontact_id)
        except Klantcontact.DoesNotExist:
            transaction.savepoint_commit(savepoint)
            raise
        vergrendeld = {klant.pk for klant in klanten} | houders
        if partijen and _allen_van(klantcontact, klanten):
            # every betrokkene is one of a partij locked with its rows: no re-read
            betrokken = {klant.pk for klant in klanten}
        else:
            betrokken = set(
                Betrokkene.objects.filter(klantcontact_id=klantcontact_id, klant__isnull=False)
                .values_list("klant_id", flat=True)
                .distinct()
            )
        extra_betrokken |= betrokken
        ontbrekend = betrokken - vergrendeld
        if not ontbrekend and betrokken & houders:
            # an address-only holder became a betrokkene's partij before its lock: its row is
            # held, its partij rows are read now (the same lock, no wait; its betrokkenen list
            # changes and is recorded)
            _met_partij_rijen(klanten, sorted(betrokken & houders))
        if not ontbrekend and adressen and klantcontact.ki_betrokkenen:
            # no betrokkene can be added now; its betrokkenen locked, none gets an address
            ids = vergrendel_betrokkenen(Betrokkene.objects.filter(klantcontact_id=klantcontact_id))
            *wijzigingen, ontbrekend = _adressen_van_betrokkenen_af(
                ids, herkomst, vergrendeld=vergrendeld
            )
            betrokken |= ontbrekend
        if not ontbrekend:
            transaction.savepoint_commit(savepoint)
            return klanten, klantcontact, tuple(wijzigingen)
        transaction.savepoint_rollback(savepoint)
        if poging == VERGRENDEL_POGINGEN:
            # no lock out of order: the whole write again, from its start
            raise GelijktijdigeWijziging(ontbrekend)
        extra |= betrokken | vergrendeld
    raise AssertionError("unreachable")


def _adreshouders(klantcontact_id: int):
    """The partijen (klant ids, a query) holding a digital address a betrokkene of the
    klantcontact gave."""
    from .partijen import DigitaalAdres

    return DigitaalAdres.objects.filter(
        betrokkene__klantcontact_id=klantcontact_id, klant__isnull=False
    ).values_list("klant_id", flat=True)


def _allen_van(klantcontact: Klantcontact, klanten: list) -> bool:
    """Whether every betrokkene of ``klantcontact`` (read with its lock) is one of the
    ``klanten`` (locked, with their partij rows in memory, read under their locks)."""
    van_klanten = {
        betrokkene.uuid
        for klant in klanten
        for betrokkene in partijstand.rijen(klant, "betrokkenheden")
    }
    return set(klantcontact.ki_betrokkenen) <= van_klanten


def _partijen_van(
    klantcontact_id: int, extra=(), *, adressen: bool = False, betrokken=()
) -> tuple[list, set[int]]:
    """:func:`_klanten_van` for a write that records the partijen whose betrokkenen it
    changes: the ids in one query (with those of ``extra``; ``adressen``: and the partijen
    holding an address one of its betrokkenen gave), then each klant locked in id order (one
    gone meanwhile is left out). A partij of one of its betrokkenen (or of ``betrokken``, ids
    seen so in an earlier round) is locked with its partij rows in memory (``partijstand``:
    its representation is recorded when its betrokkenen change); one that only holds such an
    address (an address-only holder) by its row only: its representation does not change (it
    lists its addresses by reference; the address is recorded as itself,
    :func:`_leg_adressen_af_vast`). Holders next to each other in id order are locked by one
    statement. Returns the partijen with their rows, and the ids of the holders locked."""
    from .models import Klant

    if adressen:
        rijen = _betrokken_en_houders(klantcontact_id)
        volledig = {klant_id for klant_id, houder in rijen if not houder}
        houders = {klant_id for klant_id, houder in rijen if houder}
    else:
        volledig = set(
            Betrokkene.objects.filter(klantcontact_id=klantcontact_id, klant__isnull=False)
            .values_list("klant_id", flat=True)
            .distinct()
        )
        houders = set()
    volledig |= set(betrokken)
    houders = (houders | set(extra)) - volledig
    klanten: list = []
    vergrendeld: set[int] = set()
    reeks: list[int] = []  # holders next in id order, locked by one statement
    for klant_id in sorted(volledig | houders):
        if klant_id in houders:
            reeks.append(klant_id)
            continue
        vergrendeld |= _vergrendel_rijen(reeks)
        reeks = []
        try:
            klanten.append(partijstand.vergrendel(klant_id))
        except Klant.DoesNotExist:
            continue
    vergrendeld |= _vergrendel_rijen(reeks)
    return klanten, vergrendeld


def _betrokken_en_houders(klantcontact_id: int) -> list[tuple[int, bool]]:
    """(klant id, False) for the partij of each betrokkene of the klantcontact, (klant id,
    True) for each partij holding an address one of them gave; one statement."""
    from .partijen import DigitaalAdres

    betrokkenen, adressen = Betrokkene._meta.db_table, DigitaalAdres._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT klant_id, false FROM {betrokkenen} "
            "WHERE klantcontact_id = %(id)s AND klant_id IS NOT NULL "
            f"UNION SELECT a.klant_id, true FROM {adressen} AS a "
            f"JOIN {betrokkenen} AS b ON b.id = a.betrokkene_id "
            "WHERE b.klantcontact_id = %(id)s AND a.klant_id IS NOT NULL",
            {"id": klantcontact_id},
        )
        return cursor.fetchall()


def _vergrendel_rijen(ids: list[int]) -> set[int]:
    """Lock the klant rows ``ids`` (ascending) in id order, one statement (none for none):
    the rows only, nothing read with them; the ids of those that exist."""
    from .models import Klant

    if not ids:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {Klant._meta.db_table} WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
            [ids],
        )
        return {rij[0] for rij in cursor.fetchall()}


def _met_partij_rijen(klanten: list, ids: list[int]) -> None:
    """Klant rows ``ids`` this write holds (locked by their row only) now with their partij
    rows in memory (``partijstand.vergrendel``: the lock is held, nothing is waited for),
    into ``klanten`` (id order)."""
    from .models import Klant

    for klant_id in ids:
        try:
            klanten.append(partijstand.vergrendel(klant_id))
        except Klant.DoesNotExist:  # cannot be: its row is locked; as in _partijen_van
            continue
    klanten.sort(key=lambda klant: klant.pk)


# --- betrokkenen -------------------------------------------------------------------------------


@schrijfactie
def add_betrokkene(
    klantcontact: Klantcontact,
    *,
    klant=None,
    klant_url: str = "",
    klantcontactmoment_rol: str = "",
    rol: str = "",
    bij_bestaand: str = "weigeren",
    herkomst: Herkomst | None = None,
    bundel: Bundel | None = None,
    **velden,
) -> tuple[Betrokkene, bool]:
    """A party took part in a klantcontact. With a Contactmomenten role (a klantcontactmoment or
    an E2 interaction) the Klantinteracties role follows from it; a betrokkene registered
    through Klantinteracties gives ``rol`` only.

    The same klant (or remote klant URL) in the same Contactmomenten role is one betrokkene:
    ``bij_bestaand="weigeren"`` raises :class:`Bestaat`, ``"bijwerken"`` updates that one's
    ``velden`` (the E2 interaction's idempotent registration). Returns (betrokkene, created).
    The klant row is locked first (``Klant.DoesNotExist`` when it is gone), then the
    klantcontact (``Klantcontact.DoesNotExist``). ``bundel``: the klantcontactmoment's record
    goes into it (the caller inserts it). With a ``herkomst`` a new betrokkene of a klant of
    this service also records the klant's partij (K10: its ``betrokkenen`` list changed),
    built from the partij rows the lock read.
    """
    _velden(velden, BETROKKENE_VELDEN)
    if klant is not None and not is_vergrendeld(klant):
        # with its partij rows (K10: the partij's betrokkenen list changes), one statement
        klant = partijstand.vergrendel(klant.pk)
    if not is_vergrendeld(klantcontact):
        klantcontact = Klantcontact.objects.select_for_update().get(pk=klantcontact.pk)
    if klantcontactmoment_rol:
        rol = ROL_VOOR_CONTACTMOMENT_ROL[klantcontactmoment_rol]
    cm_rol = contactmoment_rol(rol, klantcontactmoment_rol)
    termijnen = None
    dubbel = True  # not known: looked up below
    if bundel is not None and klant is not None and not klant.gevalideerd:
        # R1 (vernietiging.werk_vernietigingsdatum_bij): the klant's interactions, read under its
        # lock with the duplicate check in the same query; the date goes into the bundel's
        # statement (the signal leaves it to this write)
        betrokkenheid = (
            Q(klantcontact=klantcontact) & met_contactmoment_rol(cm_rol) if cm_rol else Q(pk=None)
        )
        termijnen, dubbel = vernietiging.termijnen_en_betrokkenheid(klant, betrokkenheid)
    if cm_rol and (klant is not None or klant_url) and dubbel:
        bestaand = (
            Betrokkene.objects.filter(klantcontact=klantcontact)
            .filter(Q(klant=klant) if klant is not None else Q(klant_url=klant_url))
            .filter(met_contactmoment_rol(cm_rol))
            .order_by("id")
            .first()
        )
        if bestaand is not None:
            if bij_bestaand != "bijwerken":
                raise Bestaat(bestaand)
            for field, value in velden.items():
                setattr(bestaand, field, value)
            bestaand.save()
            return bestaand, False
    # K10: a betrokkene of a partij is in the partij's representation (its betrokkenen)
    partij = (
        partijwijzigingen.Betrokkenheden(klant, herkomst)
        if herkomst is not None and klant is not None
        else None
    )
    betrokkene = Betrokkene(
        klantcontact=klantcontact,
        klant=klant,
        klant_url=klant_url,
        rol=rol,
        klantcontactmoment_rol=klantcontactmoment_rol,
        **velden,
    )
    if termijnen is not None:
        betrokkene.vernietigingsdatum_door_schrijver = True  # signals.betrokkene_opgeslagen
    betrokkene.save(force_insert=True)
    if termijnen is not None:
        del betrokkene.vernietigingsdatum_door_schrijver
        termijnen.append((betrokkene.vernietigingsdatum, klantcontact.plaatsgevonden_op))
        vernietiging.werk_vernietigingsdatum_bij(klant, termijnen, bundel)
    # only a betrokkene with a klant (here or elsewhere) is a klantcontactmoment
    if herkomst is not None and (klant is not None or klant_url):
        # built from data in hand (not read back)
        eigen = bundel is None
        if eigen:
            bundel = Bundel()
        nieuw = klantcontactmoment_data(
            (betrokkene.uuid, klantcontact.uuid, getattr(klant, "uuid", None), klant_url, cm_rol),
            Basis.van_herkomst(herkomst),
        )
        _relatie_gemaakt(
            contactwijzigingen.KLANTCONTACTMOMENT, nieuw, klantcontact, herkomst, bundel
        )
        if klantcontactmoment_rol:
            # K10: written through the Contactmomenten API (or E2), the betrokkene of
            # Klantinteracties too (kicontacten records its own betrokkenen)
            _leg_ki_vast(CommonResourceAction.create, betrokkene, klantcontact, herkomst, bundel)
        if partij is not None:
            partij.voeg_toe(betrokkene)
            partij.leg_vast(bundel)
        if eigen:
            bundel.voeg_in()
    return betrokkene, True


def _relatie_gemaakt(resource, nieuw: dict, klantcontact, herkomst, bundel=None) -> None:
    """A klantcontactmoment or objectcontactmoment created: its record, with the kenmerken of
    its klantcontact as locked (``bundel``: added to it)."""
    contactwijzigingen.leg_relatie_vast(
        resource,
        CommonResourceAction.create,
        oud=None,
        nieuw=nieuw,
        klantcontact_id=klantcontact.pk,
        herkomst=herkomst,
        kenmerken=contactwijzigingen.kenmerken_uit(klantcontact),
        bundel=bundel,
    )


def _leg_ki_vast(actie, rij, klantcontact, herkomst: Herkomst, bundel: Bundel, oud=None) -> None:
    """K10: a betrokkene or onderwerpobject (``rij``) of ``klantcontact`` (locked, in hand)
    created (``oud`` None) or deleted (``oud``: its representation before) without the
    Klantinteracties API: recorded as Klantinteracties shows it, on ``klantcontacten``."""
    ki = _ki()
    if oud is None:
        [(nieuw, _)] = ki.onderdelen(
            type(rij).objects.filter(pk=rij.pk), ki.KiBasis.van_herkomst(herkomst)
        )
    else:
        nieuw = None
    ki.leg_onderdelen_vast(
        actie,
        [(oud, nieuw, ki.kenmerken_uit(klantcontact))],
        herkomst=herkomst,
        bundel=bundel,
    )


class _AdresIntussenGegeven(GelijktijdigeWijziging):
    """A partij holding an address the betrokkene being removed gave was not locked (the
    address was given after the write read the partijen to lock, before it locked the
    betrokkene): nothing was changed; the write transaction runs again (``transactions``),
    reading the address before its first lock. Still so after the last attempt (or nested,
    where it cannot run again): a conflict, 409, never a 500."""


@schrijfactie
def remove_betrokkene(betrokkene: Betrokkene, *, herkomst: Herkomst | None = None) -> None:
    """Remove a betrokkene (a klantcontactmoment, an E2 interaction with a local contactmoment):
    the klant rows first (its klant, and the partijen holding a digital address it gave; id
    order), then the klantcontact, then the betrokkene. ``Betrokkene.DoesNotExist`` when it is
    gone. The addresses it gave go with it as in :func:`delete_klantcontact`. An address given
    to another partij after the partijen were read (before the betrokkene's lock, which waits
    for a write giving it one) is seen by the statement that releases the addresses, which
    then changes nothing: the write runs again (:class:`_AdresIntussenGegeven`)."""
    from django.contrib.postgres.expressions import ArraySubquery
    from django.db.models import OuterRef

    from .models import Klant
    from .partijen import DigitaalAdres

    # its klant and the partijen holding an address it gave, one statement
    gelezen = (
        Betrokkene.objects.filter(pk=betrokkene.pk)
        .annotate(
            houders=ArraySubquery(
                DigitaalAdres.objects.filter(
                    betrokkene_id=OuterRef("pk"), klant__isnull=False
                ).values("klant_id")
            )
        )
        .values_list("klant_id", "houders")
        .first()
    )
    klant_id, houders = gelezen if gelezen is not None else (None, [])
    partij = None
    vergrendeld: set[int] = set()
    for id_ in sorted({*houders, *([klant_id] if klant_id is not None else [])}):
        vergrendeld.add(id_)
        if id_ != klant_id:
            # a partij whose address it gave: its row (its representation does not change)
            Klant.objects.select_for_update().filter(pk=id_).values_list("id", flat=True).first()
            continue
        # with its partij rows (K10: the partij's betrokkenen list changes), one statement
        try:
            klant = partijstand.vergrendel(klant_id)
        except Klant.DoesNotExist:
            klant = None  # deleted meanwhile: the betrokkene stays without it (K9) or went
        if klant is not None and herkomst is not None:
            partij = partijwijzigingen.Betrokkenheden(klant, herkomst)
    klantcontact = (
        Klantcontact.objects.select_for_update().filter(pk=betrokkene.klantcontact_id).first()
    )
    # then the betrokkene (a write giving it an address is waited for: see
    # ``vergrendel_betrokkenen``)
    if not vergrendel_betrokkenen(Betrokkene.objects.filter(pk=betrokkene.pk)):
        raise Betrokkene.DoesNotExist
    _verwijder_relatie(
        betrokkene,
        contactwijzigingen.KLANTCONTACTMOMENT,
        contactwijzigingen.klantcontactmoment,
        herkomst,
        klantcontact,
        partij,
        adressen_vergrendeld=vergrendeld,
    )


def _verwijder_relatie(
    rij,
    resource,
    weergave,
    herkomst: Herkomst | None,
    klantcontact: Klantcontact | None,
    partij: partijwijzigingen.Betrokkenheden | None = None,
    *,
    adressen_vergrendeld: set[int] | None = None,
) -> None:
    """Delete a klantcontact's relation row (betrokkene, onderwerpobject) whose rows are locked
    (``klantcontact``: its klantcontact, locked), with one record of the deletion of its
    Contactmomenten representation (``weergave``) and one of its Klantinteracties
    representation (K10), and for a betrokkene of a partij (``partij``: its partij, locked) one
    of the partij's change, in one statement; ``DoesNotExist`` of its model when it is gone.
    A betrokkene's digital addresses (``adressen_vergrendeld``: the partijen locked) are
    deleted or released first, each change recorded (:func:`_adressen_van_betrokkenen_af`)."""
    model = type(rij)
    oud = ki_oud = None
    if herkomst is not None:
        oud = weergave(rij, Basis.van_herkomst(herkomst))
        gelezen = _ki().onderdelen(
            model.objects.filter(pk=rij.pk), _ki().KiBasis.van_herkomst(herkomst)
        )
        ki_oud = gelezen[0][0] if gelezen else None
    adressen: tuple[dict, dict] = ({}, {})
    if adressen_vergrendeld is not None:
        *adressen, ontbrekend = _adressen_van_betrokkenen_af(
            [rij.pk], herkomst, vergrendeld=adressen_vergrendeld
        )
        if ontbrekend:
            raise _AdresIntussenGegeven
        # its addresses were dealt with: the cascade leaves them alone
        deleted = _verwijder(model.objects.filter(pk=rij.pk))
    else:
        deleted, _ = model.objects.filter(pk=rij.pk).delete()
    if not deleted:
        raise model.DoesNotExist
    if herkomst is None:
        return
    bundel = Bundel()
    if oud is not None:
        contactwijzigingen.leg_relatie_vast(
            resource,
            CommonResourceAction.destroy,
            oud=oud,
            nieuw=None,
            klantcontact_id=rij.klantcontact_id,
            herkomst=herkomst,
            kenmerken=(
                contactwijzigingen.kenmerken_uit(klantcontact) if klantcontact is not None else None
            ),
            bundel=bundel,
        )
    if ki_oud is not None and klantcontact is not None:
        _leg_ki_vast(CommonResourceAction.destroy, rij, klantcontact, herkomst, bundel, ki_oud)
    if partij is not None:
        partij.haal_weg(rij)
        partij.leg_vast(bundel)
    _leg_adressen_af_vast(*adressen, herkomst, bundel)
    bundel.voeg_in()


def _leg_adressen_af_vast(oud: dict, nieuw: dict, herkomst: Herkomst, bundel: Bundel) -> None:
    """Record the digital addresses a deletion of betrokkenen changed (their representations
    before and after, :func:`_adressen_van_betrokkenen_af`): one only they held ``destroy``
    (its earlier records, which hold the address, removed: the record keeps its URL only, as
    the destruction of a partij's addresses does), one that stays with its partij
    ``partial_update`` (``verstrektDoorBetrokkene`` gone); into ``bundel``."""
    if not oud:
        return
    from klanten.notificaties import audit

    weg = [data["url"] for uuid, data in oud.items() if uuid not in nieuw]
    if weg:
        audit.verwijder_van_resources(weg)
    partijwijzigingen.leg_adressen_vast(
        CommonResourceAction.partial_update, oud=oud, nieuw=nieuw, herkomst=herkomst, bundel=bundel
    )


# --- onderwerpobjecten -------------------------------------------------------------------------


@schrijfactie
def add_onderwerpobject(
    klantcontact: Klantcontact | None,
    *,
    was_klantcontact: Klantcontact | None = None,
    herkomst: Herkomst | None = None,
    **velden,
) -> Onderwerpobject:
    """What a klantcontact was about: an object elsewhere (an objectcontactmoment: ``object_url``
    and ``object_type``) or an earlier klantcontact. An object URL is there at most once per
    klantcontact (:class:`Bestaat`)."""
    _velden(velden, ONDERWERPOBJECT_VELDEN)
    if klantcontact is not None:
        if not is_vergrendeld(klantcontact):
            klantcontact = Klantcontact.objects.select_for_update().get(pk=klantcontact.pk)
        object_url = velden.get("object_url", "")
        if object_url:
            bestaand = Onderwerpobject.objects.filter(
                klantcontact=klantcontact, object_url=object_url
            ).first()
            if bestaand is not None:
                raise Bestaat(bestaand)
    onderwerpobject = Onderwerpobject.objects.create(
        klantcontact=klantcontact, was_klantcontact=was_klantcontact, **velden
    )
    # only an object URL makes an objectcontactmoment
    if herkomst is not None and klantcontact is not None and velden.get("object_url"):
        nieuw = contactwijzigingen.objectcontactmoment(
            onderwerpobject, Basis.van_herkomst(herkomst)
        )
        bundel = Bundel()
        if nieuw is not None:  # only an object URL makes an objectcontactmoment
            _relatie_gemaakt(
                contactwijzigingen.OBJECTCONTACTMOMENT, nieuw, klantcontact, herkomst, bundel
            )
        # K10: an objectcontactmoment (only the Contactmomenten API gives an object URL) is an
        # onderwerpobject of Klantinteracties too
        _leg_ki_vast(CommonResourceAction.create, onderwerpobject, klantcontact, herkomst, bundel)
        bundel.voeg_in()
    return onderwerpobject


def zaak_velden(object_url: str, object_type: str) -> dict:
    """The onderwerpobject columns of an objectcontactmoment: its URL and type, and for a zaak
    the identification Klantinteracties shows (the zaak's uuid, the last segment of its URL)."""
    velden = {"object_url": object_url, "object_type": object_type}
    if object_type == "zaak":
        laatste = object_url.rstrip("/").rsplit("/", 1)[-1]
        velden.update(ZAAK_CODES, object_id=laatste[:200])
    return velden


@schrijfactie
def remove_onderwerpobject(
    onderwerpobject: Onderwerpobject, *, herkomst: Herkomst | None = None
) -> None:
    """``Onderwerpobject.DoesNotExist`` when it is gone."""
    klantcontact = None
    if onderwerpobject.klantcontact_id is not None:
        klantcontact = (
            Klantcontact.objects.select_for_update()
            .filter(pk=onderwerpobject.klantcontact_id)
            .first()
        )
    _verwijder_relatie(
        onderwerpobject,
        contactwijzigingen.OBJECTCONTACTMOMENT,
        contactwijzigingen.objectcontactmoment,
        herkomst,
        klantcontact,
    )


# --- retention -----------------------------------------------------------------------------------


def vergrendel_betrokkenen(betrokkenen) -> list[int]:
    """Lock betrokkenen (a queryset) about to be deleted, in id order, one statement; their
    ids. A write giving one of them a digital address holds a key share lock on it until it
    commits (the foreign key is checked at commit): taken before the deletion reads the
    addresses, this waits for that write, so its address is seen and released (or deleted)
    with them, and a write that comes later waits for this one and finds the betrokkene gone
    (400), where the deletion's commit failed on the foreign key before."""
    return list(
        betrokkenen.select_for_update(of=("self",)).order_by("id").values_list("id", flat=True)
    )


def verwijder_betrokkenen(
    betrokkenen, herkomst: Herkomst | None = None, *, klanten_weg: list[int] = ()
) -> int:
    """Destroy betrokkenen (a queryset; retention R2, a privacy request) with the digital
    addresses only they held (an address that is also a partij's stays with the partij,
    without them). Returns how many betrokkenen went. The caller holds the locks: the klant
    rows (those of the betrokkenen, and of the partijen holding an address they gave:
    ``services.vergrendel_te_vernietigen``, the retention of anonymous betrokkenen); the
    betrokkenen are locked here (:func:`vergrendel_betrokkenen`) unless the caller did.
    With a ``herkomst`` every representation that changed is recorded: each
    klantcontactmoment among them and each betrokkene ``destroy``, each address they alone
    held ``destroy``, each partij's address they also gave ``partial_update``
    (``verstrektDoorBetrokkene`` gone). Destroyed means gone: the earlier records of the
    betrokkenen and of their own addresses (which hold their data) are removed, and the
    ``destroy`` records keep the URL (and the klantcontact) only. ``klanten_weg``: klanten
    deleted in the same write: their addresses are left to that deletion (one ``destroy``
    each), not recorded here as released first."""
    # locked (after the klant rows the caller holds, id order) before their addresses are
    # read: a write giving one of them an address (``partijservices.maak_digitaal_adres``,
    # which key-share-locks it) that came first is waited for and its address seen
    ids = vergrendel_betrokkenen(betrokkenen)
    if not ids:
        return 0
    oud = _klantcontactmomenten(Betrokkene.objects.filter(pk__in=ids), herkomst)
    ki_oud = _ki_betrokkenen(Betrokkene.objects.filter(pk__in=ids), herkomst)
    adressen_oud, adressen_nieuw, _ = _adressen_van_betrokkenen_af(ids, herkomst, klanten_weg)
    # their addresses were dealt with above: the cascade leaves them alone
    _verwijder(Betrokkene.objects.filter(pk__in=ids))
    if oud:
        contactwijzigingen.leg_klantcontactmomenten_verwijderd(oud, herkomst)
    if herkomst is None:
        return len(ids)
    from klanten.notificaties import audit

    weg = [data["url"] for data, _ in ki_oud]
    weg += [data["url"] for uuid, data in adressen_oud.items() if uuid not in adressen_nieuw]
    audit.verwijder_van_resources(weg)
    bundel = Bundel()
    partijwijzigingen.leg_adressen_vast(
        CommonResourceAction.partial_update,
        oud=adressen_oud,
        nieuw=adressen_nieuw,
        herkomst=herkomst,
        bundel=bundel,
    )
    # K10: each a betrokkene of Klantinteracties too; its record of the destruction without
    # its data
    _ki().leg_onderdelen_vast(
        CommonResourceAction.destroy,
        [
            ({key: data[key] for key in ("uuid", "url", "hadKlantcontact")}, None, k)
            for data, k in ki_oud
        ],
        herkomst=herkomst,
        bundel=bundel,
    )
    bundel.voeg_in()
    return len(ids)


def _adressen_van_betrokkenen_af(
    ids: list[int],
    herkomst: Herkomst | None,
    klanten_weg: list[int] = (),
    *,
    vergrendeld: set[int] | None = None,
) -> tuple[dict[str, dict], dict[str, dict], set[int]]:
    """The digital addresses of betrokkenen being deleted or destroyed (locked: no address can
    be given to them any more): those only they held are deleted, a partij's address they also
    gave stays with the partij, without them. One statement, which also reads the partijen
    holding such an address; with ``vergrendeld`` (the klant ids the write locked) it changes
    nothing when one of them is not among those and returns their ids (the caller takes its
    locks again with them, :func:`_vergrendel_met_klanten`). Returns the addresses'
    Klantinteracties representations before and after
    (:func:`partijwijzigingen.adressen_voor_en_na`, from the rows the statement returned) and
    the ids of the partijen missing from ``vergrendeld`` (empty when it changed them)."""
    from .models import Klant
    from .partijen import DigitaalAdres

    tabel = DigitaalAdres._meta.db_table
    betrokkenen = Betrokkene._meta.db_table
    klanten = Klant._meta.db_table
    controle = vergrendeld is not None
    with connection.cursor() as cursor:
        # the old row (the self-join reads it as it was before the statement), the uuids of
        # its betrokkene and of the partij it stays with; the CTEs share one snapshot. An
        # address of a klant deleted in the same write (``klanten_weg``) is released without
        # a record: its deletion records it (``services._adressen_van_klanten_af``)
        cursor.execute(
            "WITH ontbrekend AS ("
            f"SELECT DISTINCT a.klant_id FROM {tabel} AS a WHERE %(controle)s "
            "AND a.betrokkene_id = ANY(%(ids)s) AND a.klant_id IS NOT NULL "
            "AND NOT a.klant_id = ANY(%(vergrendeld)s)), "
            f"weg AS (DELETE FROM {tabel} AS a USING {betrokkenen} AS b "
            "WHERE b.id = a.betrokkene_id AND a.betrokkene_id = ANY(%(ids)s) "
            "AND a.klant_id IS NULL AND NOT EXISTS (SELECT 1 FROM ontbrekend) "
            "RETURNING to_jsonb(a) AS data, b.uuid AS betrokkene, NULL::uuid AS klant), "
            f"los AS (UPDATE {tabel} AS a SET betrokkene_id = NULL "
            f"FROM {tabel} AS o, {betrokkenen} AS b, {klanten} AS k "
            "WHERE o.id = a.id AND b.id = a.betrokkene_id AND k.id = a.klant_id "
            "AND a.betrokkene_id = ANY(%(ids)s) AND NOT EXISTS (SELECT 1 FROM ontbrekend) "
            "RETURNING to_jsonb(o) AS data, b.uuid AS betrokkene, k.uuid AS klant, "
            "a.klant_id = ANY(%(weg)s) AS stil) "
            "SELECT data, betrokkene, klant, NULL::bigint FROM weg "
            "UNION ALL SELECT data, betrokkene, klant, NULL FROM los WHERE NOT stil "
            "UNION ALL SELECT NULL, NULL, NULL, klant_id FROM ontbrekend",
            {
                "controle": controle,
                "ids": list(ids),
                "vergrendeld": sorted(vergrendeld or ()),
                "weg": list(klanten_weg),
            },
        )
        rijen = cursor.fetchall()
    ontbrekend = {rij[3] for rij in rijen if rij[3] is not None}
    if ontbrekend:
        return {}, {}, ontbrekend

    def na(rij) -> bool:
        if rij.klant_id is None:
            return False  # deleted
        rij.betrokkene_id = None
        return True

    oud, nieuw = partijwijzigingen.adressen_voor_en_na([rij[:3] for rij in rijen], herkomst, na)
    return oud, nieuw, set()


def _verwijder(queryset) -> int:
    """Delete the rows of ``queryset`` (betrokkenen, or a klantcontact with its betrokkenen)
    as ``QuerySet.delete`` does (signals, cascade), except that the digital addresses of the
    betrokkenen are left alone: :func:`_adressen_van_betrokkenen_af` dealt with them (deleted
    or released, recorded), so the cascade's ``UPDATE`` setting their betrokkene to NULL
    would change nothing (one statement saved). Returns how many rows of ``queryset``'s model
    went."""
    from django.db.models.deletion import Collector

    from .partijen import DigitaalAdres

    weg = queryset._chain()
    weg._for_write = True
    weg.query.select_for_update = False
    weg.query.clear_ordering(force=True)
    collector = Collector(using=weg.db, origin=queryset)
    collector.collect(weg)
    veld = DigitaalAdres._meta.get_field("betrokkene")
    for sleutel in [sleutel for sleutel in collector.field_updates if sleutel[0] is veld]:
        del collector.field_updates[sleutel]
    _, per_model = collector.delete()
    return per_model.get(queryset.model._meta.label, 0)


def _ki_betrokkenen(betrokkenen, herkomst: Herkomst | None) -> list[tuple[dict, dict]]:
    """(Klantinteracties representation, kenmerken of its klantcontact) of ``betrokkenen``
    (two queries), none without a ``herkomst``."""
    if herkomst is None:
        return []
    ki = _ki()
    gelezen = ki.onderdelen(betrokkenen, ki.KiBasis.van_herkomst(herkomst))
    kenmerken = ki.klantcontact_kenmerken(k for _, k in gelezen) if gelezen else {}
    return [(data, kenmerken[k]) for data, k in gelezen]


def _leg_ki_betrokkenen_vast(actie: str, wijzigingen: list, herkomst: Herkomst | None) -> None:
    if not wijzigingen:
        return
    bundel = Bundel()
    _ki().leg_onderdelen_vast(actie, wijzigingen, herkomst=herkomst, bundel=bundel)
    bundel.voeg_in()


def _klantcontactmomenten(betrokkenen, herkomst: Herkomst | None) -> list[tuple[dict, int]]:
    """(representation, klantcontact id) of the klantcontactmomenten among ``betrokkenen``."""
    if herkomst is None:
        return []
    basis = Basis.van_herkomst(herkomst)
    return [
        (klantcontactmoment_data(row, basis), klantcontact_id)
        for klantcontact_id, *row in klantcontactmomenten_met_contact(betrokkenen)
    ]


def klant_verlaat_contacten(klant_ids, herkomst: Herkomst | None) -> None:
    """Klanten deleted through an API keep their betrokkenen, without the klant (K9): those
    stop being klantcontactmomenten, each recorded as destroyed (call before the delete)."""
    oud = _klantcontactmomenten(
        Betrokkene.objects.filter(klant_id__in=klant_ids, klant_url=""), herkomst
    )
    if oud:
        contactwijzigingen.leg_klantcontactmomenten_verwijderd(oud, herkomst)
    # K10: as Klantinteracties shows them they stay, without wasPartij
    _leg_ki_betrokkenen_vast(
        CommonResourceAction.partial_update,
        [
            (data, {**data, "wasPartij": None}, k)
            for data, k in _ki_betrokkenen(
                Betrokkene.objects.filter(klant_id__in=klant_ids), herkomst
            )
        ],
        herkomst,
    )


def anonieme_betrokkenen_te_vernietigen(vandaag, bewaartermijn):
    """R1 for betrokkenen without a klant (an anonymous contact, or one whose klant was deleted
    through an API, K9): due on their own ``vernietigingsdatum`` when given, otherwise
    ``bewaartermijn`` after the contact took place (and after they were registered here, as for
    a klant's interactions). A betrokkene that refers to a klant of another Klanten API is a
    reference, not data of this service, and stays."""
    from datetime import datetime, time

    from django.utils import timezone

    grens = timezone.make_aware(datetime.combine(vandaag - bewaartermijn, time.max))
    return Betrokkene.objects.filter(klant__isnull=True, klant_url="").filter(
        Q(vernietigingsdatum__lte=vandaag)
        | Q(
            vernietigingsdatum__isnull=True,
            klantcontact__plaatsgevonden_op__lte=grens,
            aangemaakt_op__lte=grens,
        )
    )
