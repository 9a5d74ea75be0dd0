"""K3/K5: an identifier the Klanten API's identification keeps (``partijsync``) that another
identifier names as its ``subIdentificatorVan`` (a vestiging of an organisation: a reference
the database protects) is never deleted by a Klanten API write: when the klant's key leaves
it (changed to a key another klant holds, or emptied) the row stays without a partij, and the
identifier pointing at it keeps pointing at it. Recorded as a detach through the API is: the
klant and its partij, each once; the partij of the other identifier did not change."""

import pytest
from vng_api_common.audittrails.models import AuditTrail

from klanten.datamodel.models import Klant
from klanten.datamodel.partijen import PartijIdentificator
from klanten.notificaties.models import UitgaandeNotificatie

from .conftest import BASE, RSIN, RSIN_2
from .ki_fixtures import KI_BASE

VESTIGINGSNUMMER = "000012345678"
VESTIGINGSNUMMER_2 = "000087654321"
# per identifier kind the Klanten API shows: subject type, field, the klant's key, the key
# another klant holds
SOORTEN = {
    "rsin": ("niet_natuurlijk_persoon", "innNnpId", RSIN_2, RSIN),
    "vestigingsnummer": ("vestiging", "vestigingsNummer", VESTIGINGSNUMMER, VESTIGINGSNUMMER_2),
}


def maak_klant(api, subject_type: str, veld: str, waarde: str, naam: str) -> dict:
    response = api.post_json(
        f"{BASE}/klanten",
        {
            "bronorganisatie": RSIN,
            "bedrijfsnaam": naam,
            "subjectType": subject_type,
            "subjectIdentificatie": {veld: waarde},
        },
    )
    assert response.status_code == 201, response.content
    return response.json()


def uuid_van(klant: dict) -> str:
    return klant["url"].rsplit("/", 1)[-1]


def vestiging_van(ki_api, rij: PartijIdentificator) -> dict:
    """Another partij whose vestigingsnummer is a sub-identifier of ``rij``: made through the
    API, the reference set in the database (the API now takes only a KvK number as a
    ``subIdentificatorVan``, K5; data from before that rule can name an RSIN or a
    vestigingsnummer row the Klanten API keeps)."""
    response = ki_api.post_json(
        f"{KI_BASE}/partijen",
        {
            "soortPartij": "organisatie",
            "indicatieActief": True,
            "partijIdentificatie": {"naam": "Filiaal"},
        },
    )
    assert response.status_code == 201, response.content
    partij = response.json()
    response = ki_api.post_json(
        f"{KI_BASE}/partij-identificatoren",
        {
            "identificeerdePartij": {"uuid": partij["uuid"]},
            "partijIdentificator": {
                "codeObjecttype": "vestiging",
                "codeSoortObjectId": "vestigingsnummer",
                "objectId": "000011112222",
                "codeRegister": "hr",
            },
        },
    )
    assert response.status_code == 201, response.content
    PartijIdentificator.objects.filter(klant__uuid=partij["uuid"]).update(sub_identificator_van=rij)
    return partij


def vastgelegd() -> list[tuple[str, str, str]]:
    """(bron, actie, uuid of the main object) of each record, and (kanaal, actie, uuid) of
    each notification."""
    records = sorted(
        (r.bron, r.actie, r.hoofd_object.rsplit("/", 1)[-1]) for r in AuditTrail.objects.all()
    )
    meldingen = sorted(
        (n.bericht["kanaal"], n.bericht["actie"], n.bericht["resourceUrl"].rsplit("/", 1)[-1])
        for n in UitgaandeNotificatie.objects.all()
    )
    return records, meldingen


