"""Every write about accounts and profiles: registration, login checks, logout, profile edits,
bans and account deletion. REST views, pages and the admin all call these functions.

Live events (``socket.close``) are published with ``wya.live.publish_on_commit`` so that open
sockets close only once the change is committed.
"""

import dataclasses
import datetime as dt
import hashlib
import math
import uuid

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from accounts.models import Profile, SanctionHold, User, UserSafetySettings
from accounts.selectors import email_digest, sanction_holds_in_force
from accounts.validators import (
    BIO_MAX,
    LOCATION_MAX,
    RESERVED_EMAIL_DOMAIN,
    clean_display_name,
    clean_email,
    validate_profile_image_url,
)
from geo.models import Location
from messaging.models import Presence
from rooms.services import rooms_leave_all
from safety import moderation_log, policy, signals_rules
from safety.models import ActionType, ModerationAction
from safety.services import blocks_delete_all
from wya import ratelimit
from wya.errors import Conflict, Forbidden, Invalid, RateLimited
from wya.live import publish_on_commit, user_group
from wya.validators import DEFAULT_THEME_COLOR, music_provider_for, validate_color

INVALID_CREDENTIALS = "Unable to log in with the provided email and password."
INVALID_OTP = "That code is not right. Enter the 6 digits your authenticator app shows now."
TOTP_DEVICE_NAME = "Authenticator app"
DELETED_DISPLAY_NAME = "Deleted user"
TOMBSTONE_DATE_OF_BIRTH = dt.date(1900, 1, 1)

_UNSET = object()
_dummy_hash: str | None = None


# Registration refused for an address whose deleted account was banned: the message says no
# more than needed (not why, not that an account existed), docs/accounts.md explains.
REGISTRATION_REFUSED = (
    "An account cannot be created with this email address. "
    "If you think this is a mistake, contact the WYA!? team."
)


# --- helpers ----------------------------------------------------------------------------------
def _clean_email_or_invalid(email) -> str:
    """``accounts.validators.clean_email`` as a service error (400 ``invalid``, names the field)."""
    try:
        return clean_email(email)
    except ValidationError as error:
        raise Invalid(f"email: {_first_message(error)}", code="invalid")


def clean_login_email(email) -> str:
    """The email as the login looks it up (``user_login_check``)."""
    return _clean_email_or_invalid(email)


def _first_message(error: ValidationError) -> str:
    return " ".join(error.messages)


def _password_matches(user: User | None, password: str) -> bool:
    """Check a password; for an unknown email run the hasher on a dummy hash (same timing)."""
    global _dummy_hash
    if user is None:
        if _dummy_hash is None:
            _dummy_hash = make_password(uuid.uuid4().hex)
        check_password(password, _dummy_hash)
        return False
    return user.check_password(password)


def _lockout_key(email: str) -> str:
    return "login-failures:" + hashlib.sha256(email.encode()).hexdigest()


def _reserve_login_attempt(email: str) -> int:
    """Count one attempt on the account's failure counter, atomically; returns its new value.

    ``cache.add`` creates the counter (with the lockout lifetime) only if it is missing and
    ``cache.incr`` is atomic in Redis and in the local-memory cache, so N parallel attempts
    always get N distinct values: only the first ``LOGIN_LOCKOUT_FAILURES`` are checked.
    """
    key = _lockout_key(email)
    for _ in range(3):
        cache.add(key, 0, timeout=settings.LOGIN_LOCKOUT_SECONDS)
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr: try again
            continue
    return settings.LOGIN_LOCKOUT_FAILURES + 1  # fail closed


def _locked_error() -> RateLimited:
    minutes = max(1, round(settings.LOGIN_LOCKOUT_SECONDS / 60))
    return RateLimited(
        "Too many failed logins: this account is locked for now. "
        f"Try again in up to {minutes} minutes.",
        code="account_locked",
    )


