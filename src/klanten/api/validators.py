"""Small DRF validators wrapping the business rules, each with a fixed error code."""

from collections.abc import Callable

import structlog
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from klanten import outbound
from klanten.datamodel import rules

logger = structlog.stdlib.get_logger(__name__)


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


def subject_url_problem(url: str) -> str | None:
    """kla-002: why the subject URL is no subject (None when it answers HTTP 200).

    An outbound call (:func:`klanten.outbound.fetch`): within ``SUBJECT_URL_TIMEOUT`` seconds
    in all, an answer of at most ``OUTBOUND_MAX_RESPONSE_BYTES``, redirects within the same
    host only, and no internal address unless the URL lies under a configured service (whose
    credentials are then used).
    """
    try:
        response = outbound.fetch(url, deadline=settings.SUBJECT_URL_TIMEOUT)
    except outbound.OutboundError as exc:
        logger.info("subject_url_refused", reason=exc.reason)
        return SUBJECT_URL_PROBLEMS.get(exc.reason, SUBJECT_URL_PROBLEMS["connection-failed"])
    if response.status != 200:
        return f"De subject-URL antwoordt niet met HTTP 200 (maar {response.status})."
    return None


SUBJECT_URL_PROBLEMS = {
    "invalid-url": "De subject-URL is geen absolute http- of https-URL.",
    "internal-address": "De subject-URL verwijst naar een intern adres en hoort bij geen "
    "geconfigureerde service.",
    "redirect-refused": "De subject-URL verwijst door naar een andere host.",
    "deadline-exceeded": "De subject-URL antwoordde niet op tijd.",
    "response-too-large": "Het antwoord van de subject-URL is te groot.",
    "connection-failed": "De subject-URL is niet bereikbaar.",
}


def subject_url_responds(url: str) -> bool:
    """kla-002: the subject URL answers HTTP 200 (see :func:`subject_url_problem`)."""
    return subject_url_problem(url) is None


def validate_subject_url(url: str) -> None:
    problem = subject_url_problem(url)
    if problem is not None:
        raise serializers.ValidationError(problem, code="bad-url")
