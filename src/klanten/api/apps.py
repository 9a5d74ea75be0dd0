from django.apps import AppConfig


class APIConfig(AppConfig):
    name = "klanten.api"
    label = "klanten_api"

    def ready(self):
        import requests
        from notifications_api_common.autoretry import add_autoretry_behaviour
        from notifications_api_common.tasks import NotificationException, send_notification

        from . import schema  # noqa: F401  (registers the OpenAPI extensions)

        # C13: failed deliveries are retried with exponential backoff; the number of retries
        # and the backoff are set in the admin (NotificationsConfig)
        add_autoretry_behaviour(
            send_notification,
            autoretry_for=(NotificationException, requests.RequestException),
            retry_jitter=False,
        )
