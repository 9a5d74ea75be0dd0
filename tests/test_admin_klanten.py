"""The klanten admin for data managers: groups and permissions, masking and logged full view,
search and filters, the API's rules on save (as form errors), audit trail and notification of
changes, privacy-request export and destruction."""

import json
import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import IntegrityError
from vng_api_common.audittrails.models import AuditTrail

from klanten.background.models import UitgaandeNotificatie, VernietigdeKlant
from klanten.beheer.groups import BEHEERDER, RAADPLEGER, ensure_groups
from klanten.beheer.models import BeheerGebeurtenis
from klanten.datamodel import rules
from klanten.datamodel.models import Interactie, Klant, NatuurlijkPersoon

from .admin_helpers import (
    EH2PLUS,
    KLANTEN_ADMIN,
    add_form_data,
    change_form_data,
    staff_user,
    valideer,
)
from .conftest import BASE, BSN, BSN_2, RSIN, RSIN_2, ApiClient, make_token

pytest_plugins = ("tests.admin_fixtures",)  # fixtures: beheerder_client, raadpleger_client
pytestmark = pytest.mark.usefixtures("fresh_cache")

KVK = "69599084"
VESTIGING = "000038509504"


def _klant(make_klant, inp_bsn=BSN, **data) -> Klant:
    data.setdefault("achternaam", "Jansen")
    return make_klant(
        subject_type="natuurlijk_persoon",
        subject_identificatie={"inp_bsn": inp_bsn, "geslachtsnaam": data["achternaam"]},
        **data,
    )


def _page(response) -> str:
    return response.content.decode()


# --- groups and permissions -----------------------------------------------------------------


def test_groups_exist_with_their_permissions(db):
    raadpleger = set(
        Group.objects.get(name=RAADPLEGER).permissions.values_list("codename", flat=True)
    )
    assert raadpleger == {
        "view_klant",
        "view_klantadres",
        "view_natuurlijkpersoon",
        "view_nietnatuurlijkpersoon",
        "view_vestiging",
        "view_validatie",
        "view_interactie",
        "view_contactmoment",  # read-only (test_admin_contactmomenten.py)
        # read-only, the Klantinteracties data (test_admin_klantinteracties.py)
        "view_partijidentificator",
        "view_digitaaladres",
        "view_actor",
        "view_internetaak",
    }
    beheerder = set(
        Group.objects.get(name=BEHEERDER).permissions.values_list("codename", flat=True)
    )
    assert raadpleger < beheerder
    assert {
        "change_klant",
        "add_klant",
        "delete_klant",
        "change_natuurlijkpersoon",
        "add_interactie",
        "view_volledige_identificatie",
        "exporteer_klantgegevens",
        "corrigeer_subject",
        "view_beheergebeurtenis",
    } <= beheerder
    # evidence is never changed by anyone
    assert not {p for p in beheerder if p.endswith("_validatie") and p != "view_validatie"}


def test_group_permissions_are_restored(db):
    """The read-only group stays read-only: ensure_groups (after every migrate) resets it."""
    group = Group.objects.get(name=RAADPLEGER)
    group.permissions.add(Permission.objects.get(codename="change_klant"))
    ensure_groups()
    assert not group.permissions.filter(codename="change_klant").exists()


def test_staff_without_group_sees_no_klanten(client, django_user_model, make_klant):
    _klant(make_klant)
    client.force_login(staff_user(django_user_model, "nieuw"))
    assert client.get(KLANTEN_ADMIN).status_code == 403


def test_raadpleger_reads_but_changes_nothing(raadpleger_client, make_klant):
    klant = valideer(_klant(make_klant), rules.Identiteit("bsn", BSN))
    Interactie.objects.create(klant=klant, soort="zaak", url="https://z.example/1", rol="initiator")
    listing = raadpleger_client.get(KLANTEN_ADMIN)
    assert listing.status_code == 200
    assert "Jansen" in _page(listing)
    assert listing.context["action_form"] is None  # no export, no destruction

    change_url = f"{KLANTEN_ADMIN}{klant.pk}/change/"
    detail = raadpleger_client.get(change_url)
    page = _page(detail)
    assert detail.status_code == 200
    assert 'name="achternaam"' not in page and 'name="_save"' not in page
    assert "Geschiedenis" in page and "https://z.example/1" in page
    assert "/delete/" not in page and "exporteren" not in page
    assert raadpleger_client.get(f"{KLANTEN_ADMIN}add/").status_code == 403
    posted = raadpleger_client.post(change_url, {"achternaam": "Anders"})
    assert posted.status_code == 403
    assert raadpleger_client.get(f"{KLANTEN_ADMIN}{klant.pk}/delete/").status_code == 403
    assert raadpleger_client.get(f"{KLANTEN_ADMIN}{klant.pk}/exporteren/").status_code == 403
    assert raadpleger_client.get(f"{KLANTEN_ADMIN}{klant.pk}/corrigeer-subject/").status_code == 403
    for action in ("vernietig", "exporteer_json", "delete_selected"):
        response = raadpleger_client.post(
            KLANTEN_ADMIN, {"action": action, "_selected_action": [klant.pk], "post": "yes"}
        )
        assert response.status_code in (200, 302)
        assert not response.get("Content-Disposition")
    klant.refresh_from_db()
    assert klant.achternaam == "Jansen"
    assert Klant.objects.filter(pk=klant.pk).exists()
    assert not BeheerGebeurtenis.objects.exists()


