"""The Klantinteracties representations (Open Klant 0.9.0 wire) of klantcontacten,
betrokkenen, onderwerpobjecten, actoren, actorklantcontacten and interne taken.

As for the other APIs (``representation``, ``contactrepresentatie``): reads select flat rows
(``values_list``) with their references as arrays in the same query, and turn them into the
wire shape with plain indexing; writes read their row back the same way, so the answer, the
audit trail and the notification are one representation. Every loader takes a queryset (its
filters and order kept) and answers one query for any number of rows, so a list page costs
the same number of queries whatever it holds (the expand engine adds one query per expanded
relation).

URLs are absolute: :class:`KiBasis` is the API root of a request (or of ``SITE_DOMAIN``).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, QuerySet
from django.db.models.functions import JSONObject

from .contactrepresentatie import datetime_data
from .klantcontacten import (
    Actor,
    ActorKlantcontact,
    Betrokkene,
    InterneTaak,
    Klantcontact,
    Onderwerpobject,
)

API_PATH = "/klantinteracties/api/v1/"


@dataclass(frozen=True)
class KiBasis:
    """The absolute root of the Klantinteracties API (ending in a slash)."""

    root: str

    @classmethod
    def voor(cls, request) -> KiBasis:
        parts = urlsplit(request.build_absolute_uri("/"))
        return cls(f"{parts.scheme}://{parts.netloc}{API_PATH}")

    @classmethod
    def van_herkomst(cls, herkomst) -> KiBasis:
        """The root on the host of a write's ``Herkomst`` (its request, or ``SITE_DOMAIN``)."""
        parts = urlsplit(herkomst.basis_url)
        return cls(f"{parts.scheme}://{parts.netloc}{API_PATH}")

    def url(self, collectie: str, uuid) -> str:
        return f"{self.root}{collectie}/{uuid}"

    def ref(self, collectie: str, uuid) -> dict | None:
        """A reference ``{uuid, url}`` (None for no row); the uuid made text once."""
        if uuid is None:
            return None
        tekst = str(uuid)
        return {"uuid": tekst, "url": f"{self.root}{collectie}/{tekst}"}

    def refs(self, collectie: str, uuids) -> list[dict]:
        """:meth:`ref` of each of ``uuids``, without a call per reference (a list page has
        hundreds)."""
        if not uuids:
            return []
        begin = f"{self.root}{collectie}/"
        return [
            None if uuid is None else {"uuid": (tekst := str(uuid)), "url": begin + tekst}
            for uuid in uuids
        ]


def _uuids(model, fk: str, ref: str = "pk", order=("id",)) -> ArraySubquery:
    """The uuids of the ``model`` rows whose ``fk`` is ``OuterRef(ref)``, in id order."""
    return ArraySubquery(
        model.objects.filter(**{fk: OuterRef(ref)}).order_by(*order).values("uuid")
    )


# --- actor ------------------------------------------------------------------------------------

ACTOR_KOLOMMEN = (
    "uuid",  # 0
    "naam",
    "soort_actor",
    "indicatie_actief",
    "object_id",
    "code_objecttype",  # 5
    "code_register",
    "code_soort_object_id",
    "actor_identificatie",
    "id",
)
# the same columns as one JSON value (an actor inside a klantcontact's hadBetrokkenActoren)
ACTOR_JSON = {
    "uuid": "actor__uuid",
    "naam": "actor__naam",
    "soort_actor": "actor__soort_actor",
    "indicatie_actief": "actor__indicatie_actief",
    "object_id": "actor__object_id",
    "code_objecttype": "actor__code_objecttype",
    "code_register": "actor__code_register",
    "code_soort_object_id": "actor__code_soort_object_id",
    "actor_identificatie": "actor__actor_identificatie",
}


def actoren(queryset: QuerySet | None = None) -> QuerySet:
    if queryset is None:
        queryset = Actor.objects.all()
    return queryset.values_list(*ACTOR_KOLOMMEN)


def actoridentificator(object_id, code_objecttype, code_register, code_soort) -> dict | None:
    if not (object_id or code_objecttype or code_register or code_soort):
        return None
    return {
        "objectId": object_id,
        "codeObjecttype": code_objecttype,
        "codeRegister": code_register,
        "codeSoortObjectId": code_soort,
    }


