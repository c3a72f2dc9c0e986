"""Reads with rules about accounts: one's own account, and other people's public profiles.

Who may see whom is decided by ``safety.policy`` (segment, ban, block either way); a profile the
viewer may not see is "not found", whether or not it exists.
"""

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import SanctionHold, User
from accounts.validators import normalize_email
from messaging.selectors import presence_visible_to
from safety import policy
from safety.selectors import visible_user_or_404


def user_me(*, user: User) -> User:
    """The caller's own account with its profile (one query)."""
    return User.objects.select_related("profile").get(pk=user.pk)


def user_public_get(*, viewer: User, user_id) -> User:
    """A user ``viewer`` may see, with the profile loaded; ``NotFound`` otherwise."""
    users = User.objects.select_related("profile", "safety_settings")  # the quiet hours note
    return visible_user_or_404(viewer, user_id, users)


def safety_settings_for(*, user: User) -> policy.SafetySettings:
    """The caller's quiet hours and read receipts in force (their row, else their segment's
    defaults): one query."""
    return policy.safety_settings_of(User.objects.select_related("safety_settings").get(pk=user.pk))


def presence_of(*, viewer: User, user: User) -> dict | None:
    """The user's presence if ``viewer`` may see it (messaging decides), else ``None``."""
    return presence_visible_to(viewer, [user.pk]).get(user.pk)


def staff_totp_device(*, user: User) -> TOTPDevice | None:
    """The confirmed authenticator that opens /admin/ for this staff member (the oldest one if
    a superuser added more in the admin), or ``None``: the member enrols first."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


# --- Sanction holds (docs/accounts.md "Deletion and retention") -------------------------------
HOLD_KEY_SALT = "wya.accounts.sanction-hold.email"


def email_digest(email: str, *, secret: str | None = None) -> str:
    """The keyed hash a hold stores instead of the address: HMAC-SHA256 of the normalised address
    (Django's ``salted_hmac``, keyed by ``SECRET_KEY``), so the table holds no readable email."""
    value = normalize_email(email)
    return salted_hmac(HOLD_KEY_SALT, value, secret=secret, algorithm="sha256").hexdigest()


def _email_digests(email: str) -> list[str]:
    """The digest under the current key and under each ``SECRET_KEY_FALLBACKS`` entry: a key
    rotation done the Django way does not forget the holds written before it."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [email_digest(email, secret=secret) for secret in secrets]


def sanction_holds_in_force(email: str) -> dict[str, SanctionHold]:
    """The holds in force now on this address, one per action type (the one that ends last;
    an open-ended one wins). Ended holds are ignored (``purge_sanction_holds`` removes them)."""
    now = timezone.now()
    rows = (
        SanctionHold.objects.filter(email_digest__in=_email_digests(email))
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .select_related("moderation_action")
    )
    latest: dict[str, SanctionHold] = {}
    for hold in rows:
        kept = latest.get(hold.action_type)
        if kept is None or _ends_later(hold, kept):
            latest[hold.action_type] = hold
    return latest


def _ends_later(hold: SanctionHold, other: SanctionHold) -> bool:
    if other.expires_at is None:
        return False
    return hold.expires_at is None or hold.expires_at > other.expires_at
