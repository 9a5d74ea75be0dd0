"""E3/V8: the klantbeeld: the validated klanten of one subject, found by its exact key.

A non-validated klant never appears, whatever it shares with the subject (name, e-mail, even
the BSN). Every request is recorded with a keyed pseudonym of the subject, never the key.
"""

import hashlib

import pytest
from django.db import connection
from django.utils import timezone
from vng_api_common.authorizations.models import Applicatie

from klanten.datamodel import rules, services
from klanten.datamodel.models import KlantbeeldVerzoek

from .conftest import ALL_SCOPES, BASE, BSN, BSN_2, RSIN, RSIN_2, ApiClient, klant_url

URL = f"{BASE}/klantbeeld"
RSIN_3 = "001000007"  # a valid RSIN no klant uses
UNKNOWN_BSN = "001000019"  # a valid BSN no klant uses
KVK = "69599084"
VESTIGINGSNUMMER = "000012345678"
MIDDEN = "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract"
EH3 = "urn:etoegang:core:assurance-class:loa3"
PROBLEM_KEYS = {"type", "code", "title", "status", "detail", "instance"}
PERSOON = {"achternaam": "Jansen", "voornaam": "Jan", "emailadres": "jan.jansen@example.nl"}


def valideer(klant, sleutel_type: str, identificatie: str):
    eherkenning = sleutel_type != "bsn"
    bewijs = rules.Bewijs(
        middel="eherkenning" if eherkenning else "digid",
        betrouwbaarheidsniveau=EH3 if eherkenning else MIDDEN,
        rang=3 if eherkenning else 2,
        uitgever="test",
        bron="applicatie",
        authenticatie_moment=timezone.now(),
        geauthenticeerde=rules.Identiteit(sleutel_type, identificatie),
        gegevens_bevestigd=True,
    )
    services.valideer_klant(klant, bewijs, services.Actor())
    klant.refresh_from_db()
    assert klant.gevalideerd
    return klant


def persoon(make_klant, bsn=BSN, bronorganisatie=RSIN, **data):
    return make_klant(
        bronorganisatie=bronorganisatie,
        subject_type="natuurlijk_persoon",
        subject_identificatie={"inp_bsn": bsn, "geslachtsnaam": "Jansen"},
        **{**PERSOON, **data},
    )


def organisatie(make_klant, bronorganisatie=RSIN, **identificatie):
    return make_klant(
        bronorganisatie=bronorganisatie,
        subject_type="niet_natuurlijk_persoon",
        subject_identificatie={"statutaire_naam": "Voorbeeld B.V.", **identificatie},
        bedrijfsnaam="Voorbeeld",
        emailadres="info@voorbeeld.nl",
    )


@pytest.fixture
def landscape(make_klant):
    """Validated and non-validated klanten that share a name, an e-mail address or a key."""
    k = {}
    k["persoon_rsin"] = valideer(persoon(make_klant), "bsn", BSN)
    services.add_interactie(
        k["persoon_rsin"],
        soort="contactmoment",
        url="https://contactmomenten.example.nl/api/v1/contactmomenten/1",
        rol="gesprekspartner",
    )
    services.add_interactie(
        k["persoon_rsin"],
        soort="zaak",
        url="https://zaken.example.nl/api/v1/zaken/1",
        rol="initiator",
        vernietigingsdatum=timezone.now().date().replace(year=2031),
    )
    k["persoon_rsin_2"] = valideer(persoon(make_klant, bronorganisatie=RSIN_2), "bsn", BSN)
    # non-validated: same BSN, same name and e-mail, in both organisations
    k["niet_gevalideerd_bsn"] = persoon(make_klant)
    services.add_interactie(
        k["niet_gevalideerd_bsn"],
        soort="verzoek",
        url="https://verzoeken.example.nl/api/v1/verzoeken/1",
        rol="initiator",
    )
    k["niet_gevalideerd_bsn_2"] = persoon(make_klant, bronorganisatie=RSIN_2)
    # non-validated: no BSN at all but the same name and e-mail
    k["niet_gevalideerd_naam"] = make_klant(
        subject="https://personen.example.nl/api/personen/1", **PERSOON
    )
    # validated, another person with the same name and e-mail
    k["ander"] = valideer(persoon(make_klant, bsn=BSN_2), "bsn", BSN_2)
    # organisations and a branch
    k["org_rsin"] = valideer(organisatie(make_klant, inn_nnp_id=RSIN_2), "rsin", RSIN_2)
    k["org_kvk"] = valideer(organisatie(make_klant), "kvk", KVK)
    k["org_kvk_2"] = valideer(organisatie(make_klant), "kvk", KVK)  # any number per KvK
    k["org_niet_gevalideerd"] = organisatie(make_klant, inn_nnp_id=RSIN_2)
    k["vestiging"] = valideer(
        make_klant(
            subject_type="vestiging",
            subject_identificatie={"vestigings_nummer": VESTIGINGSNUMMER},
            bedrijfsnaam="Voorbeeld Utrecht",
        ),
        "vestigingsnummer",
        VESTIGINGSNUMMER,
    )
    k["vestiging_niet_gevalideerd"] = make_klant(
        subject_type="vestiging",
        subject_identificatie={"vestigings_nummer": VESTIGINGSNUMMER},
        bedrijfsnaam="Voorbeeld Utrecht",
    )
    return k


