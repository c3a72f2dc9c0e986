"""Small presentation helpers for the pages: readable text on any colour, avatars, embeds."""

import re
from urllib.parse import quote, urlsplit

from django import template
from django.utils.html import format_html

from rooms import selectors as room_selectors
from uploads import services as media
from wya.validators import is_color

register = template.Library()

DARK_INK, LIGHT_INK = "#000000", "#FFFFFF"
ACCENT = "#8B6CFF"  # the app's accent, `--accent` in wya/static/wya/app.css


def _luminance(color: str) -> float:
    """WCAG relative luminance of ``#RRGGBB``."""
    channels = []
    for i in (1, 3, 5):
        c = int(color[i : i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = channels
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def safe_color(value) -> str:
    """``value`` if it is a ``#RRGGBB`` colour, else the app's accent (never echo anything else
    into a style attribute)."""
    return value.upper() if is_color(value) else ACCENT


@register.filter
def color(value) -> str:
    return safe_color(value)


@register.filter
def ink(value) -> str:
    """The text colour (near-black or white) with the higher contrast on background ``value``:
    at least 4.5:1 (WCAG AA) for every ``#RRGGBB``."""
    background = safe_color(value)
    dark, light = contrast_ratio(background, DARK_INK), contrast_ratio(background, LIGHT_INK)
    return DARK_INK if dark >= light else LIGHT_INK


@register.filter
def initials(name) -> str:
    words = [w for w in str(name or "").split() if w]
    return ("".join(w[0] for w in words[:2]) or "?").upper()


@register.simple_tag
def avatar(url, name, size=""):
    """An avatar image, or the person's initials on a coloured disc when there is no picture."""
    classes = f"avatar {size}".strip()
    if url and (str(url).startswith("/") or str(url).startswith("https://")):
        return format_html('<img class="{}" src="{}" alt="" loading="lazy">', classes, url)
    return format_html('<span class="{}" aria-hidden="true">{}</span>', classes, initials(name))


SPOTIFY_PATH = re.compile(
    r"^/(?:intl-[a-z]{2}(?:-[A-Za-z]{2})?/)?(track|album|playlist|artist|episode|show)/([A-Za-z0-9]+)"
)


@register.filter
def music_embed(url) -> dict | None:
    """The providers' official embed player for a Spotify or SoundCloud link:
    ``{"src", "height", "title"}`` or None. Only these two hosts are ever framed (the CSP says so too)."""
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme != "https":
        return None
    host = (parts.hostname or "").lower()
    if host == "open.spotify.com":
        match = SPOTIFY_PATH.match(parts.path)
        if not match:
            return None
        kind, item = match.groups()
        height = 152 if kind in ("track", "episode") else 352
        return {
            "src": f"https://open.spotify.com/embed/{kind}/{item}",
            "height": height,
            "title": "Spotify player",
        }
    if host in ("soundcloud.com", "www.soundcloud.com", "m.soundcloud.com", "on.soundcloud.com"):
        clean = f"https://soundcloud.com{parts.path}"
        return {
            "src": "https://w.soundcloud.com/player/?url="
            + quote(clean, safe="")
            + f"&color={quote(ACCENT.lower(), safe='')}&visual=false&show_comments=false",
            "height": 166,
            "title": "SoundCloud player",
        }
    return None


@register.simple_tag
def unread_rooms_total(user) -> int:
    """Unread room messages over all my rooms (the header badge). One query."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return sum(room_selectors.my_rooms(user).values_list("unread_count", flat=True))


@register.filter
def media_kind(url) -> str | None:
    """``"image"``, ``"audio"`` or None for a media URL (from its stored extension)."""
    return media.media_kind(url)


@register.filter
def control(field):
    """A bound field's widget, tied to its error message (``aria-describedby``) when it has one."""
    attrs = {}
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_helptext")
    if field.errors:
        described.append(f"{field.auto_id}_error")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=attrs)
