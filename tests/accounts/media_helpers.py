"""Small generated media files (PNG, WAV) and real media URLs uploaded through POST /api/media/
(profile and upload tests)."""

import io
import math
import struct
import wave

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (122, 90, 248)).save(buffer, format="PNG")
    return buffer.getvalue()


def wav_bytes(frames: bytes | None = None) -> bytes:
    """A tenth of a second of 8 kHz mono WAV: a soft tone, or the 16-bit ``frames`` given."""
    if frames is None:
        samples = (int(1000 * math.sin(n / 10)) for n in range(800))
        frames = b"".join(struct.pack("<h", s) for s in samples)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(frames)
    return buffer.getvalue()


def upload(client, name: str, content: bytes, content_type: str) -> str:
    response = client.post(
        "/api/media/",
        {"file": SimpleUploadedFile(name, content, content_type=content_type)},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    return response.json()["media_url"]


def upload_image(client) -> str:
    return upload(client, "avatar.png", png_bytes(), "image/png")


def upload_audio(client) -> str:
    return upload(client, "voice.wav", wav_bytes(), "audio/wav")
