"""The address groups of a subject identification (``verblijfsadres`` and
``subVerblijfBuitenland``), edited as ordinary fields and stored as the API stores them: a
JSON object with every key of the standard (camelCase), or nothing.

A form that edits a group inherits its mixin (``VerblijfsadresVelden``,
``BuitenlandVelden``); ``AdresgroepenForm.clean`` assembles and checks the groups with the
API's serializers, so the admin accepts exactly what the API accepts.
"""

from django import forms
from djangorestframework_camel_case.util import camelize

from klanten.api.serializers import SubVerblijfBuitenlandSerializer, VerblijfsAdresSerializer
from klanten.datamodel.labels import VELDEN
from klanten.datamodel.representation import (
    SUB_VERBLIJF_BUITENLAND_DEFAULTS,
    VERBLIJFSADRES_DEFAULTS,
)


def _tekst(naam: str, max_length: int, **kwargs) -> forms.CharField:
    return forms.CharField(label=VELDEN[naam], max_length=max_length, required=False, **kwargs)


class VerblijfsadresVelden(forms.Form):
    verblijfsadres_gor_openbare_ruimte_naam = _tekst("gor_openbare_ruimte_naam", 80)
    verblijfsadres_aoa_huisnummer = forms.IntegerField(
        label=VELDEN["aoa_huisnummer"], min_value=0, max_value=99999, required=False
    )
    verblijfsadres_aoa_huisletter = _tekst("aoa_huisletter", 1)
    verblijfsadres_aoa_huisnummertoevoeging = _tekst("aoa_huisnummertoevoeging", 4)
    verblijfsadres_aoa_postcode = _tekst("aoa_postcode", 7)
    verblijfsadres_wpl_woonplaats_naam = _tekst("wpl_woonplaats_naam", 80)
    verblijfsadres_aoa_identificatie = _tekst(
        "aoa_identificatie",
        100,
        help_text="De identificatie van het adres in de BAG (16 cijfers).",
    )
    verblijfsadres_inp_locatiebeschrijving = _tekst(
        "inp_locatiebeschrijving", 1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class BuitenlandVelden(forms.Form):
    sub_verblijf_buitenland_lnd_landcode = _tekst(
        "lnd_landcode", 4, help_text="De code van het land in de Land/Gebied-tabel van de BRP."
    )
    sub_verblijf_buitenland_lnd_landnaam = _tekst("lnd_landnaam", 40)
    sub_verblijf_buitenland_sub_adres_buitenland_1 = _tekst("sub_adres_buitenland_1", 35)
    sub_verblijf_buitenland_sub_adres_buitenland_2 = _tekst("sub_adres_buitenland_2", 35)
    sub_verblijf_buitenland_sub_adres_buitenland_3 = _tekst("sub_adres_buitenland_3", 35)


# group → (its serializer, the stored defaults)
GROEPEN = {
    "verblijfsadres": (VerblijfsAdresSerializer, VERBLIJFSADRES_DEFAULTS),
    "sub_verblijf_buitenland": (
        SubVerblijfBuitenlandSerializer,
        SUB_VERBLIJF_BUITENLAND_DEFAULTS,
    ),
}


def velden(groep: str) -> tuple[str, ...]:
    """The form fields of a group, in the order of the form."""
    mixin = VerblijfsadresVelden if groep == "verblijfsadres" else BuitenlandVelden
    return tuple(mixin.base_fields)


def _sleutel(groep: str, veld: str) -> str:
    return veld.removeprefix(f"{groep}_")


def weergave(waarde: dict | None) -> str:
    """A stored group as one readable line ("Domplein 12 a, 3512 JE Utrecht"), or "-"."""
    if not waarde:
        return "-"
    if "lndLandcode" in waarde:
        delen = [waarde.get(f"subAdresBuitenland{i}") for i in (1, 2, 3)]
        delen.append(waarde.get("lndLandnaam") or waarde.get("lndLandcode"))
        return ", ".join(str(deel) for deel in delen if deel) or "-"
    straat = " ".join(
        str(deel)
        for deel in (
            waarde.get("gorOpenbareRuimteNaam"),
            waarde.get("aoaHuisnummer"),
            waarde.get("aoaHuisletter"),
            waarde.get("aoaHuisnummertoevoeging"),
        )
        if deel not in (None, "")
    )
    plaats = " ".join(
        str(deel) for deel in (waarde.get("aoaPostcode"), waarde.get("wplWoonplaatsNaam")) if deel
    )
    regel = ", ".join(deel for deel in (straat, plaats) if deel)
    return regel or waarde.get("inpLocatiebeschrijving") or "-"


class AdresgroepenForm(forms.ModelForm):
    """A model form whose address groups are edited through the fields of their mixins."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for groep in self._groepen():
            opgeslagen = getattr(self.instance, groep, None) or {}
            camel = camelize({_sleutel(groep, veld): None for veld in velden(groep)})
            for veld, sleutel in zip(velden(groep), camel, strict=True):
                if veld in self.fields and veld not in self.initial:
                    self.initial[veld] = opgeslagen.get(sleutel)

    def _groepen(self) -> list[str]:
        return [groep for groep in GROEPEN if any(v in self.fields for v in velden(groep))]

    def clean(self):
        cleaned = super().clean()
        for groep in self._groepen():
            waarden = {_sleutel(groep, v): cleaned.get(v) for v in velden(groep) if v in cleaned}
            if any(v in self.errors for v in velden(groep)):
                continue
            setattr(self.instance, groep, self._groep(groep, waarden))
        return cleaned

    def _groep(self, groep: str, waarden: dict) -> dict | None:
        """The group as the API stores it, or None when every field is empty; a value the
        API would refuse is an error on its field."""
        if all(waarde in (None, "") for waarde in waarden.values()):
            return None
        serializer_class, defaults = GROEPEN[groep]
        serializer = serializer_class(
            data={k: v for k, v in waarden.items() if v not in (None, "")}
        )
        if not serializer.is_valid():
            for naam, fouten in serializer.errors.items():
                self.add_error(f"{groep}_{naam}", str(fouten[0]))
            return None
        return {**defaults, **camelize(dict(serializer.validated_data))}
