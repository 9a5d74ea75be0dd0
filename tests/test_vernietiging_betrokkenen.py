"""R2: a betrokkene destroyed by the retention run (an anonymous contact, K6, or one whose
klant was deleted, K9) is gone, with the digital addresses only it gave, and every
representation that changed is recorded: the betrokkene and its own addresses ``destroy``
(records without their data; their earlier records, which hold it, removed), a partij's address
it also gave ``partial_update`` (its ``verstrektDoorBetrokkene`` gone)."""

import json
from datetime import timedelta

from django.utils import timezone
from vng_api_common.audittrails.models import AuditTrail

from klanten.background import retention
from klanten.datamodel.klantcontacten import Betrokkene
from klanten.datamodel.models import Klant
from klanten.datamodel.partijen import DigitaalAdres
from klanten.notificaties.models import UitgaandeNotificatie

from .ki_fixtures import KI_BASE, ki_post

GEHEIM_NAAM = "Geheimenaam"
GEHEIM_ADRES = "geheim.adres@example.nl"


def test_the_retention_run_destroys_an_anonymous_betrokkene_and_records_it_without_its_data(
    ki_api, notificaties
):
    klantcontact = ki_post(
        ki_api,
        "klantcontacten",
        {"kanaal": "telefoon", "onderwerp": "Afval", "taal": "nld", "vertrouwelijk": False},
    )
    betrokkene = ki_post(
        ki_api,
        "betrokkenen",
        {
            "hadKlantcontact": {"uuid": klantcontact["uuid"]},
            "rol": "klant",
            "initiator": True,
            "contactnaam": {"voornaam": "Jan", "achternaam": GEHEIM_NAAM},
        },
    )
    partij = ki_post(
        ki_api,
        "partijen",
        {
            "soortPartij": "organisatie",
            "indicatieActief": True,
            "partijIdentificatie": {"naam": "X"},
        },
    )
    # the addresses it gave in that contact (as the Contactmomenten and E2 paths store them)
    rij = Betrokkene.objects.get(uuid=betrokkene["uuid"])
    eigen = DigitaalAdres.objects.create(
        betrokkene=rij,
        adres=GEHEIM_ADRES,
        adres_genormaliseerd=GEHEIM_ADRES,
        soort_digitaal_adres="email",
    )
    gedeeld = DigitaalAdres.objects.create(
        betrokkene=rij,
        klant=Klant.objects.get(uuid=partij["uuid"]),
        adres="info@example.nl",
        adres_genormaliseerd="info@example.nl",
        soort_digitaal_adres="email",
    )
    eigen = {
        "uuid": str(eigen.uuid),
        "url": f"http://testserver{KI_BASE}/digitaleadressen/{eigen.uuid}",
    }
    gedeeld = {
        "uuid": str(gedeeld.uuid),
        "url": f"http://testserver{KI_BASE}/digitaleadressen/{gedeeld.uuid}",
    }
    assert AuditTrail.objects.filter(resource_url=betrokkene["url"]).exists()
    Betrokkene.objects.filter(uuid=betrokkene["uuid"]).update(
        vernietigingsdatum=timezone.localdate() - timedelta(days=1)
    )
    records_voor = set(AuditTrail.objects.values_list("pk", flat=True))
    UitgaandeNotificatie.objects.all().delete()

    assert retention.vernietig_anonieme_betrokkenen(timezone.localdate(), 100) == 1

    assert not Betrokkene.objects.filter(uuid=betrokkene["uuid"]).exists()
    assert not DigitaalAdres.objects.filter(uuid=eigen["uuid"]).exists()
    assert DigitaalAdres.objects.get(uuid=gedeeld["uuid"]).betrokkene_id is None
    # nothing of its data is left in the audit trail
    alles = json.dumps(list(AuditTrail.objects.values("oud", "nieuw", "resource_weergave")))
    assert GEHEIM_NAAM not in alles and GEHEIM_ADRES not in alles
    nieuw = AuditTrail.objects.exclude(pk__in=records_voor)
    # (by uuid: the retention run's URLs have the configured host, not the test client's)
    vastgelegd = {(r.resource, r.actie, r.resource_url.rsplit("/", 1)[-1]): r for r in nieuw}
    assert set(vastgelegd) == {
        ("betrokkene", "destroy", betrokkene["uuid"]),
        ("digitaaladres", "destroy", eigen["uuid"]),
        ("digitaaladres", "partial_update", gedeeld["uuid"]),
    }
    weg = vastgelegd[("betrokkene", "destroy", betrokkene["uuid"])]
    assert set(weg.oud) == {"uuid", "url", "hadKlantcontact"}
    assert weg.oud["hadKlantcontact"]["uuid"] == klantcontact["uuid"]
    assert weg.hoofd_object.endswith(f"/klantcontacten/{klantcontact['uuid']}")
    assert set(vastgelegd[("digitaaladres", "destroy", eigen["uuid"])].oud) == {
        "url",
        "verstrektDoorPartij",
    }
    blijft = vastgelegd[("digitaaladres", "partial_update", gedeeld["uuid"])]
    assert blijft.oud["verstrektDoorBetrokkene"]["uuid"] == betrokkene["uuid"]
    assert blijft.nieuw == {**blijft.oud, "verstrektDoorBetrokkene": None}
    gelezen = ki_api.get(f"{KI_BASE}/digitaleadressen/{gedeeld['uuid']}").json()
    assert gelezen["verstrektDoorBetrokkene"] is None
    # the betrokkene's earlier records (its create, with its name) are gone
    eind = f"/betrokkenen/{betrokkene['uuid']}"
    assert list(
        AuditTrail.objects.filter(resource_url__endswith=eind).values_list("actie", flat=True)
    ) == ["destroy"]
    berichten = sorted(
        (
            n.bericht["kanaal"],
            n.bericht["resource"],
            n.bericht["actie"],
            n.bericht["resourceUrl"].rsplit("/", 1)[-1],
        )
        for n in UitgaandeNotificatie.objects.all()
    )
    assert berichten == [
        ("klantcontacten", "betrokkene", "destroy", betrokkene["uuid"]),
        ("partijen", "digitaaladres", "destroy", eigen["uuid"]),
        ("partijen", "digitaaladres", "partial_update", gedeeld["uuid"]),
    ]


