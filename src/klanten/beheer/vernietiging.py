"""Destruction of a klant for a privacy request (R3: data managers destroy through the admin).

As a destruction by the retention rules: the klant and everything hanging off it (its API
audit trail included) are deleted, the ``destroy`` notification is sent and a tombstone
without personal data remains; the data manager's log records who did it and why.
"""

from django import forms
from django.db import transaction
from vng_api_common.audittrails.models import AuditTrail
from vng_api_common.constants import CommonResourceAction

from klanten.api.notify import notificeer, representatie
from klanten.datamodel import services
from klanten.datamodel.models import Klant

from .log import BeheerActie, leg_vast


class VernietigForm(forms.Form):
    reden = forms.CharField(
        max_length=200,
        label="Reden of kenmerk van het verzoek",
        help_text="Verplicht, bijvoorbeeld het zaaknummer van het AVG-verzoek. Geen "
        "persoonsgegevens: de reden blijft bewaard.",
    )

    def clean_reden(self):
        reden = self.cleaned_data["reden"].strip()
        if not reden:
            raise forms.ValidationError("Geef een reden op.", code="required")
        return reden


@transaction.atomic
def vernietig(klant: Klant, request, reden: str) -> None:
    klant = Klant.objects.select_for_update().filter(pk=klant.pk).first()
    if klant is None:
        return  # destroyed meanwhile (retention task, another data manager)
    data = representatie(klant, request)
    leg_vast(BeheerActie.vernietiging, request, klant, toelichting=reden)
    services.delete_klant(klant)
    AuditTrail.objects.filter(hoofd_object__endswith=f"/klanten/{klant.uuid}").delete()
    notificeer(CommonResourceAction.destroy, data, klant, request=request, status_code=204)
