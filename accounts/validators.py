"""Validators for account and profile fields, shared by the REST serializers, the pages and the
services (one definition of every rule).

``music_provider_for(url)`` is also the contract the rooms app uses for room music.
"""

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

SPOTIFY = "spotify"
SOUNDCLOUD = "soundcloud"

DISPLAY_NAME_MAX = 50
BIO_MAX = 500
LOCATION_MAX = 100
MUSIC_URL_MAX = 500
MEDIA_URL_MAX = 1000

_SPOTIFY_HOSTS = {"open.spotify.com"}
_SPOTIFY_KINDS = {"track", "album", "playlist", "artist", "episode", "show"}
_SPOTIFY_LOCALE = re.compile(r"^intl-[a-z]{2}(-[a-z]{2})?$", re.IGNORECASE)
_SPOTIFY_ID = re.compile(r"^[A-Za-z0-9]{1,64}$")
_SOUNDCLOUD_HOSTS = {"soundcloud.com", "www.soundcloud.com", "m.soundcloud.com"}
_SOUNDCLOUD_SEGMENT = re.compile(r"^[A-Za-z0-9_\-]{1,100}$")
_THEME_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")

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


def validate_theme_color(value: str) -> None:
    if not isinstance(value, str) or not _THEME_COLOR.match(value):
        raise ValidationError("Use a colour of the form #RRGGBB.", code="theme_color")


def clean_display_name(value) -> str:
    name = (value or "").strip() if isinstance(value, str) else ""
    if not name:
        raise ValidationError("A display name is required.", code="required")
    if len(name) > DISPLAY_NAME_MAX:
        raise ValidationError(
            f"Ensure the display name has at most {DISPLAY_NAME_MAX} characters.",
            code="max_length",
        )
    if any(ord(ch) < 32 for ch in name):
        raise ValidationError("The display name contains control characters.", code="invalid")
    return name


def validate_profile_image_url(url: str, user) -> None:
    """Avatars and banners: only image URLs that ``POST /api/media/`` issued to this user."""
    message = "Use an image you uploaded through /api/media/."
    if not isinstance(url, str) or len(url) > MEDIA_URL_MAX:
        raise ValidationError(message, code="media_url")
    try:
        from uploads.services import media_kind, media_url_issued_to
    except ImportError:  # the media app is not installed: accept nothing (fail closed)
        raise ValidationError(message, code="media_url")
    if not media_url_issued_to(url, user) or media_kind(url) != "image":
        raise ValidationError(message, code="media_url")
