"""Finding 5: a request body is refused by size before it is buffered (wya/bodylimit.py)."""

import asyncio
import json

import pytest

from wya.asgi import application
from wya.bodylimit import limit_for

MB = 1024 * 1024


async def call(path: str, *, chunks: int, chunk_size: int = MB, declare: bool):
    """POST ``chunks`` chunks to the ASGI app; returns (status, body, chunks the app read)."""
    sent = 0
    headers = [(b"content-type", b"multipart/form-data; boundary=xyz"), (b"host", b"testserver")]
    if declare:
        headers.append((b"content-length", str(chunks * chunk_size).encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }

    async def receive():
        nonlocal sent
        if sent >= chunks:
            await asyncio.Event().wait()  # a client that stays connected (cancelled at the end)
        sent += 1
        return {"type": "http.request", "body": b"x" * chunk_size, "more_body": sent < chunks}

    messages = []

    async def send(message):
        messages.append(message)

    await application(scope, receive, send)
    start = next(m for m in messages if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return start["status"], body, sent


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/login/", "/api/auth/login/", "/api/media/"])
async def test_a_declared_200_mb_body_is_refused_before_a_byte_is_read(path):
    status, body, read = await call(path, chunks=200, declare=True)
    assert status == 413
    assert read == 0
    if path.startswith("/api/"):
        assert json.loads(body)["code"] == "too_large"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/login/", "/api/auth/login/", "/api/media/"])
async def test_an_undeclared_200_mb_body_is_cut_off_just_past_the_limit(path):
    status, _body, read = await call(path, chunks=200, declare=False)
    assert status == 413
    assert read <= limit_for(path) // MB + 2


def test_the_media_limit_fits_the_largest_media_file_and_others_stay_small(settings):
    assert limit_for("/api/media/") > settings.MEDIA_MAX_AUDIO_BYTES
    assert limit_for("/login/") == settings.MAX_REQUEST_BODY_BYTES < limit_for("/api/media/")


@pytest.mark.django_db(transaction=True)
async def test_a_body_within_the_limit_still_reaches_the_view():
    status, body, read = await call("/api/auth/login/", chunks=1, chunk_size=100, declare=True)
    assert read == 1
    assert status == 400  # the multipart body is nonsense: the view answered, not the limit
    assert json.loads(body)["code"] != "too_large"
