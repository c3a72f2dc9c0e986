"""Finding 7: audio is not stored byte for byte. WAV LIST/INFO and M4A udta/meta (tags, GPS
locations) are removed; an ADTS header followed by HTML and ZIP bytes (a polyglot) is refused."""

import io
import struct
import wave

import pytest

from tests.accounts.media_helpers import wav_bytes
from tests.uploads.test_media import box, fetch, m4a_bytes, upload
from uploads import audio_clean

pytestmark = pytest.mark.django_db

GPS = b"+48.8584+002.2945/"


@pytest.fixture
def client(make_client, adult):
    return make_client(adult)


def riff_chunk(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack("<I", len(body)) + body + (b"\0" if len(body) & 1 else b"")


def wav_with_gps() -> bytes:
    plain = wav_bytes(b"\x01\x02" * 800)
    info = riff_chunk(b"LIST", b"INFO" + riff_chunk(b"ICMT", b"Recorded at " + GPS + b"\0"))
    chunks = plain[12:] + info
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks, plain


def m4a_with_location() -> bytes:
    udta = box(b"udta", box(b"\xa9xyz", b"\x00\x12\x15\xc7" + GPS))
    hdlr = box(b"hdlr", b"\x00" * 8 + b"soun" + b"\x00" * 13)
    meta = box(b"meta", b"\x00" * 4 + box(b"ilst", box(b"\xa9nam", b"Home " + GPS)))
    return (
        box(b"ftyp", b"M4A \x00\x00\x00\x00M4A isom")
        + box(b"moov", box(b"trak", box(b"mdia", hdlr) + udta) + udta + meta)
        + box(b"mdat", b"\x07" * 64)
    )


def adts_frame(payload_length: int = 20) -> bytes:
    length = 7 + payload_length
    header = bytes(
        [
            0xFF,
            0xF1,
            0x50,
            0x80 | ((length >> 11) & 0x03),
            (length >> 3) & 0xFF,
            ((length & 0x07) << 5) | 0x1F,
            0xFC,
        ]
    )
    return header + b"\x21" * payload_length


def test_a_wav_info_chunk_with_gps_is_gone_and_the_audio_stays(client):
    data, plain = wav_with_gps()
    response = upload(client, data)

    assert response.status_code == 201
    _, stored = fetch(client, response.json()["media_url"])
    assert GPS not in stored
    assert b"LIST" not in stored
    with wave.open(io.BytesIO(stored)) as w:
        assert w.readframes(800) == b"\x01\x02" * 800
    assert stored == plain  # exactly the format and data chunks


def test_m4a_location_and_tag_boxes_are_blanked_without_moving_any_offset(client):
    data = m4a_with_location()
    response = upload(client, data)

    assert response.status_code == 201
    _, stored = fetch(client, response.json()["media_url"])
    assert GPS not in stored and b"\xa9xyz" not in stored
    assert len(stored) == len(data)
    assert stored.endswith(box(b"mdat", b"\x07" * 64))  # the audio is untouched
    assert b"soun" in stored


def test_a_plain_m4a_is_stored_unchanged(client):
    response = upload(client, m4a_bytes())
    _, stored = fetch(client, response.json()["media_url"])
    assert stored == m4a_bytes()


def test_an_m4a_with_bytes_after_its_last_box_is_refused(client):
    response = upload(client, m4a_bytes() + b"<html><script>alert(1)</script>")
    assert response.status_code == 415


def test_clean_adts_audio_is_accepted(client):
    response = upload(client, adts_frame() * 5)
    assert response.status_code == 201
    assert response.json()["content_type"] == "audio/aac"


@pytest.mark.parametrize(
    "tail",
    [b"<html><script>alert(1)</script></html>", b"PK\x05\x06" + b"\x00" * 18],
    ids=["html", "zip"],
)
def test_an_adts_polyglot_is_refused(client, tail):
    response = upload(client, adts_frame() + tail + adts_frame())
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_a_wav_chunk_that_runs_past_the_end_is_refused():
    data = b"RIFF\x00\x00\x00\x00WAVE" + b"LIST" + struct.pack("<I", 10_000) + b"x"
    with pytest.raises(audio_clean.Refused):
        audio_clean.clean_wav(data)
