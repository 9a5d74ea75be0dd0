"""What every data managers' admin page of Klanten shares (klanten now; contactmomenten,
partijen, actoren and interne taken later):

- ``FoutoverzichtMixin``: a form that did not save starts with a summary naming every error,
  each a link to its field (``admin/beheer/_foutoverzicht.html``), as the residents' pages do,
  instead of Django's "Corrigeer de onderstaande fouten." above errors a screen further down;
- ``BeheerAdmin``: a ModelAdmin with that summary, the shared change form template
  ``admin/beheer/change_form.html`` (breadcrumb and heading from the context's ``kop``) and
  "Adres toevoegen" (not "Nog een Adres toevoegen") for an inline of at most one.
"""

import json
from dataclasses import dataclass

from django.contrib import admin
from django.contrib.admin import helpers
from django.utils.text import capfirst


@dataclass(frozen=True)
class Fout:
    tekst: str
    anker: str = ""  # the id of the field (or block) the error is about


def _veld_fouten(form) -> list[Fout]:
    fouten = [Fout(str(fout)) for fout in form.non_field_errors()]
    for naam, errors in form.errors.items():
        if naam == "__all__" or naam not in form.fields:
            continue
        veld = form[naam]
        label = veld.label or naam
        for fout in errors:
            fouten.append(Fout(f"{label}: {fout}", veld.id_for_label or ""))
    return fouten


def foutoverzicht(adminform, inline_admin_formsets) -> list[Fout]:
    """Every error of a change form and its inlines, in the order of the page."""
    fouten = []
    if adminform is not None:
        fouten += _veld_fouten(adminform.form)
    for inline in inline_admin_formsets or ():
        formset = inline.formset
        kop = str(inline.opts.verbose_name).capitalize()
        for fout in formset.non_form_errors():
            fouten.append(Fout(f"{kop}: {fout}", f"{formset.prefix}-group"))
        for index, form in enumerate(formset.forms):
            for fout in _veld_fouten(form):
                anker = fout.anker or f"{formset.prefix}-{index}"
                fouten.append(Fout(f"{kop}, {fout.tekst}", anker))
    return fouten


class FoutoverzichtMixin:
    """Replaces Django's error note by the linked summary (``fouten`` in the context)."""

    def render_change_form(self, request, context, *args, **kwargs):
        if context.get("errors"):
            context["fouten"] = foutoverzicht(
                context.get("adminform"), context.get("inline_admin_formsets")
            )
            context["errors"] = None  # no second, unlinked note above the form
        return super().render_change_form(request, context, *args, **kwargs)


class EnkelvoudigInlineFormSet(helpers.InlineAdminFormSet):
    """An inline of at most one (an address, an identification): "Adres toevoegen", not
    Django's "Nog een Adres toevoegen" when there is none."""

    def inline_formset_data(self):
        data = json.loads(super().inline_formset_data())
        if self.formset.max_num == 1:
            data["options"]["addText"] = f"{capfirst(self.opts.verbose_name)} toevoegen"
        return json.dumps(data)


class BeheerAdmin(FoutoverzichtMixin, admin.ModelAdmin):
    change_form_template = "admin/beheer/change_form.html"

    def get_inline_formsets(self, request, formsets, inline_instances, obj=None):
        inline_formsets = super().get_inline_formsets(request, formsets, inline_instances, obj)
        for inline_formset in inline_formsets:
            if inline_formset.formset.max_num == 1:
                inline_formset.__class__ = EnkelvoudigInlineFormSet
        return inline_formsets