def actor_data(row, basis: KiBasis) -> dict:
    data = {
        "uuid": str(row[0]),
        "url": basis.url("actoren", row[0]),
        "naam": row[1],
        "soortActor": row[2],
        "indicatieActief": row[3],
        "actoridentificator": actoridentificator(row[4], row[5], row[6], row[7]),
    }
    if row[8] is not None:
        data["actorIdentificatie"] = row[8]
    return data


def actor_json_uit(actor: Actor) -> dict:
    """An actor as :data:`ACTOR_JSON` reads it, from the instance."""
    return {
        "uuid": str(actor.uuid),
        "naam": actor.naam,
        "soort_actor": actor.soort_actor,
        "indicatie_actief": actor.indicatie_actief,
        "object_id": actor.object_id,
        "code_objecttype": actor.code_objecttype,
        "code_register": actor.code_register,
        "code_soort_object_id": actor.code_soort_object_id,
        "actor_identificatie": actor.actor_identificatie,
    }


def actor_json_data(value: dict, basis: KiBasis) -> dict:
    return actor_data([value[k] for k in ACTOR_JSON] + [None], basis)


# --- klantcontact -----------------------------------------------------------------------------

KLANTCONTACT_KOLOMMEN = (
    "uuid",  # 0
    "nummer",
    "referentienummer",
    "kanaal",
    "onderwerp",
    "inhoud",  # 5
    "reactie",
    "indicatie_contact_gelukt",
    "hoofd_onderwerp_type",
    "verdere_actie_ondernomen",
    "taal",  # 10
    "vertrouwelijk",
    "plaatsgevonden_op",
    "metadata",
    "ki_betrokkenen",
    "ki_onderwerpobjecten",  # 15
    "ki_internetaken",
    "ki_actoren",
    "id",
)


def klantcontacten(queryset: QuerySet | None = None) -> QuerySet:
    """The representation rows of a klantcontact queryset (its references in the same
    query)."""
    if queryset is None:
        queryset = Klantcontact.objects.all()
    return queryset.annotate(**klantcontact_referenties()).values_list(*KLANTCONTACT_KOLOMMEN)


# what :func:`klanten_contacten` adds to a klantcontact's own columns (its references)
KLANTCONTACT_REFERENTIES = (
    "ki_betrokkenen",
    "ki_onderwerpobjecten",
    "ki_internetaken",
    "ki_actoren",
)


def klantcontact_referenties() -> dict:
    """The annotations of a klantcontact's references (for a query of the instance)."""
    return {
        "ki_betrokkenen": _uuids(Betrokkene, "klantcontact"),
        "ki_onderwerpobjecten": _uuids(Onderwerpobject, "klantcontact"),
        "ki_internetaken": _uuids(InterneTaak, "aanleidinggevend_klantcontact"),
        "ki_actoren": ArraySubquery(
            ActorKlantcontact.objects.filter(klantcontact=OuterRef("pk"))
            .order_by("id")
            .values(json=JSONObject(**ACTOR_JSON))
        ),
    }


def klantcontact_uit(
    klantcontact: Klantcontact,
    basis: KiBasis,
    *,
    betrokkenen=(),
    onderwerpobjecten=(),
    internetaken=(),
    actoren=(),
) -> dict:
    """The representation of a klantcontact from data in hand: the instance's columns and the
    uuids of its references (``actoren``: :func:`actor_json_uit` values); the same as
    :func:`klantcontact_data` of :func:`klantcontacten` reads."""
    row = (
        *(getattr(klantcontact, kolom) for kolom in KLANTCONTACT_KOLOMMEN[:14]),
        list(betrokkenen),
        list(onderwerpobjecten),
        list(internetaken),
        list(actoren),
        klantcontact.pk,
    )
    return klantcontact_data(row, basis)


def leeg(value) -> str | None:
    """K8: an empty number is no number."""
    return value or None


def klantcontact_data(row, basis: KiBasis) -> dict:
    return {
        "uuid": str(row[0]),
        "url": basis.url("klantcontacten", row[0]),
        "gingOverOnderwerpobjecten": basis.refs("onderwerpobjecten", row[15]),
        "hadBetrokkenActoren": [actor_json_data(a, basis) for a in row[17] or ()],
        "omvatteBijlagen": [],
        "hadBetrokkenen": basis.refs("betrokkenen", row[14]),
        "leiddeTotInterneTaken": basis.refs("internetaken", row[16]),
        "nummer": leeg(row[1]),
        "referentienummer": leeg(row[2]),
        "kanaal": row[3],
        "onderwerp": row[4],
        "inhoud": row[5],
        "reactie": row[6],
        "indicatieContactGelukt": row[7],
        "hoofdOnderwerpType": row[8],
        "verdereActieOndernomen": row[9],
        "taal": row[10],
        "vertrouwelijk": row[11],
        "plaatsgevondenOp": datetime_data(row[12]),
        "metadata": row[13] or {},
    }


