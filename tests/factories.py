"""Factories for test data. Ages are relative to today, so segments never drift with time."""

import datetime as dt

import factory
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Profile, User
from rooms.models import ChatRoom, ChatRoomMember, ChatRoomMessage, Role
from safety.models import Block, ModerationAction, Report

PASSWORD = "correct-horse-battery-staple"


def confirmed_totp_device(user) -> TOTPDevice:
    """The staff member's authenticator (created confirmed, as after enrolment)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name="Test authenticator")


def totp_code(device: TOTPDevice) -> str:
    """The code an authenticator app shows now for ``device`` (django-otp's own TOTP; the
    device accepts one time step either side, so a step change meanwhile does not matter)."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def verified_staff_login(client, user):
    """Log ``client`` (Django's test client) in as ``user`` and, for staff, mark the session as
    passed through the admin's second factor exactly the way ``django_otp.login`` does (the
    device's persistent id in the session). The admin still checks it on every request
    (``OTPMiddleware``); only the typing of the code is skipped. Returns the client."""
    client.force_login(user)
    if user.is_staff:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = confirmed_totp_device(user).persistent_id
        session.save()
    return client


def registration_data(**overrides) -> dict:
    """A valid sign-up (page or API) of a 30-year-old; ``overrides`` change fields."""
    data = {
        "email": "New.Person@Example.TEST",
        "password": PASSWORD,
        "date_of_birth": birth_date_for_age(30).isoformat(),
        "display_name": "New Person",
    }
    data.update(overrides)
    return data


def birth_date_for_age(years: int, days_after_birthday: int = 30) -> dt.date:
    today = timezone.localdate()
    try:
        birthday = today.replace(year=today.year - years)
    except ValueError:
        birthday = dt.date(today.year - years, 2, 28)
    return birthday - dt.timedelta(days=days_after_birthday)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    date_of_birth = factory.LazyFunction(lambda: birth_date_for_age(25))
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)
    profile = factory.RelatedFactory("tests.factories.ProfileFactory", factory_related_name="user")

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save(update_fields=["password"])


class TeenFactory(UserFactory):
    date_of_birth = factory.LazyFunction(lambda: birth_date_for_age(15))


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile

    user = factory.SubFactory(UserFactory, profile=None)
    display_name = factory.Sequence(lambda n: f"Person {n}")


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChatRoom
        skip_postgeneration_save = True

    room_name = factory.Sequence(lambda n: f"Room {n}")
    owner = factory.SubFactory(UserFactory)
    is_public = True
    max_participants = 10
    owner_membership = factory.RelatedFactory(
        "tests.factories.MemberFactory",
        factory_related_name="room",
        user=factory.SelfAttribute("..owner"),
        role=Role.OWNER,
    )


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChatRoomMember

    room = factory.SubFactory(RoomFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.USER


class RoomMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChatRoomMessage

    room = factory.SubFactory(RoomFactory)
    user = factory.SelfAttribute("room.owner")
    message = factory.Sequence(lambda n: f"message {n}")


class BlockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Block

    blocker = factory.SubFactory(UserFactory)
    blocked = factory.SubFactory(UserFactory)


class ModerationActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ModerationAction

    moderator = factory.SubFactory(UserFactory, is_staff=True)
    target_user = factory.SubFactory(UserFactory)
    action_type = "warn"
    reason = "Please be kind."


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Report

    reporter = factory.SubFactory(UserFactory)
    reported_user = factory.SubFactory(UserFactory)
    report_type = "harassment"
    description = "They were mean."
