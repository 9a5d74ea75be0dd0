"""Privacy requests (AVG inzage): everything Klanten stores about a klant, as JSON.

Per klant: its API representation (contact data, address, subject identification), the
registration details (validated key, rank, registering application), the evidence records,
the interactions, its partij data of the Klantinteracties API (soort, indicaties,
voorkeurstaal, identifiers, digital addresses) and the klantcontacten it took part in (with
the addresses given there), the confirmation links (never the token), the audit trail with its
before/after versions, who requested a klantbeeld for its subject, the resident's own actions
in Mijn klantgegevens, and the data managers' views and exports of it. ``veldnamen`` gives
the readable name of every key (``inpBsn``: ``BSN``), from the vocabulary the pages use.
"""

import json
from datetime import datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from vng_api_common.authorizations.models import Applicatie

from klanten.datamodel import services
from klanten.datamodel.labels import veldnamen
from klanten.datamodel.models import Betrokkene, DigitaalAdres, Klant, KlantbeeldVerzoek
from klanten.datamodel.representation import KLANT_LIST_RELATIONS, klant_data
from klanten.mijn.context import pseudoniem as mijn_pseudoniem
from klanten.mijn.models import Gebeurtenis

from .klant.partij import soort_partij
from .klant.weergave import audittrail
from .log import gebruiker_weergave
from .models import BeheerGebeurtenis

FORMAAT = "klanten-export-1"


def _values(queryset, fields: tuple[str, ...]) -> list[dict]:
    return [
        {_camel(field): getattr(obj, field) for field in fields} for obj in queryset.order_by("pk")
    ]


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


VALIDATIE_FIELDS = (
    "uuid",
    "gevalideerd_op",
    "authenticatie_moment",
    "middel",
    "betrouwbaarheidsniveau",
    "rang",
    "uitgever",
    "bron",
    "geauthenticeerde_type",
    "geauthenticeerde_identificatie",
    "vertegenwoordigde_type",
    "vertegenwoordigde_identificatie",
    "machtiging",
    "applicatie_id",
    "applicatie_weergave",
    "medewerker_id",
    "medewerker_weergave",
    "gegevens_bevestigd",
)
INTERACTIE_FIELDS = ("uuid", "soort", "url", "rol", "vernietigingsdatum", "aangemaakt_op")
BEVESTIGINGSVERZOEK_FIELDS = ("aangemaakt_op", "verloopt_op", "gebruikt_op", "applicatie_id")
AUDITTRAIL_FIELDS = (
    "uuid",
    "aanmaakdatum",
    "bron",
    "actie",
    "actie_weergave",
    "resultaat",
    "applicatie_id",
    "applicatie_weergave",
    "gebruikers_id",
    "gebruikers_weergave",
    "toelichting",
    "resource",
    "resource_url",
    "resource_weergave",
    "oud",
    "nieuw",
)
KLANTBEELD_FIELDS = (
    "aangemaakt_op",
    "applicatie_id",
    "applicatie_weergave",
    "gebruiker_id",
    "aantal_klanten",
)
MIJN_FIELDS = ("tijdstip", "actie", "reden", "middel", "rang", "uitgever")
PARTIJ_FIELDS = (
    "indicatie_actief",
    "indicatie_geheimhouding",
    "voorkeurstaal",
    "interne_notitie",
    "bezoekadres",
    "anker",
)
PARTIJ_IDENTIFICATOR_FIELDS = (
    "uuid",
    "bronorganisatie",
    "code_register",
    "code_objecttype",
    "code_soort_object_id",
    "object_id",
    "aangemaakt_op",
)
DIGITAAL_ADRES_FIELDS = (
    "uuid",
    "soort_digitaal_adres",
    "adres",
    "is_standaard_adres",
    "omschrijving",
    "referentie",
    "verificatie_datum",
    "aangemaakt_op",
)
KLANTCONTACT_FIELDS = (
    "uuid",
    "plaatsgevonden_op",
    "kanaal",
    "onderwerp",
    "inhoud",
    "bronorganisatie",
)
BEHEER_FIELDS = ("tijdstip", "actie", "gebruiker", "gebruiker_weergave", "toelichting")


def _collection_url(request) -> str:
    return request.build_absolute_uri(reverse("klant-list")) + "/"


