"""Finding 7: ``createsuperuser --noinput`` honours DJANGO_SUPERUSER_DISPLAY_NAME."""

import pytest
from django.core.management import call_command

from accounts.models import Profile, User

pytestmark = pytest.mark.django_db


def test_createsuperuser_noinput_takes_the_display_name_from_the_environment(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-admin-passphrase")
    monkeypatch.setenv("DJANGO_SUPERUSER_DATE_OF_BIRTH", "1980-01-01")
    monkeypatch.setenv("DJANGO_SUPERUSER_DISPLAY_NAME", "Ops Olga")

    call_command("createsuperuser", "--noinput", "--email", "olga@example.test", verbosity=0)

    user = User.objects.get(email="olga@example.test")
    assert user.is_superuser
    assert Profile.objects.get(user=user).display_name == "Ops Olga"


def test_createsuperuser_takes_a_display_name_option(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-admin-passphrase")
    monkeypatch.setenv("DJANGO_SUPERUSER_DATE_OF_BIRTH", "1980-01-01")
    monkeypatch.delenv("DJANGO_SUPERUSER_DISPLAY_NAME", raising=False)

    call_command(
        "createsuperuser",
        "--noinput",
        "--email",
        "max@example.test",
        "--display-name",
        "Max Ops",
        verbosity=0,
    )

    assert Profile.objects.get(user__email="max@example.test").display_name == "Max Ops"
