"""The klantcontact resources and their expand paths, registered with the one expand engine
(``klantinteracties.expand``).

Every resource is represented from one flat row (``datamodel.kicontactrepresentatie``); a
resource's ``laad`` reads the rows of all objects of a page in one query, and a path's ``volg``
reads the children's rows for all parents in one query (children come back as :class:`Rij`
objects that already hold their row), so a list page costs a constant number of queries
whatever is expanded.

Paths (Open Klant 0.9.0): on klantcontact ``hadBetrokkenen``, ``hadBetrokkenen.wasPartij``,
``hadBetrokkenen.digitaleAdressen``, ``gingOverOnderwerpobjecten``, ``leiddeTotInterneTaken``,
``omvatteBijlagen`` (always ``[]``: K11); on the partij side ``betrokkenen``,
``betrokkenen.hadKlantcontact`` (partijen) and ``verstrektDoorBetrokkene`` (digitaleadressen,
with ``.hadKlantcontact`` and ``.hadKlantcontact.leiddeTotInterneTaken``).
"""

from __future__ import annotations

from klanten.api import readsql
from klanten.datamodel.kicontactrepresentatie import (
    ACTOR_KOLOMMEN,
    ACTORKLANTCONTACT_KOLOMMEN,
    BETROKKENE_KOLOMMEN,
    INTERNETAAK_KOLOMMEN,
    KLANTCONTACT_KOLOMMEN,
    ONDERWERPOBJECT_KOLOMMEN,
    KiBasis,
    actor_data,
    actoren,
    actorklantcontact_data,
    actorklantcontacten,
    betrokkene_data,
    betrokkenen,
    internetaak_data,
    internetaken,
    klantcontact_data,
    klantcontacten,
    onderwerpobject_data,
    onderwerpobjecten,
)
from klanten.datamodel.klantcontacten import (
    Actor,
    ActorKlantcontact,
    Betrokkene,
    InterneTaak,
    Klantcontact,
    Onderwerpobject,
)
from klanten.klantinteracties import expand

from .query import zichtbare_betrokkenen, zichtbare_partij_ids

# the names of the partij side's resources in the registry
PARTIJ = "partij"
DIGITAAL_ADRES = "digitaaladres"


class Rij:
    """An object of a resource known by its representation row (a child of an expand)."""

    __slots__ = ("_ki_row", "_ki_zichtbaar", "pk")

    def __init__(self, pk: int, row):
        self.pk = pk
        self._ki_row = row
        self._ki_zichtbaar = None


def lees_klantcontact(key):
    """The klantcontact ``key`` (every client with the scope may read any, as before) as the
    object of its representation row (``klantcontacten()``, with its references), or None:
    one prepared statement (``readsql.orm_rows``), where ``object_of_404`` and the
    resource's ``laad`` were two."""
    rows = readsql.orm_rows(
        ("ki-klantcontact", ("__uuid",)),
        lambda marks: klantcontacten(Klantcontact.objects.filter(uuid=marks["__uuid"])).order_by(
            "pk"
        )[:1],
        {"__uuid": key},
    )
    return Rij(rows[0][KLANTCONTACT_ID], rows[0]) if rows else None


def basis(ctx) -> KiBasis:
    return KiBasis(ctx.basis)


def _laad(model, rows, id_index: int):
    """``laad`` of a resource: the rows of the objects that have none yet, in one query."""

    def laad(objecten, ctx) -> None:
        zonder = [obj for obj in objecten if getattr(obj, "_ki_row", None) is None]
        if not zonder:
            return
        per_id = {
            row[id_index]: row
            for row in rows(model.objects.filter(pk__in=[obj.pk for obj in zonder]))
        }
        for obj in zonder:
            obj._ki_row = per_id[obj.pk]

    return laad


def _weergave(data):
    def weergave(obj, ctx) -> dict:
        return data(obj._ki_row, basis(ctx))

    return weergave


# --- betrokkene: its wasPartij only when the client may see that partij ----------------------

# the positions of ids in the representation rows (``kicontactrepresentatie``'s columns)
BETROKKENE_ID = BETROKKENE_KOLOMMEN.index("id")
BETROKKENE_KLANT = BETROKKENE_KOLOMMEN.index("klant_id")
BETROKKENE_KLANTCONTACT = BETROKKENE_KOLOMMEN.index("klantcontact_id")
KLANTCONTACT_ID = KLANTCONTACT_KOLOMMEN.index("id")
ONDERWERPOBJECT_ID = ONDERWERPOBJECT_KOLOMMEN.index("id")
ONDERWERPOBJECT_KLANTCONTACT = ONDERWERPOBJECT_KOLOMMEN.index("klantcontact_id")
ACTOR_ID = ACTOR_KOLOMMEN.index("id")
INTERNETAAK_ID = INTERNETAAK_KOLOMMEN.index("id")
INTERNETAAK_KLANTCONTACT = INTERNETAAK_KOLOMMEN.index("aanleidinggevend_klantcontact_id")
ACTORKLANTCONTACT_ID = ACTORKLANTCONTACT_KOLOMMEN.index("id")