def test_a_klants_address_its_betrokkene_gave_is_recorded_once_when_the_klant_is_destroyed(
    make_klant, notificaties
):
    """Destroying a klant destroys its betrokkenen too: its own address that one of them gave
    is destroyed with the klant (one ``destroy``), not first recorded as released."""
    from django.db import transaction

    from klanten.datamodel import services
    from klanten.datamodel.klantcontacten import Klantcontact
    from klanten.datamodel.wijzigingen import Herkomst

    klant = make_klant(voornaam="Jan", achternaam="Jansen", emailadres="jan@example.nl")
    klantcontact = Klantcontact.objects.create(
        kanaal="telefoon", onderwerp="Afval", taal="nld", vertrouwelijk=False
    )
    betrokkene = Betrokkene.objects.create(
        klantcontact=klantcontact, klant=klant, rol="klant", initiator=True
    )
    [adres] = DigitaalAdres.objects.filter(klant=klant)
    DigitaalAdres.objects.filter(pk=adres.pk).update(betrokkene=betrokkene)
    records_voor = set(AuditTrail.objects.values_list("pk", flat=True))
    UitgaandeNotificatie.objects.all().delete()

    with transaction.atomic():
        locked = list(Klant.objects.select_for_update().filter(pk=klant.pk))
        services.verwijder_klanten(
            locked, Herkomst.systeem("Bewaartermijn"), {klant.pk: "R2"}, vernietiging=True
        )

    eind = f"/digitaleadressen/{adres.uuid}"
    records = AuditTrail.objects.exclude(pk__in=records_voor).filter(resource_url__endswith=eind)
    assert list(records.values_list("actie", flat=True)) == ["destroy"]
    meldingen = [
        n.bericht["actie"]
        for n in UitgaandeNotificatie.objects.all()
        if n.bericht["resourceUrl"].endswith(eind)
    ]
    assert meldingen == ["destroy"]
    assert not DigitaalAdres.objects.filter(pk=adres.pk).exists()