# --- registration and login -------------------------------------------------------------------
def user_register(
    *,
    email: str,
    password: str,
    date_of_birth: dt.date,
    display_name: str,
    ip: str | None = None,
    browser_id: str | None = None,
) -> tuple[User, Token]:
    """Create an account, its profile and its API token. Under 13: nothing is stored.
    ``browser_id`` (the ``wya_browser`` cookie) feeds the cross-segment early signal."""
    if ip is not None and not ratelimit.allow("register", ip):
        raise RateLimited("Too many sign-ups from this address. Try again later.")
    email, display_name = _clean_registration(
        email=email, password=password, date_of_birth=date_of_birth, display_name=display_name
    )
    with transaction.atomic():
        if User.objects.filter(email=email).exists():
            raise Conflict("An account with this email address already exists.", code="email_taken")
        if ActionType.BAN in sanction_holds_in_force(email):
            raise Forbidden(REGISTRATION_REFUSED, code="registration_refused")
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    email=email, password=password, date_of_birth=date_of_birth
                )
        except IntegrityError:  # a parallel sign-up with the same address won
            raise Conflict("An account with this email address already exists.", code="email_taken")
        Profile.objects.create(user=user, display_name=display_name)
        token = Token.objects.create(user=user)
        signals_rules.note_registration(user=user, browser_id=browser_id)
    return user, token


def _clean_registration(*, email, password, date_of_birth, display_name) -> tuple[str, str]:
    """The sign-up rules: ``(email, display_name)`` cleaned, or ``Invalid`` naming the field."""
    email = _clean_email_or_invalid(email)
    try:
        validate_email(email)
    except ValidationError:
        raise Invalid("email: Enter a valid email address.", code="invalid_email")
    if len(email) > 255:
        raise Invalid("email: The email address is too long.", code="invalid_email")
    try:
        display_name = clean_display_name(display_name)
    except ValidationError as error:
        raise Invalid(f"display_name: {_first_message(error)}", code="invalid")
    if not isinstance(date_of_birth, dt.date) or date_of_birth > policy.today():
        raise Invalid("date_of_birth: Enter your real date of birth.", code="invalid_date_of_birth")
    if policy.segment_for_birth_date(date_of_birth) is None:
        raise Invalid(
            f"You must be at least {policy.MINIMUM_AGE} years old to use WYA!?.", code="too_young"
        )
    try:
        validate_password(password, user=User(email=email, date_of_birth=date_of_birth))
    except ValidationError as error:
        raise Invalid(f"password: {_first_message(error)}", code="password_invalid")
    return email, display_name


def user_login_check(*, email: str, password: str, ip: str | None = None) -> User:
    """The user for these credentials, or an error. Used by the API and the login page.

    Order: per-address throttle, per-account throttle, lockout, then the password check. The
    same text answers an unknown email, a wrong password and a banned account.
    """
    if ip is not None and not ratelimit.allow("login", ip):
        raise RateLimited("Too many login attempts from this address. Try again later.")
    email = _clean_email_or_invalid(email)
    password = password if isinstance(password, str) else ""
    if not ratelimit.allow("login_account", hashlib.sha256(email.encode()).hexdigest()):
        raise RateLimited("Too many login attempts for this account. Try again later.")
    attempt = _reserve_login_attempt(email)
    if attempt > settings.LOGIN_LOCKOUT_FAILURES:
        raise _locked_error()

    user = User.objects.filter(email=email).first() if email else None
    matches = _password_matches(user, password)  # always hashes: same timing for unknown emails
    if matches and user is not None:
        if user.is_active:
            cache.delete(_lockout_key(email))
            User.objects.filter(pk=user.pk).update(last_login=timezone.now())
            return user
        ban = policy.ban_in_force(user)
        if ban is not None:  # the right password: the person may know why they are kept out
            raise Forbidden(banned_message(ban), code="banned")
    if attempt == settings.LOGIN_LOCKOUT_FAILURES:  # this failure locks: the lock starts now
        cache.touch(_lockout_key(email), settings.LOGIN_LOCKOUT_SECONDS)
    raise Invalid(INVALID_CREDENTIALS, code="invalid_credentials")


