"""Extension endpoints beside the standard (contract section 2): validaties (E1), interacties
(E2), klantbeeld (E3), bevestigingsverzoek (E4) and registering a validated klant at once."""

import orjson
from django.http import Http404
from django.utils.timezone import localtime, now
from drf_spectacular.utils import extend_schema
from rest_framework import status, views, viewsets
from rest_framework.exceptions import (
    ErrorDetail,
    UnsupportedMediaType,
    ValidationError,
)
from rest_framework.response import Response
from vng_api_common.permissions import AuthScopesRequired

from klanten.datamodel import contacten, evidence, rules, services
from klanten.datamodel.constants import InteractieSoort
from klanten.datamodel.models import (
    Betrokkene,
    Interactie,
    Klant,
    Klantcontact,
    Validatie,
)

from . import interacties, readsql, visibility
from .exceptions import regel_als_api_fout
from .extension_serializers import (
    BevestigingslinkSerializer,
    InteractieSerializer,
    InteractieWeergaveSerializer,
    KlantbeeldSerializer,
    KlantbeeldWeergaveSerializer,
    ValidatieSerializer,
    ValidatieWeergaveSerializer,
    klantbeeld_attrs,
)
from .representation import CamelCaseData, CamelCaseList
from .request_context import collection_url, herkomst, parse_uuid, per_origin
from .scopes import (
    SCOPE_KLANTEN_BIJWERKEN,
    SCOPE_KLANTEN_KLANTBEELD,
    SCOPE_KLANTEN_LEZEN,
    SCOPE_KLANTEN_VALIDEREN,
)

EXTENSION_TAG = "extensies"


def actor_for(request) -> services.Actor:
    applicatie = visibility.requesting_applicatie(request)
    payload = request.jwt_auth.payload or {}
    return services.Actor(
        applicatie_id=str(applicatie.uuid) if applicatie else "",
        applicatie_weergave=applicatie.label if applicatie else "",
        medewerker_id=payload.get("user_id") or "",
        medewerker_weergave=payload.get("user_representation") or "",
    )


def validatie_data(validatie: Validatie, klant_url: str) -> dict:
    def identiteit(type_, value):
        return {"type": type_, "identificatie": value} if type_ else None

    return {
        "uuid": str(validatie.uuid),
        "klant": klant_url,
        "gevalideerdOp": localtime(validatie.gevalideerd_op).isoformat(),
        "authenticatieMoment": localtime(validatie.authenticatie_moment).isoformat(),
        "middel": validatie.middel,
        "betrouwbaarheidsniveau": validatie.betrouwbaarheidsniveau,
        "rang": validatie.rang,
        "uitgever": validatie.uitgever,
        "bron": validatie.bron,
        "geauthenticeerde": identiteit(
            validatie.geauthenticeerde_type, validatie.geauthenticeerde_identificatie
        ),
        "vertegenwoordigde": identiteit(
            validatie.vertegenwoordigde_type, validatie.vertegenwoordigde_identificatie
        ),
        "machtiging": validatie.machtiging,
        "applicatie": {"id": validatie.applicatie_id, "weergave": validatie.applicatie_weergave},
        "medewerker": {"id": validatie.medewerker_id, "weergave": validatie.medewerker_weergave},
        "gegevensBevestigd": validatie.gegevens_bevestigd,
    }


def interactie_data(interactie: Interactie, klant_url: str) -> dict:
    return {
        "url": f"{klant_url}/interacties/{interactie.uuid}",
        "klant": klant_url,
        "soort": interactie.soort,
        "objectUrl": interactie.url,
        "rol": interactie.rol,
        "vernietigingsdatum": (
            interactie.vernietigingsdatum.isoformat() if interactie.vernietigingsdatum else None
        ),
    }


def bewijs_from_request(request, attrs) -> rules.Bewijs:
    if attrs.get("id_token"):
        return evidence.bewijs_from_id_token(
            attrs["id_token"], gegevens_bevestigd=attrs["gegevens_bevestigd"]
        )
    return evidence.bewijs_from_assertion(
        applicatie=visibility.requesting_applicatie(request),
        middel=attrs["middel"],
        betrouwbaarheidsniveau=attrs["betrouwbaarheidsniveau"],
        authenticatie_moment=attrs["authenticatie_moment"],
        uitgever=attrs["uitgever"],
        geauthenticeerde=attrs["geauthenticeerde"],
        vertegenwoordigde=attrs["vertegenwoordigde"],
        machtiging=attrs["machtiging"],
        gegevens_bevestigd=attrs["gegevens_bevestigd"],
    )


