"""The gate in front of ``/ws/``: Origin check, then authentication, at the handshake.

- A browser sends an Origin: it must be the page's own origin (scheme, host and port of the
  handshake; ``http://localhost:1`` is not ``http://localhost:8000``) or one of
  ``WS_ALLOWED_ORIGINS``, whatever the credentials.
- A ticket (``/ws/?ticket=…``) authenticates API clients; native clients send no Origin.
- The session cookie authenticates browser pages, and only with an allowed Origin (a page on
  another site cannot ride the cookie, and a cookie without any Origin is refused).
Anything else is refused before the socket opens (HTTP 403 at the handshake).
"""

from urllib.parse import parse_qs, urlparse

from asgiref.sync import sync_to_async
from channels.auth import get_user
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.contrib.auth import get_user_model
from django.http.request import split_domain_port, validate_host

from messaging.tickets import ticket_consume, ticket_credential_valid
from wya.proxy import websocket_scheme


def _header(scope, name: bytes) -> bytes | None:
    return dict(scope.get("headers", [])).get(name)


def origin_allowed(origin: bytes, scope=None) -> bool:
    """The page's own origin (scheme, host and port of this handshake, the scheme as the trusted
    proxy saw it) or one of ``WS_ALLOWED_ORIGINS``; the host must be an allowed host."""
    try:
        text = origin.decode("ascii").strip().lower()
        parsed = urlparse(text)
    except (UnicodeDecodeError, ValueError):
        return False
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        return False
    if text in (o.lower().rstrip("/") for o in settings.WS_ALLOWED_ORIGINS):
        return True
    domain, _port = split_domain_port(parsed.netloc)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return False
    host = _header(scope or {}, b"host")
    if host is None:
        return False
    try:
        host_text = host.decode("ascii").strip().lower()
    except UnicodeDecodeError:
        return False
    return text == f"{websocket_scheme(scope)}://{host_text}"


@sync_to_async
def _user_for_ticket(ticket: str):
    """The ticket's user and payload; ``(None, None)`` when it is unknown, used, or its credential
    ended before it was used (logout, password change)."""
    payload = ticket_consume(ticket)
    if payload is None:
        return None, None
    user = get_user_model().objects.filter(pk=payload["user_id"], is_active=True).first()
    if user is None or not ticket_credential_valid(payload, user):
        return None, None
    return user, payload


class WebSocketGate:
    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            return await self.inner(scope, receive, send)
        origin = dict(scope.get("headers", [])).get(b"origin")
        query = parse_qs(scope.get("query_string", b"").decode("latin1"))
        ticket = (query.get("ticket") or [""])[0]

        user, token_key, session_key, via = None, None, None, None
        if origin is not None and not origin_allowed(origin, scope):
            user = None
        elif ticket:
            user, payload = await _user_for_ticket(ticket)
            if payload is not None:
                token_key, session_key = payload.get("token_key"), payload.get("session_key")
            via = "ticket"
        elif origin is not None:
            candidate = await get_user(scope)
            if candidate.is_authenticated and candidate.is_active:
                user, via = candidate, "session"
        if user is None:
            return await WebsocketDenier()(scope, receive, send)
        # ``ticket_session_key``: the browser session a ticket was issued to, so that logging
        # that session out closes this socket too.
        scope = dict(
            scope, user=user, auth_via=via, token_key=token_key, ticket_session_key=session_key
        )
        return await self.inner(scope, receive, send)
