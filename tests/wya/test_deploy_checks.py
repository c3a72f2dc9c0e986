"""Finding 7: ``check --deploy`` refuses weak SECRET_KEY and LOCATION_HASH_KEY values."""

import secrets

import pytest

from wya.checks import check_key_strength, key_bits, weak_key_problem

STRONG = secrets.token_urlsafe(64)
OTHER_STRONG = secrets.token_urlsafe(64)


@pytest.mark.parametrize(
    "value",
    ["a", "dev-only-location-hash-key", "x" * 200, "ab" * 40, "django-insecure-" + STRONG],
)
def test_weak_keys_are_refused(value):
    assert weak_key_problem(value) is not None


def test_a_generated_key_passes():
    assert weak_key_problem(STRONG) is None
    assert key_bits(STRONG) > 256


def test_check_deploy_reports_the_probes_location_hash_key(settings):
    settings.SECRET_KEY = STRONG
    settings.LOCATION_HASH_KEY = "a"
    assert [error.id for error in check_key_strength()] == ["wya.E002"]


def test_check_deploy_refuses_the_same_key_twice(settings):
    settings.SECRET_KEY = settings.LOCATION_HASH_KEY = STRONG
    assert [error.id for error in check_key_strength()] == ["wya.E003"]


def test_check_deploy_is_clean_with_two_strong_keys(settings):
    settings.SECRET_KEY, settings.LOCATION_HASH_KEY = STRONG, OTHER_STRONG
    assert check_key_strength() == []
