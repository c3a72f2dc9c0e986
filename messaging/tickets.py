"""Single-use WebSocket tickets for API clients (``POST /api/ws-ticket/``).

A ticket is a random key in the shared cache that names a user and the credential that asked for
it: the API token, or the browser session. Logging that credential out closes the sockets opened
with it, and a ticket whose credential ended before it was used (logout, password change) is
refused. Consuming it deletes it: only the caller whose delete removed the key gets the user, so a
ticket works once even across processes.
"""

import secrets
from importlib import import_module

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.core.cache import cache
from django.utils.crypto import constant_time_compare
from rest_framework.authtoken.models import Token

_PREFIX = "ws-ticket:"


def ticket_issue(
    *, user_id: str, token_key: str | None = None, session_key: str | None = None
) -> str:
    ticket = secrets.token_urlsafe(32)
    cache.set(
        _PREFIX + ticket,
        {"user_id": user_id, "token_key": token_key, "session_key": session_key},
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


def ticket_credential_valid(payload: dict, user) -> bool:
    """Is the credential that asked for the ticket still in force for ``user``?

    A token ticket needs that token to exist still (logout and password change delete it); a
    session ticket needs that session to be logged in as ``user`` with the current password (the
    session's auth hash, as Django checks on every request). A ticket issued by the server itself
    (no credential named) has nothing to check.
    """
    token_key, session_key = payload.get("token_key"), payload.get("session_key")
    if token_key is not None and not Token.objects.filter(key=token_key, user_id=user.pk).exists():
        return False
    if session_key is not None:
        store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)
        if not store.exists(session_key):
            return False
        data = store.load()
        if str(data.get(SESSION_KEY)) != str(user.pk):
            return False
        if not constant_time_compare(data.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash()):
            return False
    return True
