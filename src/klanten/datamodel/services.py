"""Transactional writes of klanten. Callers pass already shape-checked data (snake_case).

Every write here

- is a write transaction (``transactions.schrijfactie``): run again when PostgreSQL cancels
  it (deadlock, serialization failure), as the outermost transaction;
- locks the klant row first (``wijzigingen.vergrendel``), before it reads or writes anything
  that hangs off the klant (one lock order everywhere), and raises ``Klant.DoesNotExist`` when
  the klant is gone (the API answers 404);
- given a ``herkomst`` (every path on behalf of someone: the API, the resident pages, the
  admin, the background tasks), records the change through ``wijzigingen``: one audit record
  and one notification when the klant's representation changed, nothing when it did not.
  Without one (tests, a shell) nothing is recorded.
- K10: a klant is a partij of the Klantinteracties API too: when its partij representation
  changed as well, the same statement records that (``partijwijzigingen``: bron ``ki``, kanaal
  ``partijen``), compared from the partij rows the lock read (``klantpartij``) with those the
  write holds afterwards, without statements of its own.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from djangorestframework_camel_case.util import camelize
from vng_api_common.constants import CommonResourceAction

from klanten import sqlvorm
from klanten.notificaties import audit, invoegen
from klanten.notificaties.wijziging import Bundel

from . import klantpartij, partijherstel, partijsync, partijwijzigingen, rules, wijzigingen
from .constants import SleutelType, SubjectType
from .models import (
    IDENTIFICATIE_ATTR,
    IDENTIFICATIE_MODEL,
    Bevestigingsverzoek,
    Interactie,
    Klant,
    KlantAdres,
    KlantnummerTeller,
    Validatie,
)
from .partijrepresentatie import KIContext
from .representation import ADRES_DEFAULTS, JSON_GROUPS, KLANT_LIST_RELATIONS
from .transactions import GelijktijdigeWijziging, schrijfactie
from .vernietiging import (  # noqa: F401 (R1's functions, used as services.*)
    _vernietigingsdatum,
    herbereken_vernietigingsdata,
    interactie_termijnen,
    termijnen_en_betrokkenheid,
    vernietiging_van,
    vernietiging_volgens_regels,
    werk_vernietigingsdatum_bij,
)
from .wijzigingen import Herkomst, representatie

KLANT_FIELDS = (
    "bronorganisatie",
    "klantnummer",
    "bedrijfsnaam",
    "functie",
    "website_url",
    "voornaam",
    "voorvoegsel_achternaam",
    "achternaam",
    "telefoonnummer",
    "emailadres",
    "subject",
    "subject_type",
    "aanmaakkanaal",
    "geregistreerd_door",
)


class DuplicateKlantnummer(Exception):
    """The (bronorganisatie, klantnummer) pair is taken."""


# --- klantnummers (C5) ------------------------------------------------------------------------

_KLANTNUMMER_MAX = 99_999_999
# numbers tried in one statement past the last one generated (skipping those clients chose)
_VENSTER = 64
# (the values are typed in the statements: each is one parameter of a prepared statement,
# used where PostgreSQL would deduce different types)
_TELLER = KlantnummerTeller._meta.db_table
_KLANT = Klant._meta.db_table
_BEZET = (
    f"EXISTS (SELECT 1 FROM {_KLANT} k WHERE k.bronorganisatie = %(bron)s::varchar "
    "AND k.klantnummer = {nummer}::text)"
)
# one number looked up in the index, as a subplan of its own (OFFSET 0 keeps PostgreSQL from
# turning the NOT EXISTS over a window into a join: that read every klant of the organisation,
# a hash anti join whose cost grew with their number)
_VRIJ = (
    f"NOT EXISTS (SELECT 1 FROM {_KLANT} k WHERE k.bronorganisatie = %(bron)s::varchar "
    "AND k.klantnummer = ({nummer})::text OFFSET 0)"
)
# the next number after the last one generated that no klant of the organisation carries:
# the one after it when free (one index lookup, the common case), else the first free one in
# the window (past it the loop asks again); and whether the number returned is taken
_VOLGENDE = (
    f"UPDATE {_TELLER} SET laatste = COALESCE("
    f"CASE WHEN {_VRIJ.format(nummer='laatste + 1')} THEN laatste + 1 END, ("
    "SELECT n FROM generate_series(laatste + 2, laatste + %(venster)s::integer) AS n "
    f"WHERE {_VRIJ.format(nummer='n')} ORDER BY n LIMIT 1"
    "), laatste + %(venster)s::integer) "
    "WHERE bronorganisatie = %(bron)s::varchar "
    f"RETURNING laatste, {_BEZET.format(nummer='laatste')}"
)
# the first number of an organisation: after the highest numeric klantnummer in use (imported
# klanten keep their numbers); a concurrent first create takes the next one
_EERSTE = (
    f"INSERT INTO {_TELLER} (bronorganisatie, laatste) "
    f"SELECT %(bron)s::varchar, COALESCE(MAX(klantnummer::bigint), 0) + 1 FROM {_KLANT} "
    "WHERE bronorganisatie = %(bron)s::varchar AND klantnummer ~ '^[0-9]{1,8}$' "
    f"ON CONFLICT (bronorganisatie) DO UPDATE SET laatste = {_TELLER}.laatste + 1 "
    f"RETURNING laatste, {_BEZET.format(nummer=f'{_TELLER}.laatste')}"
)
# past 99999999 (a client chose a number near the top): the lowest number no klant carries
_LAAGSTE_VRIJE = (
    f"UPDATE {_TELLER} SET laatste = (SELECT MIN(vrij) FROM ("
    f"SELECT 1 AS vrij WHERE NOT {_BEZET.format(nummer='1')} "
    f"UNION ALL SELECT k.klantnummer::bigint + 1 FROM {_KLANT} k "
    "WHERE k.bronorganisatie = %(bron)s::varchar AND k.klantnummer ~ '^[1-9][0-9]{0,7}$' "
    "AND NOT EXISTS (SELECT 1 FROM "
    f"{_KLANT} n WHERE n.bronorganisatie = %(bron)s::varchar "
    "AND n.klantnummer = (k.klantnummer::bigint + 1)::text)"
    ") AS kandidaten) WHERE bronorganisatie = %(bron)s::varchar RETURNING laatste"
)


def next_klantnummer(bronorganisatie: str) -> str:
    """C5: the next free numeric klantnummer of a bronorganisatie.

    One statement in the normal case: an UPDATE of the organisation's counter row that skips
    the numbers clients chose themselves (its row lock serializes concurrent creates until
    commit). The first time, the counter starts after the highest numeric klantnummer in use.
    A number a client chose can never exhaust the generated ones: past 99999999 the counter
    continues at the lowest free number; only when all 99999999 are taken is the answer
    ``klantnummer-uitgeput``.
    """
    params = {"bron": bronorganisatie, "venster": _VENSTER}

    def rij(sql: str) -> tuple | None:
        # prepared once per connection (planning the statement cost more than running it)
        rijen = sqlvorm.voer_uit(sql, params, loaders=False)
        return rijen[0] if rijen else None

    row = rij(_VOLGENDE)
    if row is None:
        row = rij(_EERSTE)
    nummer, bezet = row
    opnieuw_van_voren = False
    while bezet or nummer > _KLANTNUMMER_MAX:
        if nummer > _KLANTNUMMER_MAX:
            if opnieuw_van_voren:
                break
            opnieuw_van_voren = True
            nummer, bezet = rij(_LAAGSTE_VRIJE)[0], False
        else:
            nummer, bezet = rij(_VOLGENDE)
    if nummer > _KLANTNUMMER_MAX:
        raise rules.RuleViolation(
            "De klantnummers van deze bronorganisatie zijn op.", code="klantnummer-uitgeput"
        )
    return str(nummer)


# --- the klant and the rows that hang off it -----------------------------------------------


def _json_group(current: dict | None, data: dict, defaults: dict, replace: bool) -> dict:
    base = dict(defaults) if replace or not current else {**defaults, **current}
    base.update(camelize(data))
    return base


_ONBEKEND = object()


def _relatie(klant: Klant, attr: str):
    """A one-to-one row of the klant (address, identification): from what was loaded with it
    (``wijzigingen.vergrendel``), else read."""
    field = Klant._meta.get_field(attr)
    cached = field.get_cached_value(klant, default=_ONBEKEND)
    if cached is not _ONBEKEND:
        return cached
    return field.related_model.objects.filter(klant=klant).first()


def _onthoud(klant: Klant, attr: str, row) -> None:
    Klant._meta.get_field(attr).set_cached_value(klant, row)


def _bewaar(row, *, new: bool, nieuwe: list | None) -> None:
    """Save ``row``; a new one goes to ``nieuwe`` when given (inserted later, with others)."""
    if new and nieuwe is not None:
        nieuwe.append(row)
    else:
        row.save(force_insert=new)


def _write_identificatie(
    klant: Klant, data: dict | None, *, replace: bool, nieuwe: list | None = None
) -> None:
    model = IDENTIFICATIE_MODEL.get(klant.subject_type)
    # a klant has at most one identification: drop any row of another kind
    for other_type, attr in IDENTIFICATIE_ATTR.items():
        if other_type != klant.subject_type:
            if _relatie(klant, attr) is not None:
                IDENTIFICATIE_MODEL[other_type].objects.filter(klant=klant).delete()
            _onthoud(klant, attr, None)
    if model is None:
        return
    attr = IDENTIFICATIE_ATTR[klant.subject_type]
    current = _relatie(klant, attr)
    if data is None:
        if current is not None:
            current.delete()
        _onthoud(klant, attr, None)
        return
    new = current is None
    if new:
        current = model(klant=klant)
        replace = True
    elif replace:
        # PUT: every plain field not given goes back to its default; address groups not
        # given are kept, as ``adres`` is on the klant itself
        kept = {group: getattr(current, group) for group in JSON_GROUPS if hasattr(current, group)}
        current = model(klant=klant, **{g: v for g, v in kept.items() if g not in data})
    for field, value in data.items():
        if field in JSON_GROUPS:
            if value is None:
                setattr(current, field, None)
            else:
                existing = getattr(current, field, None)
                setattr(current, field, _json_group(existing, value, JSON_GROUPS[field], replace))
        else:
            setattr(current, field, value)
    _bewaar(current, new=new, nieuwe=nieuwe)
    _onthoud(klant, attr, current)


def _write_adres(
    klant: Klant, data: dict | None, *, replace: bool, nieuwe: list | None = None
) -> None:
    current = _relatie(klant, "adres")
    if data is None:
        if current is not None:
            KlantAdres.objects.filter(klant=klant).delete()
        _onthoud(klant, "adres", None)
        return
    values = {("woonplaats_naam" if k == "woonplaatsnaam" else k): v for k, v in data.items()}
    new = current is None
    # an ISO land code a Klantinteracties client gave without a BRP code (``land``) stays
    # while the landcode stays what it was (a client that writes back the address it read,
    # ``landcode: ""``, loses nothing); a landcode that changes says the country: the ISO
    # code goes (never stale)
    land = ""
    if not new and values.get("landcode", current.landcode) == current.landcode:
        land = current.land
    if new or replace:
        # a new or replaced address: the other Klantinteracties-only columns blank
        current = KlantAdres(klant=klant, **ADRES_DEFAULTS)
    if "land" not in values:
        current.land = land
    for field, value in values.items():
        setattr(current, field, value)
    _bewaar(current, new=new, nieuwe=nieuwe)
    _onthoud(klant, "adres", current)


def _opslaan(klant: Klant, *, nieuw: bool = False, **kwargs) -> None:
    """Save the klant row; a klantnummer taken meanwhile is :class:`DuplicateKlantnummer`
    (the write transaction is rolled back with it). A new klant with its destruction date is
    inserted without ``Model.save``, as :func:`invoegen.voeg_in` inserts its other rows: the
    one receiver of its signals (``signals.klant_opgeslagen``) acts on a klant without a
    date, and vng-api-common's cache invalidation knows no klant (a test checks both). A
    stored klant (locked by the write) is updated the same way, all its columns as
    ``Model.save`` writes them."""
    try:
        if nieuw and klant.vernietigingsdatum is not None:
            with transaction.mark_for_rollback_on_error():  # as Model.save
                invoegen.voeg_in(klant)
        elif not nieuw and not kwargs:
            # the row is locked: an UPDATE written once (nothing to compile per write)
            with transaction.mark_for_rollback_on_error():
                invoegen.werk_bij(klant)
        else:
            klant.save(force_insert=nieuw, **kwargs)
    except IntegrityError as exc:
        if "klant_unieke_klantnummer_per_bronorganisatie" in str(exc):
            raise DuplicateKlantnummer from exc
        raise


def _maak(data: dict, nieuwe: list | None = None, kolommen: dict | None = None) -> Klant:
    """Insert a klant with its address and identification; every relation of its
    representation is known afterwards (no query to represent it). ``nieuwe``: the rows that
    hang off the klant are not inserted but added to it, to be inserted in one statement
    (:func:`klanten.notificaties.invoegen.voeg_in`, with the change's audit record).
    ``kolommen``: other columns of the klant row (the Klantinteracties API's)."""
    data = dict(data)
    adres = data.pop("adres", None)
    identificatie = data.pop("subject_identificatie", None)
    klant = Klant(**{f: v for f, v in data.items() if f in KLANT_FIELDS} | (kolommen or {}))
    if not klant.klantnummer:
        klant.klantnummer = next_klantnummer(klant.bronorganisatie)
    # R1: a new klant has no interactions yet (no extra query needed)
    klant.vernietigingsdatum = _vernietigingsdatum(
        gevalideerd=False, aangemaakt_op=timezone.localdate(), interacties=()
    )
    _opslaan(klant, nieuw=True)
    for attr in KLANT_LIST_RELATIONS:
        _onthoud(klant, attr, None)
    if adres is not None:
        _write_adres(klant, adres, replace=True, nieuwe=nieuwe)
    if identificatie is not None:
        _write_identificatie(klant, identificatie, replace=True, nieuwe=nieuwe)
    # K3/K8: its identifiers and standaard addresses as partij
    partijsync.synchroniseer(klant, nieuw=True, nieuwe=nieuwe)
    return klant


@schrijfactie
def create_klant(data: dict, *, herkomst: Herkomst | None = None) -> Klant:
    """The klant's own row, then its address, identification and partij rows together with
    the audit records and the outbox rows (klant and partij) in one statement."""
    nieuwe: list = []
    klant = _maak(data, nieuwe)
    if herkomst is not None:
        # its partij rows are among the new rows (K10)
        klantpartij.nieuw(klant, nieuwe)
        _leg_vast(
            CommonResourceAction.create,
            klant,
            oud=None,
            partij_oud=None,
            herkomst=herkomst,
            samen=nieuwe,
        )
    elif nieuwe:
        invoegen.voeg_in(*nieuwe)
    return klant


@schrijfactie
def update_klant(
    klant: Klant, data: dict, *, partial: bool, herkomst: Herkomst | None = None
) -> Klant:
    """PUT (``partial=False``) replaces what is given; PATCH merges into what is stored.

    Nested groups are upserted; an explicit null removes ``adres`` and the address groups,
    while ``subjectIdentificatie: null`` removes the identification on PUT only. Returns the
    klant with the rows of its representation loaded.
    """
    klant = wijzigingen.vergrendeld(klant)
    oud = representatie(klant, herkomst.basis_url) if herkomst else None
    partij_oud = _partij_voor(klant, herkomst)
    _wijzig(klant, data, partial=partial)
    if herkomst is not None:
        _leg_vast(
            CommonResourceAction.update if not partial else CommonResourceAction.partial_update,
            klant,
            oud=oud,
            partij_oud=partij_oud,
            herkomst=herkomst,
        )
    return klant


def _partij_voor(klant: Klant, herkomst: Herkomst | None) -> dict | None:
    """K10: the partij rows of a locked klant in hand (from its lock statement), and with a
    ``herkomst`` its partij representation before the write; its digitale adressen's (by
    uuid) are built when the write first changes one (``klantpartij.volg_adressen``)."""
    klantpartij.laad(klant)
    if herkomst is None:
        return None
    ctx = KIContext.van_herkomst(herkomst)
    klantpartij.volg_adressen(klant, ctx)
    return klantpartij.representatie(klant, ctx)


def _leg_vast(
    actie: str,
    klant: Klant,
    *,
    oud: dict | None,
    partij_oud: dict | None,
    herkomst: Herkomst,
    actie_weergave: str | None = None,
    samen=(),
) -> None:
    """A change of a klant (its partij rows in hand, :func:`_partij_voor`; ``partij_oud``
    None: a new klant): the klant's record on kanaal ``klanten``, the partij's on ``partijen``
    and each of its digitale adressen's (a standaard address is the klant's
    ``emailadres``/``telefoonnummer``, K8: made, changed or removed with it), each only when
    its representation changed, with ``samen`` in one statement. A write that changed no
    address (``klantpartij.adressen_vooraf`` None) builds no address representation."""
    ctx = KIContext.van_herkomst(herkomst)
    adressen_oud = {} if partij_oud is None else klantpartij.adressen_vooraf(klant)
    bundel = Bundel()
    nieuw = representatie(klant, herkomst.basis_url)
    wijzigingen.leg_vast(
        actie,
        klant,
        oud=oud,
        nieuw=nieuw,
        herkomst=herkomst,
        actie_weergave=actie_weergave,
        samen=samen,
        bundel=bundel,
    )
    partijwijzigingen.leg_partij_vast(
        actie,
        klant,
        oud=partij_oud,
        nieuw=klantpartij.representatie(klant, ctx),
        herkomst=herkomst,
        bundel=bundel,
    )
    if adressen_oud is not None:
        partijwijzigingen.leg_adressen_vast(
            CommonResourceAction.partial_update,
            oud=adressen_oud,
            nieuw=klantpartij.adressen(klant, ctx),
            herkomst=herkomst,
            bundel=bundel,
        )
    bundel.voeg_in()
    # the klant's representation now (every service calls this last: nothing changes the
    # klant after it), on the write's collection URL: the API's answer, not built again
    klant.vastgelegd = (herkomst.basis_url, nieuw)


def _wijzig(klant: Klant, data: dict, *, partial: bool) -> None:
    """Apply an update to a locked klant (its relations loaded)."""
    voor = partijsync.stand(klant)
    if klant.gevalideerd:
        if "subject_identificatie" in data:
            _require_validated_subject_unchanged(klant, data["subject_identificatie"], partial)
        if "subject" in data:
            _require_validated_subject_url_unchanged(klant, data["subject"] or "")
    for field in KLANT_FIELDS:
        if field in data:
            setattr(klant, field, data[field])
    if not klant.klantnummer:
        klant.klantnummer = next_klantnummer(klant.bronorganisatie)
    _opslaan(klant)
    if "adres" in data:
        _write_adres(klant, data["adres"], replace=not partial)
    if "subject_identificatie" in data:
        identificatie = data["subject_identificatie"]
        if identificatie is not None or not partial:
            _write_identificatie(klant, identificatie, replace=not partial)
    # K3/K8: only what changed is synchronised (the partij rows follow every write)
    partijsync.synchroniseer(klant, voor=voor)


def _require_validated_subject_unchanged(klant: Klant, data: dict | None, partial: bool) -> None:
    """V1 for API updates of a validated klant's subjectIdentificatie."""
    current = klant_identiteit(klant)
    field, sleutel_type = IDENTIFICATIE_SLEUTEL[klant.subject_type]
    if data is None:
        new = current if partial else None  # null: "no change" on PATCH, "remove" on PUT
    elif sleutel_type != current.type:
        new = current  # validated by a key (KvK) that the standard representation lacks
    else:
        if field in data:
            value = data[field]
        elif partial:
            value = current.identificatie
        else:
            value = ""  # PUT resets a field it does not give
        new = rules.Identiteit(sleutel_type, value) if value else None
    try:
        rules.require_validated_subject_unchanged(True, current, new)
    except rules.RuleViolation as exc:
        exc.field = "subject_identificatie"
        raise


def _require_validated_subject_url_unchanged(klant: Klant, subject: str) -> None:
    """V1 for the ``subject`` URL of a validated klant: repointing or emptying it is refused
    like a change of its BSN (only an administrator corrects it, with a reason)."""
    try:
        rules.require_validated_subject_url_unchanged(True, klant.subject or "", subject)
    except rules.RuleViolation as exc:
        exc.field = "subject"
        raise


@schrijfactie
def delete_klant(klant: Klant, *, herkomst: Herkomst | None = None) -> None:
    """Delete a klant with everything that hangs off it. Its row is locked before the cascade
    is collected, so no write adds a row to it meanwhile (``Klant.DoesNotExist`` when it is
    gone)."""
    if not wijzigingen.is_vergrendeld(klant):
        klant = Klant.objects.select_for_update().get(pk=klant.pk)
    verwijder_klanten([klant], herkomst)


# how often a destruction takes its klant locks again when a betrokkene of a klant it destroys
# gave an address to a partij it did not lock (each time another write must have given one);
# then the write runs again from its start (transactions.GelijktijdigeWijziging)
VERGRENDEL_POGINGEN = 5


def _adreshouders(klant_ids) -> set[int]:
    """The other partijen (klant ids, not of ``klant_ids``) holding a digital address a
    betrokkene of ``klant_ids`` gave: its destruction releases it from them (R2)."""
    from .klantcontacten import Betrokkene
    from .partijen import DigitaalAdres

    return set(
        DigitaalAdres.objects.filter(
            betrokkene_id__in=Betrokkene.objects.filter(klant_id__in=klant_ids).values("id"),
            klant__isnull=False,
        )
        .exclude(klant_id__in=klant_ids)
        .values_list("klant_id", flat=True)
        .distinct()
    )


def vergrendel_te_vernietigen(kies) -> list[Klant]:
    """Lock klanten to destroy (``kies()``: the caller's statement locking and returning them)
    together with the other partijen whose addresses their betrokkenen gave (R2 releases
    those: each partij's address changes, so its klant row is locked as by every write), and
    then their betrokkenen (``contacten.vergrendel_betrokkenen``: a write giving one an
    address is waited for); returns the klanten to destroy that are locked.

    In the lock order of every write: klant rows in id order, then the rows that hang off
    them. The other partijen are read after ``kies``; when one has a lower id than a klant
    locked, the locks are given back (a rollback to the savepoint taken before ``kies``) and
    taken again for all of them in one id-ordered statement (the chosen ones by id, waiting
    for them now). With the betrokkenen locked no address can be given to them any more, so
    the partijen are read again: one not locked (given meanwhile) means another round. Still
    one to lock out of order in the last of :data:`VERGRENDEL_POGINGEN` rounds: it is not
    locked; the locks are given back and :class:`transactions.GelijktijdigeWijziging` (with
    the ids of the klanten whose betrokkenen gave its address, read on first use) makes the
    write transaction run again from its start (``transactions.uitvoeren``; after its last
    attempt the caller gets it: a retention batch leaves those klanten for the next run, the
    admin shows the conflict). No address given to another partij: three statements more
    than ``kies`` (the partijen read twice, the betrokkenen's lock)."""
    from . import contacten
    from .klantcontacten import Betrokkene

    ids: set[int] | None = None  # after a round given back: the klanten chosen, by id
    houders_gezien: set[int] = set()
    for poging in range(1, VERGRENDEL_POGINGEN + 1):
        laatste = poging == VERGRENDEL_POGINGEN
        savepoint = transaction.savepoint()
        if ids is None:
            klanten, vergrendeld = kies(), set()
        else:
            rijen = list(
                Klant.objects.select_for_update()
                .filter(pk__in=sorted(ids | houders_gezien))
                .order_by("pk")
            )
            klanten = [k for k in rijen if k.pk in ids]
            vergrendeld = {k.pk for k in rijen if k.pk not in ids}
        klant_ids = [k.pk for k in klanten]
        if not klanten:
            transaction.savepoint_commit(savepoint)
            return []
        houders = _adreshouders(klant_ids) - vergrendeld
        if houders and min(houders) < max([*klant_ids, *vergrendeld]):
            # one below a klant locked: again, all in one id-ordered statement
            transaction.savepoint_rollback(savepoint)
            if laatste:
                raise _gelijktijdig(klant_ids, houders)
            ids, houders_gezien = set(klant_ids), houders_gezien | houders
            continue
        if houders:  # all after the klant rows locked: id order
            vergrendeld |= set(
                Klant.objects.select_for_update()
                .filter(pk__in=sorted(houders))
                .order_by("pk")
                .values_list("pk", flat=True)
            )
        contacten.vergrendel_betrokkenen(Betrokkene.objects.filter(klant_id__in=klant_ids))
        ontbrekend = _adreshouders(klant_ids) - vergrendeld
        if not ontbrekend:
            transaction.savepoint_commit(savepoint)
            return klanten
        transaction.savepoint_rollback(savepoint)
        if laatste:
            raise _gelijktijdig(klant_ids, ontbrekend)
        ids, houders_gezien = set(klant_ids), houders_gezien | houders | ontbrekend
    raise AssertionError("unreachable")


def _gelijktijdig(klant_ids: list[int], houders: set[int]) -> GelijktijdigeWijziging:
    """The conflict of a destruction that could not lock the partijen ``houders`` in order:
    it names the klanten of ``klant_ids`` whose betrokkenen gave their addresses (all of them
    when none does any more), which a retention batch leaves for its next run. Read when the
    caller first uses them (one statement, after the write transaction rolled back), not each
    time it is raised: every attempt but the last runs again and never uses them."""

    def betrokken() -> set[int]:
        from .partijen import DigitaalAdres

        return set(
            DigitaalAdres.objects.filter(
                klant_id__in=sorted(houders), betrokkene__klant_id__in=klant_ids
            ).values_list("betrokkene__klant_id", flat=True)
        ) or set(klant_ids)

    return GelijktijdigeWijziging(betrokken)


def verwijder_klanten(
    klanten: list[Klant],
    herkomst: Herkomst | None = None,
    toelichtingen: dict | None = None,
    *,
    vernietiging: bool = False,
) -> None:
    """Delete klanten the caller has locked (for a ``vernietiging`` with
    :func:`vergrendel_te_vernietigen`), with everything that hangs off them. Their API
    audit trail goes with them (it holds their data); with a ``herkomst`` one record of each
    deletion stays, without personal data, and each gets a ``destroy`` notification
    (``toelichtingen``: a reason per klant pk for those records).

    A ``vernietiging`` (retention, R2; a privacy request) also destroys their part in
    klantcontacten: their betrokkenen (klantcontactmomenten) go, while the klantcontact stays
    with its tekst. A delete through an API keeps the betrokkenen without the klant, with their
    own snapshot (K9). Either way the klantcontactmomenten end, each with its own audit record
    and notification."""
    if not klanten:
        return
    from . import contacten
    from .klantcontacten import Betrokkene

    klant_ids = [klant.pk for klant in klanten]
    if vernietiging:
        contacten.verwijder_betrokkenen(
            Betrokkene.objects.filter(klant_id__in=klant_ids), herkomst, klanten_weg=klant_ids
        )
    else:
        contacten.klant_verlaat_contacten(klant_ids, herkomst)
    # their audit trails, as klant and as partij (Klantinteracties), hold their data: they go
    basis = herkomst.basis_url if herkomst else wijzigingen.basis_url_zonder_request()
    audit.verwijder_van_objecten(
        [
            *(wijzigingen.klant_url(k, basis) for k in klanten),
            *(f"/partijen/{k.uuid}" for k in klanten),
        ]
    )
    # their own digital addresses go; one a betrokkene also gave stays with it (K9)
    adressen_oud, adressen_nieuw = _adressen_van_klanten_af(klanten, herkomst)
    if herkomst is not None:
        # one record of each deletion stays, with a destroy notification, on kanaal klanten
        # and (K10: each is a partij too) on kanaal partijen, in one statement with the
        # records of their digital addresses before them (each destroyed, or now only a
        # betrokkene's)
        bundel = Bundel()
        partijwijzigingen.leg_adressen_vast(
            CommonResourceAction.partial_update,
            oud=adressen_oud,
            nieuw=adressen_nieuw,
            herkomst=herkomst,
            bundel=bundel,
        )
        wijzigingen.leg_vernietigingen_vast(klanten, herkomst, toelichtingen, bundel=bundel)
        partijwijzigingen.leg_partijen_verwijderd(klanten, herkomst, toelichtingen, bundel=bundel)
        bundel.voeg_in()
    try:
        Klant.objects.filter(pk__in=klant_ids).delete()
    except ProtectedError as exc:  # checked before anything is deleted
        _hr_sleutels_los(klant_ids, exc.protected_objects)
        Klant.objects.filter(pk__in=klant_ids).delete()


def _adressen_van_klanten_af(
    klanten: list[Klant], herkomst: Herkomst | None
) -> tuple[dict[str, dict], dict[str, dict]]:
    """The digital addresses of klanten being deleted: those only the klant held are deleted,
    one a betrokkene also gave stays with it, without the partij (K9). Returns their
    Klantinteracties representations before and after
    (:func:`partijwijzigingen.adressen_voor_en_na`), from the rows the two statements return."""
    from .klantcontacten import Betrokkene
    from .partijen import DigitaalAdres, PartijIdentificator

    tabel = DigitaalAdres._meta.db_table
    betrokkenen = Betrokkene._meta.db_table
    per_pk = {klant.pk: klant for klant in klanten}
    with connection.cursor() as cursor:
        # K5, in the same statement (a one-time filter, run before the addresses are read):
        # the klanten's HR identifiers locked (after the klant rows, id order), so that a
        # write naming one as subIdentificatorVan (which locks it, ``partijservices``) that
        # came first is waited for and its row seen when the deletion looks for the rows
        # naming theirs (``_hr_sleutels_los``); before, the deletion did not see it and its
        # commit failed on the foreign key (a 500). A write that comes later waits for the
        # deletion and finds the row gone (400 ``does_not_exist``) or detached.
        cursor.execute(
            f"WITH hr AS (SELECT id FROM {PartijIdentificator._meta.db_table} "
            "WHERE klant_id = ANY(%s) AND code_soort_object_id = ANY(%s) ORDER BY id FOR UPDATE) "
            f"DELETE FROM {tabel} AS a WHERE a.klant_id = ANY(%s) AND a.betrokkene_id IS NULL "
            "AND (SELECT count(*) FROM hr) >= 0 "
            "RETURNING to_jsonb(a), NULL::uuid, NULL::uuid",
            [list(per_pk), [str(s) for s in partijsync.HR_SOORTEN], list(per_pk)],
        )
        rijen = cursor.fetchall()
        # the old row (the self-join reads it as it was before the statement) and the uuid of
        # the betrokkene the address stays with
        cursor.execute(
            f"UPDATE {tabel} AS a SET klant_id = NULL, is_standaard_adres = false "
            f"FROM {tabel} AS o, {betrokkenen} AS b "
            "WHERE o.id = a.id AND b.id = a.betrokkene_id AND a.klant_id = ANY(%s) "
            "RETURNING to_jsonb(o), b.uuid, NULL::uuid",
            [list(per_pk)],
        )
        rijen += cursor.fetchall()

    def na(rij) -> bool:
        if rij.betrokkene_id is None:
            return False  # deleted
        rij.klant_id, rij.is_standaard_adres = None, False
        return True

    return partijwijzigingen.adressen_voor_en_na(rijen, herkomst, na, klanten=per_pk)


def _hr_sleutels_los(klant_ids: list[int], verwijzers) -> None:
    """K5: an HR identifier (KvK number, RSIN, vestigingsnummer; no personal data) of a klant
    being deleted that another partij's identifier names as its ``subIdentificatorVan`` (a
    vestiging of that organisation) stays without a partij, as ``partijsync`` leaves it:
    the other identifier keeps its meaning.

    Any other named row (a BSN, written before K5's rule or by an old instance during a
    rolling deploy) may not be kept, and the reference naming it is invalid (as is one naming
    itself): the write raises :class:`partijherstel.HerstelNodig` before changing anything
    here, so the outermost write transaction rolls back (releasing the deleted klanten's
    locks), clears those references in a transaction of its own (the referrers' klanten
    locked in id order; one record per changed partij, as migration 0017) and runs the
    deletion again. Never a 500: nested in a transaction that cannot do so (or when the
    repair keeps failing) it is a 409 (``sub-identificator-herstel-nodig``)."""
    from .partijen import PartijIdentificator

    doelen = {rij.sub_identificator_van_id for rij in verwijzers}
    hr = set(
        PartijIdentificator.objects.filter(
            pk__in=doelen,
            klant_id__in=klant_ids,
            code_soort_object_id__in=partijsync.HR_SOORTEN,
        ).values_list("pk", flat=True)
    )
    # a row naming itself is invalid whatever its kind (it would be kept naming itself)
    zelf = {rij.pk for rij in verwijzers if rij.pk == rij.sub_identificator_van_id}
    if (doelen - hr) | zelf:
        raise partijherstel.HerstelNodig((doelen - hr) | zelf)
    PartijIdentificator.objects.filter(pk__in=hr).update(klant=None)


# --- Validated klanten (contract sections 2 and 3) -----------------------------------------


def klant_identiteit(klant: Klant) -> rules.Identiteit | None:
    """The subject identifier a klant carries: its validated key, else the (unverified)
    identifier of its identification, if any."""
    if klant.gevalideerd:
        return rules.Identiteit(klant.gevalideerde_sleutel_type, klant.gevalideerde_sleutel)
    identificatie = klant.subject_identificatie
    if identificatie is None:
        return None
    field, sleutel_type = IDENTIFICATIE_SLEUTEL[klant.subject_type]
    value = getattr(identificatie, field)
    return rules.Identiteit(sleutel_type, value) if value else None


IDENTIFICATIE_SLEUTEL = {
    SubjectType.natuurlijk_persoon: ("inp_bsn", SleutelType.bsn),
    SubjectType.niet_natuurlijk_persoon: ("inn_nnp_id", SleutelType.rsin),
    SubjectType.vestiging: ("vestigings_nummer", SleutelType.vestigingsnummer),
}


def identiteit_from_data(subject_type: str | None, data: dict | None) -> rules.Identiteit | None:
    """The identifier in (validated, snake_case) subjectIdentificatie input."""
    if subject_type not in IDENTIFICATIE_SLEUTEL or not data:
        return None
    field, sleutel_type = IDENTIFICATIE_SLEUTEL[subject_type]
    value = data.get(field)
    return rules.Identiteit(sleutel_type, value) if value else None


@dataclass(frozen=True)
class Actor:
    """Who registers evidence: the application and, when known, its employee."""

    applicatie_id: str = ""
    applicatie_weergave: str = ""
    medewerker_id: str = ""
    medewerker_weergave: str = ""


def _take_identity_from_evidence(
    klant: Klant, identiteit: rules.Identiteit, bundel: Bundel | None = None
) -> None:
    """V4: a klant without a subject identifier takes it from the evidence (``bundel``: the
    identification row goes into it; the subject type is written first, as the trigger on
    the identification checks it)."""
    subject_type = rules.subject_type_for(identiteit)
    if klant.subject_type is None:
        klant.subject_type = subject_type
        klant.save(update_fields=["subject_type", "gewijzigd_op"])
    model = IDENTIFICATIE_MODEL[subject_type]
    attr = IDENTIFICATIE_ATTR[subject_type]
    row = _relatie(klant, attr)
    new = row is None or row._state.adding
    if row is None:
        row = model(klant=klant)
    for field_subject_type, (field, sleutel_type) in IDENTIFICATIE_SLEUTEL.items():
        if field_subject_type == subject_type and sleutel_type == identiteit.type:
            setattr(row, field, identiteit.identificatie)
    if bundel is None:
        row.save(force_insert=new)
    elif not new:
        bundel.werk_bij(row)
    elif all(r is not row for r in bundel.rijen):
        bundel.rijen.append(row)
    _onthoud(klant, attr, row)


def _existing_validated(klant: Klant, identiteit: rules.Identiteit) -> Klant | None:
    return (
        Klant.objects.filter(
            bronorganisatie=klant.bronorganisatie,
            gevalideerd=True,
            gevalideerde_sleutel_type=identiteit.type,
            gevalideerde_sleutel=identiteit.identificatie,
        )
        .exclude(pk=klant.pk)
        .first()
    )


# the audit trail's name for a change of a klant by evidence (V4, V5)
ACTIE_WEERGAVE_VALIDATIE = "Gevalideerd met bewijs van authenticatie"


@schrijfactie
def valideer_klant(
    klant: Klant,
    bewijs: rules.Bewijs,
    actor: Actor,
    *,
    mode: str | None = None,
    herkomst: Herkomst | None = None,
) -> Validatie:
    """E1/V4/V5/V6: record evidence for a klant; validates (promotes) it when it was not.

    Every rule is checked before anything is written; the partial unique index decides
    races between concurrent validations for one BSN. A promotion changes the klant's
    representation (``gevalideerd``, and ``subjectType`` and the identification when it had
    none), so it is recorded as a ``partial_update``; more evidence for a validated klant
    changes nothing and records nothing.
    """
    klant = wijzigingen.vergrendel(klant.pk)
    oud = representatie(klant, herkomst.basis_url) if herkomst else None
    partij_oud = _partij_voor(klant, herkomst)
    validatie = _valideer(klant, bewijs, actor, mode=mode)
    if herkomst is not None:
        _leg_vast(
            CommonResourceAction.partial_update,
            klant,
            oud=oud,
            partij_oud=partij_oud,
            herkomst=herkomst,
            actie_weergave=ACTIE_WEERGAVE_VALIDATIE,
        )
    return validatie


def _valideer(
    klant: Klant,
    bewijs: rules.Bewijs,
    actor: Actor,
    *,
    mode: str | None,
    bundel: Bundel | None = None,
) -> Validatie:
    """Validate a locked (or just created) klant. ``bundel``: what is written goes into it
    (the klant row as an update, the identification and the validation as new rows; a second
    validated klant for the BSN is then the caller's ``IntegrityError``), and the caller
    keeps the partij identifiers in step."""
    mode = mode or settings.KLANTEN_PROMOTIE_MODUS
    now = timezone.now()
    rules.require_fresh_authentication(
        bewijs.authenticatie_moment, now, settings.KLANTEN_MAX_AUTHENTICATIE_LEEFTIJD_MINUTEN
    )
    identiteit = rules.validated_identity(bewijs)
    subject_type = rules.subject_type_for(identiteit)
    rules.require_sufficient_rank(bewijs, subject_type, settings.KLANTEN_MINIMUM_RANG)
    rules.require_compatible_subject_type(klant.subject_type, subject_type)
    rules.require_identity_matches(klant_identiteit(klant), identiteit)
    rules.require_promotion_allowed(klant.gevalideerd, mode, bewijs.gegevens_bevestigd)

    if not klant.gevalideerd:
        if identiteit.type == SleutelType.bsn:
            existing = _existing_validated(klant, identiteit)
            if existing is not None:
                raise _duplicate(existing)
        _take_identity_from_evidence(klant, identiteit, bundel)
        klant.gevalideerd = True
        klant.anker = False  # K5: a promoted anchor is the validated partij
        klant.gevalideerde_sleutel_type = identiteit.type
        klant.gevalideerde_sleutel = identiteit.identificatie
        klant.registratie_rang = bewijs.rang
        klant.vernietigingsdatum = None  # R3: never destroyed automatically
        if bundel is not None:
            bundel.werk_bij(klant)
        else:
            try:
                with transaction.atomic():
                    klant.save()
            except IntegrityError as exc:
                if "een_gevalideerde_klant_per_bsn" not in str(exc):
                    raise
                raise _duplicate(_existing_validated(klant, identiteit)) from exc
            partijsync.synchroniseer_identificatoren(klant)

    validatie = Validatie(
        klant=klant,
        gevalideerd_op=now,
        authenticatie_moment=bewijs.authenticatie_moment,
        middel=bewijs.middel,
        betrouwbaarheidsniveau=bewijs.betrouwbaarheidsniveau,
        rang=bewijs.rang,
        uitgever=bewijs.uitgever,
        bron=bewijs.bron,
        geauthenticeerde_type=bewijs.geauthenticeerde.type,
        geauthenticeerde_identificatie=bewijs.geauthenticeerde.identificatie,
        vertegenwoordigde_type=bewijs.vertegenwoordigde.type if bewijs.vertegenwoordigde else "",
        vertegenwoordigde_identificatie=(
            bewijs.vertegenwoordigde.identificatie if bewijs.vertegenwoordigde else ""
        ),
        machtiging=bewijs.machtiging,
        applicatie_id=actor.applicatie_id,
        applicatie_weergave=actor.applicatie_weergave,
        medewerker_id=actor.medewerker_id,
        medewerker_weergave=actor.medewerker_weergave,
        gegevens_bevestigd=bewijs.gegevens_bevestigd,
    )
    if bundel is not None:
        bundel.rijen.append(validatie)
    else:
        validatie.save(force_insert=True)
    return validatie


def _duplicate(existing: Klant | None) -> rules.Conflict:
    return rules.Conflict(
        "Er bestaat al een gevalideerde klant voor deze persoon bij deze organisatie.",
        code="gevalideerde-klant-bestaat",
        existing_klant=existing,
    )


@schrijfactie
def create_gevalideerde_klant(
    data: dict, bewijs: rules.Bewijs, actor: Actor, *, herkomst: Herkomst | None = None
) -> Klant:
    """Register a new klant and validate it in one go (the person supplied the data in the
    authenticated session, so it counts as confirmed): one ``create`` record, of the
    validated klant."""
    klant = _maak(data)
    _valideer(klant, bewijs, actor, mode="reconfirm")
    if herkomst is not None:
        klantpartij.laad(klant)  # its partij rows as written (one query)
        _leg_vast(CommonResourceAction.create, klant, oud=None, partij_oud=None, herkomst=herkomst)
    return klant


@schrijfactie
def bevestig_klant(
    token: str, data: dict, bewijs: rules.Bewijs, actor: Actor, *, herkomst: Herkomst
) -> Klant:
    """E4/V5: the person behind a confirmation link confirms (and corrects) the klant's data:
    the link is used up, the data changed and the klant validated in one transaction, recorded
    as one ``partial_update``. The klant row is locked before the link."""
    verzoek = peek_bevestigingsverzoek(token)
    try:
        klant = wijzigingen.vergrendel(verzoek.klant_id)
    except Klant.DoesNotExist as exc:  # deleted meanwhile, and its links with it
        raise LinkUnusable("onbekend") from exc
    _redeem(verzoek)
    oud = representatie(klant, herkomst.basis_url)
    partij_oud = _partij_voor(klant, herkomst)
    _wijzig(klant, data, partial=True)
    _valideer(klant, bewijs, actor, mode=None)
    _leg_vast(
        CommonResourceAction.partial_update,
        klant,
        oud=oud,
        partij_oud=partij_oud,
        herkomst=herkomst,
        actie_weergave=ACTIE_WEERGAVE_VALIDATIE,
    )
    return klant


@schrijfactie
def corrigeer_subject(
    klant: Klant,
    identificatie: dict | None,
    reden: str,
    *,
    herkomst: Herkomst,
    subject: str | None = None,
) -> Klant:
    """V1: an administrator corrects the subject identification and/or the ``subject`` URL
    of a validated klant (the only way to change either); the reason is mandatory, and the
    change is recorded (audit action ``correctie_subject``, which names the kind of key but
    not the identifiers or the URL, and a ``partial_update`` notification)."""
    rules.require_reason(reden)
    klant = wijzigingen.vergrendel(klant.pk)
    oud = representatie(klant, herkomst.basis_url)
    partij_oud = _partij_voor(klant, herkomst)
    before = klant_identiteit(klant)
    new = before
    if identificatie is not None:
        _write_identificatie(klant, identificatie, replace=False)
        new = identiteit_from_data(klant.subject_type, identificatie)
        if klant.gevalideerd and new is not None:
            if new.type == SleutelType.bsn:
                existing = _existing_validated(klant, new)
                if existing is not None:
                    raise _duplicate(existing)
            klant.gevalideerde_sleutel_type = new.type
            klant.gevalideerde_sleutel = new.identificatie
    subject_gewijzigd = subject is not None and subject != klant.subject
    if subject_gewijzigd:
        klant.subject = subject
    klant.save()
    partijsync.synchroniseer_identificatoren(klant)
    correctie = {
        "herkomst": herkomst,
        "reden": reden,
        "sleutel_type_oud": before.type if before else None,
        "sleutel_type_nieuw": new.type if new else None,
        "subject_gewijzigd": subject_gewijzigd,
    }
    wijzigingen.leg_correctie_vast(
        klant, oud=oud, nieuw=representatie(klant, herkomst.basis_url), **correctie
    )
    # K10: the partij's identifiers follow the identification: recorded the same way
    partijwijzigingen.leg_partij_correctie_vast(
        klant,
        oud=partij_oud,
        nieuw=klantpartij.representatie(klant, KIContext.van_herkomst(herkomst)),
        **correctie,
    )
    return klant


# --- Interactions (E2) ------------------------------------------------------------------------


@schrijfactie
def add_interactie(klant: Klant, *, soort: str, url: str, rol: str, vernietigingsdatum=None):
    """E2: record (or, for the same URL and role, update) an interaction of a klant; the
    klant's destruction date follows (R1, ``signals.py``).

    The klant row is locked first, so a delete never collects its cascade while an
    interaction is added, and the destruction task never destroys a klant while an interaction
    that extends its life is being added (it skips locked rows and re-derives the date of what
    it locks). Raises ``Klant.DoesNotExist`` when the klant is gone. An interaction is not part
    of the klant's representation: nothing is recorded.
    """
    klant = Klant.objects.select_for_update().get(pk=klant.pk)
    interactie, _created = Interactie.objects.update_or_create(
        klant=klant,
        url=url,
        rol=rol,
        defaults={"soort": soort, "vernietigingsdatum": vernietigingsdatum},
    )
    return interactie


@schrijfactie
def verwijder_interactie(klant: Klant, uuid) -> bool:
    """E2: remove an interaction of a klant (False when it has no such interaction); the
    klant's destruction date follows (R1, ``signals.py``). Raises ``Klant.DoesNotExist`` when
    the klant is gone."""
    klant = Klant.objects.select_for_update().get(pk=klant.pk)
    deleted, _ = Interactie.objects.filter(klant=klant, uuid=uuid).delete()
    return bool(deleted)


# --- Confirmation links (E4) ----------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@schrijfactie
def create_bevestigingsverzoek(
    klant: Klant, applicatie_id: str = ""
) -> tuple[str, Bevestigingsverzoek]:
    """A one-time link token for a non-validated klant (locked first: ``Klant.DoesNotExist``
    when it is gone). Only its hash is stored: the token is returned once."""
    klant = Klant.objects.select_for_update().get(pk=klant.pk)
    rules.require_not_validated_for_confirmation(klant.gevalideerd)
    token = secrets.token_urlsafe(32)
    verzoek = Bevestigingsverzoek.objects.create(
        klant=klant,
        token_hash=_token_hash(token),
        verloopt_op=timezone.now() + timedelta(hours=settings.KLANTEN_BEVESTIGINGSLINK_GELDIG_UREN),
        applicatie_id=applicatie_id,
    )
    return token, verzoek


class LinkUnusable(Exception):
    """The confirmation link is unknown, expired or already used (``reason``)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def peek_bevestigingsverzoek(token: str) -> Bevestigingsverzoek:
    """The pending request behind a token (not consumed), or LinkUnusable."""
    verzoek = (
        Bevestigingsverzoek.objects.select_related("klant")
        .filter(token_hash=_token_hash(token))
        .first()
    )
    if verzoek is None:
        raise LinkUnusable("onbekend")
    if verzoek.gebruikt_op is not None:
        raise LinkUnusable("gebruikt")
    if verzoek.verloopt_op <= timezone.now():
        raise LinkUnusable("verlopen")
    return verzoek


@schrijfactie
def redeem_bevestigingsverzoek(token: str) -> Klant:
    """Consume a token exactly once (a concurrent second use sees it used); the klant row is
    locked first."""
    verzoek = peek_bevestigingsverzoek(token)
    try:
        klant = Klant.objects.select_for_update().get(pk=verzoek.klant_id)
    except Klant.DoesNotExist as exc:  # deleted meanwhile, and its links with it
        raise LinkUnusable("onbekend") from exc
    _redeem(verzoek)
    return klant


def _redeem(verzoek: Bevestigingsverzoek) -> None:
    updated = Bevestigingsverzoek.objects.filter(pk=verzoek.pk, gebruikt_op__isnull=True).update(
        gebruikt_op=timezone.now()
    )
    if updated != 1:
        raise LinkUnusable("gebruikt")


def pseudoniem(identiteit: rules.Identiteit) -> str:
    """A keyed, non-reversible pseudonym of a subject key, for logs of klantbeeld requests."""
    from django.utils.crypto import salted_hmac

    value = f"{identiteit.type}:{identiteit.identificatie}"
    return salted_hmac("klanten.klantbeeld", value, algorithm="sha256").hexdigest()
