"""Fixtures of the admin tests (loaded with ``pytest_plugins``): users in the predefined
groups, logged in, and a cache without remembered filter choices (``fresh_cache``, used
by every admin test module)."""

import pytest
from django.core.cache import cache

from klanten.beheer.groups import BEHEERDER, RAADPLEGER

from .admin_helpers import staff_user


@pytest.fixture
def fresh_cache():
    """Filter choices are cached; every test starts without them."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def beheerder(django_user_model):
    return staff_user(django_user_model, "beheerder", BEHEERDER)


@pytest.fixture
def raadpleger(django_user_model):
    return staff_user(django_user_model, "raadpleger", RAADPLEGER)


@pytest.fixture
def beheerder_client(client, beheerder):
    client.force_login(beheerder)
    return client


@pytest.fixture
def raadpleger_client(client, raadpleger):
    client.force_login(raadpleger)
    return client
