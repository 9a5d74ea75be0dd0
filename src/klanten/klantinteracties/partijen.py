"""The partij side of the Klantinteracties API: ``/partijen``, ``/partij-identificatoren``,
``/digitaleadressen`` (K3-K8), and their expand registrations.

Expand resources registered here (``expand.registreer_resource``): ``partij``,
``partijidentificator``, ``digitaaladres``; path ``partij.digitaleAdressen``. The
klantcontacten side registers ``partij.betrokkenen``, ``betrokkene.hadKlantcontact`` and
``digitaaladres.verstrektDoorBetrokkene`` on these.

Visibility (K5, K6, V7):

- lists and searches show validated partijen and unconfirmed anchors (an anchor only when no
  validated partij has its BSN); never another non-validated klant;
- by uuid, also a non-validated klant to the client that registered it (or the clients of a
  klantcontact it took part in, V7), and everything with ``klanten.beheer``;
- digitale adressen: those of a partij one may see; an address given only by a betrokkene is
  listed only through ``verstrektDoorBetrokkene__*`` by a client that may see that betrokkene,
  or found by an exact ``adres`` search with ``klantinteracties.adressen_zoeken`` (K7, logged).
"""

import json

import structlog
from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.db.models.lookups import IsNull
from django.http import Http404
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from klanten.api.exceptions import regel_als_api_fout
from klanten.api.request_context import herkomst
from klanten.datamodel import evidence, partijservices, partijstand, rules, transactions
from klanten.datamodel.klantcontacten import Betrokkene
from klanten.datamodel.models import Klant, KlantbeeldVerzoek
from klanten.datamodel.partijen import DigitaalAdres, PartijIdentificator, normaliseer_adres
from klanten.datamodel.partijrepresentatie import (
    digitaal_adres_data,
    identificator_data,
    laad_adressen,
    laad_partijen,
    partij_data,
    partij_queryset,
)
from klanten.datamodel.partijsync import SLEUTEL_VOOR_SOORT

from . import expand, filters, leesvormen
from .scopes import SCOPE_KI_ADRESSEN_ZOEKEN
from .serializers import DigitaalAdresSerializer, PartijIdentificatorSerializer, PartijSerializer
from .viewsets import KlantinteractiesViewSet, fout

logger = structlog.stdlib.get_logger(__name__)

HEADER_AUTHENTICATIE = "X-Authenticatie-Context"


# --- visibility ---------------------------------------------------------------------------------


def _anker_zonder_gevalideerde(prefix: str = "") -> Q:
    """An anchor counts only while no validated klant of its organisation has its BSN (K5)."""
    gevalideerd = Klant.objects.filter(
        per_rij(f"{prefix}gevalideerde_sleutel"),
        gevalideerd=True,
        bronorganisatie=OuterRef(f"{prefix}bronorganisatie"),
        gevalideerde_sleutel_type=OuterRef(f"{prefix}gevalideerde_sleutel_type"),
        gevalideerde_sleutel=OuterRef(f"{prefix}gevalideerde_sleutel"),
    )
    return Q(**{f"{prefix}anker": True}) & ~Q(Exists(gevalideerd))


def per_rij(veld: str) -> IsNull:
    """``veld IS NOT NULL`` of the outer row, as a condition of a correlated subquery on
    ``veld = ...``: the same rows (a NULL is equal to nothing), but PostgreSQL no longer
    plans the subquery as an alternative hashed subplan (``convert_EXISTS_to_ANY`` takes only
    equalities on outer columns). Given that alternative, the planner costs it for every row
    of the table, not for the rows a ``LIMIT`` reads, and hashed every klant meeting the
    condition for each request once the table's statistics estimate many rows (the
    unfiltered ``GET /partij-identificatoren``: every searchable klant for a page of 100,
    10 ms at 20,000 klanten and linear in them); now the subquery is a probe of the outer
    row's klant by key, one per row read."""
    return IsNull(OuterRef(veld), False)


