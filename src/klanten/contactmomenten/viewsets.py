"""The resources of the Contactmomenten API 1.0.0: contactmomenten (with their audit trail),
klantcontactmomenten and objectcontactmomenten, over klantcontacten, betrokkenen and
onderwerpobjecten (docs/store.md)."""

from django.db.models import Q
from django.http import Http404
from rest_framework import status, viewsets
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings
from vng_api_common.audittrails.models import AuditTrail
from vng_api_common.constants import CommonResourceAction
from vng_api_common.permissions import AuthScopesRequired

from klanten.api import visibility
from klanten.api.exceptions import regel_als_api_fout
from klanten.api.extensions import ContentTypeRequiredMixin
from klanten.api.filters import FilterError, normalize_query
from klanten.api.pagination import KlantenPagination
from klanten.api.representation import CamelCaseData, CamelCaseList
from klanten.api.request_context import herkomst, parse_uuid
from klanten.api.viewsets import ETagMixin, KlantAuditTrailViewSet
from klanten.datamodel import contacten, rules, transactions
from klanten.datamodel.contactrepresentatie import (
    Basis,
    contactmoment_data,
    contactmomenten,
    klantcontactmoment_data,
    klantcontactmomenten,
    objectcontactmoment_data,
    objectcontactmomenten,
)
from klanten.datamodel.contactwijzigingen import CONTACTMOMENT
from klanten.datamodel.klantcontacten import (
    IS_KLANTCONTACTMOMENT,
    Betrokkene,
    Klantcontact,
    Onderwerpobject,
)
from klanten.datamodel.models import Klant
from klanten.notificaties.audit import van_object

from . import filters, verwijzingen, zaken
from .scopes import (
    SCOPE_CONTACTMOMENTEN_AANMAKEN,
    SCOPE_CONTACTMOMENTEN_BIJWERKEN,
    SCOPE_CONTACTMOMENTEN_LEZEN,
    SCOPE_CONTACTMOMENTEN_VERWIJDEREN,
)
from .serializers import (
    ContactMomentSerializer,
    KlantContactMomentSerializer,
    ObjectContactMomentSerializer,
)

NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY


def fout(veld: str, message: str, code: str) -> ValidationError:
    return ValidationError({veld: [ErrorDetail(message, code=code)]})


def geen_contactmoment() -> ValidationError:
    """The contactmoment of a relation was deleted meanwhile."""
    return fout("contactmoment", "Het contactmoment bestaat niet.", "does_not_exist")


class ContactmomentenViewSet(ContentTypeRequiredMixin, ETagMixin, viewsets.GenericViewSet):
    """What the resources of this API share: uuid lookups (C3: unknown or malformed → 404),
    camelCase rows, the list with its filters in both spellings and its pagination."""

    lookup_field = "uuid"
    lookup_value_regex = "[^/]+"
    permission_classes = (AuthScopesRequired,)
    pagination_class = KlantenPagination  # a full page counts its matches
    filter_spec: filters.Filters
    schema_tags = ("contactmomenten",)

    def basis(self) -> Basis:
        if not hasattr(self, "_basis"):
            self._basis = Basis.voor(self.request)
        return self._basis

    def key(self):
        return parse_uuid(self.kwargs[self.lookup_field])

    def clean_query(self) -> dict:
        params, unknown = normalize_query(self.request.query_params, self.filter_spec.canonical)
        if unknown:
            raise ValidationError(
                {NON_FIELD: [f"Onbekende query parameters: {', '.join(sorted(unknown))}"]},
                code="unknown-parameters",
            )
        params.pop("page", None)
        try:
            return self.filter_spec.clean(params)
        except FilterError as exc:
            raise ValidationError(
                {
                    name: [
                        ErrorDetail(message, code=error.code)
                        for error, message in zip(err.error_list, err.messages, strict=True)
                    ]
                    for name, err in exc.errors.items()
                }
            ) from exc

    def paginated(self, rows, data):
        """One page of ``rows`` (a values_list queryset) as ``data(row, basis)`` dicts."""
        page = self.paginator.paginate(
            self.request,
            lambda limit, offset: list(rows[offset : offset + limit]),
            lambda _page: rows.order_by().count(),
        )
        basis = self.basis()
        return self.get_paginated_response(CamelCaseList(data(row, basis) for row in page))

    def one(self, rows, data) -> CamelCaseData:
        row = rows.first()
        if row is None:
            raise Http404
        return CamelCaseData(data(row, self.basis()))

    def created(self, data: CamelCaseData) -> Response:
        return Response(data, status=status.HTTP_201_CREATED, headers={"Location": data["url"]})

    def registering_applicatie(self):
        applicatie = visibility.requesting_applicatie(self.request)
        return applicatie.uuid if applicatie is not None else None

    def contactmoment_voor(self, url: str, veld: str) -> Klantcontact:
        """The contactmoment of this service a reference names (400 otherwise)."""
        key = verwijzingen.contactmoment_uuid(url, self.request)
        if key is None:
            raise fout(veld, "De URL is geen contactmoment van deze API.", "no_match")
        klantcontact = Klantcontact.objects.filter(uuid=key).first()
        if klantcontact is None:
            raise fout(veld, "Het contactmoment bestaat niet.", "does_not_exist")
        return klantcontact


