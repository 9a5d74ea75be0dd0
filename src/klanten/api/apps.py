from django.apps import AppConfig


class APIConfig(AppConfig):
    name = "klanten.api"
    label = "klanten_api"

    def ready(self):
        from . import schema  # noqa: F401  (registers the OpenAPI extensions)

        # C13: notifications are not sent by notifications_api_common's send_notification task
        # (whose retries would run inside the request without a broker) but through the
        # outbox of klanten.background, with its own backoff and maximum number of attempts.
