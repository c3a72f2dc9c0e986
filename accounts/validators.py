"""Validators for account and profile fields, shared by the REST serializers, the pages and the
services (one definition of every rule).

Formats shared with other apps (colours, music links) are ``wya.validators``.
"""

from django.core.exceptions import ValidationError

from uploads.services import media_kind, media_url_issued_to
from wya.validators import MEDIA_URL_MAX

DISPLAY_NAME_MAX = 50
BIO_MAX = 500
LOCATION_MAX = 100


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
    if not media_url_issued_to(url, user) or media_kind(url) != "image":
        raise ValidationError(message, code="media_url")
