"""The Klantinteracties writes of klantcontacten and what hangs off them (design K3, K6, K8,
K10): klantcontacten, betrokkenen, onderwerpobjecten, actoren, actorklantcontacten, interne
taken and ``maak-klantcontact``.

Each one goes through the services of ``contacten`` (the same rows the Contactmomenten API
shows, recorded there on kanaal ``contactmomenten`` whenever a contactmoment's representation
changes) and records its Klantinteracties change here, in the same transaction:

- kanaal ``klantcontacten``: a klantcontact (resource ``klantcontact``, kenmerken
  ``hoofdOnderwerpType``, ``indicatieContactGelukt``, ``verdereActieOndernomen``), and the
  betrokkenen, onderwerpobjecten and actorklantcontacten of a klantcontact (their own
  resource, ``hoofdObject`` the klantcontact, the klantcontact's kenmerken);
- kanaal ``internetaken``: an interne taak (kenmerken ``nummer`` and ``status``: never
  ``toelichting`` or ``gevraagdeHandeling``, which are free text about a person);
- an actor: an audit record only (Open Klant has no kanaal for actoren).

Audit records have ``bron`` ``kic`` and the Klantinteracties representation; a change of
nothing records nothing. Callers pass plain, shape-checked data (snake_case columns, model
instances or uuids for references: a uuid is looked up by the write's lock, the only lookup;
a partij as a queryset of the one the client may see). Locks, in one order: the klant
(partij) row, then the klantcontact, then the rows that hang off it. A row that is gone
raises its model's ``DoesNotExist``. The representations recorded are built from data in
hand (``ki_representatie`` on the returned row: the API's answer), not read back.
"""

from __future__ import annotations

from uuid import UUID

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from vng_api_common.constants import CommonResourceAction

from klanten.notificaties import audit
from klanten.notificaties.invoegen import insert_sql, voeg_in
from klanten.notificaties.wijziging import (
    Bundel,
    Resource,
    leg_vast,
    notificeer,
)

from . import contacten, contactwijzigingen, partijstand
from .contactrepresentatie import Basis
from .kicontactrepresentatie import (
    ACTOR_KOLOMMEN,
    KLANTCONTACT_REFERENTIES,
    KiBasis,
    actor_data,
    actorklantcontact_data,
    betrokkene_data,
    betrokkene_uit,
    betrokkenen,
    internetaak_uit,
    klantcontact_uit,
    onderwerpobject_uit,
)
from .kicontactwijzigingen import (
    ACTOR,
    ACTORKLANTCONTACT,
    BETROKKENE,
    BRON,
    INTERNETAAK,
    KLANTCONTACT_KENMERKEN,
    ONDERWERPOBJECT,
    kenmerken_uit,
    leg_klantcontact_vast,
    onderdeel_vastlegging,
    weergave,
)
from .klantcontacten import (
    Actor,
    ActorKlantcontact,
    Betrokkene,
    InterneTaak,
    Klantcontact,
    Onderwerpobject,
    SoortActor,
)
from .transactions import (
    is_vergrendeld,
    markeer_vergrendeld,
    schrijfactie,
    schrijfactie_zonder_savepoints,
)
from .wijzigingen import Herkomst

# pg sequence of generated interne taak numbers (migration 0013_internetaak_nummer)
INTERNETAAK_NUMMER_SEQUENCE = "datamodel_internetaak_nummer_seq"


class NummerBezet(Exception):
    """A client-given number is already taken."""


# --- representations as stored now (one query each, no visibility: the audit trail) ---------


def betrokkene_repr(betrokkene_id: int, basis: KiBasis) -> dict:
    return betrokkene_data(betrokkenen(Betrokkene.objects.filter(pk=betrokkene_id)).get(), basis)


def _kenmerken(klantcontact: Klantcontact | None) -> dict:
    """The kenmerken of a klantcontact (as its representation gives them), from the instance
    read under the write's lock."""
    if klantcontact is None:
        return dict.fromkeys(KLANTCONTACT_KENMERKEN)
    return kenmerken_uit(klantcontact)


