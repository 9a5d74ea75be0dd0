"""The Klantinteracties services of klantcontacten (datamodel.kicontacten): one write is one
contactmoment and one klantcontact, recorded on both kanalen; K6 (an anonymous contact makes
no partij), K8 (an empty number is generated), K9 (deleting a klant keeps its betrokkenen),
K10 (no personal data in kenmerken), one transaction for maak-klantcontact."""

import pytest
from vng_api_common.audittrails.models import AuditTrail

from klanten.datamodel import contacten, kicontacten, services
from klanten.datamodel.klantcontacten import (
    Actor,
    Betrokkene,
    InterneTaak,
    Klantcontact,
    Onderwerpobject,
)
from klanten.datamodel.models import Klant
from klanten.datamodel.wijzigingen import Actor as AuditActor
from klanten.datamodel.wijzigingen import Herkomst
from klanten.notificaties.models import UitgaandeNotificatie

from .test_notifications import configure

HERKOMST = Herkomst(
    AuditActor(applicatie_id="kiss", applicatie_weergave="KISS"),
    "http://testserver/klanten/api/v1/klanten/",
)
KISS_KLANTCONTACT = {
    "kanaal": "telefoon",
    "onderwerp": "Vraag over afval",
    "inhoud": "Mevrouw Jansen belde over haar container",
    "indicatie_contact_gelukt": True,
    "taal": "nld",
    "vertrouwelijk": False,
}


@pytest.fixture
def nrc(db):
    configure()


def berichten(kanaal=None):
    rows = [n.bericht for n in UitgaandeNotificatie.objects.order_by("id")]
    return [b for b in rows if kanaal is None or b["kanaal"] == kanaal]


def test_a_klantcontact_is_a_contactmoment_recorded_on_both_kanalen(nrc):
    klantcontact = kicontacten.create_klantcontact(dict(KISS_KLANTCONTACT), herkomst=HERKOMST)
    data = klantcontact.ki_representatie
    assert (
        data["url"]
        == f"http://testserver/klantinteracties/api/v1/klantcontacten/{klantcontact.uuid}"
    )
    assert (data["kanaal"], data["inhoud"], data["nummer"]) == (
        "telefoon",
        KISS_KLANTCONTACT["inhoud"],
        None,
    )
    (cm,) = berichten("contactmomenten")
    assert cm["resource"] == "contactmoment"
    assert cm["resourceUrl"].endswith(
        f"/contactmomenten/api/v1/contactmomenten/{klantcontact.uuid}"
    )
    (ki,) = berichten("klantcontacten")
    assert (ki["resource"], ki["actie"], ki["resourceUrl"]) == (
        "klantcontact",
        "create",
        data["url"],
    )
    # K10: no personal data in kenmerken
    assert ki["kenmerken"] == {
        "hoofdOnderwerpType": "",
        "indicatieContactGelukt": "True",
        "verdereActieOndernomen": "False",
    }
    bronnen = sorted(AuditTrail.objects.values_list("bron", "resource"))
    assert bronnen == [("cmc", "contactmoment"), ("kic", "klantcontact")]
    ki_record = AuditTrail.objects.get(bron="kic")
    assert ki_record.nieuw == data and ki_record.oud is None