def partij_zoekbaar(prefix: str = "") -> Q:
    """K5/K6: what identifier, name and address searches may find."""
    return Q(**{f"{prefix}gevalideerd": True}) | _anker_zonder_gevalideerde(prefix)


def partij_per_uuid(ctx, prefix: str = "") -> Q:
    """V7/K6: what a client may read by uuid."""
    if ctx.ziet_alles:
        return Q()
    conditie = Q(**{f"{prefix}gevalideerd": True}) | Q(**{f"{prefix}anker": True})
    if ctx.applicatie_uuid is not None:
        from klanten.api.visibility import via_contactmomenten

        conditie |= Q(**{f"{prefix}geregistreerd_door": ctx.applicatie_uuid})
        conditie |= Q(via_contactmomenten(ctx.applicatie_uuid, f"{prefix}pk"))
    return conditie


def heeft_partij_per_uuid(ctx, veld: str = "klant_id") -> Q:
    """A row whose partij (its column ``veld``) this client may read by uuid
    (:func:`partij_per_uuid`), as a correlated ``EXISTS``: ``klant_id IN (SELECT id FROM
    klant WHERE ...)`` in an ``OR`` cannot become a join, so PostgreSQL evaluated it by reading
    every readable klant (a sequential scan of the table, and JIT compilation for its cost: a
    second and more per request at 20,000 klanten); the ``EXISTS`` reads the row's one klant by
    its primary key. The same rows: a row without a partij matches neither."""
    return heeft_partij(partij_per_uuid(ctx), veld)


def heeft_partij(voorwaarde: Q, veld: str = "klant_id", *, tellen: bool = False) -> Q:
    """A row whose partij (its column ``veld``) meets ``voorwaarde`` (a condition on klant), as
    a correlated ``EXISTS`` on the partij's primary key: in an ``OR`` (a list's rows without a
    partij, or of a betrokkene), ``klant_id IN (SELECT id FROM klant WHERE ...)`` became a
    hashed subplan that read every klant meeting ``voorwaarde`` for each request, however small
    its answer. A row without a partij matches neither form.

    The ``EXISTS`` is a probe per row (:func:`per_rij`), what a page (``LIMIT``) needs;
    ``tellen``: for the count of a list (every matching row, no ``LIMIT``), where PostgreSQL
    may still choose to hash the klanten meeting ``voorwaarde`` when it estimates that cheaper
    than a probe for each row of the table (an unfiltered list: half the time of the probes)."""
    klanten = Klant.objects.filter(pk=OuterRef(veld))
    if not tellen:
        klanten = klanten.filter(per_rij(veld))
    return Q(Exists(klanten.filter(voorwaarde)))


def betrokkene_zichtbaar(ctx, prefix: str = "betrokkene__") -> Q:
    """V7: a betrokkene a client registered, or of a klantcontact it registered."""
    if ctx.ziet_alles:
        # not an empty Q() without a prefix: ``Q() | other`` is ``other`` (a client that sees
        # everything could not name an anonymous betrokkene as verstrektDoorBetrokkene)
        return Q(**{f"{prefix}isnull": False}) if prefix else Q(pk__isnull=False)
    if ctx.applicatie_uuid is None:
        return Q(pk__in=[])
    return Q(**{f"{prefix}geregistreerd_door": ctx.applicatie_uuid}) | Q(
        **{f"{prefix}klantcontact__geregistreerd_door": ctx.applicatie_uuid}
    )


def adres_per_uuid(ctx) -> Q:
    """V7/K6: the digitale adressen a client may read by uuid: those of a partij it may read
    by uuid, of a betrokkene it may see, and an address of neither that it registered."""
    # an address of neither a partij nor a betrokkene: its client's only
    eigen = (
        Q(klant__isnull=True, betrokkene__isnull=True, geregistreerd_door=ctx.applicatie_uuid)
        if ctx.applicatie_uuid is not None
        else Q(pk__in=[])
    )
    return heeft_partij_per_uuid(ctx) | (Q(klant__isnull=True) & betrokkene_zichtbaar(ctx)) | eigen


