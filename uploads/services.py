"""Media uploads (services-style): sniff the type from the bytes, re-encode images without any
metadata, check audio structure, store under a name that proves who it was issued to.

- Types are decided by the bytes only, never by the file name or the client's Content-Type.
- Images (JPEG, PNG, GIF, WebP) are opened by the one Pillow plugin the magic bytes name, their
  dimensions checked against ``settings.MEDIA_MAX_IMAGE_PIXELS`` before any pixel is decoded,
  fully decoded, copied into fresh images (so no ``info`` travels along), and re-encoded with no
  EXIF, GPS, XMP, ICC profile, comments or text chunks. GIF/WebP animation is kept.
- Audio (MP3, AAC/ADTS, Ogg Opus/Vorbis, M4A, WAV, WebM audio) is checked by magic bytes and a
  light structure check; a file that carries a video track is refused. MP3 ID3 tags are removed;
  other audio is stored as sent.
- Storage names are ``<32 hex random>-<24 hex HMAC(SECRET_KEY, user id, random, ext)>.<ext>``
  in ``default_storage`` under ``uploads/``: ownership is provable without a table.

docs/media.md has the details.
"""

import hashlib
import hmac
import io
import re
import secrets
import struct
import warnings
from dataclasses import dataclass
from typing import NoReturn
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http.request import split_domain_port, validate_host
from mutagen import MutagenError
from mutagen.id3 import delete as delete_id3
from mutagen.mp3 import MP3
from mutagen.mp4 import AtomError, Atoms
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from uploads import audio_clean
from wya import ratelimit
from wya.bodylimit import MULTIPART_OVERHEAD, max_upload_bytes
from wya.errors import Invalid, RateLimited, TooLarge, UnsupportedMediaType

STORAGE_DIR = "uploads"
URL_PREFIX = "/media/"
MAX_FRAMES = 300

# extension → (kind, content type); the served Content-Type comes from here.
FORMATS = {
    "jpg": ("image", "image/jpeg"),
    "png": ("image", "image/png"),
    "gif": ("image", "image/gif"),
    "webp": ("image", "image/webp"),
    "mp3": ("audio", "audio/mpeg"),
    "aac": ("audio", "audio/aac"),
    "ogg": ("audio", "audio/ogg"),
    "m4a": ("audio", "audio/mp4"),
    "wav": ("audio", "audio/wav"),
    "webm": ("audio", "audio/webm"),
}
_PILLOW_FORMAT = {"jpg": "JPEG", "png": "PNG", "gif": "GIF", "webp": "WEBP"}
NAME_RE = re.compile(r"^(?P<token>[0-9a-f]{32})-(?P<sig>[0-9a-f]{24})\.(?P<ext>[a-z0-9]{2,4})$")

REFUSED = (
    "Only images (JPEG, PNG, GIF, WebP) and audio (MP3, AAC, Ogg Opus/Vorbis, M4A, WAV, "
    "WebM audio) can be uploaded."
)


@dataclass(frozen=True)
class StoredMedia:
    media_url: str
    kind: str
    content_type: str
    size: int


# --- Limits -----------------------------------------------------------------------------------
def check_declared_length(content_length: str | None) -> None:
    """Refuse a body whose declared length is already too large, before anything is parsed."""
    try:
        declared = int(content_length or 0)
    except ValueError:
        return
    if declared > max_upload_bytes() + MULTIPART_OVERHEAD:
        raise TooLarge(_too_large_detail(), code="too_large")


def _too_large_detail() -> str:
    return (
        f"The file is too large: images up to {settings.MEDIA_MAX_IMAGE_BYTES} bytes, "
        f"audio up to {settings.MEDIA_MAX_AUDIO_BYTES} bytes."
    )


class SizeCapUploadHandler(FileUploadHandler):
    """Stops the multipart parser as soon as a file grows past the largest allowed size."""

    def __init__(self, request=None, limit: int | None = None):
        super().__init__(request)
        self.limit = limit or max_upload_bytes()
        self.received = 0
        self.exceeded = False

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None


# --- Sniffing ---------------------------------------------------------------------------------
def _is_mpeg_audio_header(head: bytes) -> bool:
    if len(head) < 4 or head[0] != 0xFF or (head[1] & 0xE0) != 0xE0:
        return False
    version = (head[1] >> 3) & 0x03
    layer = (head[1] >> 1) & 0x03
    bitrate = head[2] >> 4
    sample_rate = (head[2] >> 2) & 0x03
    return version != 1 and layer != 0 and bitrate not in (0, 15) and sample_rate != 3


def _is_adts_header(head: bytes) -> bool:
    # 12-bit sync, layer 00, sampling index below 13
    return (
        len(head) >= 7
        and head[0] == 0xFF
        and (head[1] & 0xF6) == 0xF0
        and ((head[2] >> 2) & 0x0F) < 13
    )


