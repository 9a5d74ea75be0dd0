"""The tombstones of destroyed klanten and the destruction runs, and (defined in
``klanten.notificaties.models``, registered here) the notification outbox.

None of these tables holds personal data: a notification carries URLs and the kenmerk
``subjectType`` only (C13, P1), a tombstone the uuid, the date and the reason (R2).
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from klanten.datamodel.constants import VernietigingsGrond
from klanten.notificaties.models import NotificatieStatus, UitgaandeNotificatie

__all__ = ["NotificatieStatus", "UitgaandeNotificatie", "VernietigdeKlant", "Vernietigingsrun"]


class VernietigdeKlant(models.Model):
    """R2: the tombstone of a klant destroyed because its retention ended. No personal data:
    the uuid (which only appeared in its URL), when and why."""

    uuid = models.UUIDField(primary_key=True)
    vernietigd_op = models.DateTimeField(default=timezone.now, db_index=True)
    vernietigingsdatum = models.DateField(help_text="De vernietigingsdatum die was bereikt.")
    grond = models.CharField(max_length=20, choices=VernietigingsGrond.choices)

    class Meta:
        verbose_name = "vernietigde klant"
        verbose_name_plural = "vernietigde klanten"
        ordering = ("-vernietigd_op",)

    def __str__(self) -> str:
        return str(self.uuid)


class RunStatus(models.TextChoices):
    bezig = "bezig", "Bezig"
    geslaagd = "geslaagd", "Geslaagd"
    mislukt = "mislukt", "Mislukt"


class Vernietigingsrun(models.Model):
    """One run of the destruction task (scheduled or by hand), for monitoring."""

    id = models.BigAutoField(primary_key=True)
    gestart_op = models.DateTimeField(default=timezone.now)
    beeindigd_op = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.bezig)
    handmatig = models.BooleanField(default=False)
    aantal_vernietigd = models.PositiveIntegerField(default=0)
    fout = models.CharField(
        max_length=200, blank=True, help_text="Soort fout (geen gegevens van klanten)."
    )

    class Meta:
        verbose_name = "vernietigingsrun"
        verbose_name_plural = "vernietigingsruns"
        ordering = ("-gestart_op", "-id")
        indexes = [
            models.Index(
                fields=["-beeindigd_op"],
                condition=Q(status="geslaagd"),
                name="vernietigingsrun_geslaagd_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} {self.gestart_op:%Y-%m-%d %H:%M}"
