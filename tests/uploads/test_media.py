"""POST /api/media/ and GET /media/<name>: type from bytes, clean re-encoding, limits, ownership."""

import io
import struct
import zlib

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadhandler import StopUpload
from PIL import Image, PngImagePlugin

from tests.accounts.media_helpers import wav_bytes
from tests.factories import UserFactory
from uploads.services import media_kind, media_url_issued_to, storage_path

URL = "/api/media/"


def upload(client, data: bytes, name="upload.bin", content_type="application/octet-stream"):
    handle = io.BytesIO(data)
    handle.name = name
    return client.post(URL, {"file": handle}, format="multipart")


def fetch(client, media_url):
    response = client.get(media_url)
    return response, b"".join(response.streaming_content)


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SnoopCam"  # Make
    exif[0x0131] = "GeoTagger 1.0"  # Software
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (48.0, 51.0, 23.8)
    gps[3], gps[4] = "E", (2.0, 21.0, 7.9)
    out = io.BytesIO()
    image.save(
        out,
        "JPEG",
        exif=exif,
        comment=b"home address here",
        xmp=b"<x:xmpmeta>GPSLatitude 48.8566</x:xmpmeta>",
    )
    return out.getvalue()


def png_bytes(size=(8, 8), text=None) -> bytes:
    out = io.BytesIO()
    info = PngImagePlugin.PngInfo()
    for key, value in (text or {}).items():
        info.add_text(key, value)
    Image.new("RGBA", size, (1, 2, 3, 255)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


MP3_FRAME = b"\xff\xfb\x90\x64" + b"\x00" * 413  # MPEG-1 layer III, 128 kbit/s, 44.1 kHz


def mp3_with_tags() -> bytes:
    id3_body = b"TIT2\x00\x00\x00\x0b\x00\x00\x03My secret\x00"
    size = len(id3_body)
    synchsafe = bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])
    id3v1 = b"TAG" + b"Secret title".ljust(125, b"\x00")
    return b"ID3\x04\x00\x00" + synchsafe + id3_body + MP3_FRAME * 3 + id3v1


def silent_wav() -> bytes:
    return wav_bytes(b"\x00\x00" * 800)


def ogg_page(packet: bytes, sequence: int, flags: int, granule: int = 0) -> bytes:
    """One Ogg page holding one small packet (stream serial 1, CRC left at zero)."""
    header = b"OggS\x00" + bytes([flags]) + struct.pack("<q", granule)
    header += struct.pack("<II", 1, sequence) + b"\x00" * 4
    return header + bytes([1, len(packet)]) + packet


def ogg_opus_bytes() -> bytes:
    """The smallest real Ogg Opus file: identification header, comment header, one packet."""
    head = b"OpusHead\x01\x01\x38\x01\x80\xbb\x00\x00\x00\x00\x00"
    tags = b"OpusTags" + struct.pack("<I", 3) + b"wya" + struct.pack("<I", 0)
    return ogg_page(head, 0, 0x02) + ogg_page(tags, 1, 0) + ogg_page(b"\x00", 2, 0x04, 960)


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def m4a_bytes(handler=b"soun") -> bytes:
    hdlr = box(b"hdlr", b"\x00" * 8 + handler + b"\x00" * 13)
    return (
        box(b"ftyp", b"M4A \x00\x00\x00\x00M4A isom")
        + box(b"moov", box(b"trak", box(b"mdia", hdlr)))
        + box(b"mdat", b"\x00" * 64)
    )


def ebml(element_id: bytes, payload: bytes) -> bytes:
    assert len(payload) < 127
    return element_id + bytes([0x80 | len(payload)]) + payload


def webm_bytes(track_type: int, doctype=b"webm") -> bytes:
    header = ebml(b"\x1a\x45\xdf\xa3", ebml(b"\x42\x82", doctype))
    tracks = ebml(
        b"\x16\x54\xae\x6b",
        ebml(b"\xae", ebml(b"\xd7", b"\x01") + ebml(b"\x83", bytes([track_type]))),
    )
    segment = (
        b"\x18\x53\x80\x67" + b"\x01\xff\xff\xff\xff\xff\xff\xff" + tracks + b"\x1f\x43\xb6\x75\x80"
    )
    return header + segment


def stored_files():
    return default_storage.listdir("uploads")[1] if default_storage.exists("uploads") else []


@pytest.fixture
def client(make_client, adult):
    return make_client(adult)


def test_a_jpeg_with_gps_exif_comes_back_without_any_metadata(client):
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the test image has GPS

    response = upload(client, original, name="holiday.jpg", content_type="image/jpeg")

    assert response.status_code == 201
    body = response.json()
    assert body["kind"] == "image" and body["content_type"] == "image/jpeg"
    served, data = fetch(client, body["media_url"])
    assert served.status_code == 200 and body["size"] == len(data)
    cleaned = Image.open(io.BytesIO(data))
    cleaned.load()  # still decodes
    assert cleaned.format == "JPEG" and cleaned.size == (64, 48)
    assert len(cleaned.getexif()) == 0
    assert not {"exif", "xmp", "comment", "icc_profile"} & set(cleaned.info)
    for secret in (b"Exif", b"SnoopCam", b"GeoTagger", b"home address", b"xmpmeta", b"GPS"):
        assert secret not in data


