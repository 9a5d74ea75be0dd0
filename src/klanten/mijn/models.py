"""The audit log of "Mijn klantgegevens": who did what, when, without plain identifiers."""

from django.db import models


class Actie(models.TextChoices):
    inloggen = "inloggen", "Ingelogd"
    inloggen_geweigerd = "inloggen_geweigerd", "Inloggen geweigerd"
    uitloggen = "uitloggen", "Uitgelogd"
    sessie_verlopen = "sessie_verlopen", "Sessie verlopen"
    bekijken = "bekijken", "Gegevens bekeken"
    registreren = "registreren", "Klant geregistreerd"
    wijzigen = "wijzigen", "Gegevens gewijzigd"
    verwijderen = "verwijderen", "Klant verwijderd"
    bevestigen = "bevestigen", "Gegevens bevestigd (klant gevalideerd)"
    geweigerd = "geweigerd", "Geweigerd"


class Gebeurtenis(models.Model):
    """One action of a resident. The person is recorded as a keyed pseudonym of their
    identifier (never the BSN or KvK number itself); the klant by its uuid."""

    id = models.BigAutoField(primary_key=True)
    tijdstip = models.DateTimeField(auto_now_add=True, db_index=True)
    actie = models.CharField(max_length=30, choices=Actie.choices)
    reden = models.CharField(
        max_length=60, blank=True, help_text="Code van de weigering of fout, indien van toepassing."
    )
    pseudoniem = models.CharField(
        max_length=64, blank=True, db_index=True, help_text="Pseudoniem van de persoon."
    )
    sleutel_type = models.CharField(max_length=20, blank=True)
    middel = models.CharField(max_length=50, blank=True)
    rang = models.PositiveSmallIntegerField(null=True, blank=True)
    uitgever = models.CharField(max_length=500, blank=True)
    klant_uuid = models.UUIDField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = "gebeurtenis in Mijn klantgegevens"
        verbose_name_plural = "gebeurtenissen in Mijn klantgegevens"
        ordering = ("-tijdstip", "-id")

    def __str__(self) -> str:
        return f"{self.get_actie_display()} ({self.tijdstip:%Y-%m-%d %H:%M})"
