"""``moderation`` in every page's context: the mute/restriction in force on the logged-in person
(lazy: the one query runs only when a template looks), for the banner and the message box."""

from django.utils.functional import SimpleLazyObject

from safety import policy
from safety.policy import until_words


def banner_lines(user) -> dict:
    state = policy.restraints_in_force(user)
    lines = []
    if state.mute is not None:
        action = state.mute
        lines.append(
            f"You are muted {until_words(action.expires_at)}: you cannot send messages. "
            f"Reason: {action.reason}"
        )
    if state.restrict is not None:
        action = state.restrict
        lines.append(
            f"Your account is restricted {until_words(action.expires_at)}: you cannot create "
            f"rooms, join public rooms or start new conversations, and you are hidden from "
            f"discovery. Reason: {action.reason}"
        )
    # The page's timer gives the message box back when a timed mute ends (wya/static/wya/site.js).
    expires_at = state.mute.expires_at if state.mute is not None else None
    return {
        "muted": state.muted,
        "lines": lines,
        "mute_expires_at": expires_at.isoformat() if expires_at else "",
    }


def moderation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"moderation": {"muted": False, "lines": []}}
    return {"moderation": SimpleLazyObject(lambda: banner_lines(user))}