def _zet_zichtbaar(objecten, ctx) -> None:
    """Which partijen of these betrokkenen the client sees (one query for all)."""
    open_ = [obj for obj in objecten if getattr(obj, "_ki_zichtbaar", None) is None]
    if not open_:
        return
    zichtbaar = zichtbare_partij_ids(ctx, [obj._ki_row[BETROKKENE_KLANT] for obj in open_])
    for obj in open_:
        obj._ki_zichtbaar = _Alles if zichtbaar is None else zichtbaar


class _AllesType:
    def __contains__(self, item) -> bool:
        return True


_Alles = _AllesType()

_laad_betrokkenen_rijen = _laad(Betrokkene, betrokkenen, BETROKKENE_ID)


def laad_betrokkenen(objecten, ctx) -> None:
    _laad_betrokkenen_rijen(objecten, ctx)
    _zet_zichtbaar(objecten, ctx)


def betrokkene_weergave(obj, ctx) -> dict:
    return betrokkene_data(obj._ki_row, basis(ctx), obj._ki_zichtbaar)


def _partij_zichtbaar(obj) -> bool:
    klant_id = obj._ki_row[BETROKKENE_KLANT]
    return klant_id is not None and klant_id in obj._ki_zichtbaar


# --- paths -------------------------------------------------------------------------------------


def per_ids(naam: str, build, ids, ctx, instanties: bool = False) -> list:
    """The rows (``instanties``: the model instances) of the query ``build(per_id, wie)`` of a
    path's loader, in a prepared statement compiled once per visibility shape
    (``readsql.orm_per_ids``: one parent ``column = $1``, more one array parameter, where
    ``column__in`` was a shape per length): ``per_id(column)`` is the condition on the
    parents' ids, and ``wie`` a context that asks as ``ctx`` does, with a mark for its
    applicatie. The loaders read by ``__in`` through the ORM before: compiled and planned on
    every request."""
    from klanten.klantinteracties import leesvormen

    modus = leesvormen.vraagmodus(ctx)
    return readsql.orm_per_ids(
        (naam, (leesvormen.marknamen(modus)[1],), modus),
        lambda per_id, marks: build(per_id, leesvormen.vragende(marks, modus)),
        ids,
        {"__applicatie": ctx.applicatie_uuid},
        instanties=instanties,
    )


def _rijen(rows, id_index: int, ouder_index: int) -> dict[int, list[Rij]]:
    per: dict[int, list[Rij]] = {}
    for row in rows:
        per.setdefault(row[ouder_index], []).append(Rij(row[id_index], row))
    return per


def _per_klantcontact(naam: str, veld: str, lees, kolommen):
    """The loader of a path from a klantcontact to its rows: per klantcontact of ``objecten``
    the rows whose ``veld`` is its id, read by ``lees(condition, wie)`` (:func:`per_ids`) in
    ``veld`` and id order; ``kolommen`` the positions of a row's own id and its klantcontact."""

    def volg(objecten, ctx) -> dict[int, list[Rij]]:
        rows = per_ids(
            naam,
            lambda per_id, wie: lees(per_id(veld), wie).order_by(veld, "id"),
            [obj.pk for obj in objecten],
            ctx,
        )
        return _rijen(rows, *kolommen)

    return volg


# per klantcontact its betrokkenen the client may see (K6), its onderwerpobjecten, and the
# interne taken it led to
had_betrokkenen = _per_klantcontact(
    "ki-had-betrokkenen",
    "klantcontact_id",
    lambda conditie, wie: betrokkenen(
        zichtbare_betrokkenen(Betrokkene.objects.filter(conditie), wie)
    ),
    (BETROKKENE_ID, BETROKKENE_KLANTCONTACT),
)
ging_over_onderwerpobjecten = _per_klantcontact(
    "ki-ging-over-onderwerpobjecten",
    "klantcontact_id",
    lambda conditie, wie: onderwerpobjecten(Onderwerpobject.objects.filter(conditie)),
    (ONDERWERPOBJECT_ID, ONDERWERPOBJECT_KLANTCONTACT),
)
leidde_tot_interne_taken = _per_klantcontact(
    "ki-leidde-tot-interne-taken",
    "aanleidinggevend_klantcontact_id",
    lambda conditie, wie: internetaken(InterneTaak.objects.filter(conditie)),
    (INTERNETAAK_ID, INTERNETAAK_KLANTCONTACT),
)


