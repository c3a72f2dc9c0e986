"""WYA!? settings, read from the environment (django-environ).

Three modes (see docs/settings.md and .env.example):
- embedded default, no environment at all: SQLite, in-memory channel layer, local-memory cache;
- real stack: DATABASE_URL and REDIS_URL switch to PostgreSQL, channels-redis and a Redis cache;
- production: DEBUG=false, and then SECRET_KEY and LOCATION_HASH_KEY must be set.
"""

import os
import tempfile
from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=True)


def _required_in_production(name: str, dev_default: str) -> str:
    """A secret that has a throwaway default in development and none in production."""
    value = env.str(name, default="")
    if value:
        return value
    if DEBUG:
        return dev_default
    raise ImproperlyConfigured(f"{name} must be set when DEBUG is off.")


SECRET_KEY = _required_in_production("SECRET_KEY", "dev-only-insecure-secret-key-change-me")
# Key of the HMAC that hashes city and neighbourhood names. It never enters the database.
LOCATION_HASH_KEY = _required_in_production("LOCATION_HASH_KEY", "dev-only-location-hash-key")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",  # runserver serves ASGI: pages, API and WebSockets in one process
    # The admin with its login through accounts.services and a TOTP second factor for staff
    # (accounts/admin_site.py, docs/moderation.md).
    "accounts.apps.WyaAdminConfig",
    "accounts",  # before django.contrib.auth: its createsuperuser also writes the profile
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "wya",
    "geo",
    "safety",
    "rooms",
    "messaging",
]

MIDDLEWARE = [
    "wya.proxy.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "wya.security.SecurityHeadersMiddleware",
    "wya.middleware.HostileInputMiddleware",
    "wya.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): the session's second factor, which the admin requires.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wya.middleware.FriendlyNotFoundMiddleware",
]

if not DEBUG:  # production serves collected static files itself (runserver does it in DEBUG)
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "wya.urls"
ASGI_APPLICATION = "wya.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "safety.context_processors.moderation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"].endswith("postgresql") and env.bool(
    "DATABASE_POOL", default=True
):
    # A psycopg connection pool per process: under ASGI every sync call would otherwise open a
    # new PostgreSQL connection (persistent connections are not safe there; a pool is).
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN", default=2),
        "max_size": env.int("DATABASE_POOL_MAX", default=10),
        "timeout": env.int("DATABASE_POOL_TIMEOUT", default=10),
    }
DATABASES["default"].setdefault("TEST", {})
if env.str("TEST_DATABASE_NAME", default=""):
    DATABASES["default"]["TEST"]["NAME"] = env.str("TEST_DATABASE_NAME")
elif DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not memory, so that a server process started by the browser tests sees the data;
    # one per test run (pid), so that two runs side by side never share it.
    DATABASES["default"]["TEST"]["NAME"] = str(
        Path(tempfile.gettempdir()) / f"wya-test-{os.getpid()}.sqlite3"
    )
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

# --- Redis: channel layer and cache ---------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# Redis connection settings, explicit because the defaults break live sockets: redis-py 8 reads
# with a 5 s socket timeout, exactly channels-redis' blocking-pop timeout (BZPOPMIN 5 s), so an
# idle socket's receive loop raised TimeoutError and the socket closed with 1011 every 5-20 s.
# The read timeout must stay well above the layer's blocking pop; health checks catch a
# connection that died silently (NAT, failover) before a command is sent on it.
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=30.0)
REDIS_CONNECT_TIMEOUT = env.float("REDIS_CONNECT_TIMEOUT", default=5.0)
REDIS_HEALTH_CHECK_INTERVAL = env.int("REDIS_HEALTH_CHECK_INTERVAL", default=30)
CHANNEL_LAYER_BLOCKING_POP_SECONDS = 5  # channels-redis RedisChannelLayer.brpop_timeout
REDIS_CONNECTION_OPTIONS = {
    "socket_timeout": REDIS_SOCKET_TIMEOUT,
    "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
    "health_check_interval": REDIS_HEALTH_CHECK_INTERVAL,
    "socket_keepalive": True,
    "retry_on_timeout": True,
    # CLIENT SETNAME on every connection: `CLIENT LIST` on Redis tells which process holds
    # which connections (tests/e2e/test_redis_connections.py counts a server's by this name).
    "client_name": f"{env.str('REDIS_CLIENT_NAME', default='wya')}-{os.getpid()}",
}
if REDIS_SOCKET_TIMEOUT <= 2 * CHANNEL_LAYER_BLOCKING_POP_SECONDS:
    raise ImproperlyConfigured(
        "REDIS_SOCKET_TIMEOUT must be more than twice the channel layer's blocking pop "
        f"({CHANNEL_LAYER_BLOCKING_POP_SECONDS} s), or idle sockets are dropped."
    )
