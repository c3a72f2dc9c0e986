"""``manage.py seed_demo``: a demo world, idempotent, refused in production unless forced."""

import base64
import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from messaging.models import PrivateMessage
from rooms.models import ChatRoom, ChatRoomMessage
from safety import policy
from safety.models import Report
from tests.factories import totp_code
from wya.management.commands.seed_demo import DEMO_PASSWORD, DEMO_TOTP_SECRET

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def counts():
    return (
        User.objects.count(),
        ChatRoom.objects.count(),
        ChatRoomMessage.objects.count(),
        PrivateMessage.objects.count(),
        Report.objects.count(),
    )


def test_it_refuses_when_debug_is_off_unless_forced(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--force"):
        seed()
    assert not User.objects.exists()


def test_it_builds_a_world_with_adults_teens_rooms_history_dms_reports_and_a_moderator(settings):
    settings.DEBUG = True

    output = seed()

    assert "[" + "#" * 30 + "]" in output  # the progress bar reached the end
    adults = [u for u in User.objects.all() if policy.age_segment(u) == "adult"]
    teens = [u for u in User.objects.all() if policy.age_segment(u) == "teen"]
    assert len(adults) >= 6 and len(teens) >= 4
    assert all(u.profile.avatar_url and u.profile.avatar_url.startswith("/media/") for u in adults)
    assert ChatRoomMessage.objects.count() >= 15 and PrivateMessage.objects.count() >= 8
    assert Report.objects.filter(status="pending").count() == 2
    moderator = User.objects.get(email="moderator@demo.wya.test")
    assert moderator.is_staff and moderator.groups.filter(name="Moderators").exists()
    assert Group.objects.filter(name="Moderators").exists()
    for room in ChatRoom.objects.all():  # nobody shares a room across segments
        segments = {policy.age_segment(m.user) for m in room.memberships.select_related("user")}
        assert len(segments) == 1, room.room_name


def test_a_second_run_changes_nothing(settings):
    settings.DEBUG = True
    seed()
    before = counts()

    seed()

    assert counts() == before


def test_first_run_mode_leaves_an_existing_database_alone(settings, adult):
    settings.DEBUG = True

    seed(first_run=True)

    assert User.objects.count() == 1


def test_the_demo_moderator_enters_the_admin_with_the_published_totp_secret(settings):
    settings.DEBUG = True
    seed()
    moderator = User.objects.get(email="moderator@demo.wya.test")
    device = TOTPDevice.objects.get(user=moderator, confirmed=True)
    assert base64.b32encode(device.bin_key).decode() == DEMO_TOTP_SECRET
    client = Client()

    client.post("/admin/login/", {"username": moderator.email, "password": DEMO_PASSWORD})
    response = client.post("/admin/otp/", {"otp_token": totp_code(device)})

    assert response.status_code == 302
    assert client.get("/admin/safety/report/").status_code == 200


def test_a_forced_production_seed_plants_no_published_totp_secret(settings):
    settings.DEBUG = False

    seed(force=True)

    assert User.objects.filter(email="moderator@demo.wya.test", is_staff=True).exists()
    assert not TOTPDevice.objects.exists()  # the moderator enrols an authenticator of their own
