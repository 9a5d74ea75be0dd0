"""A fresh installation gets the Notificaties configuration row from an old migration of
notifications-api-common, with that version's retry defaults (5 retries, 3 s backoff, at most
48 s: given up after about 3 minutes). Rows still at exactly those values get the library's
current defaults (7 retries, 25 s backoff, base 4, at most 52000 s: about a day), so that an
outage of the Notificaties API of some hours is survived. Values set on purpose stay."""

from django.db import migrations

OUD = {
    "notification_delivery_max_retries": 5,
    "notification_delivery_retry_backoff": 3,
    "notification_delivery_retry_backoff_max": 48,
}
NIEUW = {
    "notification_delivery_max_retries": 7,
    "notification_delivery_retry_backoff": 25,
    "notification_delivery_retry_backoff_max": 52000,
    "notification_delivery_base_factor": 4,
}


def ruimere_backoff(apps, schema_editor):
    NotificationsConfig = apps.get_model("notifications_api_common", "NotificationsConfig")
    NotificationsConfig.objects.filter(**OUD).update(**NIEUW)


class Migration(migrations.Migration):
    dependencies = [
        ("background", "0001_initial"),
        ("notifications_api_common", "0011_failednotification_notificationresponse"),
    ]

    operations = [migrations.RunPython(ruimere_backoff, migrations.RunPython.noop)]