def test_png_text_chunks_are_removed(client):
    response = upload(client, png_bytes(text={"Comment": "lat=48.85", "Author": "Ada"}))

    assert response.status_code == 201
    _, data = fetch(client, response.json()["media_url"])
    cleaned = Image.open(io.BytesIO(data))
    assert cleaned.format == "PNG" and cleaned.size == (8, 8)
    assert b"tEXt" not in data and b"lat=48.85" not in data and not cleaned.text


def test_animated_gifs_keep_their_frames_but_lose_their_comment(client):
    frames = [Image.new("RGB", (10, 10), colour) for colour in ("red", "blue", "green")]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], comment=b"secret note")

    response = upload(client, out.getvalue())

    assert response.status_code == 201
    _, data = fetch(client, response.json()["media_url"])
    cleaned = Image.open(io.BytesIO(data))
    assert cleaned.format == "GIF" and cleaned.n_frames == 3
    assert b"secret note" not in data


def test_webp_images_are_accepted_and_re_encoded(client):
    exif = Image.Exif()
    exif[0x010F] = "SnoopCam"
    out = io.BytesIO()
    Image.new("RGB", (12, 12), "blue").save(out, "WEBP", exif=exif)
    assert b"SnoopCam" in out.getvalue()

    response = upload(client, out.getvalue(), name="x.gif")

    assert response.status_code == 201
    assert response.json()["content_type"] == "image/webp"
    assert response.json()["media_url"].endswith(".webp")
    _, data = fetch(client, response.json()["media_url"])
    assert b"EXIF" not in data and b"SnoopCam" not in data


@pytest.mark.parametrize(
    ("label", "data", "name"),
    [
        (
            "svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "a.svg",
        ),
        ("html", b"<!doctype html><html><script>alert(document.cookie)</script></html>", "a.png"),
        ("png-headed html", b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>", "a.png"),
        ("jpeg-headed junk", b"\xff\xd8\xff\xe0" + b"<script>x</script>" * 10, "a.jpg"),
        ("windows executable", b"MZ\x90\x00" + b"\x00" * 200, "a.mp3"),
        ("zip", b"PK\x03\x04" + b"\x00" * 100, "a.webp"),
        ("empty", b"", "a.png"),
        ("text", b"hello", "a.wav"),
    ],
)
def test_anything_but_images_and_audio_is_a_415(client, label, data, name):
    response = upload(client, data, name=name, content_type="image/png")

    assert response.status_code == 415, label
    assert response.json()["code"] == "unsupported_media_type"
    assert response.json()["detail"]
    assert stored_files() == []


def test_a_decompression_bomb_is_refused_with_a_4xx(client):
    response = upload(client, png_declaring(50_000, 50_000))

    assert response.status_code == 413
    assert response.json()["code"] == "image_too_large"
    assert "pixels" in response.json()["detail"]


def test_images_over_the_pixel_setting_are_refused_before_decoding(client, settings):
    settings.MEDIA_MAX_IMAGE_PIXELS = 100 * 100

    assert upload(client, png_bytes(size=(100, 100))).status_code == 201
    response = upload(client, png_bytes(size=(101, 100)))
    assert response.status_code == 413
    assert response.json()["code"] == "image_too_large"


def test_an_oversize_upload_is_a_413(client, settings):
    settings.MEDIA_MAX_IMAGE_BYTES = 2_000
    settings.MEDIA_MAX_AUDIO_BYTES = 2_000

    response = upload(client, png_bytes() + b"\x00" * 200_000)

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_each_kind_has_its_own_size_limit(client, settings):
    settings.MEDIA_MAX_IMAGE_BYTES = 100_000
    settings.MEDIA_MAX_AUDIO_BYTES = 1_000

    assert upload(client, MP3_FRAME * 5).status_code == 413
    assert upload(client, png_bytes()).status_code == 201


@pytest.mark.parametrize(
    ("data", "content_type", "extension"),
    [
        (MP3_FRAME * 4, "audio/mpeg", ".mp3"),
        (silent_wav(), "audio/wav", ".wav"),
        (ogg_opus_bytes(), "audio/ogg", ".ogg"),
        (m4a_bytes(), "audio/mp4", ".m4a"),
        (webm_bytes(track_type=2), "audio/webm", ".webm"),
    ],
)
def test_audio_formats_are_recognised_by_their_bytes(client, data, content_type, extension):
    response = upload(client, data, name="voice.png")

    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["content_type"]) == ("audio", content_type)
    assert body["media_url"].endswith(extension)


def test_mp3_tags_are_dropped(client):
    response = upload(client, mp3_with_tags())

    assert response.status_code == 201
    _, data = fetch(client, response.json()["media_url"])
    assert data == MP3_FRAME * 3


