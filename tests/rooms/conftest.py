"""Helpers for the rooms tests: URLs and a recorder of live events sent after commit."""

import pytest

import wya.live


def rooms_url(room_id=None, *parts) -> str:
    if room_id is None:
        return "/api/rooms/"
    tail = "".join(f"{part}/" for part in parts)
    return f"/api/rooms/{room_id}/{tail}"


class Published(list):
    """``(group, event)`` pairs that reached the channel layer (only ever after commit)."""

    def events(self, kind: str) -> list[tuple[str, dict]]:
        return [(group, event) for group, event in self if event["type"] == kind]


@pytest.fixture
def published(monkeypatch):
    """Record what reaches the channel layer. Inside the test transaction nothing commits, so
    tests wrap a request in ``django_capture_on_commit_callbacks(execute=True)``: the events
    arrive when that block ends (the commit), never before."""
    sent = Published()
    monkeypatch.setattr(wya.live, "publish_now", lambda group, event: sent.append((group, event)))
    return sent


def upload_png(client) -> str:
    """A real media URL: a tiny PNG uploaded through POST /api/media/ by the client's user."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (26, 26, 30)).save(buffer, format="PNG")
    response = client.post(
        "/api/media/",
        {"file": SimpleUploadedFile("pic.png", buffer.getvalue(), content_type="image/png")},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    return response.json()["media_url"]
