"""Journeymap settings, read from the environment.

With no variables set this is a development setup on SQLite and the in-memory channel
layer, so `make run` works on a fresh machine. `DATABASE_URL` switches to PostgreSQL,
`REDIS_URL` to channels-redis. `DEBUG=0` with a real `SECRET_KEY` and `ALLOWED_HOSTS`
is the production configuration and passes `manage.py check --deploy`.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me" if DEBUG else "")
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set when DEBUG is off.")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "axes",
    "django_ratelimit",
    "django_htmx",
    "template_partials",
    "maps",
    "workshops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "journeymap.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]
# django-axes's backend first: it refuses a locked-out login before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "journeymap.urls"
ASGI_APPLICATION = "journeymap.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Tests that run a real server in a subprocess (browser tests) need a file, not memory.
    # One file per test run, so that two runs on one machine do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / f".test-db-{os.getpid()}.sqlite3")}
    # Several websocket handlers write at once; wait for the lock instead of failing.
    # IMMEDIATE takes the write lock when a transaction starts, so two concurrent ops queue
    # up instead of one failing halfway with "database is locked". WAL lets the broadcasts'
    # renders (worker threads) read while an op writes, instead of blocking each other.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
    }
elif "postgresql" in DATABASES["default"]["ENGINE"] and not DATABASES["default"]["CONN_MAX_AGE"]:
    # A pool of connections per process (psycopg_pool): under ASGI each request and each
    # render runs on a thread of its own, so persistent connections would pile up, while
    # opening one per query batch costs a round of authentication every time (docs/deploying.md).
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": envint("DATABASE_POOL_MIN", 2),
        "max_size": envint("DATABASE_POOL_MAX", 10),
        "timeout": 10,
    }
    # Check each pooled connection before handing it out (one empty query), so that one broken
    # by a database restart or outage is replaced instead of failing a request. With a pool
    # Django passes this as psycopg_pool's `check=ConnectionPool.check_connection`; "check" in
    # the pool options themselves would clash with it (TypeError on the first query).
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

REDIS_URL = os.environ.get("REDIS_URL", "")
# The channel layer (docs/decisions.md, "The channel layer"): Redis pub/sub, each process serving
# its own sockets from memory and publishing once for the others (journeymap/layers.py). It heals
# after a Redis restart, where channels-redis's queue layer can leave a process's sockets deaf.
# REDIS_LAYER=core keeps the queue layer, for comparison (bench/compare.py). Pub/sub ignores
# Redis's database number, so the number goes into the prefix.
if REDIS_URL and os.environ.get("REDIS_LAYER", "fanout") == "fanout":
    _redis_db = urlparse(REDIS_URL).path.strip("/") or "0"
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "journeymap.layers.FanOutChannelLayer",
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_timeout": 30, "health_check_interval": 10}],
                "prefix": f"asgi{_redis_db}:",
            },
        }
    }
elif REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # channels-redis waits on Redis for 5 s at a time (brpop_timeout); the socket timeout
            # must be well above the wait, or quiet websockets would close.
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_timeout": 30}],
                "capacity": 1000,
                "expiry": 60,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# The cache holds the join throttle's counts (workshops/guards.py), which every server process
# must share: Redis when configured, else a table in the database (made by a migration).
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "journeymap",
        }
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "journeymap_cache"}
    }
SILENCED_SYSTEM_CHECKS = [
    # django-ratelimit lists only memcached and django-redis; Django's own RedisCache counts
    # with Redis's INCR, which is atomic.
    "django_ratelimit.W001",
    # ...and it distrusts the database cache, whose increment is a read and a write. Without
    # Redis there is one server process (README), which runs views one at a time (Django's
    # ASGI handler runs sync views on one thread), so no two increments interleave.
    "django_ratelimit.E003",
]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "workshop_list"
LOGOUT_REDIRECT_URL = "home"
# Guests have no password: the session is their identity, so it lasts a working month.
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "journeymap.storage.StaticFiles"  # hashed, imports rewritten too
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Security. Production (DEBUG off) gets the settings `check --deploy` asks for.
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# The live path's guards (DESIGN.md, "Guards").
LIVE_MAX_MESSAGE_BYTES = envint("LIVE_MAX_MESSAGE_BYTES", 16 * 1024)
# The largest frame the server sends: a bigger message (the snapshot of a room of thousands of
# notes) goes as parts the page puts back together (workshops/frames.py, `pieces`). Daphne
# refuses to send any message over 1 MiB.
LIVE_MAX_SEND_BYTES = envint("LIVE_MAX_SEND_BYTES", 256 * 1024)
LIVE_OPS_PER_SECOND = envint("LIVE_OPS_PER_SECOND", 20)
LIVE_OPS_BURST = envint("LIVE_OPS_BURST", 40)
# A participant counts as online while a socket of theirs has sent a heartbeat this recently.
LIVE_PRESENCE_TIMEOUT = envint("LIVE_PRESENCE_TIMEOUT", 60)

# Who the client is (workshops/guards.py): the address that connected, or, behind this many
# reverse proxies that each append to X-Forwarded-For, the address the outermost one saw.
# 0 trusts no header: a client could otherwise claim any address (docs/deploying.md).
TRUSTED_PROXY_HOPS = envint("TRUSTED_PROXY_HOPS", 0)
# Wrong join codes allowed per client address and per browser session (docs/security.md):
# django-ratelimit rates, "count/period" with s, m, h or d, comma-separated for several windows.
# An office shares one address, so the address gets room for a roomful of typos.
JOIN_THROTTLE_ADDRESS = envlist("JOIN_THROTTLE_ADDRESS", "30/10m,200/d")
JOIN_THROTTLE_SESSION = envlist("JOIN_THROTTLE_SESSION", "10/10m,50/d")

# Logins (django-axes): after this many failures an account, and separately an address, is
# locked for the cool-off, counted again from each failure while locked.
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "workshops.guards.client_address"
# django-ratelimit's "ip" key: the same address, IPv6 counted per /64 (what one client holds).
RATELIMIT_IP_META_KEY = "workshops.guards.client_address"
AXES_LOCKOUT_CALLABLE = "workshops.guards.login_locked_out"

# Maps go stale: the workshop list flags a map this many days after its last review
# (quarterly by default, as the play suggests).
JOURNEYMAP_REVIEW_EVERY_DAYS = envint("JOURNEYMAP_REVIEW_EVERY_DAYS", 91)
# The largest JSON export the import accepts; a map of several thousand notes stays well below.
JOURNEYMAP_IMPORT_MAX_BYTES = envint("JOURNEYMAP_IMPORT_MAX_BYTES", 2 * 1024 * 1024)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