@pytest.mark.parametrize(
    "data",
    [
        webm_bytes(track_type=1),
        webm_bytes(track_type=2, doctype=b"matroska"),
        m4a_bytes(handler=b"vide"),
        b"OggS\x00\x02" + b"\x00" * 20 + b"\x01\x2a\x80theora" + b"\x00" * 40,
    ],
)
def test_video_containers_are_refused(client, data):
    response = upload(client, data)

    assert response.status_code == 415


def test_served_media_has_the_servers_type_and_inert_headers(client):
    media_url = upload(client, png_bytes()).json()["media_url"]

    response, data = fetch(client, media_url)

    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("default-src 'none'")
    assert response["Content-Disposition"].startswith("inline")
    assert Image.open(io.BytesIO(data)).format == "PNG"


@pytest.mark.parametrize(
    "path",
    [
        "/media/" + "0" * 32 + "-" + "0" * 24 + ".png",
        "/media/..%2Fsettings.py",
        "/media/evil.html",
        "/media/" + "0" * 32 + "-" + "0" * 24 + ".html",
    ],
)
def test_unknown_media_names_are_a_404(client, path):
    assert client.get(path).status_code == 404


def test_media_url_issued_to_proves_ownership(client, adult, other_adult):
    media_url = upload(client, png_bytes()).json()["media_url"]
    name = media_url.rsplit("/", 1)[1]
    token, rest = name.split("-")

    assert media_url_issued_to(media_url, adult) is True
    assert media_url_issued_to(f"http://testserver{media_url}", adult) is True
    assert media_url_issued_to(media_url, other_adult) is False
    assert media_url_issued_to(f"https://evil.example{media_url}", adult) is False
    assert media_url_issued_to(f"/media/{token}-{'f' * 24}.png", adult) is False
    assert media_url_issued_to(f"/media/{'a' * 32}-{rest}", adult) is False
    assert media_url_issued_to(media_url.replace(".png", ".jpg"), adult) is False
    for junk in (None, "", "javascript:alert(1)", "/media/", 42, media_url + "?x=1"):
        assert media_url_issued_to(junk, adult) is False
    default_storage.delete(storage_path(name))
    assert media_url_issued_to(media_url, adult) is False


def test_media_kind_reads_the_stored_extension(client):
    image_url = upload(client, png_bytes()).json()["media_url"]
    audio_url = upload(client, silent_wav()).json()["media_url"]

    assert media_kind(image_url) == "image"
    assert media_kind(audio_url) == "audio"
    assert media_kind("https://example.com/cat.png") is None
    assert media_kind(None) is None


def test_someone_elses_upload_cannot_be_claimed(make_client):
    first, second = UserFactory(), UserFactory()
    media_url = upload(make_client(first), png_bytes()).json()["media_url"]

    assert media_url_issued_to(media_url, second) is False


def test_uploads_are_rate_limited_per_user(client, settings, make_client, other_adult):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "media": "2/hour"}

    statuses = [upload(client, png_bytes()).status_code for _ in range(3)]

    assert statuses == [201, 201, 429]
    assert upload(make_client(other_adult), png_bytes()).status_code == 201


def test_uploading_needs_login(anon_client):
    assert upload(anon_client, png_bytes()).status_code == 401


def test_a_request_without_the_file_field_is_a_400(client):
    response = client.post(URL, {"other": "x"}, format="multipart")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_a_json_body_is_a_415(client):
    assert client.post(URL, {"file": "abc"}, format="json").status_code == 415


def test_a_body_declared_too_large_is_refused_before_it_is_parsed(client, settings, monkeypatch):
    settings.MEDIA_MAX_IMAGE_BYTES = 1_000
    settings.MEDIA_MAX_AUDIO_BYTES = 1_000

    def must_not_run(**kwargs):
        raise AssertionError("the upload was parsed and processed")

    monkeypatch.setattr("uploads.services.media_upload", must_not_run)
    response = upload(client, b"\x89PNG\r\n\x1a\n" + b"\x00" * 200_000)

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_the_multipart_parser_stops_at_the_size_cap():
    from uploads.services import SizeCapUploadHandler

    handler = SizeCapUploadHandler(limit=10)
    assert handler.receive_data_chunk(b"12345", 0) == b"12345"
    with pytest.raises(StopUpload):
        handler.receive_data_chunk(b"123456", 5)
    assert handler.exceeded


@pytest.mark.parametrize(
    ("label", "data"),
    [
        ("id3 tag over no MPEG frames", mp3_with_tags().replace(MP3_FRAME, b"\x00" * 417)),
        ("wav without a format chunk", b"RIFF\x24\x00\x00\x00WAVE" + b"junk" + b"\x00" * 28),
        ("ogg opus without its comment header", ogg_opus_bytes()[:47]),
        ("m4a whose moov box is cut off", m4a_bytes()[:40]),
    ],
)
def test_damaged_audio_is_a_415(client, label, data):
    response = upload(client, data)

    assert response.status_code == 415, label
    assert response.json()["code"] == "unsupported_media_type"
    assert stored_files() == []
