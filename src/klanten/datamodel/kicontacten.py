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
instances for references). Locks, in one order: the klant (partij) row, then the
klantcontact, then the rows that hang off it. A row that is gone raises its model's
``DoesNotExist``.
"""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction
from vng_api_common.constants import CommonResourceAction

from klanten.notificaties import audit
from klanten.notificaties.wijziging import (
    Resource,
    leg_vast,
    notificeer,
)

from . import contacten, contactwijzigingen
from .contactrepresentatie import Basis
from .kicontactrepresentatie import (
    KiBasis,
    actor_data,
    actoren,
    actorklantcontact_data,
    actorklantcontacten,
    betrokkene_data,
    betrokkenen,
    internetaak_data,
    internetaken,
    onderwerpobject_data,
    onderwerpobjecten,
)
from .kicontactwijzigingen import (
    ACTOR,
    ACTORKLANTCONTACT,
    BETROKKENE,
    BRON,
    INTERNETAAK,
    KLANTCONTACT,
    KLANTCONTACT_KENMERKEN,
    ONDERWERPOBJECT,
    klantcontact_repr,
    weergave,
)
from .klantcontacten import (
    Actor,
    ActorKlantcontact,
    Betrokkene,
    InterneTaak,
    Klantcontact,
    Onderwerpobject,
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


def onderwerpobject_repr(pk: int, basis: KiBasis) -> dict:
    return onderwerpobject_data(
        onderwerpobjecten(Onderwerpobject.objects.filter(pk=pk)).get(), basis
    )


def actor_repr(pk: int, basis: KiBasis) -> dict:
    return actor_data(actoren(Actor.objects.filter(pk=pk)).get(), basis)


def actorklantcontact_repr(pk: int, basis: KiBasis) -> dict:
    return actorklantcontact_data(
        actorklantcontacten(ActorKlantcontact.objects.filter(pk=pk)).get(), basis
    )


def internetaak_repr(pk: int, basis: KiBasis) -> dict:
    return internetaak_data(internetaken(InterneTaak.objects.filter(pk=pk)).get(), basis)


def _kenmerken(klantcontact: Klantcontact | int | None, basis: KiBasis) -> dict:
    """The kenmerken of a klantcontact (as its representation gives them): from the instance
    when given one (read under the write's lock), else read."""
    if klantcontact is None:
        return dict.fromkeys(KLANTCONTACT_KENMERKEN)
    if isinstance(klantcontact, Klantcontact):
        return {
            "hoofdOnderwerpType": klantcontact.hoofd_onderwerp_type,
            "indicatieContactGelukt": klantcontact.indicatie_contact_gelukt,
            "verdereActieOndernomen": klantcontact.verdere_actie_ondernomen,
        }
    return KLANTCONTACT.kenmerken_van(klantcontact_repr(klantcontact, basis))


def _leg_sub_vast(resource: Resource, data: dict, klantcontact, herkomst, basis) -> None:
    """A betrokkene, onderwerpobject or actorklantcontact created: an audit record under its
    klantcontact and a notification on ``klantcontacten`` with the klantcontact's kenmerken
    (``klantcontact``: the locked instance, its id, or None), in one statement."""
    ref = data.get(resource.hoofd_object)
    hoofd = ref["url"] if ref else data["url"]
    record = audit.record(
        bron=BRON,
        resource=resource.resource,
        actie=CommonResourceAction.create,
        resource_url=data["url"],
        hoofd_object=hoofd,
        weergave=f"{resource.resource} {data['uuid']}",
        oud=None,
        nieuw=data,
        actor=herkomst.actor,
    )
    if not notificeer(
        Resource(
            kanaal=resource.kanaal, resource=resource.resource, bron=BRON, hoofd_object="hoofd"
        ),
        CommonResourceAction.create,
        {"url": data["url"], "hoofd": hoofd},
        _kenmerken(klantcontact, basis),
        record,
    ):
        record.save()


def _lock_klantcontacten(*klantcontacten_) -> dict:
    """Lock klantcontacten in id order; ``Klantcontact.DoesNotExist`` when one is gone. Returns
    the locked rows by id (marked as locked in this write: ``contacten`` does not lock them
    again)."""
    al = {k.pk: k for k in klantcontacten_ if k is not None and is_vergrendeld(k)}
    ids = sorted({k.pk for k in klantcontacten_ if k is not None} - set(al))
    found = list(Klantcontact.objects.select_for_update().filter(pk__in=ids).order_by("id"))
    if len(found) != len(ids):
        raise Klantcontact.DoesNotExist
    for rij in found:
        markeer_vergrendeld(rij)
    return {**al, **{rij.pk: rij for rij in found}}


# --- klantcontacten ---------------------------------------------------------------------------


@schrijfactie_zonder_savepoints
def create_klantcontact(data: dict, *, herkomst: Herkomst) -> Klantcontact:
    """A klantcontact (``data``: columns of ``contacten.KLANTCONTACT_VELDEN``): ``contacten``
    records it as a contactmoment (kanaal ``contactmomenten``) and as a klantcontact (kanaal
    ``klantcontacten``, :func:`leg_klantcontact_vast`); ``ki_representatie`` holds what was
    recorded."""
    return contacten.create_klantcontact(data, herkomst=herkomst)


# --- betrokkenen ------------------------------------------------------------------------------


@schrijfactie_zonder_savepoints
def add_betrokkene(
    klantcontact: Klantcontact, *, klant=None, rol: str, herkomst: Herkomst, **velden
) -> Betrokkene:
    """A party took part in a klantcontact. ``klant``: the partij (``wasPartij``); None: a
    non-validated klant of this contact only (K6), known by its own snapshot. A partij in the
    same role twice in one klantcontact raises :class:`contacten.Bestaat`. With a partij it is
    a klantcontactmoment too (recorded on ``contactmomenten`` by ``contacten``)."""
    betrokkene, _ = contacten.add_betrokkene(
        klantcontact, klant=klant, rol=rol, herkomst=herkomst, **velden
    )
    basis = KiBasis.van_herkomst(herkomst)
    data = betrokkene_repr(betrokkene.pk, basis)
    # the klantcontact as contacten locked and read it
    _leg_sub_vast(BETROKKENE, data, betrokkene.klantcontact, herkomst, basis)
    return betrokkene


# --- onderwerpobjecten ------------------------------------------------------------------------


@schrijfactie_zonder_savepoints
def add_onderwerpobject(
    klantcontact: Klantcontact | None,
    *,
    was_klantcontact: Klantcontact | None = None,
    herkomst: Herkomst,
    **velden,
) -> Onderwerpobject:
    """What a klantcontact was about (``velden``: the onderwerpobjectidentificator columns),
    or an earlier klantcontact (``was_klantcontact``: an answer to a question, Open
    Inwoner)."""
    vergrendeld = _lock_klantcontacten(klantcontact, was_klantcontact)
    if klantcontact is not None:
        klantcontact = vergrendeld[klantcontact.pk]
    onderwerpobject = contacten.add_onderwerpobject(
        klantcontact, was_klantcontact=was_klantcontact, herkomst=herkomst, **velden
    )
    basis = KiBasis.van_herkomst(herkomst)
    data = onderwerpobject_repr(onderwerpobject.pk, basis)
    # the klantcontact as contacten locked and read it
    _leg_sub_vast(ONDERWERPOBJECT, data, onderwerpobject.klantcontact, herkomst, basis)
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
    """An actor (an employee, a department, a system): an audit record, no notification."""
    contacten._velden(data, ACTOR_VELDEN)
    actor = Actor.objects.create(**data)
    nieuw = actor_repr(actor.pk, KiBasis.van_herkomst(herkomst))
    audit.schrijf(
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
    actor.ki_representatie = nieuw
    return actor


@schrijfactie_zonder_savepoints
def add_actorklantcontact(
    klantcontact: Klantcontact, actor: Actor, *, herkomst: Herkomst
) -> ActorKlantcontact:
    """An actor took part in a klantcontact. When it becomes the klantcontact's first
    medewerker, the contactmoment's ``medewerkerIdentificatie`` changes: recorded on
    ``contactmomenten``. The same actor twice raises :class:`contacten.Bestaat`."""
    _lock_klantcontacten(klantcontact)
    if not Actor.objects.filter(pk=actor.pk).exists():
        raise Actor.DoesNotExist
    cm_basis = Basis.van_herkomst(herkomst)
    oud = contactwijzigingen.contactmoment(klantcontact, cm_basis)
    link, created = ActorKlantcontact.objects.get_or_create(actor=actor, klantcontact=klantcontact)
    if not created:
        raise contacten.Bestaat(link)
    nieuw = contactwijzigingen.contactmoment(klantcontact, cm_basis)
    contactwijzigingen.leg_contactmoment_vast(
        CommonResourceAction.partial_update, oud=oud, nieuw=nieuw, herkomst=herkomst
    )
    basis = KiBasis.van_herkomst(herkomst)
    data = actorklantcontact_repr(link.pk, basis)
    _leg_sub_vast(ACTORKLANTCONTACT, data, klantcontact.pk, herkomst, basis)
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


def _volgend_nummer() -> str:
    """K8: a generated number (ten digits), never one that is taken."""
    while True:
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s)", [INTERNETAAK_NUMMER_SEQUENCE])
            nummer = str(cursor.fetchone()[0]).zfill(10)
        if not InterneTaak.objects.filter(nummer=nummer).exists():
            return nummer


@schrijfactie_zonder_savepoints
def create_interne_taak(
    klantcontact: Klantcontact,
    data: dict,
    *,
    nummer: str = "",
    actoren_: list[Actor] = (),
    herkomst: Herkomst,
) -> InterneTaak:
    """A follow-up task for the municipality from a klantcontact (a contactverzoek), assigned
    to ``actoren_`` in that order. ``nummer`` empty means none given (K8: KISS always sends
    ``""``): one is generated; a given number must be free (:class:`NummerBezet`)."""
    contacten._velden(data, INTERNETAAK_VELDEN)
    _lock_klantcontacten(klantcontact)
    actor_ids = [a.pk for a in actoren_]
    if len(set(Actor.objects.filter(pk__in=actor_ids).values_list("id", flat=True))) != len(
        set(actor_ids)
    ):
        raise Actor.DoesNotExist
    gegeven = bool(nummer)
    while True:
        if not gegeven:
            nummer = _volgend_nummer()
        elif InterneTaak.objects.filter(nummer=nummer).exists():
            raise NummerBezet(nummer)
        try:
            with transaction.atomic():
                taak = InterneTaak.objects.create(
                    aanleidinggevend_klantcontact=klantcontact, nummer=nummer, **data
                )
            break
        except IntegrityError as exc:  # another transaction took the number meanwhile
            if "internetaak_nummer_uniek" not in str(exc):
                raise
            if gegeven:
                raise NummerBezet(nummer) from exc
    koppeling = InterneTaak.toegewezen_aan_actoren.through
    gezien = []
    for actor_id in actor_ids:
        if actor_id not in gezien:
            gezien.append(actor_id)
    koppeling.objects.bulk_create(
        [koppeling(internetaak_id=taak.pk, actor_id=actor_id) for actor_id in gezien]
    )
    nieuw = internetaak_repr(taak.pk, KiBasis.van_herkomst(herkomst))
    leg_vast(
        INTERNETAAK,
        CommonResourceAction.create,
        oud=None,
        nieuw=nieuw,
        weergave=weergave(nieuw, "internetaak"),
        actor=herkomst.actor,
    )
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
    ``betrokkene``: ``klant`` (the partij, or None: an anonymous contact, K6: no partij is
    made), ``rol`` and the betrokkene columns; ``onderwerpobject``: ``was_klantcontact`` and
    the identificator columns. The partij row is locked first."""
    from .models import Klant

    klant = (betrokkene or {}).get("klant")
    if klant is not None:
        Klant.objects.select_for_update().get(pk=klant.pk)
    klantcontact = create_klantcontact(klantcontact_data, herkomst=herkomst)
    # inserted in this transaction: no other one can lock it, the writes below need not
    markeer_vergrendeld(klantcontact)
    gemaakt_betrokkene = None
    if betrokkene is not None:
        gemaakt_betrokkene = add_betrokkene(klantcontact, herkomst=herkomst, **betrokkene)
    gemaakt_onderwerp = None
    if onderwerpobject is not None:
        gemaakt_onderwerp = add_onderwerpobject(klantcontact, herkomst=herkomst, **onderwerpobject)
    return klantcontact, gemaakt_betrokkene, gemaakt_onderwerp
