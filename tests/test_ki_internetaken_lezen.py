# ruff: noqa: F811  (the fixtures imported from ki_helpers)
"""``GET /internetaken`` and ``GET /actorklantcontacten`` (list and detail, Open Klant 0.9.0):
the representation the POST answered, every filter of the contract, pagination, who sees
them (as their klantcontact: every client with the read scope, nothing of its betrokkenen),
404 for an unknown uuid, 400 with ``invalidParams`` for a bad filter value, and a constant
number of statements per read whatever the number of rows."""

from datetime import datetime, timedelta, timezone

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klanten.datamodel.klantcontacten import ActorKlantcontact, InterneTaak

from .ki_fixtures import assert_problem, invalid_params, ki_post
from .ki_helpers import KI, kiss, open_forms, partij_voor  # noqa: F401

pytestmark = pytest.mark.django_db

KLANTCONTACT = {
    "kanaal": "telefoon",
    "onderwerp": "Afval",
    "inhoud": "Vraag over de container",
    "taal": "nld",
    "vertrouwelijk": False,
}
ONBEKEND = "6d1c0a36-7f4b-4e57-9d0c-6a6c1b1d7a11"


def ref(obj: dict) -> dict:
    return {"uuid": obj["uuid"]}


def actor(client, naam: str) -> dict:
    return ki_post(client, "actoren", {"naam": naam, "soortActor": "organisatorische_eenheid"})


def taak(client, klantcontact: dict, actoren=(), **velden) -> dict:
    body = {
        "nummer": "",
        "gevraagdeHandeling": "Terugbellen",
        "aanleidinggevendKlantcontact": ref(klantcontact),
        "toegewezenAanActoren": [ref(a) for a in actoren],
        "toelichting": "Bel na vijven",
        "status": "te_verwerken",
        **velden,
    }
    return ki_post(client, "internetaken", body)


def koppel(client, actor_: dict, klantcontact: dict) -> dict:
    return ki_post(
        client, "actorklantcontacten", {"actor": ref(actor_), "klantcontact": ref(klantcontact)}
    )


def uuids(client, pad: str, **params) -> list[str]:
    response = client.get(f"{KI}/{pad}", params)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["count"] == len(data["results"])
    return sorted(obj["uuid"] for obj in data["results"])


# --- the representation --------------------------------------------------------------------


