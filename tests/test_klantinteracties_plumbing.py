"""Klantinteracties plumbing (K1, K2): the API root, Token and JWT authentication bound to our
API clients, scopes per operation, pagination, problem JSON, unknown parameters, the schema."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from vng_api_common.authorizations.models import Autorisatie

from klanten.api.auth import TokenAuth
from klanten.config import tokens
from klanten.config.clients import KLANTINTERACTIES_COMPONENT
from klanten.config.models import APIToken, ValidatieRecht
from klanten.datamodel import evidence

from .ki_fixtures import KI_BASE, assert_problem, invalid_params

pytestmark = pytest.mark.zichtbaarheid_applicatie


def test_api_root_answers_200(client, db):
    response = client.get(f"{KI_BASE}/")
    assert response.status_code == 200
    assert response.json()["partijen"] == f"http://testserver{KI_BASE}/partijen"


def test_token_authenticates_the_client(ki_api):
    assert ki_api.get(f"{KI_BASE}/partijen").status_code == 200


def test_jwt_authenticates_the_same_client(make_ki_client):
    assert make_ki_client(jwt=True).get(f"{KI_BASE}/partijen").status_code == 200


def test_no_or_unknown_token_is_403(client, db):
    assert_problem(client.get(f"{KI_BASE}/partijen"), 403)
    response = client.get(f"{KI_BASE}/partijen", HTTP_AUTHORIZATION="Token not-a-key")
    assert_problem(response, 403, "ongeldige-token")


def test_token_is_not_accepted_by_the_klanten_api(ki_api):
    response = ki_api.get("/klanten/api/v1/klanten")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"


def test_tokens_are_stored_hashed_rotatable_and_can_be_deactivated(make_ki_client, client):
    ki = make_ki_client()
    token, sleutel = tokens.maak_token(ki.applicatie)
    assert sleutel not in APIToken.objects.get(pk=token.pk).sleutel_hash
    assert tokens.applicatie_voor_sleutel(sleutel) == ki.applicatie
    nieuw = tokens.roteer(token)
    assert tokens.applicatie_voor_sleutel(sleutel) is None
    assert tokens.applicatie_voor_sleutel(nieuw) == ki.applicatie
    # several keys per client
    _other, tweede = tokens.maak_token(ki.applicatie)
    assert tokens.applicatie_voor_sleutel(tweede) == ki.applicatie
    token.actief = False
    token.save()
    response = client.get(f"{KI_BASE}/partijen", HTTP_AUTHORIZATION=f"Token {nieuw}")
    assert_problem(response, 403, "ongeldige-token")


def test_a_token_costs_one_statement_with_its_rights(make_ki_client):
    """The key, the client's autorisaties and its validation rights: one statement."""
    ki = make_ki_client(vertrouwd=True, maximale_rang=3)
    _token, sleutel = tokens.maak_token(ki.applicatie)
    auth = TokenAuth(sleutel, KLANTINTERACTIES_COMPONENT)
    with CaptureQueriesContext(connection) as queries:
        assert auth.scopes(KLANTINTERACTIES_COMPONENT) == {
            "klantinteracties.lezen",
            "klantinteracties.aanmaken",
            "klantinteracties.bijwerken",
            "klantinteracties.verwijderen",
        }
        recht = evidence.validatierecht(auth.applicaties[0])
        assert (recht.maximale_rang, recht.vertrouwde_bron_klantinteracties) == (3, True)
        assert auth.applicaties[0].pk == ki.applicatie.pk
    assert len(queries.captured_queries) == 1, queries.captured_queries
    # a client without validation rights: none, read with the key as well
    zonder = make_ki_client()
    _token, sleutel = tokens.maak_token(zonder.applicatie)
    auth = TokenAuth(sleutel, KLANTINTERACTIES_COMPONENT)
    with CaptureQueriesContext(connection) as queries:
        assert evidence.validatierecht(auth.applicaties[0]) is None
    assert len(queries.captured_queries) == 1, queries.captured_queries


def _orm_applicatie(sleutel: str):
    """The key's client as the ORM's own queryset gives it (the query built anew)."""
    applicatie = tokens._applicatie_query({"sleutel_hash": tokens.sleutel_hash(sleutel)}).first()
    if applicatie is not None:
        tokens._zet_autorisaties(applicatie, applicatie.__dict__.pop("token_autorisaties"))
    return applicatie


