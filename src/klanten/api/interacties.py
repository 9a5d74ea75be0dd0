"""E2: the interactions of klanten, read in one query (the design's one store, K3).

The interactions of a klant are its ``Interactie`` rows (a verzoek, a zaak, a contactmoment in
another Contactmomenten API, by URL) and its part in the contactmomenten of this service (its
betrokkenen: the Contactmomenten API's klantcontactmomenten with this klant). Both read as
the same E2 resource: a betrokkene is an interaction of soort ``contactmoment`` whose
``objectUrl`` is the contactmoment's URL and whose ``rol`` is its Contactmomenten role.
"""

from django.db.models import IntegerField, UUIDField, Value

from klanten.datamodel.klantcontacten import Betrokkene
from klanten.datamodel.models import Interactie

from . import readsql
from .request_context import absolute_url

# (klant_id, kind, id, uuid, soort, url, rol, vernietigingsdatum, klantcontact uuid);
# kind 0: an Interactie, 1: a betrokkene
_INTERACTIE = 0
_BETROKKENE = 1


def contactmomenten_url(request) -> str:
    """The absolute URL of the Contactmomenten API's contactmomenten, ending in a slash."""
    return absolute_url(request, "contactmoment-list")


def _rijen_queryset(per_klant):
    """The union of a klant's Interactie rows and its betrokkenen, oldest first;
    ``per_klant(field)``: the condition on their klant ids (see readsql.orm_rows_per_klant)."""
    from klanten.datamodel.contactrepresentatie import CONTACTMOMENT_ROL

    interacties = (
        Interactie.objects.filter(per_klant("klant_id"))
        .annotate(
            kind=Value(_INTERACTIE, output_field=IntegerField()),
            klantcontact_uuid=Value(None, output_field=UUIDField()),
        )
        .values_list(
            "klant_id",
            "kind",
            "id",
            "uuid",
            "soort",
            "url",
            "rol",
            "vernietigingsdatum",
            "aangemaakt_op",
            "klantcontact_uuid",
        )
    )
    betrokkenheden = (
        Betrokkene.objects.filter(per_klant("klant_id"))
        .annotate(
            kind=Value(_BETROKKENE, output_field=IntegerField()),
            soort=Value("contactmoment"),
            url=Value(""),
            cm_rol=CONTACTMOMENT_ROL,
        )
        .values_list(
            "klant_id",
            "kind",
            "id",
            "uuid",
            "soort",
            "url",
            "cm_rol",
            "vernietigingsdatum",
            "aangemaakt_op",
            "klantcontact__uuid",
        )
    )
    return interacties.union(betrokkenheden, all=True).order_by("aangemaakt_op", "kind", "id")


def rijen(klant_ids) -> dict[int, list[tuple]]:
    """Per klant id its interaction rows, oldest first, in one query (compiled once)."""
    per_klant: dict[int, list[tuple]] = {pk: [] for pk in klant_ids}
    if not per_klant:
        return per_klant
    found = readsql.orm_rows_per_klant("interacties", _rijen_queryset, list(per_klant))
    for row in found:
        per_klant[row[0]].append(row)
    return per_klant


def data(row, klant_url: str, contactmomenten: str) -> dict:
    """The E2 representation of an interaction row (``contactmomenten``: see
    :func:`contactmomenten_url`)."""
    datum = row[7]
    return {
        "url": f"{klant_url}/interacties/{row[3]}",
        "klant": klant_url,
        "soort": row[4],
        "objectUrl": row[5] if row[1] == _INTERACTIE else f"{contactmomenten}{row[9]}",
        "rol": row[6],
        "vernietigingsdatum": datum.isoformat() if datum else None,
    }


def van_klant(klant, klant_url: str, request) -> list[dict]:
    base = contactmomenten_url(request)
    return [data(row, klant_url, base) for row in rijen([klant.pk])[klant.pk]]
