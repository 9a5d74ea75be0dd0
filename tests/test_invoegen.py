"""``notificaties.invoegen.voeg_in``: several new rows of several models in one statement, the
ids the database made set on every row, in the order given."""

import pytest
from django.db import connection
from django.db.models.functions import Now
from django.test.utils import CaptureQueriesContext

from klanten.background.models import UitgaandeNotificatie
from klanten.datamodel import services
from klanten.datamodel.models import Klant, Vestiging
from klanten.datamodel.partijen import DigitaalAdres, PartijIdentificator
from klanten.notificaties import invoegen
from klanten.notificaties.invoegen import voeg_in

from .conftest import BASE, BSN, RSIN

pytestmark = pytest.mark.django_db


def test_rows_of_several_models_in_one_statement_with_their_ids(make_klant):
    klant = make_klant(achternaam="Jansen")
    adressen = [
        DigitaalAdres(
            klant=klant,
            soort_digitaal_adres="email",
            adres=f"{n}@example.nl",
            adres_genormaliseerd=f"{n}@example.nl",
        )
        for n in ("a", "b", "c")
    ]
    ident = PartijIdentificator(
        bronorganisatie=klant.bronorganisatie,
        klant=klant,
        code_register="hr",
        code_objecttype="niet_natuurlijk_persoon",
        code_soort_object_id="kvk_nummer",
        object_id="69599084",
    )
    berichten = [UitgaandeNotificatie(bericht={"n": n}, actie="create") for n in (1, 2)]
    with CaptureQueriesContext(connection) as queries:
        pk = voeg_in(adressen[0], ident, adressen[1], adressen[2], *berichten)
    assert len(queries.captured_queries) == 1
    assert pk == berichten[-1].pk
    # every row has the id the database gave it, in the order given
    for adres in adressen:
        assert DigitaalAdres.objects.get(pk=adres.pk).adres == adres.adres
    assert adressen[0].pk < adressen[1].pk < adressen[2].pk
    assert PartijIdentificator.objects.get(pk=ident.pk).object_id == "69599084"
    assert [UitgaandeNotificatie.objects.get(pk=b.pk).bericht for b in berichten] == [
        {"n": 1},
        {"n": 2},
    ]
    assert berichten[0].pk < berichten[1].pk
    assert not any(obj._state.adding for obj in (*adressen, ident, *berichten))


def test_one_row(make_klant):
    klant = make_klant(achternaam="Jansen")
    adres = DigitaalAdres(klant=klant, soort_digitaal_adres="email", adres="x@example.nl")
    assert voeg_in(adres) == adres.pk
    assert DigitaalAdres.objects.get(pk=adres.pk).klant_id == klant.pk


def test_updates_of_a_bundel_go_in_the_same_statement(make_klant):
    """``Bundel.werk_bij``: stored rows updated (only the fields named, ``auto_now`` taking
    the time now; one row named twice is one update of both) as ``WITH`` clauses of the
    statement that inserts the new rows."""
    from klanten.notificaties.wijziging import Bundel

    klant = make_klant(achternaam="Jansen")
    Klant = type(klant)
    gewijzigd = Klant.objects.get(pk=klant.pk).gewijzigd_op
    klant.emailadres, klant.telefoonnummer = "jan@example.nl", "0612345678"
    klant.achternaam = "niet bewaard"  # not named: stays as stored
    adres = DigitaalAdres(
        klant=klant, soort_digitaal_adres="email", adres="a@example.nl", adres_genormaliseerd="a"
    )
    bundel = Bundel(adres)
    bundel.werk_bij(klant, ["emailadres"])
    bundel.werk_bij(klant, ["telefoonnummer", "gewijzigd_op"])
    with CaptureQueriesContext(connection) as queries:
        bundel.voeg_in()
    assert len(queries.captured_queries) == 1
    opgeslagen = Klant.objects.get(pk=klant.pk)
    assert (opgeslagen.emailadres, opgeslagen.telefoonnummer) == ("jan@example.nl", "0612345678")
    assert opgeslagen.achternaam == "Jansen"
    assert opgeslagen.gewijzigd_op > gewijzigd
    assert DigitaalAdres.objects.get(pk=adres.pk).klant_id == klant.pk