@pytest.fixture
def loket(make_client):
    """An application with the klantbeeld scope (and nothing else)."""
    return make_client(scopes=("klanten.klantbeeld",), client_id="loket", user_id="medewerker-3")


@pytest.fixture
def reader(make_client):
    return make_client(all_rights=True, client_id="reader")


def klantbeeld(client, subject_type="natuurlijk_persoon", **identificatie):
    body = {"subjectType": subject_type, "identificatie": identificatie or {"inpBsn": BSN}}
    return client.post_json(URL, body)


def urls(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [klant["url"] for klant in response.json()["klanten"]]


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) == PROBLEM_KEYS | ({"invalidParams"} if status == 400 else set())
    assert body["code"] == code
    return body


# --- what is returned ---------------------------------------------------------------------------
def test_validated_klanten_of_the_person_only(loket, landscape):
    response = klantbeeld(loket, inpBsn=BSN)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"subjectType", "klanten"}
    assert response.json()["subjectType"] == "natuurlijk_persoon"
    assert urls(response) == [
        klant_url(landscape["persoon_rsin_2"]),
        klant_url(landscape["persoon_rsin"]),
    ]


def test_each_klant_as_in_the_api_with_its_interactions(loket, reader, landscape):
    klanten = klantbeeld(loket, inpBsn=BSN).json()["klanten"]
    for entry in klanten:
        path = entry["url"].removeprefix("http://testserver")
        detail = reader.get(path).json()
        interacties = reader.get(f"{path}/interacties").json()
        # the contactmomenten of this service it took part in: test_contactmomenten_klanten.py
        assert entry == {**detail, "interacties": interacties, "contactmomenten": []}
        assert entry["gevalideerd"] is True
    by_url = {entry["url"]: entry for entry in klanten}
    own = by_url[klant_url(landscape["persoon_rsin"])]["interacties"]
    assert [(i["soort"], i["rol"]) for i in own] == [
        ("contactmoment", "gesprekspartner"),
        ("zaak", "initiator"),
    ]
    assert own[1]["vernietigingsdatum"].startswith("2031-")
    assert by_url[klant_url(landscape["persoon_rsin_2"])]["interacties"] == []


def test_never_a_non_validated_klant(loket, landscape):
    """Not with the same BSN, not with the same name or e-mail address, not its interactions."""
    body = klantbeeld(loket, inpBsn=BSN).json()
    hidden = [
        landscape[name]
        for name in (
            "niet_gevalideerd_bsn",
            "niet_gevalideerd_bsn_2",
            "niet_gevalideerd_naam",
            "ander",
        )
    ]
    found = {klant["url"] for klant in body["klanten"]}
    for klant in hidden:
        assert klant_url(klant) not in found
    interaction_urls = {i["objectUrl"] for k in body["klanten"] for i in k["interacties"]}
    assert "https://verzoeken.example.nl/api/v1/verzoeken/1" not in interaction_urls


def test_a_person_with_only_non_validated_klanten_has_an_empty_klantbeeld(loket, make_klant):
    persoon(make_klant)
    persoon(make_klant, bronorganisatie=RSIN_2)
    response = klantbeeld(loket, inpBsn=BSN)
    assert response.status_code == 200
    assert response.json() == {"subjectType": "natuurlijk_persoon", "klanten": []}


def test_the_other_person(loket, landscape):
    assert urls(klantbeeld(loket, inpBsn=BSN_2)) == [klant_url(landscape["ander"])]


def test_unknown_person(loket, landscape):
    assert urls(klantbeeld(loket, inpBsn=UNKNOWN_BSN)) == []


def test_rsin(loket, landscape):
    response = klantbeeld(loket, "niet_natuurlijk_persoon", innNnpId=RSIN_2)
    assert response.json()["subjectType"] == "niet_natuurlijk_persoon"
    assert urls(response) == [klant_url(landscape["org_rsin"])]


