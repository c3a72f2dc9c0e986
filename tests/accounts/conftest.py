import pytest


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """A cheap hasher keeps these tests quick; test_login.py keeps the real one (it overrides
    this fixture) so its timing and concurrency tests run against real hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def roomy_throttles(settings):
    """Throttles high enough that only the lockout is in play
    (the login tests of every door: API, page and /admin/)."""
    settings.RATE_LIMITS = {
        **settings.RATE_LIMITS,
        "login": "1000/min",
        "login_account": "1000/min",
    }
    settings.LOGIN_LOCKOUT_FAILURES = 5
    settings.LOGIN_LOCKOUT_SECONDS = 900
