"""Destruction of a klant for a privacy request (R3: data managers destroy through the admin).

The same steps as a destruction by the retention rules (``klanten.background.retention``), on
the same building blocks and in one transaction: the klant rows are locked first, a tombstone
without personal data is written (``VernietigdeKlant``: uuid, moment, date, ground
``privacyverzoek``) and the klant is deleted with everything that hangs off it, its API audit
trail included, leaving one audit record of the deletion (the data manager, the reason) and a
``destroy`` notification (``services.verwijder_klanten``). The data manager's log records who
did it and why.
"""

from django import forms
from django.utils import timezone

from klanten.background.models import VernietigdeKlant
from klanten.datamodel import services
from klanten.datamodel.constants import VernietigingsGrond
from klanten.datamodel.models import Klant
from klanten.datamodel.transactions import schrijfactie

from .log import BeheerActie, herkomst, leg_vast

# the ground on the tombstone of a klant destroyed on request
GROND_PRIVACYVERZOEK = VernietigingsGrond.privacyverzoek


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


@schrijfactie
def vernietig(klanten: list[Klant], request, reden: str) -> int:
    """Destroy ``klanten``; returns how many were destroyed (one destroyed meanwhile, by the
    retention task or another data manager, is skipped)."""
    # with the other partijen holding an address their betrokkenen gave (id order), then
    # their betrokkenen (``services.vergrendel_te_vernietigen``)
    locked = services.vergrendel_te_vernietigen(
        lambda: list(
            Klant.objects.select_for_update().filter(pk__in=[k.pk for k in klanten]).order_by("pk")
        )
    )
    if not locked:
        return 0
    now = timezone.now()
    for klant in locked:
        leg_vast(BeheerActie.vernietiging, request, klant, toelichting=reden)
    VernietigdeKlant.objects.bulk_create(
        [
            VernietigdeKlant(
                uuid=klant.uuid,
                vernietigd_op=now,
                vernietigingsdatum=timezone.localdate(now),
                grond=GROND_PRIVACYVERZOEK,
            )
            for klant in locked
        ],
        ignore_conflicts=True,
    )
    services.verwijder_klanten(locked, herkomst(request, toelichting=reden), vernietiging=True)
    return len(locked)
