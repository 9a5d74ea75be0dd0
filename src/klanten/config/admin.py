"""API clients in the admin: client id, label, all rights or scopes, the maximum assurance rank
they may assert (V4); the secret is shown once. Trusted issuers of ID tokens (V4)."""

import json
import secrets

from django import forms
from django.contrib import admin, messages
from django.db import models
from vng_api_common.authorizations.models import Applicatie
from vng_api_common.constants import ComponentTypes
from vng_api_common.models import JWTSecret

from klanten.datamodel.assurance import CANONICAL_RANKS, validate_aliases

from .clients import (
    CONTACTMOMENTEN_SCOPES,
    KNOWN_SCOPES,
    RANK_LABELS,
    APIClient,
    save_api_client,
    secret_is_short,
)
from .models import APIClientApplicatie, ValidatieRecht, VertrouwdeUitgever

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
            recht = ValidatieRecht.objects.filter(applicatie=self.instance).first()
            self.fields["maximale_rang"].initial = recht.maximale_rang if recht else ""

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
        ):
            raise forms.ValidationError("Kies scopes of geef alle autorisaties.", code="no-scopes")
        return cleaned


@admin.register(APIClientApplicatie)
class APIClientAdmin(admin.ModelAdmin):
    form = APIClientForm
    list_display = (
        "label",
        "client_id",
        "heeft_alle_autorisaties",
        "scope_list",
        "maximale_rang",
    )
    search_fields = ("label", "client_ids")
    fields = (
        "client_id",
        "label",
        "heeft_alle_autorisaties",
        "scopes",
        "contactmomenten_scopes",
        "maximale_rang",
        "secret",
        "nieuw_secret",
    )

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is None:  # a new client gets a generated secret anyway
            return [f for f in fields if f != "nieuw_secret"]
        return fields

    @admin.display(description="Client ID")
    def client_id(self, obj):
        return ", ".join(obj.client_ids)

    @admin.display(description="Scopes")
    def scope_list(self, obj):
        if obj.heeft_alle_autorisaties:
            return "alle autorisaties"
        prefixes = {ComponentTypes.kc: "", ComponentTypes.cmc: "contactmomenten: "}
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
        return recht.maximale_rang if recht is not None else "-"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("validatierecht")
            .prefetch_related("autorisaties")
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
