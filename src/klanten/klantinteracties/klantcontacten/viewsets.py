"""The klantcontacten side of the Klantinteracties API (Open Klant 0.9.0 wire): klantcontacten,
betrokkenen, onderwerpobjecten, actoren, actorklantcontacten, internetaken and
maak-klantcontact, over the store the Contactmomenten API shows (docs/store.md,
docs/klantinteracties-klantcontacten.md).

Reads go through the expand engine (constant queries per page); writes through
``datamodel.kicontacten`` (which also records the contactmoment's change on kanaal
``contactmomenten``). A reference in a body (``{uuid}``) to a row that does not exist, or that
the client may not see, is a 400 on that field; one that disappears while the write waits for
its lock is the same 400, never a 500.
"""

import functools

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from klanten.api.parsers import KlantenJSONParser
from klanten.api.representation import CamelCaseData
from klanten.api.request_context import herkomst
from klanten.datamodel import contacten, kicontacten
from klanten.datamodel.kicontactrepresentatie import (
    actoren,
    betrokkenen,
    klantcontacten,
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
from klanten.datamodel.models import Klant

from .. import leesvormen, partijen
from ..viewsets import NON_FIELD, KlantinteractiesViewSet, fout
from . import filters, query, resources, serializers

KLANTCONTACT_VELDEN = (
    "referentienummer",
    "kanaal",
    "onderwerp",
    "inhoud",
    "reactie",
    "indicatie_contact_gelukt",
    "hoofd_onderwerp_type",
    "verdere_actie_ondernomen",
    "taal",
    "vertrouwelijk",
    "plaatsgevonden_op",
    "metadata",
)


class MetadataParser(KlantenJSONParser):
    """camelCase in, except the keys inside ``metadata`` (the client's own, kept as sent)."""

    json_underscoreize = {"ignore_fields": ("metadata",)}


def bestaat_niet(veld: str, wat: str):
    return fout(veld, f"{wat} bestaat niet.", "does_not_exist")


def _uit_url(collectie: str):
    """The uuid a URL filter of ``collectie`` matches (``query.verwezen_uuid``)."""
    return functools.partial(query.verwezen_uuid, collectie=collectie)


class KlantcontactenBasis(KlantinteractiesViewSet):
    """What the resources of this side share: the registering application and the
    references of a body."""

    # a detail read refuses unknown query parameters and unknown expand paths (400)
    schema_extra_errors = {"retrieve": (status.HTTP_400_BAD_REQUEST,)}

    # the list filters whose first page is read in a prepared statement (filter name → None,
    # or for a URL the uuid it names; ``leesvormen.lijstvraag``) and how a row of the
    # resource's representation is read (rows of a queryset, the id's index)
    voorbereide_filters: dict = {}
    lijst_rijen = None

    def basis_voor(self, ctx):
        """The rows a client (``ctx``) may see (``basis_queryset``)."""
        return self.model.objects.all()

    def basis_queryset(self):
        return self.basis_voor(self.ctx())

    def filter_voor(self, queryset, values: dict, ctx):
        """What the filterset's ``pas_toe`` does for a client (``ctx``)."""
        raise NotImplementedError

    def list(self, request, *args, **kwargs):
        vraag = None
        if self.voorbereide_filters:
            vraag = leesvormen.lijstvraag(
                self.filterset_class, request.query_params, self.voorbereide_filters, self.paginator
            )
        if vraag is None:
            return self.lijst()
        # the first page of a prepared filter (known parameters, valid values)
        _rijen, id_index = self.lijst_rijen
        return self.voorbereide_pagina(
            # objects that hold their row: the resource's ``laad`` reads nothing more
            lambda limit: [
                resources.Rij(row[id_index], row)
                for row in leesvormen.lijst_rijen(self, vraag, limit)
            ],
            lambda: leesvormen.lijst_aantal(self, vraag),
            vraag.grootte,
        )

    def registrerende_applicatie(self):
        return self.ctx().applicatie_uuid

    def bronorganisatie(self) -> str:
        """The organisation the klantcontacten of this API are registered for (the
        contactmoment's ``bronorganisatie``), as for partijen."""
        return partijen.bronorganisatie()

    def klantcontact_voor(self, ref: dict | None, veld: str) -> Klantcontact | None:
        if ref is None:
            return None
        klantcontact = Klantcontact.objects.filter(uuid=ref["uuid"]).first()
        if klantcontact is None:
            raise bestaat_niet(veld, "Het klantcontact")
        return klantcontact

    def partij_voor(self, ref: dict | None):
        """The partij of ``ref`` as a queryset of the one the client may see (K6: never a
        non-validated klant of someone else), locked by the write (which answers
        ``Klant.DoesNotExist`` when there is none)."""
        if ref is None:
            return None
        kandidaten = Klant.objects.filter(uuid=ref["uuid"])
        zichtbaar = query.zichtbare_partij(self.ctx())
        return kandidaten if zichtbaar is None else kandidaten.filter(zichtbaar)

    def actor_voor(self, ref: dict, veld: str) -> Actor:
        actor = Actor.objects.filter(uuid=ref["uuid"]).first()
        if actor is None:
            raise bestaat_niet(veld, "De actor")
        return actor

    def invoer(self) -> dict:
        """The validated body of a create (its ``serializer_class``); unknown query parameters
        are refused first."""
        self.controleer_parameters(lijst=False)
        serializer = self.serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def geschreven(self, obj) -> Response:
        """The 201 of a write: the representation it recorded (``ki_representatie``, built from
        data in hand: not read back), without expand."""
        data = obj.ki_representatie
        return Response(
            CamelCaseData(data), status=status.HTTP_201_CREATED, headers={"Location": data["url"]}
        )


def uuid_van(ref: dict | None):
    return ref["uuid"] if ref is not None else None


def klantcontact_data(attrs: dict) -> dict:
    data = {veld: attrs[veld] for veld in KLANTCONTACT_VELDEN if veld in attrs}
    for veld in ("referentienummer", "inhoud", "reactie", "hoofd_onderwerp_type"):
        if veld in data and data[veld] is None:
            data[veld] = ""
    # K8: an empty number is no number
    data["nummer"] = attrs.get("nummer") or ""
    return data


def betrokkene_velden(attrs: dict) -> dict:
    naam = attrs.get("contactnaam") or {}
    return {
        "rol": attrs["rol"],
        "initiator": attrs["initiator"],
        "organisatienaam": attrs.get("organisatienaam") or "",
        "voorletters": naam.get("voorletters", ""),
        "voornaam": naam.get("voornaam", ""),
        "voorvoegsel_achternaam": naam.get("voorvoegsel_achternaam", ""),
        "achternaam": naam.get("achternaam", ""),
        "bezoekadres": serializers.adres_opslag(attrs.get("bezoekadres")),
        "correspondentieadres": serializers.adres_opslag(attrs.get("correspondentieadres")),
    }


IDENTIFICATOR_VELDEN = ("object_id", "code_objecttype", "code_register", "code_soort_object_id")


def identificator_velden(ident: dict | None) -> dict:
    """The columns of an onderwerpobject's or actor's identificator (empty when not given)."""
    return {veld: (ident or {}).get(veld, "") for veld in IDENTIFICATOR_VELDEN}


def onderwerp_velden(attrs: dict) -> dict:
    return identificator_velden(attrs.get("onderwerpobjectidentificator"))


class KlantcontactViewSet(KlantcontactenBasis):
    """
    Contacten tussen de gemeente en klanten (een klantcontact is een contactmoment van de
    Contactmomenten API: dezelfde uuid).

    list:
    Alle klantcontacten opvragen.

    retrieve:
    Een specifiek klantcontact opvragen.

    create:
    Een klantcontact aanmaken.
    """

    resource = "klantcontact"
    collectie = "klantcontacten"
    model = Klantcontact
    filterset_class = filters.KlantcontactFilter
    serializer_class = serializers.KlantcontactSerializer
    parser_classes = (MetadataParser,)
    # Open Inwoner's questions: ``?kanaal=<its kanaal>&expand=...``
    voorbereide_filters = {"kanaal": None}
    lijst_rijen = (klantcontacten, resources.KLANTCONTACT_ID)

    def filter_voor(self, queryset, values: dict, ctx):
        return query.pas_toe_klantcontacten(queryset, values, ctx)

    def gelezen(self):
        """The klantcontact of the path with its representation row, in one prepared
        statement (``resources.lees_klantcontact``)."""
        return self.voorbereid_object(resources.lees_klantcontact)

    def create(self, request, *args, **kwargs):
        data = klantcontact_data(self.invoer())
        data["bronorganisatie"] = self.bronorganisatie()
        data["geregistreerd_door"] = self.registrerende_applicatie()
        return self.geschreven(kicontacten.create_klantcontact(data, herkomst=herkomst(request)))


class BetrokkeneViewSet(KlantcontactenBasis):
    """
    Personen en organisaties die betrokken waren bij een klantcontact. Een betrokkene zonder
    `wasPartij` is een niet-gevalideerde klant van dat ene contact (K6).

    list:
    Alle betrokkenen opvragen (die deze applicatie mag zien).

    retrieve:
    Een specifieke betrokkene opvragen.

    create:
    Een betrokkene bij een klantcontact aanmaken.
    """

    resource = "betrokkene"
    collectie = "betrokkenen"
    model = Betrokkene
    filterset_class = filters.BetrokkeneFilter
    serializer_class = serializers.BetrokkeneSerializer

    # KISS's history of a klant: ``?wasPartij__url=<partij>&pageSize=100``
    voorbereide_filters = {"wasPartij__url": _uit_url("partijen"), "wasPartij__uuid": None}
    lijst_rijen = (betrokkenen, resources.BETROKKENE_ID)

    def basis_voor(self, ctx):
        return query.zichtbare_betrokkenen(Betrokkene.objects.all(), ctx)

    def filter_voor(self, queryset, values: dict, ctx):
        return query.pas_toe_betrokkenen(queryset, values, ctx)

    def create(self, request, *args, **kwargs):
        attrs = self.invoer()
        try:
            betrokkene = kicontacten.add_betrokkene(
                uuid_van(attrs["had_klantcontact"]),
                klant=self.partij_voor(attrs.get("was_partij")),
                geregistreerd_door=self.registrerende_applicatie(),
                herkomst=herkomst(request),
                **betrokkene_velden(attrs),
            )
        except contacten.Bestaat as exc:
            raise fout(
                NON_FIELD,
                "Deze partij is al met deze rol betrokken bij het klantcontact.",
                "unique",
            ) from exc
        except Klant.DoesNotExist as exc:
            # a klantcontact that does not exist either is named first
            self.klantcontact_voor(attrs["had_klantcontact"], "hadKlantcontact")
            raise bestaat_niet("wasPartij", "De partij") from exc
        except Klantcontact.DoesNotExist as exc:
            raise bestaat_niet("hadKlantcontact", "Het klantcontact") from exc
        return self.geschreven(betrokkene)


class OnderwerpobjectViewSet(KlantcontactenBasis):
    """
    Waar een klantcontact over ging: een object elders (een zaak, een formulierinzending) of
    een eerder klantcontact.

    list:
    Alle onderwerpobjecten opvragen.

    retrieve:
    Een specifiek onderwerpobject opvragen.

    create:
    Een onderwerpobject aanmaken.
    """

    resource = "onderwerpobject"
    collectie = "onderwerpobjecten"
    model = Onderwerpobject
    filterset_class = filters.OnderwerpobjectFilter
    serializer_class = serializers.OnderwerpobjectSerializer
    # Open Inwoner's answers to a question: ``?wasKlantcontact__uuid=``
    voorbereide_filters = {
        "wasKlantcontact__uuid": None,
        "wasKlantcontact__url": _uit_url("klantcontacten"),
        "klantcontact__uuid": None,
        "klantcontact__url": _uit_url("klantcontacten"),
    }
    lijst_rijen = (onderwerpobjecten, resources.ONDERWERPOBJECT_ID)

    def filter_voor(self, queryset, values: dict, ctx):
        return query.pas_toe_onderwerpobjecten(queryset, values)

    def create(self, request, *args, **kwargs):
        attrs = self.invoer()
        try:
            onderwerpobject = kicontacten.add_onderwerpobject(
                uuid_van(attrs.get("klantcontact")),
                was_klantcontact=uuid_van(attrs.get("was_klantcontact")),
                geregistreerd_door=self.registrerende_applicatie(),
                herkomst=herkomst(request),
                **onderwerp_velden(attrs),
            )
        except Klantcontact.DoesNotExist as exc:
            if exc.args == ("was_klantcontact",):
                raise bestaat_niet("wasKlantcontact", "Het klantcontact") from exc
            raise bestaat_niet("klantcontact", "Het klantcontact") from exc
        return self.geschreven(onderwerpobject)


class ActorViewSet(KlantcontactenBasis):
    """
    Medewerkers, organisatorische eenheden en geautomatiseerde actoren die namens de gemeente
    handelen.

    list:
    Alle actoren opvragen.

    retrieve:
    Een specifieke actor opvragen.

    create:
    Een actor aanmaken.
    """

    resource = "actor"
    collectie = "actoren"
    model = Actor
    filterset_class = filters.ActorFilter
    serializer_class = serializers.ActorSerializer
    # KISS's medewerker by e-mail: ``?actoridentificatorObjectId=`` (and the other three)
    voorbereide_filters = {f"actoridentificator{deel}": None for deel in filters.IDENTIFICATOR}
    lijst_rijen = (actoren, resources.ACTOR_ID)

    def filter_voor(self, queryset, values: dict, ctx):
        return query.pas_toe_actoren(queryset, values)

    def create(self, request, *args, **kwargs):
        attrs = self.invoer()
        data = {
            "naam": attrs["naam"],
            "soort_actor": attrs["soort_actor"],
            "indicatie_actief": attrs.get("indicatie_actief", True),
            **identificator_velden(attrs.get("actoridentificator")),
            "actor_identificatie": attrs.get("actor_identificatie"),
        }
        return self.geschreven(kicontacten.create_actor(data, herkomst=herkomst(request)))


class ActorKlantcontactViewSet(KlantcontactenBasis):
    """
    Welke actor aan een klantcontact deelnam (de eerste medewerker is de `medewerker` van het
    contactmoment in de Contactmomenten API).

    list:
    Alle actorklantcontacten opvragen.

    retrieve:
    Een specifiek actorklantcontact opvragen.

    create:
    Een actor aan een klantcontact koppelen.
    """

    resource = "actorklantcontact"
    collectie = "actorklantcontacten"
    model = ActorKlantcontact
    filterset_class = filters.ActorKlantcontactFilter
    serializer_class = serializers.ActorKlantcontactSerializer

    @extend_schema(operation_id="actorklantcontacten_create")
    def create(self, request, *args, **kwargs):
        attrs = self.invoer()
        try:
            link = kicontacten.add_actorklantcontact(
                uuid_van(attrs["klantcontact"]),
                uuid_van(attrs["actor"]),
                herkomst=herkomst(request),
            )
        except contacten.Bestaat as exc:
            raise fout(
                NON_FIELD, "De actor is al aan dit klantcontact gekoppeld.", "unique"
            ) from exc
        except Klantcontact.DoesNotExist as exc:
            # an actor that does not exist either is named first
            self.actor_voor(attrs["actor"], "actor")
            raise bestaat_niet("klantcontact", "Het klantcontact") from exc
        except Actor.DoesNotExist as exc:
            raise bestaat_niet("actor", "De actor") from exc
        return self.geschreven(link)


class InterneTaakViewSet(KlantcontactenBasis):
    """
    Taken voor de gemeente die uit een klantcontact voortkomen (een contactverzoek).

    list:
    Alle interne taken opvragen.

    retrieve:
    Een specifieke interne taak opvragen.

    create:
    Een interne taak aanmaken. Een leeg `nummer` (KISS stuurt altijd `""`) betekent: geen
    nummer gegeven; er wordt er een gegenereerd (K8).
    """

    resource = "internetaak"
    collectie = "internetaken"
    model = InterneTaak
    filterset_class = filters.InterneTaakFilter
    serializer_class = serializers.InterneTaakSerializer

    @extend_schema(operation_id="internetaken_create")
    def create(self, request, *args, **kwargs):
        attrs = self.invoer()
        refs = list(attrs.get("toegewezen_aan_actoren") or [])
        veld = "toegewezenAanActoren"
        if not refs and attrs.get("toegewezen_aan_actor"):
            refs, veld = [attrs["toegewezen_aan_actor"]], "toegewezenAanActor"
        data = {
            "gevraagde_handeling": attrs["gevraagde_handeling"],
            "status": attrs["status"],
            "toelichting": attrs.get("toelichting") or "",
            "referentienummer": attrs.get("referentienummer") or "",
            "afgehandeld_op": attrs.get("afgehandeld_op"),
            "geregistreerd_door": self.registrerende_applicatie(),
        }
        try:
            taak = kicontacten.create_interne_taak(
                uuid_van(attrs["aanleidinggevend_klantcontact"]),
                data,
                nummer=attrs.get("nummer") or "",
                actoren_=[uuid_van(ref) for ref in refs],
                herkomst=herkomst(request),
            )
        except kicontacten.NummerBezet as exc:
            raise fout("nummer", "Dit nummer is al in gebruik.", "unique") from exc
        except Klantcontact.DoesNotExist as exc:
            raise bestaat_niet("aanleidinggevendKlantcontact", "Het klantcontact") from exc
        except Actor.DoesNotExist as exc:
            raise bestaat_niet(veld, "De actor") from exc
        return self.geschreven(taak)


class MaakKlantcontactViewSet(KlantcontactenBasis):
    """
    maak_klantcontact:
    Een klantcontact met zijn betrokkene en onderwerpobject in een keer aanmaken (Open
    Forms). Zonder `wasPartij` wordt geen partij gemaakt: de betrokkene is een
    niet-gevalideerde klant van dit ene contact (K6).
    """

    resource = "klantcontact"
    collectie = "klantcontacten"
    model = Klantcontact
    serializer_class = serializers.MaakKlantcontactSerializer
    parser_classes = (MetadataParser,)

    @extend_schema(operation_id="maakklantcontact_create")
    def create(self, request, *args, **kwargs):
        attrs = self.invoer()
        data = klantcontact_data(attrs["klantcontact"])
        data["bronorganisatie"] = self.bronorganisatie()
        applicatie = self.registrerende_applicatie()
        data["geregistreerd_door"] = applicatie
        betrokkene = None
        if attrs.get("betrokkene"):
            b = attrs["betrokkene"]
            betrokkene = {
                "klant": self.partij_voor(b.get("was_partij")),
                "geregistreerd_door": applicatie,
                **betrokkene_velden(b),
            }
        onderwerp = None
        if attrs.get("onderwerpobject"):
            o = attrs["onderwerpobject"]
            onderwerp = {
                "was_klantcontact": uuid_van(o.get("was_klantcontact")),
                "geregistreerd_door": applicatie,
                **onderwerp_velden(o),
            }
        try:
            klantcontact, gemaakt_b, gemaakt_o = kicontacten.maak_klantcontact(
                data, betrokkene=betrokkene, onderwerpobject=onderwerp, herkomst=herkomst(request)
            )
        except Klant.DoesNotExist as exc:
            raise bestaat_niet("betrokkene.wasPartij", "De partij") from exc
        except Klantcontact.DoesNotExist as exc:
            raise bestaat_niet("onderwerpobject.wasKlantcontact", "Het klantcontact") from exc
        antwoord = {
            "klantcontact": klantcontact.ki_representatie,
            "betrokkene": getattr(gemaakt_b, "ki_representatie", None),
            "onderwerpobject": getattr(gemaakt_o, "ki_representatie", None),
        }
        return Response(CamelCaseData(antwoord), status=status.HTTP_201_CREATED)
