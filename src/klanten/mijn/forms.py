"""The contact data a resident may register and correct: names, phone, e-mail, address.

Field lengths follow the Klanten API 1.0.0; the subject identifier is never a form field (V9).
"""

import re

from django import forms

from klanten.datamodel.models import Klant, KlantAdres

_POSTCODE = re.compile(r"^[1-9][0-9]{3} ?[A-Za-z]{2}$")
_TELEFOON = re.compile(r"^\+?[0-9 ()-]{6,20}$")

KLANT_VELDEN = ("voornaam", "voorvoegsel_achternaam", "achternaam", "telefoonnummer", "emailadres")
ADRES_VELDEN = (
    "straatnaam",
    "huisnummer",
    "huisletter",
    "huisnummertoevoeging",
    "postcode",
    "woonplaats_naam",
)


class KlantgegevensForm(forms.Form):
    bedrijfsnaam = forms.CharField(label="Bedrijfsnaam", max_length=200, required=False)
    voornaam = forms.CharField(
        label="Voornaam of voorletters", max_length=200, required=False, help_text=""
    )
    voorvoegsel_achternaam = forms.CharField(
        label="Tussenvoegsel", max_length=10, required=False, help_text="Bijvoorbeeld: van der"
    )
    achternaam = forms.CharField(label="Achternaam", max_length=200, required=False)
    telefoonnummer = forms.CharField(
        label="Telefoonnummer",
        max_length=20,
        required=False,
        help_text="Bijvoorbeeld: 06 12345678",
    )
    emailadres = forms.EmailField(label="E-mailadres", max_length=254, required=False)
    straatnaam = forms.CharField(label="Straat", max_length=100, required=False)
    huisnummer = forms.IntegerField(
        label="Huisnummer", min_value=1, max_value=99999, required=False
    )
    huisletter = forms.CharField(label="Huisletter", max_length=1, required=False)
    huisnummertoevoeging = forms.CharField(label="Toevoeging", max_length=4, required=False)
    postcode = forms.CharField(
        label="Postcode", max_length=7, required=False, help_text="Bijvoorbeeld: 1234 AB"
    )
    woonplaats_naam = forms.CharField(label="Woonplaats", max_length=80, required=False)

    def __init__(self, *args, organisatie: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not organisatie:
            del self.fields["bedrijfsnaam"]
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("id", f"id_{name}")
        autocomplete = {
            "voornaam": "given-name",
            "achternaam": "family-name",
            "telefoonnummer": "tel",
            "emailadres": "email",
            "straatnaam": "address-line1",
            "postcode": "postal-code",
            "woonplaats_naam": "address-level2",
            "bedrijfsnaam": "organization",
        }
        for name, value in autocomplete.items():
            if name in self.fields:
                self.fields[name].widget.attrs["autocomplete"] = value
        for name, field in self.fields.items():
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"id_{name}-hulp"
        self.fields["telefoonnummer"].widget.input_type = "tel"
        self.fields["huisnummer"].widget.attrs["inputmode"] = "numeric"

    def full_clean(self):
        super().full_clean()
        # accessible errors: mark the field invalid and point at its message
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                described = [attrs.get("aria-describedby", ""), f"id_{name}-fout"]
                attrs["aria-describedby"] = " ".join(part for part in described if part)

    def clean_telefoonnummer(self):
        value = self.cleaned_data["telefoonnummer"].strip()
        if value and not _TELEFOON.match(value):
            raise forms.ValidationError(
                "Vul een geldig telefoonnummer in, bijvoorbeeld 06 12345678."
            )
        return value

    def clean_postcode(self):
        value = self.cleaned_data["postcode"].strip()
        if value and not _POSTCODE.match(value):
            raise forms.ValidationError("Vul een geldige postcode in, bijvoorbeeld 1234 AB.")
        return value.upper().replace(" ", "") if value else value

    def clean(self):
        data = super().clean()
        if not any(data.get(name) for name in ("voornaam", "achternaam", "bedrijfsnaam")):
            raise forms.ValidationError("Vul ten minste uw naam in.", code="naam-verplicht")
        return data

    def klant_data(self) -> dict:
        """snake_case data for the services (``adres`` as one group)."""
        data = self.cleaned_data
        values = {name: data.get(name) or "" for name in KLANT_VELDEN}
        if "bedrijfsnaam" in self.fields:
            values["bedrijfsnaam"] = data.get("bedrijfsnaam") or ""
        adres = {name: data.get(name) for name in ADRES_VELDEN}
        if any(value not in (None, "") for value in adres.values()):
            values["adres"] = {
                k: ("" if v is None and k != "huisnummer" else v) for k, v in adres.items()
            }
        else:
            values["adres"] = None
        return values

    @staticmethod
    def initial_for(klant: Klant) -> dict:
        initial = {name: getattr(klant, name) for name in (*KLANT_VELDEN, "bedrijfsnaam")}
        try:
            adres = klant.adres
        except KlantAdres.DoesNotExist:
            adres = None
        if adres is not None:
            initial.update({name: getattr(adres, name) for name in ADRES_VELDEN})
        return initial


class BevestigForm(KlantgegevensForm):
    bevestigd = forms.BooleanField(
        label="Ik bevestig dat deze gegevens van mij zijn en kloppen.",
        required=True,
        error_messages={"required": "Bevestig dat de gegevens kloppen om verder te gaan."},
    )
