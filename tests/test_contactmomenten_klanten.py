"""One store (design K3): klanten and their contactmomenten together.

- A klantcontactmoment whose klant is a klant of this service is the same fact as an E2
  interaction of that klant: registering either shows the other, removing either removes both.
- V7 extended: a non-validated klant is readable (by uuid) by the applications of the
  contactmomenten it took part in; never listed or searched for by them; never changed by them.
- The klantbeeld lists a validated klant's contactmomenten (never a non-validated klant's).
- Retention counts from the klant's latest contactmoment; destroying a non-validated klant
  removes its klantcontactmomenten and keeps the contactmoment with its tekst; anonymous
  betrokkenen are destroyed under the same retention; deleting a klant through the API keeps
  the contactmoment.
"""

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from freezegun import freeze_time
from vng_api_common.authorizations.models import Applicatie

from klanten.background import retention
from klanten.datamodel import contacten, services
from klanten.datamodel.klantcontacten import Betrokkene, Klantcontact
from klanten.datamodel.models import Interactie, Klant
from klanten.datamodel.partijen import DigitaalAdres

from .conftest import ALL_SCOPES, BASE, BSN, CM_BASE, CM_SCOPES, RSIN, klant_url
from .test_contactmomenten import MEDEWERKER, assert_invalid, cm_url, path
from .test_klantbeeld import valideer

# a medewerker URL must answer 200: the medewerker registers of the tests answer
pytestmark = pytest.mark.usefixtures("medewerkers")

KCM = f"{CM_BASE}/klantcontactmomenten"
ELDERS = "https://contactmomenten.example.nl/api/v1/contactmomenten/7d1c0b30"


def contactmoment(medewerker=None, **data):
    data = {"bronorganisatie": RSIN, "kanaal": "telefoon", "medewerker_url": MEDEWERKER, **data}
    return contacten.create_klantcontact(data, medewerker=medewerker)


def interacties(client, klant) -> list[dict]:
    response = client.get(f"{BASE}/klanten/{klant.uuid}/interacties")
    assert response.status_code == 200, response.content
    return response.json()


