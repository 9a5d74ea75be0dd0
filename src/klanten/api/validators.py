"""Small DRF validators wrapping the business rules, each with a fixed error code."""

from collections.abc import Callable

import requests
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from zgw_consumers.client import build_client
from zgw_consumers.models import Service

from klanten.datamodel import rules


def from_rule(rule: Callable[[str], None]) -> Callable[[str], None]:
    """Turn a rule raising a Django ValidationError into a DRF field validator."""

    def validator(value: str) -> None:
        if value in ("", None):
            return
        try:
            rule(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages[0], code=exc.code) from exc

    validator.__name__ = rule.__name__
    return validator


rsin_validator = from_rule(rules.validate_rsin)
bsn_validator = from_rule(rules.validate_bsn)
a_nummer_validator = from_rule(rules.validate_a_nummer)


def subject_url_responds(url: str) -> bool:
    """kla-002: the subject URL must answer HTTP 200.

    When the URL belongs to a configured service (zgw-consumers), that service's credentials
    are used. Any network failure or non-200 answer counts as "no".
    """
    timeout = settings.SUBJECT_URL_TIMEOUT
    try:
        service = Service.get_service(url)
        if service is not None:
            with build_client(service) as client:
                response = client.get(url, timeout=timeout)
        else:
            response = requests.get(url, timeout=timeout)
    except (requests.RequestException, ValueError):
        return False
    return response.status_code == 200


def validate_subject_url(url: str) -> None:
    if not subject_url_responds(url):
        raise serializers.ValidationError(
            "De subject-URL is ongeldig of niet bereikbaar (HTTP 200 verwacht).",
            code="bad-url",
        )