def omvatte_bijlagen(objecten, ctx):
    """K11: bijlagen are not served; the relation is always empty."""
    return {}


def was_partij(objecten, ctx):
    """Per betrokkene its partij (a klant), when the client may see it: the partijen read
    with their one-to-one rows (one prepared statement, ``per_ids``) and their other rows
    (``leesvormen.laad_partijen``: one prepared statement per relation, as Django's prefetch
    was one query per relation), so that the resource's ``laad`` reads nothing more."""
    from klanten.datamodel.partijrepresentatie import partij_queryset
    from klanten.klantinteracties import leesvormen

    laad_betrokkenen(objecten, ctx)
    klant_ids = {obj._ki_row[BETROKKENE_KLANT] for obj in objecten if _partij_zichtbaar(obj)}
    if not klant_ids:
        return {}
    gelezen = per_ids(
        "ki-was-partij",
        lambda per_id, wie: partij_queryset().filter(per_id("id")),
        sorted(klant_ids),
        ctx,
        instanties=True,
    )
    leesvormen.laad_partijen(gelezen)
    klanten = {klant.pk: klant for klant in gelezen}
    return {
        obj.pk: klanten.get(obj._ki_row[BETROKKENE_KLANT])
        for obj in objecten
        if _partij_zichtbaar(obj)
    }


def digitale_adressen_van_betrokkenen(objecten, ctx):
    from klanten.datamodel.partijrepresentatie import adressen_queryset

    per: dict[int, list] = {}
    for adres in adressen_queryset().filter(betrokkene_id__in=[obj.pk for obj in objecten]):
        per.setdefault(adres.betrokkene_id, []).append(adres)
    return per


def had_klantcontact(objecten, ctx):
    laad_betrokkenen(objecten, ctx)
    ids = {obj._ki_row[BETROKKENE_KLANTCONTACT] for obj in objecten}
    rows = {
        row[KLANTCONTACT_ID]: row for row in klantcontacten(Klantcontact.objects.filter(pk__in=ids))
    }
    return {
        obj.pk: Rij(
            obj._ki_row[BETROKKENE_KLANTCONTACT], rows[obj._ki_row[BETROKKENE_KLANTCONTACT]]
        )
        for obj in objecten
    }


def betrokkenen_van_partijen(objecten, ctx):
    """Per partij (a visible klant) its betrokkenen."""
    queryset = zichtbare_betrokkenen(
        Betrokkene.objects.filter(klant_id__in=[obj.pk for obj in objecten]), ctx
    ).order_by("klant_id", "-id")
    return _rijen(betrokkenen(queryset), BETROKKENE_ID, BETROKKENE_KLANT)


def verstrekt_door_betrokkene(objecten, ctx):
    """Per digitaal adres the betrokkene that gave it, when the client may see it (K6/K7)."""
    ids = {obj.betrokkene_id for obj in objecten if obj.betrokkene_id is not None}
    if not ids:
        return {}
    rows = {
        row[BETROKKENE_ID]: row
        for row in betrokkenen(zichtbare_betrokkenen(Betrokkene.objects.filter(pk__in=ids), ctx))
    }
    gedeeld: dict[int, Rij] = {pk: Rij(pk, row) for pk, row in rows.items()}
    return {obj.pk: gedeeld.get(obj.betrokkene_id) for obj in objecten}


def _kopie(naam: str, van: str) -> None:
    """Register resource ``naam`` as the same representation as ``van``, without its expand
    paths: a leaf of an expand (so each root offers exactly Open Klant's paths)."""
    bron = expand._RESOURCES[van]
    expand.registreer_resource(naam, weergave=bron.weergave, laad=bron.laad)