def _registratie(klant: Klant) -> dict:
    applicatie = None
    if klant.geregistreerd_door:
        applicatie = Applicatie.objects.filter(uuid=klant.geregistreerd_door).first()
    return {
        "uuid": klant.uuid,
        "aangemaaktOp": klant.aangemaakt_op,
        "gewijzigdOp": klant.gewijzigd_op,
        "gevalideerd": klant.gevalideerd,
        "gevalideerdeSleutelType": klant.gevalideerde_sleutel_type,
        "gevalideerdeSleutel": klant.gevalideerde_sleutel,
        "registratieRang": klant.registratie_rang,
        "geregistreerdDoor": {
            "uuid": klant.geregistreerd_door,
            "label": applicatie.label if applicatie else "",
        }
        if klant.geregistreerd_door
        else None,
    }


def _partij(klant: Klant) -> dict:
    """The Klantinteracties view of the klant: what the Klanten API does not show."""
    data = {"soortPartij": soort_partij(klant)}
    data.update({_camel(field): getattr(klant, field) for field in PARTIJ_FIELDS})
    data["werkteVoorPartij"] = (
        klant.werkte_voor_partij.uuid if klant.werkte_voor_partij_id else None
    )
    return data


def _klantcontacten(klant: Klant) -> list[dict]:
    """The klantcontacten the klant took part in (its betrokkenen), oldest first, each with
    the klant's role and the digital addresses given in that contact."""
    betrokkenen = (
        Betrokkene.objects.filter(klant=klant)
        .select_related("klantcontact")
        .prefetch_related(
            Prefetch("digitale_adressen", queryset=DigitaalAdres.objects.order_by("pk"))
        )
        .order_by("klantcontact__plaatsgevonden_op", "pk")
    )
    return [
        {
            **{
                _camel(field): getattr(betrokkene.klantcontact, field)
                for field in KLANTCONTACT_FIELDS
            },
            "rol": betrokkene.rol,
            "initiator": betrokkene.initiator,
            "digitaleAdressen": [
                {_camel(field): getattr(adres, field) for field in DIGITAAL_ADRES_FIELDS}
                for adres in betrokkene.digitale_adressen.all()
            ],
        }
        for betrokkene in betrokkenen
    ]


def klant_export(klant: Klant, request) -> dict:
    klant = Klant.objects.select_related(*KLANT_LIST_RELATIONS).get(pk=klant.pk)
    identiteit = services.klant_identiteit(klant)
    klantbeeld = KlantbeeldVerzoek.objects.none()
    mijn = Q(klant_uuid=klant.uuid)
    if identiteit is not None and klant.gevalideerd:
        klantbeeld = KlantbeeldVerzoek.objects.filter(
            subject_pseudoniem=services.pseudoniem(identiteit)
        )
        mijn |= Q(pseudoniem=mijn_pseudoniem(identiteit.type, identiteit.identificatie))
    return {
        "klant": klant_data(klant, _collection_url(request)),
        "registratie": _registratie(klant),
        "validaties": _values(klant.validaties.all(), VALIDATIE_FIELDS),
        "interacties": _values(klant.interacties.all(), INTERACTIE_FIELDS),
        "partij": _partij(klant),
        "partijIdentificatoren": _values(
            klant.partij_identificatoren.all(), PARTIJ_IDENTIFICATOR_FIELDS
        ),
        "digitaleAdressen": _values(klant.digitale_adressen.all(), DIGITAAL_ADRES_FIELDS),
        "klantcontacten": _klantcontacten(klant),
        "bevestigingsverzoeken": _values(
            klant.bevestigingsverzoeken.all(), BEVESTIGINGSVERZOEK_FIELDS
        ),
        "audittrail": [
            {_camel(field): getattr(row, field) for field in AUDITTRAIL_FIELDS}
            for row in audittrail(klant)
        ],
        "klantbeeldverzoeken": _values(klantbeeld, KLANTBEELD_FIELDS),
        "mijnKlantgegevensLog": _values(Gebeurtenis.objects.filter(mijn), MIJN_FIELDS),
        "beheerLog": _values(
            BeheerGebeurtenis.objects.filter(klant_uuid=klant.uuid), BEHEER_FIELDS
        ),
    }


def export(klanten, request, *, now: datetime | None = None) -> dict:
    return {
        "formaat": FORMAAT,
        "exportdatum": now or timezone.now(),
        "geexporteerdDoor": {
            "gebruikersnaam": request.user.get_username(),
            "weergave": gebruiker_weergave(request.user),
        },
        "aantal": len(klanten),
        # the readable Dutch name of every key, as the admin's pages say it
        "veldnamen": veldnamen(),
        "klanten": [klant_export(klant, request) for klant in klanten],
    }


def dumps(data: dict) -> str:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
