"""The outbox table of the notifications.

The table belongs to the ``background`` app (``Meta.app_label``): its migrations, admin pages
and permissions (``background.change_uitgaandenotificatie``) stay where they have always been,
while the code that writes and sends it lives here, below every app that uses it.
``klanten.background.models`` imports it, so the model is registered with that app.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class NotificatieStatus(models.TextChoices):
    te_versturen = "te_versturen", "Te versturen"
    afgeleverd = "afgeleverd", "Afgeleverd"
    mislukt = "mislukt", "Mislukt (maximum aantal pogingen bereikt)"


class UitgaandeNotificatie(models.Model):
    """One notification to the Notificaties API, written in the same transaction as the change
    it reports (transactional outbox) and sent after the commit. It holds no personal data:
    URLs and kenmerken only."""

    id = models.BigAutoField(primary_key=True)
    aangemaakt_op = models.DateTimeField(default=timezone.now)
    bericht = models.JSONField(help_text="Het bericht zoals het wordt verstuurd.")
    actie = models.CharField(max_length=30)
    resource_url = models.URLField(max_length=1000)
    status = models.CharField(
        max_length=20, choices=NotificatieStatus.choices, default=NotificatieStatus.te_versturen
    )
    pogingen = models.PositiveIntegerField(default=0)
    volgende_poging = models.DateTimeField(
        default=timezone.now, help_text="Niet eerder versturen dan dit moment (backoff)."
    )
    laatste_poging_op = models.DateTimeField(null=True, blank=True)
    laatste_fout = models.CharField(max_length=1000, blank=True)
    afgeleverd_op = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "background"
        verbose_name = "uitgaande notificatie"
        verbose_name_plural = "uitgaande notificaties"
        indexes = [
            # the periodic task: what is due, oldest first
            models.Index(
                fields=["volgende_poging", "id"],
                condition=Q(status="te_versturen"),
                name="notificatie_te_versturen_idx",
            ),
            models.Index(
                fields=["id"], condition=Q(status="mislukt"), name="notificatie_mislukt_idx"
            ),
            models.Index(
                fields=["afgeleverd_op"],
                condition=Q(status="afgeleverd"),
                name="notificatie_afgeleverd_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.actie} {self.resource_url}"
