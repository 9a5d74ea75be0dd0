"""C10: the list filters of the standard, in camelCase and snake_case spelling."""

import re

from django.core.validators import URLValidator
from django_filters import rest_framework as filters

from klanten.datamodel import rules
from klanten.datamodel.constants import SubjectType
from klanten.datamodel.models import Klant


def _rule_validator(rule):
    def validator(value):
        if value:
            rule(value)

    return validator


class KlantFilter(filters.FilterSet):
    """Filter names are exactly the standard's query parameters."""

    bronorganisatie = filters.CharFilter(
        field_name="bronorganisatie",
        validators=[_rule_validator(rules.validate_rsin)],
        help_text="Het RSIN van de Niet-natuurlijk persoon zijnde de organisatie die de klant "
        "heeft gecreeerd. Dit moet een geldig RSIN zijn van 9 nummers en voldoen aan "
        "https://nl.wikipedia.org/wiki/Burgerservicenummer#11-proef",
    )
    klantnummer = filters.CharFilter(
        help_text="De unieke identificatie van de klant binnen de bronorganisatie."
    )
    bedrijfsnaam = filters.CharFilter(help_text="De bedrijfsnaam van de klant.")
    functie = filters.CharFilter(help_text="De functie van de klant.")
    achternaam = filters.CharFilter(help_text="De achternaam van de klant.")
    telefoonnummer = filters.CharFilter(
        help_text="Het mobiele of vaste telefoonnummer van de klant."
    )
    emailadres = filters.CharFilter(help_text="Het e-mail adres van de klant.")
    adres__straatnaam = filters.CharFilter(field_name="adres__straatnaam")
    adres__postcode = filters.CharFilter(field_name="adres__postcode")
    adres__woonplaatsNaam = filters.CharFilter(field_name="adres__woonplaats_naam")
    adres__landcode = filters.CharFilter(field_name="adres__landcode")
    subject = filters.CharFilter(
        field_name="subject",
        validators=[URLValidator()],
        help_text="URL-referentie naar een subject",
    )
    subjectType = filters.ChoiceFilter(
        field_name="subject_type", choices=SubjectType.choices, help_text="Type van de `subject`."
    )
    subjectNatuurlijkPersoon__inpBsn = filters.CharFilter(
        field_name="natuurlijk_persoon__inp_bsn",
        validators=[_rule_validator(rules.validate_bsn)],
        help_text="Het burgerservicenummer, bedoeld in artikel 1.1 van de Wet algemene "
        "bepalingen burgerservicenummer.",
    )
    subjectNatuurlijkPersoon__anpIdentificatie = filters.CharFilter(
        field_name="natuurlijk_persoon__anp_identificatie",
        help_text="Het door de gemeente uitgegeven unieke nummer voor een ANDER NATUURLIJK PERSOON",
    )
    subjectNatuurlijkPersoon__inpA_nummer = filters.CharFilter(
        field_name="natuurlijk_persoon__inp_a_nummer",
        help_text="Het administratienummer van de persoon, bedoeld in de Wet BRP",
    )
    subjectNietNatuurlijkPersoon__innNnpId = filters.CharFilter(
        field_name="niet_natuurlijk_persoon__inn_nnp_id",
        validators=[_rule_validator(rules.validate_rsin)],
        help_text="Het door een kamer toegekend uniek nummer voor de INGESCHREVEN "
        "NIET-NATUURLIJK PERSOON",
    )
    subjectNietNatuurlijkPersoon__annIdentificatie = filters.CharFilter(
        field_name="niet_natuurlijk_persoon__ann_identificatie",
        help_text="Het door de gemeente uitgegeven unieke nummer voor een ANDER "
        "NIET-NATUURLIJK PERSOON",
    )
    subjectVestiging__vestigingsNummer = filters.CharFilter(
        field_name="vestiging__vestigings_nummer",
        help_text="Een korte unieke aanduiding van de Vestiging.",
    )

    class Meta:
        model = Klant
        fields: list[str] = []


def _spelling_key(name: str) -> str:
    """One key for every spelling of a parameter: per ``__`` segment, case and ``_`` ignored."""
    return "__".join(re.sub("_", "", segment).lower() for segment in name.split("__"))


def canonical_parameters(names) -> dict[str, str]:
    return {_spelling_key(name): name for name in names}


def normalize_query(params, canonical: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """Map each incoming parameter to its canonical name; also return the unknown ones."""
    normalized: dict[str, str] = {}
    unknown: list[str] = []
    for name in params:
        target = canonical.get(_spelling_key(name))
        if target is None:
            unknown.append(name)
        else:
            normalized[target] = params.get(name)
    return normalized, unknown


class FilterError(Exception):
    """Invalid filter values; ``errors`` maps parameter names to Django ValidationErrors."""

    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors


# one FilterSet whose (stateless) form fields validate every request's values: building a
# FilterSet per request deep-copies all its filters, which costs more than the query itself
_PROTOTYPE = KlantFilter()
FILTER_LOOKUPS = {name: f.field_name for name, f in _PROTOTYPE.filters.items()}


def clean_filters(params: dict[str, str]) -> dict[str, str]:
    """Validate canonical filter values exactly as KlantFilter's form would; return the
    non-empty ones keyed by their canonical name."""
    from django.core.exceptions import ValidationError

    cleaned: dict[str, str] = {}
    errors: dict = {}
    for name, raw in params.items():
        try:
            value = _PROTOTYPE.filters[name].field.clean(raw)
        except ValidationError as exc:
            errors[name] = exc
            continue
        if value not in (None, ""):
            cleaned[name] = value
    if errors:
        raise FilterError(errors)
    return cleaned