def test_updates_alone_are_one_statement(make_klant):
    from klanten.notificaties.wijziging import Bundel

    eerste, tweede = make_klant(achternaam="Een"), make_klant(achternaam="Twee")
    eerste.voornaam, tweede.voornaam = "Anna", "Bert"
    bundel = Bundel()
    bundel.werk_bij(eerste, ["voornaam"])
    bundel.werk_bij(tweede, ["voornaam"])
    with CaptureQueriesContext(connection) as queries:
        bundel.voeg_in()
    assert len(queries.captured_queries) == 1
    namen = type(eerste).objects.filter(pk__in=[eerste.pk, tweede.pk]).order_by("pk")
    assert list(namen.values_list("voornaam", flat=True)) == ["Anna", "Bert"]


def _adressen(klant, n, naam="a", **extra):
    return [
        DigitaalAdres(
            klant=klant,
            soort_digitaal_adres="email",
            adres=f"{naam}{i}@example.nl",
            adres_genormaliseerd=f"{naam}{i}@example.nl",
            **extra,
        )
        for i in range(n)
    ]


@pytest.mark.parametrize("rijen", [1, 3, invoegen.VALUES_MAX_ROWS, invoegen.VALUES_MAX_ROWS + 1])
def test_a_kept_statement_is_djangos_own_with_the_same_values(make_klant, rijen):
    """The INSERT is compiled once per model and number of rows; later rows get the same
    statement and the values Django's compiler would give them (up to VALUES_MAX_ROWS rows:
    its generic VALUES form, per row; more: PostgreSQL's UNNEST, per column)."""
    klant = make_klant(achternaam="Jansen")
    invoegen._statements.pop((DigitaalAdres, rijen), None)
    invoegen._insert_sql(_adressen(klant, rijen))  # compiled by Django, kept
    assert (DigitaalAdres, rijen) in invoegen._statements
    objs = _adressen(klant, rijen)
    sql, params = invoegen._insert_sql(objs)  # the kept statement, values prepared here
    fields, _soorten, vast = invoegen._insert_fields(DigitaalAdres)
    assert vast
    assert (sql, params) == invoegen._django_insert_sql(DigitaalAdres, fields, objs, raw=True)
    assert ("UNNEST(" in sql) is (rijen > invoegen.VALUES_MAX_ROWS)
    if rijen <= invoegen.VALUES_MAX_ROWS:
        assert sql.count("), (") == rijen - 1  # VALUES (...), (...)
    voeg_in(*objs)
    assert sorted(DigitaalAdres.objects.filter(klant=klant).values_list("adres", flat=True)) == (
        sorted(f"a{i}@example.nl" for i in range(rijen))
    )


def test_an_expression_is_compiled_and_not_kept(make_klant):
    klant = make_klant(achternaam="Jansen")
    invoegen._statements.pop((DigitaalAdres, 1), None)
    [adres] = _adressen(klant, 1, verificatie_datum=Now())
    voeg_in(adres)
    assert (DigitaalAdres, 1) not in invoegen._statements
    [gewoon] = _adressen(klant, 1, naam="b")
    voeg_in(gewoon)  # now kept; an expression after it still goes Django's own way
    [weer] = _adressen(klant, 1, naam="c", verificatie_datum=Now())
    voeg_in(weer)
    datums = dict(DigitaalAdres.objects.filter(klant=klant).values_list("pk", "verificatie_datum"))
    assert datums[adres.pk] is not None and datums[weer.pk] is not None
    assert datums[gewoon.pk] is None