def _leg_sub_vast(
    resource: Resource, data: dict, klantcontact, herkomst, bundel: Bundel | None = None
) -> None:
    """A betrokkene, onderwerpobject or actorklantcontact created: an audit record under its
    klantcontact and a notification on ``klantcontacten`` with the klantcontact's kenmerken
    (``klantcontact``: the locked instance, or None), in one statement (``bundel``:
    added to it, the caller inserts it)."""
    actie = CommonResourceAction.create
    record, notificatie, inhoud = onderdeel_vastlegging(resource, actie, None, data, herkomst)
    kenmerken = _kenmerken(klantcontact)
    if bundel is not None:
        bundel.leg_vast(record, notificatie, actie, inhoud, kenmerken)
    elif not notificeer(notificatie, actie, inhoud, kenmerken, record):
        record.save()


def _lock_klantcontacten(**refs) -> dict:
    """Lock klantcontacten in id order: ``refs`` by name, each an instance, a uuid or None.
    Returns the locked rows by name (marked as locked in this write: ``contacten`` does not
    lock them again); ``Klantcontact.DoesNotExist(name)`` for the first one that is gone (in
    the order given). One query; none for rows locked already in this write."""
    rijen = {naam: ref for naam, ref in refs.items() if ref is not None}
    al = {naam: ref for naam, ref in rijen.items() if isinstance(ref, Klantcontact)}
    al = {naam: ref for naam, ref in al.items() if is_vergrendeld(ref)}
    open_ = {naam: ref for naam, ref in rijen.items() if naam not in al}
    gevonden = []
    if open_:
        ids = {ref.pk for ref in open_.values() if isinstance(ref, Klantcontact)}
        uuids = {ref for ref in open_.values() if isinstance(ref, UUID)}
        gevonden = list(
            Klantcontact.objects.select_for_update()
            .filter(Q(pk__in=ids) | Q(uuid__in=uuids))
            .order_by("id")
        )
    per_id = {rij.pk: rij for rij in gevonden}
    per_uuid = {rij.uuid: rij for rij in gevonden}
    for rij in gevonden:
        markeer_vergrendeld(rij)
    vergrendeld = dict(al)
    for naam, ref in open_.items():
        rij = per_id.get(ref.pk) if isinstance(ref, Klantcontact) else per_uuid.get(ref)
        if rij is None:
            raise Klantcontact.DoesNotExist(naam)
        vergrendeld[naam] = rij
    return vergrendeld


def _vergrendel_met_referenties(klantcontact: Klantcontact | UUID) -> Klantcontact:
    """Lock one klantcontact (an instance or its uuid) and read its Klantinteracties
    references (``ki_betrokkenen``, ..., ``KLANTCONTACT_REFERENTIES``) in the same statement,
    after the lock is held (``contacten.vergrendel_klantcontact``): one statement where a lock
    and a read of its representation were two (``Klantcontact.DoesNotExist`` when it is gone).
    An instance locked already in this write is locked and read again: the references it
    carries may predate this write's own rows."""
    if isinstance(klantcontact, UUID):
        return contacten.vergrendel_klantcontact(uuid=klantcontact)
    return contacten.vergrendel_klantcontact(pk=klantcontact.pk)


# --- klantcontacten ---------------------------------------------------------------------------


@schrijfactie_zonder_savepoints
def create_klantcontact(data: dict, *, herkomst: Herkomst) -> Klantcontact:
    """A klantcontact (``data``: columns of ``contacten.KLANTCONTACT_VELDEN``): ``contacten``
    records it as a contactmoment (kanaal ``contactmomenten``) and as a klantcontact (kanaal
    ``klantcontacten``, :func:`leg_klantcontact_vast`); ``ki_representatie`` holds what was
    recorded."""
    return contacten.create_klantcontact(data, herkomst=herkomst)


