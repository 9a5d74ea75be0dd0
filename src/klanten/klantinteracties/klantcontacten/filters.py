"""The list filters of the klantcontact resources, named exactly as Open Klant 0.9.0's query
parameters (the schema documents them from these FilterSets; bad values are a 400 with
``invalidParams``). Each filter hands its cleaned value to ``query`` (the one place that maps
a parameter onto the store and applies the visibility rules, K6/K7)."""

from datetime import UTC, timedelta

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField

from klanten.datamodel.klantcontacten import (
    Actor,
    ActorKlantcontact,
    Betrokkene,
    InterneTaak,
    InterneTaakStatus,
    Klantcontact,
    Onderwerpobject,
    SoortActor,
)

from ..context import context_voor
from ..filters import BooleanFilter, URLFilter, UUIDFilter
from . import query

# PostgreSQL's time zone offsets end at 15:59
POSTGRESQL_MAX_OFFSET = timedelta(hours=16)
IDENTIFICATOR = ("CodeObjecttype", "CodeRegister", "CodeSoortObjectId", "ObjectId")


def _filter(soort, help_text: str, **kwargs):
    return soort(method="filter_param", help_text=help_text, **kwargs)


def _uuid(help_text: str):
    return _filter(UUIDFilter, help_text)


# a URL of a resource: any absolute http(s) URL, whatever its host name (the partij side's)
ReferentieFilter = URLFilter