# --- expand registrations -----------------------------------------------------------------------


def _digitale_adressen_van(partijen, ctx) -> dict:
    laad_partijen(partijen, ctx)
    result = {}
    for klant in partijen:
        adressen = list(klant.digitale_adressen.all())
        for adres in adressen:
            DigitaalAdres.klant.field.set_cached_value(adres, klant)
        result[klant.pk] = adressen
    return result


expand.registreer_resource("partij", weergave=partij_data, laad=laad_partijen)
expand.registreer_resource(
    "partijidentificator",
    weergave=identificator_data,
    laad=lambda rijen, ctx: None,
)
expand.registreer_resource("digitaaladres", weergave=digitaal_adres_data, laad=laad_adressen)
expand.registreer_pad(
    "partij", "digitaleAdressen", doel="digitaaladres", volg=_digitale_adressen_van
)


# --- shared helpers -------------------------------------------------------------------------------


def bronorganisatie() -> str:
    return settings.KLANTINTERACTIES_BRONORGANISATIE


def authenticatie_context(request) -> dict | None:
    """K4: the optional ``X-Authenticatie-Context`` (JSON ``middel``, ``niveau``, ``moment``)."""
    raw = request.headers.get(HEADER_AUTHENTICATIE)
    if raw is None:
        return None
    try:
        data = json.loads(raw)
        moment = parse_datetime(data["moment"]) if isinstance(data.get("moment"), str) else None
        if not isinstance(data, dict) or moment is None or moment.tzinfo is None:
            raise ValueError
        middel, niveau = data["middel"], data["niveau"]
        if not isinstance(middel, str) or not isinstance(niveau, str):
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise fout(
            HEADER_AUTHENTICATIE,
            "Verwacht JSON met middel, niveau en moment (ISO 8601 met tijdzone).",
            "invalid",
        ) from None
    return {"middel": middel, "niveau": niveau, "moment": moment}


def bewijs_voor(request, soort: str, object_id: str) -> rules.Bewijs | None:
    """K4: the evidence the requesting client gives for the subject it creates a partij for."""
    from klanten.api.visibility import requesting_applicatie

    identiteit = rules.Identiteit(SLEUTEL_VOOR_SOORT[soort], object_id)
    try:
        bewijs = evidence.bewijs_van_klantinteracties_client(
            requesting_applicatie(request), identiteit, authenticatie_context(request)
        )
    except rules.RuleViolation as exc:
        raise regel_als_api_fout(exc) from exc
    return bewijs


def _partij(ctx, uuid, *, vergrendel: bool = False) -> Klant | None:
    """The partij a client refers to (one it may read by uuid), or None; ``vergrendel``:
    locked with its partij rows, in the write transaction (``partijstand``)."""
    partijen = Klant.objects.filter(partij_per_uuid(ctx))
    if vergrendel:
        return partijstand.vergrendel_uit(partijen, uuid=uuid)
    return partijen.filter(uuid=uuid).first()


def _schrijf(write, *args, **kwargs):
    """A write of the services as one write transaction (``api_schrijfactie``: the rows the
    view locks are not locked again): a rule it breaks is the API's error, a row gone 404."""
    try:
        return transactions.api_schrijfactie(write, *args, **kwargs)
    except rules.RuleViolation as exc:
        raise regel_als_api_fout(exc) from exc
    except (
        Klant.DoesNotExist,
        DigitaalAdres.DoesNotExist,
        PartijIdentificator.DoesNotExist,
    ) as exc:
        raise Http404 from exc


