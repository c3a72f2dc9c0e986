"""Validators for account and profile fields, shared by the REST serializers, the pages and the
services (one definition of every rule).

Formats shared with other apps (colours, music links) are ``wya.validators``.
"""

import unicodedata

from django.core.exceptions import ValidationError

from accounts.confusables import skeleton_words
from safety.policy import DELETED_EMAIL_DOMAIN
from uploads.services import media_kind, media_url_issued_to
from wya.validators import MEDIA_URL_MAX

DISPLAY_NAME_MAX = 50
BIO_MAX = 500
LOCATION_MAX = 100


# --- Invisible characters ---------------------------------------------------------------------
# Unicode categories nobody can see or that change how the text around them is shown: Cc
# (control), Cf (format: zero-width space/joiners, bidi embeddings, overrides and isolates, the
# Arabic letter mark, soft hyphen, BOM), Co (private use), Cs (surrogates), Cn (unassigned),
# Zl/Zp (line and paragraph separators).
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})
# Letters and marks that draw nothing but are not in those categories (blank "names").
BLANK_LOOKALIKES = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u2800\u3164\uffa0")


def has_invisible_characters(text: str) -> bool:
    """Does ``text`` hold a control, format (bidi, zero-width) or otherwise invisible character."""
    return any(
        unicodedata.category(ch) in INVISIBLE_CATEGORIES or ch in BLANK_LOOKALIKES for ch in text
    )


# --- Email addresses --------------------------------------------------------------------------
# ``accounts.services.account_tombstone`` gives deleted accounts an address in this domain; it
# is how a deleted account is recognised (``safety.policy.is_deleted_account``), so nobody may
# register or be given one.
RESERVED_EMAIL_DOMAIN = DELETED_EMAIL_DOMAIN


def normalize_email(value) -> str:
    """The one form an email address is stored, compared and hashed in: Unicode NFKC (full-width
    and styled letters become plain ones), surrounding whitespace removed, lower case.
    Not a string: ``""``. It does not validate (``clean_email`` does)."""
    if not isinstance(value, str):
        return ""
    return unicodedata.normalize("NFKC", value).strip().lower()


def validate_email_characters(value) -> None:
    """Refuse addresses with invisible characters (they would register as a different account
    that looks the same) and the reserved domain of deleted accounts. Also the ``email`` model
    field's validator, so the admin forms and ``createsuperuser`` apply it."""
    if isinstance(value, str) and has_invisible_characters(value):
        raise ValidationError(
            "The email address contains invisible or control characters; type it again.",
            code="invalid",
        )
    if normalize_email(value).endswith("@" + RESERVED_EMAIL_DOMAIN):
        raise ValidationError("Enter a valid email address.", code="invalid")


def clean_email(value) -> str:
    """The normalised address, or ``ValidationError`` (code ``invalid``) with a clear message."""
    validate_email_characters(value)
    return normalize_email(value)


# --- Display names ----------------------------------------------------------------------------
# Names that only WYA!? itself may speak with (docs/accounts.md "Display names"). Compared in
# skeleton form (``accounts.confusables``), so look-alike spellings are refused too.
# RESERVED_NAME_WORDS: refused as whole words anywhere in a name ("Max Admin", "WYA news").
RESERVED_NAME_WORDS = (
    "admin",
    "admins",
    "administrator",
    "deleted account",
    "deleted user",
    "mod",
    "mod team",
    "moderation",
    "moderator",
    "moderators",
    "mods",
    "official",
    "safety team",
    "staff",
    "support",
    "system",
    "trust and safety",
    "trust safety",
    "wya",
)
# RESERVED_NAME_PARTS: refused even run together or split differently ("Mo Derator",
# "WYASafetyTeam"): long enough that no ordinary name contains them by chance.
RESERVED_NAME_PARTS = (
    "administrator",
    "moderator",
    "moderation",
    "safetyteam",
    "trustandsafety",
    "wyasafety",
    "wyastaff",
    "wyasupport",
    "wyateam",
)


def _reserved_in(name: str) -> bool:
    words = skeleton_words(name)
    padded = f" {' '.join(words)} "
    for phrase in RESERVED_NAME_WORDS:
        if f" {' '.join(skeleton_words(phrase))} " in padded:
            return True
    compact = "".join(words)
    return any("".join(skeleton_words(part)) in compact for part in RESERVED_NAME_PARTS)


def clean_display_name(value) -> str:
    """The display-name rule on every path (register, ``PATCH /api/me/``, the profile page, the
    admin, ``createsuperuser``): 1–50 characters, nothing invisible, no reserved word."""
    name = (value or "").strip() if isinstance(value, str) else ""
    if not name:
        raise ValidationError("A display name is required.", code="required")
    if len(name) > DISPLAY_NAME_MAX:
        raise ValidationError(
            f"Ensure the display name has at most {DISPLAY_NAME_MAX} characters.",
            code="max_length",
        )
    if has_invisible_characters(name):
        raise ValidationError(
            "The display name contains invisible, direction or control characters.",
            code="invalid",
        )
    if _reserved_in(name):
        raise ValidationError(
            "This display name is reserved: it reads like a WYA!? staff, moderator or system "
            "name. Choose another one.",
            code="invalid",
        )
    return name


def validate_profile_image_url(url: str, user) -> None:
    """Avatars and banners: only image URLs that ``POST /api/media/`` issued to this user."""
    message = "Use an image you uploaded through /api/media/."
    if not isinstance(url, str) or len(url) > MEDIA_URL_MAX:
        raise ValidationError(message, code="media_url")
    if not media_url_issued_to(url, user) or media_kind(url) != "image":
        raise ValidationError(message, code="media_url")