def test_an_expression_in_a_later_row_of_several_goes_djangos_way(make_klant):
    klant = make_klant(achternaam="Jansen")
    invoegen._statements.pop((DigitaalAdres, 3), None)
    voeg_in(*_adressen(klant, 3, naam="x"))  # the plain three-row statement, kept
    assert "UNNEST(" not in invoegen._statements[(DigitaalAdres, 3)][0]
    objs = _adressen(klant, 3, naam="y")
    objs[1].verificatie_datum = Now()
    voeg_in(*objs)
    datums = dict(
        DigitaalAdres.objects.filter(klant=klant).values_list("adres", "verificatie_datum")
    )
    assert datums["y1@example.nl"] is not None
    assert datums["y0@example.nl"] is None and datums["y2@example.nl"] is None


def test_a_model_with_an_array_is_compiled_every_time():
    fields, _soorten, vast = invoegen._insert_fields(Vestiging)
    assert not vast  # handelsnaam: an array, a placeholder of its own


def test_a_new_klant_is_inserted_without_signals_that_would_do_nothing():
    """``services._opslaan`` inserts a new klant (with its destruction date) through
    ``voeg_in``, without ``Model.save``'s signals: only because no receiver acts on it. A
    new receiver of the klant's signals must be looked at there."""
    from django.db.models.signals import post_save, pre_save
    from vng_api_common.caching import signals as caching

    from klanten.datamodel import signals

    assert not caching._matters(Klant)  # its cache invalidation: nothing for a klant
    assert pre_save._live_receivers(Klant)[0] == [caching.invalidate_before_save]
    assert post_save._live_receivers(Klant)[0] == [
        caching.invalidate_after_save,
        signals.klant_opgeslagen,  # acts on a klant without a destruction date only
    ]


def test_a_created_klant_has_its_id_and_destruction_date(make_klant):
    with CaptureQueriesContext(connection) as queries:
        klant = services.create_klant({"bronorganisatie": RSIN, "subject": "https://x.nl/1"})
    assert klant.pk is not None and not klant._state.adding
    assert klant.vernietigingsdatum is not None
    stored = Klant.objects.get(pk=klant.pk)
    assert (stored.uuid, stored.klantnummer, stored.vernietigingsdatum) == (
        klant.uuid,
        klant.klantnummer,
        klant.vernietigingsdatum,
    )
    assert stored.aangemaakt_op == klant.aangemaakt_op and stored.gewijzigd_op is not None
    assert any(
        q["sql"].startswith('INSERT INTO "datamodel_klant" ') for q in queries.captured_queries
    )


def test_a_stored_row_is_updated_by_a_statement_written_once(make_klant):
    """``werk_bij`` writes every column as ``Model.save`` would (nulls, ``auto_now``), with one
    statement written once per model and fields, and only to its own row."""
    klant = make_klant(achternaam="Jansen", telefoonnummer="0201234567")
    ander = make_klant(achternaam="Pietersen", subject="https://x.nl/2")
    gewijzigd = Klant.objects.get(pk=klant.pk).gewijzigd_op
    klant.achternaam, klant.telefoonnummer = "de Vries", ""
    klant.geregistreerd_door, klant.vernietigingsdatum = None, None
    with CaptureQueriesContext(connection) as queries:
        invoegen.werk_bij(klant)
    [(update)] = [q["sql"] for q in queries.captured_queries]
    stored = Klant.objects.get(pk=klant.pk)
    assert (stored.achternaam, stored.telefoonnummer) == ("de Vries", "")
    assert stored.geregistreerd_door is None and stored.vernietigingsdatum is None
    assert stored.gewijzigd_op > gewijzigd and stored.gewijzigd_op == klant.gewijzigd_op
    assert Klant.objects.get(pk=ander.pk).achternaam == "Pietersen"
    # the same statement for another row and other values
    assert invoegen.update_sql(ander)[0] == invoegen.update_sql(klant)[0]
    assert invoegen.update_sql(ander)[1] != invoegen.update_sql(klant)[1]
    assert update.startswith('UPDATE "datamodel_klant" SET ')
    # some fields only: the same as Django's save(update_fields=...)
    klant.achternaam = "Bakker"
    invoegen.werk_bij(klant, ["achternaam"])
    assert Klant.objects.get(pk=klant.pk).achternaam == "Bakker"