@pytest.mark.parametrize(
    ("soort", "wijziging"),
    [("rsin", "bezet"), ("vestigingsnummer", "bezet"), ("rsin", "leeg")],
)
def test_a_klant_leaving_an_identifier_a_sub_identifier_points_at_detaches_it(
    api, ki_api, notificaties, soort, wijziging
):
    subject_type, veld, waarde, bezet = SOORTEN[soort]
    klant = maak_klant(api, subject_type, veld, waarde, "Bakkerij")
    houder = maak_klant(api, subject_type, veld, bezet, "Bakker")
    rij = PartijIdentificator.objects.get(klant__uuid=uuid_van(klant), code_soort_object_id=soort)
    filiaal = vestiging_van(ki_api, rij)
    sub = PartijIdentificator.objects.get(klant__uuid=filiaal["uuid"])
    assert sub.sub_identificator_van_id == rij.pk
    filiaal_voor = ki_api.get(f"{KI_BASE}/partijen/{filiaal['uuid']}").json()
    AuditTrail.objects.all().delete()
    UitgaandeNotificatie.objects.all().delete()

    nieuw = bezet if wijziging == "bezet" else ""
    response = api.patch_json(klant["url"], {"subjectIdentificatie": {veld: nieuw}})

    assert response.status_code == 200, response.content
    assert response.json()["subjectIdentificatie"][veld] == nieuw
    # the row stays, without a partij, with its key; the sub-identifier still points at it
    rij.refresh_from_db()
    assert (rij.klant_id, rij.object_id) == (None, waarde)
    sub.refresh_from_db()
    assert sub.sub_identificator_van_id == rij.pk
    gelezen = ki_api.get(f"{KI_BASE}/partij-identificatoren/{rij.uuid}").json()
    assert gelezen["identificeerdePartij"] is None
    partij = ki_api.get(f"{KI_BASE}/partijen/{uuid_van(klant)}").json()
    assert str(rij.uuid) not in [i["uuid"] for i in partij["partijIdentificatoren"]]
    gewijzigd = Klant.objects.get(uuid=uuid_van(klant))
    if wijziging == "bezet":
        # K5: the key is the other klant's; this klant works for it
        assert gewijzigd.werkte_voor_partij.uuid.hex == uuid_van(houder).replace("-", "")
        assert partij["soortPartij"] == "contactpersoon"
    assert not gewijzigd.partij_identificatoren.exists()
    # the klant and its partij changed, once each; the filiaal's partij did not
    assert ki_api.get(f"{KI_BASE}/partijen/{filiaal['uuid']}").json() == filiaal_voor
    records, meldingen = vastgelegd()
    assert records == [
        ("kc", "partial_update", uuid_van(klant)),
        ("ki", "partial_update", uuid_van(klant)),
    ]
    assert meldingen == [
        ("klanten", "partial_update", uuid_van(klant)),
        ("partijen", "partial_update", uuid_van(klant)),
    ]
    laatste = AuditTrail.objects.get(bron="ki")
    assert laatste.nieuw == {**partij, "url": laatste.nieuw["url"]}


def test_an_identifier_no_other_points_at_is_still_removed(api):
    """Without a sub-identifier the row goes, as before (no loose rows pile up)."""
    klant = maak_klant(api, "niet_natuurlijk_persoon", "innNnpId", RSIN_2, "Bakkerij")
    rij = PartijIdentificator.objects.get(klant__uuid=uuid_van(klant))

    response = api.patch_json(klant["url"], {"subjectIdentificatie": {"innNnpId": ""}})

    assert response.status_code == 200, response.content
    assert not PartijIdentificator.objects.filter(pk=rij.pk).exists()


def test_deleting_a_klant_whose_hr_identifier_a_sub_identifier_points_at(api, ki_api, notificaties):
    """The deletion goes through (no 500); the HR identifier stays without a partij, so the
    vestiging's identifier keeps pointing at it; the klant's deletion is recorded as ever
    (``destroy`` on both kanalen) and the filiaal's partij, unchanged, not at all."""
    klant = maak_klant(api, "niet_natuurlijk_persoon", "innNnpId", RSIN_2, "Bakkerij")
    rij = PartijIdentificator.objects.get(klant__uuid=uuid_van(klant))
    filiaal = vestiging_van(ki_api, rij)
    filiaal_voor = ki_api.get(f"{KI_BASE}/partijen/{filiaal['uuid']}").json()
    AuditTrail.objects.all().delete()
    UitgaandeNotificatie.objects.all().delete()

    response = api.delete(klant["url"])

    assert response.status_code == 204, response.content
    assert not Klant.objects.filter(uuid=uuid_van(klant)).exists()
    rij.refresh_from_db()
    assert (rij.klant_id, rij.object_id) == (None, RSIN_2)
    assert PartijIdentificator.objects.get(klant__uuid=filiaal["uuid"]).sub_identificator_van == rij
    assert ki_api.get(f"{KI_BASE}/partijen/{filiaal['uuid']}").json() == filiaal_voor
    assert vastgelegd() == (
        [("kc", "destroy", uuid_van(klant)), ("ki", "destroy", uuid_van(klant))],
        [("klanten", "destroy", uuid_van(klant)), ("partijen", "destroy", uuid_van(klant))],
    )
