"""Single-use WebSocket tickets for API clients (``POST /api/ws-ticket/``).

A ticket is a random key in the shared cache that names a user (and the token that asked for it,
so that logging that token out can close the socket). Consuming it deletes it: only the caller
whose delete removed the key gets the user, so a ticket works once even across processes.
"""

import secrets

from django.conf import settings
from django.core.cache import cache

_PREFIX = "ws-ticket:"


def ticket_issue(*, user_id: str, token_key: str | None = None) -> str:
    ticket = secrets.token_urlsafe(32)
    cache.set(
        _PREFIX + ticket,
        {"user_id": user_id, "token_key": token_key},
        timeout=settings.WS_TICKET_TTL_SECONDS,
    )
    return ticket


def ticket_consume(ticket: str) -> dict | None:
    """The ticket's payload if it is valid and unused, else ``None``. Never works twice."""
    if not ticket or len(ticket) > 128:
        return None
    key = _PREFIX + ticket
    payload = cache.get(key)
    if payload is None:
        return None
    if not cache.delete(key):
        return None  # another connection consumed it between our get and delete
    return payload
