"""The forms of the klant admin: the klant's own fields, its subject identification (address
groups as fields), its interactions and the correction of a validated klant's subject, with
the rules of the API (``klanten.datamodel.rules``) as form errors."""

from django import forms
from django.db import models

from klanten.api.validators import subject_url_responds
from klanten.datamodel import rules, services
from klanten.datamodel.constants import INTERACTIE_ROLLEN, SleutelType, SubjectType
from klanten.datamodel.models import Interactie, Klant

from . import adresgroepen

# forms.URLField: the scheme added to a URL typed without one (Django 6 default)
URL_OVERRIDES = {models.URLField: {"assume_scheme": "https"}}


def _rule_error(rule, value):
    """Run a rule on a non-empty value; a violation becomes a form error."""
    if value in ("", None):
        return value
    try:
        rule(value)
    except rules.RuleViolation as exc:
        raise forms.ValidationError(exc.messages[0], code=exc.code) from exc
    return value


# --- subject identification ---------------------------------------------------------------


class IdentificatieForm(adresgroepen.AdresgroepenForm):
    """The identifier formats the API checks (C9); the address groups are edited as fields
    and checked as the API checks them (``klanten.beheer.adresgroepen``)."""

    field_rules: dict = {}

    def clean(self):
        cleaned = super().clean()
        for field, rule in self.field_rules.items():
            if field in cleaned:
                try:
                    _rule_error(rule, cleaned[field])
                except forms.ValidationError as exc:
                    self.add_error(field, exc)
        return cleaned


class RegelsVeld(forms.Field):
    """A list of texts edited as one line each (the handelsnamen of a vestiging)."""

    widget = forms.Textarea(attrs={"rows": 2})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value):
        if isinstance(value, list | tuple):
            return list(value)
        return [regel.strip() for regel in (value or "").splitlines() if regel.strip()]


class NatuurlijkPersoonForm(
    adresgroepen.VerblijfsadresVelden, adresgroepen.BuitenlandVelden, IdentificatieForm
):
    field_rules = {"inp_bsn": rules.validate_bsn, "inp_a_nummer": rules.validate_a_nummer}


class NietNatuurlijkPersoonForm(adresgroepen.BuitenlandVelden, IdentificatieForm):
    field_rules = {"inn_nnp_id": rules.validate_rsin}


class VestigingForm(
    adresgroepen.VerblijfsadresVelden, adresgroepen.BuitenlandVelden, IdentificatieForm
):
    handelsnaam = RegelsVeld(
        label="Handelsnamen", required=False, help_text="Eén handelsnaam per regel."
    )


class IdentificatieFormSet(forms.BaseInlineFormSet):
    """C8/V6 across the klant and its identification: an identification belongs to the
    klant's subject type (a klant is never a person and an organisation at once), and a klant
    without a subject URL keeps its identification."""

    subject_type: str = ""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        klant = self.instance
        rows = [
            form
            for form in self.forms
            if (form.instance.pk or form.has_changed())
            and not (self.can_delete and self._should_delete_form(form))
        ]
        label = SubjectType(self.subject_type).label.lower()
        if rows and klant.subject_type != self.subject_type:
            raise forms.ValidationError(
                f"Een identificatie van een {label} hoort bij een klant met subjecttype "
                f"'{label}'. Kies dat subjecttype of laat dit blok leeg.",
                code="subject-type-vereist",
            )
        if not rows and klant.subject_type == self.subject_type and not klant.subject:
            raise forms.ValidationError(
                "Geef een subject (URL) of een subjectidentificatie op.", code="invalid-subject"
            )


# --- interactions ------------------------------------------------------------------------


class InteractieForm(forms.ModelForm):
    url = forms.URLField(max_length=1000, assume_scheme="https", label="URL")

    class Meta:
        model = Interactie
        fields = ("soort", "url", "rol", "vernietigingsdatum")

    def clean(self):
        """E2: the same roles per kind as the API accepts."""
        cleaned = super().clean()
        soort, rol = cleaned.get("soort"), cleaned.get("rol")
        if soort and rol and rol not in INTERACTIE_ROLLEN[soort]:
            self.add_error(
                "rol",
                forms.ValidationError(
                    "Rol moet een van %(rollen)s zijn.",
                    code="invalid_choice",
                    params={"rollen": ", ".join(INTERACTIE_ROLLEN[soort])},
                ),
            )
        return cleaned


# --- the klant -----------------------------------------------------------------------------