def _sniff(data: bytes) -> str | None:
    """The extension the bytes say, or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    if data[:4] == b"OggS":
        return "ogg"
    if data[4:8] == b"ftyp":
        return "m4a"
    if data[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    if data[:3] == b"ID3":
        return "mp3"
    if _is_adts_header(data[:7]):
        return "aac"
    if _is_mpeg_audio_header(data[:4]):
        return "mp3"
    return None


# --- Audio structure checks --------------------------------------------------------------------
# mutagen reads the containers it knows (MP3, Ogg, WAV, MP4 atoms); the ADTS sync check above and
# the EBML walk below stay because it has no such check (ADTS) or no reader at all (WebM).
_MUTAGEN_ERRORS = (MutagenError, ValueError, EOFError, IndexError, struct.error)


def _refuse(detail: str) -> NoReturn:
    raise UnsupportedMediaType(detail, code="unsupported_media_type")


def _check_mp3(data: bytes) -> bytes:
    """Drops ID3v2/ID3v1 tags (free-text metadata) and checks MPEG frames follow (mutagen)."""
    audio = io.BytesIO(data)
    try:
        delete_id3(audio, delete_v1=True, delete_v2=True)
        MP3(io.BytesIO(audio.getvalue()))
    except _MUTAGEN_ERRORS:
        _refuse("The MP3 file does not contain MPEG audio frames.")
    return audio.getvalue()


def _check_ogg(data: bytes) -> bytes:
    """An Ogg stream whose headers mutagen reads as Opus or as Vorbis."""
    for reader in (OggOpus, OggVorbis):
        try:
            reader(io.BytesIO(data))
        except _MUTAGEN_ERRORS:
            continue
        return data
    _refuse("Only Ogg files with Opus or Vorbis audio are accepted.")


def _cleaned(clean, data: bytes) -> bytes:
    """Run an ``audio_clean`` walk; its refusal becomes a 415."""
    try:
        return clean(data)
    except audio_clean.Refused as error:
        _refuse(str(error))


def _check_wav(data: bytes) -> bytes:
    """A RIFF/WAVE file whose chunks mutagen reads, rebuilt from its format and data chunks:
    LIST/INFO and every other chunk are dropped."""
    try:
        WAVE(io.BytesIO(data))
    except _MUTAGEN_ERRORS:
        _refuse("The WAV file is damaged or has no format chunk.")
    return _cleaned(audio_clean.clean_wav, data)


def _mp4_handlers(data: bytes) -> set[bytes]:
    """Handler types (``soun``, ``vide``, …) of every track (``moov/trak/mdia/hdlr``), read with
    mutagen's atom parser."""
    stream = io.BytesIO(data)
    try:
        moov = Atoms(stream).path(b"moov")[-1]
        handlers = set()
        for trak in moov.findall(b"trak"):
            for hdlr in (h for mdia in trak.findall(b"mdia") for h in mdia.findall(b"hdlr")):
                ok, payload = hdlr.read(stream)
                handlers.add(payload[8:12] if ok else b"")
    except (*_MUTAGEN_ERRORS, AtomError, KeyError):
        _refuse("The M4A file is damaged.")
    return handlers


def _check_m4a(data: bytes) -> bytes:
    brand = data[8:12]
    if brand in (b"qt  ",) or brand[:3] in (b"3gp", b"3g2"):
        _refuse("Only M4A audio is accepted, not video containers.")
    handlers = _mp4_handlers(data)
    if b"vide" in handlers:
        _refuse("Video is not accepted; upload audio only.")
    if b"soun" not in handlers:
        _refuse("The M4A file has no audio track.")
    return _cleaned(audio_clean.clean_m4a, data)  # udta/meta (tags, locations) blanked


def _read_vint(data: bytes, pos: int, keep_marker: bool) -> tuple[int, int]:
    first = data[pos]
    length = 1
    mask = 0x80
    while length <= 8 and not first & mask:
        mask >>= 1
        length += 1
    if length > 8 or pos + length > len(data):
        raise ValueError("bad vint")
    value = first if keep_marker else first & (mask - 1)
    for byte in data[pos + 1 : pos + length]:
        value = (value << 8) | byte
    if not keep_marker and value == (1 << (7 * length)) - 1:
        value = -1  # unknown size
    return value, pos + length


def _ebml_children(data: bytes, start: int, end: int):
    pos = start
    while pos < end:
        element_id, pos = _read_vint(data, pos, keep_marker=True)
        size, pos = _read_vint(data, pos, keep_marker=False)
        child_end = end if size < 0 else min(end, pos + size)
        yield element_id, pos, child_end
        pos = child_end