def _velden(applicatie) -> dict:
    """What the request's checks read of a client: its columns, its autorisaties' columns, its
    validation rights (or none)."""
    recht = getattr(applicatie, "validatierecht", None)
    return {
        "applicatie": {f.attname: getattr(applicatie, f.attname) for f in applicatie._meta.fields},
        "autorisaties": [
            {f.attname: getattr(a, f.attname) for f in a._meta.fields}
            for a in applicatie.autorisaties.all()
        ],
        "validatierecht": recht
        and {f.attname: getattr(recht, f.attname) for f in recht._meta.fields},
        "state": (applicatie._state.adding, applicatie._state.db),
    }


def test_the_key_query_is_compiled_once_and_gives_the_orms_client(make_ki_client):
    """The key's statement is compiled once per process (the ORM built it on every request) and
    gives the client as the ORM's queryset does: its columns, autorisaties and validation
    rights, with and without them; an unknown or inactive key gives none."""
    from klanten import sqlvorm

    vertrouwd = make_ki_client(vertrouwd=True, maximale_rang=3)
    gewoon = make_ki_client(scopes=("klantinteracties.lezen",))
    sleutels = [tokens.maak_token(ki.applicatie)[1] for ki in (vertrouwd, gewoon)]
    sqlvorm._instantie_cache.clear()
    for sleutel in sleutels:
        applicatie = tokens.applicatie_voor_sleutel(sleutel)
        assert _velden(applicatie) == _velden(_orm_applicatie(sleutel))
    assert (
        _velden(tokens.applicatie_voor_sleutel(sleutels[0]))["validatierecht"]["maximale_rang"] == 3
    )
    assert _velden(tokens.applicatie_voor_sleutel(sleutels[1]))["validatierecht"] is None
    assert [shape[0] for shape in sqlvorm._instantie_cache] == ["applicatie-voor-sleutel"]
    # compiled once: a second lookup builds no query (Django's query compiler is not called)
    from django.db.models.sql.compiler import SQLCompiler

    aangeroepen = []
    origineel = SQLCompiler.as_sql
    SQLCompiler.as_sql = lambda self, *a, **k: aangeroepen.append(1) or origineel(self, *a, **k)
    try:
        assert tokens.applicatie_voor_sleutel(sleutels[1]).pk == gewoon.applicatie.pk
    finally:
        SQLCompiler.as_sql = origineel
    assert aangeroepen == []
    assert tokens.applicatie_voor_sleutel("onbekend") is None
    APIToken.objects.filter(applicatie=gewoon.applicatie).update(actief=False)
    assert tokens.applicatie_voor_sleutel(sleutels[1]) is None
    assert _orm_applicatie(sleutels[1]) is None


def test_a_deactivated_key_stops_at_the_next_request(make_ki_client):
    """Deactivated by another process (a queryset update: no signal reaches this one)."""
    ki = make_ki_client()
    assert ki.get(f"{KI_BASE}/actoren").status_code == 200
    assert APIToken.objects.filter(applicatie=ki.applicatie).update(actief=False) == 1
    assert_problem(ki.get(f"{KI_BASE}/actoren"), 403, "ongeldige-token")


def test_a_changed_autorisatie_counts_at_the_next_request(make_ki_client):
    """Scopes taken away and given back by another process (no signal reaches this one)."""
    ki = make_ki_client(scopes=("klantinteracties.lezen",))
    autorisaties = Autorisatie.objects.filter(
        applicatie=ki.applicatie, component=KLANTINTERACTIES_COMPONENT
    )
    assert ki.get(f"{KI_BASE}/actoren").status_code == 200
    actor = {"naam": "Team", "soortActor": "organisatorische_eenheid"}
    assert_problem(ki.post_json(f"{KI_BASE}/actoren", actor), 403, "permission_denied")
    autorisaties.update(scopes=["klantinteracties.lezen", "klantinteracties.aanmaken"])
    assert ki.post_json(f"{KI_BASE}/actoren", actor).status_code == 201
    autorisaties.update(scopes=[])
    assert_problem(ki.get(f"{KI_BASE}/actoren"), 403, "permission_denied")