def test_correction_needs_its_own_permission(client, django_user_model, make_klant):
    klant = valideer(_klant(make_klant), rules.Identiteit("bsn", BSN))
    user = staff_user(django_user_model, "wijziger")
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_klant", "change_klant"])
    )
    client.force_login(user)
    url = f"{KLANTEN_ADMIN}{klant.pk}/corrigeer-subject/"
    assert client.get(url).status_code == 403
    assert client.post(url, {"identificatie": BSN_2, "reden": "typfout"}).status_code == 403
    klant.refresh_from_db()
    assert klant.gevalideerde_sleutel == BSN


# --- masking and the logged full view ---------------------------------------------------------


def test_list_masks_identifiers(beheerder_client, make_klant):
    _klant(make_klant)
    page = _page(beheerder_client.get(KLANTEN_ADMIN))
    assert "*****2333" in page
    assert BSN not in page


def test_detail_shows_full_identifiers_to_beheerder_and_logs_it(beheerder_client, make_klant):
    klant = valideer(_klant(make_klant), rules.Identiteit("bsn", BSN))
    response = beheerder_client.get(f"{KLANTEN_ADMIN}{klant.pk}/change/")
    page = _page(response)
    assert BSN in page
    log = BeheerGebeurtenis.objects.get()
    assert log.actie == "inzage_identificatie"
    assert log.gebruiker == "beheerder"
    assert log.klant_uuid == klant.uuid
    assert log.klant_weergave == klant.unique_representation()


def test_detail_masks_identifiers_for_raadpleger(raadpleger_client, make_klant):
    klant = valideer(
        _klant(make_klant, achternaam="Visser"),
        rules.Identiteit("bsn", BSN),
    )
    NatuurlijkPersoon.objects.filter(klant=klant).update(inp_a_nummer="1234567890")
    page = _page(raadpleger_client.get(f"{KLANTEN_ADMIN}{klant.pk}/change/"))
    assert BSN not in page and "1234567890" not in page
    assert "*****2333" in page and "*****7890" in page
    assert "Visser" in page
    assert not BeheerGebeurtenis.objects.exists()  # nothing in full was shown


def test_no_log_without_identifier(beheerder_client, make_klant):
    klant = make_klant(subject="https://brp.example/personen/1", subject_type=None)
    assert beheerder_client.get(f"{KLANTEN_ADMIN}{klant.pk}/change/").status_code == 200
    assert not BeheerGebeurtenis.objects.exists()


def test_detail_explains_validation_and_shows_audit_trail(beheerder_client, make_klant):
    klant = _klant(make_klant)
    page = _page(beheerder_client.get(f"{KLANTEN_ADMIN}{klant.pk}/change/"))
    assert "Niet gevalideerd: er is geen bewijs van authenticatie vastgelegd" in page
    assert "Nog geen wijzigingen vastgelegd." in page
    valideer(klant, rules.Identiteit("bsn", BSN))
    AuditTrail.objects.create(
        bron="kc",
        actie="partial_update",
        actie_weergave="Object deels bijgewerkt",
        resultaat=200,
        hoofd_object=f"http://testserver{BASE}/klanten/{klant.uuid}",
        resource="klant",
        resource_url=f"http://testserver{BASE}/klanten/{klant.uuid}",
        resource_weergave=str(klant),
        applicatie_weergave="Zaaksysteem",
        gebruikers_id="mdw-9",
        oud={"achternaam": "Jansen", "adres": {"postcode": "1234AB"}},
        nieuw={"achternaam": "Janssen", "adres": {"postcode": "1234AC"}},
    )
    page = _page(beheerder_client.get(f"{KLANTEN_ADMIN}{klant.pk}/change/"))
    assert "Gevalideerd op" in page and "met DigiD Midden, aangeleverd door Portaal" in page
    assert "Gewijzigd" in page and "Zaaksysteem" in page
    assert "Achternaam, Adres › Postcode" in page
    assert "1234AC" not in page  # values stay in the export, not on the page


