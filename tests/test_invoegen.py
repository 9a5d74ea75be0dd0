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
