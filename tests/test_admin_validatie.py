"""The admin for validated klanten: an application's maximum assurance rank and the extension
scopes (V4, E5), trusted issuers (V2/V4), and the klant admin with its read-only evidence (V3),
interactions (E2) and the administrator's correction with a reason (V1)."""

import json
import re
from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.admin.utils import flatten
from django.contrib.messages import get_messages
from django.utils import timezone
from vng_api_common.audittrails.models import AuditTrail
from vng_api_common.authorizations.models import Applicatie

from klanten.beheer.klant.inlines import ValidatieInline
from klanten.config.models import ValidatieRecht, VertrouwdeUitgever
from klanten.datamodel import rules, services
from klanten.datamodel.models import Interactie, Klant, Validatie

from .admin_helpers import change_form_data
from .conftest import BASE, BSN, BSN_2, RSIN, ApiClient, make_token

CLIENTS = "/admin/klanten_config/apiclientapplicatie/"
UITGEVERS = "/admin/klanten_config/vertrouwdeuitgever/"
KLANTEN_ADMIN = "/admin/datamodel/klant/"
SECRET = "een-admin-secret-van-minstens-32-bytes-lang"
SAML = "urn:oasis:names:tc:SAML:2.0:ac:classes:"
DIGID_MIDDEN = f"{SAML}MobileTwoFactorContract"  # rank 2
DIGID_SUBSTANTIEEL = f"{SAML}Smartcard"  # rank 3
EH3 = "urn:etoegang:core:assurance-class:loa3"


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("beheer", "beheer@example.com", "x")
    client.force_login(user)
    return client


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _add_client(admin_client, **data):
    body = {
        "client_id": "portaal",
        "label": "Klantportaal",
        "scopes": ["klanten.lezen", "klanten.aanmaken", "klanten.valideren"],
        "maximale_rang": "2",
        "secret": SECRET,
        **data,
    }
    return admin_client.post(f"{CLIENTS}add/", body, follow=True)


def _assertion(niveau=DIGID_MIDDEN, inp_bsn=BSN) -> dict:
    moment = timezone.localtime() - timedelta(minutes=5)
    return {
        "middel": "digid",
        "betrouwbaarheidsniveau": niveau,
        "authenticatieMoment": moment.replace(microsecond=0).isoformat(),
        "geauthenticeerde": {"type": "bsn", "identificatie": inp_bsn},
        "gegevensBevestigd": True,
    }


def _applicatie(client_id="portaal") -> Applicatie:
    return Applicatie.objects.get(client_ids__contains=[client_id])


def _new_klant(api: ApiClient, inp_bsn=BSN) -> str:
    response = api.post_json(
        f"{BASE}/klanten",
        {
            "bronorganisatie": RSIN,
            "subjectType": "natuurlijk_persoon",
            "subjectIdentificatie": {"inpBsn": inp_bsn},
        },
    )
    assert response.status_code == 201, response.content
    return response.json()["url"]


# --- API clients: maximum rank and extension scopes ----------------------------------------------
def test_extension_scopes_are_offered(admin_client):
    page = admin_client.get(f"{CLIENTS}add/").content.decode()
    for scope in ("klanten.valideren", "klanten.klantbeeld", "klanten.beheer"):
        assert f'value="{scope}"' in page
    assert 'name="maximale_rang"' in page


def test_admin_client_with_rank_asserts_evidence_up_to_that_rank(admin_client):
    response = _add_client(admin_client)
    assert response.status_code == 200
    applicatie = _applicatie()
    assert ValidatieRecht.objects.get(applicatie=applicatie).maximale_rang == 2
    changelist = admin_client.get(CLIENTS).content.decode()
    assert re.search(r'class="field-maximale_rang">2<', changelist)

    api = ApiClient(make_token("portaal", secret=SECRET))
    url = _new_klant(api)
    # rank 3 is above the registered maximum
    above = api.post_json(f"{url}/validaties", _assertion(DIGID_SUBSTANTIEEL))
    assert above.status_code == 403
    assert above.json()["code"] == "rang-boven-validatierecht"
    assert not Klant.objects.get(uuid=url.rsplit("/", 1)[1]).gevalideerd
    # rank 2 is within it: the klant becomes validated
    ok = api.post_json(f"{url}/validaties", _assertion(DIGID_MIDDEN))
    assert ok.status_code == 201, ok.content
    assert ok.json()["rang"] == 2
    assert ok.json()["bron"] == "applicatie"
    assert ok.json()["applicatie"]["weergave"] == "Klantportaal"
    assert api.get(url).json()["gevalideerd"] is True


