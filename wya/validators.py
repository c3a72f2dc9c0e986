"""Formats shared by several apps: the one rule for each (colours, music links, message text).

Pure checks of a value's shape; who may do what is ``safety.policy``'s business. Each rule raises
Django's ``ValidationError`` (forms, serializers and the admin show it as a field error) or, for
the message text that the socket shares with REST, ``wya.errors.Invalid``.
"""

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

from wya.errors import Invalid

SPOTIFY = "spotify"
SOUNDCLOUD = "soundcloud"
MUSIC_URL_MAX = 500
MEDIA_URL_MAX = 1000
MESSAGE_MAX = 2000

DEFAULT_THEME_COLOR = "#7A5AF8"
DEFAULT_BACKGROUND_COLOR = "#1A1A1E"
_COLOR = re.compile(r"#[0-9A-Fa-f]{6}")
COLOR_MESSAGE = "Use a colour of the form #RRGGBB."


def is_color(value: object) -> bool:
    """The one ``#RRGGBB`` rule: profile theme colours, room backgrounds, colours in pages."""
    return isinstance(value, str) and _COLOR.fullmatch(value) is not None


def validate_color(value: str) -> None:
    """``is_color`` as a validator (fields, forms, services)."""
    if not is_color(value):
        raise ValidationError(COLOR_MESSAGE, code="color")


_SPOTIFY_HOSTS = {"open.spotify.com"}
_SPOTIFY_KINDS = {"track", "album", "playlist", "artist", "episode", "show"}
_SPOTIFY_LOCALE = re.compile(r"^intl-[a-z]{2}(-[a-z]{2})?$", re.IGNORECASE)
_SPOTIFY_ID = re.compile(r"^[A-Za-z0-9]{1,64}$")
_SOUNDCLOUD_HOSTS = {"soundcloud.com", "www.soundcloud.com", "m.soundcloud.com"}
_SOUNDCLOUD_SEGMENT = re.compile(r"^[A-Za-z0-9_\-]{1,100}$")

MUSIC_URL_MESSAGE = (
    "Only Spotify (https://open.spotify.com/track|album|playlist|artist|episode|show/<id>) "
    "or SoundCloud (https://soundcloud.com/<artist>/...) links are supported."
)


def music_provider_for(url: str) -> str:
    """``"spotify"`` or ``"soundcloud"`` for an accepted music link; ``ValidationError`` otherwise.

    Spotify: ``https://open.spotify.com/[intl-xx/]{track,album,playlist,artist,episode,show}/<id>``.
    SoundCloud: ``https://soundcloud.com/<artist>[/...]``. https only, no credentials, no port.
    """
    if not isinstance(url, str) or not url or len(url) > MUSIC_URL_MAX:
        raise ValidationError(MUSIC_URL_MESSAGE, code="music_url")
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise ValidationError(MUSIC_URL_MESSAGE, code="music_url")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValidationError(MUSIC_URL_MESSAGE, code="music_url")
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or parts.username or parts.password or port is not None:
        raise ValidationError(MUSIC_URL_MESSAGE, code="music_url")
    segments = [s for s in parts.path.split("/") if s]
    if host in _SPOTIFY_HOSTS:
        if segments and _SPOTIFY_LOCALE.match(segments[0]):
            segments = segments[1:]
        if len(segments) == 2 and segments[0] in _SPOTIFY_KINDS and _SPOTIFY_ID.match(segments[1]):
            return SPOTIFY
    elif (
        host in _SOUNDCLOUD_HOSTS
        and segments
        and all(_SOUNDCLOUD_SEGMENT.match(s) for s in segments)
    ):
        return SOUNDCLOUD
    raise ValidationError(MUSIC_URL_MESSAGE, code="music_url")


def validate_music_url(url: str) -> None:
    music_provider_for(url)


def clean_message(message, media_url) -> tuple[str, str | None]:
    """The one rule for message text, rooms and direct messages alike: ``(text, media_url)``.

    Text is stripped and at most ``MESSAGE_MAX`` characters; NUL is refused (PostgreSQL text
    cannot hold it); ``media_url`` is text of at most ``MEDIA_URL_MAX`` characters or empty;
    a message needs text or media. Whether the media was issued to the sender is
    ``uploads.services.require_issued_media``'s part.
    """
    if message is None:
        message = ""
    if not isinstance(message, str):
        raise Invalid("message must be text.", code="invalid")
    if media_url == "":
        media_url = None
    if media_url is not None and (not isinstance(media_url, str) or len(media_url) > MEDIA_URL_MAX):
        raise Invalid("media_url must be a URL issued by /api/media/.", code="invalid")
    if "\x00" in message or (media_url is not None and "\x00" in media_url):
        raise Invalid("A message cannot contain NUL characters.", code="invalid")
    text = message.strip()
    if len(text) > MESSAGE_MAX:
        raise Invalid(f"A message has at most {MESSAGE_MAX} characters.", code="too_long")
    if not text and media_url is None:
        raise Invalid("A message needs text or media.", code="invalid")
    return text, media_url