# --- search and filters -------------------------------------------------------------------------


def response_filters(client):
    response = client.get(KLANTEN_ADMIN)
    for spec in response.context["cl"].filter_specs:
        spec.changelist = response.context["cl"]
    return response.context["cl"].filter_specs


def _results(client, query: str) -> set[str]:
    """The klanten (``bronorganisatie - klantnummer``) on the list page."""
    response = client.get(f"{KLANTEN_ADMIN}?{query}")
    assert response.status_code == 200
    return {str(k) for k in response.context["cl"].result_list}


def test_exact_identifier_search(beheerder_client, make_klant):
    persoon = _klant(make_klant, achternaam="Bakker")
    ander = _klant(make_klant, inp_bsn=BSN_2, achternaam="Smit", telefoonnummer="0611122333")
    bedrijf = make_klant(
        subject_type="niet_natuurlijk_persoon",
        subject_identificatie={"inn_nnp_id": RSIN_2, "statutaire_naam": "Bakkerij BV"},
        bedrijfsnaam="Bakkerij",
    )
    kvk = valideer(
        make_klant(
            subject_type="niet_natuurlijk_persoon",
            subject_identificatie={"statutaire_naam": "Handel BV"},
        ),
        rules.Identiteit("kvk", KVK),
        middel="eherkenning",
        niveau=EH2PLUS,
    )
    vestiging = make_klant(
        subject_type="vestiging", subject_identificatie={"vestigings_nummer": VESTIGING}
    )
    assert _results(beheerder_client, f"q={BSN}") == {str(persoon)}
    assert _results(beheerder_client, "q=111 222 333") == {str(persoon)}
    assert _results(beheerder_client, f"q={RSIN_2}") == {str(bedrijf)}
    assert _results(beheerder_client, f"q={KVK}") == {str(kvk)}
    assert _results(beheerder_client, f"q={VESTIGING}") == {str(vestiging)}
    # exact only: a part of a BSN finds nothing, also not someone whose phone number has it
    assert _results(beheerder_client, f"q={BSN[:8]}") == set()
    assert _results(beheerder_client, "q=11122") == set()
    assert _results(beheerder_client, "q=0611122333") == set()
    assert _results(beheerder_client, "q=11122&zoek_in=telefoonnummer") == {str(ander)}


def test_text_search(beheerder_client, make_klant):
    een = _klant(make_klant, achternaam="de Groot", voornaam="Anna", emailadres="anna@example.nl")
    twee = _klant(make_klant, inp_bsn=BSN_2, achternaam="Visser", telefoonnummer="020-5551234")
    bedrijf = make_klant(
        subject_type="niet_natuurlijk_persoon",
        subject_identificatie={"inn_nnp_id": RSIN_2},
        bedrijfsnaam="Bakkerij Groot",
    )
    assert _results(beheerder_client, "q=groot") == {str(een), str(bedrijf)}
    assert _results(beheerder_client, "q=anna groot") == {str(een)}
    assert _results(beheerder_client, "q=anna@example") == {str(een)}
    # digits match the klantnummer exactly, never a phone number unless chosen
    assert _results(beheerder_client, "q=5551234") == set()
    assert _results(beheerder_client, "q=5551234&zoek_in=telefoonnummer") == {str(twee)}
    assert _results(beheerder_client, f"q={twee.klantnummer}") == {str(twee)}
    # where the data manager chose to search
    assert _results(beheerder_client, "q=groot&zoek_in=naam") == {str(een), str(bedrijf)}
    assert _results(beheerder_client, "q=groot&zoek_in=emailadres") == set()
    assert _results(beheerder_client, "q=anna@&zoek_in=emailadres") == {str(een)}
    page = _page(beheerder_client.get(f"{KLANTEN_ADMIN}?q=5551234&zoek_in=telefoonnummer"))
    assert '<option value="telefoonnummer" selected>' in page