def beschreven(**acties: str | tuple[str, str]):
    """The schema's summary and description of each action (one text: both)."""
    return extend_schema_view(
        **{
            actie: extend_schema(
                summary=tekst if isinstance(tekst, str) else tekst[0],
                description=tekst if isinstance(tekst, str) else tekst[1],
            )
            for actie, tekst in acties.items()
        }
    )


# --- partijen -------------------------------------------------------------------------------------

_NAAM_VELDEN = {
    "voornaam": "voornaam",
    "voorvoegsel_achternaam": "voorvoegsel_achternaam",
    "achternaam": "achternaam",
}


@beschreven(
    list="Alle partijen opvragen.",
    retrieve="Een specifiek partij opvragen.",
    create="Maak een partij aan.",
    destroy="Verwijder een partij.",
)
class PartijViewSet(KlantinteractiesViewSet):
    serializer_class = PartijSerializer
    filterset_class = filters.PartijFilter
    resource = "partij"
    collectie = "partijen"
    model = Klant
    schema_tags = ("partijen",)

    def basis_queryset(self):
        if self.action == "list":
            return partij_queryset().filter(partij_zoekbaar())
        return partij_queryset().filter(partij_per_uuid(self.ctx()))

    def list(self, request, *args, **kwargs):
        vraag = leesvormen.zoekvraag(request.query_params)
        if vraag is None:
            return self.lijst()
        # the identifier search (all its parameters known, its values valid): prepared
        return self.voorbereide_pagina(
            lambda limit: leesvormen.gezochte_partijen(vraag, limit, partij_zoekbaar),
            lambda: leesvormen.gezochte_aantal(vraag, partij_zoekbaar),
        )

    def gelezen(self):
        """The partij of the path with its rows, as :meth:`object_of_404` and ``laad_partijen``
        read them, in prepared statements (``leesvormen.partij``)."""
        return self.voorbereid_object(
            lambda key: leesvormen.partij(self.ctx(), key, partij_per_uuid)
        )

    def _gegevens(self, attrs: dict) -> partijservices.PartijGegevens:
        soort = attrs["soort_partij"]
        identificatie = attrs.get("partij_identificatie") or {}
        contactnaam = identificatie.get("contactnaam") or {}
        velden = {
            "indicatie_actief": attrs["indicatie_actief"],
            "indicatie_geheimhouding": attrs.get("indicatie_geheimhouding"),
            "voorkeurstaal": attrs.get("voorkeurstaal", ""),
            "interne_notitie": attrs.get("interne_notitie", ""),
            "bezoekadres": _camel_adres(attrs.get("bezoekadres")),
        }
        for bron, kolom in _NAAM_VELDEN.items():
            velden[kolom] = contactnaam.get(bron, "")
        if soort == "organisatie":
            velden["bedrijfsnaam"] = identificatie.get("naam", "")
        if soort == "contactpersoon":
            ref = identificatie.get("werkte_voor_partij")
            if ref:
                werkgever = (
                    Klant.objects.filter(partij_per_uuid(self.ctx()))
                    .filter(uuid=ref["uuid"])
                    .first()
                )
                if werkgever is None:
                    raise fout(
                        "partijIdentificatie.werkteVoorPartij",
                        "De partij bestaat niet.",
                        "does_not_exist",
                    )
                velden["werkte_voor_partij"] = werkgever
        identificatoren = []
        for item in attrs.get("partij_identificatoren") or []:
            groep = item["partij_identificator"]
            sub = None
            if item.get("sub_identificator_van"):
                sub = PartijIdentificator.objects.filter(
                    uuid=item["sub_identificator_van"]["uuid"]
                ).first()
                if sub is None:
                    raise fout(
                        "partijIdentificatoren.subIdentificatorVan",
                        "De identificator bestaat niet.",
                        "does_not_exist",
                    )
            identificatoren.append(
                partijservices.Identificator(
                    code_register=groep["code_register"],
                    code_objecttype=groep["code_objecttype"],
                    code_soort_object_id=groep["code_soort_object_id"],
                    object_id=groep["object_id"],
                    andere_partij_identificator=item.get("andere_partij_identificator", ""),
                    uuid=item.get("uuid"),
                    sub_identificator_van=sub,
                )
            )
        adressen = []
        for ref in attrs.get("digitale_adressen") or []:
            adres = DigitaalAdres.objects.filter(uuid=ref["uuid"]).first()
            if adres is None:
                raise fout("digitaleAdressen", "Het digitale adres bestaat niet.", "does_not_exist")
            adressen.append(adres)
        voorkeur = None
        if attrs.get("voorkeurs_digitaal_adres"):
            voorkeur = DigitaalAdres.objects.filter(
                uuid=attrs["voorkeurs_digitaal_adres"]["uuid"]
            ).first()
            if voorkeur is None:
                raise fout(
                    "voorkeursDigitaalAdres", "Het digitale adres bestaat niet.", "does_not_exist"
                )
        return partijservices.PartijGegevens(
            voorkeur=voorkeur,
            soort_partij=soort,
            bronorganisatie=bronorganisatie(),
            geregistreerd_door=self.ctx().applicatie_uuid,
            velden=velden,
            voorletters=contactnaam.get("voorletters", ""),
            correspondentieadres=attrs.get("correspondentieadres"),
            identificatoren=identificatoren,
            adressen=adressen,
        )

    def create(self, request, *args, **kwargs):
        serializer = PartijSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        gegevens = self._gegevens(serializer.validated_data)
        sleutel = partijservices._sleutel(gegevens.identificatoren)
        bewijs = None
        if sleutel is not None:
            try:
                partijservices.valideer_identificator(sleutel)
            except rules.RuleViolation as exc:
                raise regel_als_api_fout(exc) from exc
            bewijs = bewijs_voor(request, sleutel.code_soort_object_id, sleutel.object_id)
        try:
            klant, _nieuw = partijservices.maak_partij(
                gegevens, bewijs=bewijs, herkomst=herkomst(request)
            )
        except rules.RuleViolation as exc:
            raise regel_als_api_fout(exc) from exc
        if not partijstand.in_geheugen(klant):  # an existing partij (K5), or rows linked
            klant = partij_queryset().get(pk=klant.pk)
        return self.aangemaakt(klant)

    def destroy(self, request, *args, **kwargs):
        klant = self.object_of_404()
        if (
            not (
                klant.gevalideerd is False
                and klant.geregistreerd_door == self.ctx().applicatie_uuid
            )
            and not self.ctx().ziet_alles
            and not klant.gevalideerd
            and not klant.anker
        ):
            raise Http404
        # a conflict (legacy data it could not repair, partijherstel) is a 409 by the API's
        # exception handler (``regel_als_api_fout``, as the writes that map it themselves)
        partijservices.verwijder_partij(klant, herkomst=herkomst(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


def _camel_adres(adres: dict | None) -> dict | None:
    if adres is None:
        return None
    from djangorestframework_camel_case.util import camelize

    return camelize(dict(adres))


# --- partij-identificatoren -----------------------------------------------------------------------


@beschreven(
    list="Alle partij-identificatoren opvragen.",
    retrieve="Een specifiek partij-identificator opvragen.",
    create="Maak een partij-identificator aan.",
    update="Werk een partij-identificator in zijn geheel bij.",
)
class PartijIdentificatorViewSet(KlantinteractiesViewSet):
    serializer_class = PartijIdentificatorSerializer
    filterset_class = filters.PartijIdentificatorFilter
    resource = "partijidentificator"
    collectie = "partij-identificatoren"
    model = PartijIdentificator
    schema_tags = ("partij-identificatoren",)

    def basis_queryset(self, *, tellen: bool = False):
        """``tellen``: the rows of a list to count (:meth:`aantal`), not to read a page of."""
        ctx = self.ctx()
        rijen = PartijIdentificator.objects.select_related("klant", "sub_identificator_van")
        if ctx.ziet_alles:
            return rijen
        eigen = Q(geregistreerd_door=ctx.applicatie_uuid) if ctx.applicatie_uuid else Q(pk__in=[])
        # an identifier without a partij: an HR number is no personal data; a BSN only for
        # the client that made it
        los = Q(klant__isnull=True) & (~Q(code_soort_object_id="bsn") | eigen)
        if self.action == "list":
            return rijen.filter(los | heeft_partij(partij_zoekbaar(), tellen=tellen))
        return rijen.filter(los | heeft_partij_per_uuid(ctx))

    def aantal(self, queryset) -> int:
        """The matches of a full page of the list (``self.lijst()``, which ``queryset`` is):
        the same rows and filters, each row's partij checked in the form a count needs
        (:func:`heeft_partij`)."""
        return self.filter_queryset(self.basis_queryset(tellen=True)).order_by().count()

    def _lees(self, attrs: dict, *, vergrendel: bool = False):
        groep = attrs["partij_identificator"]
        sub = None
        if attrs.get("sub_identificator_van"):
            sub = PartijIdentificator.objects.filter(
                uuid=attrs["sub_identificator_van"]["uuid"]
            ).first()
            if sub is None:
                raise fout(
                    "subIdentificatorVan", "De identificator bestaat niet.", "does_not_exist"
                )
        klant = None
        if attrs.get("identificeerde_partij"):
            klant = _partij(
                self.ctx(), attrs["identificeerde_partij"]["uuid"], vergrendel=vergrendel
            )
            if klant is None:
                raise fout("identificeerdePartij", "De partij bestaat niet.", "does_not_exist")
        ident = partijservices.Identificator(
            code_register=groep["code_register"],
            code_objecttype=groep["code_objecttype"],
            code_soort_object_id=groep["code_soort_object_id"],
            object_id=groep["object_id"],
            andere_partij_identificator=attrs.get("andere_partij_identificator", ""),
            sub_identificator_van=sub,
        )
        return ident, klant

    def _bewijs(self, ident, klant):
        """K4: evidence for a subject attached to a partij, from a trusted asserter."""
        if klant is None or klant.gevalideerd:
            return None
        try:
            partijservices.valideer_identificator(ident)
        except rules.RuleViolation as exc:
            raise regel_als_api_fout(exc) from exc
        return bewijs_voor(self.request, ident.code_soort_object_id, ident.object_id)

    def create(self, request, *args, **kwargs):
        serializer = PartijIdentificatorSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)

        def schrijf():
            ident, klant = self._lees(serializer.validated_data, vergrendel=True)
            return partijservices.maak_identificator(
                ident,
                klant,
                bronorganisatie=bronorganisatie(),
                geregistreerd_door=self.ctx().applicatie_uuid,
                bewijs=self._bewijs(ident, klant),
                herkomst=herkomst(request),
            )

        return self.aangemaakt(_schrijf(schrijf))

    def update(self, request, *args, **kwargs):
        rij = self.object_of_404()
        serializer = PartijIdentificatorSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ident, klant = self._lees(serializer.validated_data)
        rij = _schrijf(
            partijservices.wijzig_identificator,
            rij,
            ident,
            klant,
            bewijs=self._bewijs(ident, klant),
            herkomst=herkomst(request),
        )
        return self.toon(rij, expand_lezen=False)


# --- digitale adressen ----------------------------------------------------------------------------


@beschreven(
    list=(
        "Alle digitale adressen opvragen.",
        "Alle digitale adressen opvragen. `adres` zoekt exact (genormaliseerd) en "
        "vereist de scope `klantinteracties.adressen_zoeken` (K7); elke zoekvraag wordt "
        "gelogd.",
    ),
    retrieve="Een specifiek digitaal adres opvragen.",
    create="Maak een digitaal adres aan.",
    update="Werk een digitaal adres in zijn geheel bij.",
    partial_update="Werk een digitaal adres deels bij.",
)
class DigitaalAdresViewSet(KlantinteractiesViewSet):
    serializer_class = DigitaalAdresSerializer
    filterset_class = filters.DigitaalAdresFilter
    resource = "digitaaladres"
    collectie = "digitaleadressen"
    model = DigitaalAdres
    schema_tags = ("digitale adressen",)

    # Open Forms' and Open Inwoner's addresses of a partij, ``?verstrektDoorPartij__uuid=``:
    # the first page read in a prepared statement (``leesvormen.lijstvraag``); with ``adres``
    # (K7: a permission, logged) or any other parameter the ORM path
    voorbereide_filters = {"verstrektDoorPartij__uuid": None}
    lijst_rijen = None

    def basis_voor(self, ctx):
        """What a list of ``verstrektDoorPartij__uuid`` may show a client (``ctx``): the
        addresses of partijen (``basis_queryset`` without ``verstrektDoorBetrokkene__*`` and
        ``adres``)."""
        return DigitaalAdres.objects.select_related("klant", "betrokkene").filter(
            self._partij_adres(ctx)
        )

    def filter_voor(self, queryset, values: dict, ctx):
        """The filterset's own filters (``field_name`` filters: no method, no request)."""
        for naam, waarde in values.items():
            queryset = self.filterset_class.base_filters[naam].filter(queryset, waarde)
        return queryset

    def _partij_adres(self, ctx=None) -> Q:
        """What a list may show of the partijen's addresses: each address's own partij read by
        its key (:func:`heeft_partij`), also where the condition is one side of an ``OR``."""
        ctx = self.ctx() if ctx is None else ctx
        if ctx.ziet_alles:
            return Q(klant__isnull=False)
        if ctx.applicatie_uuid is not None:
            # the client's own identifier-less partijen, by their uuid (K6)
            return heeft_partij(partij_zoekbaar() | Q(geregistreerd_door=ctx.applicatie_uuid))
        return heeft_partij(partij_zoekbaar())

    def basis_queryset(self):
        rijen = DigitaalAdres.objects.select_related("klant", "betrokkene")
        ctx = self.ctx()
        if self.action != "list":
            return rijen.filter(adres_per_uuid(ctx))
        params = self.request.query_params
        via_betrokkene = any(
            params.get(naam)
            for naam in ("verstrektDoorBetrokkene__uuid", "verstrektDoorBetrokkene__url")
        )
        conditie = self._partij_adres()
        if via_betrokkene:
            conditie |= Q(klant__isnull=True) & betrokkene_zichtbaar(ctx)
        if params.get("adres") and self._mag_zoeken():
            conditie |= Q(klant__isnull=True, betrokkene__isnull=False)
        return rijen.filter(conditie)

    def gelezen(self):
        """The address of the path, as :meth:`object_of_404` reads it, in a prepared
        statement (``leesvormen.digitaal_adres``)."""
        return self.voorbereid_object(
            lambda key: leesvormen.digitaal_adres(self.ctx(), key, adres_per_uuid)
        )

    def _mag_zoeken(self) -> bool:
        return self.request.jwt_auth.has_auth(SCOPE_KI_ADRESSEN_ZOEKEN)

    def list(self, request, *args, **kwargs):
        adres = request.query_params.get("adres")
        if adres is not None:
            if not self._mag_zoeken():
                raise PermissionDenied(
                    "Zoeken op adres vereist de scope klantinteracties.adressen_zoeken (K7).",
                    code="permission_denied",
                )
            self.controleer_parameters(lijst=True)
            queryset = self.filter_queryset(self.get_queryset())
            rijen = []
            for soort in ("email", "telefoonnummer", "overig"):
                rijen.append(
                    Q(
                        soort_digitaal_adres=soort,
                        adres_genormaliseerd=normaliseer_adres(soort, adres),
                    )
                )
            conditie = rijen[0] | rijen[1] | rijen[2]
            queryset = queryset.filter(conditie)
            self._log_zoekvraag(adres, queryset)
            return self.lijst(queryset)
        vraag = leesvormen.lijstvraag(
            self.filterset_class, request.query_params, self.voorbereide_filters, self.paginator
        )
        if vraag is None:
            return self.lijst()
        # the first page of a partij's addresses (known parameters, valid values): prepared
        return self.voorbereide_pagina(
            lambda limit: leesvormen.lijst_rijen(self, vraag, limit),
            lambda: leesvormen.lijst_aantal(self, vraag),
            vraag.grootte,
        )

    def filter_queryset(self, queryset):
        if getattr(self, "_gefilterd", False):
            return queryset
        self._gefilterd = True
        return super().filter_queryset(queryset)

    def _log_zoekvraag(self, adres: str, queryset) -> None:
        """K7: each address search recorded like a klantbeeld lookup (who, when, a keyed
        pseudonym of the address, how many hits); the address itself is never logged."""
        from klanten.api.request_context import actor
        from klanten.datamodel.services import pseudoniem

        wie = actor(self.request)
        aantal = queryset.order_by().count()
        KlantbeeldVerzoek.objects.create(
            applicatie_id=wie.applicatie_id,
            applicatie_weergave=wie.applicatie_weergave,
            gebruiker_id=wie.gebruikers_id,
            subject_type="digitaal_adres",
            subject_pseudoniem=pseudoniem(
                rules.Identiteit("adres", normaliseer_adres("email", adres))
            ),
            aantal_klanten=aantal,
        )
        logger.info("digitaal_adres_zoekvraag", applicatie=wie.applicatie_id, aantal=aantal)

    def _verwijzingen(self, attrs: dict, *, partial: bool, vergrendel: bool = False):
        """``vergrendel``: the partij locked with its partij rows (in the write transaction)."""
        ctx = self.ctx()
        klant = ...
        if "verstrekt_door_partij" in attrs or not partial:
            ref = attrs.get("verstrekt_door_partij")
            klant = None
            if ref:
                klant = _partij(ctx, ref["uuid"], vergrendel=vergrendel)
                if klant is None:
                    raise fout("verstrektDoorPartij", "De partij bestaat niet.", "does_not_exist")
        betrokkene = None
        ref = attrs.get("verstrekt_door_betrokkene")
        if ref:
            betrokkene = (
                Betrokkene.objects.filter(uuid=ref["uuid"])
                .filter(betrokkene_zichtbaar(ctx, prefix="") | heeft_partij_per_uuid(ctx))
                .first()
            )
            if betrokkene is None:
                raise fout(
                    "verstrektDoorBetrokkene", "De betrokkene bestaat niet.", "does_not_exist"
                )
        return klant, betrokkene

    def create(self, request, *args, **kwargs):
        serializer = DigitaalAdresSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attrs = serializer.validated_data

        def schrijf():
            klant, betrokkene = self._verwijzingen(attrs, partial=False, vergrendel=True)
            return partijservices.maak_digitaal_adres(
                attrs,
                klant=klant,
                betrokkene=betrokkene,
                geregistreerd_door=self.ctx().applicatie_uuid,
                herkomst=herkomst(request),
            )

        return self.aangemaakt(_schrijf(schrijf))

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        rij = self.gelezen()  # prepared (leesvormen.digitaal_adres), as a GET reads it
        serializer = DigitaalAdresSerializer(rij, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        attrs = serializer.validated_data
        klant, _betrokkene = self._verwijzingen(attrs, partial=partial)
        rij = _schrijf(
            partijservices.wijzig_digitaal_adres,
            rij,
            attrs,
            partial=partial,
            klant=klant,
            herkomst=herkomst(request),
        )
        return self.toon(rij, expand_lezen=False)

    def partial_update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)
