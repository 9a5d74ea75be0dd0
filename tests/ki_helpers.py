"""Helpers of the klantcontact side's tests: the clients as the real ones are configured
(ki-a's ``ki_fixtures``), and a partij the asking client may see."""

import pytest

from klanten.datamodel import services

from .ki_fixtures import KI_BASE, KI_SCOPES, ki_url

KI = KI_BASE
RSIN = "123456782"

__all__ = ["KI", "RSIN", "ki_url", "partij_voor"]


def partij_voor(client, achternaam: str = "Jansen") -> dict:
    """A partij (a klant registered by ``client``'s application, so visible to it) as
    ``{uuid, url}``."""
    klant = services.create_klant(
        {
            "bronorganisatie": RSIN,
            "subject_type": "natuurlijk_persoon",
            "achternaam": achternaam,
            "subject_identificatie": {"geslachtsnaam": achternaam},
            "geregistreerd_door": client.applicatie.uuid,
        }
    )
    return {"uuid": str(klant.uuid), "url": ki_url("partijen", klant.uuid)}


@pytest.fixture
def kiss(make_ki_client):
    """KISS: every Klantinteracties scope, never a trusted asserter (K4)."""
    return make_ki_client()


@pytest.fixture
def kiss_zoeken(make_ki_client):
    """KISS with the K7 permission to search digital addresses of betrokkenen."""
    return make_ki_client(scopes=(*KI_SCOPES, "klantinteracties.adressen_zoeken"))


@pytest.fixture
def open_forms(make_ki_client):
    """Open Forms: a trusted asserter (K4)."""
    return make_ki_client(vertrouwd=True)