def test_change_form_shows_rank_and_clearing_it_removes_the_right(admin_client):
    _add_client(admin_client, maximale_rang="3")
    applicatie = _applicatie()
    change_url = f"{CLIENTS}{applicatie.pk}/change/"
    page = admin_client.get(change_url).content.decode()
    assert re.search(r'<option value="3" selected>', page)

    response = admin_client.post(
        change_url,
        {
            "label": "Klantportaal",
            "scopes": ["klanten.lezen", "klanten.aanmaken", "klanten.valideren"],
            "maximale_rang": "",
            "secret": "",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert not ValidatieRecht.objects.filter(applicatie=applicatie).exists()
    assert ">-<" in admin_client.get(CLIENTS).content.decode()

    api = ApiClient(make_token("portaal", secret=SECRET))
    url = _new_klant(api)
    refused = api.post_json(f"{url}/validaties", _assertion())
    assert refused.status_code == 403
    assert refused.json()["code"] == "onvertrouwde-bron"


def test_changing_the_rank_updates_the_right(admin_client):
    _add_client(admin_client, maximale_rang="1")
    applicatie = _applicatie()
    admin_client.post(
        f"{CLIENTS}{applicatie.pk}/change/",
        {"label": "Klantportaal", "scopes": ["klanten.valideren"], "maximale_rang": "4"},
    )
    assert ValidatieRecht.objects.get(applicatie=applicatie).maximale_rang == 4
    assert ValidatieRecht.objects.count() == 1


@pytest.mark.parametrize("rang", ["5", "-1", "twee"])
def test_out_of_range_rank_is_refused(admin_client, rang):
    response = _add_client(admin_client, maximale_rang=rang)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["maximale_rang"]
    assert not Applicatie.objects.filter(client_ids__contains=["portaal"]).exists()
    assert not ValidatieRecht.objects.exists()


def test_rank_without_validation_scope_is_warned_about(admin_client):
    response = _add_client(admin_client, scopes=["klanten.lezen"], maximale_rang="2")
    assert any("klanten.valideren" in m for m in _messages(response))
    assert ValidatieRecht.objects.get(applicatie=_applicatie()).maximale_rang == 2


def test_all_rights_without_rank_may_not_assert(admin_client):
    """All rights do not include asserting evidence: that needs a registered rank."""
    _add_client(admin_client, scopes=[], heeft_alle_autorisaties="on", maximale_rang="")
    api = ApiClient(make_token("portaal", secret=SECRET))
    url = _new_klant(api)
    refused = api.post_json(f"{url}/validaties", _assertion())
    assert refused.status_code == 403
    assert refused.json()["code"] == "onvertrouwde-bron"


# --- Trusted issuers ---------------------------------------------------------------------------
def _uitgever_data(**data) -> dict:
    return {
        "naam": "DigiD-broker",
        "issuer": "https://broker.example.nl/oidc",
        "jwks_url": "https://broker.example.nl/oidc/jwks",
        "audience": "klanten",
        "middel": "digid",
        "niveau_claim": "acr",
        "bsn_claim": "bsn",
        "kvk_claim": "",
        "vestigingsnummer_claim": "",
        "vertegenwoordigde_claim": "",
        "machtiging_claim": "",
        "aliassen": json.dumps({"midden": DIGID_MIDDEN}),
        "actief": "on",
        **data,
    }


def test_trusted_issuer_is_added_listed_and_searched(admin_client):
    response = admin_client.post(f"{UITGEVERS}add/", _uitgever_data(), follow=True)
    assert response.status_code == 200
    uitgever = VertrouwdeUitgever.objects.get()
    assert uitgever.aliassen == {"midden": DIGID_MIDDEN}
    assert uitgever.issuer == "https://broker.example.nl/oidc"

    listing = admin_client.get(UITGEVERS).content.decode()
    assert "DigiD-broker" in listing and "https://broker.example.nl/oidc" in listing
    assert "DigiD-broker" in admin_client.get(f"{UITGEVERS}?q=broker.example").content.decode()
    assert "DigiD-broker" not in admin_client.get(f"{UITGEVERS}?q=elders").content.decode()
    # the canonical values an alias may point at are shown on the change page
    change = admin_client.get(f"{UITGEVERS}{uitgever.pk}/change/").content.decode()
    assert EH3 in change


@pytest.mark.parametrize(
    "aliassen",
    [
        json.dumps({"loa3": "urn:etoegang:core:assurance-class:loa9"}),  # unknown target
        json.dumps({"3": 3}),  # not a text
        json.dumps(["loa3"]),  # not an object
        "{niet: json",  # not JSON
    ],
)
def test_trusted_issuer_refuses_bad_aliases(admin_client, aliassen):
    response = admin_client.post(f"{UITGEVERS}add/", _uitgever_data(aliassen=aliassen))
    assert response.status_code == 200  # redisplayed
    assert response.context["adminform"].form.errors["aliassen"]
    assert not VertrouwdeUitgever.objects.exists()


def test_trusted_issuer_refuses_bad_alias_on_change(admin_client):
    uitgever = VertrouwdeUitgever.objects.create(
        naam="eH", issuer="https://eh.example.nl", jwks_url="https://eh.example.nl/jwks",
        audience="klanten", middel="eherkenning", aliassen={"3": EH3},
    )  # fmt: skip
    response = admin_client.post(
        f"{UITGEVERS}{uitgever.pk}/change/",
        _uitgever_data(
            naam="eH",
            issuer="https://eh.example.nl",
            middel="eherkenning",
            aliassen=json.dumps({"3": "loa3"}),
        ),
    )
    assert response.context["adminform"].form.errors["aliassen"]
    uitgever.refresh_from_db()
    assert uitgever.aliassen == {"3": EH3}


# --- Klant admin -------------------------------------------------------------------------------
def _validated_klant(make_klant, inp_bsn=BSN, **data) -> Klant:
    klant = make_klant(
        subject_type="natuurlijk_persoon", subject_identificatie={"inp_bsn": inp_bsn}, **data
    )
    bewijs = rules.Bewijs(
        middel="digid",
        betrouwbaarheidsniveau=DIGID_MIDDEN,
        rang=2,
        uitgever="DigiD",
        bron="applicatie",
        authenticatie_moment=timezone.now() - timedelta(minutes=1),
        geauthenticeerde=rules.Identiteit("bsn", inp_bsn),
        gegevens_bevestigd=True,
    )
    services.valideer_klant(klant, bewijs, services.Actor(applicatie_weergave="Portaal"))
    klant.refresh_from_db()
    return klant


def test_klant_changelist_shows_and_filters_gevalideerd(admin_client, make_klant):
    validated = _validated_klant(make_klant, achternaam="Vanderberg")
    make_klant(achternaam="Losseklant", subject_identificatie={"inp_bsn": BSN_2})
    page = admin_client.get(KLANTEN_ADMIN).content.decode()
    assert "field-gevalideerd" in page
    assert "gevalideerd__exact" in page  # the filter

    only_validated = admin_client.get(f"{KLANTEN_ADMIN}?gevalideerd__exact=1").content.decode()
    assert validated.klantnummer in only_validated and "Vanderberg" in only_validated
    assert "Losseklant" not in only_validated
    only_other = admin_client.get(f"{KLANTEN_ADMIN}?gevalideerd__exact=0").content.decode()
    assert "Losseklant" in only_other and "Vanderberg" not in only_other


def test_validatie_inline_is_read_only(admin_client, make_klant, rf, django_user_model):
    klant = _validated_klant(make_klant)
    request = rf.get("/")
    request.user = django_user_model.objects.get(username="beheer")
    inline = ValidatieInline(Klant, admin.site)
    assert inline.has_add_permission(request, klant) is False
    assert inline.has_change_permission(request, klant) is False
    assert inline.has_delete_permission(request, klant) is False
    assert set(inline.get_readonly_fields(request, klant)) == set(flatten(inline.fields))

    response = admin_client.get(f"{KLANTEN_ADMIN}{klant.pk}/change/")
    page = response.content.decode()
    assert "DigiD Midden" in page
    assert DIGID_MIDDEN in page  # the technical value, folded away under the name
    assert 'name="validaties-0-rang"' not in page
    assert 'name="validaties-0-DELETE"' not in page
    [formset] = [f for f in response.context["inline_admin_formsets"] if f.opts.model is Validatie]
    assert formset.has_add_permission is False
    assert formset.has_change_permission is False
    assert formset.has_delete_permission is False


def test_posting_evidence_fields_through_the_admin_changes_nothing(admin_client, make_klant):
    klant = _validated_klant(make_klant)
    validatie = klant.validaties.get()
    change_url = f"{KLANTEN_ADMIN}{klant.pk}/change/"
    data = change_form_data(admin_client.get(change_url))
    data.update(
        {
            "validaties-0-id": str(validatie.pk),
            "validaties-0-rang": "4",
            "validaties-0-middel": "eidas",
            "validaties-0-DELETE": "on",
            "validaties-TOTAL_FORMS": "2",
            "validaties-1-rang": "4",
            "validaties-1-middel": "eidas",
        }
    )
    response = admin_client.post(change_url, data)
    assert response.status_code == 302  # saved; the evidence fields are ignored
    assert list(Validatie.objects.values_list("pk", "rang", "middel")) == [
        (validatie.pk, 2, "digid")
    ]


def test_validated_klant_key_and_state_are_read_only(admin_client, make_klant):
    klant = _validated_klant(make_klant)
    change_url = f"{KLANTEN_ADMIN}{klant.pk}/change/"
    response = admin_client.get(change_url)
    page = response.content.decode()
    assert 'name="natuurlijk_persoon-0-inp_bsn"' not in page
    assert 'name="gevalideerd"' not in page
    assert 'name="subject_type"' not in page
    assert "corrigeer-subject" in page

    data = change_form_data(response)
    data.update(
        {
            "natuurlijk_persoon-0-inp_bsn": BSN_2,
            "natuurlijk_persoon-0-DELETE": "on",
            "gevalideerd": "",
            "gevalideerde_sleutel": BSN_2,
            "achternaam": "Nieuw",
        }
    )
    response = admin_client.post(change_url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    klant.refresh_from_db()
    assert klant.achternaam == "Nieuw"  # ordinary contact data is editable
    assert klant.gevalideerd is True
    assert klant.gevalideerde_sleutel == BSN
    assert klant.natuurlijk_persoon.inp_bsn == BSN


def test_non_validated_klant_identification_stays_editable(admin_client, make_klant):
    klant = make_klant(subject_type="natuurlijk_persoon", subject_identificatie={"inp_bsn": BSN})
    change_url = f"{KLANTEN_ADMIN}{klant.pk}/change/"
    response = admin_client.get(change_url)
    assert 'name="natuurlijk_persoon-0-inp_bsn"' in response.content.decode()
    assert "corrigeer-subject" not in response.content.decode()
    data = change_form_data(response)
    data["natuurlijk_persoon-0-inp_bsn"] = BSN_2
    assert admin_client.post(change_url, data).status_code == 302
    klant.refresh_from_db()
    assert klant.natuurlijk_persoon.inp_bsn == BSN_2
    assert klant.gevalideerd is False


def test_interactions_inline_adds_and_checks_roles(admin_client, make_klant):
    klant = make_klant()
    Interactie.objects.create(
        klant=klant, soort="zaak", url="https://zaken.example.nl/zaken/1", rol="initiator"
    )
    change_url = f"{KLANTEN_ADMIN}{klant.pk}/change/"
    response = admin_client.get(change_url)
    assert "https://zaken.example.nl/zaken/1" in response.content.decode()
    base = change_form_data(response)

    def post_new(rol):
        data = dict(base)
        data.update(
            {
                "interacties-TOTAL_FORMS": "2",
                "interacties-1-soort": "contactmoment",
                "interacties-1-url": "https://cm.example.nl/contactmomenten/9",
                "interacties-1-rol": rol,
                "interacties-1-klant": str(klant.pk),
            }
        )
        return admin_client.post(change_url, data)

    refused = post_new("initiator")  # not a role of a contactmoment
    assert refused.status_code == 200
    assert Interactie.objects.count() == 1
    assert "Rol moet een van belanghebbende, gesprekspartner zijn." in refused.content.decode()

    assert post_new("gesprekspartner").status_code == 302
    assert sorted(klant.interacties.values_list("soort", "rol")) == [
        ("contactmoment", "gesprekspartner"),
        ("zaak", "initiator"),
    ]


def test_correction_needs_a_reason_and_is_audited(admin_client, make_klant):
    klant = _validated_klant(make_klant)
    url = f"{KLANTEN_ADMIN}{klant.pk}/corrigeer-subject/"
    assert admin_client.get(url).status_code == 200

    no_reason = admin_client.post(url, {"identificatie": BSN_2, "reden": "  "})
    assert no_reason.status_code == 200
    assert no_reason.context["form"].errors["reden"]
    bad_bsn = admin_client.post(url, {"identificatie": "123456789", "reden": "Typfout"})
    assert bad_bsn.context["form"].errors["identificatie"]
    klant.refresh_from_db()
    assert klant.gevalideerde_sleutel == BSN

    done = admin_client.post(url, {"identificatie": BSN_2, "reden": "Typfout bij de balie"})
    assert done.status_code == 302
    klant.refresh_from_db()
    assert klant.gevalideerde_sleutel == BSN_2
    assert klant.natuurlijk_persoon.inp_bsn == BSN_2
    trail = AuditTrail.objects.get(actie="correctie_subject", bron="kc")
    assert trail.toelichting == "Typfout bij de balie"
    # K10: the partij's identifier followed: recorded the same way, without the identifiers
    partij = AuditTrail.objects.get(actie="correctie_subject", bron="ki")
    assert partij.toelichting == "Typfout bij de balie"
    assert BSN_2 not in json.dumps(partij.nieuw) and BSN not in json.dumps(partij.oud)
    assert trail.gebruikers_id == "beheer"
    assert trail.hoofd_object.endswith(f"/klanten/api/v1/klanten/{klant.uuid}")
    assert BSN_2 not in json.dumps(trail.nieuw) and BSN not in json.dumps(trail.oud)


def test_correction_refuses_a_second_validated_klant_for_the_bsn(admin_client, make_klant):
    klant = _validated_klant(make_klant)
    _validated_klant(make_klant, inp_bsn=BSN_2)
    url = f"{KLANTEN_ADMIN}{klant.pk}/corrigeer-subject/"
    response = admin_client.post(url, {"identificatie": BSN_2, "reden": "Verwisseld"})
    assert response.status_code == 200
    assert response.context["form"].errors["identificatie"]
    klant.refresh_from_db()
    assert klant.gevalideerde_sleutel == BSN
    assert klant.natuurlijk_persoon.inp_bsn == BSN
    assert not AuditTrail.objects.filter(actie="correctie_subject").exists()


def test_correction_is_only_for_validated_klanten(admin_client, make_klant):
    klant = make_klant()
    response = admin_client.post(
        f"{KLANTEN_ADMIN}{klant.pk}/corrigeer-subject/",
        {"identificatie": BSN_2, "reden": "x"},
    )
    assert response.status_code == 302
    klant.refresh_from_db()
    assert klant.natuurlijk_persoon.inp_bsn == BSN


def test_the_subject_url_of_a_validated_klant_changes_only_by_a_correction(
    admin_client, make_klant, requests_mock
):
    """Item 10 of issue 11 (V1): the change form shows a validated klant's subject URL
    read-only; the correction form changes it, with a reason, audited without the URL."""
    subject = "https://brp.example.com/ingeschrevenpersonen/1"
    ander = "https://brp.example.com/ingeschrevenpersonen/2"
    requests_mock.get(ander, status_code=200)
    klant = _validated_klant(make_klant, subject=subject)
    change_url = f"{KLANTEN_ADMIN}{klant.pk}/change/"
    response = admin_client.get(change_url)
    assert 'name="subject"' not in response.content.decode()
    data = change_form_data(response)
    data.update({"subject": ander, "achternaam": "Nieuw"})
    assert admin_client.post(change_url, data).status_code == 302
    klant.refresh_from_db()
    assert (klant.subject, klant.achternaam) == (subject, "Nieuw")

    url = f"{KLANTEN_ADMIN}{klant.pk}/corrigeer-subject/"
    form = admin_client.get(url)
    assert f'value="{subject}"' in form.content.decode()
    unchanged = admin_client.post(url, {"subject": subject, "reden": "Niets"})
    assert unchanged.status_code == 200
    assert unchanged.context["form"].non_field_errors()
    done = admin_client.post(url, {"identificatie": "", "subject": ander, "reden": "Verwisseld"})
    assert done.status_code == 302
    klant.refresh_from_db()
    assert (klant.subject, klant.gevalideerde_sleutel) == (ander, BSN)
    trail = AuditTrail.objects.get(actie="correctie_subject")
    assert trail.toelichting == "Verwisseld"
    assert trail.nieuw == {"sleutelType": "bsn", "subjectGewijzigd": True}
    assert "brp.example.com" not in json.dumps([trail.oud, trail.nieuw])