def test_a_read_answers_what_the_post_answered(kiss):
    klantcontact = ki_post(kiss, "klantcontacten", KLANTCONTACT)
    eerste, tweede = actor(kiss, "Team A"), actor(kiss, "Team B")
    gemaakt = taak(kiss, klantcontact, [eerste, tweede], referentienummer="R-1")
    link = koppel(kiss, eerste, klantcontact)
    for data in (gemaakt, link):
        response = kiss.get(data["url"])
        assert response.status_code == 200, response.content
        assert response.json() == data
        assert response["ETag"]
        assert kiss.get(data["url"], HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    assert kiss.get(f"{KI}/internetaken").json()["results"] == [gemaakt]
    assert kiss.get(f"{KI}/actorklantcontacten").json()["results"] == [link]
    # and what the klantcontact's expand shows
    expanded = kiss.get(klantcontact["url"], {"expand": "leiddeTotInterneTaken"}).json()
    assert expanded["_expand"]["leiddeTotInterneTaken"] == [gemaakt]


def test_the_lists_are_in_creation_order(kiss):
    klantcontact = ki_post(kiss, "klantcontacten", KLANTCONTACT)
    taken = [taak(kiss, klantcontact)["uuid"] for _ in range(3)]
    data = kiss.get(f"{KI}/internetaken").json()
    assert [t["uuid"] for t in data["results"]] == taken


# --- filters ---------------------------------------------------------------------------------


def test_internetaken_filters_find_what_they_name(kiss):
    met_nummers = ki_post(
        kiss, "klantcontacten", {**KLANTCONTACT, "nummer": "KC-1", "referentienummer": "KR-1"}
    )
    ander = ki_post(kiss, "klantcontacten", KLANTCONTACT)
    team_a, team_b = actor(kiss, "Team A"), actor(kiss, "Team B")
    eerste = taak(kiss, met_nummers, [team_a], referentienummer="R-1")
    tweede = taak(kiss, ander, [team_a, team_b], nummer="T-2", status="verwerkt")
    derde = taak(kiss, ander)  # assigned to no one
    alle = sorted(t["uuid"] for t in (eerste, tweede, derde))

    assert uuids(kiss, "internetaken") == alle
    assert uuids(kiss, "internetaken", nummer="T-2") == [tweede["uuid"]]
    assert uuids(kiss, "internetaken", nummer=eerste["nummer"]) == [eerste["uuid"]]
    assert uuids(kiss, "internetaken", referentienummer="R-1") == [eerste["uuid"]]
    assert uuids(kiss, "internetaken", status="verwerkt") == [tweede["uuid"]]
    assert uuids(kiss, "internetaken", status="te_verwerken") == sorted(
        [eerste["uuid"], derde["uuid"]]
    )
    assert uuids(kiss, "internetaken", toegewezenOp=eerste["toegewezenOp"]) == [eerste["uuid"]]
    # a taak assigned to two matching actors is listed once
    assert uuids(kiss, "internetaken", actoren__naam="Team A") == sorted(
        [eerste["uuid"], tweede["uuid"]]
    )
    assert uuids(kiss, "internetaken", actoren__naam="Team B") == [tweede["uuid"]]
    assert uuids(kiss, "internetaken", toegewezenAanActor__uuid=team_b["uuid"]) == [tweede["uuid"]]
    assert uuids(kiss, "internetaken", toegewezenAanActor__url=team_b["url"]) == [tweede["uuid"]]
    for naam in ("aanleidinggevendKlantcontact__uuid", "klantcontact__uuid"):
        assert uuids(kiss, "internetaken", **{naam: ander["uuid"]}) == sorted(
            [tweede["uuid"], derde["uuid"]]
        )
    assert uuids(kiss, "internetaken", aanleidinggevendKlantcontact__url=met_nummers["url"]) == [
        eerste["uuid"]
    ]
    assert uuids(kiss, "internetaken", klantcontact__nummer="KC-1") == [eerste["uuid"]]
    assert uuids(kiss, "internetaken", klantcontact__referentienummer="KR-1") == [eerste["uuid"]]
    # filters combine
    assert uuids(kiss, "internetaken", actoren__naam="Team A", status="te_verwerken") == [
        eerste["uuid"]
    ]
    # a URL of another collection, or a uuid of nothing, names nothing
    assert uuids(kiss, "internetaken", toegewezenAanActor__url=ander["url"]) == []
    assert uuids(kiss, "internetaken", aanleidinggevendKlantcontact__url=team_a["url"]) == []
    assert uuids(kiss, "internetaken", klantcontact__uuid=ONBEKEND) == []
    assert uuids(kiss, "internetaken", actoren__naam="Team") == []  # exact, as Open Klant
    # an empty value is no filter
    assert uuids(kiss, "internetaken", nummer="") == alle


def test_actorklantcontacten_filters_find_what_they_name(kiss):
    eerste_kc = ki_post(kiss, "klantcontacten", KLANTCONTACT)
    tweede_kc = ki_post(kiss, "klantcontacten", KLANTCONTACT)
    team_a, team_b = actor(kiss, "Team A"), actor(kiss, "Team B")
    a1 = koppel(kiss, team_a, eerste_kc)
    b1 = koppel(kiss, team_b, eerste_kc)
    a2 = koppel(kiss, team_a, tweede_kc)
    pad = "actorklantcontacten"
    assert uuids(kiss, pad) == sorted([a1["uuid"], b1["uuid"], a2["uuid"]])
    assert uuids(kiss, pad, actor__uuid=team_a["uuid"]) == sorted([a1["uuid"], a2["uuid"]])
    assert uuids(kiss, pad, actor__url=team_b["url"]) == [b1["uuid"]]
    assert uuids(kiss, pad, klantcontact__uuid=tweede_kc["uuid"]) == [a2["uuid"]]
    assert uuids(kiss, pad, klantcontact__url=eerste_kc["url"]) == sorted([a1["uuid"], b1["uuid"]])
    assert uuids(kiss, pad, actor__uuid=team_a["uuid"], klantcontact__url=eerste_kc["url"]) == [
        a1["uuid"]
    ]
    assert uuids(kiss, pad, actor__url=eerste_kc["url"]) == []  # a klantcontact is no actor
    assert uuids(kiss, pad, klantcontact__uuid=ONBEKEND) == []


# --- pagination --------------------------------------------------------------------------------


def test_pagination_as_the_other_lists(kiss):
    klantcontact = ki_post(kiss, "klantcontacten", KLANTCONTACT)
    team = actor(kiss, "Team")
    for _ in range(3):
        taak(kiss, klantcontact, [team])
        koppel(kiss, actor(kiss, "Medewerker"), klantcontact)
    for pad in ("internetaken", "actorklantcontacten"):
        eerste = kiss.get(f"{KI}/{pad}", {"pageSize": 2}).json()
        assert (eerste["count"], len(eerste["results"]), eerste["previous"]) == (3, 2, None)
        assert eerste["next"] == f"http://testserver{KI}/{pad}?page=2&pageSize=2"
        tweede = kiss.get(eerste["next"]).json()
        assert (tweede["count"], len(tweede["results"]), tweede["next"]) == (3, 1, None)
        assert tweede["previous"].startswith(f"http://testserver{KI}/{pad}?")
        gezien = {o["uuid"] for o in eerste["results"] + tweede["results"]}
        assert len(gezien) == 3
        assert_problem(kiss.get(f"{KI}/{pad}", {"page": 3, "pageSize": 2}), 404)


# --- who sees them ---------------------------------------------------------------------------


@pytest.mark.zichtbaarheid_applicatie
def test_seen_as_their_klantcontact_and_nothing_of_its_betrokkenen(open_forms, kiss):
    """A klantcontact is visible to every client with the read scope (as a contactmoment), so
    are its interne taken and actorklantcontacten, also when a non-validated klant of another
    client's contact (K6) took part in it: what they show is the klantcontact's reference,
    never its betrokkene."""
    gemaakt = ki_post(
        open_forms,
        "maak-klantcontact",
        {
            "klantcontact": {**KLANTCONTACT, "kanaal": "Webformulier"},
            "betrokkene": {
                "rol": "klant",
                "initiator": True,
                "contactnaam": {"voornaam": "Anna", "achternaam": "Anoniem"},
            },
        },
    )
    klantcontact = gemaakt["klantcontact"]
    team = actor(open_forms, "Team")
    eigen_taak = taak(open_forms, klantcontact, [team])
    eigen_link = koppel(open_forms, team, klantcontact)
    # another client, and the betrokkene hidden from it
    assert_problem(kiss.get(gemaakt["betrokkene"]["url"]), 404)
    assert kiss.get(eigen_taak["url"]).json() == eigen_taak
    assert kiss.get(eigen_link["url"]).json() == eigen_link
    assert uuids(kiss, "internetaken") == [eigen_taak["uuid"]]
    assert uuids(kiss, "actorklantcontacten") == [eigen_link["uuid"]]
    for data in (eigen_taak, eigen_link):
        assert "Anoniem" not in str(data) and gemaakt["betrokkene"]["uuid"] not in str(data)


def test_reading_needs_the_read_scope(kiss, make_ki_client):
    klantcontact = ki_post(kiss, "klantcontacten", KLANTCONTACT)
    team = actor(kiss, "Team")
    gemaakt = {"internetaken": taak(kiss, klantcontact), "actorklantcontacten": None}
    gemaakt["actorklantcontacten"] = koppel(kiss, team, klantcontact)
    lezer = make_ki_client(scopes=("klantinteracties.lezen",))
    schrijver = make_ki_client(scopes=("klantinteracties.aanmaken",))
    for pad, data in gemaakt.items():
        assert lezer.get(f"{KI}/{pad}").json()["count"] == 1
        assert lezer.get(data["url"]).status_code == 200
        assert_problem(schrijver.get(f"{KI}/{pad}"), 403, "permission_denied")
        assert_problem(schrijver.get(data["url"]), 403, "permission_denied")
    assert_problem(lezer.post_json(f"{KI}/actorklantcontacten", {}), 403)


# --- 404 and 400 -------------------------------------------------------------------------------


@pytest.mark.parametrize("pad", ["internetaken", "actorklantcontacten"])
def test_an_unknown_or_malformed_uuid_is_404(kiss, pad):
    assert_problem(kiss.get(f"{KI}/{pad}/{ONBEKEND}"), 404)
    assert_problem(kiss.get(f"{KI}/{pad}/geen-uuid"), 404)


@pytest.mark.parametrize("pad", ["internetaken", "actorklantcontacten"])
def test_other_methods_are_405(kiss, pad):
    klantcontact = ki_post(kiss, "klantcontacten", KLANTCONTACT)
    data = (
        taak(kiss, klantcontact)
        if pad == "internetaken"
        else koppel(kiss, actor(kiss, "Team"), klantcontact)
    )
    assert_problem(kiss.put_json(data["url"], {}), 405)
    assert_problem(kiss.delete(data["url"]), 405)
    assert kiss.get(data["url"]).status_code == 200


@pytest.mark.parametrize(
    ("pad", "naam", "waarde", "code"),
    [
        ("internetaken", "toegewezenAanActor__uuid", "geen-uuid", "invalid"),
        ("internetaken", "aanleidinggevendKlantcontact__uuid", "123", "invalid"),
        ("internetaken", "klantcontact__uuid", "x" * 40, "invalid"),
        ("internetaken", "toegewezenAanActor__url", "geen url", "invalid"),
        ("internetaken", "aanleidinggevendKlantcontact__url", "ftp://host/x", "invalid"),
        ("internetaken", "status", "open", "invalid_choice"),
        ("internetaken", "toegewezenOp", "gisteren", "invalid"),
        ("internetaken", "toegewezenOp", "2026-13-45T10:00:00Z", "invalid"),
        ("internetaken", "nummer", "a\x00b", "null_characters_not_allowed"),
        ("internetaken", "pageSize", "0", "invalid"),
        ("actorklantcontacten", "actor__uuid", "geen-uuid", "invalid"),
        ("actorklantcontacten", "klantcontact__uuid", "{}", "invalid"),
        ("actorklantcontacten", "actor__url", "actoren/1", "invalid"),
        ("actorklantcontacten", "klantcontact__url", "http//x", "invalid"),
        ("actorklantcontacten", "pageSize", "-1", "invalid"),
    ],
)
def test_a_bad_filter_value_is_400_on_its_parameter(kiss, pad, naam, waarde, code):
    assert invalid_params(kiss.get(f"{KI}/{pad}", {naam: waarde})) == [(naam, code)]


@pytest.mark.parametrize(
    "waarde",
    [
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-01:00",
        "0001-01-01T00:00:00",
        "9999-12-31T23:59:59.999999",
    ],
)
def test_an_extreme_toegewezen_op_matches_nothing_and_is_no_500(kiss, waarde):
    taak(kiss, ki_post(kiss, "klantcontacten", KLANTCONTACT))
    assert uuids(kiss, "internetaken", toegewezenOp=waarde) == []


def _elders(moment: str, offset: str) -> str:
    """``moment`` (ISO 8601) written at the UTC offset ``offset`` (``+17:25``)."""
    teken = 1 if offset[0] == "+" else -1
    uren, minuten = offset[1:].split(":")
    zone = timezone(teken * timedelta(hours=int(uren), minutes=int(minuten)))
    return datetime.fromisoformat(moment).astimezone(zone).isoformat()


@pytest.mark.parametrize("offset", ["+17:25", "-23:59", "+15:59"])
def test_a_moment_filter_at_any_offset_python_takes_is_no_500(kiss, offset):
    """Found by fuzzing: PostgreSQL takes UTC offsets up to 15:59 only, so ``toegewezenOp``
    and ``plaatsgevondenOp`` at +17:25 were a 500; the moment is compared in UTC."""
    klantcontact = ki_post(kiss, "klantcontacten", KLANTCONTACT)
    gemaakt = taak(kiss, klantcontact)
    moment = _elders(gemaakt["toegewezenOp"], offset)
    assert uuids(kiss, "internetaken", toegewezenOp=moment) == [gemaakt["uuid"]]
    assert uuids(kiss, "internetaken", toegewezenOp="0048-03-01T22:24:28" + offset) == []
    moment = _elders(klantcontact["plaatsgevondenOp"], offset)
    assert uuids(kiss, "klantcontacten", plaatsgevondenOp=moment) == [klantcontact["uuid"]]
    assert uuids(kiss, "klantcontacten", plaatsgevondenOp="0048-03-01T22:24:28" + offset) == []


@pytest.mark.parametrize("pad", ["internetaken", "klantcontacten"])
def test_a_moment_no_time_zone_can_hold_is_400(kiss, pad):
    naam = "toegewezenOp" if pad == "internetaken" else "plaatsgevondenOp"
    waarde = "0001-01-01T00:00:00+17:25"
    assert invalid_params(kiss.get(f"{KI}/{pad}", {naam: waarde})) == [(naam, "overflow")]


@pytest.mark.parametrize("pad", ["internetaken", "actorklantcontacten"])
def test_unknown_parameters_and_expand_are_400(kiss, pad):
    """Neither resource has expand paths (Open Klant 0.9.0): ``expand`` is unknown here."""
    for params in ({"onbekend": "x"}, {"expand": "actor"}, {"hadBetrokkene__uuid": ONBEKEND}):
        assert invalid_params(kiss.get(f"{KI}/{pad}", params)) == [
            ("nonFieldErrors", "unknown-parameters")
        ]
    klantcontact = ki_post(kiss, "klantcontacten", KLANTCONTACT)
    data = (
        taak(kiss, klantcontact)
        if pad == "internetaken"
        else koppel(kiss, actor(kiss, "Team"), klantcontact)
    )
    # a detail read takes no filters either
    assert invalid_params(kiss.get(data["url"], {"status": "verwerkt"})) == [
        ("nonFieldErrors", "unknown-parameters")
    ]


def test_a_filter_value_reaches_no_log_line(kiss, caplog):
    geheim = "0612345678-geheim"
    with caplog.at_level("DEBUG"):
        assert kiss.get(f"{KI}/internetaken", {"actoren__naam": geheim}).status_code == 200
        kiss.get(f"{KI}/internetaken", {"toegewezenOp": geheim})
        kiss.get(f"{KI}/actorklantcontacten", {"actor__url": geheim})
    assert geheim not in caplog.text


# --- statements ------------------------------------------------------------------------------


def _statements(client, path, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, params or {})
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


def _vul(kiss, aantal: int, gedeeld: dict) -> None:
    """``aantal`` klantcontacten, each with an interne taak for two actoren (one of them
    ``gedeeld``) and an actorklantcontact for each of those actoren."""
    for i in range(aantal):
        klantcontact = ki_post(kiss, "klantcontacten", {**KLANTCONTACT, "onderwerp": f"o{i}"})
        eigen = actor(kiss, f"Team {i}")
        taak(kiss, klantcontact, [eigen, gedeeld])
        koppel(kiss, eigen, klantcontact)
        koppel(kiss, gedeeld, klantcontact)


# the token with its rights (1), the page's rows (1), their representation rows with their
# references (1), and, for a full page only, the count (1)
LIJST = 3
VOLLE_PAGINA = 4
# the token (1), the row of the path (1), its representation's row (1)
DETAIL = 3


@pytest.mark.parametrize("pad", ["internetaken", "actorklantcontacten"])
def test_a_list_costs_the_same_statements_whatever_it_holds(kiss, pad):
    gedeeld = actor(kiss, "Team")
    filter_ = (
        {
            "actoren__naam": "Team",
            "toegewezenAanActor__url": gedeeld["url"],
            "status": "te_verwerken",
        }
        if pad == "internetaken"
        else {"actor__url": gedeeld["url"]}
    )

    def tel() -> tuple[int, int, int]:
        return (
            _statements(kiss, f"{KI}/{pad}"),
            _statements(kiss, f"{KI}/{pad}", {"pageSize": 2}),
            _statements(kiss, f"{KI}/{pad}", filter_),
        )

    _vul(kiss, 2, gedeeld)
    klein = tel()
    _vul(kiss, 6, gedeeld)
    assert InterneTaak.objects.count() == 8 and ActorKlantcontact.objects.count() == 16
    assert len(uuids(kiss, pad, **filter_)) == 8
    assert tel() == klein == (LIJST, VOLLE_PAGINA, LIJST)


@pytest.mark.parametrize("pad", ["internetaken", "actorklantcontacten"])
def test_a_detail_read_costs_the_same_statements_whatever_it_holds(kiss, pad):
    klantcontact = ki_post(kiss, "klantcontacten", KLANTCONTACT)
    actoren = [actor(kiss, f"Team {i}") for i in range(5)]
    if pad == "internetaken":
        klein = taak(kiss, klantcontact, actoren[:1])
        groot = taak(kiss, klantcontact, actoren)
    else:
        klein = koppel(kiss, actoren[0], klantcontact)
        for extra in actoren[1:]:
            koppel(kiss, extra, klantcontact)
        groot = koppel(kiss, actoren[-1], ki_post(kiss, "klantcontacten", KLANTCONTACT))
    _vul(kiss, 3, actoren[0])
    assert _statements(kiss, klein["url"]) == _statements(kiss, groot["url"]) == DETAIL