# --- contactmomenten -------------------------------------------------------------------------

_KOLOMMEN = {
    "bronorganisatie": "bronorganisatie",
    "registratiedatum": "plaatsgevonden_op",
    "kanaal": "kanaal",
    "voorkeurskanaal": "voorkeurskanaal",
    "voorkeurstaal": "taal",
    "tekst": "inhoud",
    "onderwerp_links": "onderwerp_links",
    "initiatiefnemer": "initiatiefnemer",
    "medewerker": "medewerker_url",
}


def controleer_medewerker(url: str, huidig: str = "") -> None:
    """A new or changed ``medewerker`` URL must answer 200 (a medewerker register elsewhere,
    fetched within the outbound rules): 400 ``medewerker``/``bad-url`` otherwise."""
    if url and url != huidig and not verwijzingen.bestaat_elders(url):
        raise fout(
            "medewerker",
            "De medewerker-URL is ongeldig of niet bereikbaar (HTTP 200 verwacht).",
            "bad-url",
        )


def _medewerker(data: dict | None) -> contacten.MedewerkerIdentificatie | None:
    """A medewerkerIdentificatie; one whose parts are all empty identifies no one."""
    if not data or not any(data.values()):
        return None
    return contacten.MedewerkerIdentificatie(**data)


class ContactMomentViewSet(ContactmomentenViewSet):
    """
    Opvragen en bewerken van CONTACTMOMENTen.

    list:
    Alle CONTACTMOMENTen opvragen.

    Alle CONTACTMOMENTen opvragen.

    retrieve:
    Een specifiek CONTACTMOMENT opvragen.

    Een specifiek CONTACTMOMENT opvragen.

    create:
    Maak een CONTACTMOMENT aan.

    Maak een CONTACTMOMENT aan.

    update:
    Werk een CONTACTMOMENT in zijn geheel bij.

    Werk een CONTACTMOMENT in zijn geheel bij.

    partial_update:
    Werk een CONTACTMOMENT deels bij.

    Werk een CONTACTMOMENT deels bij.

    destroy:
    Verwijder een CONTACTMOMENT.

    Verwijder een CONTACTMOMENT.
    """

    queryset = Klantcontact.objects.all()
    serializer_class = ContactMomentSerializer
    filterset_class = filters.ContactMomentFilter
    filter_spec = filters.CONTACTMOMENT_FILTERS
    required_scopes = {
        "list": SCOPE_CONTACTMOMENTEN_LEZEN,
        "retrieve": SCOPE_CONTACTMOMENTEN_LEZEN,
        "create": SCOPE_CONTACTMOMENTEN_AANMAKEN,
        "update": SCOPE_CONTACTMOMENTEN_BIJWERKEN,
        "partial_update": SCOPE_CONTACTMOMENTEN_BIJWERKEN,
        "destroy": SCOPE_CONTACTMOMENTEN_VERWIJDEREN,
    }
    audit = CONTACTMOMENT  # documents X-Audit-Toelichting and X-NLX-Logrecord-ID (schema)

    def represent(self, klantcontact: Klantcontact) -> CamelCaseData:
        # a write's service leaves what it recorded (the same request's URLs)
        recorded = getattr(klantcontact, "representatie", None)
        if recorded is not None:
            return CamelCaseData(recorded)
        return self.one(
            contactmomenten(Klantcontact.objects.filter(pk=klantcontact.pk)), contactmoment_data
        )

    def get_object(self) -> Klantcontact:
        klantcontact = Klantcontact.objects.filter(uuid=self.key()).first()
        if klantcontact is None:
            raise Http404
        return klantcontact

    # --- reads ---------------------------------------------------------------------------
    def list(self, request, *args, **kwargs):
        values = self.clean_query()
        queryset = filters.pas_toe_contactmomenten(
            Klantcontact.objects.all(), values, request, self.basis()
        )
        return self.paginated(contactmomenten(queryset), contactmoment_data)

    def retrieve(self, request, *args, **kwargs):
        rows = contactmomenten(Klantcontact.objects.filter(uuid=self.key()))
        return Response(self.one(rows, contactmoment_data))

    # --- writes --------------------------------------------------------------------------
    def _vorig(self, attrs: dict):
        if "vorig_contactmoment" not in attrs:
            return contacten.ONGEWIJZIGD
        url = attrs["vorig_contactmoment"]
        if url is None:
            return None
        return self.contactmoment_voor(url, "vorigContactmoment")

    def _write(self, write):
        try:
            return write()
        except rules.RuleViolation as exc:
            # as on every API (403, 409 e.g. a write that kept meeting a concurrent change
            # through its attempts); a 400 names the field by the rule's code, not exc.field
            veld = "vorigContactmoment" if exc.code in ("kringverwijzing", "unique") else NON_FIELD
            raise regel_als_api_fout(exc, veld=veld) from exc

    def create(self, request, *args, **kwargs):
        serializer = ContactMomentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attrs = serializer.validated_data
        vorig = self._vorig(attrs)
        medewerker = _medewerker(attrs.get("medewerker_identificatie"))
        self._write(
            lambda: rules.require_medewerker(attrs.get("medewerker", ""), medewerker is not None)
        )
        controleer_medewerker(attrs.get("medewerker", ""))
        data = {_KOLOMMEN[k]: v for k, v in attrs.items() if k in _KOLOMMEN}
        data["geregistreerd_door"] = self.registering_applicatie()
        # the service records the change (audit trail, notification) in its transaction
        klantcontact = self._write(
            lambda: contacten.create_klantcontact(
                data,
                medewerker=medewerker,
                vorig=None if vorig is contacten.ONGEWIJZIGD else vorig,
                herkomst=herkomst(request),
            )
        )
        return self.created(self.represent(klantcontact))

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        serializer = ContactMomentSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        attrs = serializer.validated_data
        if attrs.get("medewerker"):
            # a new medewerker URL is fetched (outbound): before the transaction, no lock held
            controleer_medewerker(attrs["medewerker"], self.get_object().medewerker_url)
        vorig = self._vorig(attrs)
        medewerker = contacten.ONGEWIJZIGD
        if "medewerker_identificatie" in attrs:
            given = attrs["medewerker_identificatie"]
            if given is not None or not partial:  # null: no change on PATCH, none on PUT
                medewerker = _medewerker(given)
        data = {_KOLOMMEN[k]: v for k, v in attrs.items() if k in _KOLOMMEN}

        # one transaction from the lock to the audit record: the row read is the row written;
        # a change of the date locks the klanten that took part first (the service does)
        def write():
            if "plaatsgevonden_op" in data:
                instance = self.get_object()
            else:
                try:
                    instance = contacten.vergrendel_klantcontact(uuid=self.key())
                except Klantcontact.DoesNotExist as exc:
                    raise Http404 from exc
            if medewerker is not contacten.ONGEWIJZIGD:
                heeft_identificatie = medewerker is not None
            elif contacten.is_vergrendeld(instance):
                heeft_identificatie = instance.repr_medewerker is not None
            else:
                heeft_identificatie = contacten.medewerker_link(instance) is not None
            rules.require_medewerker(
                attrs.get("medewerker", instance.medewerker_url), heeft_identificatie
            )
            # recorded by the service; a change of nothing records nothing
            return contacten.update_klantcontact(
                instance,
                data,
                medewerker=medewerker,
                vorig=vorig,
                partial=partial,
                herkomst=herkomst(request),
            )

        try:
            klantcontact = self._write(lambda: transactions.api_schrijfactie(write))
        except Klantcontact.DoesNotExist as exc:
            if exc.args == ("vorig",):
                raise fout(
                    "vorigContactmoment", "Het contactmoment bestaat niet.", "does_not_exist"
                ) from exc
            raise Http404 from exc
        return Response(self.represent(klantcontact))

    def partial_update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        instance = self.get_object()
        try:
            # its audit trail goes with it; one record of the deletion stays
            contacten.delete_klantcontact(instance, herkomst=herkomst(request))
        except Klantcontact.DoesNotExist as exc:
            raise Http404 from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class ContactMomentAuditTrailViewSet(KlantAuditTrailViewSet):
    """
    Opvragen van de audit trail regels.

    list:
    Alle audit trail regels behorend bij de CONTACTMOMENT.

    Alle audit trail regels behorend bij de CONTACTMOMENT.

    retrieve:
    Een specifieke audit trail regel opvragen.

    Een specifieke audit trail regel opvragen.
    """

    schema_tags = ("contactmomenten",)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AuditTrail.objects.none()
        key = parse_uuid(self.kwargs["contactmoment_uuid"])
        # hoofd_object is the contactmoment's absolute URL; its path ends in the uuid
        trail = van_object(f"/contactmomenten/{key}").filter(bron=CONTACTMOMENT.bron)
        if Klantcontact.objects.filter(uuid=key).exists():
            return trail
        # a deleted contactmoment: the record of its deletion is left (no tekst)
        deletion = trail.filter(
            Q(actie=CommonResourceAction.destroy) & Q(resource=CONTACTMOMENT.resource)
        )
        if not deletion.exists():
            raise Http404
        return deletion


