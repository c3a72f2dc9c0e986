"""Deployment checks of our own (``manage.py check --deploy``): key strength and proxy trust.

Django's own ``security.W009`` only warns about a short SECRET_KEY; a weak LOCATION_HASH_KEY
(``a``) passed silently, and it is the key that keeps city names in the database unreadable.
These are errors: ``check --deploy`` fails on them.
"""

import math
from collections import Counter

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

MIN_KEY_LENGTH = 50
MIN_KEY_BITS = 256  # Shannon entropy of the characters times the length
DEV_DEFAULTS = ("dev-only-insecure-secret-key-change-me", "dev-only-location-hash-key")


def key_bits(value: str) -> float:
    """An estimate of a key's entropy: its length times the per-character Shannon entropy."""
    if not value:
        return 0.0
    counts = Counter(value)
    per_char = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
    return per_char * len(value)


def weak_key_problem(value: str) -> str | None:
    if value in DEV_DEFAULTS or value.startswith("django-insecure-"):
        return "is the development default"
    if len(value) < MIN_KEY_LENGTH:
        return f"has {len(value)} characters; at least {MIN_KEY_LENGTH} are needed"
    if key_bits(value) < MIN_KEY_BITS:
        return (
            f"has about {key_bits(value):.0f} bits of entropy; at least {MIN_KEY_BITS} are needed"
        )
    return None


@register(Tags.security, deploy=True)
def check_key_strength(app_configs=None, **kwargs):
    errors = []
    for name, check_id in (("SECRET_KEY", "wya.E001"), ("LOCATION_HASH_KEY", "wya.E002")):
        problem = weak_key_problem(getattr(settings, name, "") or "")
        if problem:
            errors.append(
                Error(
                    f"{name} {problem}.",
                    hint="Generate one: python -c 'import secrets; print(secrets.token_urlsafe(64))'",
                    id=check_id,
                )
            )
    if settings.SECRET_KEY and settings.SECRET_KEY == settings.LOCATION_HASH_KEY:
        errors.append(Error("LOCATION_HASH_KEY must differ from SECRET_KEY.", id="wya.E003"))
    return errors


@register(Tags.security, deploy=True)
def check_proxy_trust(app_configs=None, **kwargs):
    if not settings.TRUSTED_PROXY_IPS:
        return [
            Warning(
                "TRUSTED_PROXY_IPS is empty: X-Forwarded-Proto is ignored, so behind a TLS "
                "proxy requests look like plain HTTP.",
                hint="Set TRUSTED_PROXY_IPS to the reverse proxy's address (e.g. 127.0.0.1).",
                id="wya.W001",
            )
        ]
    return []
