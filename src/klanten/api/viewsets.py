"""The Klant resource and its audit trail (VNG Klanten API 1.0.0)."""

import hashlib

import orjson
from django.db.models import Q
from django.http import Http404
from django.utils.http import parse_etags
from drf_spectacular.utils import extend_schema
from notifications_api_common.viewsets import NotificationMixin
from rest_framework import status, viewsets
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings
from vng_api_common.audittrails.api.scopes import SCOPE_AUDITTRAILS_LEZEN
from vng_api_common.audittrails.audits import Audit
from vng_api_common.audittrails.models import AuditTrail
from vng_api_common.constants import CommonResourceAction
from vng_api_common.permissions import AuthScopesRequired

from klanten.datamodel import rules, services, transactions
from klanten.datamodel.models import Klant
from klanten.datamodel.representation import KLANT_LIST_RELATIONS, klant_data
from klanten.datamodel.wijzigingen import KANAAL_KLANTEN
from klanten.notificaties.audit import van_object

from . import readsql, visibility
from .exceptions import regel_als_api_fout
from .extension_serializers import GevalideerdeKlantSerializer
from .extensions import ContentTypeRequiredMixin, actor_for, bewijs_from_request
from .filters import (
    FILTER_LOOKUPS,
    FilterError,
    KlantFilter,
    canonical_parameters,
    clean_filters,
    normalize_query,
)
from .klant_body import klant_attrs
from .pagination import KlantenPagination
from .representation import CamelCaseData
from .request_context import collection_url, herkomst, parse_uuid
from .scopes import (
    SCOPE_KLANTEN_AANMAKEN,
    SCOPE_KLANTEN_BIJWERKEN,
    SCOPE_KLANTEN_LEZEN,
    SCOPE_KLANTEN_VALIDEREN,
    SCOPE_KLANTEN_VERWIJDEREN,
)
from .serializers import KlantAuditTrailSerializer, KlantSerializer

AUDIT_KLANTEN = Audit(component_name="kc", main_resource="klant")


class ETagMixin:
    """C11: a strong ETag over the rendered JSON body, with If-None-Match → 304.

    HEAD is answered by the same code path; Django strips the body.
    """

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if (
            request.method in ("GET", "HEAD")
            and response.status_code == 200
            and getattr(self, "action", None) == "retrieve"
        ):
            response.render()
            digest = hashlib.md5(response.content, usedforsecurity=False).hexdigest()
            etag = f'"{digest}"'
            response["ETag"] = etag
            if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
            if if_none_match:
                # weak comparison (RFC 9110 13.1.2): W/"x" matches "x"
                tags = [tag.removeprefix("W/") for tag in parse_etags(if_none_match)]
                if "*" in tags or etag in tags:
                    response.status_code = status.HTTP_304_NOT_MODIFIED
                    response.content = b""
                    del response["Content-Type"]
        return response