def test_interne_taak_without_number_gets_one_generated(nrc):
    klantcontact = kicontacten.create_klantcontact(dict(KISS_KLANTCONTACT), herkomst=HERKOMST)
    actor = kicontacten.create_actor(
        {"naam": "Afdeling Afval", "soort_actor": "organisatorische_eenheid"}, herkomst=HERKOMST
    )
    data = {"gevraagde_handeling": "Terugbellen", "status": "te_verwerken", "toelichting": "06-123"}
    eerste = kicontacten.create_interne_taak(
        klantcontact, dict(data), nummer="", actoren_=[actor], herkomst=HERKOMST
    )
    tweede = kicontacten.create_interne_taak(
        klantcontact, dict(data), nummer="", actoren_=[actor], herkomst=HERKOMST
    )
    assert eerste.nummer and tweede.nummer and eerste.nummer != tweede.nummer
    assert eerste.nummer.isdigit() and len(eerste.nummer) == 10
    assert eerste.ki_representatie["toegewezenAanActor"]["uuid"] == str(actor.uuid)
    assert eerste.ki_representatie["toegewezenAanActoren"] == [
        {
            "uuid": str(actor.uuid),
            "url": f"http://testserver/klantinteracties/api/v1/actoren/{actor.uuid}",
        }
    ]
    # a given number must be free
    with pytest.raises(kicontacten.NummerBezet):
        kicontacten.create_interne_taak(
            klantcontact, dict(data), nummer=eerste.nummer, herkomst=HERKOMST
        )
    taken = berichten("internetaken")
    assert [b["kenmerken"] for b in taken] == [
        {"nummer": eerste.nummer, "status": "te_verwerken"},
        {"nummer": tweede.nummer, "status": "te_verwerken"},
    ]
    assert all("06-123" not in str(b) for b in berichten())


def test_generated_numbers_skip_taken_ones_and_use_one_value_each(nrc):
    """K8: the next value of the sequence, past a number a client took; the statement that
    finds it takes one value per number it tries (a given number that is taken is refused by
    the insert itself)."""
    from django.db import connection

    klantcontact = kicontacten.create_klantcontact(dict(KISS_KLANTCONTACT), herkomst=HERKOMST)
    data = {"gevraagde_handeling": "Terugbellen", "status": "te_verwerken"}
    eerste = kicontacten.create_interne_taak(klantcontact, dict(data), herkomst=HERKOMST)
    volgend = int(eerste.nummer) + 1
    # a client takes the next two numbers
    for n in (volgend, volgend + 1):
        kicontacten.create_interne_taak(
            klantcontact, dict(data), nummer=str(n).zfill(10), herkomst=HERKOMST
        )
    derde = kicontacten.create_interne_taak(klantcontact, dict(data), herkomst=HERKOMST)
    assert derde.nummer == str(volgend + 2).zfill(10)
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value FROM datamodel_internetaak_nummer_seq")
        assert cursor.fetchone()[0] == volgend + 2
    with pytest.raises(kicontacten.NummerBezet):
        kicontacten.create_interne_taak(
            klantcontact, dict(data), nummer=derde.nummer, herkomst=HERKOMST
        )
    assert InterneTaak.objects.filter(nummer=derde.nummer).count() == 1


def test_anonymous_maak_klantcontact_makes_no_partij(nrc):
    klanten_voor = Klant.objects.count()
    klantcontact, betrokkene, onderwerp = kicontacten.maak_klantcontact(
        {"kanaal": "Webformulier", "onderwerp": "Aanvraag", "taal": "nld", "vertrouwelijk": True},
        betrokkene={"klant": None, "rol": "klant", "initiator": True, "organisatienaam": ""},
        onderwerpobject={
            "object_id": "OF-123",
            "code_objecttype": "formulierinzending",
            "code_register": "Open Formulieren",
            "code_soort_object_id": "public_registration_reference",
        },
        herkomst=HERKOMST,
    )
    assert Klant.objects.count() == klanten_voor
    assert betrokkene.klant_id is None and betrokkene.klantcontact_id == klantcontact.pk
    assert onderwerp.klantcontact_id == klantcontact.pk
    # an anonymous betrokkene is no klantcontactmoment: nothing on contactmomenten for it
    assert [b["resource"] for b in berichten("contactmomenten")] == ["contactmoment"]
    assert [b["resource"] for b in berichten("klantcontacten")] == [
        "klantcontact",
        "betrokkene",
        "onderwerpobject",
    ]
    sub = berichten("klantcontacten")[1]
    assert sub["hoofdObject"].endswith(f"/klantcontacten/{klantcontact.uuid}")


