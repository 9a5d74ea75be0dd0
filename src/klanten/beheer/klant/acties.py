"""Actions on klanten: export and destruction for privacy requests, and the correction of a
validated klant's subject identifier.

"Exporteren" downloads everything stored about the selected klanten as JSON; "Vernietigen"
destroys them after a confirmation with a reason, sends the ``destroy`` notification and
leaves a tombstone without personal data (``klanten.beheer.vernietiging``). Both are logged.
The subject identifier of a validated klant changes only through the correction form, which
needs a permission and a reason and is audited (``services.corrigeer_subject``, V1).
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from klanten.beheer import export as beheer_export
from klanten.beheer import vernietiging
from klanten.beheer.groups import CORRIGEREN, EXPORTEREN
from klanten.beheer.log import BeheerActie, herkomst, leg_vast
from klanten.beheer.maskering import maskeer
from klanten.datamodel import rules, services
from klanten.datamodel.models import Klant

from . import weergave
from .forms import CorrectieForm


class KlantActies:
    """The actions part of the klant admin (export, destruction, correction)."""

    actions = ("exporteer_json", "vernietig")

    def has_exporteer_permission(self, request):
        return request.user.has_perm(f"datamodel.{EXPORTEREN}")

    def has_corrigeer_permission(self, request):
        return request.user.has_perm(f"datamodel.{CORRIGEREN}") and self.has_change_permission(
            request
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        # destruction only through "vernietig": notifications and a tombstone (R2, R3)
        actions.pop("delete_selected", None)
        return actions

    # --- privacy requests: export -----------------------------------------------------------
    @admin.action(description="Exporteren als JSON (privacyverzoek)", permissions=["exporteer"])
    def exporteer_json(self, request, queryset):
        klanten = list(queryset.order_by("pk"))
        data = beheer_export.export(klanten, request)
        for klant in klanten:
            leg_vast(BeheerActie.export, request, klant)
        response = HttpResponse(
            beheer_export.dumps(data), content_type="application/json; charset=utf-8"
        )
        naam = f"klanten-export-{timezone.localtime():%Y%m%d-%H%M%S}.json"
        response["Content-Disposition"] = f'attachment; filename="{naam}"'
        response["Cache-Control"] = "no-store"
        return response

    def get_urls(self):
        return [
            path(
                "<int:object_id>/corrigeer-subject/",
                self.admin_site.admin_view(self.corrigeer_subject_view),
                name="datamodel_klant_corrigeer_subject",
            ),
            path(
                "<path:object_id>/exporteren/",
                self.admin_site.admin_view(self.exporteer_view),
                name="datamodel_klant_exporteren",
            ),
            *super().get_urls(),
        ]

    def exporteer_view(self, request, object_id):
        """The export of one klant, from its detail page."""
        if not self.has_exporteer_permission(request):
            raise PermissionDenied
        klant = self.get_object(request, unquote(object_id))
        if klant is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        return self.exporteer_json(request, Klant.objects.filter(pk=klant.pk))

    # --- privacy requests: destruction ------------------------------------------------------
    @admin.action(description="Vernietigen (privacyverzoek)", permissions=["delete"])
    def vernietig(self, request, queryset):
        return self._vernietig(request, queryset, enkel=False)

    def delete_view(self, request, object_id, extra_context=None):
        """The "Verwijderen" link of the detail page: the same destruction, with notification
        and tombstone."""
        klant = self.get_object(request, unquote(object_id))
        if klant is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_delete_permission(request, klant):
            raise PermissionDenied
        return self._vernietig(request, Klant.objects.filter(pk=klant.pk), enkel=True)

    def _vernietig(self, request, queryset, *, enkel: bool):
        klanten = list(queryset.select_related(*self.list_select_related).order_by("pk"))
        form = vernietiging.VernietigForm(request.POST if request.POST.get("post") else None)
        if request.POST.get("post") and form.is_valid():
            try:
                aantal = vernietiging.vernietig(klanten, request, form.cleaned_data["reden"])
            except rules.Conflict as exc:
                # legacy data it could not repair (partijherstel), or partijen it kept failing
                # to lock in order (transactions.GelijktijdigeWijziging): nothing destroyed
                self.message_user(request, exc.messages[0], messages.ERROR)
                return HttpResponseRedirect(reverse("admin:datamodel_klant_changelist"))
            self.message_user(
                request,
                f"{aantal} klant(en) vernietigd. De notificaties zijn verstuurd; van elke "
                "klant blijft alleen een grafsteen zonder persoonsgegevens over.",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:datamodel_klant_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Klanten vernietigen",
            "opts": self.opts,
            "klanten": [
                {
                    "klant": klant,
                    "naam": weergave.naam(klant),
                    "identificatie": maskeer(weergave.identificatie(klant)),
                }
                for klant in klanten
            ],
            "gevalideerd": [klant for klant in klanten if klant.gevalideerd],
            "form": form,
            "enkel": enkel,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/datamodel/klant/vernietigen.html", context)

    # --- V1: correction of a validated klant's subject identifier -----------------------------
    def corrigeer_subject_view(self, request, object_id):
        klant = get_object_or_404(Klant, pk=object_id)
        if not self.has_corrigeer_permission(request):
            raise PermissionDenied
        if not correctable(klant):
            messages.error(
                request,
                "Alleen de BSN, het RSIN of het vestigingsnummer van een gevalideerde klant "
                "wordt zo gecorrigeerd.",
            )
            return redirect("admin:datamodel_klant_change", klant.pk)
        field, sleutel_type = _SLEUTELS[klant.subject_type]
        form = CorrectieForm(
            request.POST or None, sleutel_type=sleutel_type, huidig_subject=klant.subject
        )
        if request.method == "POST" and form.is_valid():
            identificatie = form.cleaned_data["identificatie"]
            try:
                services.corrigeer_subject(
                    klant,
                    {field: identificatie} if identificatie else None,
                    form.cleaned_data["reden"],
                    herkomst=herkomst(request),
                    subject=form.cleaned_data["subject"],
                )
            except Klant.DoesNotExist:
                messages.error(request, "Deze klant bestaat niet meer.")
                return redirect("admin:datamodel_klant_changelist")
            except rules.RuleViolation as exc:
                form.add_error("identificatie", exc.messages[0])
            else:
                messages.success(request, "De subjectidentificatie is gecorrigeerd.")
                return redirect("admin:datamodel_klant_change", klant.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Subjectidentificatie corrigeren: {weergave.kop(klant)}",
            "kop": weergave.kop(klant),
            "opts": self.model._meta,
            "original": klant,
            "form": form,
        }
        return TemplateResponse(request, "admin/datamodel/klant/corrigeer_subject.html", context)


_SLEUTELS = services.IDENTIFICATIE_SLEUTEL


def correctable(klant: Klant) -> bool:
    """A validated klant whose key is the one its identification carries (a klant validated
    by KvK-nummer has no such field in the standard representation)."""
    return (
        klant.gevalideerd
        and klant.subject_type in _SLEUTELS
        and _SLEUTELS[klant.subject_type][1] == klant.gevalideerde_sleutel_type
    )