# The channel layer's pool: redis-py raises "Too many connections" past 100 (its default), which
# a burst of socket closes (every group_discard at once) reached with 200 sockets.
CHANNEL_LAYER_CONNECTION_OPTIONS = {
    **REDIS_CONNECTION_OPTIONS,
    "max_connections": env.int("CHANNEL_LAYER_MAX_CONNECTIONS", default=1000),
}
# pubsub (default): wya.layers, one PUBLISH per event, one copy per process, missed events turn
# into a reconnect with catch-up. core: channels-redis' core layer (kept for bench/ comparisons).
CHANNEL_LAYER = env.str("CHANNEL_LAYER", default="pubsub")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "wya.layers.GapAwarePubSubChannelLayer",
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, **CHANNEL_LAYER_CONNECTION_OPTIONS}],
                "prefix": env.str("CHANNEL_LAYER_PREFIX", default="wya"),
            },
        }
    }
    if CHANNEL_LAYER == "core":
        CHANNEL_LAYERS["default"] = {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, **CHANNEL_LAYER_CONNECTION_OPTIONS}],
                "prefix": env.str("CHANNEL_LAYER_PREFIX", default="wya"),
                "capacity": 1000,
                "expiry": 60,
            },
        }
    CACHES = {
        "default": {
            # One pool per process, bounded: a thread that finds every connection busy waits
            # (up to REDIS_SOCKET_TIMEOUT) instead of opening one more (wya/hotcache.py).
            "BACKEND": "wya.hotcache.SharedPoolRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="wya"),
            "OPTIONS": {
                **REDIS_CONNECTION_OPTIONS,
                "pool_class": "redis.BlockingConnectionPool",
                "max_connections": env.int("CACHE_MAX_CONNECTIONS", default=20),
                "timeout": REDIS_SOCKET_TIMEOUT,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# --- I18N -----------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {
        "BACKEND": env.str("MEDIA_STORAGE", default="django.core.files.storage.FileSystemStorage")
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
S3_STORAGE = "storages.backends.s3.S3Storage"
if STORAGES["default"]["BACKEND"] == S3_STORAGE:
    # Media on S3 (django-storages): the bucket, and an endpoint for S3-compatible services.
    # Credentials come from the environment as boto3 reads them (AWS_ACCESS_KEY_ID, ... or an
    # instance role). Objects stay private: the app serves /media/ itself, with its headers.
    STORAGES["default"]["OPTIONS"] = {
        "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
        "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default=None),
        "region_name": env.str("AWS_S3_REGION_NAME", default=None),
        "default_acl": None,
        "file_overwrite": False,
        "querystring_auth": True,
    }
MEDIA_MAX_IMAGE_BYTES = env.int("MEDIA_MAX_IMAGE_BYTES", default=10 * 1024 * 1024)
MEDIA_MAX_AUDIO_BYTES = env.int("MEDIA_MAX_AUDIO_BYTES", default=20 * 1024 * 1024)
MEDIA_MAX_IMAGE_PIXELS = env.int("MEDIA_MAX_IMAGE_PIXELS", default=40_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Any request body (forms, JSON) is refused past this many bytes before it is buffered
# (wya/bodylimit.py); POST /api/media/ allows the largest media file plus multipart overhead.
MAX_REQUEST_BODY_BYTES = env.int("MAX_REQUEST_BODY_BYTES", default=3 * 1024 * 1024)

# --- Security -------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "wya.api.csrf_failure"
# The reverse proxies whose X-Forwarded-Proto / X-Forwarded-For are believed (wya/proxy.py);
# from anyone else those headers are dropped before Django reads them. Empty: no proxy trusted.
TRUSTED_PROXY_IPS = env.list("TRUSTED_PROXY_IPS", default=[])
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Browser origins allowed to open /ws/ besides the page's own (scheme, host and port must match).
WS_ALLOWED_ORIGINS = env.list("WS_ALLOWED_ORIGINS", default=CSRF_TRUSTED_ORIGINS)
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Rate limits (every one is an environment setting; see .env.example) --------------------
RATE_LIMITS = {
    "login": env.str("RATE_LOGIN", default="10/min"),
    "login_account": env.str("RATE_LOGIN_ACCOUNT", default="5/min"),
    "register": env.str("RATE_REGISTER", default="20/hour"),
    "messages": env.str("RATE_MESSAGES", default="100/min"),
    "reports": env.str("RATE_REPORTS", default="20/hour"),
    # Room kicks, bans and unbans per actor (each is logged and may notify the person).
    "room_moderation": env.str("RATE_ROOM_MODERATION", default="60/hour"),
    "media": env.str("RATE_MEDIA", default="60/hour"),
    # DELETE /api/me/ checks a password: throttled per account like logins.
    "account_delete": env.str("RATE_ACCOUNT_DELETE", default="5/hour"),
    # Second-factor codes tried per staff account on /admin/ (on top of django-otp's own
    # growing delay after each wrong code).
    "admin_otp": env.str("RATE_ADMIN_OTP", default="5/min"),
    # Room invitations per inviter: each one reaches another person (docs/rooms.md "Invites").
    "room_invites": env.str("RATE_ROOM_INVITES", default="20/hour"),
    # The floor under every POST/PUT/PATCH/DELETE of /api/ (wya.ratelimit.WriteRateThrottle), per user
    # (per address when anonymous); the scopes below are tighter limits for writes that reach
    # another person (a block toggle sends events to both, a kick a notice to the victim).
    "writes": env.str("RATE_WRITES", default="120/min"),
    "room_create": env.str("RATE_ROOM_CREATE", default="10/hour"),
    "room_edit": env.str("RATE_ROOM_EDIT", default="30/min"),
    "members": env.str("RATE_MEMBERS", default="30/min"),
    "blocks": env.str("RATE_BLOCKS", default="20/min"),
}
# A room invitation not accepted within this many days lapses (docs/rooms.md "Invites").
ROOM_INVITE_TTL_DAYS = env.int("ROOM_INVITE_TTL_DAYS", default=7)
LOGIN_LOCKOUT_FAILURES = env.int("LOGIN_LOCKOUT_FAILURES", default=5)
LOGIN_LOCKOUT_SECONDS = env.int("LOGIN_LOCKOUT_SECONDS", default=900)
# The issuer an authenticator app shows beside a staff member's /admin/ code.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="WYA!? admin")

# --- Issue 20, part S: early signals and the first-contact limit (docs/moderation.md) ------
# An account younger than this is "new": its first contacts are limited and counted.
NEW_ACCOUNT_HOURS = env.int("NEW_ACCOUNT_HOURS", default=24)
# People a new account may start a conversation with per hour (429 first_contact_limit past it).
NEW_ACCOUNT_FIRST_CONTACTS_PER_HOUR = env.int("NEW_ACCOUNT_FIRST_CONTACTS_PER_HOUR", default=10)
# Signals (queue items for moderators, never an action) when a rule sees more than these.
SIGNAL_FANOUT_PEOPLE = env.int("SIGNAL_FANOUT_PEOPLE", default=20)
SIGNAL_SAME_TEXT_PEOPLE = env.int("SIGNAL_SAME_TEXT_PEOPLE", default=10)
SIGNAL_BLOCKS_RECEIVED = env.int("SIGNAL_BLOCKS_RECEIVED", default=5)
SIGNAL_CROSS_SEGMENT_MINUTES = env.int("SIGNAL_CROSS_SEGMENT_MINUTES", default=30)

# --- Appeals (issue 20, part A) --------------------------------------------------------------
# How long after a platform action the person affected may appeal it (docs/moderation.md
# "Appeals"); the text of an appeal is at most APPEAL_TEXT_MAX characters.
APPEAL_WINDOW_DAYS = env.int("APPEAL_WINDOW_DAYS", default=30)
APPEAL_TEXT_MAX = 2000


# --- Minors: location expiry (issue 20, M1) --------------------------------------------------
# A teen's approximate location counts as not set this many hours after they set it, and
# ``manage.py purge_expired_locations`` deletes it (docs/location-privacy.md "Teens").
TEEN_LOCATION_TTL_HOURS = env.int("TEEN_LOCATION_TTL_HOURS", default=24)


# --- First contact (issue 20, part M2) ------------------------------------------------------
# The first-contact prompt and blurred images (docs/moderation.md "Protections for minors") are
# always on for teens; this turns them off for adults when an operator prefers.
FIRST_CONTACT_PROMPT_ADULTS = env.bool("FIRST_CONTACT_PROMPT_ADULTS", default=True)

# --- Live -----------------------------------------------------------------------------------
WS_TICKET_TTL_SECONDS = env.int("WS_TICKET_TTL_SECONDS", default=30)
WS_MAX_FRAME_BYTES = env.int("WS_MAX_FRAME_BYTES", default=64 * 1024)
# Open sockets per user: one more closes the user's oldest with 4029 (messaging/socket_cap.py).
WS_MAX_SOCKETS_PER_USER = env.int("WS_MAX_SOCKETS_PER_USER", default=10)
# How long a socket's registry entry lives unless its process vouches for it again (every third
# of it): a killed process's sockets stop counting after this.
WS_SOCKET_REGISTRY_TTL_SECONDS = env.int("WS_SOCKET_REGISTRY_TTL_SECONDS", default=90)
# Output a socket's client has not read, queued in the process beyond what the kernel and the
# server's write buffer hold: past it the socket is dropped (messaging/outbox.py, docs/live.md).
WS_SEND_BACKLOG_BYTES = env.int("WS_SEND_BACKLOG_BYTES", default=256 * 1024)
# Per-socket limits on frames that are not messages (messaging/frames.py FrameBudget). A page
# pings every 25 s and sends a typing start at most every 2 s; these leave ample room.
WS_FRAME_RATES = {
    "typing": env.str("WS_RATE_TYPING", default="60/min"),
    "presence": env.str("WS_RATE_PRESENCE", default="20/min"),
    "ping": env.str("WS_RATE_PING", default="30/min"),
    "room.read": env.str("WS_RATE_ROOM_READ", default="60/min"),
}
CLIENT_ID_TTL_SECONDS = env.int("CLIENT_ID_TTL_SECONDS", default=600)
# Threads that run the socket's database work per process. 1: channels' single database thread
# (every socket's sends wait in one line). More lets sends of different sockets overlap their
# database and Redis round trips (one socket's frames stay in order: the consumer awaits each).
# PostgreSQL only (SQLite serialises writers anyway); keep it <= DATABASE_POOL_MAX.
LIVE_DB_THREADS = env.int("LIVE_DB_THREADS", default=1)
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    LIVE_DB_THREADS = 1
PRESENCE_TIMEOUT_SECONDS = env.int("PRESENCE_TIMEOUT_SECONDS", default=90)
# A socket process saves the heartbeats (pings) it received once per this many seconds.
PRESENCE_HEARTBEAT_FLUSH_SECONDS = env.float("PRESENCE_HEARTBEAT_FLUSH_SECONDS", default=15.0)
ALPHA_MAX_ROOM_MEMBERS = 10

# --- REST framework -------------------------------------------------------------------------
REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "wya.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "wya.api.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "wya.api.Pagination",
    # Every write under /api/ is rate limited (RATE_LIMITS["writes"] and a view's write_scope).
    "DEFAULT_THROTTLE_CLASSES": ["wya.ratelimit.WriteRateThrottle"],
    "PAGE_SIZE": 50,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append(
        "rest_framework.renderers.BrowsableAPIRenderer"
    )

SPECTACULAR_SETTINGS = {
    "TITLE": "WYA!? API",
    "DESCRIPTION": "Where You At!? — the public REST contract. WebSocket frames are described in docs/live.md.",
    "VERSION": "alpha",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "wya.schema_hooks.add_error_responses",
    ],
}

# --- Logging: never log request bodies (they may carry coordinates) --------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