# --- betrokkenen ------------------------------------------------------------------------------


def _vergrendel_partij(klant):
    """The partij of a betrokkene locked (once per write) with its partij rows in memory
    (``partijstand``, in the lock's statement: K10, the partij's ``betrokkenen`` list
    changes and is recorded from them): an instance, or a queryset of the one the client may
    see (``Klant.DoesNotExist`` when there is none)."""
    from .models import Klant

    if klant is None or (is_vergrendeld(klant) and partijstand.in_geheugen(klant)):
        return klant
    if not isinstance(klant, QuerySet):
        return partijstand.vergrendel(klant.pk)
    gevonden = partijstand.vergrendel_uit(klant)
    if gevonden is None:
        raise Klant.DoesNotExist
    return gevonden


@schrijfactie_zonder_savepoints
def add_betrokkene(
    klantcontact: Klantcontact | UUID, *, klant=None, rol: str, herkomst: Herkomst, **velden
) -> Betrokkene:
    """A party took part in a klantcontact (an instance or its uuid). ``klant``: the partij
    (``wasPartij``: an instance, or a queryset of the one the client may see); None: a
    non-validated klant of this contact only (K6), known by its own snapshot. A partij in the
    same role twice in one klantcontact raises :class:`contacten.Bestaat`. With a partij it is
    a klantcontactmoment too (recorded on ``contactmomenten`` by ``contacten``). The partij is
    locked first (``Klant.DoesNotExist``), then the klantcontact
    (``Klantcontact.DoesNotExist``); the records of both APIs in one statement, built from
    data in hand (``ki_representatie``)."""
    klant = _vergrendel_partij(klant)
    klantcontact = _lock_klantcontacten(klantcontact=klantcontact)["klantcontact"]
    bundel = Bundel()
    betrokkene, _ = contacten.add_betrokkene(
        klantcontact, klant=klant, rol=rol, herkomst=herkomst, bundel=bundel, **velden
    )
    basis = KiBasis.van_herkomst(herkomst)
    data = betrokkene_uit(betrokkene, klantcontact, klant, basis)
    # the klantcontact as it was locked
    _leg_sub_vast(BETROKKENE, data, klantcontact, herkomst, bundel)
    bundel.voeg_in()
    betrokkene.ki_representatie = data
    return betrokkene


# --- onderwerpobjecten ------------------------------------------------------------------------


@schrijfactie_zonder_savepoints
def add_onderwerpobject(
    klantcontact: Klantcontact | UUID | None,
    *,
    was_klantcontact: Klantcontact | UUID | None = None,
    herkomst: Herkomst,
    **velden,
) -> Onderwerpobject:
    """What a klantcontact was about (``velden``: the onderwerpobjectidentificator columns),
    or an earlier klantcontact (``was_klantcontact``: an answer to a question, Open
    Inwoner). Both are locked (instances or uuids; ``Klantcontact.DoesNotExist`` with the
    name of the one that is gone); ``ki_representatie`` holds what was recorded."""
    vergrendeld = _lock_klantcontacten(klantcontact=klantcontact, was_klantcontact=was_klantcontact)
    klantcontact = vergrendeld.get("klantcontact")
    was_klantcontact = vergrendeld.get("was_klantcontact")
    onderwerpobject = contacten.add_onderwerpobject(
        klantcontact, was_klantcontact=was_klantcontact, herkomst=herkomst, **velden
    )
    basis = KiBasis.van_herkomst(herkomst)
    data = onderwerpobject_uit(onderwerpobject, klantcontact, was_klantcontact, basis)
    # the klantcontact as it was locked
    _leg_sub_vast(ONDERWERPOBJECT, data, klantcontact, herkomst)
    onderwerpobject.ki_representatie = data
    return onderwerpobject


# --- actoren ----------------------------------------------------------------------------------

ACTOR_VELDEN = (
    "naam",
    "soort_actor",
    "indicatie_actief",
    "object_id",
    "code_objecttype",
    "code_register",
    "code_soort_object_id",
    "actor_identificatie",
)


