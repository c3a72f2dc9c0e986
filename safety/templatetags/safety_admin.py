"""``{% queue_summary as summary %}`` and ``{% open_signals as n %}`` for the admin index
(templates/admin/index.html)."""

from django import template

from moderation import selectors as moderation_selectors
from safety import policy

register = template.Library()


@register.simple_tag(takes_context=True)
def queue_summary(context):
    request = context.get("request")
    if request is None or not request.user.has_perm("safety.view_report"):
        return None
    return moderation_selectors.queue_summary()


@register.filter
def minutes(value) -> str:
    """A timedelta in words a moderator reads at a glance: ``3 h 12 min`` / ``45 min``."""
    if value is None:
        return "—"
    total = int(value.total_seconds() // 60)
    days, rest = divmod(total, 60 * 24)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {mins} min" if hours else f"{mins} min"


@register.simple_tag(takes_context=True)
def open_signals(context) -> int | None:
    """Open early signals the viewer may review (None: not a moderator, no panel)."""
    request = context.get("request")
    if request is None or not policy.may_review_reports(request.user):
        return None
    return moderation_selectors.open_signal_count(request.user)