def test_kvk_nummer(loket, landscape):
    response = klantbeeld(loket, "niet_natuurlijk_persoon", kvkNummer=KVK)
    assert urls(response) == [klant_url(landscape["org_kvk_2"]), klant_url(landscape["org_kvk"])]


def test_vestigingsnummer(loket, landscape):
    response = klantbeeld(loket, "vestiging", vestigingsNummer=VESTIGINGSNUMMER)
    assert response.json()["subjectType"] == "vestiging"
    assert urls(response) == [klant_url(landscape["vestiging"])]


def test_keys_of_one_kind_do_not_match_another(loket, landscape):
    """The RSIN of an organisation is not looked up as a KvK number and vice versa."""
    assert urls(klantbeeld(loket, "niet_natuurlijk_persoon", kvkNummer=RSIN_2[1:])) == []
    assert urls(klantbeeld(loket, "niet_natuurlijk_persoon", innNnpId=RSIN)) == []


def test_bronorganisatie_filter(loket, landscape):
    def filtered(bronorganisatie):
        return loket.post_json(
            URL,
            {
                "subjectType": "natuurlijk_persoon",
                "identificatie": {"inpBsn": BSN},
                "bronorganisatie": bronorganisatie,
            },
        )

    assert urls(filtered(RSIN)) == [klant_url(landscape["persoon_rsin"])]
    assert urls(filtered(RSIN_2)) == [klant_url(landscape["persoon_rsin_2"])]
    assert urls(filtered(RSIN_3)) == []


def test_one_klant_reads_as_in_a_klantbeeld_of_several(loket, landscape):
    """One klant is a query shape of its own (``klant_id = $1``): the same entry, with its
    interactions, as in the klantbeeld that holds it among others (``= ANY($1)``)."""
    allen = {k["url"]: k for k in klantbeeld(loket, inpBsn=BSN).json()["klanten"]}
    assert len(allen) == 2
    for bronorganisatie in (RSIN, RSIN_2):
        body = {
            "subjectType": "natuurlijk_persoon",
            "identificatie": {"inpBsn": BSN},
            "bronorganisatie": bronorganisatie,
        }
        [een] = loket.post_json(URL, body).json()["klanten"]
        assert een == allen[een["url"]]
    assert [i["soort"] for i in allen[klant_url(landscape["persoon_rsin"])]["interacties"]] == [
        "contactmoment",
        "zaak",
    ]


def test_the_reads_of_one_klant_are_planned_once(loket, landscape):
    """A prepared ``= ANY($1)`` is estimated at ten ids, so PostgreSQL planned it anew on every
    execution (its generic plan never won): one klant's interactions and contactmomenten are
    read by ``klant_id = $1``, whose generic plan is taken after the first executions; so is
    the klanten's own statement's."""
    body = {
        "subjectType": "natuurlijk_persoon",
        "identificatie": {"inpBsn": BSN},
        "bronorganisatie": RSIN,
    }
    # a contactmoment it took part in too (its Interactie of soort contactmoment is not one)
    from klanten.datamodel import contacten

    contacten.add_betrokkene(
        contacten.create_klantcontact({"bronorganisatie": RSIN, "kanaal": "telefoon"}),
        klant=landscape["persoon_rsin"],
        klantcontactmoment_rol="belanghebbende",
    )
    for _ in range(8):
        assert len(loket.post_json(URL, body).json()["klanten"]) == 1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement, generic_plans FROM pg_prepared_statements "
            "WHERE statement LIKE '%%datamodel_betrokkene%%' "
            # not the klanten's own statement (it asks whether they have betrokkenen)
            "AND statement NOT LIKE '%%datamodel_klantbeeldverzoek%%'"
        )
        plannen = cursor.fetchall()
    interacties = [n for sql, n in plannen if "datamodel_interactie" in sql]
    contactmomenten = [n for sql, n in plannen if "cm_medewerker" in sql]
    assert interacties and min(interacties) > 0
    assert contactmomenten and min(contactmomenten) > 0
    # and the klanten's own statement, which records the request too
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans FROM pg_prepared_statements "
            "WHERE statement LIKE '%%datamodel_klantbeeldverzoek%%'"
        )
        eigen = [row[0] for row in cursor.fetchall()]
    assert eigen and min(eigen) > 0


