"""K3/K8: migration 0010 carries today's klanten over to the partij tables."""

import pytest

from .migratie_helpers import teruggezet

BEFORE = [("datamodel", "0009_partijen_en_klantcontacten")]
AFTER = [("datamodel", "0010_partijen_gegevens_overzetten")]


@pytest.fixture
def migrate_back():
    with teruggezet(BEFORE) as executor:
        yield executor


@pytest.mark.django_db(transaction=True)
def test_addresses_and_identifiers_carried_over(migrate_back):
    apps = migrate_back.loader.project_state(BEFORE).apps
    Klant = apps.get_model("datamodel", "Klant")
    NatuurlijkPersoon = apps.get_model("datamodel", "NatuurlijkPersoon")
    NietNatuurlijkPersoon = apps.get_model("datamodel", "NietNatuurlijkPersoon")
    Vestiging = apps.get_model("datamodel", "Vestiging")

    persoon = Klant.objects.create(
        bronorganisatie="002220647",
        klantnummer="1",
        emailadres="Jan@Example.NL",
        telefoonnummer="06-1234 5678",
        subject_type="natuurlijk_persoon",
    )
    NatuurlijkPersoon.objects.create(klant=persoon, inp_bsn="111222333")
    organisatie = Klant.objects.create(
        bronorganisatie="002220647",
        klantnummer="2",
        subject_type="niet_natuurlijk_persoon",
        gevalideerd=True,
        gevalideerde_sleutel_type="kvk",
        gevalideerde_sleutel="12345678",
    )
    NietNatuurlijkPersoon.objects.create(klant=organisatie, inn_nnp_id="002220647")
    vestiging = Klant.objects.create(
        bronorganisatie="002220647", klantnummer="3", subject_type="vestiging"
    )
    Vestiging.objects.create(klant=vestiging, vestigings_nummer="000012345678")
    leeg = Klant.objects.create(bronorganisatie="002220647", klantnummer="4", subject="http://x/1")

    migrate_back.migrate(AFTER)
    apps = migrate_back.loader.project_state(AFTER).apps
    DigitaalAdres = apps.get_model("datamodel", "DigitaalAdres")
    PartijIdentificator = apps.get_model("datamodel", "PartijIdentificator")

    adressen = {
        (a.klant_id, a.soort_digitaal_adres): (
            a.adres,
            a.adres_genormaliseerd,
            a.is_standaard_adres,
        )
        for a in DigitaalAdres.objects.all()
    }
    assert adressen == {
        (persoon.id, "email"): ("Jan@Example.NL", "jan@example.nl", True),
        (persoon.id, "telefoonnummer"): ("06-1234 5678", "0612345678", True),
    }
    identificatoren = {
        (
            i.klant_id,
            i.code_register,
            i.code_objecttype,
            i.code_soort_object_id,
            i.object_id,
            i.bronorganisatie,
        )
        for i in PartijIdentificator.objects.all()
    }
    assert identificatoren == {
        (persoon.id, "brp", "natuurlijk_persoon", "bsn", "111222333", "002220647"),
        (organisatie.id, "hr", "niet_natuurlijk_persoon", "rsin", "002220647", "002220647"),
        (organisatie.id, "hr", "niet_natuurlijk_persoon", "kvk_nummer", "12345678", "002220647"),
        (vestiging.id, "hr", "vestiging", "vestigingsnummer", "000012345678", "002220647"),
    }
    assert not PartijIdentificator.objects.filter(klant_id=leeg.id).exists()
