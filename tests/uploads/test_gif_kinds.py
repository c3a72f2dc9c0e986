"""GIFs of every kind through POST /api/media/: accepted (re-encoded, frames kept) or refused with
a 4xx, never a 500. A single-frame GIF was a 500: Pillow's one-frame writer took the list of
durations (uploads/services.py ``_encode_frames``)."""

import io
import struct

import pytest
from PIL import Image

from tests.uploads.test_media import fetch, upload

pytestmark = pytest.mark.django_db

COLOURS = [(200, 30, 30), (30, 200, 30), (30, 30, 200), (200, 200, 30)]


def gif(frames: int = 1, *, mode: str = "RGB", size=(16, 12), **options) -> bytes:
    """A GIF written by Pillow: ``frames`` distinct frames (so none is merged), ``options`` as
    Pillow's GIF writer takes them (duration, transparency, interlace, palettes...)."""
    images = [Image.new("RGB", size, COLOURS[i % 4]).convert(mode) for i in range(frames)]
    for index, image in enumerate(images):  # a mark that moves: consecutive frames differ
        image.putpixel((index % size[0], 0), 0 if mode in ("P", "L") else (0, 0, 0))
    out = io.BytesIO()
    images[0].save(out, "GIF", save_all=frames > 1, append_images=images[1:], **options)
    return out.getvalue()


def with_logical_screen(data: bytes, width: int, height: int) -> bytes:
    """The same GIF claiming another logical screen size (header bytes 6-9)."""
    return data[:6] + struct.pack("<HH", width, height) + data[10:]


ACCEPTED = {
    "one frame, no duration": (gif(), 1),
    "one frame, a duration": (gif(duration=70), 1),
    "one frame, zero duration": (gif(duration=0), 1),
    "two frames, a duration list": (gif(2, duration=[30, 90]), 2),
    "three frames, no duration": (gif(3), 3),
    "three frames, zero durations": (gif(3, duration=0), 3),
    "transparency": (gif(mode="P", transparency=0), 1),
    "animated transparency": (gif(3, mode="P", transparency=0, duration=50), 3),
    "interlaced": (gif(interlace=True), 1),
    "animated interlaced": (gif(2, interlace=True, duration=50), 2),
    "greyscale": (gif(mode="L"), 1),
    "a local palette per frame": (gif(3, include_color_table=True, duration=50), 3),
    "GIF87a, one frame": (b"GIF87a" + gif()[6:], 1),
    "many frames": (gif(120, duration=20), 120),
    "a logical screen larger than its frame": (with_logical_screen(gif(), 64, 64), 1),
}

REFUSED = {
    "truncated after the header": (gif(3, duration=50)[:20], 415),
    "truncated mid-frame": (gif(3, duration=50, size=(64, 64))[:-200], 415),
    "only the signature": (b"GIF89a", 415),
    "a huge logical screen": (with_logical_screen(gif(), 65535, 65535), 413),
}


@pytest.fixture
def client(make_client, adult):
    return make_client(adult)


@pytest.mark.parametrize(("data", "frames"), ACCEPTED.values(), ids=ACCEPTED.keys())
def test_every_kind_of_gif_is_accepted_and_re_encoded(client, data, frames):
    response = upload(client, data, name="a.gif")

    assert response.status_code == 201, response.content
    assert response.json()["content_type"] == "image/gif"
    _, stored = fetch(client, response.json()["media_url"])
    image = Image.open(io.BytesIO(stored))
    assert image.format == "GIF"
    assert getattr(image, "n_frames", 1) == frames


@pytest.mark.parametrize(("data", "status"), REFUSED.values(), ids=REFUSED.keys())
def test_a_broken_or_oversized_gif_is_refused_with_a_4xx(client, data, status):
    response = upload(client, data, name="a.gif")

    assert response.status_code == status, response.content
    assert response.json()["code"] in ("unsupported_media_type", "image_too_large")
    assert response.json()["detail"]