@pytest.mark.zichtbaarheid_applicatie
def test_not_even_the_registering_application_sees_its_non_validated_klant(make_client, db):
    app = make_client(scopes=(*ALL_SCOPES, "klanten.klantbeeld"), client_id="balie")
    created = app.post_json(
        f"{BASE}/klanten",
        {
            "bronorganisatie": RSIN,
            "subjectType": "natuurlijk_persoon",
            "subjectIdentificatie": {"inpBsn": BSN},
            **PERSOON,
        },
    )
    assert created.status_code == 201
    assert app.get(created.json()["url"]).status_code == 200  # visible to it (V7)...
    assert urls(klantbeeld(app, inpBsn=BSN)) == []  # ...but never in a klantbeeld


@pytest.mark.zichtbaarheid_applicatie
def test_validated_klanten_of_other_applications_are_included(make_client, make_klant):
    validated = valideer(persoon(make_klant), "bsn", BSN)
    app = make_client(scopes=("klanten.klantbeeld",))
    assert urls(klantbeeld(app, inpBsn=BSN)) == [klant_url(validated)]


# --- input --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body, name, code",
    [
        ({"subjectType": "natuurlijk_persoon", "identificatie": {"inpBsn": "12345"}}, None, None),
        (
            {"subjectType": "natuurlijk_persoon", "identificatie": {"inpBsn": "123456789"}},
            None,
            None,
        ),
        (
            {"subjectType": "natuurlijk_persoon", "identificatie": {"inpBsn": "abcdefghi"}},
            None,
            None,
        ),
        (
            {"subjectType": "natuurlijk_persoon", "identificatie": {"innNnpId": RSIN}},
            "identificatie",
            "invalid-key",
        ),
        (
            {
                "subjectType": "natuurlijk_persoon",
                "identificatie": {"inpBsn": BSN, "innNnpId": RSIN},
            },
            "identificatie",
            "invalid-key",
        ),
        (
            {
                "subjectType": "niet_natuurlijk_persoon",
                "identificatie": {"innNnpId": RSIN, "kvkNummer": KVK},
            },
            "identificatie",
            "invalid-key",
        ),
        (
            {"subjectType": "niet_natuurlijk_persoon", "identificatie": {"inpBsn": BSN}},
            "identificatie",
            "invalid-key",
        ),
        (
            {"subjectType": "vestiging", "identificatie": {"kvkNummer": KVK}},
            "identificatie",
            "invalid-key",
        ),
        (
            {"subjectType": "natuurlijk_persoon", "identificatie": {}},
            "identificatie",
            "invalid-key",
        ),
        (
            {"subjectType": "natuurlijk_persoon", "identificatie": {"bsn": BSN}},
            "identificatie",
            "invalid-key",
        ),
        ({"subjectType": "natuurlijk_persoon"}, "identificatie", "required"),
        ({"identificatie": {"inpBsn": BSN}}, "subjectType", "required"),
        (
            {"subjectType": "persoon", "identificatie": {"inpBsn": BSN}},
            "subjectType",
            "invalid_choice",
        ),
        (
            {"subjectType": "niet_natuurlijk_persoon", "identificatie": {"kvkNummer": "1234"}},
            "identificatie.kvkNummer",
            "invalid",
        ),
        (
            {"subjectType": "vestiging", "identificatie": {"vestigingsNummer": "123"}},
            "identificatie.vestigingsNummer",
            "invalid",
        ),
        (
            {
                "subjectType": "natuurlijk_persoon",
                "identificatie": {"inpBsn": BSN},
                "bronorganisatie": "123",
            },
            "bronorganisatie",
            None,
        ),
    ],
    ids=[
        "bsn-short",
        "bsn-11-proef",
        "bsn-letters",
        "rsin-for-person",
        "two-keys",
        "two-organisation-keys",
        "bsn-for-organisation",
        "kvk-for-branch",
        "no-key",
        "unknown-key",
        "no-identificatie",
        "no-subject-type",
        "unknown-subject-type",
        "kvk-short",
        "vestigingsnummer-short",
        "bad-bronorganisatie",
    ],
)
def test_invalid_request(loket, landscape, body, name, code):
    response = loket.post_json(URL, body)
    problem = assert_problem(response, 400, "invalid")
    params = problem["invalidParams"]
    assert len(params) == 1, params
    assert params[0]["name"] == (name or params[0]["name"])
    if name is None:
        assert params[0]["name"] == "identificatie.inpBsn"
    if code is not None:
        assert params[0]["code"] == code
    # P1: the key itself is never echoed in an error
    assert BSN.encode() not in response.content
    assert not KlantbeeldVerzoek.objects.exists()