# --- the admin's second factor (TOTP, django-otp) ----------------------------------------------
def staff_totp_enrolment(*, user: User) -> TOTPDevice:
    """The authenticator a staff member is enrolling: ONE unconfirmed TOTP device, kept across
    reloads (the QR code does not change under the person) until a first code confirms it."""
    with transaction.atomic():
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def staff_second_factor_check(*, user: User, device: TOTPDevice, token: str) -> TOTPDevice:
    """Check a code of ``device`` (the user's); the device, confirmed, or an error.

    Two throttles: ``RATE_LIMITS["admin_otp"]`` per account (the limiter every login uses) and
    django-otp's own growing delay after each wrong code (``throttling_failure_count``). The
    device row is locked so two parallel tries cannot both pass, and a used code is refused
    again (django-otp keeps the last accepted time step).
    """
    if not ratelimit.allow("admin_otp", str(user.pk)):
        raise RateLimited("Too many codes tried for this account. Try again in a minute.")
    token = token.strip() if isinstance(token, str) else ""
    with transaction.atomic():  # no exception inside: the failure count must be committed
        locked = TOTPDevice.objects.select_for_update().filter(pk=device.pk, user=user).first()
        allowed = locked is not None and locked.verify_is_allowed()[0]
        accepted = allowed and locked is not None and locked.verify_token(token)
        if accepted and locked is not None and not locked.confirmed:
            locked.confirmed = True  # the enrolment's first right code
            locked.save(update_fields=["confirmed"])
    if locked is not None and not allowed:
        raise RateLimited(
            "Too many wrong codes: wait a little before the next try.", code="otp_throttled"
        )
    if not accepted or locked is None:
        raise Invalid(INVALID_OTP, code="invalid_otp")
    return locked


def token_for(*, user: User) -> Token:
    """The user's one API token (created on first use; every API client shares it)."""
    token, _ = Token.objects.get_or_create(user=user)
    return token


def user_logout(*, user: User, token_key: str) -> None:
    """Delete the user's API token (one per user: every API client of that user is logged out)
    and close the sockets that were opened with it."""
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        publish_on_commit(
            user_group(user.pk),
            {
                "type": "socket.close",
                "reason": "logout",
                "token_key": token_key,
                "session_key": None,
            },
        )


def session_logged_out(*, user: User, session_key: str | None) -> None:
    """A web page logged out: close the sockets opened with that session cookie."""
    if user is None or not session_key:
        return
    publish_on_commit(
        user_group(user.pk),
        {"type": "socket.close", "reason": "logout", "token_key": None, "session_key": session_key},
    )


def credentials_changed(*, user: User) -> None:
    """The password changed (any path: admin, ``changepassword``, a service): every API token of
    the user is deleted and every open socket closes, after commit. Browser sessions opened with
    the old password end on their next request (Django's session auth hash), and tickets issued
    before the change are refused (``messaging.tickets.ticket_credential_valid``)."""
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        _close_all_sockets(user.pk, "password_changed")