_EBML, _DOCTYPE, _SEGMENT, _TRACKS, _TRACK_ENTRY, _TRACK_TYPE = (
    0x1A45DFA3,
    0x4282,
    0x18538067,
    0x1654AE6B,
    0xAE,
    0x83,
)


def _check_webm(data: bytes) -> bytes:
    """WebM (not generic Matroska) with at least one audio track and no video track."""
    try:
        elements = list(_ebml_children(data, 0, len(data)))
        header = next(e for e in elements if e[0] == _EBML)
        doctype = next(
            data[s:e] for i, s, e in _ebml_children(data, header[1], header[2]) if i == _DOCTYPE
        )
        segment = next(e for e in elements if e[0] == _SEGMENT)
        track_types = []
        for element_id, start, end in _ebml_children(data, segment[1], segment[2]):
            if element_id != _TRACKS:
                continue
            for entry_id, entry_start, entry_end in _ebml_children(data, start, end):
                if entry_id != _TRACK_ENTRY:
                    continue
                for field_id, field_start, field_end in _ebml_children(
                    data, entry_start, entry_end
                ):
                    if field_id == _TRACK_TYPE:
                        track_types.append(int.from_bytes(data[field_start:field_end], "big"))
            break
    except (StopIteration, ValueError, IndexError):
        _refuse("The WebM file is damaged.")
    if doctype != b"webm":
        _refuse("Only WebM audio is accepted.")
    if 1 in track_types:
        _refuse("Video is not accepted; upload audio only.")
    if 2 not in track_types:
        _refuse("The WebM file has no audio track.")
    return data


_AUDIO_CHECKS = {
    "mp3": _check_mp3,
    "aac": lambda data: _cleaned(audio_clean.check_adts, data),  # frames end to end
    "ogg": _check_ogg,
    "wav": _check_wav,
    "m4a": _check_m4a,
    "webm": _check_webm,
}


# --- Images -----------------------------------------------------------------------------------
def _bomb(width: int | None = None, height: int | None = None) -> NoReturn:
    size = f" ({width}x{height})" if width else ""
    raise TooLarge(
        f"The image has too many pixels{size}: at most {settings.MEDIA_MAX_IMAGE_PIXELS} "
        "pixels are accepted.",
        code="image_too_large",
    )


def _fresh(frame: Image.Image, mode: str) -> Image.Image:
    """The pixels only, in a brand-new image: no ``info`` (EXIF, XMP, ICC, comments, text)."""
    converted = frame.convert(mode) if frame.mode != mode else frame
    return Image.frombytes(mode, converted.size, converted.tobytes())


def _image_mode(image: Image.Image, ext: str) -> str:
    if ext == "jpg":
        return "L" if image.mode in ("1", "L") else "RGB"
    if image.mode in ("RGB", "L"):
        return image.mode
    return "RGBA"


_UNDECODABLE = (
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    struct.error,
    TypeError,
    IndexError,
    KeyError,
    MemoryError,
)


def _frame_duration(value) -> int:
    """A frame's display time in ms as the encoders take it: absent or not a number is 100 (what
    browsers show), never negative; 0 stays 0 (browsers apply their own minimum)."""
    if isinstance(value, int | float) and value == value:  # value == value: not NaN
        return max(0, min(int(value), 65535))
    return 100


def _decode_frames(data: bytes, ext: str) -> tuple[list[Image.Image], list[int]]:
    """Every frame as a fresh image (pixels only) and its duration; the pixel budget is checked
    from the header before anything is decoded, then frame by frame."""
    limit = settings.MEDIA_MAX_IMAGE_PIXELS
    image = Image.open(io.BytesIO(data), formats=[_PILLOW_FORMAT[ext]])
    width, height = image.size  # from the header: nothing decoded yet
    if width * height > limit:
        _bomb(width, height)
    frames: list[Image.Image] = []
    durations = []
    budget = 0
    for frame in ImageSequence.Iterator(image):
        budget += width * height
        if budget > limit or len(frames) >= MAX_FRAMES:
            _bomb()
        frame.load()
        if len(frames) == 0 and ext in ("jpg", "webp", "png"):
            frame = ImageOps.exif_transpose(frame)
        frames.append(_fresh(frame, _image_mode(frame, ext)))
        durations.append(_frame_duration(frame.info.get("duration")))
        if ext in ("jpg", "png"):
            break
    return frames, durations


def _encode_frames(frames: list[Image.Image], durations: list[int], ext: str) -> bytes:
    out = io.BytesIO()
    first = frames[0]
    # Pillow's single-frame writers take one duration, not a list (a list was a 500).
    duration: int | list[int] = durations if len(frames) > 1 else durations[0]
    if ext == "jpg":
        first.save(out, "JPEG", quality=88, optimize=True)
    elif ext == "png":
        first.save(out, "PNG", optimize=True)
    elif ext == "gif":
        first.save(
            out,
            "GIF",
            save_all=len(frames) > 1,
            append_images=frames[1:],
            duration=duration,
            loop=0,
            disposal=2,
        )
    else:
        first.save(
            out,
            "WEBP",
            quality=85,
            save_all=len(frames) > 1,
            append_images=frames[1:],
            duration=duration,
            loop=0,
        )
    return out.getvalue()