def test_an_expression_among_the_values_is_compiled_by_django(make_klant):
    from django.db.models import Value
    from django.db.models.functions import Lower

    klant = make_klant()
    klant.achternaam = Lower(Value("JANSEN"))
    sql, _params = invoegen.update_sql(klant, ["achternaam"])
    assert "LOWER(" in sql
    invoegen.werk_bij(klant, ["achternaam"])
    assert Klant.objects.get(pk=klant.pk).achternaam == "jansen"


def test_values_are_prepared_as_django_prepares_them(make_klant):
    """The plain values taken as they are equal what ``get_db_prep_save`` gives, and a value
    of another type (a lazy string, a number in a text column) still goes through it."""
    from django.utils.functional import lazy

    klant = make_klant(achternaam="Jansen")
    fields, soorten, _vast = invoegen._insert_fields(Klant)
    waarden = [field.pre_save(klant, False) for field in fields]
    assert invoegen._bereid(fields, soorten, waarden) == [
        field.get_db_prep_save(waarde, connection=connection)
        for field, waarde in zip(fields, waarden, strict=True)
    ]
    achternaam = [field.name for field in fields].index("achternaam")
    waarden[achternaam] = lazy(lambda: "Lui", str)()
    assert invoegen._bereid(fields, soorten, waarden)[achternaam] == "Lui"
    assert type(invoegen._bereid(fields, soorten, waarden)[achternaam]) is str
    waarden[achternaam] = 12
    assert invoegen._bereid(fields, soorten, waarden)[achternaam] == "12"


def test_a_long_combined_statement_is_split_at_its_placeholders_once(api, monkeypatch):
    """psycopg caches the split of a statement's text only up to a length and a number of
    parameters (``klanten.sqlvorm`` raises both): the combined statement of a
    create through the API (over 50 parameters) is split once, not on every request."""
    from psycopg import _queries

    body = {"bronorganisatie": RSIN, "subjectType": "natuurlijk_persoon"}
    body |= {"subjectIdentificatie": {"inpBsn": BSN}, "emailadres": "a@example.nl"}
    body |= {"adres": {"straatnaam": "Dam", "huisnummer": 1, "woonplaatsnaam": "Amsterdam"}}
    assert api.post_json(f"{BASE}/klanten", body).status_code == 201  # its shapes, once
    ongecached = []
    origineel = _queries._query2pg_nocache

    def gesplitst(query, encoding):
        ongecached.append(len(query))
        return origineel(query, encoding)

    monkeypatch.setattr(_queries, "_query2pg_nocache", gesplitst)
    with CaptureQueriesContext(connection) as queries:
        assert api.post_json(f"{BASE}/klanten", body).status_code == 201
    assert max(q["sql"].count("'") for q in queries.captured_queries) > 100  # many values
    assert ongecached == []
    monkeypatch.setattr(_queries, "MAX_CACHED_STATEMENT_PARAMS", 50)  # psycopg's own limit
    assert api.post_json(f"{BASE}/klanten", body).status_code == 201
    assert ongecached  # the combined statement: split again


def test_writes_run_unprepared_when_prepared_statements_are_off(api, settings):
    """``DB_PREPARED_READS=false`` (a pooler that keeps no prepared statements): a create, a
    PATCH and a generated klantnummer still work, and nothing is prepared."""
    settings.KLANTEN_PREPARED_READS = False
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    body = {"bronorganisatie": RSIN, "subjectType": "natuurlijk_persoon"}
    body |= {"subjectIdentificatie": {"inpBsn": BSN}, "telefoonnummer": "0201234567"}
    created = api.post_json(f"{BASE}/klanten", body)
    assert created.status_code == 201, created.content
    assert created.json()["klantnummer"] == "1"
    changed = api.patch_json(created.json()["url"], {"telefoonnummer": "0207654321"})
    assert changed.status_code == 200, changed.content
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cursor.fetchone()[0] == 0