# --- profiles ---------------------------------------------------------------------------------
def _optional_text(value, *, field: str, max_length: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid(f"{field}: Not a valid string.")
    value = value.strip()
    if not value:
        return None
    if len(value) > max_length:
        raise Invalid(f"{field}: Ensure this field has no more than {max_length} characters.")
    return value


def _image_url(value, *, field: str, user: User | None) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        validate_profile_image_url(value, user)
    except ValidationError as error:
        raise Invalid(f"{field}: {_first_message(error)}", code="invalid_media_url")
    return value


def _music(value) -> dict:
    url = value.strip() if isinstance(value, str) else None
    if not url:
        return {"profile_music_url": None, "profile_music_provider": None}
    try:
        provider = music_provider_for(url)
    except ValidationError as error:
        raise Invalid(f"profile_music_url: {_first_message(error)}", code="invalid_music_url")
    return {"profile_music_url": url, "profile_music_provider": provider}


def profile_changes(
    *,
    user: User | None,
    display_name=_UNSET,
    bio=_UNSET,
    avatar_url=_UNSET,
    banner_url=_UNSET,
    theme_color=_UNSET,
    profile_music_url=_UNSET,
    location=_UNSET,
) -> dict:
    """The profile fields passed, checked and cleaned (``Invalid`` names the field); the one
    definition of the profile rules that the API, the page and the admin all go through."""
    changes: dict = {}
    if display_name is not _UNSET:
        try:
            changes["display_name"] = clean_display_name(display_name)
        except ValidationError as error:
            raise Invalid(f"display_name: {_first_message(error)}")
    if bio is not _UNSET:
        changes["bio"] = _optional_text(bio, field="bio", max_length=BIO_MAX)
    if location is not _UNSET:
        changes["location"] = _optional_text(location, field="location", max_length=LOCATION_MAX)
    if theme_color is not _UNSET:
        try:
            validate_color(theme_color)
        except ValidationError as error:
            raise Invalid(f"theme_color: {_first_message(error)}")
        changes["theme_color"] = theme_color.upper()
    if avatar_url is not _UNSET:
        changes["avatar_url"] = _image_url(avatar_url, field="avatar_url", user=user)
    if banner_url is not _UNSET:
        changes["banner_url"] = _image_url(banner_url, field="banner_url", user=user)
    if profile_music_url is not _UNSET:
        changes.update(_music(profile_music_url))
    return changes


def profile_update(*, user: User, **fields) -> Profile:
    """Change some profile fields (the ones passed, as ``profile_changes`` takes them).
    ``updated_at`` moves only on a change."""
    changes = profile_changes(user=user, **fields)
    with transaction.atomic():
        profile = Profile.objects.select_for_update().filter(user=user).first()
        if profile is None:  # e.g. a superuser made by createsuperuser
            profile = Profile(user=user, display_name=changes.get("display_name") or "WYA user")
        changed = [name for name, value in changes.items() if getattr(profile, name) != value]
        for name in changed:
            setattr(profile, name, changes[name])
        if profile.pk is None:
            profile.save()
        elif changed:
            profile.updated_at = timezone.now()
            profile.save(update_fields=[*changed, "updated_at"])
    user.profile = profile
    return profile


# --- safety settings: quiet hours and read receipts (issue 20, M1) -----------------------------
SAFETY_SETTING_FIELDS = ("quiet_hours_enabled", "quiet_from", "quiet_to", "read_receipts_enabled")


def safety_settings_update(*, user: User, **changes) -> policy.SafetySettings:
    """Change some of the person's safety settings (``SAFETY_SETTING_FIELDS``). The first change
    writes the row with the segment's defaults for the rest (``policy.default_safety_settings``);
    until then nothing is stored. Quiet hours must start and end at different times."""
    unknown = sorted(set(changes) - set(SAFETY_SETTING_FIELDS))
    if unknown:
        raise Invalid(f"Unknown setting(s): {', '.join(unknown)}.", code="invalid")
    if not changes:  # nothing chosen: keep following the segment's defaults (no row)
        return policy.safety_settings_of(user)
    with transaction.atomic():
        row = UserSafetySettings.objects.select_for_update().filter(user_id=user.pk).first()
        values = {**dataclasses.asdict(policy.safety_settings_from(user, row)), **changes}
        if values["quiet_from"] == values["quiet_to"]:
            raise Invalid("Quiet hours must start and end at different times.", code="invalid")
        now = timezone.now()
        row, _ = UserSafetySettings.objects.update_or_create(
            user_id=user.pk,
            defaults={**values, "updated_at": now},
            create_defaults={**values, "created_at": now, "updated_at": now},
        )
    user.safety_settings = row
    return policy.safety_settings_of(user)


# --- bans and deletion ------------------------------------------------------------------------
def _close_all_sockets(user_id: str, reason: str) -> None:
    publish_on_commit(
        user_group(user_id),
        {"type": "socket.close", "reason": reason, "token_key": None, "session_key": None},
    )


def banned_message(ban) -> str:
    return f"This account is banned from WYA!?: {ban.reason}"


def _check_staff_action(moderator, user) -> None:
    """The acting staff member holds the permission to take actions and may act on ``user``."""
    staff = moderator.is_active and moderator.is_staff
    if not (staff and moderator.has_perm(policy.PERM_TAKE_ACTION)):
        raise Forbidden("Only moderators can take moderation actions.", code="forbidden")
    decision = policy.may_act_on(moderator, user)
    if not decision:
        error = Invalid if decision.code == "invalid" else Forbidden
        raise error(decision.detail, code=decision.code)


def account_set_active(*, user: User, is_active: bool) -> User:
    """Set ``is_active`` (a ban logs every client out at once). Low level: staff use
    ``account_ban`` / ``account_unban``, which check permissions and write the log."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_active=is_active)
        user.is_active = is_active
        if not is_active:
            Token.objects.filter(user=user).delete()
            Presence.objects.filter(user=user).delete()
            _close_all_sockets(user.pk, "banned")
    return user


def _clean_reason(reason) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise Invalid("A reason is required: the person affected is shown it.", code="invalid")
    return reason.strip()


def _staff_account_action(
    *, moderator, user: User, action_type: str, reason: str, apply, report=None
):
    """The one shape of every staff action on an account: the reason cleaned, the moderator's
    permission and target checked, then the ``moderation_actions`` row and ``apply()`` in one
    transaction. Returns the action row."""
    reason = _clean_reason(reason)
    _check_staff_action(moderator, user)
    with transaction.atomic():
        action = moderation_log.record(
            moderator=moderator,
            target_user=user,
            action_type=action_type,
            reason=reason,
            report=report,
        )
        apply()
    return action


def account_ban(*, moderator, user: User, reason: str, report=None):
    """Platform ban by staff: ``is_active=False`` (hidden everywhere by the policy), every
    token and socket closed, a ``ban`` row in ``moderation_actions`` (its reason is shown at
    login). Returns the action row."""
    return _staff_account_action(
        moderator=moderator,
        user=user,
        action_type=ActionType.BAN,
        reason=reason,
        report=report,
        apply=lambda: account_set_active(user=user, is_active=False),
    )


def account_unban(*, moderator, user: User, reason: str):
    """Lift a platform ban: ``is_active=True`` and an ``unban`` row."""
    return _staff_account_action(
        moderator=moderator,
        user=user,
        action_type=ActionType.UNBAN,
        reason=reason,
        apply=lambda: account_set_active(user=user, is_active=True),
    )


def account_tombstone_by_staff(*, moderator, user: User, reason: str):
    """Staff delete an account's personal data: a ``delete_account`` row, then the tombstone."""
    return _staff_account_action(
        moderator=moderator,
        user=user,
        action_type=ActionType.DELETE_ACCOUNT,
        reason=reason,
        apply=lambda: account_tombstone(user=user),
    )


def account_tombstone(*, user: User) -> User:
    """Erase an account's personal data but keep the row (messages and reports point at it).

    Email becomes a unique unusable placeholder, the password unusable, the account inactive,
    the profile anonymous; location, safety settings, blocks, tokens and presence are deleted, and the user
    leaves every room (owned rooms are handed over). Messages, reports and moderation history
    stay.
    """
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        # Leave rooms first, while the account still passes the rooms' access rules: owned
        # rooms are handed over like any owner leaving, and every room hears "left".
        rooms_leave_all(user=user)
        _hold_sanctions(user)
        _anonymise(user)
        Location.objects.filter(user=user).delete()
        UserSafetySettings.objects.filter(user=user).delete()
        blocks_delete_all(user=user)
        Token.objects.filter(user=user).delete()
        Presence.objects.filter(user=user).delete()
        _close_all_sockets(user.pk, "deleted")
    return user


def _anonymise(user: User) -> None:
    """The account's own personal data replaced: unusable login, no flags, anonymous profile."""
    user.email = f"deleted-{uuid.uuid4().hex}@{RESERVED_EMAIL_DOMAIN}"
    user.set_unusable_password()
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.email_verified = False
    user.last_login = None
    user.date_of_birth = TOMBSTONE_DATE_OF_BIRTH
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    Profile.objects.update_or_create(
        user=user,
        defaults={
            "display_name": DELETED_DISPLAY_NAME,
            "bio": None,
            "avatar_url": None,
            "banner_url": None,
            "theme_color": DEFAULT_THEME_COLOR,
            "profile_music_provider": None,
            "profile_music_url": None,
            "location": None,
            "updated_at": timezone.now(),
        },
    )


def account_delete(*, user: User, password: str) -> User:
    """The owner deletes their account, confirming with their password. Password attempts are
    throttled per account (``RATE_LIMITS["account_delete"]``), like logins: a stolen token
    cannot be used to guess the password."""
    if not ratelimit.allow("account_delete", str(user.pk)):
        raise RateLimited("Too many attempts; try again later.", code="rate_limited")
    if not isinstance(password, str) or not password or not user.check_password(password):
        raise Forbidden("The password is not correct.", code="wrong_password")
    return account_tombstone(user=user)


# --- sanction holds: sanctions outlive a deleted account (docs/accounts.md) -------------------
HOLD_REASON = (
    "Carried over automatically: this sanction was in force on a deleted account with the same "
    "email address (hold #{hold})."
)


def _sanctions_in_force(user: User) -> list[tuple[ModerationAction, dt.datetime | None]]:
    """The mute, restriction and platform ban in force on ``user``, each with its end."""
    restraints = policy.restraints_in_force(user)
    in_force = (restraints.mute, restraints.restrict)
    found = [(action, action.expires_at) for action in in_force if action is not None]
    ban = policy.ban_in_force(user)
    if ban is not None:
        found.append((ban, None))
    return found


def _hold_sanctions(user: User) -> None:
    """Keep every sanction in force on ``user`` as a hold on their email's keyed digest (called
    by the tombstone, in its transaction, before the address is erased)."""
    digest = email_digest(user.email)
    SanctionHold.objects.bulk_create(
        SanctionHold(
            email_digest=digest,
            action_type=action.action_type,
            expires_at=expires_at,
            moderation_action=action,
        )
        for action, expires_at in _sanctions_in_force(user)
    )


def sanction_holds_apply(*, user: User) -> list[ModerationAction]:
    """A new account starts with the sanctions held on its address, until the same end: one
    logged action per hold (shown on /notices/ like any action), written in the name of the
    moderator who imposed the original. Every path that creates a user reaches this (the
    ``post_save`` signal); registration refuses a held platform ban before that."""
    holds = sanction_holds_in_force(user.email)
    if not holds:
        return []
    with transaction.atomic():
        actions = [_carry_over(user, hold) for hold in holds.values()]
        if ActionType.BAN in holds:
            account_set_active(user=user, is_active=False)
    return actions


def _carry_over(user: User, hold: SanctionHold) -> ModerationAction:
    ends = hold.expires_at
    minutes = (
        None if ends is None else max(1, math.ceil((ends - timezone.now()).total_seconds() / 60))
    )
    action = moderation_log.record(
        moderator=hold.moderation_action.moderator,
        target_user=user,
        action_type=hold.action_type,
        reason=HOLD_REASON.format(hold=hold.pk),
        duration_minutes=minutes,
    )
    if ends is not None and minutes is not None:
        # Minutes round up: start the action so that it ends exactly when the hold does.
        started = ends - dt.timedelta(minutes=minutes)
        ModerationAction.objects.filter(pk=action.pk).update(created_at=started)
        action.created_at = started
    return action


def sanction_holds_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the holds whose end has passed (they are ignored already); returns how many."""
    now = now or timezone.now()
    deleted, _ = SanctionHold.objects.filter(expires_at__lte=now).delete()
    return deleted
