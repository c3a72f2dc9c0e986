"""Which forwarded headers to believe: only those set by a configured reverse proxy.

``TRUSTED_PROXY_IPS`` lists the addresses of the reverse proxies (nginx) in front of the ASGI
servers. A request whose peer is one of them may say, through ``X-Forwarded-Proto`` and
``X-Forwarded-For``, that the browser used HTTPS and which address it came from; a request from
anyone else has those headers removed, so a client cannot claim HTTPS (secure cookies, the
Origin check) or another address (rate limits). The proxy must overwrite, not append, both
headers (deploy/nginx/wya.conf does).

The same list drives the server: ``scripts/serve.sh`` runs uvicorn with
``--forwarded-allow-ips $TRUSTED_PROXY_IPS`` (``--no-proxy-headers`` when it is empty), so under
uvicorn the address is rewritten once, by uvicorn, for exactly these peers; this middleware then
sees the client as the peer (not a proxy) and drops the forwarded headers. It still decides on
its own under servers that do not read them (the test client, ``runserver``).
"""

from django.conf import settings

FORWARDED_META = (
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
)


def is_trusted_proxy(address: str | None) -> bool:
    return bool(address) and address in settings.TRUSTED_PROXY_IPS


def forwarded_client(header_value: str | None) -> str | None:
    """The client address a trusted proxy forwarded (the last entry it wrote)."""
    if not header_value:
        return None
    last = header_value.split(",")[-1].strip()
    return last or None


class TrustedProxyMiddleware:
    """First middleware: forwarded headers from an untrusted peer are dropped; from a trusted
    proxy, ``REMOTE_ADDR`` becomes the forwarded client address."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        if is_trusted_proxy(meta.get("REMOTE_ADDR")):
            client = forwarded_client(meta.get("HTTP_X_FORWARDED_FOR"))
            if client:
                meta["WYA_PROXY_ADDR"] = meta["REMOTE_ADDR"]
                meta["REMOTE_ADDR"] = client
        else:
            for name in FORWARDED_META:
                meta.pop(name, None)
        return self.get_response(request)


def websocket_scheme(scope) -> str:
    """``https`` or ``http``: the scheme the browser used for the page that opens this socket."""
    if scope.get("scheme") == "wss":
        return "https"
    client = (scope.get("client") or [None])[0]
    if is_trusted_proxy(client):
        for name, value in scope.get("headers", []):
            if name == b"x-forwarded-proto":
                return "https" if value.strip().lower() == b"https" else "http"
    return "http"