@schrijfactie
def create_actor(data: dict, *, herkomst: Herkomst) -> Actor:
    """An actor (an employee, a department, a system): an audit record, no notification
    (``ki_representatie``: what was recorded)."""
    contacten._velden(data, ACTOR_VELDEN)
    actor = Actor(**data)
    # built from data in hand (not read back); the actor and its record in one statement
    nieuw = actor_data(
        [getattr(actor, kolom) for kolom in ACTOR_KOLOMMEN], KiBasis.van_herkomst(herkomst)
    )
    record = audit.record(
        bron=BRON,
        resource=ACTOR.resource,
        actie=CommonResourceAction.create,
        resource_url=nieuw["url"],
        hoofd_object=nieuw["url"],
        weergave=f"actor {nieuw['uuid']}",
        oud=None,
        nieuw=nieuw,
        actor=herkomst.actor,
    )
    voeg_in(actor, record)
    actor.ki_representatie = nieuw
    return actor


@schrijfactie_zonder_savepoints
def add_actorklantcontact(
    klantcontact: Klantcontact | UUID, actor: Actor | UUID, *, herkomst: Herkomst
) -> ActorKlantcontact:
    """An actor took part in a klantcontact (instances or uuids). When it becomes the
    klantcontact's first medewerker, the contactmoment's ``medewerkerIdentificatie`` changes:
    recorded on ``contactmomenten``. The same actor twice raises :class:`contacten.Bestaat`.
    The klantcontact is locked and read with its representations' references
    (``Klantcontact.DoesNotExist``), then the actor read (``Actor.DoesNotExist``); the link and
    the records in one statement, built from data in hand (``ki_representatie``)."""
    sleutel = {"uuid": klantcontact} if isinstance(klantcontact, UUID) else {"pk": klantcontact.pk}
    klantcontact = contacten.vergrendel_klantcontact(**sleutel)
    actor = Actor.objects.filter(
        **({"uuid": actor} if isinstance(actor, UUID) else {"pk": actor.pk})
    ).first()
    if actor is None:
        raise Actor.DoesNotExist
    # the links of the klantcontact, read with its lock (no other write adds one meanwhile)
    if str(actor.uuid) in {a["uuid"] for a in klantcontact.ki_actoren}:
        raise contacten.Bestaat(
            ActorKlantcontact.objects.get(actor=actor, klantcontact=klantcontact)
        )
    link = ActorKlantcontact(actor=actor, klantcontact=klantcontact)
    bundel = Bundel(link)
    cm_basis = Basis.van_herkomst(herkomst)

    def contactmoment(medewerker) -> dict:
        return contactwijzigingen.contactmoment_uit(
            klantcontact,
            cm_basis,
            vorig_uuid=klantcontact.repr_vorig_uuid,
            volgend_uuid=klantcontact.repr_volgend_uuid,
            medewerker=medewerker,
        )

    oud = contactmoment(klantcontact.repr_medewerker)
    nieuw = oud
    if klantcontact.repr_medewerker is None and actor.soort_actor == SoortActor.medewerker:
        # its first link to a medewerker: the contactmoment's medewerker now
        nieuw = contactmoment(
            contactwijzigingen.medewerker_data(
                contacten.MedewerkerIdentificatie(
                    identificatie=actor.object_id,
                    achternaam=actor.achternaam,
                    voorletters=actor.voorletters,
                    voorvoegsel_achternaam=actor.voorvoegsel_achternaam,
                )
            )
        )
    contactwijzigingen.leg_contactmoment_vast(
        CommonResourceAction.partial_update, oud=oud, nieuw=nieuw, herkomst=herkomst, bundel=bundel
    )
    basis = KiBasis.van_herkomst(herkomst)
    data = actorklantcontact_data((link.uuid, actor.uuid, klantcontact.uuid, None), basis)
    _leg_sub_vast(ACTORKLANTCONTACT, data, klantcontact, herkomst, bundel)
    bundel.voeg_in()
    link.ki_representatie = data
    return link


