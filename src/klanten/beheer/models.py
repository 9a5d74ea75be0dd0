"""The log of data managers' access to klantgegevens, and the environment settings page."""

from django.db import models


class BeheerActie(models.TextChoices):
    inzage_identificatie = "inzage_identificatie", "Volledige identificatie bekeken"
    export = "export", "Gegevens geëxporteerd (privacyverzoek)"
    vernietiging = "vernietiging", "Klant vernietigd (privacyverzoek)"


class BeheerGebeurtenis(models.Model):
    """One access by a staff user: who, when, what, which klant. No personal data of the klant:
    the klant is its uuid and ``bronorganisatie - klantnummer``."""

    id = models.BigAutoField(primary_key=True)
    tijdstip = models.DateTimeField(auto_now_add=True, db_index=True)
    actie = models.CharField(max_length=30, choices=BeheerActie.choices)
    gebruiker = models.CharField(max_length=255, help_text="Gebruikersnaam van de medewerker.")
    gebruiker_weergave = models.CharField(max_length=255, blank=True)
    klant_uuid = models.UUIDField(db_index=True)
    klant_pk = models.BigIntegerField(
        null=True,
        blank=True,
        db_index=True,
        help_text="De interne sleutel van de klant: een oude link naar een vernietigde klant "
        "wordt zo herkend.",
    )
    klant_weergave = models.CharField(
        max_length=40, blank=True, help_text="bronorganisatie - klantnummer"
    )
    toelichting = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = "inzage of export door een medewerker"
        verbose_name_plural = "inzage- en exportlog"
        ordering = ("-tijdstip", "-id")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.get_actie_display()} door {self.gebruiker} ({self.tijdstip:%Y-%m-%d %H:%M})"


class Instellingen(models.Model):
    """No table: the admin entry of the read-only overview of the environment settings
    (assurance minimums, promotion mode, notifications)."""

    class Meta:
        managed = False
        verbose_name = "instellingen (omgeving)"
        verbose_name_plural = "instellingen (omgeving)"
        default_permissions = ("view",)
