"""Saving a klant in the admin: the API's rules, the audit trail and the notification, and
what the data manager is told.

A violation is a form error, also when the database refuses what the form let through (a
concurrent save, a constraint or trigger: everything is rolled back). A save that changes the
klant's representation writes one audit trail record and one notification, as a change
through the API does; a save that changes nothing writes neither. The message names the
changed fields, or says nothing changed, and which posted values for read-only fields were
not saved and why.
"""

import re

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.db import DatabaseError, IntegrityError, connection
from vng_api_common.constants import CommonResourceAction

from klanten.beheer.log import herkomst
from klanten.datamodel import partijsync, partijwijzigingen, rules, services, wijzigingen
from klanten.datamodel.labels import label, pad_label
from klanten.datamodel.models import Klant
from klanten.datamodel.partijrepresentatie import (
    KIContext,
    adressen_elders,
    partij_met_adressen,
)
from klanten.datamodel.transactions import uitvoeren

from . import weergave
from .forms import opslagfout_melding

# why a posted value for a read-only field was not saved
_SLEUTEL_REDEN = (
    "de identificatie van een gevalideerde klant verandert alleen via 'Subjectidentificatie "
    "corrigeren', met een reden"
)
NIET_GEWIJZIGD_REDENEN = {
    "gevalideerd": "een gevalideerde klant blijft gevalideerd",
    "subject_type": "het subjecttype ligt vast zodra het is gekozen",
    "gevalideerde_sleutel": _SLEUTEL_REDEN,
    "gevalideerde_sleutel_type": _SLEUTEL_REDEN,
    "inp_bsn": _SLEUTEL_REDEN,
    "inn_nnp_id": _SLEUTEL_REDEN,
    "vestigings_nummer": _SLEUTEL_REDEN,
    "DELETE": "de subjectidentificatie van een gevalideerde klant kan niet worden verwijderd",
}
_ALLEEN_LEZEN = "Klanten houdt dit gegeven zelf bij"


