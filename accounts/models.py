"""``auth_users`` and ``user_profiles`` exactly as the Alpha schema lock writes them.

The lock's columns come first in each model; Django's authentication columns and
``date_of_birth`` come on top (docs/schema.md lists them).
"""

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone

from accounts.validators import clean_email, normalize_email, validate_email_characters
from wya.db import TimestampField, new_uuid_str
from wya.validators import DEFAULT_THEME_COLOR


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        """Login by email (``ModelBackend``: the admin login, ``createsuperuser``'s duplicate
        check) finds the account whatever the case or width the address was typed in."""
        return self.get(email=normalize_email(username))

    def create_user(self, email: str, password: str | None = None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=clean_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    # --- the lock ---
    id = models.CharField(primary_key=True, max_length=255, default=new_uuid_str, editable=False)
    email = models.CharField(max_length=255, unique=True, validators=[validate_email_characters])
    created_at = TimestampField(default=timezone.now)
    # --- on top: Django auth (password, last_login, is_superuser come from the mixins) ---
    date_of_birth = models.DateField()
    email_verified = models.BooleanField(default=False)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["date_of_birth"]

    class Meta:
        db_table = "auth_users"

    def __str__(self) -> str:
        return self.email


class Profile(models.Model):
    MUSIC_PROVIDERS = [("spotify", "Spotify"), ("soundcloud", "SoundCloud")]

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(max_length=50)
    bio = models.TextField(null=True, blank=True)
    avatar_url = models.TextField(null=True, blank=True)
    banner_url = models.TextField(null=True, blank=True)
    theme_color = models.CharField(
        max_length=20, default=DEFAULT_THEME_COLOR, db_default=DEFAULT_THEME_COLOR
    )
    profile_music_url = models.TextField(null=True, blank=True)
    profile_music_provider = models.CharField(
        max_length=20, null=True, blank=True, choices=MUSIC_PROVIDERS
    )
    location = models.CharField(max_length=100, null=True, blank=True)
    created_at = TimestampField(default=timezone.now)
    updated_at = TimestampField(default=timezone.now)

    class Meta:
        db_table = "user_profiles"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(profile_music_provider__in=["spotify", "soundcloud"]),
                name="user_profiles_music_provider_check",
            )
        ]

    def __str__(self) -> str:
        return self.display_name


class SanctionHold(models.Model):
    """A sanction that outlives a deleted account (docs/accounts.md "Deletion and retention").

    Written by ``accounts.services.account_tombstone`` for each mute, restriction or platform ban
    in force at deletion; read by registration, so the same address (normalised, then keyed-
    hashed: the raw address of a deleted person is not kept) cannot come back free before the
    end. A table on top of the lock (docs/schema.md).
    """

    ACTION_TYPES = [("mute", "Mute"), ("restrict", "Restrict"), ("ban", "Platform ban")]

    email_digest = models.CharField(max_length=64, db_index=True)
    action_type = models.CharField(max_length=20, choices=ACTION_TYPES)
    expires_at = models.DateTimeField(null=True, blank=True)  # NULL: until lifted
    # The action that imposed the sanction (moderation rows are never deleted: PROTECT).
    moderation_action = models.ForeignKey(
        "safety.ModerationAction", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "sanction_holds"

    def __str__(self) -> str:
        return f"{self.action_type} hold until {self.expires_at or 'lifted'}"


def profile_value(user, name: str, default: Any = None) -> Any:
    """One field of ``user``'s profile, or ``default`` when the user has no profile (an account
    made by ``createsuperuser``). The one way pages, serializers and the console read it."""
    profile = getattr(user, "profile", None)  # the missing relation is an AttributeError
    return getattr(profile, name) if profile is not None else default


def display_name_of(user, default: str) -> str:
    """The name to show for ``user``: their display name, else ``default`` ("Someone", …)."""
    return profile_value(user, "display_name") or default


class UserSafetySettings(models.Model):
    """A person's quiet hours and read receipts (docs/moderation.md "Minors"). Written only when
    they change one (``accounts.services.safety_settings_update``); without a row the defaults
    of their segment apply (``safety.policy.safety_settings_of``). A table on top of the lock
    (docs/schema.md)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="safety_settings",
    )
    quiet_hours_enabled = models.BooleanField()
    quiet_from = models.TimeField(default=datetime.time(22, 0))
    quiet_to = models.TimeField(default=datetime.time(7, 0))
    read_receipts_enabled = models.BooleanField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "user_safety_settings"

    def __str__(self) -> str:
        return f"safety settings of {self.user_id}"