def test_maak_klantcontact_is_one_transaction(nrc, make_klant):
    klant = make_klant()
    klant_id = klant.pk
    services.delete_klant(klant)  # the partij is gone before the write
    with pytest.raises(Klant.DoesNotExist):
        kicontacten.maak_klantcontact(
            dict(KISS_KLANTCONTACT),
            betrokkene={"klant": Klant(pk=klant_id), "rol": "klant", "initiator": True},
            herkomst=HERKOMST,
        )
    assert not Klantcontact.objects.exists()
    assert not UitgaandeNotificatie.objects.filter(bericht__kanaal="klantcontacten").exists()


def test_a_medewerker_actor_becomes_the_contactmoments_medewerker(nrc):
    klantcontact = kicontacten.create_klantcontact(dict(KISS_KLANTCONTACT), herkomst=HERKOMST)
    actor = kicontacten.create_actor(
        {
            "naam": "Mevrouw Medewerker",
            "soort_actor": "medewerker",
            "object_id": "m@gemeente.nl",
            "code_objecttype": "mdw",
            "code_register": "msei",
            "code_soort_object_id": "email",
        },
        herkomst=HERKOMST,
    )
    kicontacten.add_actorklantcontact(klantcontact, actor, herkomst=HERKOMST)
    (update,) = [b for b in berichten("contactmomenten") if b["actie"] == "partial_update"]
    assert update["resourceUrl"].endswith(str(klantcontact.uuid))
    record = AuditTrail.objects.get(bron="cmc", actie="partial_update")
    assert record.nieuw["medewerkerIdentificatie"]["identificatie"] == "m@gemeente.nl"
    with pytest.raises(contacten.Bestaat):
        kicontacten.add_actorklantcontact(klantcontact, actor, herkomst=HERKOMST)


def test_k9_deleting_the_klant_keeps_the_betrokkene_and_its_snapshot(nrc, make_klant):
    klant = make_klant()
    klantcontact = kicontacten.create_klantcontact(dict(KISS_KLANTCONTACT), herkomst=HERKOMST)
    betrokkene = kicontacten.add_betrokkene(
        klantcontact,
        klant=klant,
        rol="klant",
        initiator=True,
        voornaam="Anna",
        achternaam="Jansen",
        herkomst=HERKOMST,
    )
    services.delete_klant(klant, herkomst=HERKOMST)
    betrokkene.refresh_from_db()
    assert betrokkene.klant_id is None
    assert (betrokkene.voornaam, betrokkene.achternaam) == ("Anna", "Jansen")
    assert Klantcontact.objects.filter(pk=klantcontact.pk).exists()
    data = kicontacten.betrokkene_repr(betrokkene.pk, kicontacten.KiBasis("http://x/ki/"))
    assert data["wasPartij"] is None and data["volledigeNaam"] == "Anna Jansen"


def test_onderwerpobject_about_an_earlier_klantcontact(nrc):
    vraag = kicontacten.create_klantcontact(dict(KISS_KLANTCONTACT), herkomst=HERKOMST)
    antwoord = kicontacten.create_klantcontact(dict(KISS_KLANTCONTACT), herkomst=HERKOMST)
    onderwerp = kicontacten.add_onderwerpobject(antwoord, was_klantcontact=vraag, herkomst=HERKOMST)
    assert (onderwerp.klantcontact_id, onderwerp.was_klantcontact_id) == (antwoord.pk, vraag.pk)
    Klantcontact.objects.filter(pk=vraag.pk).delete()
    with pytest.raises(Klantcontact.DoesNotExist):
        kicontacten.add_onderwerpobject(antwoord, was_klantcontact=vraag, herkomst=HERKOMST)
    assert Onderwerpobject.objects.count() == 1
    assert not Betrokkene.objects.exists() and not InterneTaak.objects.exists()
    assert Actor.objects.count() == 0