# --- betrokkene -------------------------------------------------------------------------------

BETROKKENE_KOLOMMEN = (
    "uuid",  # 0
    "klantcontact__uuid",
    "klant__uuid",
    "ki_adressen",
    "bezoekadres",
    "correspondentieadres",  # 5
    "voorletters",
    "voornaam",
    "voorvoegsel_achternaam",
    "achternaam",
    "rol",  # 10
    "organisatienaam",
    "initiator",
    "id",
    "klant_id",
    "klantcontact_id",  # 15
)


def betrokkenen(queryset: QuerySet | None = None) -> QuerySet:
    from .partijen import DigitaalAdres

    if queryset is None:
        queryset = Betrokkene.objects.all()
    return queryset.annotate(ki_adressen=_uuids(DigitaalAdres, "betrokkene")).values_list(
        *BETROKKENE_KOLOMMEN
    )


ADRES_SLEUTELS = (
    "nummeraanduidingId",
    "straatnaam",
    "huisnummer",
    "huisnummertoevoeging",
    "postcode",
    "stad",
    "adresregel1",
    "adresregel2",
    "adresregel3",
    "land",
)


def adres_data(value: dict | None) -> dict | None:
    """An address group as stored (JSON in the wire's shape), every key present."""
    if value is None:
        return None
    return {key: value.get(key, None if key == "huisnummer" else "") for key in ADRES_SLEUTELS}


def volledige_naam(voorletters, voornaam, voorvoegsel, achternaam) -> str:
    return " ".join(deel for deel in (voornaam or voorletters, voorvoegsel, achternaam) if deel)


def betrokkene_data(row, basis: KiBasis, zichtbare_partijen=None) -> dict:
    """``zichtbare_partijen``: the klant ids the requesting client may see as a partij (V7,
    K6); None: all (the audit trail). A betrokkene whose partij is not visible shows only its
    own snapshot."""
    partij = row[2]
    if partij is not None and zichtbare_partijen is not None and row[14] not in zichtbare_partijen:
        partij = None
    return {
        "uuid": str(row[0]),
        "url": basis.url("betrokkenen", row[0]),
        "wasPartij": basis.ref("partijen", partij),
        "hadKlantcontact": basis.ref("klantcontacten", row[1]),
        "digitaleAdressen": basis.refs("digitaleadressen", row[3]),
        "bezoekadres": adres_data(row[4]),
        "correspondentieadres": adres_data(row[5]),
        "contactnaam": {
            "voorletters": row[6],
            "voornaam": row[7],
            "voorvoegselAchternaam": row[8],
            "achternaam": row[9],
        },
        "volledigeNaam": volledige_naam(row[6], row[7], row[8], row[9]),
        "rol": row[10],
        "organisatienaam": row[11],
        "initiator": row[12],
    }


def betrokkene_uit(betrokkene: Betrokkene, klantcontact: Klantcontact, klant, basis) -> dict:
    """A new betrokkene's representation from data in hand (no digital addresses yet); the
    same as :func:`betrokkene_data` of :func:`betrokkenen` reads, for the audit trail."""
    row = (
        betrokkene.uuid,
        klantcontact.uuid,
        klant.uuid if klant is not None else None,
        [],
        *(getattr(betrokkene, kolom) for kolom in BETROKKENE_KOLOMMEN[4:13]),
        betrokkene.pk,
        betrokkene.klant_id,
        betrokkene.klantcontact_id,
    )
    return betrokkene_data(row, basis)


# --- onderwerpobject --------------------------------------------------------------------------

ONDERWERPOBJECT_KOLOMMEN = (
    "uuid",  # 0
    "klantcontact__uuid",
    "was_klantcontact__uuid",
    "object_id",
    "code_objecttype",
    "code_register",  # 5
    "code_soort_object_id",
    "klantcontact_id",
    "id",
)


