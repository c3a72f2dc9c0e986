"""The three settings modes, each in a fresh interpreter with a controlled environment."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps([s.DEBUG, s.DATABASES['default']['ENGINE'], "
    "s.CHANNEL_LAYERS['default']['BACKEND'], s.CACHES['default']['BACKEND']]))"
)


def run_python(code: str, **env) -> subprocess.CompletedProcess:
    base = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "wya.settings", "HOME": "/tmp"}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**base, **env}, capture_output=True, text=True
    )


def test_no_environment_means_sqlite_in_memory_layer_and_local_cache():
    result = run_python(PROBE)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        '[true, "django.db.backends.sqlite3", "channels.layers.InMemoryChannelLayer", '
        '"django.core.cache.backends.locmem.LocMemCache"]'
    )


def test_database_and_redis_urls_switch_to_the_real_stack():
    result = run_python(
        PROBE,
        DATABASE_URL="postgres://u@127.0.0.1:5432/x",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        '[true, "django.db.backends.postgresql", "wya.layers.GapAwarePubSubChannelLayer", '
        '"wya.hotcache.SharedPoolRedisCache"]'
    )


def test_production_refuses_to_start_without_secret_key():
    result = run_python(PROBE, DEBUG="false", LOCATION_HASH_KEY="k" * 40)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_production_refuses_to_start_without_location_hash_key():
    result = run_python(PROBE, DEBUG="false", SECRET_KEY="s" * 60)
    assert result.returncode != 0
    assert "LOCATION_HASH_KEY must be set when DEBUG is off" in result.stderr


def test_production_passes_the_deploy_check():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            "PATH": os.environ["PATH"],
            "HOME": "/tmp",
            "DEBUG": "false",
            # Keys of real strength (wya/checks.py refuses short or low-entropy ones).
            "SECRET_KEY": "q8Jx2vR7pLm4Zt9KwC3nHy6BfD1sGa5VuE0oTi-_XrMkNjPbQlWcYe2Ud7Fh4Sg9A",
            "LOCATION_HASH_KEY": "Z3mK8pQ1vT6xW9cR2nB5yH7jL0sF4dG_aU-eMiOkPlNqXbVwYtCrSg1Ef6Jh8Dz",
            "ALLOWED_HOSTS": "wya.example",
            "TRUSTED_PROXY_IPS": "127.0.0.1",
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