def test_changed_validation_rights_count_at_the_next_request(make_ki_client):
    ki = make_ki_client(vertrouwd=True)
    _token, sleutel = tokens.maak_token(ki.applicatie)
    eerst = TokenAuth(sleutel, KLANTINTERACTIES_COMPONENT).applicaties[0]
    assert evidence.validatierecht(eerst).vertrouwde_bron_klantinteracties
    ValidatieRecht.objects.filter(applicatie=ki.applicatie).update(
        vertrouwde_bron_klantinteracties=False
    )
    daarna = TokenAuth(sleutel, KLANTINTERACTIES_COMPONENT).applicaties[0]
    assert not evidence.validatierecht(daarna).vertrouwde_bron_klantinteracties
    ValidatieRecht.objects.filter(applicatie=ki.applicatie).delete()
    assert evidence.validatierecht(TokenAuth(sleutel, "ki").applicaties[0]) is None


def test_scopes_per_operation(make_ki_client):
    lezer = make_ki_client(scopes=("klantinteracties.lezen",))
    assert lezer.get(f"{KI_BASE}/partijen").status_code == 200
    response = lezer.post_json(
        f"{KI_BASE}/partijen", {"soortPartij": "persoon", "indicatieActief": True}
    )
    assert_problem(response, 403, "permission_denied")
    zonder = make_ki_client(scopes=())
    assert_problem(zonder.get(f"{KI_BASE}/partijen"), 403)


def test_unknown_query_parameter_is_400(ki_api):
    response = ki_api.get(f"{KI_BASE}/partijen", {"wrong_expand": "x"})
    assert invalid_params(response) == [("nonFieldErrors", "unknown-parameters")]


def test_unknown_expand_is_400(ki_api):
    response = ki_api.get(f"{KI_BASE}/partijen", {"expand": "nergens"})
    assert invalid_params(response) == [("expand", "invalid_choice")]


@pytest.mark.parametrize("waarde", ["", ",", "digitaleAdressen,", "digitaleAdressen,,betrokkenen"])
def test_an_empty_expand_path_is_400(ki_api, waarde):
    """An empty item is none of the schema's expand values (found by schemathesis)."""
    response = ki_api.get(f"{KI_BASE}/partijen", {"expand": waarde})
    assert invalid_params(response) == [("expand", "invalid_choice")]


def test_a_comma_list_and_a_repeated_expand_are_one_tree(ki_api):
    response = ki_api.get(f"{KI_BASE}/partijen?expand=digitaleAdressen&expand=betrokkenen")
    assert response.status_code == 200, response.content


def test_unknown_path_is_404_problem(ki_api):
    for pad in ("rekeningnummers", "vertegenwoordigingen", "categorieen", "bijlagen"):
        assert_problem(ki_api.get(f"{KI_BASE}/{pad}"), 404)


def test_malformed_uuid_is_404(ki_api):
    assert_problem(ki_api.get(f"{KI_BASE}/partijen/not-a-uuid"), 404)


def test_schema_is_served(client, db):
    response = client.get(f"{KI_BASE}/schema/openapi.yaml")
    assert response.status_code == 200
    assert b"/partijen" in response.content


def test_problem_json_as_application_json_unless_asked(ki_api):
    assert_problem(ki_api.get(f"{KI_BASE}/partijen", {"x": "1"}), 400)
    response = ki_api.get(
        f"{KI_BASE}/partijen", {"x": "1"}, HTTP_ACCEPT="application/json, application/problem+json"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_page_size_up_to_500_and_absolute_next(ki_vertrouwd):
    from django.db.models import CharField
    from django.db.models.functions import Cast

    from klanten.datamodel.models import Klant

    for _ in range(3):
        response = ki_vertrouwd.post_json(
            f"{KI_BASE}/partijen",
            {"soortPartij": "persoon", "indicatieActief": True, "partijIdentificatie": None},
        )
        assert response.status_code == 201
    # made visible to searches (validated) directly in the store
    Klant.objects.update(
        gevalideerd=True,
        gevalideerde_sleutel_type="rsin",
        gevalideerde_sleutel=Cast("id", CharField()),
    )
    body = ki_vertrouwd.get(f"{KI_BASE}/partijen", {"pageSize": 2}).json()
    assert body["count"] == 3 and len(body["results"]) == 2
    assert body["next"] == f"http://testserver{KI_BASE}/partijen?page=2&pageSize=2"
    assert len(ki_vertrouwd.get(body["next"]).json()["results"]) == 1
    body = ki_vertrouwd.get(f"{KI_BASE}/partijen", {"pageSize": 1000}).json()
    assert body["next"] is None and len(body["results"]) == 3
    assert_problem(ki_vertrouwd.get(f"{KI_BASE}/partijen", {"page": 9}), 404)
