"""API clients in the admin: client id, label, all rights or scopes (Klanten, Contactmomenten
and Klantinteracties API), the maximum assurance rank they may assert (V4) and whether they are
a trusted asserter for Klantinteracties (K4); the secret is shown once. Their ``Token`` keys for
the Klantinteracties API (K2): made on the client's page, the key shown once; rotated or
deactivated after a confirmation (``tokenbeheer``). Trusted issuers of ID tokens (V4)."""

import json
import secrets

from django import forms
from django.contrib import admin, messages
from django.db import models
from vng_api_common.authorizations.models import Applicatie
from vng_api_common.constants import ComponentTypes
from vng_api_common.models import JWTSecret

from klanten.datamodel.assurance import CANONICAL_RANKS, validate_aliases

from . import tokens
from .clients import (
    CONTACTMOMENTEN_SCOPES,
    KLANTINTERACTIES_COMPONENT,
    KLANTINTERACTIES_SCOPES,
    KNOWN_SCOPES,
    RANK_LABELS,
    APIClient,
    save_api_client,
    secret_is_short,
)
from .models import APIClientApplicatie, ValidatieRecht, VertrouwdeUitgever
from .tokenbeheer import TokenBeheer, tokens_tabel

SCOPE_VALIDEREN = "klanten.valideren"


