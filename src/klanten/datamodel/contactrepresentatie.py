"""The JSON representations of the Contactmomenten API, built from flat database rows.

As for klanten (``representation``): reads select one flat row per resource with
``values_list`` and turn it into the standard's shape with plain indexing; writes read their
row back the same way, so there is one representation (the API's answers, the audit trail and
the notifications). Keys are camelCase already and every key of the standard is always
present. URLs are absolute: :class:`Basis` holds the collection URLs of a request (or of
``SITE_DOMAIN`` where there is none).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from urllib.parse import urlsplit

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import (
    Case,
    CharField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import JSONObject
from django.urls import reverse
from django.utils.timezone import localtime

from .klantcontacten import (
    CONTACTMOMENT_ROL_VOOR_ROL,
    IS_KLANTCONTACTMOMENT,
    ActorKlantcontact,
    Betrokkene,
    Klantcontact,
    Onderwerpobject,
    SoortActor,
)


@dataclass(frozen=True)
class Basis:
    """The absolute collection URLs (ending in a slash) of one request."""

    contactmomenten: str
    klantcontactmomenten: str
    objectcontactmomenten: str
    klanten: str

    @classmethod
    def voor(cls, request) -> Basis:
        """The URLs of the host ``request`` was addressed to."""
        parts = urlsplit(request.build_absolute_uri("/"))
        return cls.op(f"{parts.scheme}://{parts.netloc}")

    @classmethod
    def op(cls, origin: str) -> Basis:
        """The URLs under ``origin`` (``scheme://host``)."""

        def url(name: str) -> str:
            return f"{origin}{reverse(name)}/"

        return cls(
            contactmomenten=url("contactmoment-list"),
            klantcontactmomenten=url("klantcontactmoment-list"),
            objectcontactmomenten=url("objectcontactmoment-list"),
            klanten=url("klant-list"),
        )

    @classmethod
    def van_herkomst(cls, herkomst) -> Basis:
        """The URLs of the host of a write's :class:`~.wijzigingen.Herkomst` (its klanten
        collection URL: the request's host, or ``SITE_DOMAIN`` without a request)."""
        parts = urlsplit(herkomst.basis_url)
        return cls.op(f"{parts.scheme}://{parts.netloc}")


def datetime_data(value) -> str | None:
    """A date-time as DRF renders it: in the current time zone, ``Z`` for UTC."""
    if value is None:
        return None
    local = localtime(value)
    if local.utcoffset().total_seconds() % 60:
        # a local mean time of the distant past (Amsterdam +00:19:32) is no RFC 3339 offset
        # (found by fuzzing): UTC instead
        local = value.astimezone(UTC)
    text = local.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


# --- contactmoment ----------------------------------------------------------------------------


def medewerker(klantcontact_ref: str = "pk") -> Subquery:
    """The medewerkerIdentificatie of the klantcontact ``OuterRef(klantcontact_ref)``: its first
    link to an actor of soort medewerker, as one JSON value (or NULL)."""
    return Subquery(
        ActorKlantcontact.objects.filter(
            klantcontact=OuterRef(klantcontact_ref), actor__soort_actor=SoortActor.medewerker
        )
        .order_by("id")
        .values(
            json=JSONObject(
                identificatie="actor__object_id",
                achternaam="actor__achternaam",
                voorletters="actor__voorletters",
                voorvoegselAchternaam="actor__voorvoegsel_achternaam",
            )
        )[:1]
    )


MEDEWERKER = medewerker()

# one flat row per contactmoment (the medewerker as one JSON column)
CONTACTMOMENT_KOLOMMEN = (
    "uuid",  # 0
    "vorig_klantcontact__uuid",
    "volgend_klantcontact__uuid",
    "bronorganisatie",
    "plaatsgevonden_op",
    "kanaal",  # 5
    "voorkeurskanaal",
    "taal",
    "inhoud",
    "onderwerp_links",
    "initiatiefnemer",  # 10
    "medewerker_url",
    "medewerker",
)


def contactmomenten(queryset: QuerySet | None = None) -> QuerySet:
    """The representation rows of a klantcontact queryset (its filters and order kept)."""
    if queryset is None:
        queryset = Klantcontact.objects.all()
    return queryset.annotate(medewerker=MEDEWERKER).values_list(*CONTACTMOMENT_KOLOMMEN)


def contactmoment_data(row, basis: Basis) -> dict:
    base = basis.contactmomenten
    return {
        "url": f"{base}{row[0]}",
        "vorigContactmoment": f"{base}{row[1]}" if row[1] else None,
        "volgendContactmoment": f"{base}{row[2]}" if row[2] else None,
        "bronorganisatie": row[3],
        "registratiedatum": datetime_data(row[4]),
        "kanaal": row[5],
        "voorkeurskanaal": row[6],
        "voorkeurstaal": row[7],
        "tekst": row[8],
        "onderwerpLinks": list(row[9]),
        "initiatiefnemer": row[10],
        "medewerker": row[11],
        "medewerkerIdentificatie": row[12],
    }


def unique_representation(data: dict) -> str:
    """``resourceWeergave`` of a contactmoment in the audit trail, as the reference
    implementation writes it: bronorganisatie, the last segment of the medewerker URL, when
    and through which kanaal."""
    medewerker = (data["medewerker"] or "").rstrip("/").rsplit("/", 1)[-1]
    return (
        f"{data['bronorganisatie']} {medewerker} at {data['registratiedatum']} via {data['kanaal']}"
    )[:200]


# --- klantcontactmoment -----------------------------------------------------------------------

# the Contactmomenten role: stored, or derived from the Klantinteracties role
CONTACTMOMENT_ROL = Case(
    When(~Q(klantcontactmoment_rol=""), then=F("klantcontactmoment_rol")),
    *(When(rol=rol, then=Value(cm)) for rol, cm in CONTACTMOMENT_ROL_VOOR_ROL.items()),
    default=Value(""),
    output_field=CharField(),
)
KLANTCONTACTMOMENT_KOLOMMEN = ("uuid", "klantcontact__uuid", "klant__uuid", "klant_url", "cm_rol")


def klantcontactmomenten(queryset: QuerySet | None = None) -> QuerySet:
    """Betrokkenen that are klantcontactmomenten (with a klant here or elsewhere), as rows."""
    if queryset is None:
        queryset = Betrokkene.objects.all()
    return (
        queryset.filter(IS_KLANTCONTACTMOMENT)
        .annotate(cm_rol=CONTACTMOMENT_ROL)
        .values_list(*KLANTCONTACTMOMENT_KOLOMMEN)
    )


def klantcontactmomenten_met_contact(queryset: QuerySet) -> QuerySet:
    """:func:`klantcontactmomenten` rows preceded by their klantcontact's id."""
    return (
        queryset.filter(IS_KLANTCONTACTMOMENT)
        .annotate(cm_rol=CONTACTMOMENT_ROL)
        .values_list("klantcontact_id", *KLANTCONTACTMOMENT_KOLOMMEN)
    )


def klant_url(klant_uuid, klant_url_elders: str, basis: Basis) -> str:
    return f"{basis.klanten}{klant_uuid}" if klant_uuid else klant_url_elders


def klantcontactmoment_data(row, basis: Basis) -> dict:
    return {
        "url": f"{basis.klantcontactmomenten}{row[0]}",
        "contactmoment": f"{basis.contactmomenten}{row[1]}",
        "klant": klant_url(row[2], row[3], basis),
        "rol": row[4],
    }


# --- objectcontactmoment ----------------------------------------------------------------------

IS_OBJECTCONTACTMOMENT = Q(klantcontact__isnull=False) & ~Q(object_url="")
OBJECTCONTACTMOMENT_KOLOMMEN = ("uuid", "klantcontact__uuid", "object_url", "object_type")


def objectcontactmomenten(queryset: QuerySet | None = None) -> QuerySet:
    """Onderwerpobjecten that are objectcontactmomenten (an object URL), as rows."""
    if queryset is None:
        queryset = Onderwerpobject.objects.all()
    return queryset.filter(IS_OBJECTCONTACTMOMENT).values_list(*OBJECTCONTACTMOMENT_KOLOMMEN)


def objectcontactmoment_data(row, basis: Basis) -> dict:
    return {
        "url": f"{basis.objectcontactmomenten}{row[0]}",
        "contactmoment": f"{basis.contactmomenten}{row[1]}",
        "object": row[2],
        "objectType": row[3],
    }


# --- the contactmomenten in a klantbeeld ---------------------------------------------------------


def objecten(klantcontact_ref: str) -> ArraySubquery:
    """The objectcontactmomenten (object URL and type) of a klantcontact, as a JSON array."""
    return ArraySubquery(
        Onderwerpobject.objects.filter(klantcontact=OuterRef(klantcontact_ref))
        .exclude(object_url="")
        .order_by("id")
        .values(json=JSONObject(object="object_url", objectType="object_type"))
    )


def klantbeeld_contactmoment_rijen(klant_filter) -> QuerySet:
    """The rows of :func:`klantbeeld_contactmomenten`: per betrokkene of the klanten that
    ``klant_filter`` selects (a condition on ``Betrokkene``), its klant id, Contactmomenten
    role, objecten and the contactmoment's columns; per klant newest first."""
    kolommen = [f"klantcontact__{kolom}" for kolom in CONTACTMOMENT_KOLOMMEN[:-1]]
    return (
        Betrokkene.objects.filter(klant_filter)
        .annotate(
            cm_rol=CONTACTMOMENT_ROL,
            cm_medewerker=medewerker("klantcontact_id"),
            cm_objecten=objecten("klantcontact_id"),
        )
        .order_by("klant_id", "-klantcontact__plaatsgevonden_op", "-klantcontact_id", "id")
        .values_list("klant_id", "cm_rol", "cm_objecten", *kolommen, "cm_medewerker")
    )


def klantbeeld_contactmomenten(klant_ids, basis: Basis, rows=None) -> dict[int, list[dict]]:
    """Per klant id the contactmomenten it took part in, newest first, each the ContactMoment
    representation with the klant's ``rollen`` in it and its ``objecten`` (the
    objectcontactmomenten: a zaak), in one query (``rows``: that query's rows, when the caller
    read them itself, see :func:`klantbeeld_contactmoment_rijen`)."""
    per_klant: dict[int, list[dict]] = {pk: [] for pk in klant_ids}
    if not per_klant:
        return per_klant
    if rows is None:
        rows = klantbeeld_contactmoment_rijen(Q(klant_id__in=per_klant))
    gezien: dict[tuple, dict] = {}
    for klant_id, rol, gekoppeld, *row in rows:
        key = (klant_id, row[0])
        entry = gezien.get(key)
        if entry is None:
            entry = {**contactmoment_data(row, basis), "rollen": [], "objecten": gekoppeld}
            gezien[key] = entry
            per_klant[klant_id].append(entry)
        if rol and rol not in entry["rollen"]:
            entry["rollen"].append(rol)
    return per_klant