def klantcontactmomenten(client, **params) -> list[dict]:
    response = client.get(KCM, params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


# --- a klantcontactmoment is an interaction -------------------------------------------------------
def test_a_klantcontactmoment_shows_as_an_interaction(cm_api, make_klant):
    klant = make_klant()
    cm = contactmoment()
    body = {"contactmoment": cm_url(cm), "klant": klant_url(klant), "rol": "gesprekspartner"}
    created = cm_api.post_json(KCM, body)
    assert created.status_code == 201, created.content
    betrokkene = Betrokkene.objects.get()

    assert interacties(cm_api, klant) == [
        {
            "url": f"{klant_url(klant)}/interacties/{betrokkene.uuid}",
            "klant": klant_url(klant),
            "soort": "contactmoment",
            "objectUrl": cm_url(cm),
            "rol": "gesprekspartner",
            "vernietigingsdatum": None,
        }
    ]
    # removing the interaction removes the klantcontactmoment
    assert (
        cm_api.delete(f"{BASE}/klanten/{klant.uuid}/interacties/{betrokkene.uuid}").status_code
        == 204
    )
    assert klantcontactmomenten(cm_api) == []
    assert Klantcontact.objects.filter(pk=cm.pk).exists()


def test_an_interaction_with_a_local_contactmoment_is_a_klantcontactmoment(cm_api, make_klant):
    klant = make_klant()
    cm = contactmoment()
    body = {"soort": "contactmoment", "url": cm_url(cm), "rol": "belanghebbende"}
    response = cm_api.post_json(f"{BASE}/klanten/{klant.uuid}/interacties", body)
    assert response.status_code == 201, response.content
    assert not Interactie.objects.exists()
    betrokkene = Betrokkene.objects.get()
    assert response.json() == {
        "url": f"{klant_url(klant)}/interacties/{betrokkene.uuid}",
        "klant": klant_url(klant),
        "soort": "contactmoment",
        "objectUrl": cm_url(cm),
        "rol": "belanghebbende",
        "vernietigingsdatum": None,
    }
    assert interacties(cm_api, klant) == [response.json()]
    assert klantcontactmomenten(cm_api) == [
        {
            "url": f"http://testserver{KCM}/{betrokkene.uuid}",
            "contactmoment": cm_url(cm),
            "klant": klant_url(klant),
            "rol": "belanghebbende",
        }
    ]
    # the same again is the same fact (E2 is idempotent); its vernietigingsdatum is updated
    again = cm_api.post_json(
        f"{BASE}/klanten/{klant.uuid}/interacties", {**body, "vernietigingsdatum": "2031-12-31"}
    )
    assert again.status_code == 201
    assert again.json() == {**response.json(), "vernietigingsdatum": "2031-12-31"}
    assert Betrokkene.objects.count() == 1
    # removing the klantcontactmoment removes the interaction
    assert cm_api.delete(f"{KCM}/{betrokkene.uuid}").status_code == 204
    assert interacties(cm_api, klant) == []


def test_interactions_of_both_kinds_oldest_first(cm_api, make_klant):
    klant = make_klant()
    first = cm_api.post_json(
        f"{BASE}/klanten/{klant.uuid}/interacties",
        {"soort": "zaak", "url": "https://zaken.example.nl/api/v1/zaken/1", "rol": "initiator"},
    ).json()
    cm = contactmoment()
    second = cm_api.post_json(
        f"{BASE}/klanten/{klant.uuid}/interacties",
        {"soort": "contactmoment", "url": cm_url(cm), "rol": "gesprekspartner"},
    ).json()
    third = cm_api.post_json(
        f"{BASE}/klanten/{klant.uuid}/interacties",
        {"soort": "contactmoment", "url": ELDERS, "rol": "gesprekspartner"},
    ).json()
    assert interacties(cm_api, klant) == [first, second, third]
    # a contactmoment elsewhere stays an Interactie
    assert Interactie.objects.filter(url=ELDERS).exists()


def test_an_interaction_with_an_unknown_local_contactmoment(cm_api, make_klant):
    klant = make_klant()
    url = f"http://testserver{CM_BASE}/contactmomenten/00000000-0000-4000-8000-000000000000"
    response = cm_api.post_json(
        f"{BASE}/klanten/{klant.uuid}/interacties",
        {"soort": "contactmoment", "url": url, "rol": "gesprekspartner"},
    )
    assert_invalid(response, "url", "does_not_exist")
    assert not Interactie.objects.exists() and not Betrokkene.objects.exists()


def test_deleting_the_klant_keeps_the_contactmoment(cm_api, make_klant):
    klant = make_klant()
    cm = contactmoment(inhoud="Belde over de afvalpas.")
    cm_api.post_json(
        KCM, {"contactmoment": cm_url(cm), "klant": klant_url(klant), "rol": "gesprekspartner"}
    )
    assert cm_api.delete(f"{BASE}/klanten/{klant.uuid}").status_code == 204

    response = cm_api.get(path(cm_url(cm)))
    assert response.status_code == 200
    assert response.json()["tekst"] == "Belde over de afvalpas."
    # K9: the betrokkene stays without the klant (until retention); no klantcontactmoment now
    assert Betrokkene.objects.get().klant is None
    assert klantcontactmomenten(cm_api) == []


# --- V7 extended ----------------------------------------------------------------------------------
@pytest.fixture
def applicaties(make_client):
    scopes = (*ALL_SCOPES,)
    return {
        "kcc": make_client(scopes=scopes, cm_scopes=CM_SCOPES, client_id="kcc"),
        "backoffice": make_client(scopes=scopes, cm_scopes=CM_SCOPES, client_id="backoffice"),
        "ander": make_client(scopes=scopes, cm_scopes=CM_SCOPES, client_id="ander"),
    }


def app_uuid(client_id):
    return Applicatie.objects.get(client_ids__contains=[client_id]).uuid


@pytest.mark.zichtbaarheid_applicatie
def test_a_non_validated_klant_is_readable_through_its_contactmoment(applicaties):
    kcc, backoffice, ander = applicaties["kcc"], applicaties["backoffice"], applicaties["ander"]
    created = kcc.post_json(
        f"{BASE}/klanten",
        {
            "bronorganisatie": RSIN,
            "subjectType": "natuurlijk_persoon",
            "subjectIdentificatie": {"inpBsn": BSN},
            "achternaam": "Jansen",
        },
    )
    assert created.status_code == 201, created.content
    url = created.json()["url"]
    klant_path = path(url)
    # the backoffice registers a contactmoment; the KCC links its klant to it
    cm = backoffice.post_json(
        f"{CM_BASE}/contactmomenten",
        {"bronorganisatie": RSIN, "kanaal": "telefoon", "medewerker": MEDEWERKER},
    ).json()["url"]
    assert_invalid(
        backoffice.post_json(KCM, {"contactmoment": cm, "klant": url, "rol": "gesprekspartner"}),
        "klant",
        "bad-url",
    )
    linked = kcc.post_json(KCM, {"contactmoment": cm, "klant": url, "rol": "gesprekspartner"})
    assert linked.status_code == 201, linked.content

    # the backoffice reads it by uuid, with its interactions and audit trail
    assert backoffice.get(klant_path).json()["achternaam"] == "Jansen"
    assert backoffice.head(klant_path).status_code == 200
    assert [i["objectUrl"] for i in backoffice.get(f"{klant_path}/interacties").json()] == [cm]
    assert backoffice.get(f"{klant_path}/audittrail").status_code == 200
    # ... but never finds it in a list or search, and cannot change it
    listed = backoffice.get(f"{BASE}/klanten", {"subjectNatuurlijkPersoon__inpBsn": BSN}).json()
    assert listed["results"] == [] and listed["count"] == 0
    assert backoffice.get(f"{BASE}/klanten").json()["count"] == 0
    assert backoffice.patch_json(klant_path, {"achternaam": "X"}).status_code == 404
    assert backoffice.delete(klant_path).status_code == 404
    assert (
        backoffice.post_json(
            f"{klant_path}/interacties",
            {"soort": "zaak", "url": "https://z.nl/zaken/1", "rol": "initiator"},
        ).status_code
        == 404
    )
    # an application that has no part in the contactmoment does not see it at all
    assert ander.get(klant_path).status_code == 404
    assert ander.get(f"{klant_path}/interacties").status_code == 404
    # once the link is gone, so is the backoffice's view of the klant
    assert kcc.delete(path(linked.json()["url"])).status_code == 204
    assert backoffice.get(klant_path).status_code == 404


@pytest.mark.zichtbaarheid_applicatie
def test_the_application_that_links_a_klant_shares_it(applicaties, make_klant):
    """The application that registered the klantcontactmoment sees the klant too (the part is
    its registration), also through an E2 interaction."""
    klant = make_klant(geregistreerd_door=app_uuid("kcc"))
    cm = contactmoment(geregistreerd_door=app_uuid("backoffice"))
    ander = applicaties["ander"]
    assert ander.get(f"{BASE}/klanten/{klant.uuid}").status_code == 404
    contacten.add_betrokkene(
        cm,
        klant=klant,
        klantcontactmoment_rol="belanghebbende",
        geregistreerd_door=app_uuid("ander"),
    )
    assert ander.get(f"{BASE}/klanten/{klant.uuid}").status_code == 200


# --- klantbeeld -----------------------------------------------------------------------------------
@pytest.fixture
def loket(make_client):
    return make_client(scopes=("klanten.klantbeeld",), client_id="loket")


def klantbeeld(client):
    response = client.post_json(
        f"{BASE}/klantbeeld",
        {"subjectType": "natuurlijk_persoon", "identificatie": {"inpBsn": BSN}},
    )
    assert response.status_code == 200, response.content
    return response


def test_the_klantbeeld_lists_a_validated_klants_contactmomenten(cm_api, loket, make_klant):
    gevalideerd = valideer(make_klant(), "bsn", BSN)
    niet_gevalideerd = make_klant()  # the same BSN, not validated
    oud = contactmoment(plaatsgevonden_op=datetime(2024, 1, 1, 9, tzinfo=UTC), inhoud="Eerste")
    nieuw = contactmoment(
        plaatsgevonden_op=datetime(2024, 6, 1, 9, tzinfo=UTC),
        inhoud="Tweede",
    )
    geheim = contactmoment(inhoud="Van de niet-gevalideerde klant")
    zaak = "https://zaken.example.nl/api/v1/zaken/9b1e"
    contacten.add_onderwerpobject(nieuw, **contacten.zaak_velden(zaak, "zaak"))
    for cm, rol in ((oud, "belanghebbende"), (nieuw, "gesprekspartner"), (nieuw, "belanghebbende")):
        contacten.add_betrokkene(cm, klant=gevalideerd, klantcontactmoment_rol=rol)
    contacten.add_betrokkene(
        geheim, klant=niet_gevalideerd, klantcontactmoment_rol="belanghebbende"
    )

    (entry,) = klantbeeld(loket).json()["klanten"]
    assert entry["url"] == klant_url(gevalideerd)
    assert [c["url"] for c in entry["contactmomenten"]] == [cm_url(nieuw), cm_url(oud)]
    first = entry["contactmomenten"][0]
    detail = cm_api.get(path(cm_url(nieuw))).json()
    assert first == {
        **detail,
        "rollen": ["gesprekspartner", "belanghebbende"],
        "objecten": [{"object": zaak, "objectType": "zaak"}],
    }
    assert entry["contactmomenten"][1]["rollen"] == ["belanghebbende"]
    assert entry["contactmomenten"][1]["objecten"] == []
    # and as interactions
    assert [i["objectUrl"] for i in entry["interacties"]] == [
        cm_url(oud),
        cm_url(nieuw),
        cm_url(nieuw),
    ]
    # never the non-validated klant's
    assert "Van de niet-gevalideerde klant" not in klantbeeld(loket).content.decode()


def _klantbeeld_queries(client) -> int:
    klantbeeld(client)  # the first request also reads the client's scopes (then cached)
    with CaptureQueriesContext(connection) as queries:
        klantbeeld(client)
    return len(queries.captured_queries)


def test_klantbeeld_query_budget(loket, make_klant):
    """The klanten with the request's log record in one statement, their interactions in one
    more and their contactmomenten in a third, however many klanten and contactmomenten there
    are; a klant without any is read by the first alone, one with interactions but no
    contactmoment by the first two."""
    klant = valideer(make_klant(), "bsn", BSN)
    assert _klantbeeld_queries(loket) == 1
    services.add_interactie(klant, soort="zaak", url="https://z.nl/zaken/8", rol="initiator")
    assert _klantbeeld_queries(loket) == 2
    cm = contactmoment()
    contacten.add_betrokkene(cm, klant=klant, klantcontactmoment_rol="belanghebbende")
    few = _klantbeeld_queries(loket)
    assert few == 3
    for index in range(3):
        other = valideer(
            make_klant(bronorganisatie=["517439943", "001000007", "100000009"][index]), "bsn", BSN
        )
        for _ in range(5):
            extra = contactmoment(medewerker=contacten.MedewerkerIdentificatie(str(index)))
            contacten.add_onderwerpobject(
                extra, **contacten.zaak_velden(f"https://z.nl/zaken/{_}", "zaak")
            )
            contacten.add_betrokkene(extra, klant=other, klantcontactmoment_rol="gesprekspartner")
        services.add_interactie(other, soort="zaak", url="https://z.nl/zaken/9", rol="initiator")
    assert len(klantbeeld(loket).json()["klanten"]) == 4
    assert _klantbeeld_queries(loket) == few


def test_the_klantbeeld_queries_compiled_once_give_the_orms_rows(loket, make_klant):
    """The interactions and contactmomenten of a klantbeeld are read by queries compiled once
    per shape (readsql.orm_rows): their rows are those the ORM's own iteration gives, with
    medewerker, objecten (JSON), roles and times, for one klant (its own shape: ``= $1``) and
    for several (``= ANY($1)``)."""
    from django.db.models import Q

    from klanten.api import interacties, readsql
    from klanten.datamodel.contactrepresentatie import klantbeeld_contactmoment_rijen

    ids = []
    for index in range(3):
        klant = valideer(
            make_klant(bronorganisatie=["517439943", "001000007", "100000009"][index]), "bsn", BSN
        )
        ids.append(klant.pk)
        for number in range(index + 1):
            cm = contactmoment(
                medewerker=contacten.MedewerkerIdentificatie(f"m{index}") if number else None,
                plaatsgevonden_op=datetime(2024, 1, 1 + number, 9, tzinfo=UTC),
            )
            contacten.add_onderwerpobject(
                cm, **contacten.zaak_velden(f"https://z.nl/zaken/{index}-{number}", "zaak")
            )
            contacten.add_betrokkene(cm, klant=klant, klantcontactmoment_rol="gesprekspartner")
            contacten.add_betrokkene(cm, klant=klant, klantcontactmoment_rol="belanghebbende")
        services.add_interactie(klant, soort="zaak", url="https://z.nl/zaken/9", rol="initiator")
    for selection in (ids[:1], ids, [ids[2], ids[0]]):
        orm = list(klantbeeld_contactmoment_rijen(Q(klant_id__in=selection)))
        assert len(orm) == sum(2 * (ids.index(pk) + 1) for pk in selection)
        assert readsql.klantbeeld_contactmoment_rows(selection) == orm
        orm_rijen = list(
            interacties._rijen_queryset(lambda field, ids=selection: Q(**{f"{field}__in": ids}))
        )
        assert len(orm_rijen) == len(orm) + len(selection)
        assert [row for pk in selection for row in interacties.rijen(selection)[pk]] == [
            row for pk in selection for row in orm_rijen if row[0] == pk
        ]


# --- retention ------------------------------------------------------------------------------------
def test_retention_counts_from_the_latest_contactmoment(make_klant, settings):
    settings.KLANTEN_BEWAARTERMIJN_DAGEN = 365
    with freeze_time("2024-01-10T09:00:00Z"):
        klant = make_klant()
    assert klant.vernietigingsdatum == date(2024, 2, 9)  # no interaction yet: the grace period
    with freeze_time("2024-03-01T09:00:00Z"):
        cm = contactmoment(plaatsgevonden_op=datetime(2024, 3, 1, 9, tzinfo=UTC))
        contacten.add_betrokkene(cm, klant=klant, klantcontactmoment_rol="belanghebbende")
    klant.refresh_from_db()
    assert klant.vernietigingsdatum == date(2025, 3, 1)
    # a later contactmoment extends it; moving the contact's date moves it
    with freeze_time("2024-06-01T09:00:00Z"):
        later = contactmoment(plaatsgevonden_op=datetime(2024, 6, 1, 9, tzinfo=UTC))
        contacten.add_betrokkene(later, klant=klant, klantcontactmoment_rol="gesprekspartner")
        klant.refresh_from_db()
        assert klant.vernietigingsdatum == date(2025, 6, 1)
        contacten.update_klantcontact(
            later, {"plaatsgevonden_op": datetime(2024, 7, 1, 9, tzinfo=UTC)}
        )
        klant.refresh_from_db()
        assert klant.vernietigingsdatum == date(2025, 7, 1)
        # a date of its own wins (R1)
        betrokkene = Betrokkene.objects.get(klantcontact=later)
        betrokkene.vernietigingsdatum = date(2030, 1, 1)
        betrokkene.save()
        klant.refresh_from_db()
        assert klant.vernietigingsdatum == date(2030, 1, 1)
        # deleting the contactmoment takes its part away
        contacten.delete_klantcontact(later)
        klant.refresh_from_db()
        assert klant.vernietigingsdatum == date(2025, 3, 1)


def test_destruction_removes_the_klants_part_and_keeps_the_contactmoment(make_klant, settings):
    settings.NOTIFICATIONS_DISABLED = True
    with freeze_time("2024-01-10T09:00:00Z"):
        klant = make_klant()
        ander = make_klant()
        cm = contactmoment(plaatsgevonden_op=timezone.now(), inhoud="Gesprek met twee mensen")
        eigen, _ = contacten.add_betrokkene(
            cm,
            klant=klant,
            klantcontactmoment_rol="gesprekspartner",
            vernietigingsdatum=date(2024, 2, 1),
        )
        DigitaalAdres.objects.create(
            betrokkene=eigen,
            soort_digitaal_adres="email",
            adres="a@b.nl",
            adres_genormaliseerd="a@b.nl",
        )
        contacten.add_betrokkene(
            cm,
            klant=ander,
            klantcontactmoment_rol="belanghebbende",
            vernietigingsdatum=date(2030, 1, 1),
        )
    with freeze_time("2024-03-01T12:00:00Z"):
        run = retention.voer_uit()
    assert run.aantal_vernietigd == 1
    assert not Klant.objects.filter(pk=klant.pk).exists()
    cm.refresh_from_db()
    assert cm.inhoud == "Gesprek met twee mensen"
    assert list(Betrokkene.objects.values_list("klant_id", flat=True)) == [ander.pk]
    assert not DigitaalAdres.objects.exists()


def test_anonymous_betrokkenen_are_destroyed_under_the_same_retention(db, settings):
    settings.KLANTEN_BEWAARTERMIJN_DAGEN = 365
    with freeze_time("2024-01-10T09:00:00Z"):
        cm = contactmoment(plaatsgevonden_op=timezone.now(), inhoud="Anoniem gesprek")
        anoniem, _ = contacten.add_betrokkene(cm, rol="klant", achternaam="Anoniem")
        DigitaalAdres.objects.create(
            betrokkene=anoniem,
            soort_digitaal_adres="telefoonnummer",
            adres="0612345678",
            adres_genormaliseerd="0612345678",
        )
        eigen_datum, _ = contacten.add_betrokkene(
            cm, rol="vertegenwoordiger", vernietigingsdatum=date(2024, 6, 1)
        )
        elders, _ = contacten.add_betrokkene(
            cm,
            klant_url="https://klanten.elders.nl/api/v1/klanten/1",
            klantcontactmoment_rol="belanghebbende",
        )
    with freeze_time("2024-06-01T12:00:00Z"):
        retention.voer_uit()
    assert set(Betrokkene.objects.all()) == {anoniem, elders}
    # R1: the day the contact took place plus the period (365 days; 2024 is a leap year)
    with freeze_time("2025-01-08T12:00:00Z"):
        retention.voer_uit()
    assert set(Betrokkene.objects.all()) == {anoniem, elders}
    with freeze_time("2025-01-09T12:00:00Z"):
        retention.voer_uit()
    # the reference to a klant elsewhere stays; so does the contactmoment
    assert list(Betrokkene.objects.all()) == [elders]
    assert not DigitaalAdres.objects.exists()
    assert Klantcontact.objects.get().inhoud == "Anoniem gesprek"