class APIClientForm(forms.ModelForm):
    client_id = forms.CharField(max_length=50, label="Client ID")
    scopes = forms.MultipleChoiceField(
        choices=[(scope, scope) for scope in KNOWN_SCOPES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Niet nodig wanneer de applicatie alle autorisaties heeft. De extensies: "
        "klanten.valideren (bewijs van authenticatie aanleveren), klanten.klantbeeld "
        "(klantbeeld opvragen), klanten.beheer (alle niet-gevalideerde klanten zien).",
    )
    contactmomenten_scopes = forms.MultipleChoiceField(
        label="Scopes Contactmomenten API",
        choices=[(scope, scope) for scope in CONTACTMOMENTEN_SCOPES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="De scopes voor de Contactmomenten API (/contactmomenten/api/v1/); "
        "audittrails.lezen geeft hier de audit trail van contactmomenten.",
    )
    klantinteracties_scopes = forms.MultipleChoiceField(
        label="Scopes Klantinteracties API",
        choices=[(scope, scope) for scope in KLANTINTERACTIES_SCOPES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="De scopes voor de Klantinteracties API (/klantinteracties/api/v1/, Open "
        "Forms, KISS, Open Inwoner); klantinteracties.adressen_zoeken: digitale adressen van "
        "betrokkenen exact zoeken (gelogd). De applicatie meldt zich met een token (hieronder) "
        "of met een JWT.",
    )
    maximale_rang = forms.TypedChoiceField(
        label="Maximale rang",
        choices=[("", "— mag geen authenticaties verklaren —"), *RANK_LABELS.items()],
        coerce=int,
        empty_value=None,
        required=False,
        help_text="Het hoogste betrouwbaarheidsniveau waarvan deze applicatie zelf mag verklaren "
        "dat een persoon ermee inlogde (met scope klanten.valideren). Leeg: de applicatie mag "
        "geen bewijs verklaren; ID tokens van vertrouwde uitgevers kan zij wel doorgeven.",
    )
    vertrouwde_bron_klantinteracties = forms.BooleanField(
        required=False,
        label="Vertrouwde bron (Klantinteracties)",
        help_text=ValidatieRecht._meta.get_field("vertrouwde_bron_klantinteracties").help_text
        + " Vereist een maximale rang.",
    )
    secret = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Laat leeg om een sterk secret te laten genereren (alleen bij aanmaken wordt "
        "het getoond). Bij wijzigen: leeg laten houdt het huidige secret.",
    )
    nieuw_secret = forms.BooleanField(
        required=False,
        label="Nieuw secret genereren",
        help_text="Vervangt het huidige secret door een nieuw, sterk secret, dat één keer wordt "
        "getoond. De applicatie moet daarna het nieuwe secret gebruiken.",
    )

    nieuwe_token = forms.BooleanField(
        required=False,
        label="Nieuwe token aanmaken",
        help_text="Maakt een sleutel voor de Klantinteracties API (Authorization: Token "
        "<sleutel>). De sleutel wordt één keer getoond, na het opslaan; daarna alleen de eerste "
        "tekens. Bestaande tokens blijven werken.",
    )
    token_omschrijving = forms.CharField(
        required=False,
        max_length=200,
        label="Omschrijving van de nieuwe token",
        help_text="Waarvoor de token is, bijvoorbeeld 'Open Forms productie'.",
    )

    class Meta:
        model = APIClientApplicatie
        fields = ("label", "heeft_alle_autorisaties")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["client_id"].initial = self.instance.client_ids[0]
            self.fields["client_id"].disabled = True
            autorisatie = self.instance.autorisaties.filter(component=ComponentTypes.kc).first()
            self.fields["scopes"].initial = autorisatie.scopes if autorisatie else []
            cmc = self.instance.autorisaties.filter(component=ComponentTypes.cmc).first()
            self.fields["contactmomenten_scopes"].initial = cmc.scopes if cmc else []
            ki = self.instance.autorisaties.filter(component=KLANTINTERACTIES_COMPONENT).first()
            self.fields["klantinteracties_scopes"].initial = ki.scopes if ki else []
            recht = ValidatieRecht.objects.filter(applicatie=self.instance).first()
            self.fields["maximale_rang"].initial = recht.maximale_rang if recht else ""
            self.fields["vertrouwde_bron_klantinteracties"].initial = bool(
                recht and recht.vertrouwde_bron_klantinteracties
            )

    def clean_client_id(self):
        client_id = self.cleaned_data["client_id"]
        if (
            not self.instance.pk
            and Applicatie.objects.filter(client_ids__contains=[client_id]).exists()
        ):
            raise forms.ValidationError("Deze client ID is al in gebruik.", code="unique")
        return client_id

    def clean(self):
        cleaned = super().clean()
        if (
            not cleaned.get("heeft_alle_autorisaties")
            and not cleaned.get("scopes")
            and not cleaned.get("contactmomenten_scopes")
            and not cleaned.get("klantinteracties_scopes")
        ):
            raise forms.ValidationError("Kies scopes of geef alle autorisaties.", code="no-scopes")
        if cleaned.get("vertrouwde_bron_klantinteracties") and cleaned.get("maximale_rang") is None:
            self.add_error(
                "vertrouwde_bron_klantinteracties",
                forms.ValidationError(
                    "Een vertrouwde bron heeft een maximale rang: kies het niveau waarmee de "
                    "applicatie personen laat inloggen.",
                    code="geen-rang",
                ),
            )
        return cleaned


@admin.register(APIClientApplicatie)
class APIClientAdmin(TokenBeheer, admin.ModelAdmin):
    form = APIClientForm
    list_display = (
        "label",
        "client_id",
        "heeft_alle_autorisaties",
        "scope_list",
        "maximale_rang",
        "actieve_tokens",
    )
    search_fields = ("label", "client_ids")
    fields = (
        "client_id",
        "label",
        "heeft_alle_autorisaties",
        "scopes",
        "contactmomenten_scopes",
        "klantinteracties_scopes",
        "maximale_rang",
        "vertrouwde_bron_klantinteracties",
        "secret",
        "nieuw_secret",
        "token_overzicht",
        "nieuwe_token",
        "token_omschrijving",
    )
    readonly_fields = ("token_overzicht",)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is None:  # a new client gets a generated secret anyway, and has no tokens yet
            return [f for f in fields if f not in ("nieuw_secret", "token_overzicht")]
        return fields

    @admin.display(description="Tokens (Klantinteracties API)")
    def token_overzicht(self, obj):
        return tokens_tabel(obj)

    @admin.display(description="Client ID")
    def client_id(self, obj):
        return ", ".join(obj.client_ids)

    @admin.display(description="Scopes")
    def scope_list(self, obj):
        if obj.heeft_alle_autorisaties:
            return "alle autorisaties"
        prefixes = {
            ComponentTypes.kc: "",
            ComponentTypes.cmc: "contactmomenten: ",
            KLANTINTERACTIES_COMPONENT: "",
        }
        return ", ".join(
            f"{prefixes[autorisatie.component]}{scope}" if scope == "audittrails.lezen" else scope
            for autorisatie in sorted(
                obj.autorisaties.all(), key=lambda a: list(prefixes).index(a.component)
            )
            if autorisatie.component in prefixes
            for scope in autorisatie.scopes
        )

    @admin.display(description="Maximale rang")
    def maximale_rang(self, obj):
        recht = getattr(obj, "validatierecht", None)
        if recht is None:
            return "-"
        if recht.vertrouwde_bron_klantinteracties:
            return f"{recht.maximale_rang} (vertrouwde bron Klantinteracties)"
        return recht.maximale_rang

    @admin.display(description="Tokens (actief)")
    def actieve_tokens(self, obj):
        return sum(1 for token in obj.tokens.all() if token.actief) or "-"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("validatierecht")
            .prefetch_related("autorisaties", "tokens")
        )

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        client_id = obj.client_ids[0] if change else data["client_id"]
        secret = data.get("secret") or ""
        generated = False
        if not secret:
            if change and not data.get("nieuw_secret"):
                secret = JWTSecret.objects.get(identifier=client_id).secret
            else:
                secret = secrets.token_urlsafe(48)
                generated = True
        if secret_is_short(secret):
            messages.warning(
                request, "Dit secret is korter dan 32 bytes; een langer secret wordt aangeraden."
            )
        applicatie = save_api_client(
            APIClient(
                client_id=client_id,
                secret=secret,
                label=data["label"],
                heeft_alle_autorisaties=data["heeft_alle_autorisaties"],
                scopes=tuple(data.get("scopes") or ()),
                maximale_rang=data.get("maximale_rang"),
                contactmomenten_scopes=tuple(data.get("contactmomenten_scopes") or ()),
                klantinteracties_scopes=tuple(data.get("klantinteracties_scopes") or ()),
                vertrouwde_bron_klantinteracties=bool(data.get("vertrouwde_bron_klantinteracties")),
            )
        )
        if (
            data.get("maximale_rang") is not None
            and not data["heeft_alle_autorisaties"]
            and SCOPE_VALIDEREN not in (data.get("scopes") or ())
        ):
            messages.warning(
                request,
                "Een maximale rang heeft pas effect met de scope klanten.valideren (of alle "
                "autorisaties).",
            )
        obj.pk = applicatie.pk
        obj.uuid = applicatie.uuid
        obj.client_ids = applicatie.client_ids
        if generated:
            # P2: shown once, never again
            messages.success(
                request,
                f"Het secret van client {client_id} is: {secret} — bewaar het nu, "
                "het wordt niet opnieuw getoond.",
            )
        if data.get("nieuwe_token"):
            # K2: shown once, never again (only its hash and first characters are stored)
            _token, sleutel = tokens.maak_token(
                applicatie, omschrijving=data.get("token_omschrijving") or ""
            )
            messages.success(
                request,
                f"De token van client {client_id} is: {sleutel} — bewaar hem nu, hij wordt "
                "niet opnieuw getoond. De applicatie stuurt: Authorization: Token <sleutel>.",
            )

    def save_related(self, request, form, formsets, change):
        pass  # scopes are saved by save_api_client


class VertrouwdeUitgeverForm(forms.ModelForm):
    jwks_url = forms.URLField(
        max_length=1000,
        assume_scheme="https",
        label="JWKS URL",
        help_text=VertrouwdeUitgever._meta.get_field("jwks_url").help_text,
    )

    class Meta:
        model = VertrouwdeUitgever
        fields = "__all__"

    def clean_aliassen(self):
        """V2: aliases map the issuer's own values onto canonical values of the scale."""
        aliassen = self.cleaned_data.get("aliassen")
        if aliassen in (None, ""):
            return {}
        if not isinstance(aliassen, dict) or not all(
            isinstance(key, str) and isinstance(value, str) for key, value in aliassen.items()
        ):
            raise forms.ValidationError(
                'Geef een JSON-object van teksten, bv. {"loa3": '
                '"urn:etoegang:core:assurance-class:loa3"}.',
                code="invalid",
            )
        validate_aliases(aliassen)
        return aliassen


@admin.register(VertrouwdeUitgever)
class VertrouwdeUitgeverAdmin(admin.ModelAdmin):
    """V4: the issuers (DigiD/eHerkenning brokers) whose signed ID tokens are evidence."""

    form = VertrouwdeUitgeverForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("naam", "issuer", "middel", "audience", "actief")
    list_filter = ("middel", "actief")
    search_fields = ("naam", "issuer", "audience")
    readonly_fields = ("bekende_niveaus",)
    fieldsets = (
        (None, {"fields": ("naam", "issuer", "jwks_url", "audience", "middel", "actief")}),
        (
            "Claims",
            {
                "fields": (
                    "niveau_claim",
                    "bsn_claim",
                    "kvk_claim",
                    "vestigingsnummer_claim",
                    "vertegenwoordigde_claim",
                    "machtiging_claim",
                )
            },
        ),
        ("Betrouwbaarheidsniveaus", {"fields": ("aliassen", "bekende_niveaus")}),
    )

    @admin.display(description="Bekende niveaus (alias-doelen)")
    def bekende_niveaus(self, obj):
        return json.dumps(CANONICAL_RANKS, indent=2)