def onderwerpobjecten(queryset: QuerySet | None = None) -> QuerySet:
    if queryset is None:
        queryset = Onderwerpobject.objects.all()
    return queryset.values_list(*ONDERWERPOBJECT_KOLOMMEN)


def onderwerpobject_data(row, basis: KiBasis) -> dict:
    return {
        "uuid": str(row[0]),
        "url": basis.url("onderwerpobjecten", row[0]),
        "klantcontact": basis.ref("klantcontacten", row[1]),
        "wasKlantcontact": basis.ref("klantcontacten", row[2]),
        "onderwerpobjectidentificator": {
            "objectId": row[3],
            "codeObjecttype": row[4],
            "codeRegister": row[5],
            "codeSoortObjectId": row[6],
        },
    }


def onderwerpobject_uit(onderwerpobject: Onderwerpobject, klantcontact, was, basis) -> dict:
    """A new onderwerpobject's representation from data in hand (``klantcontact``, ``was``:
    its klantcontacten, or None)."""
    row = (
        onderwerpobject.uuid,
        klantcontact.uuid if klantcontact is not None else None,
        was.uuid if was is not None else None,
        *(getattr(onderwerpobject, kolom) for kolom in ONDERWERPOBJECT_KOLOMMEN[3:]),
    )
    return onderwerpobject_data(row, basis)


# --- interne taak -----------------------------------------------------------------------------

INTERNETAAK_KOLOMMEN = (
    "uuid",  # 0
    "nummer",
    "referentienummer",
    "gevraagde_handeling",
    "aanleidinggevend_klantcontact__uuid",
    "ki_actoren",  # 5
    "toelichting",
    "status",
    "toegewezen_op",
    "afgehandeld_op",
    "aanleidinggevend_klantcontact_id",  # 10
    "id",
)


def internetaken(queryset: QuerySet | None = None) -> QuerySet:
    if queryset is None:
        queryset = InterneTaak.objects.all()
    koppeling = InterneTaak.toegewezen_aan_actoren.through
    return queryset.annotate(
        ki_actoren=ArraySubquery(
            koppeling.objects.filter(internetaak_id=OuterRef("pk"))
            .order_by("id")
            .values("actor__uuid")
        )
    ).values_list(*INTERNETAAK_KOLOMMEN)


def internetaak_data(row, basis: KiBasis) -> dict:
    actoren_ = basis.refs("actoren", row[5])
    return {
        "uuid": str(row[0]),
        "url": basis.url("internetaken", row[0]),
        "nummer": leeg(row[1]),
        "referentienummer": leeg(row[2]),
        "gevraagdeHandeling": row[3],
        "aanleidinggevendKlantcontact": basis.ref("klantcontacten", row[4]),
        "toegewezenAanActor": actoren_[0] if actoren_ else None,
        "toegewezenAanActoren": actoren_,
        "toelichting": row[6],
        "status": row[7],
        "toegewezenOp": datetime_data(row[8]),
        "afgehandeldOp": datetime_data(row[9]),
    }


def internetaak_uit(taak: InterneTaak, klantcontact: Klantcontact, actoren_, basis) -> dict:
    """A new interne taak's representation from data in hand (``actoren_``: its actoren in
    the order of their assignment)."""
    row = (
        taak.uuid,
        taak.nummer,
        taak.referentienummer,
        taak.gevraagde_handeling,
        klantcontact.uuid,
        [actor.uuid for actor in actoren_],
        *(getattr(taak, kolom) for kolom in INTERNETAAK_KOLOMMEN[6:10]),
        klantcontact.pk,
        taak.pk,
    )
    return internetaak_data(row, basis)


# --- actorklantcontact ------------------------------------------------------------------------

ACTORKLANTCONTACT_KOLOMMEN = ("uuid", "actor__uuid", "klantcontact__uuid", "id")


def actorklantcontacten(queryset: QuerySet | None = None) -> QuerySet:
    if queryset is None:
        queryset = ActorKlantcontact.objects.all()
    return queryset.values_list(*ACTORKLANTCONTACT_KOLOMMEN)


def actorklantcontact_data(row, basis: KiBasis) -> dict:
    return {
        "uuid": str(row[0]),
        "url": basis.url("actorklantcontacten", row[0]),
        "actor": basis.ref("actoren", row[1]),
        "klantcontact": basis.ref("klantcontacten", row[2]),
    }
