"""Helpers the server-rendered pages share: sentences about moderation in force, field errors."""

from django.utils import timezone
from django.utils.timesince import timeuntil

from safety import policy
from safety.models import ActionType


def ends_in_words(expires_at) -> str:
    """When an action ends, in words: "for 2 hours more (until 14:05 UTC)" / "until lifted"."""
    if expires_at is None:
        return "until a moderator lifts it"
    local = timezone.localtime(expires_at)
    return f"for {timeuntil(expires_at)} more (until {local:%-d %b, %H:%M} {local:%Z})"


def muted_sentence(user) -> str | None:
    """The sentence shown next to a disabled message box while a mute is in force, else None."""
    action = policy.active_action(user, ActionType.MUTE)
    if action is None:
        return None
    return f"You are muted {ends_in_words(action.expires_at)}: you can read, but not send messages."


def add_service_error(form, error) -> None:
    """Put a service refusal on its field when it names one ("field: message"), else on the form."""
    detail = error.detail
    field, sep, rest = detail.partition(": ")
    if sep and field in form.fields:
        form.add_error(field, rest)
    else:
        form.add_error(None, detail)
