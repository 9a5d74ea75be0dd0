"""Making another of a klant's digital addresses the standaard one of its kind, in the admin:
a confirmation (the current and the new standaard address, an optional reason), then the same
service as the Klantinteracties API's ``PATCH /digitaleadressen/{uuid}``
(``partijservices.wijzig_digitaal_adres``): the klant's ``emailadres`` or ``telefoonnummer``
follows (K8), with one audit record and one notification for each representation that changed
(kanalen ``klanten`` and ``partijen``, K10); the address that is standaard already changes
and records nothing. Only for who may change the klant.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from klanten.beheer.log import herkomst
from klanten.datamodel import partijservices, rules
from klanten.datamodel.labels import label
from klanten.datamodel.models import Klant
from klanten.datamodel.partijen import DigitaalAdres

from . import weergave

# the Klanten API field a standaard address of this kind is (K8)
KLANTEN_VELD = {"email": "emailadres", "telefoonnummer": "telefoonnummer"}


class StandaardForm(forms.Form):
    toelichting = forms.CharField(
        required=False,
        max_length=1000,
        label="Toelichting",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Waarom u dit adres standaard maakt; wordt in de geschiedenis vastgelegd "
        "(geen persoonsgegevens).",
    )


class StandaardAdres:
    """The klant admin's "standaard maken" of a digital address."""

    def get_urls(self):
        return [
            path(
                "<int:object_id>/digitale-adressen/<int:adres_id>/standaard/",
                self.admin_site.admin_view(self.maak_standaard_view),
                name="datamodel_klant_adres_standaard",
            ),
            *super().get_urls(),
        ]

    def maak_standaard_view(self, request, object_id, adres_id):
        """Make one of the klant's addresses the standaard one of its kind: a confirmation
        (GET), the change through the service (POST)."""
        klant = self.get_object(request, str(object_id))
        if klant is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, str(object_id))
        if not self.has_change_permission(request, klant):
            raise PermissionDenied
        terug = reverse("admin:datamodel_klant_change", args=[klant.pk])
        rij = DigitaalAdres.objects.filter(pk=adres_id, klant=klant).first()
        if rij is None:
            messages.error(request, "Dit adres hoort (niet meer) bij deze klant.")
            return redirect(terug)
        soort = rij.get_soort_digitaal_adres_display().lower()
        if rij.is_standaard_adres:
            messages.info(
                request, f"Het standaard {soort} is al {rij.adres}. Er is niets gewijzigd."
            )
            return redirect(terug)
        form = StandaardForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            door = herkomst(request, toelichting=form.cleaned_data["toelichting"])
            try:
                partijservices.wijzig_digitaal_adres(
                    rij, {"is_standaard_adres": True}, partial=True, herkomst=door
                )
            except (Klant.DoesNotExist, DigitaalAdres.DoesNotExist):
                messages.error(request, "Deze klant of dit adres bestaat niet meer.")
            except rules.RuleViolation as exc:
                messages.error(request, " ".join(str(m) for m in exc.messages))
            else:
                veld = KLANTEN_VELD.get(rij.soort_digitaal_adres)
                klanten_api = f" (ook het {label(veld).lower()} van de klant)" if veld else ""
                messages.success(request, f"Het standaard {soort} is nu {rij.adres}{klanten_api}.")
            return redirect(terug)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Standaard {soort} maken: {weergave.kop(klant)}",
            "kop": weergave.kop(klant),
            "opts": self.opts,
            "original": klant,
            "adres": rij,
            "soort": soort,
            "huidig": DigitaalAdres.objects.filter(
                klant=klant, soort_digitaal_adres=rij.soort_digitaal_adres, is_standaard_adres=True
            ).first(),
            "klanten_veld": label(KLANTEN_VELD[rij.soort_digitaal_adres]).lower()
            if rij.soort_digitaal_adres in KLANTEN_VELD
            else "",
            "form": form,
        }
        return TemplateResponse(request, "admin/datamodel/klant/standaard_adres.html", context)
