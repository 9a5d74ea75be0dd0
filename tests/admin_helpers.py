"""Shared helpers of the admin tests: users in the predefined groups, validated klanten and
the POST body of an unchanged change page."""

from datetime import timedelta

from django.contrib.auth.models import Group
from django.utils import timezone

from klanten.datamodel import rules, services
from klanten.datamodel.models import Klant

KLANTEN_ADMIN = "/admin/datamodel/klant/"
DIGID_MIDDEN = "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract"
EH2PLUS = "urn:etoegang:core:assurance-class:loa2plus"


def staff_user(django_user_model, username: str, *groups: str):
    user = django_user_model.objects.create_user(
        username, f"{username}@gemeente.example", "x", is_staff=True
    )
    user.first_name = username.capitalize()
    user.save()
    for group in groups:
        user.groups.add(Group.objects.get(name=group))
    return user


def valideer(klant: Klant, identiteit: rules.Identiteit, *, middel="digid", niveau=DIGID_MIDDEN):
    bewijs = rules.Bewijs(
        middel=middel,
        betrouwbaarheidsniveau=niveau,
        rang=2,
        uitgever="DigiD" if middel == "digid" else "eHerkenning",
        bron="applicatie",
        authenticatie_moment=timezone.now() - timedelta(minutes=1),
        geauthenticeerde=identiteit,
        gegevens_bevestigd=True,
    )
    services.valideer_klant(klant, bewijs, services.Actor(applicatie_weergave="Portaal"))
    klant.refresh_from_db()
    return klant


def change_form_data(response) -> dict:
    """The POST body the change page would send unchanged (main form and every inline)."""
    data = {}

    def add(form):
        for name, field in form.fields.items():
            if field.disabled:
                continue
            value = form[name].value()
            key = form.add_prefix(name)
            if value is None:
                continue
            if isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = list(value)
            else:
                data[key] = value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data


def add_form_data(client, **data) -> dict:
    """The POST body of the add page with the given values (empty inlines)."""
    body = change_form_data(client.get(f"{KLANTEN_ADMIN}add/"))
    body.update({"bronorganisatie": "002220647", "subject_type": "natuurlijk_persoon"})
    body.update(data)
    return body