class UnsupportedMethodFirstMixin:
    """An unsupported method is a 405 before any scope check (as on the viewsets), not a 403
    for a client that lacks a scope for a method that does not exist."""

    def check_permissions(self, request):
        if not hasattr(self, request.method.lower()):
            self.http_method_not_allowed(request)
        super().check_permissions(request)


class ContentTypeRequiredMixin:
    """A write that takes a JSON body needs a supported Content-Type, as the schema documents
    (required header): a missing or wrong one is a 415 also when the body is empty (DRF parses,
    and so checks, only a non-empty body; found by fuzzing: an empty PATCH without or with a
    wrong Content-Type was accepted). After the scope check; an unsupported method stays 405."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if (
            request.method in ("POST", "PUT", "PATCH")
            and hasattr(self, request.method.lower())
            and (
                not request.content_type
                or self.get_content_negotiator().select_parser(request, self.get_parsers()) is None
            )
        ):
            raise UnsupportedMediaType(media_type=request.content_type)


class KlantSubresourceMixin:
    """Resolves ``klant_uuid`` from the path, honouring V7 visibility (invisible → 404)."""

    def get_klant(self) -> Klant:
        key = parse_uuid(self.kwargs["klant_uuid"])
        # V7: a read also sees the klanten of the application's contactmomenten
        queryset = visibility.visible(
            Klant.objects.all(), self.request, per_uuid=self.request.method in ("GET", "HEAD")
        )
        klant = queryset.filter(uuid=key).first()
        if klant is None:
            raise Http404
        return klant

    def klant_url(self, klant: Klant) -> str:
        return f"{collection_url(self.request)}{klant.uuid}"


@extend_schema(tags=[EXTENSION_TAG])
class ValidatieViewSet(ContentTypeRequiredMixin, KlantSubresourceMixin, viewsets.ViewSet):
    """
    Validaties (bewijs van authenticatie) van een KLANT (extensie).

    list:
    Alle validaties van een KLANT.

    Alle bewijsregistraties van een KLANT, oudste eerst. Onveranderlijk.

    create:
    Valideer een KLANT met bewijs.

    Legt bewijs van authenticatie vast (een ID token van een vertrouwde uitgever of een
    verklaring van een applicatie met `klanten.valideren`) en valideert (promoveert) de KLANT.
    """

    permission_classes = (AuthScopesRequired,)
    required_scopes = {"list": SCOPE_KLANTEN_LEZEN, "create": SCOPE_KLANTEN_VALIDEREN}
    serializer_class = ValidatieSerializer

    @extend_schema(responses={200: ValidatieWeergaveSerializer(many=True)})
    def list(self, request, klant_uuid=None):
        klant = self.get_klant()
        url = self.klant_url(klant)
        return Response(
            CamelCaseList(validatie_data(v, url) for v in klant.validaties.order_by("id"))
        )

    @extend_schema(request=ValidatieSerializer, responses={201: ValidatieWeergaveSerializer})
    def create(self, request, klant_uuid=None):
        klant = self.get_klant()
        serializer = ValidatieSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            bewijs = bewijs_from_request(request, serializer.validated_data)
            validatie = services.valideer_klant(
                klant, bewijs, actor_for(request), herkomst=herkomst(request)
            )
        except rules.RuleViolation as exc:
            raise regel_als_api_fout(exc, request) from exc
        return Response(
            CamelCaseData(validatie_data(validatie, self.klant_url(klant))),
            status=status.HTTP_201_CREATED,
        )


@extend_schema(tags=[EXTENSION_TAG])
class InteractieViewSet(ContentTypeRequiredMixin, KlantSubresourceMixin, viewsets.ViewSet):
    """
    Interacties (contactmomenten, verzoeken, zaken) van een KLANT (extensie).

    list:
    Alle interacties van een KLANT.

    Alle interacties van een KLANT.

    create:
    Leg een interactie van een KLANT vast.

    Leg een interactie van een KLANT vast.

    destroy:
    Verwijder een interactie van een KLANT.

    Verwijder een interactie van een KLANT.
    """

    permission_classes = (AuthScopesRequired,)
    required_scopes = {
        "list": SCOPE_KLANTEN_LEZEN,
        "create": SCOPE_KLANTEN_BIJWERKEN,
        "destroy": SCOPE_KLANTEN_BIJWERKEN,
    }
    serializer_class = InteractieSerializer
    lookup_field = "uuid"
    lookup_value_regex = "[^/]+"

    @extend_schema(responses={200: InteractieWeergaveSerializer(many=True)})
    def list(self, request, klant_uuid=None):
        klant = self.get_klant()
        return Response(CamelCaseList(interacties.van_klant(klant, self.klant_url(klant), request)))

    def _contactmoment(self, attrs):
        """The contactmoment of this service an interaction of soort contactmoment names, or
        None for a URL elsewhere (400 for a URL of this service that names none)."""
        from klanten.contactmomenten import verwijzingen

        if attrs["soort"] != InteractieSoort.contactmoment:
            return None
        key = verwijzingen.contactmoment_uuid(attrs["url"], self.request)
        if key is None:
            return None
        klantcontact = Klantcontact.objects.filter(uuid=key).first()
        if klantcontact is None:
            raise ValidationError(
                {"url": [ErrorDetail("Het contactmoment bestaat niet.", code="does_not_exist")]}
            )
        return klantcontact

    @extend_schema(request=InteractieSerializer, responses={201: InteractieWeergaveSerializer})
    def create(self, request, klant_uuid=None):
        klant = self.get_klant()
        serializer = InteractieSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attrs = serializer.validated_data
        klantcontact = self._contactmoment(attrs)
        url = self.klant_url(klant)
        if klantcontact is not None:
            # a contactmoment of this service: the klant's part in it is a klantcontactmoment
            return self._create_betrokkene(klant, klantcontact, attrs, url)
        try:
            interactie = services.add_interactie(
                klant,
                soort=attrs["soort"],
                url=attrs["url"],
                rol=attrs["rol"],
                vernietigingsdatum=attrs["vernietigingsdatum"],
            )
        except Klant.DoesNotExist as exc:  # deleted meanwhile (e.g. its retention ended)
            raise Http404 from exc
        return Response(
            CamelCaseData(interactie_data(interactie, url)), status=status.HTTP_201_CREATED
        )

    def _create_betrokkene(self, klant, klantcontact, attrs, url):
        applicatie = visibility.requesting_applicatie(self.request)
        try:
            # recorded as a klantcontactmoment of the Contactmomenten API (audit, notification)
            betrokkene, _created = contacten.add_betrokkene(
                klantcontact,
                klant=klant,
                klantcontactmoment_rol=attrs["rol"],
                bij_bestaand="bijwerken",
                vernietigingsdatum=attrs["vernietigingsdatum"],
                geregistreerd_door=applicatie.uuid if applicatie else None,
                herkomst=herkomst(self.request),
            )
        except (Klant.DoesNotExist, Klantcontact.DoesNotExist) as exc:
            raise Http404 from exc
        data = {
            "url": f"{url}/interacties/{betrokkene.uuid}",
            "klant": url,
            "soort": InteractieSoort.contactmoment,
            "objectUrl": attrs["url"],
            "rol": attrs["rol"],
            "vernietigingsdatum": (
                betrokkene.vernietigingsdatum.isoformat() if betrokkene.vernietigingsdatum else None
            ),
        }
        return Response(CamelCaseData(data), status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None})
    def destroy(self, request, klant_uuid=None, uuid=None):
        klant = self.get_klant()
        key = parse_uuid(uuid)
        if services.verwijder_interactie(klant, key):
            return Response(status=status.HTTP_204_NO_CONTENT)
        # the klant's part in a contactmoment of this service (a klantcontactmoment)
        betrokkene = Betrokkene.objects.filter(klant=klant, uuid=key).first()
        if betrokkene is None:
            raise Http404
        try:
            contacten.remove_betrokkene(betrokkene, herkomst=herkomst(request))
        except Betrokkene.DoesNotExist as exc:
            raise Http404 from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=[EXTENSION_TAG])
class KlantbeeldView(ContentTypeRequiredMixin, UnsupportedMethodFirstMixin, views.APIView):
    """
    Klantbeeld: de gevalideerde KLANTen van één subject met hun interacties (extensie).

    Alleen gevalideerde klanten, gevonden op de exacte sleutel (BSN, RSIN, KvK- of
    vestigingsnummer) in de body; nooit een niet-gevalideerde klant. Elk verzoek wordt
    vastgelegd (wie, wanneer, welk subject als pseudoniem).
    """

    permission_classes = (AuthScopesRequired,)
    required_scopes = {"post": SCOPE_KLANTEN_KLANTBEELD}

    @extend_schema(
        request=KlantbeeldSerializer,
        responses={200: KlantbeeldWeergaveSerializer},
        operation_id="klantbeeld_create",
    )
    def post(self, request):
        # a plain valid body without building the serializer; anything else through it
        attrs = klantbeeld_attrs(request.data)
        if attrs is None:
            serializer = KlantbeeldSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            attrs = serializer.validated_data
        sleutel = attrs["sleutel"]
        from klanten.datamodel.contactrepresentatie import Basis, klantbeeld_contactmomenten

        base = collection_url(request)
        actor = actor_for(request)
        # per klant (id, its JSON text, has interactions, took part in contactmomenten), and
        # the request recorded, in one statement; the interactions and contactmomenten then
        # only of the klanten that have them: one query for all interactions, one for the
        # contactmomenten
        found = readsql.klantbeeld_weergaven(
            sleutel.type,
            sleutel.identificatie,
            attrs.get("bronorganisatie") or None,
            {
                "aangemaakt_op": now(),
                "applicatie_id": actor.applicatie_id,
                "applicatie_weergave": actor.applicatie_weergave,
                "gebruiker_id": actor.medewerker_id,
                "subject_type": attrs["subject_type"],
                "subject_pseudoniem": services.pseudoniem(sleutel),
            },
        )
        met_interacties = [row[0] for row in found if row[2] or row[3]]
        per_klant = interacties.rijen(met_interacties)
        met_contactmomenten = [row[0] for row in found if row[3]]
        contactmomenten = (
            klantbeeld_contactmomenten(
                met_contactmomenten,
                per_origin(request, ("basis",), lambda: Basis.voor(request)),
                readsql.klantbeeld_contactmoment_rows(met_contactmomenten),
            )
            if met_contactmomenten
            else {}
        )
        cm_base = interacties.contactmomenten_url(request) if met_interacties else ""
        begin = readsql.weergave_begin(base)
        klanten = []
        for klant_id, tekst, _, _ in found:
            # the klant's JSON text without its closing brace, then its interactions and
            # contactmomenten (the renderer's orjson, so the same bytes as one dict would give)
            url = base + tekst[:36]
            rijen = per_klant.get(klant_id, ())
            klanten.append(
                orjson.Fragment(
                    begin
                    + tekst[:-1]
                    + ',"interacties":'
                    + orjson.dumps([interacties.data(rij, url, cm_base) for rij in rijen]).decode()
                    + ',"contactmomenten":'
                    + orjson.dumps(contactmomenten.get(klant_id, [])).decode()
                    + "}"
                )
            )
        return Response(CamelCaseData(subjectType=attrs["subject_type"], klanten=klanten))


@extend_schema(tags=[EXTENSION_TAG])
class BevestigingsverzoekView(UnsupportedMethodFirstMixin, KlantSubresourceMixin, views.APIView):
    """
    Bevestigingslink voor een niet-gevalideerde KLANT (extensie).

    Geeft een eenmalige, verlopende link die de applicatie naar de persoon stuurt; de persoon
    logt in, bevestigt de gegevens en de KLANT wordt gevalideerd. De link wordt maar één keer
    getoond.
    """

    permission_classes = (AuthScopesRequired,)
    required_scopes = {"post": SCOPE_KLANTEN_BIJWERKEN}

    @extend_schema(
        request=None,
        responses={201: BevestigingslinkSerializer},
        operation_id="bevestigingsverzoek_create",
    )
    def post(self, request, klant_uuid=None):
        klant = self.get_klant()
        try:
            token, verzoek = services.create_bevestigingsverzoek(
                klant, actor_for(request).applicatie_id
            )
        except rules.RuleViolation as exc:
            raise regel_als_api_fout(exc, request) from exc
        link = request.build_absolute_uri(f"/mijn-gegevens/bevestigen/{token}")
        return Response(
            CamelCaseData(url=link, verlooptOp=localtime(verzoek.verloopt_op).isoformat()),
            status=status.HTTP_201_CREATED,
        )
