"""Audio metadata removal and container walks (media uploads, docs/media.md).

Images are re-encoded, so nothing but pixels survives; audio is not re-encoded (no codec on the
server), so each container is walked and everything that is not audio is removed or refused:

- WAV: the RIFF file is rebuilt from its ``fmt `` (and ``fact``) and ``data`` chunks only, so
  ``LIST/INFO`` text, ``bext`` and any other chunk (a GPS position in a recorder's notes) is gone.
- M4A: ``udta``, ``meta``, ``uuid`` boxes (iTunes tags, ``©xyz`` / ``loci`` locations) anywhere
  in the box tree become ``free`` boxes of the same size with zero bytes, so no offset moves and
  the audio still plays; boxes must tile the file exactly.
- ADTS (AAC): the file must be ADTS frames from start to end; anything between or after frames
  (HTML, a ZIP directory: a polyglot) is refused.
Each function raises ``uploads.services``' refusal through ``refuse`` (passed in by the caller).
"""

import struct

WAV_KEEP = (b"fmt ", b"fact", b"data")
MP4_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"dinf", b"mvex", b"moof"}
MP4_METADATA = {b"udta", b"meta", b"uuid", b"ilst", b"loci", b"\xa9xyz"}


class Refused(ValueError):
    """The file is not clean audio; ``str(error)`` is a client-safe detail."""


# --- WAV --------------------------------------------------------------------------------------
def clean_wav(data: bytes) -> bytes:
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise Refused("The WAV file is damaged.")
    kept: dict[bytes, bytes] = {}
    position = 12
    while position + 8 <= len(data):
        kind = data[position : position + 4]
        (size,) = struct.unpack("<I", data[position + 4 : position + 8])
        body = data[position + 8 : position + 8 + size]
        if len(body) < size:
            if kind == b"data" and b"fmt " in kept:  # a truncated recording: keep what is there
                size = len(body)
            else:
                raise Refused("The WAV file is damaged: a chunk runs past the end.")
        if kind in WAV_KEEP and kind not in kept:
            kept[kind] = body
        position += 8 + size + (size & 1)  # chunks are padded to an even length
    if b"fmt " not in kept or b"data" not in kept:
        raise Refused("The WAV file needs a format chunk and a data chunk.")
    chunks = b"".join(
        kind
        + struct.pack("<I", len(kept[kind]))
        + kept[kind]
        + (b"\0" if len(kept[kind]) & 1 else b"")
        for kind in WAV_KEEP
        if kind in kept
    )
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


# --- M4A --------------------------------------------------------------------------------------
def _boxes(data: bytearray, start: int, end: int):
    """(offset, header length, total size, type) of each box in ``data[start:end]``; the boxes
    must tile the range exactly."""
    position = start
    while position < end:
        if end - position < 8:
            raise Refused("The M4A file is damaged: trailing bytes after the last box.")
        size, kind = struct.unpack(">I4s", data[position : position + 8])
        header = 8
        if size == 1:
            if end - position < 16:
                raise Refused("The M4A file is damaged.")
            (size,) = struct.unpack(">Q", data[position + 8 : position + 16])
            header = 16
        elif size == 0:
            size = end - position
        if size < header or position + size > end:
            raise Refused("The M4A file is damaged: a box runs past its container.")
        yield position, header, size, bytes(kind)
        position += size


def _blank_metadata(data: bytearray, start: int, end: int, depth: int = 0) -> None:
    if depth > 16:
        raise Refused("The M4A file is nested too deeply.")
    for offset, header, size, kind in list(_boxes(data, start, end)):
        if kind in MP4_METADATA:
            data[offset + 4 : offset + 8] = b"free"
            data[offset + header : offset + size] = bytes(size - header)
        elif kind in MP4_CONTAINERS:
            _blank_metadata(data, offset + header, offset + size, depth + 1)


def clean_m4a(data: bytes) -> bytes:
    cleaned = bytearray(data)
    _blank_metadata(cleaned, 0, len(cleaned))
    return bytes(cleaned)


# --- ADTS -------------------------------------------------------------------------------------
def check_adts(data: bytes) -> bytes:
    """ADTS frames end to end: each header has the sync word and a length that lands on the next
    header (or the end of the file)."""
    position, frames = 0, 0
    while position < len(data):
        header = data[position : position + 7]
        if len(header) < 7 or header[0] != 0xFF or (header[1] & 0xF6) != 0xF0:
            raise Refused("The AAC file has bytes that are not ADTS audio frames.")
        length = ((header[3] & 0x03) << 11) | (header[4] << 3) | (header[5] >> 5)
        if length < 7 or position + length > len(data):
            raise Refused("The AAC file is damaged: a frame runs past the end.")
        position += length
        frames += 1
    if frames == 0:
        raise Refused("The AAC file has no audio frames.")
    return data
