"""Input and output shapes of the accounts API. Field rules come from ``accounts.validators``
(the services check them again: one definition, every path)."""

from django.core.validators import validate_email
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import profile_value
from accounts.validators import (
    BIO_MAX,
    DISPLAY_NAME_MAX,
    LOCATION_MAX,
    clean_display_name,
    clean_email,
    validate_profile_image_url,
)
from messaging.serializers import PresenceOutput
from safety import policy
from wya.api import StrictSerializer
from wya.validators import (
    DEFAULT_THEME_COLOR,
    MEDIA_URL_MAX,
    MUSIC_URL_MAX,
    validate_color,
    validate_music_url,
)


class RegisterInput(StrictSerializer):
    # A CharField, normalised before it is validated: a full-width address is the plain one.
    email = serializers.CharField(max_length=255)
    password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True)
    date_of_birth = serializers.DateField()
    display_name = serializers.CharField(max_length=DISPLAY_NAME_MAX)

    def validate_email(self, value):
        email = clean_email(value)
        validate_email(email)
        return email

    def validate_display_name(self, value):
        return clean_display_name(value)


class LoginInput(StrictSerializer):
    email = serializers.CharField(max_length=255)
    password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True)


class TokenOutput(serializers.Serializer):
    token = serializers.CharField()


class PasswordInput(StrictSerializer):
    password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True)


class ProfileFieldsOutput(serializers.Serializer):
    """The profile part of a user, read from ``user.profile`` (absent profile: defaults)."""

    display_name = serializers.SerializerMethodField()
    bio = serializers.SerializerMethodField()
    avatar_url = serializers.SerializerMethodField()
    banner_url = serializers.SerializerMethodField()
    theme_color = serializers.SerializerMethodField()
    profile_music_url = serializers.SerializerMethodField()
    profile_music_provider = serializers.SerializerMethodField()
    location = serializers.SerializerMethodField()

    def get_display_name(self, user) -> str:
        return profile_value(user, "display_name", "")

    def get_bio(self, user) -> str | None:
        return profile_value(user, "bio")

    def get_avatar_url(self, user) -> str | None:
        return profile_value(user, "avatar_url")

    def get_banner_url(self, user) -> str | None:
        return profile_value(user, "banner_url")

    def get_theme_color(self, user) -> str:
        return profile_value(user, "theme_color", DEFAULT_THEME_COLOR)

    def get_profile_music_url(self, user) -> str | None:
        return profile_value(user, "profile_music_url")

    def get_profile_music_provider(self, user) -> str | None:
        return profile_value(user, "profile_music_provider")

    def get_location(self, user) -> str | None:
        return profile_value(user, "location")


class MeOutput(ProfileFieldsOutput):
    """Own account and profile, flat. Account fields are read-only over the API."""

    id = serializers.CharField()
    email = serializers.CharField()
    email_verified = serializers.BooleanField()
    date_of_birth = serializers.DateField()
    age_segment = serializers.SerializerMethodField()
    is_active = serializers.BooleanField()
    is_staff = serializers.BooleanField()
    is_superuser = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.SerializerMethodField()

    def get_age_segment(self, user) -> str | None:
        return policy.age_segment(user)

    def get_updated_at(self, user) -> str | None:
        value = profile_value(user, "updated_at")
        return serializers.DateTimeField().to_representation(value) if value else None


class RegisterOutput(serializers.Serializer):
    user = MeOutput()
    token = serializers.CharField()


class MePatchInput(StrictSerializer):
    """Editable profile fields. Anything else in the body (email, date_of_birth, staff flags,
    id, email_verified, is_active, a typo) is refused with a 400 naming it."""

    display_name = serializers.CharField(max_length=DISPLAY_NAME_MAX, required=False)
    bio = serializers.CharField(
        max_length=BIO_MAX, required=False, allow_null=True, allow_blank=True
    )
    avatar_url = serializers.CharField(
        max_length=MEDIA_URL_MAX, required=False, allow_null=True, allow_blank=True
    )
    banner_url = serializers.CharField(
        max_length=MEDIA_URL_MAX, required=False, allow_null=True, allow_blank=True
    )
    theme_color = serializers.CharField(max_length=7, required=False, validators=[validate_color])
    profile_music_url = serializers.CharField(
        max_length=MUSIC_URL_MAX, required=False, allow_null=True, allow_blank=True
    )
    location = serializers.CharField(
        max_length=LOCATION_MAX, required=False, allow_null=True, allow_blank=True
    )

    def validate_display_name(self, value):
        return clean_display_name(value)

    def _image(self, value):
        if value:
            validate_profile_image_url(value, self.context["user"])
        return value

    def validate_avatar_url(self, value):
        return self._image(value)

    def validate_banner_url(self, value):
        return self._image(value)

    def validate_profile_music_url(self, value):
        if value:
            validate_music_url(value.strip())
        return value


class PublicProfileOutput(ProfileFieldsOutput):
    """What others see: no email, no date of birth, no flags."""

    id = serializers.CharField()
    presence = serializers.SerializerMethodField()
    # "Quiet hours 22:00–07:00" when they are on (docs/moderation.md "Minors"), else null
    quiet_hours = serializers.SerializerMethodField()

    @extend_schema_field(PresenceOutput(allow_null=True))
    def get_presence(self, user) -> dict | None:
        state = self.context.get("presence")
        return None if state is None else PresenceOutput(state).data

    def get_quiet_hours(self, user) -> str | None:
        return policy.quiet_hours_note(user)


# Quiet hours are a clock time "HH:MM" (local time), in and out; OpenAPI's "time" format would
# promise seconds and an offset (RFC 3339), so the schema says what is really sent.
CLOCK_TIME_SCHEMA = {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$", "example": "22:00"}


@extend_schema_field(CLOCK_TIME_SCHEMA)
class ClockTimeField(serializers.TimeField):
    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", input_formats=["%H:%M"], **kwargs)


class SafetySettingsInput(StrictSerializer):
    """PATCH /api/me/safety-settings/: any of the four, times as HH:MM (local time)."""

    quiet_hours_enabled = serializers.BooleanField(required=False)
    quiet_from = ClockTimeField(required=False)
    quiet_to = ClockTimeField(required=False)
    read_receipts_enabled = serializers.BooleanField(required=False)


class SafetySettingsOutput(serializers.Serializer):
    quiet_hours_enabled = serializers.BooleanField()
    quiet_from = ClockTimeField()
    quiet_to = ClockTimeField()
    read_receipts_enabled = serializers.BooleanField()