def test_filters(beheerder_client, make_klant):
    validated = valideer(_klant(make_klant, aanmaakkanaal="balie"), rules.Identiteit("bsn", BSN))
    other_org = _klant(make_klant, inp_bsn=BSN_2, bronorganisatie=RSIN_2, aanmaakkanaal="web")
    bedrijf = make_klant(
        subject_type="niet_natuurlijk_persoon", subject_identificatie={"inn_nnp_id": RSIN_2}
    )
    page = _page(beheerder_client.get(KLANTEN_ADMIN))
    for param in (
        "gevalideerd__exact",
        "subject_type__exact",
        f"bronorganisatie={RSIN_2}",
        "aanmaakkanaal=balie",
        "aangemaakt_op__gte",
    ):
        assert param in page
    assert _results(beheerder_client, "gevalideerd__exact=1") == {str(validated)}
    assert str(validated) not in _results(beheerder_client, "gevalideerd__exact=0")
    assert _results(beheerder_client, "subject_type__exact=niet_natuurlijk_persoon") == {
        str(bedrijf)
    }
    assert _results(beheerder_client, f"bronorganisatie={RSIN_2}") == {str(other_org)}
    assert _results(beheerder_client, "aanmaakkanaal=web") == {str(other_org)}
    spec = next(f for f in response_filters(beheerder_client) if f.field_path == "aangemaakt_op")
    vandaag = next(c for c in spec.choices(spec.changelist) if c["display"] == "Vandaag")
    assert len(_results(beheerder_client, vandaag["query_string"].lstrip("?"))) == 3


# --- the API's rules on save ----------------------------------------------------------------------


def _notified(kanaal: str = "klanten") -> list[tuple[str, str]]:
    return list(
        UitgaandeNotificatie.objects.filter(bericht__kanaal=kanaal)
        .order_by("pk")
        .values_list("actie", "resource_url")
    )


def test_add_generates_klantnummer_and_audits(beheerder_client, notificaties):
    body = add_form_data(
        beheerder_client,
        achternaam="Nieuw",
        toelichting="Balie, zonder afspraak",
        **{
            "natuurlijk_persoon-TOTAL_FORMS": "1",
            "natuurlijk_persoon-0-inp_bsn": BSN,
            "natuurlijk_persoon-0-geslachtsnaam": "Nieuw",
        },
    )
    response = beheerder_client.post(f"{KLANTEN_ADMIN}add/", body)
    assert response.status_code == 302, response.context["adminform"].form.errors
    klant = Klant.objects.get()
    assert klant.klantnummer.isdigit()
    assert klant.natuurlijk_persoon.inp_bsn == BSN
    assert klant.gevalideerd is False  # the admin, like the plain API, never validates
    trail = AuditTrail.objects.get(bron="kc")
    assert trail.actie == "create" and trail.resultaat == 201
    assert trail.gebruikers_id == "beheerder"
    assert trail.applicatie_weergave == "Beheeromgeving Klanten"
    assert trail.toelichting == "Balie, zonder afspraak"
    assert trail.nieuw["subjectIdentificatie"]["inpBsn"] == BSN
    assert _notified() == [("create", trail.hoofd_object)]
    assert trail.hoofd_object.endswith(f"/klanten/api/v1/klanten/{klant.uuid}")
    # K10: the partij it is, recorded as a partij read would show it
    partij = AuditTrail.objects.get(bron="ki")
    assert (partij.actie, partij.resource) == ("create", "partij")
    assert partij.nieuw["partijIdentificatoren"][0]["partijIdentificator"]["objectId"] == BSN
    assert _notified("partijen") == [("create", partij.hoofd_object)]


