"""Reads with rules about accounts: one's own account, and other people's public profiles.

Who may see whom is decided by ``safety.policy`` (segment, ban, block either way); a profile the
viewer may not see is "not found", whether or not it exists.
"""

from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from messaging.selectors import presence_visible_to
from safety.selectors import visible_user_or_404


def user_me(*, user: User) -> User:
    """The caller's own account with its profile (one query)."""
    return User.objects.select_related("profile").get(pk=user.pk)


def user_public_get(*, viewer: User, user_id) -> User:
    """A user ``viewer`` may see, with the profile loaded; ``NotFound`` otherwise."""
    return visible_user_or_404(viewer, user_id, User.objects.select_related("profile"))


def presence_of(*, viewer: User, user: User) -> dict | None:
    """The user's presence if ``viewer`` may see it (messaging decides), else ``None``."""
    return presence_visible_to(viewer, [user.pk]).get(user.pk)


def staff_totp_device(*, user: User) -> TOTPDevice | None:
    """The confirmed authenticator that opens /admin/ for this staff member (the oldest one if
    a superuser added more in the admin), or ``None``: the member enrols first."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