# --- interne taken ----------------------------------------------------------------------------

INTERNETAAK_VELDEN = (
    "referentienummer",
    "gevraagde_handeling",
    "toelichting",
    "status",
    "afgehandeld_op",
    "geregistreerd_door",
)


# the next free generated number (K8: ten digits, never one that is taken), in one statement;
# ``nextval`` is evaluated for each row the LIMIT pulls, so a taken number costs one more value
_VOLGEND_NUMMER = f"""
    SELECT nummer FROM (
        SELECT lpad(n::text, 10, '0') AS nummer
        FROM (SELECT nextval(%s) AS n FROM generate_series(1, 1000)) AS waarden
    ) AS kandidaten
    WHERE NOT EXISTS (
        SELECT 1 FROM {InterneTaak._meta.db_table} AS taak WHERE taak.nummer = kandidaten.nummer
    )
    LIMIT 1
"""


def _volgend_nummer() -> RawSQL:
    """The next free generated number as an expression of the taak's INSERT (no statement of
    its own). When a thousand numbers in a row are taken, the one after them: taken too, the
    insert does nothing and the caller tries again, past them."""
    return RawSQL(
        f"COALESCE(({_VOLGEND_NUMMER}), lpad(nextval(%s)::text, 10, '0'))",
        [INTERNETAAK_NUMMER_SEQUENCE, INTERNETAAK_NUMMER_SEQUENCE],
    )


def _voeg_taak_in(taak: InterneTaak) -> bool:
    """Insert ``taak`` unless its number is taken (by a row committed or in progress: the
    unique index decides, no savepoint); whether it was. A generated number (an expression)
    is read back from the insert."""
    sql, params = insert_sql(taak)
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} ON CONFLICT DO NOTHING RETURNING id, nummer", params)
        rij = cursor.fetchone()
    if rij is None:
        return False
    taak.pk, taak.nummer = rij
    taak._state.adding = False
    taak._state.db = connection.alias
    return True


def _actoren(refs) -> list[Actor]:
    """The actoren (instances or uuids) in the order given, each once, read in one query;
    ``Actor.DoesNotExist`` when one is gone."""
    sleutels = list(dict.fromkeys(ref.pk if isinstance(ref, Actor) else ref for ref in refs))
    if not sleutels:
        return []
    ids = [k for k in sleutels if not isinstance(k, UUID)]
    uuids = [k for k in sleutels if isinstance(k, UUID)]
    gevonden = Actor.objects.filter(Q(pk__in=ids) | Q(uuid__in=uuids)).only("id", "uuid")
    per_sleutel = {}
    for actor in gevonden:
        per_sleutel[actor.pk] = per_sleutel[actor.uuid] = actor
    if any(k not in per_sleutel for k in sleutels):
        raise Actor.DoesNotExist
    return list({per_sleutel[k].pk: per_sleutel[k] for k in sleutels}.values())