class MomentField(IsoDateTimeField):
    """An ISO 8601 moment, in UTC: PostgreSQL takes offsets up to 15:59 only, Python up to
    23:59 (``+17:25`` was a 500, found by fuzzing). A moment outside UTC's years 1-9999 stays
    as given when PostgreSQL takes its offset (it matches nothing); else it is invalid."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(UTC)
        except OverflowError as exc:
            if abs(moment.utcoffset()) < POSTGRESQL_MAX_OFFSET:
                return moment
            raise forms.ValidationError("Datum/tijd buiten bereik.", code="overflow") from exc


class MomentFilter(django_filters.IsoDateTimeFilter):
    field_class = MomentField


def _url(help_text: str):
    return _filter(ReferentieFilter, help_text, max_length=1000)


def _text(help_text: str):
    return _filter(django_filters.CharFilter, help_text)


def _bool(help_text: str):
    return _filter(BooleanFilter, help_text)


class KIFilterSet(django_filters.FilterSet):
    """Filters that go through one method: ``pas_toe(queryset, {name: value}, ctx)``."""

    def ctx(self):
        return context_voor(self.request)

    def filter_param(self, queryset, name, value):
        if value in (None, ""):
            return queryset
        return self.pas_toe(queryset, {name: value})

    def pas_toe(self, queryset, values):  # pragma: no cover - overridden
        raise NotImplementedError


def _klantcontact_filters() -> dict:
    filters = {
        "nummer": _text("Het nummer van het klantcontact."),
        "referentienummer": _text("Het referentienummer van het klantcontact."),
        "kanaal": _text("Het communicatiekanaal van het klantcontact."),
        "onderwerp": _text("Het onderwerp van het klantcontact."),
        "inhoud": _text("De inhoud van het klantcontact."),
        "reactie": _text("De reactie van de gemeente."),
        "indicatieContactGelukt": _bool("Of het contact gelukt is."),
        "vertrouwelijk": _bool("Of het klantcontact vertrouwelijk is."),
        "plaatsgevondenOp": _filter(MomentFilter, "Het moment waarop het klantcontact plaatsvond."),
        "leiddeTotInterneTaken": _bool("Of het klantcontact tot interne taken leidde."),
        "hadBetrokkene__url": _url("De URL van een betrokkene bij het klantcontact."),
        "hadBetrokkene__uuid": _uuid("De uuid van een betrokkene bij het klantcontact."),
        "hadBetrokkene__wasPartij": _bool("Of een betrokkene een (zichtbare) partij was."),
        "hadBetrokkene__wasPartij__url": _url("De URL van de partij van een betrokkene."),
        "hadBetrokkene__wasPartij__uuid": _uuid("De uuid van de partij van een betrokkene."),
        "hadBetrokkene__digitaaladres__adres__icontains": _text(
            "Een digitaal adres van een betrokkene (K7: exact, hoofdletterongevoelig)."
        ),
    }
    for deel in IDENTIFICATOR:
        veld = deel[0].lower() + deel[1:]
        filters[f"hadBetrokkene__wasPartij__partijIdentificator__{veld}"] = _text(
            f"De partij-identificator ({veld}) van de partij van een betrokkene."
        )
    for prefix in ("onderwerpobject", "wasOnderwerpobject"):
        filters[f"{prefix}__url"] = _url(f"De URL van een {prefix}.")
        filters[f"{prefix}__uuid"] = _uuid(f"De uuid van een {prefix}.")
        for deel in IDENTIFICATOR:
            filters[f"{prefix}__onderwerpobjectidentificator{deel}"] = _text(
                f"De onderwerpobjectidentificator ({deel}) van een {prefix}."
            )
    return filters


KlantcontactFilter = type(
    "KlantcontactFilter",
    (KIFilterSet,),
    {
        **_klantcontact_filters(),
        "Meta": type("Meta", (), {"model": Klantcontact, "fields": []}),
        "pas_toe": lambda self, queryset, values: query.pas_toe_klantcontacten(
            queryset, values, self.ctx()
        ).order_by(),
    },
)


def _betrokkene_filters() -> dict:
    filters = {
        "hadKlantcontact__url": _url("De URL van het klantcontact."),
        "hadKlantcontact__uuid": _uuid("De uuid van het klantcontact."),
        "hadKlantcontact__nummer": _text("Het nummer van het klantcontact."),
        "hadKlantcontact__referentienummer": _text("Het referentienummer van het klantcontact."),
        "wasPartij__url": _url("De URL van de partij."),
        "wasPartij__uuid": _uuid("De uuid van de partij."),
        "wasPartij__nummer": _text("Het nummer van de partij."),
        "contactnaamVoorletters": _text("De voorletters van de contactnaam."),
        "contactnaamVoornaam": _text("De voornaam van de contactnaam."),
        "contactnaamVoorvoegselAchternaam": _text("Het voorvoegsel van de achternaam."),
        "contactnaamAchternaam": _text("De achternaam van de contactnaam."),
        "organisatienaam": _text("De organisatienaam."),
        "verstrektedigitaalAdres__adres": _text(
            "Een digitaal adres van de betrokkene (K7: exact, hoofdletterongevoelig)."
        ),
        "verstrektedigitaalAdres__url": _url("De URL van een digitaal adres."),
        "verstrektedigitaalAdres__uuid": _uuid("De uuid van een digitaal adres."),
    }
    for deel in IDENTIFICATOR:
        veld = deel[0].lower() + deel[1:]
        filters[f"wasPartij__partijIdentificator__{veld}"] = _text(
            f"De partij-identificator ({veld}) van de partij."
        )
    return filters


BetrokkeneFilter = type(
    "BetrokkeneFilter",
    (KIFilterSet,),
    {
        **_betrokkene_filters(),
        "Meta": type("Meta", (), {"model": Betrokkene, "fields": []}),
        "pas_toe": lambda self, queryset, values: query.pas_toe_betrokkenen(
            queryset, values, self.ctx()
        ).order_by(),
    },
)


def _onderwerpobject_filters() -> dict:
    filters = {
        "klantcontact__url": _url("De URL van het klantcontact."),
        "klantcontact__uuid": _uuid("De uuid van het klantcontact."),
        "wasKlantcontact__url": _url("De URL van het klantcontact waar het over ging."),
        "wasKlantcontact__uuid": _uuid("De uuid van het klantcontact waar het over ging."),
    }
    for deel in IDENTIFICATOR:
        filters[f"onderwerpobjectidentificator{deel}"] = _text(
            f"De onderwerpobjectidentificator ({deel})."
        )
    return filters


OnderwerpobjectFilter = type(
    "OnderwerpobjectFilter",
    (KIFilterSet,),
    {
        **_onderwerpobject_filters(),
        "Meta": type("Meta", (), {"model": Onderwerpobject, "fields": []}),
        "pas_toe": lambda self, queryset, values: query.pas_toe_onderwerpobjecten(
            queryset, values
        ).order_by(),
    },
)


def _actor_filters() -> dict:
    filters = {
        "naam": _text("De naam van de actor."),
        "soortActor": _filter(
            django_filters.ChoiceFilter, "De soort actor.", choices=SoortActor.choices
        ),
        "indicatieActief": _bool("Of de actor actief is."),
    }
    for deel in IDENTIFICATOR:
        filters[f"actoridentificator{deel}"] = _text(f"De actoridentificator ({deel}).")
    return filters


ActorFilter = type(
    "ActorFilter",
    (KIFilterSet,),
    {
        **_actor_filters(),
        "Meta": type("Meta", (), {"model": Actor, "fields": []}),
        "pas_toe": lambda self, queryset, values: query.pas_toe_actoren(
            queryset, values
        ).order_by(),
    },
)


def _internetaak_filters() -> dict:
    return {
        "nummer": _text("Het nummer van de interne taak."),
        "referentienummer": _text("Het referentienummer van de interne taak."),
        "status": _filter(
            django_filters.ChoiceFilter,
            "De status van de interne taak.",
            choices=InterneTaakStatus.choices,
        ),
        "toegewezenOp": _filter(
            MomentFilter,
            "Het moment waarop de interne taak aan een actor werd toegewezen.",
        ),
        "actoren__naam": _text("De naam van een actor aan wie de taak is toegewezen."),
        "toegewezenAanActor__url": _url("De URL van een actor aan wie de taak is toegewezen."),
        "toegewezenAanActor__uuid": _uuid("De uuid van een actor aan wie de taak is toegewezen."),
        "aanleidinggevendKlantcontact__url": _url("De URL van het aanleidinggevende klantcontact."),
        "aanleidinggevendKlantcontact__uuid": _uuid(
            "De uuid van het aanleidinggevende klantcontact."
        ),
        "klantcontact__uuid": _uuid("De uuid van het aanleidinggevende klantcontact."),
        "klantcontact__nummer": _text("Het nummer van het aanleidinggevende klantcontact."),
        "klantcontact__referentienummer": _text(
            "Het referentienummer van het aanleidinggevende klantcontact."
        ),
    }


InterneTaakFilter = type(
    "InterneTaakFilter",
    (KIFilterSet,),
    {
        **_internetaak_filters(),
        "Meta": type("Meta", (), {"model": InterneTaak, "fields": []}),
        "pas_toe": lambda self, queryset, values: query.pas_toe_internetaken(
            queryset, values
        ).order_by(),
    },
)


ActorKlantcontactFilter = type(
    "ActorKlantcontactFilter",
    (KIFilterSet,),
    {
        "actor__url": _url("De URL van de actor."),
        "actor__uuid": _uuid("De uuid van de actor."),
        "klantcontact__url": _url("De URL van het klantcontact."),
        "klantcontact__uuid": _uuid("De uuid van het klantcontact."),
        "Meta": type("Meta", (), {"model": ActorKlantcontact, "fields": []}),
        "pas_toe": lambda self, queryset, values: query.pas_toe_actorklantcontacten(
            queryset, values
        ).order_by(),
    },
)

__all__ = [
    "ActorFilter",
    "ActorKlantcontactFilter",
    "BetrokkeneFilter",
    "InterneTaakFilter",
    "KlantcontactFilter",
    "OnderwerpobjectFilter",
]