def test_change_is_audited_and_notified(beheerder_client, make_klant, notificaties):
    klant = _klant(make_klant)
    change_url = f"{KLANTEN_ADMIN}{klant.pk}/change/"
    data = change_form_data(beheerder_client.get(change_url))
    # unchanged: nothing written
    assert beheerder_client.post(change_url, data).status_code == 302
    assert not AuditTrail.objects.exists() and not UitgaandeNotificatie.objects.exists()
    data.update({"emailadres": "nieuw@example.nl", "toelichting": "Verzoek van de klant"})
    assert beheerder_client.post(change_url, data).status_code == 302
    # K10: a new standaard address: the partij lists it, and the address was made
    partij = AuditTrail.objects.get(bron="ki", resource="partij")
    assert partij.actie == "update"
    assert len(partij.nieuw["digitaleAdressen"]) == len(partij.oud["digitaleAdressen"]) + 1
    adres = AuditTrail.objects.get(bron="ki", resource="digitaaladres")
    assert (adres.actie, adres.hoofd_object, adres.oud) == ("create", partij.hoofd_object, None)
    assert adres.nieuw["adres"] == "nieuw@example.nl"
    assert adres.resource_url == partij.nieuw["digitaleAdressen"][-1]["url"]
    assert [actie for actie, _ in _notified("partijen")] == ["update", "create"]
    trail = AuditTrail.objects.get(bron="kc")
    assert trail.actie == "update"
    assert trail.oud["emailadres"] == "" and trail.nieuw["emailadres"] == "nieuw@example.nl"
    assert trail.toelichting == "Verzoek van de klant"
    assert [actie for actie, _ in _notified()] == ["update"]
    # the API shows the admin's change in the klant's audit trail
    api = ApiClient(make_token("leesclient"))
    from klanten.config.clients import APIClient, save_api_client

    from .conftest import SECRET

    save_api_client(
        APIClient("leesclient", SECRET, "Lezer", heeft_alle_autorisaties=True, scopes=())
    )
    rows = api.get(f"{BASE}/klanten/{klant.uuid}/audittrail").json()
    assert [row["actie"] for row in rows] == ["update"]


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("bronorganisatie", "123456789", "11-proef"),
        ("bronorganisatie", "12345", "precies 9 cijfers"),
        ("natuurlijk_persoon-0-inp_bsn", "123456789", "11-proef"),
        ("natuurlijk_persoon-0-inp_a_nummer", "0123456789", "A-nummer"),
        ("emailadres", "geen-email", "e-mailadres"),
        ("klantnummer", "123456789", "te lang"),
    ],
)
def test_invalid_values_are_form_errors(beheerder_client, field, value, error):
    body = add_form_data(
        beheerder_client,
        **{"natuurlijk_persoon-TOTAL_FORMS": "1", "natuurlijk_persoon-0-inp_bsn": BSN},
    )
    body[field] = value
    response = beheerder_client.post(f"{KLANTEN_ADMIN}add/", body)
    assert response.status_code == 200
    assert error in _page(response)
    assert not Klant.objects.exists()


def test_identification_must_match_subject_type(beheerder_client):
    body = add_form_data(
        beheerder_client,
        subject_type="natuurlijk_persoon",
        **{
            "niet_natuurlijk_persoon-TOTAL_FORMS": "1",
            "niet_natuurlijk_persoon-0-inn_nnp_id": RSIN,
        },
    )
    response = beheerder_client.post(f"{KLANTEN_ADMIN}add/", body)
    assert response.status_code == 200
    assert "hoort bij een klant met subjecttype" in _page(response)
    assert not Klant.objects.exists()


def test_subject_or_identification_is_required(beheerder_client):
    response = beheerder_client.post(f"{KLANTEN_ADMIN}add/", add_form_data(beheerder_client))
    assert response.status_code == 200
    assert "Geef een subject (URL) of een subjectidentificatie op." in _page(response)
    response = beheerder_client.post(
        f"{KLANTEN_ADMIN}add/", add_form_data(beheerder_client, subject_type="")
    )
    assert "Geef een subject (URL) of kies een subjecttype" in _page(response)
    assert not Klant.objects.exists()


def test_removing_the_identification_needs_a_subject_url(beheerder_client, make_klant):
    klant = _klant(make_klant)
    change_url = f"{KLANTEN_ADMIN}{klant.pk}/change/"
    data = change_form_data(beheerder_client.get(change_url))
    data["natuurlijk_persoon-0-DELETE"] = "on"
    response = beheerder_client.post(change_url, data)
    assert response.status_code == 200
    assert "Geef een subject (URL) of een subjectidentificatie op." in _page(response)
    assert NatuurlijkPersoon.objects.filter(klant=klant).exists()


def test_subject_url_must_answer(beheerder_client, requests_mock):
    requests_mock.get("https://brp.example/personen/404", status_code=404)
    requests_mock.get("https://brp.example/personen/1", status_code=200, json={})
    body = add_form_data(
        beheerder_client, subject_type="", subject="https://brp.example/personen/404"
    )
    response = beheerder_client.post(f"{KLANTEN_ADMIN}add/", body)
    assert "De subject-URL is ongeldig of niet bereikbaar" in _page(response)
    body["subject"] = "https://brp.example/personen/1"
    assert beheerder_client.post(f"{KLANTEN_ADMIN}add/", body).status_code == 302
    assert Klant.objects.get().subject == "https://brp.example/personen/1"