# --- klantcontactmomenten ----------------------------------------------------------------------


class KlantContactMomentViewSet(ContactmomentenViewSet):
    """
    Opvragen en verwijderen van KLANT-CONTACTMOMENT relaties.

    list:
    Alle KLANT-CONTACTMOMENT relaties opvragen.

    Deze lijst kan gefilterd wordt met query-string parameters.

    retrieve:
    Een specifieke KLANT-CONTACTMOMENT relatie opvragen.

    Een specifieke KLANT-CONTACTMOMENT relatie opvragen.

    create:
    Maak een KLANT-CONTACTMOMENT relatie aan.

    Registreer een CONTACTMOMENT bij een KLANT.

    **Er wordt gevalideerd op**

    * geldigheid `contactmoment` URL
    * geldigheid `klant` URL: een klant van deze dienst wordt lokaal gecontroleerd (en moet
      zichtbaar zijn voor de applicatie), een klant elders moet met HTTP 200 antwoorden
    * de combinatie `contactmoment`, `klant` en `rol` moet uniek zijn

    destroy:
    Verwijder een KLANT-CONTACTMOMENT relatie.

    Verwijder een KLANT-CONTACTMOMENT relatie.
    """

    queryset = Betrokkene.objects.all()
    serializer_class = KlantContactMomentSerializer
    filterset_class = filters.KlantContactMomentFilter
    filter_spec = filters.KLANTCONTACTMOMENT_FILTERS
    required_scopes = {
        "list": SCOPE_CONTACTMOMENTEN_LEZEN,
        "retrieve": SCOPE_CONTACTMOMENTEN_LEZEN,
        "create": SCOPE_CONTACTMOMENTEN_AANMAKEN,
        "destroy": SCOPE_CONTACTMOMENTEN_VERWIJDEREN,
    }
    schema_tags = ("klantcontactmomenten",)

    def represent(self, betrokkene: Betrokkene) -> CamelCaseData:
        return self.one(
            klantcontactmomenten(Betrokkene.objects.filter(pk=betrokkene.pk)),
            klantcontactmoment_data,
        )

    def list(self, request, *args, **kwargs):
        values = self.clean_query()
        queryset = filters.pas_toe_klantcontactmomenten(Betrokkene.objects.all(), values, request)
        return self.paginated(klantcontactmomenten(queryset), klantcontactmoment_data)

    def retrieve(self, request, *args, **kwargs):
        rows = klantcontactmomenten(Betrokkene.objects.filter(uuid=self.key()))
        return Response(self.one(rows, klantcontactmoment_data))

    def _klant(self, url: str) -> tuple[Klant | None, str]:
        """(a klant of this service, or the URL of a klant elsewhere); 400 when it is not
        there (or, here, not visible to the application: V7)."""
        key = verwijzingen.klant_uuid(url, self.request)
        if key is not None:
            klant = visibility.visible(
                Klant.objects.filter(uuid=key), self.request, per_uuid=True
            ).first()
            if klant is None:
                raise fout("klant", "De klant bestaat niet of is niet zichtbaar.", "bad-url")
            return klant, ""
        if verwijzingen.is_eigen_url(url, self.request):
            raise fout("klant", "De URL is geen klant van deze dienst.", "bad-url")
        if not verwijzingen.bestaat_elders(url):
            raise fout(
                "klant",
                "De klant-URL is ongeldig of niet bereikbaar (HTTP 200 verwacht).",
                "bad-url",
            )
        return None, url

    def create(self, request, *args, **kwargs):
        serializer = KlantContactMomentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attrs = serializer.validated_data
        klantcontact = self.contactmoment_voor(attrs["contactmoment"], "contactmoment")
        klant, klant_url = self._klant(attrs["klant"])
        try:
            betrokkene, _ = contacten.add_betrokkene(
                klantcontact,
                klant=klant,
                klant_url=klant_url,
                klantcontactmoment_rol=attrs["rol"],
                geregistreerd_door=self.registering_applicatie(),
                herkomst=herkomst(request),
            )
        except contacten.Bestaat as exc:
            raise fout(
                NON_FIELD,
                "De velden contactmoment, klant, rol moeten een unieke set zijn.",
                "unique",
            ) from exc
        except Klant.DoesNotExist as exc:
            raise fout("klant", "De klant bestaat niet.", "bad-url") from exc
        except Klantcontact.DoesNotExist as exc:
            raise fout(
                "contactmoment", "Het contactmoment bestaat niet.", "does_not_exist"
            ) from exc
        return self.created(self.represent(betrokkene))

    def destroy(self, request, *args, **kwargs):
        betrokkene = (
            Betrokkene.objects.filter(IS_KLANTCONTACTMOMENT, uuid=self.key())
            .only("id", "klantcontact_id")
            .first()
        )
        if betrokkene is None:
            raise Http404
        try:
            contacten.remove_betrokkene(betrokkene, herkomst=herkomst(request))
        except Betrokkene.DoesNotExist as exc:
            raise Http404 from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- objectcontactmomenten ---------------------------------------------------------------------


