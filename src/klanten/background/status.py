"""The state of the background side, for monitoring (``/health/background``) and the admin.

Counts and times only; nothing about klanten.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Min, Q
from django.utils import timezone

from .models import NotificatieStatus, RunStatus, UitgaandeNotificatie, Vernietigingsrun

# a destruction run is expected daily; warn when the last successful one is older than this
VERNIETIGING_MAX_LEEFTIJD = timedelta(hours=26)
# a notification due for longer than this is overdue: nothing is sending (worker, beat down?)
NOTIFICATIE_MAX_VERTRAGING = timedelta(minutes=10)


def _iso(value):
    return timezone.localtime(value).isoformat() if value else None


def achtergrond_status() -> dict:
    now = timezone.now()
    laatste_geslaagd = (
        Vernietigingsrun.objects.filter(status=RunStatus.geslaagd).order_by("-beeindigd_op").first()
    )
    laatste = Vernietigingsrun.objects.order_by("-gestart_op", "-id").first()
    counts = UitgaandeNotificatie.objects.exclude(status=NotificatieStatus.afgeleverd).aggregate(
        te_versturen=Count("pk", filter=Q(status=NotificatieStatus.te_versturen)),
        achterstallig=Count(
            "pk",
            filter=Q(
                status=NotificatieStatus.te_versturen,
                volgende_poging__lt=now - NOTIFICATIE_MAX_VERTRAGING,
            ),
        ),
        mislukt=Count("pk", filter=Q(status=NotificatieStatus.mislukt)),
        oudste=Min("aangemaakt_op"),
    )
    problemen = []
    if counts["mislukt"]:
        problemen.append("notifications_failed")
    if counts["achterstallig"]:
        problemen.append("notifications_overdue")
    if laatste is not None and laatste.status == RunStatus.mislukt:
        problemen.append("destruction_failed")
    if (
        laatste_geslaagd is not None
        and now - laatste_geslaagd.beeindigd_op > VERNIETIGING_MAX_LEEFTIJD
    ):
        problemen.append("destruction_late")
    return {
        "status": "warning" if problemen else "ok",
        "problems": problemen,
        "destruction": {
            "last_success": _iso(laatste_geslaagd.beeindigd_op) if laatste_geslaagd else None,
            "last_success_destroyed": laatste_geslaagd.aantal_vernietigd
            if laatste_geslaagd
            else None,
            "last_run": {
                "started": _iso(laatste.gestart_op),
                "finished": _iso(laatste.beeindigd_op),
                "status": laatste.status,
                "destroyed": laatste.aantal_vernietigd,
                "manual": laatste.handmatig,
            }
            if laatste
            else None,
        },
        "notifications": {
            "undelivered": counts["te_versturen"] + counts["mislukt"],
            "pending": counts["te_versturen"],
            "overdue": counts["achterstallig"],
            "failed": counts["mislukt"],
            "oldest_undelivered": _iso(counts["oudste"]),
        },
    }