def test_duplicate_klantnummer_is_a_form_error(beheerder_client, make_klant):
    bestaand = _klant(make_klant, klantnummer="777")
    body = add_form_data(
        beheerder_client,
        klantnummer="777",
        **{"natuurlijk_persoon-TOTAL_FORMS": "1", "natuurlijk_persoon-0-inp_bsn": BSN_2},
    )
    response = beheerder_client.post(f"{KLANTEN_ADMIN}add/", body)
    assert response.status_code == 200
    assert Klant.objects.get() == bestaand


def test_validated_klant_cannot_move_to_an_organisation_that_has_one(beheerder_client, make_klant):
    """V6 through the admin: a second validated klant for the BSN in RSIN_2 is refused."""
    klant = valideer(_klant(make_klant), rules.Identiteit("bsn", BSN))
    valideer(_klant(make_klant, bronorganisatie=RSIN_2), rules.Identiteit("bsn", BSN))
    change_url = f"{KLANTEN_ADMIN}{klant.pk}/change/"
    data = change_form_data(beheerder_client.get(change_url))
    data["bronorganisatie"] = RSIN_2
    response = beheerder_client.post(change_url, data)
    assert response.status_code == 200
    assert "heeft al een gevalideerde klant voor deze persoon" in _page(response)
    klant.refresh_from_db()
    assert klant.bronorganisatie == RSIN


def test_database_refusal_during_save_is_a_form_error(beheerder_client, make_klant, monkeypatch):
    """A constraint the form could not see (a concurrent save) never gives a 500."""
    klant = _klant(make_klant)
    change_url = f"{KLANTEN_ADMIN}{klant.pk}/change/"
    data = change_form_data(beheerder_client.get(change_url))
    data["achternaam"] = "Anders"
    original_save = Klant.save

    def racing_save(self, *args, **kwargs):
        raise IntegrityError(
            'duplicate key value violates unique constraint "een_gevalideerde_klant_per_bsn"'
        )

    monkeypatch.setattr(Klant, "save", racing_save)
    response = beheerder_client.post(change_url, data)
    monkeypatch.setattr(Klant, "save", original_save)
    assert response.status_code == 200
    assert "Er bestaat al een gevalideerde klant voor deze persoon" in _page(response)
    klant.refresh_from_db()
    assert klant.achternaam == "Jansen"
    assert not AuditTrail.objects.exists()


def test_validated_subject_and_state_stay(beheerder_client, make_klant):
    """V1 and no demotion: posted values for the key, the state or the subject type are
    ignored (read-only) and the identification cannot be removed."""
    klant = valideer(_klant(make_klant), rules.Identiteit("bsn", BSN))
    change_url = f"{KLANTEN_ADMIN}{klant.pk}/change/"
    data = change_form_data(beheerder_client.get(change_url))
    data.update(
        {
            "gevalideerd": "",
            "subject_type": "vestiging",
            "natuurlijk_persoon-0-inp_bsn": BSN_2,
            "natuurlijk_persoon-0-DELETE": "on",
        }
    )
    assert beheerder_client.post(change_url, data).status_code == 302
    klant.refresh_from_db()
    assert klant.gevalideerd and klant.subject_type == "natuurlijk_persoon"
    assert klant.natuurlijk_persoon.inp_bsn == BSN


# --- privacy requests: export -------------------------------------------------------------------


