"""``notificaties.invoegen.voeg_in``: several new rows of several models in one statement, the
ids the database made set on every row, in the order given."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klanten.background.models import UitgaandeNotificatie
from klanten.datamodel.partijen import DigitaalAdres, PartijIdentificator
from klanten.notificaties.invoegen import voeg_in

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