class ObjectContactMomentViewSet(ContactmomentenViewSet):
    """
    Opvragen en verwijderen van OBJECT-CONTACTMOMENT relaties.

    Het betreft een relatie tussen een willekeurig OBJECT, bijvoorbeeld een ZAAK in de Zaken
    API, en een CONTACTMOMENT.

    list:
    Alle OBJECT-CONTACTMOMENT relaties opvragen.

    Alle OBJECT-CONTACTMOMENT relaties opvragen.

    retrieve:
    Een specifiek OBJECT-CONTACTMOMENT relatie opvragen.

    Een specifiek OBJECT-CONTACTMOMENT relatie opvragen.

    create:
    Maak een OBJECT-CONTACTMOMENT relatie aan.

    **LET OP: Dit endpoint hoor je als consumer niet zelf aan te spreken.**

    Andere API's, zoals de Zaken API, gebruiken dit endpoint bij het synchroniseren van
    relaties. De relatie wordt alleen aangemaakt als de Zaken API de zaak al aan het
    contactmoment koppelt (`zaakcontactmomenten`).

    destroy:
    Verwijder een OBJECT-CONTACTMOMENT relatie.

    **LET OP: Dit endpoint hoor je als consumer niet zelf aan te spreken.**

    Andere API's, zoals de Zaken API, gebruiken dit endpoint bij het synchroniseren van
    relaties. De relatie wordt alleen verwijderd als de Zaken API de zaak niet meer aan het
    contactmoment koppelt.
    """

    queryset = Onderwerpobject.objects.all()
    serializer_class = ObjectContactMomentSerializer
    filterset_class = filters.ObjectContactMomentFilter
    filter_spec = filters.OBJECTCONTACTMOMENT_FILTERS
    required_scopes = {
        "list": SCOPE_CONTACTMOMENTEN_LEZEN,
        "retrieve": SCOPE_CONTACTMOMENTEN_LEZEN,
        "create": SCOPE_CONTACTMOMENTEN_AANMAKEN,
        "destroy": SCOPE_CONTACTMOMENTEN_VERWIJDEREN,
    }
    schema_tags = ("objectcontactmomenten",)
    # a delete the Zaken API does not (yet) allow: 400 remote-relation-exists (the reference
    # implementation's answer, which the standard's schema does not document)
    schema_extra_errors = {"destroy": (status.HTTP_400_BAD_REQUEST,)}

    def represent(self, onderwerpobject: Onderwerpobject) -> CamelCaseData:
        return self.one(
            objectcontactmomenten(Onderwerpobject.objects.filter(pk=onderwerpobject.pk)),
            objectcontactmoment_data,
        )

    def list(self, request, *args, **kwargs):
        values = self.clean_query()
        queryset = filters.pas_toe_objectcontactmomenten(
            Onderwerpobject.objects.all(), values, request
        )
        return self.paginated(objectcontactmomenten(queryset), objectcontactmoment_data)

    def retrieve(self, request, *args, **kwargs):
        rows = objectcontactmomenten(Onderwerpobject.objects.filter(uuid=self.key()))
        return Response(self.one(rows, objectcontactmoment_data))

    def create(self, request, *args, **kwargs):
        serializer = ObjectContactMomentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attrs = serializer.validated_data
        klantcontact = self.contactmoment_voor(attrs["contactmoment"], "contactmoment")
        unique = fout(
            NON_FIELD, "De velden contactmoment, object moeten een unieke set zijn.", "unique"
        )
        if Onderwerpobject.objects.filter(
            klantcontact=klantcontact, object_url=attrs["object"]
        ).exists():
            raise unique
        # the Zaken API first (no locks are held while it answers)
        try:
            bekend = zaken.zaak_kent_contactmoment(attrs["object"], klantcontact.uuid)
        except zaken.ZakenAPIFout as exc:
            raise fout(NON_FIELD, str(exc), "relation-validation-error") from exc
        if not bekend:
            raise fout(
                NON_FIELD,
                f"Het contactmoment heeft geen relatie met deze {attrs['object_type']} in de "
                "Zaken API.",
                "inconsistent-relation",
            )
        try:
            onderwerpobject = contacten.add_onderwerpobject(
                klantcontact,
                geregistreerd_door=self.registering_applicatie(),
                herkomst=herkomst(request),
                **contacten.zaak_velden(attrs["object"], attrs["object_type"]),
            )
        except contacten.Bestaat as exc:
            raise unique from exc
        except Klantcontact.DoesNotExist as exc:
            raise fout(
                "contactmoment", "Het contactmoment bestaat niet.", "does_not_exist"
            ) from exc
        return self.created(self.represent(onderwerpobject))

    def destroy(self, request, *args, **kwargs):
        onderwerpobject = (
            Onderwerpobject.objects.filter(uuid=self.key())
            .filter(klantcontact__isnull=False)
            .exclude(object_url="")
            .select_related("klantcontact")
            .first()
        )
        if onderwerpobject is None:
            raise Http404
        try:
            bestaat = zaken.zaak_kent_contactmoment(
                onderwerpobject.object_url, onderwerpobject.klantcontact.uuid
            )
        except zaken.ZakenAPIFout as exc:
            raise fout(NON_FIELD, str(exc), "relation-lookup-error") from exc
        if bestaat:
            raise fout(
                NON_FIELD,
                "De relatie bestaat nog in de Zaken API; deze relatie kan niet worden verwijderd.",
                "remote-relation-exists",
            )
        try:
            contacten.remove_onderwerpobject(onderwerpobject, herkomst=herkomst(request))
        except Onderwerpobject.DoesNotExist as exc:
            raise Http404 from exc
        return Response(status=status.HTTP_204_NO_CONTENT)