def _reencode_image(data: bytes, ext: str) -> bytes:
    """Decode fully (within the pixel budget) and encode again with no metadata at all."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            frames, durations = _decode_frames(data, ext)
        except Image.DecompressionBombError:
            _bomb()
        except TooLarge:
            raise
        except _UNDECODABLE:
            _refuse("The file is not a valid image (it could not be decoded).")
    return _encode_frames(frames, durations, ext)


# --- Names and ownership ------------------------------------------------------------------------
def _signature(user_id: str, token: str, ext: str) -> str:
    message = f"wya-media\x00{user_id}\x00{token}\x00{ext}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:24]


def _new_name(user, ext: str) -> str:
    token = secrets.token_hex(16)
    return f"{token}-{_signature(str(user.pk), token, ext)}.{ext}"


def storage_path(name: str) -> str:
    return f"{STORAGE_DIR}/{name}"


def name_from_url(url: str | None) -> str | None:
    """The stored name inside a media URL this server could have issued, else None."""
    if not url or not isinstance(url, str) or len(url) > 2048:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme or parts.netloc:
        if parts.scheme not in ("http", "https"):
            return None
        host, _ = split_domain_port(parts.netloc)
        if not host or not validate_host(host, settings.ALLOWED_HOSTS):
            return None
    if parts.query or parts.fragment or not parts.path.startswith(URL_PREFIX):
        return None
    name = parts.path[len(URL_PREFIX) :]
    match = NAME_RE.match(name)
    if not match or match["ext"] not in FORMATS:
        return None
    return name


def media_kind(url: str | None) -> str | None:
    """``"image"``, ``"audio"`` or None, from the stored extension of a well-formed media URL."""
    name = name_from_url(url)
    return FORMATS[name.rsplit(".", 1)[1]][0] if name else None


def media_url_issued_to(url: str | None, user) -> bool:
    """True only for a URL that POST /api/media/ issued to ``user`` and that still exists."""
    name = name_from_url(url)
    if name is None or user is None or getattr(user, "pk", None) is None:
        return False
    match = NAME_RE.match(name)
    if match is None:  # name_from_url matched it already
        return False
    expected = _signature(str(user.pk), match["token"], match["ext"])
    if not hmac.compare_digest(expected, match["sig"]):
        return False
    return default_storage.exists(storage_path(name))


def require_issued_media(url: str | None, user) -> None:
    """Messages (rooms and DMs) carry only media that was issued to their sender; None passes."""
    if url is not None and not media_url_issued_to(url, user):
        raise Invalid("media_url must be a file you uploaded through /api/media/.", code="invalid")


def open_media(name: str):
    """(file, content type) for a stored name, or None when unknown."""
    match = NAME_RE.match(name or "")
    if not match or match["ext"] not in FORMATS:
        return None
    path = storage_path(name)
    if not default_storage.exists(path):
        return None
    return default_storage.open(path, "rb"), FORMATS[match["ext"]][1]


# --- The service ------------------------------------------------------------------------------
def media_upload(*, user, uploaded_file) -> StoredMedia:
    """Validate, clean and store one upload for ``user``."""
    if uploaded_file is None:
        raise Invalid("Send the file in the multipart field 'file'.", code="invalid")
    if not ratelimit.allow("media", str(user.pk)):
        raise RateLimited("Too many uploads; try again later.", code="rate_limited")
    if uploaded_file.size == 0:
        _refuse("The file is empty. " + REFUSED)
    if uploaded_file.size > max_upload_bytes():
        raise TooLarge(_too_large_detail(), code="too_large")

    uploaded_file.seek(0)
    head = uploaded_file.read(64)
    ext = _sniff(head)
    if ext is None:
        _refuse(REFUSED)
    kind = FORMATS[ext][0]
    limit = settings.MEDIA_MAX_IMAGE_BYTES if kind == "image" else settings.MEDIA_MAX_AUDIO_BYTES
    if uploaded_file.size > limit:
        raise TooLarge(_too_large_detail(), code="too_large")
    uploaded_file.seek(0)
    data = uploaded_file.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(_too_large_detail(), code="too_large")

    cleaned = _reencode_image(data, ext) if kind == "image" else _AUDIO_CHECKS[ext](data)
    name = _new_name(user, ext)
    default_storage.save(storage_path(name), ContentFile(cleaned))
    return StoredMedia(
        media_url=f"{URL_PREFIX}{name}",
        kind=kind,
        content_type=FORMATS[ext][1],
        size=len(cleaned),
    )
