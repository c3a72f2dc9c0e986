import pytest


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """A cheap hasher keeps these tests quick (passwords play no part in blocks)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