def test_export_contains_everything_and_is_logged(beheerder_client, make_klant, api):
    klant = valideer(_klant(make_klant, emailadres="j@example.nl"), rules.Identiteit("bsn", BSN))
    Interactie.objects.create(klant=klant, soort="zaak", url="https://z.example/1", rol="initiator")
    patched = api.patch_json(f"{BASE}/klanten/{klant.uuid}", {"telefoonnummer": "0611111111"})
    assert patched.status_code == 200
    ander = _klant(make_klant, inp_bsn=BSN_2, achternaam="Ander")

    response = beheerder_client.post(
        KLANTEN_ADMIN, {"action": "exporteer_json", "_selected_action": [klant.pk, ander.pk]}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert re.match(r'attachment; filename="klanten-export-\d{8}-\d{6}\.json"',
                    response["Content-Disposition"])  # fmt: skip
    data = json.loads(response.content)
    assert data["aantal"] == 2
    assert data["geexporteerdDoor"]["gebruikersnaam"] == "beheerder"
    [eerste, tweede] = data["klanten"]
    assert eerste["klant"]["url"].endswith(f"/klanten/{klant.uuid}")
    assert eerste["klant"]["emailadres"] == "j@example.nl"
    assert eerste["klant"]["telefoonnummer"] == "0611111111"
    assert eerste["klant"]["subjectIdentificatie"]["inpBsn"] == BSN
    assert eerste["registratie"]["gevalideerd"] is True
    assert eerste["registratie"]["gevalideerdeSleutel"] == BSN
    [validatie] = eerste["validaties"]
    assert validatie["middel"] == "digid" and validatie["geauthenticeerdeIdentificatie"] == BSN
    assert [i["url"] for i in eerste["interacties"]] == ["https://z.example/1"]
    [regel] = eerste["audittrail"]
    assert regel["actie"] == "partial_update"
    assert regel["nieuw"]["telefoonnummer"] == "0611111111"
    assert tweede["klant"]["achternaam"] == "Ander" and tweede["validaties"] == []

    logged = BeheerGebeurtenis.objects.filter(actie="export")
    assert {g.klant_uuid for g in logged} == {klant.uuid, ander.uuid}
    assert {g.gebruiker for g in logged} == {"beheerder"}


def test_export_from_the_detail_page(beheerder_client, make_klant):
    klant = _klant(make_klant)
    page = _page(beheerder_client.get(f"{KLANTEN_ADMIN}{klant.pk}/change/"))
    assert f"{KLANTEN_ADMIN}{klant.pk}/exporteren/" in page
    response = beheerder_client.get(f"{KLANTEN_ADMIN}{klant.pk}/exporteren/")
    assert json.loads(response.content)["klanten"][0]["klant"]["achternaam"] == "Jansen"
    assert BeheerGebeurtenis.objects.filter(actie="export", klant_uuid=klant.uuid).count() == 1


# --- privacy requests: destruction --------------------------------------------------------------


def test_destroy_asks_confirmation_and_a_reason(beheerder_client, make_klant, notificaties):
    klant = _klant(make_klant)
    Interactie.objects.create(klant=klant, soort="zaak", url="https://z.example/1", rol="initiator")
    AuditTrail.objects.create(
        bron="kc", actie="create", resultaat=201, resource="klant", resource_weergave="x",
        hoofd_object=f"http://testserver{BASE}/klanten/{klant.uuid}",
        resource_url=f"http://testserver{BASE}/klanten/{klant.uuid}",
    )  # fmt: skip
    ander = _klant(make_klant, inp_bsn=BSN_2)

    confirm = beheerder_client.post(
        KLANTEN_ADMIN, {"action": "vernietig", "_selected_action": [klant.pk]}
    )
    assert confirm.status_code == 200
    assert "definitief te" in _page(confirm) and "*****2333" in _page(confirm)
    assert Klant.objects.filter(pk=klant.pk).exists()

    no_reason = beheerder_client.post(
        KLANTEN_ADMIN,
        {"action": "vernietig", "_selected_action": [klant.pk], "post": "yes", "reden": " "},
    )
    assert no_reason.status_code == 200
    assert Klant.objects.filter(pk=klant.pk).exists()
    assert not UitgaandeNotificatie.objects.exists()

    done = beheerder_client.post(
        KLANTEN_ADMIN,
        {
            "action": "vernietig",
            "_selected_action": [klant.pk],
            "post": "yes",
            "reden": "AVG-verzoek Z-2024-17",
        },
    )
    assert done.status_code == 302
    assert not Klant.objects.filter(pk=klant.pk).exists()
    assert not Interactie.objects.exists()
    # its audit trail went with it; one record of the deletion, without personal data, stays
    # (and one of its partij's, K10)
    assert AuditTrail.objects.get(bron="ki").oud == {
        "url": f"http://testserver/klantinteracties/api/v1/partijen/{klant.uuid}",
        "soortPartij": "persoon",
    }
    [record] = AuditTrail.objects.filter(bron="kc")
    assert (record.actie, record.resultaat, record.nieuw) == ("destroy", 204, None)
    assert record.oud == {"url": record.hoofd_object, "gevalideerd": False}
    assert record.hoofd_object.endswith(f"/klanten/api/v1/klanten/{klant.uuid}")
    assert (record.gebruikers_id, record.toelichting) == ("beheerder", "AVG-verzoek Z-2024-17")
    assert record.applicatie_weergave == "Beheeromgeving Klanten"
    assert Klant.objects.filter(pk=ander.pk).exists()
    # the destroy notification (URL and kenmerk only), in the outbox with the deletion
    assert _notified("partijen") == [
        ("destroy", f"http://testserver/klantinteracties/api/v1/partijen/{klant.uuid}")
    ]
    [notificatie] = UitgaandeNotificatie.objects.filter(bericht__kanaal="klanten")
    assert notificatie.actie == "destroy"
    assert notificatie.resource_url.endswith(f"/klanten/api/v1/klanten/{klant.uuid}")
    assert notificatie.bericht["kenmerken"] == {"subjectType": "natuurlijk_persoon"}
    assert BSN not in json.dumps(notificatie.bericht)
    # the tombstone: uuid, moment, date and ground; the data manager's log keeps the reason
    grafsteen = VernietigdeKlant.objects.get()
    assert grafsteen.uuid == klant.uuid and grafsteen.grond == "privacyverzoek"
    log = BeheerGebeurtenis.objects.get(actie="vernietiging")
    assert log.klant_uuid == klant.uuid and log.toelichting == "AVG-verzoek Z-2024-17"
    assert log.gebruiker == "beheerder"


def test_destroy_from_the_detail_page(beheerder_client, make_klant, notificaties):
    klant = valideer(_klant(make_klant), rules.Identiteit("bsn", BSN))
    url = f"{KLANTEN_ADMIN}{klant.pk}/delete/"
    page = _page(beheerder_client.get(url))
    assert "gevalideerd" in page and "Ja, vernietig definitief" in page
    response = beheerder_client.post(url, {"post": "yes", "reden": "Verzoek van de persoon"})
    assert response.status_code == 302
    assert not Klant.objects.exists()
    assert VernietigdeKlant.objects.get().uuid == klant.uuid
    assert [actie for actie, _ in _notified()] == ["destroy"]
    assert [actie for actie, _ in _notified("partijen")] == ["destroy"]


def test_detail_shows_until_when_the_klant_is_kept(beheerder_client, make_klant):
    klant = _klant(make_klant)
    page = _page(beheerder_client.get(f"{KLANTEN_ADMIN}{klant.pk}/change/"))
    assert "automatisch vernietigd (geen interactie binnen de respijtperiode)" in page
    valideer(klant, rules.Identiteit("bsn", BSN))
    page = _page(beheerder_client.get(f"{KLANTEN_ADMIN}{klant.pk}/change/"))
    assert "Gevalideerd: wordt nooit automatisch vernietigd" in page


def test_address_groups_have_the_api_shape(beheerder_client, make_klant):
    """The address groups are fields of their own (no JSON text box), checked as the API
    checks them and stored as the API stores them."""
    klant = _klant(make_klant)
    change_url = f"{KLANTEN_ADMIN}{klant.pk}/change/"
    page = beheerder_client.get(change_url)
    assert 'name="natuurlijk_persoon-0-verblijfsadres"' not in _page(page)
    assert "null" not in _page(page)
    data = change_form_data(page)
    prefix = "natuurlijk_persoon-0-verblijfsadres"
    # the API needs the identification and the street of a verblijfsadres
    data[f"{prefix}_wpl_woonplaats_naam"] = "Utrecht"
    refused = beheerder_client.post(change_url, data)
    assert refused.status_code == 200
    errors = refused.context["inline_admin_formsets"][1].formset.forms[0].errors
    assert set(errors) == {
        "verblijfsadres_aoa_identificatie",
        "verblijfsadres_gor_openbare_ruimte_naam",
    }
    data[f"{prefix}_aoa_huisnummer"] = "zeven"
    refused = beheerder_client.post(change_url, data)
    assert "Huisnummer: Voer een geheel getal in." in _page(refused)
    data.update(
        {
            f"{prefix}_aoa_huisnummer": "",
            f"{prefix}_aoa_identificatie": "0344200000123456",
            f"{prefix}_gor_openbare_ruimte_naam": "Domplein",
            f"{prefix}_wpl_woonplaats_naam": "",
        }
    )
    assert beheerder_client.post(change_url, data).status_code == 302
    verblijfsadres = NatuurlijkPersoon.objects.get(klant=klant).verblijfsadres
    assert verblijfsadres["gorOpenbareRuimteNaam"] == "Domplein"
    assert verblijfsadres["aoaHuisnummer"] is None  # every key of the standard present
    api = ApiClient(make_token("lezer"))
    from klanten.config.clients import APIClient, save_api_client

    from .conftest import SECRET

    save_api_client(APIClient("lezer", SECRET, "Lezer", heeft_alle_autorisaties=True))
    body = api.get(f"{BASE}/klanten/{klant.uuid}").json()
    assert body["subjectIdentificatie"]["verblijfsadres"]["gorOpenbareRuimteNaam"] == "Domplein"
