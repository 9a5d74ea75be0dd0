"""API clients in the admin: client id, label, all rights or scopes; the secret is shown once."""

import secrets

from django import forms
from django.contrib import admin, messages
from vng_api_common.authorizations.models import Applicatie
from vng_api_common.constants import ComponentTypes
from vng_api_common.models import JWTSecret

from .clients import KNOWN_SCOPES, APIClient, save_api_client, secret_is_short
from .models import APIClientApplicatie


class APIClientForm(forms.ModelForm):
    client_id = forms.CharField(max_length=50, label="Client ID")
    scopes = forms.MultipleChoiceField(
        choices=[(scope, scope) for scope in KNOWN_SCOPES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Niet nodig wanneer de applicatie alle autorisaties heeft.",
    )
    secret = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Laat leeg om een sterk secret te laten genereren (alleen bij aanmaken wordt "
        "het getoond). Bij wijzigen: leeg laten houdt het huidige secret.",
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
        if not cleaned.get("heeft_alle_autorisaties") and not cleaned.get("scopes"):
            raise forms.ValidationError("Kies scopes of geef alle autorisaties.", code="no-scopes")
        return cleaned


@admin.register(APIClientApplicatie)
class APIClientAdmin(admin.ModelAdmin):
    form = APIClientForm
    list_display = ("label", "client_id", "heeft_alle_autorisaties", "scope_list")
    search_fields = ("label", "client_ids")
    fields = ("client_id", "label", "heeft_alle_autorisaties", "scopes", "secret")

    @admin.display(description="Client ID")
    def client_id(self, obj):
        return ", ".join(obj.client_ids)

    @admin.display(description="Scopes")
    def scope_list(self, obj):
        if obj.heeft_alle_autorisaties:
            return "alle autorisaties"
        return ", ".join(
            scope
            for autorisatie in obj.autorisaties.all()
            if autorisatie.component == ComponentTypes.kc
            for scope in autorisatie.scopes
        )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("autorisaties")

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        client_id = obj.client_ids[0] if change else data["client_id"]
        secret = data.get("secret") or ""
        generated = False
        if not secret:
            if change:
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
            )
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
