"""Statement budgets of the writes (issue 15): what each write costs in SQL statements, pinned.

Each operation is sent through the API as a client sends it, with the authorization cache and
the cached Notificaties API configuration warm (a first request fills them), and counted with
``CaptureQueriesContext``. The tests run in real transactions (``transaction=True``), as a
served request does: the write's transaction is the outermost one, so there is no savepoint
and its BEGIN and COMMIT are not statements of their own here (the driver sends them with the
first statement and at the end). The budgets of the issue: a create at most 6 statements, a
PATCH at most 5, the audit record and the outbox row included; every count is pinned exactly,
so a change that adds a statement fails here and has to say why.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from vng_api_common.audittrails.models import AuditTrail

from klanten.background.models import UitgaandeNotificatie
from klanten.datamodel.models import Klant
from klanten.datamodel.partijen import DigitaalAdres, PartijIdentificator
from klanten.notificaties import outbox

from .conftest import BASE, BSN, CM_BASE, RSIN
from .ki_fixtures import KI_BASE
from .test_notifications import NOTIFICATIES, configure

pytestmark = pytest.mark.django_db(transaction=True)

CREATE_BUDGET = 6
PATCH_BUDGET = 5

KLANT = {
    "bronorganisatie": RSIN,
    "subjectType": "natuurlijk_persoon",
    "subjectIdentificatie": {"inpBsn": BSN, "geslachtsnaam": "Jansen", "voornamen": "Jan"},
    "voornaam": "Jan",
    "achternaam": "Jansen",
    "emailadres": "jan@example.nl",
    "adres": {"straatnaam": "Lindelaan", "huisnummer": 7, "woonplaatsnaam": "Zeist"},
}
CONTACTMOMENT = {
    "bronorganisatie": RSIN,
    "kanaal": "telefoon",
    "tekst": "Vraag over de afvalpas",
    "medewerkerIdentificatie": {"identificatie": "mdw-1", "achternaam": "Vries"},
}


@pytest.fixture
def nrc(requests_mock):
    configure()
    requests_mock.post(NOTIFICATIES, status_code=201, json={})
    return requests_mock


@pytest.fixture(autouse=True)
def _no_delivery(monkeypatch):
    """The notifications stay in the outbox: their delivery after the commit (in-process, as
    the tests run without a broker) is not part of the request."""
    monkeypatch.setattr(outbox, "na_commit", lambda ids: None)


def counted(send) -> tuple[object, list[str]]:
    """The response and the statements of the request, without its BEGIN and COMMIT (a write
    is exactly one transaction, without savepoints)."""
    with CaptureQueriesContext(connection) as queries:
        response = send()
    statements = [q["sql"] for q in queries.captured_queries]
    assert not any(s.startswith(("SAVEPOINT", "RELEASE SAVEPOINT")) for s in statements)
    transaction = [s for s in statements if s in ("BEGIN", "COMMIT", "ROLLBACK")]
    assert transaction in ([], ["BEGIN", "COMMIT"], ["BEGIN", "ROLLBACK"]), transaction
    return response, [s for s in statements if s not in ("BEGIN", "COMMIT", "ROLLBACK")]


def records() -> tuple[int, int]:
    return AuditTrail.objects.count(), UitgaandeNotificatie.objects.count()


@pytest.fixture
def klant_url(api, nrc):
    """A klant made through the API; the caches are warm afterwards."""
    response = api.post_json(f"{BASE}/klanten", KLANT)
    assert response.status_code == 201, response.content
    return response.json()["url"]


def test_create_klant(api, klant_url):
    """The klantnummer counter (UPDATE ... RETURNING), the klant, and in one statement its
    address, its identification, its partij rows (the bsn identifier, the standaard e-mail
    address) with the audit records and the outbox rows of the klant and of its partij (K10,
    built from data in hand)."""
    before = records()
    response, statements = counted(lambda: api.post_json(f"{BASE}/klanten", KLANT))
    assert response.status_code == 201, response.content
    assert len(statements) == 3, "\n".join(statements)
    assert len(statements) <= CREATE_BUDGET
    # one record and one notification per representation: klant and partij
    assert records() == (before[0] + 2, before[1] + 2)
    assert statements[0].startswith("UPDATE datamodel_klantnummerteller")
    samen = statements[2]
    for tabel in (
        "datamodel_klantadres",
        "datamodel_natuurlijkpersoon",
        "datamodel_partijidentificator",
        "datamodel_digitaaladres",
        "audittrails_audittrail",
        "background_uitgaandenotificatie",
    ):
        assert f'INSERT INTO "{tabel}"' in samen, tabel
    klant = Klant.objects.get(uuid=response.json()["url"].rsplit("/", 1)[1])
    assert list(
        PartijIdentificator.objects.filter(klant=klant).values_list(
            "code_soort_object_id", "object_id"
        )
    ) == [("bsn", BSN)]
    assert list(
        DigitaalAdres.objects.filter(klant=klant).values_list(
            "soort_digitaal_adres", "adres", "is_standaard_adres"
        )
    ) == [("email", "jan@example.nl", True)]


def test_create_klant_niet_natuurlijk_persoon(api, klant_url):
    """An HR identifier: whether another klant of the organisation holds it is looked up
    (K5) before the insert."""
    body = {
        **KLANT,
        "subjectType": "niet_natuurlijk_persoon",
        "subjectIdentificatie": {"innNnpId": "123456782", "statutaireNaam": "Jansen BV"},
        "telefoonnummer": "0612345678",
    }
    response, statements = counted(lambda: api.post_json(f"{BASE}/klanten", body))
    assert response.status_code == 201, response.content
    assert len(statements) == 4, "\n".join(statements)
    assert len(statements) <= CREATE_BUDGET


def test_create_klant_with_klantnummer(api, klant_url):
    """A klantnummer the client chose: its uniqueness check instead of the counter."""
    before = records()
    body = {**KLANT, "klantnummer": "A-17"}
    response, statements = counted(lambda: api.post_json(f"{BASE}/klanten", body))
    assert response.status_code == 201, response.content
    assert len(statements) == 3, "\n".join(statements)
    assert records() == (before[0] + 2, before[1] + 2)


def test_patch_klant(api, klant_url):
    """The klant locked and read with its representation's rows and its partij rows (K10: the
    partij before the write), its UPDATE, and the audit records with the outbox rows of the
    klant and its partij (the voornaam is in both)."""
    before = records()
    response, statements = counted(lambda: api.patch_json(klant_url, {"voornaam": "Piet"}))
    assert response.status_code == 200, response.content
    assert response.json()["voornaam"] == "Piet"
    assert len(statements) == 3, "\n".join(statements)
    assert len(statements) <= PATCH_BUDGET
    assert "FOR UPDATE" in statements[0]
    assert "datamodel_partijidentificator" in statements[0]
    assert records() == (before[0] + 2, before[1] + 2)


def test_patch_klant_nested(api, klant_url):
    """A PATCH of the address and the identification: one UPDATE per row changed."""
    body = {"adres": {"huisnummer": 9}, "subjectIdentificatie": {"voornamen": "Johannes"}}
    response, statements = counted(lambda: api.patch_json(klant_url, body))
    assert response.status_code == 200, response.content
    assert len(statements) == 5, "\n".join(statements)


def test_patch_klant_emailadres(api, klant_url):
    """A new e-mail address: the klant's standaard address follows it (K8): read afresh and
    updated, on top of the lock, the klant's UPDATE and the audit record with the outbox row
    (the partij lists the same address, its uuid kept: no partij record). The identifiers,
    unchanged, are neither read again nor written."""
    before = records()
    response, statements = counted(
        lambda: api.patch_json(klant_url, {"emailadres": "piet@example.nl"})
    )
    assert response.status_code == 200, response.content
    assert len(statements) == 5, "\n".join(statements)
    assert len(statements) <= PATCH_BUDGET
    assert not any("datamodel_partijidentificator" in s for s in statements[1:])
    assert records() == (before[0] + 1, before[1] + 1)
    klant = Klant.objects.get(uuid=klant_url.rsplit("/", 1)[1])
    assert list(
        DigitaalAdres.objects.filter(klant=klant).values_list("adres", "is_standaard_adres")
    ) == [("piet@example.nl", True)]


def test_patch_of_nothing_records_nothing(api, klant_url):
    before = records()
    response, statements = counted(lambda: api.patch_json(klant_url, {"voornaam": "Jan"}))
    assert response.status_code == 200, response.content
    assert len(statements) == 2, "\n".join(statements)
    assert records() == before


def test_put_klant(api, klant_url):
    """A PUT writes every row of the klant: lock, three UPDATEs, audit records with outbox
    rows (klant and partij)."""
    before = records()
    response, statements = counted(lambda: api.put_json(klant_url, {**KLANT, "voornaam": "Kees"}))
    assert response.status_code == 200, response.content
    assert len(statements) == 5, "\n".join(statements)
    assert records() == (before[0] + 2, before[1] + 2)


def test_delete_klant(api, klant_url):
    """The lock, the klant's contact moments left (read as klantcontactmomenten and, K10, as
    betrokkenen of Klantinteracties), its audit trails (as klant and as partij) replaced by
    one deletion record each with their outbox rows (one statement), and Django's collection
    of what hangs off the klant (the retention signals of its interactions need the rows)."""
    before = records()
    response, statements = counted(lambda: api.delete(klant_url))
    assert response.status_code == 204, response.content
    # not within a budget: Django's collection of the cascade (the partij rows, the
    # klantcontacten's betrokkenen) reads every related table
    assert len(statements) == 26, "\n".join(statements)
    # the trail of its create (klant and partij) went, a deletion record each stayed
    assert records() == (before[0], before[1] + 2)


def test_missing_klant_is_one_statement(api, klant_url):
    missing = klant_url.rsplit("/", 1)[0] + "/6d1c0a36-7f4b-4e57-9d0c-6a6c1b1d7a11"
    response, statements = counted(lambda: api.patch_json(missing, {"voornaam": "Piet"}))
    assert response.status_code == 404
    assert len(statements) == 1, "\n".join(statements)


# --- Contactmomenten API ------------------------------------------------------------------------


@pytest.fixture
def contactmoment_url(cm_api, nrc, medewerkers):
    response = cm_api.post_json(f"{CM_BASE}/contactmomenten", CONTACTMOMENT)
    assert response.status_code == 201, response.content
    return response.json()["url"]


def test_create_contactmoment(cm_api, ki_api, contactmoment_url):
    """The klantcontact, the medewerker's actor (advisory lock, lookup: it exists), and in one
    statement its link with the audit records and outbox rows of both representations (the
    contactmoment, and the klantcontact of Klantinteracties, built from data in hand); the
    answer is what was recorded."""
    before = records()
    response, statements = counted(
        lambda: cm_api.post_json(f"{CM_BASE}/contactmomenten", CONTACTMOMENT)
    )
    assert response.status_code == 201, response.content
    assert len(statements) == 4, "\n".join(statements)
    assert len(statements) <= CREATE_BUDGET
    # one record and one notification per representation: contactmoment and klantcontact
    assert records() == (before[0] + 2, before[1] + 2)
    assert response.json()["medewerkerIdentificatie"]["identificatie"] == "mdw-1"
    uuid = response.json()["url"].rsplit("/", 1)[1]
    ki = ki_api.get(f"{KI_BASE}/klantcontacten/{uuid}")
    assert ki.status_code == 200, ki.content
    trail = AuditTrail.objects.filter(bron="kic", resource_url=ki.json()["url"]).get()
    assert trail.nieuw == ki.json()


def test_patch_contactmoment(cm_api, contactmoment_url):
    before = records()
    response, statements = counted(
        lambda: cm_api.patch_json(contactmoment_url, {"tekst": "Nieuwe afvalpas aangevraagd"})
    )
    assert response.status_code == 200, response.content
    assert response.json()["tekst"] == "Nieuwe afvalpas aangevraagd"
    assert len(statements) == 3, "\n".join(statements)
    assert len(statements) <= PATCH_BUDGET
    # one record and one notification per representation: contactmoment and klantcontact
    assert records() == (before[0] + 2, before[1] + 2)
    # what was recorded is what a read answers
    assert cm_api.get(contactmoment_url).json() == response.json()
    trail = AuditTrail.objects.filter(resource_url=contactmoment_url).order_by("pk").last()
    assert trail.nieuw == response.json()
    assert trail.oud["tekst"] == CONTACTMOMENT["tekst"]


def test_patch_contactmoment_date_locks_its_klanten_first(cm_api, contactmoment_url):
    """A new registratiedatum: the klanten that took part are locked before the contactmoment
    (and their retention dates follow)."""
    body = {"registratiedatum": "2024-03-01T10:00:00Z"}
    response, statements = counted(lambda: cm_api.patch_json(contactmoment_url, body))
    assert response.status_code == 200, response.content
    assert len(statements) == 7, "\n".join(statements)


# --- Klantinteracties API -----------------------------------------------------------------------

KI_PERSOON = {
    "soortPartij": "persoon",
    "indicatieActief": True,
    "partijIdentificatie": {"contactnaam": {"voornaam": "Jan", "achternaam": "Jansen"}},
    "partijIdentificatoren": [
        {
            "partijIdentificator": {
                "codeObjecttype": "natuurlijk_persoon",
                "codeSoortObjectId": "bsn",
                "objectId": BSN,
                "codeRegister": "brp",
            }
        }
    ],
}
KI_KLANTCONTACT = {
    "kanaal": "telefoon",
    "onderwerp": "Afval",
    "inhoud": "Vraag over de container",
    "taal": "nld",
    "vertrouwelijk": False,
}


@pytest.fixture
def ki(make_ki_client, nrc):
    """Open Forms (a trusted asserter) with a partij made, and the caches warm."""
    client = make_ki_client(vertrouwd=True)
    response = client.post_json(f"{KI_BASE}/partijen", KI_PERSOON)
    assert response.status_code == 201, response.content
    client.partij = response.json()
    response = client.post_json(f"{KI_BASE}/klantcontacten", KI_KLANTCONTACT)
    assert response.status_code == 201, response.content
    client.klantcontact = response.json()
    return client


def ki_counted(send, status: int, pinned: int, aantal: int = 1):
    """A Klantinteracties write, its statements pinned (what they are now: most are above the
    budget of 6 per created resource, see docs/performance.md); ``aantal``: the resources it
    creates."""
    before = records()
    with CaptureQueriesContext(connection) as queries:
        response = send()
    assert response.status_code == status, response.content
    # savepoints are round trips too: counted
    statements = [q["sql"] for q in queries.captured_queries if q["sql"] not in ("BEGIN", "COMMIT")]
    assert len(statements) == pinned, "\n".join(s[:160] for s in statements)
    return response, statements, before


def test_ki_create_partij(ki):
    body = {
        **KI_PERSOON,
        "partijIdentificatoren": [
            {
                "partijIdentificator": {
                    **KI_PERSOON["partijIdentificatoren"][0]["partijIdentificator"],
                    "objectId": "999993653",
                }
            }
        ],
    }
    ki_counted(lambda: ki.post_json(f"{KI_BASE}/partijen", body), 201, 32)


def test_ki_create_digitaal_adres(ki):
    body = {
        "verstrektDoorPartij": {"uuid": ki.partij["uuid"]},
        "adres": "jan@example.nl",
        "soortDigitaalAdres": "email",
        "isStandaardAdres": True,
    }
    ki_counted(lambda: ki.post_json(f"{KI_BASE}/digitaleadressen", body), 201, 20)


def test_ki_patch_digitaal_adres(ki):
    adres = ki.post_json(
        f"{KI_BASE}/digitaleadressen",
        {
            "verstrektDoorPartij": {"uuid": ki.partij["uuid"]},
            "adres": "j.jansen@example.nl",
            "soortDigitaalAdres": "email",
            "isStandaardAdres": False,
        },
    ).json()
    ki_counted(
        lambda: ki.patch_json(
            f"{KI_BASE}/digitaleadressen/{adres['uuid']}", {"isStandaardAdres": True}
        ),
        200,
        29,
    )


def test_ki_create_partij_identificator(ki):
    partij = ki.post_json(
        f"{KI_BASE}/partijen",
        {
            "soortPartij": "organisatie",
            "indicatieActief": True,
            "partijIdentificatie": {"naam": "X"},
        },
    ).json()
    body = {
        "identificeerdePartij": {"uuid": partij["uuid"]},
        "partijIdentificator": {
            "codeObjecttype": "niet_natuurlijk_persoon",
            "codeSoortObjectId": "kvk_nummer",
            "objectId": "69599084",
            "codeRegister": "hr",
        },
    }
    ki_counted(lambda: ki.post_json(f"{KI_BASE}/partij-identificatoren", body), 201, 27)


def test_ki_create_klantcontact(ki):
    ki_counted(lambda: ki.post_json(f"{KI_BASE}/klantcontacten", KI_KLANTCONTACT), 201, 7)


def test_ki_create_betrokkene(ki):
    body = {
        "wasPartij": {"uuid": ki.partij["uuid"]},
        "hadKlantcontact": {"uuid": ki.klantcontact["uuid"]},
        "rol": "klant",
        "initiator": True,
        "contactnaam": {"voornaam": "Jan", "achternaam": "Jansen"},
    }
    ki_counted(lambda: ki.post_json(f"{KI_BASE}/betrokkenen", body), 201, 16)


def test_ki_create_onderwerpobject(ki):
    body = {
        "klantcontact": {"uuid": ki.klantcontact["uuid"]},
        "onderwerpobjectidentificator": {
            "objectId": "OF-ABC123",
            "codeObjecttype": "formulierinzending",
            "codeRegister": "Open Formulieren",
            "codeSoortObjectId": "public_registration_reference",
        },
    }
    ki_counted(lambda: ki.post_json(f"{KI_BASE}/onderwerpobjecten", body), 201, 10)


def test_ki_create_internetaak(ki):
    actor = ki.post_json(
        f"{KI_BASE}/actoren", {"naam": "Team", "soortActor": "organisatorische_eenheid"}
    ).json()
    body = {
        "nummer": "",
        "gevraagdeHandeling": "Terugbellen",
        "aanleidinggevendKlantcontact": {"uuid": ki.klantcontact["uuid"]},
        "toegewezenAanActor": {"uuid": actor["uuid"]},
        "toelichting": "Na vijven",
        "status": "te_verwerken",
    }
    ki_counted(lambda: ki.post_json(f"{KI_BASE}/internetaken", body), 201, 17)


def test_ki_maak_klantcontact(ki):
    body = {
        "klantcontact": {
            "kanaal": "Webformulier",
            "onderwerp": "Melding openbare ruimte",
            "taal": "dut",
            "vertrouwelijk": True,
        },
        "betrokkene": {
            "rol": "klant",
            "initiator": True,
            "organisatienaam": "",
            "contactnaam": {"voornaam": "Anna", "achternaam": "Anoniem"},
        },
        "onderwerpobject": {
            "onderwerpobjectidentificator": {
                "objectId": "OF-ABC123",
                "codeObjecttype": "formulierinzending",
                "codeRegister": "Open Formulieren",
                "codeSoortObjectId": "public_registration_reference",
            }
        },
    }
    before = records()
    _, statements, _ = ki_counted(
        lambda: ki.post_json(f"{KI_BASE}/maak-klantcontact", body), 201, 17, aantal=3
    )
    # three resources: within the create budget each (auth included)
    assert len(statements) <= 3 * CREATE_BUDGET
    # one record each: contactmoment, klantcontact, betrokkene, onderwerpobject (anonymous:
    # no klantcontactmoment, no object URL: no objectcontactmoment)
    assert records() == (before[0] + 4, before[1] + 4)
