"""Request bodies are refused by size before they are buffered (ASGI middleware).

Django's ASGI handler reads the whole body into a spooled file before any view or upload
handler runs, so a 200 MB POST to ``/login/`` was read in full. This wrapper answers 413 from the
declared ``Content-Length`` without reading a byte, and stops a body without one (chunked) as
soon as it passes the limit. Limits: ``MAX_REQUEST_BODY_BYTES`` for every path, and the largest
media file plus multipart overhead for ``POST /api/media/``. The reverse proxy enforces the same
numbers first (``client_max_body_size`` in deploy/nginx/wya.conf; docs/reliability.md).
"""

import json

from django.conf import settings

MEDIA_UPLOAD_PATH = "/api/media/"
MULTIPART_OVERHEAD = 64 * 1024  # boundaries and part headers around the one file field


def max_upload_bytes() -> int:
    """The largest media file accepted (``uploads`` refuses each kind by its own limit)."""
    return max(settings.MEDIA_MAX_IMAGE_BYTES, settings.MEDIA_MAX_AUDIO_BYTES)


def limit_for(path: str) -> int:
    if path == MEDIA_UPLOAD_PATH:
        return max_upload_bytes() + MULTIPART_OVERHEAD
    return settings.MAX_REQUEST_BODY_BYTES


def _declared_length(scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _send_413(send, path: str, limit: int) -> None:
    if path.startswith("/api/"):
        body = json.dumps(
            {
                "detail": f"The request body is too large (at most {limit} bytes).",
                "code": "too_large",
            }
        ).encode()
        content_type = b"application/json"
    else:
        body = f"Request body too large (at most {limit} bytes).".encode()
        content_type = b"text/plain; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodySizeLimit:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        limit = limit_for(path)
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            return await _send_413(send, path, limit)

        received = 0
        exceeded = False
        started = False

        async def limited_receive():
            nonlocal received, exceeded
            if exceeded:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True  # the app sees a client that went away; we answer 413
                    return {"type": "http.disconnect"}
            return message

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, limited_receive, tracking_send)
        if exceeded and not started:
            await _send_413(send, path, limit)