def registreer() -> None:
    """The resources and paths of this side. Each path leads to a resource of its own, so a
    root offers exactly Open Klant's expand paths (no cycles, nothing deeper: an address
    search, K7, can never reach a partij's data through ``verstrektDoorBetrokkene``)."""
    from klanten.klantinteracties import partijen  # noqa: F401  (registers partij, digitaaladres)

    klantcontact = {
        "weergave": _weergave(klantcontact_data),
        "laad": _laad(Klantcontact, klantcontacten, KLANTCONTACT_ID),
    }
    expand.registreer_resource("klantcontact", **klantcontact)
    for naam in ("klantcontact-van-betrokkene", "klantcontact-van-adres"):
        expand.registreer_resource(naam, **klantcontact)
    for naam in (
        "betrokkene",
        "betrokkene-bij-klantcontact",
        "betrokkene-van-partij",
        "betrokkene-van-adres",
    ):
        expand.registreer_resource(naam, weergave=betrokkene_weergave, laad=laad_betrokkenen)
    expand.registreer_resource(
        "onderwerpobject",
        weergave=_weergave(onderwerpobject_data),
        laad=_laad(Onderwerpobject, onderwerpobjecten, ONDERWERPOBJECT_ID),
    )
    expand.registreer_resource(
        "internetaak",
        weergave=_weergave(internetaak_data),
        laad=_laad(InterneTaak, internetaken, INTERNETAAK_ID),
    )
    expand.registreer_resource(
        "actor", weergave=_weergave(actor_data), laad=_laad(Actor, actoren, ACTOR_ID)
    )
    expand.registreer_resource(
        "actorklantcontact",
        weergave=_weergave(actorklantcontact_data),
        laad=_laad(ActorKlantcontact, actorklantcontacten, ACTORKLANTCONTACT_ID),
    )
    expand.registreer_resource("bijlage", weergave=lambda obj, ctx: {})
    _kopie("partij-van-betrokkene", PARTIJ)
    _kopie("digitaaladres-van-betrokkene", DIGITAAL_ADRES)

    # klantcontacten: hadBetrokkenen(.wasPartij, .digitaleAdressen), gingOverOnderwerpobjecten,
    # leiddeTotInterneTaken, omvatteBijlagen
    pad = expand.registreer_pad
    pad("klantcontact", "hadBetrokkenen", doel="betrokkene-bij-klantcontact", volg=had_betrokkenen)
    pad(
        "klantcontact",
        "gingOverOnderwerpobjecten",
        doel="onderwerpobject",
        volg=ging_over_onderwerpobjecten,
    )
    pad("klantcontact", "leiddeTotInterneTaken", doel="internetaak", volg=leidde_tot_interne_taken)
    pad("klantcontact", "omvatteBijlagen", doel="bijlage", volg=omvatte_bijlagen)
    pad(
        "betrokkene-bij-klantcontact",
        "wasPartij",
        doel="partij-van-betrokkene",
        volg=was_partij,
        veel=False,
    )
    pad(
        "betrokkene-bij-klantcontact",
        "digitaleAdressen",
        doel="digitaaladres-van-betrokkene",
        volg=digitale_adressen_van_betrokkenen,
    )
    # betrokkenen: digitaleAdressen
    pad(
        "betrokkene",
        "digitaleAdressen",
        doel="digitaaladres-van-betrokkene",
        volg=digitale_adressen_van_betrokkenen,
    )
    # partijen: betrokkenen(.hadKlantcontact)
    pad(PARTIJ, "betrokkenen", doel="betrokkene-van-partij", volg=betrokkenen_van_partijen)
    pad(
        "betrokkene-van-partij",
        "hadKlantcontact",
        doel="klantcontact-van-betrokkene",
        volg=had_klantcontact,
        veel=False,
    )
    # partijen' digitaleAdressen lead to a leaf: the paths below are the root /digitaleadressen's
    # only (Open Klant's enum on partijen has no digitaleAdressen.verstrektDoorBetrokkene)
    partij_adressen = expand._PADEN.get(PARTIJ, {}).get("digitaleAdressen")
    if partij_adressen is not None and partij_adressen.doel == DIGITAAL_ADRES:
        pad(
            PARTIJ,
            "digitaleAdressen",
            doel="digitaaladres-van-betrokkene",
            volg=partij_adressen.volg,
            veel=partij_adressen.veel,
        )
    # digitaleadressen: verstrektDoorBetrokkene(.hadKlantcontact(.leiddeTotInterneTaken))
    pad(
        DIGITAAL_ADRES,
        "verstrektDoorBetrokkene",
        doel="betrokkene-van-adres",
        volg=verstrekt_door_betrokkene,
        veel=False,
    )
    pad(
        "betrokkene-van-adres",
        "hadKlantcontact",
        doel="klantcontact-van-adres",
        volg=had_klantcontact,
        veel=False,
    )
    pad(
        "klantcontact-van-adres",
        "leiddeTotInterneTaken",
        doel="internetaak",
        volg=leidde_tot_interne_taken,
    )