@pytest.mark.parametrize("body", [[], "x", None, 12])
def test_body_that_is_not_an_object(loket, body):
    response = loket.post_json(URL, body)
    if body == "x":  # a bare string is not JSON at all (the test client sends it as it is)
        assert response.status_code == 400
        assert response.json()["code"] == "parse_error"
    else:
        assert_problem(response, 400, "invalid")
    assert not KlantbeeldVerzoek.objects.exists()


def test_the_key_is_never_read_from_the_url(loket, landscape):
    response = loket.post_json(f"{URL}?inpBsn={BSN}&subjectType=natuurlijk_persoon", {})
    assert_problem(response, 400, "invalid")
    assert not KlantbeeldVerzoek.objects.exists()


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_only_post(loket, method):
    response = getattr(loket, method)(URL)
    assert_problem(response, 405, "method_not_allowed")
    assert response["Allow"] == "POST, OPTIONS"
    assert not KlantbeeldVerzoek.objects.exists()


@pytest.mark.parametrize("scopes", [(), ("klanten.lezen",)])
def test_get_is_405_also_without_the_scope(make_client, scopes):
    response = make_client(scopes=scopes).get(URL)
    assert_problem(response, 405, "method_not_allowed")


# --- scope --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "scopes",
    [ALL_SCOPES, (*ALL_SCOPES, "klanten.beheer", "klanten.valideren"), ()],
    ids=["standard", "beheer", "none"],
)
def test_without_the_klantbeeld_scope(make_client, landscape, scopes):
    client = make_client(scopes=scopes)
    assert_problem(klantbeeld(client, inpBsn=BSN), 403, "permission_denied")
    assert not KlantbeeldVerzoek.objects.exists()


def test_without_token(db, landscape):
    assert klantbeeld(ApiClient(), inpBsn=BSN).status_code == 403
    assert not KlantbeeldVerzoek.objects.exists()


def test_all_rights(make_client, landscape):
    assert len(urls(klantbeeld(make_client(all_rights=True), inpBsn=BSN))) == 2


# --- the record of requests ---------------------------------------------------------------------
def _row_text(verzoek) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT t::text FROM {KlantbeeldVerzoek._meta.db_table} t WHERE id = %s",
            [verzoek.pk],
        )
        return cursor.fetchone()[0]


def test_every_request_is_recorded_with_a_pseudonym(loket, landscape):
    before = timezone.now()
    klantbeeld(loket, inpBsn=BSN)

    verzoek = KlantbeeldVerzoek.objects.get()
    applicatie = Applicatie.objects.get(client_ids__contains=["loket"])
    assert verzoek.applicatie_id == str(applicatie.uuid)
    assert verzoek.applicatie_weergave == applicatie.label
    assert verzoek.gebruiker_id == "medewerker-3"
    assert verzoek.subject_type == "natuurlijk_persoon"
    assert verzoek.aantal_klanten == 2
    assert before <= verzoek.aangemaakt_op <= timezone.now()

    # the BSN appears nowhere in the row, not even hashed without a key
    assert verzoek.subject_pseudoniem
    assert BSN not in _row_text(verzoek)
    for field in KlantbeeldVerzoek._meta.concrete_fields:
        assert BSN not in str(getattr(verzoek, field.attname))
    for plain in (BSN, f"bsn:{BSN}"):
        assert verzoek.subject_pseudoniem != hashlib.sha256(plain.encode()).hexdigest()


def test_the_pseudonym_is_stable_per_subject(loket, make_client, landscape):
    klantbeeld(loket, inpBsn=BSN)
    klantbeeld(make_client(scopes=("klanten.klantbeeld",)), inpBsn=BSN)
    klantbeeld(loket, inpBsn=BSN_2)
    first, second, other = KlantbeeldVerzoek.objects.order_by("id")
    assert first.subject_pseudoniem == second.subject_pseudoniem
    assert other.subject_pseudoniem != first.subject_pseudoniem
    assert first.applicatie_id != second.applicatie_id


def test_requests_without_results_are_recorded(loket, db):
    klantbeeld(loket, inpBsn=BSN)
    klantbeeld(loket, "niet_natuurlijk_persoon", kvkNummer=KVK)
    klantbeeld(loket, "vestiging", vestigingsNummer=VESTIGINGSNUMMER)
    rows = list(KlantbeeldVerzoek.objects.order_by("id"))
    assert [(r.subject_type, r.aantal_klanten) for r in rows] == [
        ("natuurlijk_persoon", 0),
        ("niet_natuurlijk_persoon", 0),
        ("vestiging", 0),
    ]
    assert len({r.subject_pseudoniem for r in rows}) == 3
    for row, key in zip(rows, (BSN, KVK, VESTIGINGSNUMMER), strict=True):
        assert key not in _row_text(row)
