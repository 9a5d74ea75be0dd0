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
from klanten.datamodel import services
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
    # one record and one notification per representation: klant, partij and its standaard
    # e-mail address (a digitaal adres of its own, K10)
    assert records() == (before[0] + 3, before[1] + 3)
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
    """A klantnummer the client chose: no counter and no query of its own (the unique
    constraint answers a taken one, tests/test_klantnummer.py)."""
    before = records()
    body = {**KLANT, "klantnummer": "A-17"}
    response, statements = counted(lambda: api.post_json(f"{BASE}/klanten", body))
    assert response.status_code == 201, response.content
    assert len(statements) == 2, "\n".join(statements)
    assert records() == (before[0] + 3, before[1] + 3)


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
    assert "datamodel_klant_vers" in statements[0]  # the partij rows, read after the lock
    assert records() == (before[0] + 2, before[1] + 2)


def test_patch_klant_nested(api, klant_url):
    """A PATCH of the address and the identification: one UPDATE per row changed."""
    body = {"adres": {"huisnummer": 9}, "subjectIdentificatie": {"voornamen": "Johannes"}}
    response, statements = counted(lambda: api.patch_json(klant_url, body))
    assert response.status_code == 200, response.content
    assert len(statements) == 5, "\n".join(statements)


def test_patch_klant_emailadres(api, klant_url):
    """A new e-mail address: the klant's standaard address follows it (K8): updated (the
    address in hand from the lock, not read again), on top of the lock, the klant's UPDATE and
    the audit records with the outbox rows of the klant and of the digitaal adres (the partij
    lists the same address, its uuid kept: no partij record), built from the rows in hand.
    The identifiers, unchanged, are neither read again nor written."""
    before = records()
    response, statements = counted(
        lambda: api.patch_json(klant_url, {"emailadres": "piet@example.nl"})
    )
    assert response.status_code == 200, response.content
    assert len(statements) == 4, "\n".join(statements)
    assert not any(s.startswith('SELECT "datamodel_digitaaladres"') for s in statements)
    assert len(statements) <= PATCH_BUDGET
    assert not any("datamodel_partijidentificator" in s for s in statements[1:])
    assert records() == (before[0] + 2, before[1] + 2)
    assert AuditTrail.objects.latest("pk").resource == "digitaaladres"
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
    one deletion record each with their outbox rows (one statement, with the deletion records
    of its digital addresses, which the DELETE ... RETURNING of the addresses gave), and
    Django's collection of what hangs off the klant (the retention signals of its
    interactions need the rows)."""
    before = records()
    response, statements = counted(lambda: api.delete(klant_url))
    assert response.status_code == 204, response.content
    # not within a budget: Django's collection of the cascade (the partij rows, the
    # klantcontacten's betrokkenen) reads every related table
    assert len(statements) == 25, "\n".join(statements)
    # the trail of its create (klant, partij, its e-mail address) went, a deletion record
    # each stayed
    assert records() == (before[0], before[1] + 3)


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
    """A Klantinteracties write, its statements pinned (the `Token` authentication's one
    statement included; see docs/performance.md); ``aantal``: the resources it creates."""
    before = records()
    with CaptureQueriesContext(connection) as queries:
        response = send()
    assert response.status_code == status, response.content
    # savepoints are round trips too: counted
    statements = [q["sql"] for q in queries.captured_queries if q["sql"] not in ("BEGIN", "COMMIT")]
    assert len(statements) == pinned, "\n".join(s[:160] for s in statements)
    return response, statements, before


def ki_records(ki, before, response, *, partij: str, aantal: int, klanten: bool = False):
    """What a partij-side write answered and recorded is what the API shows afterwards: the
    answer equals a read of the resource, the
    partij's last record holds the partij as it is read now (and the klant's, when
    ``klanten``, the klant); ``aantal`` records and outbox rows were added."""
    data = response.json()
    assert ki.get(data["url"]).json() == data
    audit, uitgaand = records()
    assert (audit - before[0], uitgaand - before[1]) == (aantal, aantal)
    gelezen = ki.get(f"{KI_BASE}/partijen/{partij}").json()
    laatste = AuditTrail.objects.filter(bron="ki", resource_url=gelezen["url"]).latest("pk")
    assert laatste.nieuw == gelezen
    if "/digitaleadressen/" in data["url"]:  # the address's own record: what it answered
        adres = AuditTrail.objects.filter(resource="digitaaladres", resource_url=data["url"])
        assert adres.latest("pk").nieuw == data
    if klanten:
        klant = AuditTrail.objects.filter(bron="kc", resource_url__endswith=partij).latest("pk")
        assert klant.nieuw["emailadres"] == Klant.objects.get(uuid=partij).emailadres


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
    response, _, before = ki_counted(lambda: ki.post_json(f"{KI_BASE}/partijen", body), 201, 6)
    # validated with the trusted asserter's evidence: the partij's and the klant's record
    ki_records(ki, before, response, partij=response.json()["uuid"], aantal=2)
    assert Klant.objects.get(uuid=response.json()["uuid"]).gevalideerd


def test_ki_create_digitaal_adres(ki):
    body = {
        "verstrektDoorPartij": {"uuid": ki.partij["uuid"]},
        "adres": "jan@example.nl",
        "soortDigitaalAdres": "email",
        "isStandaardAdres": True,
    }
    response, _, before = ki_counted(
        lambda: ki.post_json(f"{KI_BASE}/digitaleadressen", body), 201, 3
    )
    # the partij's record, the address's and, as its e-mail address changed (K8), the klant's
    ki_records(ki, before, response, partij=ki.partij["uuid"], aantal=3, klanten=True)


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
    response, _, before = ki_counted(
        lambda: ki.patch_json(
            f"{KI_BASE}/digitaleadressen/{adres['uuid']}", {"isStandaardAdres": True}
        ),
        200,
        5,
    )
    # the partij (its voorkeursDigitaalAdres), the address, the klant (its emailadres)
    ki_records(ki, before, response, partij=ki.partij["uuid"], aantal=3, klanten=True)


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
    response, _, before = ki_counted(
        lambda: ki.post_json(f"{KI_BASE}/partij-identificatoren", body), 201, 5
    )
    # a trusted asserter's KvK number validates the organisatie: the klant's record too
    ki_records(ki, before, response, partij=partij["uuid"], aantal=2)
    assert Klant.objects.get(uuid=partij["uuid"]).gevalideerd


def test_ki_put_partij_identificator(ki):
    """Not within a budget (no new write of issue 15's list): pinned."""
    identificator = ki.post_json(
        f"{KI_BASE}/partij-identificatoren",
        {
            "partijIdentificator": {
                "codeObjecttype": "niet_natuurlijk_persoon",
                "codeSoortObjectId": "kvk_nummer",
                "objectId": "69599084",
                "codeRegister": "hr",
            },
        },
    ).json()
    body = {
        "anderePartijIdentificator": "hoofdvestiging",
        "partijIdentificator": identificator["partijIdentificator"],
    }
    response, _, before = ki_counted(lambda: ki.put_json(identificator["url"], body), 200, 6)
    assert response.json()["anderePartijIdentificator"] == "hoofdvestiging"
    assert ki.get(identificator["url"]).json() == response.json()
    assert records() == (before[0] + 1, before[1] + 1)


def test_ki_put_digitaal_adres(ki):
    """A PUT that moves the standaard address: pinned (the PATCH is the budgeted write)."""
    adres = ki.post_json(
        f"{KI_BASE}/digitaleadressen",
        {
            "verstrektDoorPartij": {"uuid": ki.partij["uuid"]},
            "adres": "jan@example.nl",
            "soortDigitaalAdres": "email",
            "isStandaardAdres": True,
        },
    ).json()
    body = {
        "verstrektDoorPartij": {"uuid": ki.partij["uuid"]},
        "adres": "jan.jansen@example.nl",
        "soortDigitaalAdres": "email",
        "isStandaardAdres": True,
        "omschrijving": "thuis",
    }
    response, _, before = ki_counted(lambda: ki.put_json(adres["url"], body), 200, 6)
    # the klant's e-mail address changed (K8) and the address; the partij shows the same
    # references
    ki_records(ki, before, response, partij=ki.partij["uuid"], aantal=2, klanten=True)


def test_ki_delete_partij(ki):
    """Not within a budget: Django's collection of the cascade (as the Klanten API DELETE)."""
    _, statements, before = ki_counted(lambda: ki.delete(ki.partij["url"]), 204, 27)
    assert not Klant.objects.filter(uuid=ki.partij["uuid"]).exists()
    # one notification and one deletion record on each kanaal
    assert records()[1] == before[1] + 2
    acties = AuditTrail.objects.filter(resource_url__endswith=ki.partij["uuid"])
    assert sorted(acties.values_list("bron", "actie")) == [("kc", "destroy"), ("ki", "destroy")]


def ki_create(ki, collectie: str, body: dict, pinned: int, records_added: int = 1) -> dict:
    """A Klantinteracties create on the klantcontacten side: within the create budget (auth
    included), its records written, and the answer (built from data in hand, not read back)
    what the audit trail recorded and what a read answers."""
    response, statements, before = ki_counted(
        lambda: ki.post_json(f"{KI_BASE}/{collectie}", body), 201, pinned
    )
    assert len(statements) <= CREATE_BUDGET
    assert not any(s.startswith(("SAVEPOINT", "RELEASE SAVEPOINT")) for s in statements)
    assert records() == (before[0] + records_added, before[1] + records_added)
    data = response.json()
    assert response["Location"] == data["url"]
    trail = AuditTrail.objects.filter(bron="kic", resource_url=data["url"]).get()
    assert trail.nieuw == data
    assert ki.get(data["url"]).json() == data
    if collectie == "internetaken":  # and as its klantcontact's expand
        klantcontact = ki.get(
            data["aanleidinggevendKlantcontact"]["url"], {"expand": "leiddeTotInterneTaken"}
        ).json()
        assert data in klantcontact["_expand"]["leiddeTotInterneTaken"]
    return data


def test_ki_create_klantcontact(ki):
    """The klantcontact, and in one statement the audit records and outbox rows of both APIs."""
    ki_create(ki, "klantcontacten", KI_KLANTCONTACT, 3, records_added=2)


def test_ki_create_betrokkene(ki):
    """The partij locked with its partij rows (with the client's visibility in the same
    query), the klantcontact locked, the check for the same partij in the same role, the
    betrokkene, and in one statement the records of the klantcontactmoment, the partij (K10:
    its ``betrokkenen`` list changed; both representations built from the rows of the lock)
    and the betrokkene."""
    body = {
        "wasPartij": {"uuid": ki.partij["uuid"]},
        "hadKlantcontact": {"uuid": ki.klantcontact["uuid"]},
        "rol": "klant",
        "initiator": True,
        "contactnaam": {"voornaam": "Jan", "achternaam": "Jansen"},
    }
    data = ki_create(ki, "betrokkenen", body, 6, records_added=3)
    assert data["wasPartij"]["uuid"] == ki.partij["uuid"]
    # the partij recorded is what a read answers, its new betrokkene in its list
    partij = ki.get(ki.partij["url"]).json()
    laatste = AuditTrail.objects.filter(bron="ki", resource_url=partij["url"]).latest("pk")
    assert laatste.nieuw == partij
    assert laatste.nieuw["betrokkenen"] == [{"uuid": data["uuid"], "url": data["url"]}]
    # the klantcontact shows it
    klantcontact = ki.get(ki.klantcontact["url"]).json()
    assert klantcontact["hadBetrokkenen"] == [{"uuid": data["uuid"], "url": data["url"]}]


def test_ki_create_betrokkene_of_a_non_validated_partij(make_ki_client, nrc):
    """KISS: its partij is not validated, so the betrokkene changes the partij's retention
    date (R1): its interactions read with the duplicate check (after the partij's lock), the
    date stored in the statement of the records."""
    kiss = make_ki_client()
    partij = kiss.post_json(
        f"{KI_BASE}/partijen",
        {
            "soortPartij": "persoon",
            "indicatieActief": True,
            "partijIdentificatie": {"contactnaam": {"voornaam": "Anna", "achternaam": "Bos"}},
        },
    ).json()
    klantcontact = kiss.post_json(f"{KI_BASE}/klantcontacten", KI_KLANTCONTACT).json()
    body = {
        "wasPartij": {"uuid": partij["uuid"]},
        "hadKlantcontact": {"uuid": klantcontact["uuid"]},
        "rol": "klant",
        "initiator": True,
    }
    _, statements, before = ki_counted(
        lambda: kiss.post_json(f"{KI_BASE}/betrokkenen", body), 201, 6
    )
    assert len(statements) <= CREATE_BUDGET
    assert any('UPDATE "datamodel_klant" SET "vernietigingsdatum"' in s for s in statements)
    # the klantcontactmoment, the partij (its betrokkenen) and the betrokkene
    assert records() == (before[0] + 3, before[1] + 3)
    # the date as the rules derive it from the stored interactions
    klant = Klant.objects.get(uuid=partij["uuid"])
    assert klant.vernietigingsdatum is not None
    assert klant.vernietigingsdatum == services.vernietiging_van(klant).datum


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
    ki_create(ki, "onderwerpobjecten", body, 4)


def test_ki_create_internetaak(ki):
    """The klantcontact locked and read with its references in one statement (its
    representation before, K10: its ``leiddeTotInterneTaken`` changes), the actoren, the taak
    with the next free number (generated in the insert; its uniqueness decided by the insert:
    no savepoint), and in one statement its assignment, the audit records and outbox rows of
    the taak and of the klantcontact."""
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
    data = ki_create(ki, "internetaken", body, 5, records_added=2)
    assert data["toegewezenAanActoren"] == [{"uuid": actor["uuid"], "url": actor["url"]}]
    assert len(data["nummer"]) == 10
    # the klantcontact's record is what a read of it answers now
    trail = AuditTrail.objects.filter(bron="kic", resource="klantcontact").latest("pk")
    assert trail.actie == "partial_update"
    assert trail.nieuw == ki.get(ki.klantcontact["url"]).json()
    assert trail.oud["leiddeTotInterneTaken"] == []
    # a given number: the same statements, the number given
    tweede = ki_create(ki, "internetaken", {**body, "nummer": "T-1"}, 5, records_added=2)
    assert tweede["nummer"] == "T-1"
    trail = AuditTrail.objects.filter(bron="kic", resource="klantcontact").latest("pk")
    assert [t["uuid"] for t in trail.nieuw["leiddeTotInterneTaken"]] == [
        data["uuid"],
        tweede["uuid"],
    ]


def test_ki_create_actor(ki):
    """The actor and its audit record (an actor has no kanaal) in one statement."""
    body = {
        "naam": "Team Afval",
        "soortActor": "organisatorische_eenheid",
        "actoridentificator": {
            "objectId": "afval",
            "codeObjecttype": "oe",
            "codeRegister": "handmatig",
            "codeSoortObjectId": "idf",
        },
        "actorIdentificatie": {"omschrijving": "Team Afval"},
    }
    response, statements, before = ki_counted(
        lambda: ki.post_json(f"{KI_BASE}/actoren", body), 201, 2
    )
    data = response.json()
    assert records() == (before[0] + 1, before[1])
    assert AuditTrail.objects.filter(bron="kic", resource_url=data["url"]).get().nieuw == data
    assert ki.get(data["url"]).json() == data


def test_ki_create_actorklantcontact(ki, cm_api):
    """The klantcontact locked and read with its references (its links, its medewerker), the
    actor, and in one statement the link with the records of the contactmoment (its first
    medewerker now) and the actorklantcontact."""
    actor = ki.post_json(
        f"{KI_BASE}/actoren",
        {
            "naam": "Piet de Vries",
            "soortActor": "medewerker",
            "actoridentificator": {
                "objectId": "mdw-7",
                "codeObjecttype": "mdw",
                "codeRegister": "handmatig",
                "codeSoortObjectId": "idf",
            },
        },
    ).json()
    body = {"actor": {"uuid": actor["uuid"]}, "klantcontact": {"uuid": ki.klantcontact["uuid"]}}
    data = ki_create(ki, "actorklantcontacten", body, 4, records_added=2)
    assert data["actor"]["uuid"] == actor["uuid"]
    cm_url = (
        ki.klantcontact["url"]
        .replace(KI_BASE, CM_BASE)
        .replace("/klantcontacten/", "/contactmomenten/")
    )
    contactmoment = cm_api.get(cm_url).json()
    assert contactmoment["medewerkerIdentificatie"]["identificatie"] == "mdw-7"
    trail = AuditTrail.objects.filter(resource_url=cm_url).order_by("pk").last()
    assert trail.nieuw == contactmoment and trail.oud["medewerkerIdentificatie"] is None
    klantcontact = ki.get(ki.klantcontact["url"]).json()
    assert [a["uuid"] for a in klantcontact["hadBetrokkenActoren"]] == [actor["uuid"]]
    # the same actor again: refused, nothing recorded
    before = records()
    response = ki.post_json(f"{KI_BASE}/actorklantcontacten", body)
    assert response.status_code == 400, response.content
    assert records() == before


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
    response, statements, before = ki_counted(
        lambda: ki.post_json(f"{KI_BASE}/maak-klantcontact", body), 201, 7, aantal=3
    )
    # three resources: within the create budget each (auth included)
    assert len(statements) <= 3 * CREATE_BUDGET
    # one record each: contactmoment, klantcontact, betrokkene, onderwerpobject (anonymous:
    # no klantcontactmoment, no object URL: no objectcontactmoment)
    assert records() == (before[0] + 4, before[1] + 4)
    # the answer is what a read answers (built from data in hand)
    for naam, data in response.json().items():
        assert ki.get(data["url"]).json() == data, naam