@schrijfactie_zonder_savepoints
def create_interne_taak(
    klantcontact: Klantcontact | UUID,
    data: dict,
    *,
    nummer: str = "",
    actoren_: list = (),
    herkomst: Herkomst,
) -> InterneTaak:
    """A follow-up task for the municipality from a klantcontact (an instance or its uuid), a
    contactverzoek, assigned to ``actoren_`` (instances or uuids) in that order. ``nummer``
    empty means none given (K8: KISS always sends ``""``): one is generated; a given number
    must be free (:class:`NummerBezet`). The assignments, the audit record and the outbox
    row in one statement, built from data in hand (``ki_representatie``)."""
    contacten._velden(data, INTERNETAAK_VELDEN)
    klantcontact = _vergrendel_met_referenties(klantcontact)
    basis = KiBasis.van_herkomst(herkomst)
    # K10: the klantcontact's ``leiddeTotInterneTaken`` changes: as it is now, from its
    # columns and references read in the lock's statement after the lock was held (what
    # committed before it is in)
    klantcontact_oud = klantcontact_uit(
        klantcontact,
        basis,
        **{
            naam.removeprefix("ki_"): getattr(klantcontact, naam)
            for naam in KLANTCONTACT_REFERENTIES
        },
    )
    actoren_ = _actoren(actoren_)
    gegeven = bool(nummer)
    while True:
        taak = InterneTaak(
            aanleidinggevend_klantcontact=klantcontact,
            nummer=nummer if gegeven else _volgend_nummer(),
            **data,
        )
        if _voeg_taak_in(taak):
            break
        # taken (another transaction took the number meanwhile)
        if gegeven:
            raise NummerBezet(nummer)
    koppeling = InterneTaak.toegewezen_aan_actoren.through
    bundel = Bundel(*(koppeling(internetaak_id=taak.pk, actor_id=actor.pk) for actor in actoren_))
    nieuw = internetaak_uit(taak, klantcontact, actoren_, basis)
    leg_vast(
        INTERNETAAK,
        CommonResourceAction.create,
        oud=None,
        nieuw=nieuw,
        weergave=weergave(nieuw, "internetaak"),
        actor=herkomst.actor,
        bundel=bundel,
    )
    # the new taak has the highest id of the klantcontact's (their creates lock it): last
    leg_klantcontact_vast(
        CommonResourceAction.partial_update,
        klantcontact.pk,
        oud=klantcontact_oud,
        nieuw={
            **klantcontact_oud,
            "leiddeTotInterneTaken": [
                *klantcontact_oud["leiddeTotInterneTaken"],
                basis.ref("internetaken", taak.uuid),
            ],
        },
        herkomst=herkomst,
        bundel=bundel,
    )
    bundel.voeg_in()
    taak.ki_representatie = nieuw
    return taak


# --- maak-klantcontact ------------------------------------------------------------------------


@schrijfactie_zonder_savepoints
def maak_klantcontact(
    klantcontact_data: dict,
    *,
    betrokkene: dict | None = None,
    onderwerpobject: dict | None = None,
    herkomst: Herkomst,
) -> tuple[Klantcontact, Betrokkene | None, Onderwerpobject | None]:
    """A klantcontact with its betrokkene and onderwerpobject in one transaction (Open Forms).
    ``betrokkene``: ``klant`` (the partij, as for :func:`add_betrokkene`, or None: an
    anonymous contact, K6: no partij is made), ``rol`` and the betrokkene columns;
    ``onderwerpobject``: ``was_klantcontact`` (an instance or a uuid) and the identificator
    columns. The partij row is locked first. ``klantcontact.ki_representatie`` is its
    representation now (with the betrokkene and onderwerpobject)."""
    if betrokkene is not None:
        betrokkene = {**betrokkene, "klant": _vergrendel_partij(betrokkene.get("klant"))}
    klantcontact = create_klantcontact(klantcontact_data, herkomst=herkomst)
    # inserted in this transaction: no other one can lock it, the writes below need not
    markeer_vergrendeld(klantcontact)
    gemaakt_betrokkene = None
    if betrokkene is not None:
        gemaakt_betrokkene = add_betrokkene(klantcontact, herkomst=herkomst, **betrokkene)
    gemaakt_onderwerp = None
    if onderwerpobject is not None:
        gemaakt_onderwerp = add_onderwerpobject(klantcontact, herkomst=herkomst, **onderwerpobject)
    # new: no references but these two
    klantcontact.ki_representatie = klantcontact_uit(
        klantcontact,
        KiBasis.van_herkomst(herkomst),
        betrokkenen=[gemaakt_betrokkene.uuid] if gemaakt_betrokkene is not None else [],
        onderwerpobjecten=[gemaakt_onderwerp.uuid] if gemaakt_onderwerp is not None else [],
    )
    return klantcontact, gemaakt_betrokkene, gemaakt_onderwerp