class KlantViewSet(
    ContentTypeRequiredMixin,
    ETagMixin,
    NotificationMixin,
    viewsets.GenericViewSet,
):
    """
    Opvragen en bewerken van KLANTen.

    Een KLANT is een eenvoudige weergave van een NATUURLIJK PERSOON, NIET-NATUURLIJK PERSOON
    of VESTIGING. Indien de KLANT geverifieerd is mag een relatie gelegd worden met een subject
    middels het attribuut `subject` of, indien er geen API beschikbaar is voor deze objecten,
    middels `subjectIdentificatie`.

    list:
    Alle KLANTen opvragen.

    Alle KLANTen opvragen.

    retrieve:
    Een specifiek KLANT opvragen.

    Een specifiek KLANT opvragen.

    create:
    Maak een KLANT aan.

    Maak een KLANT aan.

    update:
    Werk een KLANT in zijn geheel bij.

    Werk een KLANT in zijn geheel bij.

    partial_update:
    Werk een KLANT deels bij.

    Werk een KLANT deels bij.

    destroy:
    Verwijder een KLANT.

    Verwijder een KLANT.
    """

    queryset = Klant.objects.all()
    serializer_class = KlantSerializer
    filterset_class = KlantFilter
    pagination_class = KlantenPagination
    lookup_field = "uuid"
    lookup_value_regex = "[^/]+"
    permission_classes = (AuthScopesRequired,)
    required_scopes = {
        "list": SCOPE_KLANTEN_LEZEN,
        "retrieve": SCOPE_KLANTEN_LEZEN,
        "create": SCOPE_KLANTEN_AANMAKEN,
        "update": SCOPE_KLANTEN_BIJWERKEN,
        "partial_update": SCOPE_KLANTEN_BIJWERKEN,
        "destroy": SCOPE_KLANTEN_VERWIJDEREN,
        "create_gevalideerd": SCOPE_KLANTEN_AANMAKEN & SCOPE_KLANTEN_VALIDEREN,
    }
    # the kanaal's documentation lists the actions of this viewset (NotificationMixin), and the
    # schema documents the audit headers of its writes (``audit``, api/schema.py); the audit
    # trail and the notifications themselves are written by the services
    notifications_kanaal = KANAAL_KLANTEN
    audit = AUDIT_KLANTEN
    _canonical = canonical_parameters([*KlantFilter.base_filters, "page"])

    def get_queryset(self):
        queryset = Klant.objects.select_related(*KLANT_LIST_RELATIONS).order_by("-id")
        if getattr(self, "swagger_fake_view", False):
            return queryset
        # V7: a non-validated klant only for the application that registered it
        return visibility.visible(queryset, self.request)

    def get_object(self) -> Klant:
        key = parse_uuid(self.kwargs[self.lookup_field])
        try:
            klant = self.get_queryset().get(uuid=key)
        except Klant.DoesNotExist as exc:
            raise Http404 from exc
        self.check_object_permissions(self.request, klant)
        return klant

    def collection_url(self) -> str:
        if not hasattr(self, "_collection_url"):
            self._collection_url = collection_url(self.request)
        return self._collection_url

    def represent(self, klant: Klant) -> CamelCaseData:
        base = self.collection_url()
        # a write's service leaves what it recorded (``services._leg_vast``): the same
        # representation when it is on this request's collection URL
        vastgelegd = getattr(klant, "vastgelegd", None)
        if vastgelegd is not None and vastgelegd[0] == base:
            return CamelCaseData(vastgelegd[1])
        return CamelCaseData(klant_data(klant, base))

    # --- reads -----------------------------------------------------------------------------
    def list(self, request, *args, **kwargs):
        params, unknown = normalize_query(request.query_params, self._canonical)
        if unknown:
            raise ValidationError(
                {
                    api_settings.NON_FIELD_ERRORS_KEY: [
                        f"Onbekende query parameters: {', '.join(sorted(unknown))}"
                    ]
                },
                code="unknown-parameters",
            )
        params.pop("page", None)
        try:
            values = clean_filters(params)
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
        lookups = {name: FILTER_LOOKUPS[name] for name in values}
        # each row: (the number of matches, the klant's JSON text)
        page = self.paginator.paginate(
            request,
            lambda limit, offset: readsql.list_weergaven(request, lookups, values, limit, offset),
            lambda rows: rows[0][0],
        )
        begin = readsql.weergave_begin(self.collection_url())
        results = orjson.Fragment("[" + ",".join([begin + tekst for _, tekst in page]) + "]")
        return self.get_paginated_response(results)

    def retrieve(self, request, *args, **kwargs):
        key = parse_uuid(self.kwargs[self.lookup_field])
        tekst = readsql.detail_weergave(request, key)
        if tekst is None:
            raise Http404
        # no check_object_permissions: AuthScopesRequired's object check (without an object)
        # is the scope check has_permission made before the view ran
        return Response(orjson.Fragment(readsql.weergave_begin(self.collection_url()) + tekst))

    # --- writes ----------------------------------------------------------------------------
    # The services lock the klant row first, answer Klant.DoesNotExist (404) when it is gone,
    # and record the change (audit trail and notification) in the same transaction.
    def _write(self, write) -> Klant:
        try:
            return write()
        except services.DuplicateKlantnummer as exc:
            raise ValidationError(
                {
                    api_settings.NON_FIELD_ERRORS_KEY: [
                        "De velden bronorganisatie, klantnummer moeten een unieke set zijn."
                    ]
                },
                code="unique",
            ) from exc
        except rules.RuleViolation as exc:
            # the field the rule names (exc.field), a conflict's existing klant (V6)
            raise regel_als_api_fout(exc, self.request) from exc

    def _validated(self, data, instance=None, partial=False) -> dict:
        """The validated body: a plain valid one without building the serializer
        (:func:`klant_body.klant_attrs`, the same data); anything else through it."""
        attrs = klant_attrs(data, instance, partial)
        if attrs is None:
            serializer = KlantSerializer(instance, data=data, partial=partial)
            serializer.is_valid(raise_exception=True)
            attrs = serializer.validated_data
        if instance is not None:
            # a create needs no query: the unique constraint answers the same
            # (services.DuplicateKlantnummer, :meth:`_write`)
            self._check_unique_klantnummer_attrs(attrs, instance)
        return attrs

    @staticmethod
    def _check_unique_klantnummer_attrs(attrs, instance):
        bronorganisatie = attrs.get("bronorganisatie", getattr(instance, "bronorganisatie", None))
        klantnummer = attrs.get("klantnummer", getattr(instance, "klantnummer", None))
        if not klantnummer:
            return
        if instance is not None and (bronorganisatie, klantnummer) == (
            instance.bronorganisatie,
            instance.klantnummer,
        ):
            return  # its own
        clash = Klant.objects.filter(bronorganisatie=bronorganisatie, klantnummer=klantnummer)
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            raise ValidationError(
                {
                    api_settings.NON_FIELD_ERRORS_KEY: [
                        "De velden bronorganisatie, klantnummer moeten een unieke set zijn."
                    ]
                },
                code="unique",
            )

    def _created(self, klant: Klant) -> Response:
        data = self.represent(klant)
        return Response(data, status=status.HTTP_201_CREATED, headers={"Location": data["url"]})

    def _registering_applicatie(self):
        applicatie = visibility.requesting_applicatie(self.request)
        return applicatie.uuid if applicatie is not None else None

    def create(self, request, *args, **kwargs):
        data = {
            **self._validated(request.data),
            "geregistreerd_door": self._registering_applicatie(),
        }
        klant = self._write(lambda: services.create_klant(data, herkomst=herkomst(request)))
        return self._created(klant)

    @extend_schema(
        operation_id="gevalideerde_klant_create",
        summary="Registreer een gevalideerde KLANT in één keer (extensie).",
        description="Voor een portaal waarin de persoon net is ingelogd (bijvoorbeeld met "
        "DigiD) en zelf zijn gegevens opgeeft: KLANT en bewijs worden samen vastgelegd. "
        "Vereist `klanten.aanmaken` en `klanten.valideren`.",
        request=GevalideerdeKlantSerializer,
        responses={201: KlantSerializer},
        tags=["extensies"],
    )
    def create_gevalideerd(self, request, *args, **kwargs):
        """Register a klant and its evidence at once (extension, see GevalideerdeKlant)."""
        serializer = GevalideerdeKlantSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = {
            **serializer.validated_data["klant"],
            "geregistreerd_door": self._registering_applicatie(),
        }
        validatie = {**serializer.validated_data["validatie"], "gegevens_bevestigd": True}
        try:
            bewijs = bewijs_from_request(request, validatie)
        except rules.RuleViolation as exc:
            raise regel_als_api_fout(exc, request) from exc
        klant = self._write(
            lambda: services.create_gevalideerde_klant(
                data, bewijs, actor_for(request), herkomst=herkomst(request)
            )
        )
        return self._created(klant)

    def _locked_object(self) -> Klant:
        """The klant of the URL, locked with its representation's rows (in the write
        transaction of :func:`transactions.api_schrijfactie`): the services use it as it is."""
        key = parse_uuid(self.kwargs[self.lookup_field])
        try:
            klant = readsql.lock_klant(self.request, key)
        except Klant.DoesNotExist as exc:
            raise Http404 from exc
        self.check_object_permissions(self.request, klant)
        return klant

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)

        # one transaction from the lock to the audit record: the row read is the row written
        def write():
            instance = self._locked_object()
            attrs = self._validated(request.data, instance=instance, partial=partial)
            return services.update_klant(
                instance, attrs, partial=partial, herkomst=herkomst(request)
            )

        klant = self._write(lambda: transactions.api_schrijfactie(write))
        return Response(self.represent(klant))

    def partial_update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        # its audit trail goes with it (it holds its data); one record of the deletion stays
        # a conflict (legacy data it could not repair, partijherstel) is a 409 by the API's
        # exception handler (``regel_als_api_fout``, as the writes that map it themselves)
        transactions.api_schrijfactie(
            lambda: services.delete_klant(self._locked_object(), herkomst=herkomst(request))
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class KlantAuditTrailViewSet(ETagMixin, viewsets.ReadOnlyModelViewSet):
    """
    Opvragen van de audit trail regels.

    list:
    Alle audit trail regels behorend bij de KLANT.

    Alle audit trail regels behorend bij de KLANT.

    retrieve:
    Een specifieke audit trail regel opvragen.

    Een specifieke audit trail regel opvragen.
    """

    serializer_class = KlantAuditTrailSerializer
    lookup_field = "uuid"
    lookup_value_regex = "[^/]+"
    pagination_class = None
    basename = "audittrail"
    permission_classes = (AuthScopesRequired,)
    required_scopes = {"list": SCOPE_AUDITTRAILS_LEZEN, "retrieve": SCOPE_AUDITTRAILS_LEZEN}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AuditTrail.objects.none()
        klant_uuid = parse_uuid(self.kwargs["klant_uuid"])
        # hoofd_object is the klant's absolute URL; its path ends in the uuid
        trail = van_object(f"/klanten/{klant_uuid}")
        klanten = Klant.objects.filter(uuid=klant_uuid)
        # V7: a read by uuid also sees the klanten of the application's contactmomenten
        if visibility.visible(klanten, self.request, per_uuid=True).exists():
            return trail
        if klanten.exists():
            raise Http404  # V7: invisible, the same answer as for an unknown klant
        return self._deleted(trail)

    def _deleted(self, trail):
        """A deleted klant: only the record of its deletion is left (no personal data). V7 as
        far as it can still be checked: the deletion of a non-validated klant is shown to the
        application that deleted it and to those that see every non-validated klant."""
        deletion = trail.filter(actie=CommonResourceAction.destroy)
        if not visibility.sees_all_non_validated(self.request):
            condition = Q(oud__gevalideerd=True)
            applicatie = visibility.requesting_applicatie(self.request)
            if applicatie is not None:
                condition |= Q(applicatie_id=str(applicatie.uuid))
            deletion = deletion.filter(condition)
        if not deletion.exists():
            raise Http404
        return deletion

    def get_object(self):
        key = parse_uuid(self.kwargs["uuid"])
        try:
            trail = self.get_queryset().get(uuid=key)
        except AuditTrail.DoesNotExist as exc:
            raise Http404 from exc
        self.check_object_permissions(self.request, trail)
        return trail