class KlantForm(forms.ModelForm):
    """The klant's own fields with the API's rules; ``toelichting`` goes to the audit trail."""

    toelichting = forms.CharField(
        required=False,
        max_length=1000,
        label="Toelichting",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Waarom u deze wijziging doet; wordt in de geschiedenis vastgelegd "
        "(geen persoonsgegevens).",
    )
    # set by KlantAdmin.changeform_view when the database refused the save (a race)
    opslagfout: str = ""

    class Meta:
        model = Klant
        # the admin passes the fields of its fieldsets (with the URL field overrides)
        fields = ("bronorganisatie",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "klantnummer" in self.fields:
            self.fields["klantnummer"].required = False
            self.fields[
                "klantnummer"
            ].help_text = (
                "Uniek binnen de bronorganisatie. Leeg laten: er wordt een nummer uitgegeven."
            )

    def clean_bronorganisatie(self):
        return _rule_error(rules.validate_rsin, self.cleaned_data.get("bronorganisatie"))

    def clean_klantnummer(self):
        return _rule_error(rules.validate_klantnummer_format, self.cleaned_data.get("klantnummer"))

    def clean(self):
        cleaned = super().clean()
        instance = self.instance
        if self.opslagfout:
            raise forms.ValidationError(self.opslagfout, code="opslaan-geweigerd")
        subject = cleaned.get("subject", instance.subject) or ""
        subject_type = cleaned.get("subject_type", instance.subject_type)
        if "subject_type" in self.fields and instance.pk and instance.subject_type:
            try:
                rules.validate_subject_type_change(instance.subject_type, subject_type)
            except rules.RuleViolation as exc:
                self.add_error("subject_type", exc.messages[0])
        # C8: without a subject type there is no identification, so the URL is needed
        if not subject and not subject_type and "subject" not in self.errors:
            self.add_error(
                None,
                forms.ValidationError(
                    "Geef een subject (URL) of kies een subjecttype en vul de "
                    "subjectidentificatie in.",
                    code="invalid-subject",
                ),
            )
        # C7 (kla-002): a new or changed subject URL must answer
        changed = subject and subject != (instance.subject if instance.pk else "")
        if changed and "subject" not in self.errors and not subject_url_responds(subject):
            self.add_error(
                "subject", "De subject-URL is ongeldig of niet bereikbaar (HTTP 200 verwacht)."
            )
        # V6: moving a validated klant to another organisation that has one for this BSN
        bronorganisatie = cleaned.get("bronorganisatie")
        if (
            instance.pk
            and instance.gevalideerd
            and instance.gevalideerde_sleutel_type == SleutelType.bsn
            and bronorganisatie
            and bronorganisatie != Klant.objects.get(pk=instance.pk).bronorganisatie
        ):
            bestaand = (
                Klant.objects.filter(
                    bronorganisatie=bronorganisatie,
                    gevalideerd=True,
                    gevalideerde_sleutel_type=SleutelType.bsn,
                    gevalideerde_sleutel=instance.gevalideerde_sleutel,
                )
                .exclude(pk=instance.pk)
                .first()
            )
            if bestaand is not None:
                self.add_error(
                    "bronorganisatie",
                    f"Deze organisatie heeft al een gevalideerde klant voor deze persoon "
                    f"(klantnummer {bestaand.klantnummer}).",
                )
        return cleaned


def opslagfout_melding(exc: Exception) -> str | None:
    """The form error for a refusal by the database or a rule during the save, or None for
    an unexpected error."""
    if isinstance(exc, rules.RuleViolation):
        return exc.messages[0]
    if isinstance(exc, services.DuplicateKlantnummer):
        exc = exc.__cause__ or exc
    text = str(exc)
    known = {
        "klant_unieke_klantnummer_per_bronorganisatie": "Dit klantnummer is bij deze "
        "bronorganisatie al in gebruik.",
        "een_gevalideerde_klant_per_bsn": "Er bestaat al een gevalideerde klant voor deze "
        "persoon bij deze organisatie.",
        "gevalideerde_klant_heeft_sleutel": "Een gevalideerde klant houdt zijn "
        "subjectidentificatie.",
        "nooit weer niet-gevalideerd": "Een gevalideerde klant wordt nooit weer niet-gevalideerd.",
        "past niet bij subjectType": "De subjectidentificatie past niet bij het subjecttype.",
        "interactie_uniek_per_klant_url_rol": "Deze interactie (URL en rol) is al vastgelegd.",
    }
    for marker, message in known.items():
        if marker in text:
            return message
    return None


class CorrectieForm(forms.Form):
    """V1: an administrator corrects the subject identifier and/or the subject URL of a
    validated klant (the only way to change either), with a reason."""

    identificatie = forms.CharField(
        max_length=24,
        required=False,
        label="Nieuwe identificatie",
        help_text="Leeg laten: de identificatie blijft zoals ze is.",
    )
    subject = forms.URLField(
        max_length=1000,
        required=False,
        assume_scheme="https",
        label="Subject (URL)",
        help_text="De URL van het subject in de basisregistratie; leeg: geen URL.",
    )
    reden = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Reden",
        help_text="Verplicht; wordt in de geschiedenis van de klant vastgelegd.",
    )

    def __init__(self, *args, sleutel_type: str, huidig_subject: str = "", **kwargs):
        super().__init__(*args, initial={"subject": huidig_subject}, **kwargs)
        self.sleutel_type = sleutel_type
        self.huidig_subject = huidig_subject
        self.fields["identificatie"].label = f"Nieuw {SleutelType(sleutel_type).label}"

    def clean_identificatie(self):
        value = self.cleaned_data["identificatie"].strip()
        if not value:
            return ""
        try:
            rules.validate_identiteit(rules.Identiteit(self.sleutel_type, value))
        except rules.RuleViolation as exc:
            raise forms.ValidationError(exc.messages[0], code=exc.code) from exc
        return value

    def clean_subject(self):
        subject = self.cleaned_data["subject"]
        # C7 (kla-002): a new subject URL must answer
        if subject and subject != self.huidig_subject and not subject_url_responds(subject):
            raise forms.ValidationError(
                "De subject-URL is ongeldig of niet bereikbaar (HTTP 200 verwacht).",
                code="bad-url",
            )
        return subject

    def clean_reden(self):
        reden = self.cleaned_data["reden"]
        try:
            rules.require_reason(reden)
        except rules.RuleViolation as exc:
            raise forms.ValidationError(exc.messages[0], code=exc.code) from exc
        return reden.strip()

    def clean(self):
        cleaned = super().clean()
        if (
            not self.errors
            and not cleaned.get("identificatie")
            and cleaned.get("subject") == self.huidig_subject
        ):
            raise forms.ValidationError(
                "Geef een nieuwe identificatie of een nieuw subject op.", code="niets-gewijzigd"
            )
        return cleaned
