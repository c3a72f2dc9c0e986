import pytest


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """A cheap hasher keeps these tests quick; test_login.py keeps the real one (it overrides
    this fixture) so its timing and concurrency tests run against real hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