class KlantOpslaan:
    """The saving part of the klant admin."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        fout = getattr(request, "_klanten_opslagfout", "")
        if fout:
            form = type(form.__name__, (form,), {"opslagfout": fout})
        return form

    def get_object(self, request, object_id, from_field=None):
        """On a save the klant row is locked first (the lock order of every write), before
        the form reads it; a klant deleted meanwhile is not found (and never re-created)."""
        if request.method != "POST" or not connection.in_atomic_block:
            return super().get_object(request, object_id, from_field)
        queryset = self.get_queryset(request).select_for_update(of=("self",))
        field = Klant._meta.pk if from_field is None else Klant._meta.get_field(from_field)
        try:
            return queryset.get(**{field.name: field.to_python(object_id)})
        except (Klant.DoesNotExist, forms.ValidationError, ValueError):
            return None

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id:
            klant = self.get_object(request, unquote(object_id))
            if klant is not None:
                request._klanten_genegeerd = self._niet_gewijzigd(request, klant)
        try:
            # a transaction PostgreSQL cancels (deadlock) is run again
            return uitvoeren(super().changeform_view, request, object_id, form_url, extra_context)
        except (IntegrityError, DatabaseError, rules.RuleViolation) as exc:
            # the database (constraint, trigger) or a rule refused what the form let through,
            # e.g. a concurrent save: everything was rolled back; show the form with the error
            fout = opslagfout_melding(exc)
            if request.method != "POST" or fout is None:
                raise
            request._klanten_opslagfout = fout
            return super().changeform_view(request, object_id, form_url, extra_context)

    def _niet_gewijzigd(self, request, klant: Klant) -> list[str]:
        """The read-only fields a POST carried a value for (a browser never sends them):
        each with the reason it is not saved."""
        posted = request.POST
        namen = [f for f in self.get_readonly_fields(request, klant) if f in posted]
        for inline in self.get_inline_instances(request, klant):
            prefix = inline.get_formset(request, klant).get_default_prefix()
            alleen_lezen = set(inline.get_readonly_fields(request, klant))
            for key in posted:
                match = re.fullmatch(rf"{re.escape(prefix)}-\d+-(\w+)", key)
                if not match:
                    continue
                veld = match.group(1)
                if veld in alleen_lezen or (
                    veld == "DELETE"
                    and posted.get(key)
                    and not inline.has_delete_permission(request, klant)
                ):
                    namen.append(veld)
        regels = []
        for naam in dict.fromkeys(namen):
            tekst = "Subjectidentificatie verwijderen" if naam == "DELETE" else label(naam)
            regels.append(f"{tekst} ({NIET_GEWIJZIGD_REDENEN.get(naam, _ALLEEN_LEZEN)})")
        return regels

    def save_model(self, request, obj, form, change):
        door = herkomst(request, toelichting=form.cleaned_data.get("toelichting", ""))
        request._klanten_herkomst = door
        # the stored representation (the row is locked, see get_object), before the change
        request._klanten_oud = (
            wijzigingen.representatie(wijzigingen.lees(obj.pk), door.basis_url) if change else None
        )
        # K10: the klant is a partij too
        request._klanten_partij_oud = (
            partij_met_adressen(obj, KIContext.van_herkomst(door)) if change else (None, {})
        )
        if not obj.klantnummer:
            obj.klantnummer = services.next_klantnummer(obj.bronorganisatie)
        obj.save()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # K3/K8, as a Klanten API write: the partij's identifiers and standaard addresses
        # follow the klant's identification, emailadres and telefoonnummer
        partijsync.synchroniseer(wijzigingen.lees(form.instance.pk))
        # the same record as an API write: one audit record and one notification, nothing
        # when the representation did not change
        door = request._klanten_herkomst
        klant = wijzigingen.lees(form.instance.pk)
        oud = request._klanten_oud
        nieuw = wijzigingen.representatie(klant, door.basis_url)
        request._klanten_gewijzigd = (
            weergave.gewijzigde_velden(oud or {}, nieuw) if oud != nieuw else []
        )
        actie = CommonResourceAction.update if change else CommonResourceAction.create
        wijzigingen.leg_vast(actie, klant, oud=oud, nieuw=nieuw, herkomst=door)
        # and the partij's record on kanaal partijen when its representation changed (K10)
        partij_oud, adressen_oud = request._klanten_partij_oud
        ctx = KIContext.van_herkomst(door)
        partij_nieuw, adressen_nieuw = partij_met_adressen(klant, ctx)
        adressen_nieuw |= adressen_elders(adressen_oud, adressen_nieuw, ctx)
        partijwijzigingen.leg_partij_vast(
            actie, klant, oud=partij_oud, nieuw=partij_nieuw, herkomst=door
        )
        # and each digitaal adres whose representation changed (a standaard address follows
        # the klant's emailadres/telefoonnummer, K8)
        partijwijzigingen.leg_adressen_vast(
            CommonResourceAction.partial_update,
            oud=adressen_oud,
            nieuw=adressen_nieuw,
            herkomst=door,
        )

    # --- what the data manager is told after saving ---------------------------------------
    def message_user(self, request, message, level=messages.INFO, *args, **kwargs):
        if getattr(request, "_klanten_eigen_melding", False) and level == messages.SUCCESS:
            return  # replaced by _meld_opslaan
        super().message_user(request, message, level, *args, **kwargs)

    def response_add(self, request, obj, post_url_continue=None):
        request._klanten_eigen_melding = True
        response = super().response_add(request, obj, post_url_continue)
        request._klanten_eigen_melding = False
        self.message_user(request, f"{weergave.kop(obj)} is aangemaakt.", messages.SUCCESS)
        return response

    def response_change(self, request, obj):
        request._klanten_eigen_melding = True
        response = super().response_change(request, obj)
        request._klanten_eigen_melding = False
        self._meld_opslaan(request, obj)
        return response

    def _meld_opslaan(self, request, obj):
        """Say what was saved, that nothing was, and which posted values were not."""
        gewijzigd = getattr(request, "_klanten_gewijzigd", [])
        if gewijzigd:
            velden = ", ".join(pad_label(pad) for pad in gewijzigd)
            self.message_user(
                request, f"De wijzigingen zijn opgeslagen ({velden}).", messages.SUCCESS
            )
        else:
            self.message_user(
                request,
                "Er is niets gewijzigd: de gegevens waren al zo. Er is niets vastgelegd.",
                messages.INFO,
            )
        genegeerd = getattr(request, "_klanten_genegeerd", [])
        if genegeerd:
            self.message_user(
                request, "Niet gewijzigd: " + "; ".join(genegeerd) + ".", messages.WARNING
            )
