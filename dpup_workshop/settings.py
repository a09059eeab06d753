"""Settings, driven by the environment.

Embedded default (no variables set): development mode, one daphne process, SQLite in WAL
mode, the in-process channel layer and cache; `make run` needs nothing else. Scale-out:
`DATABASE_URL` (PostgreSQL) and `REDIS_URL` (Redis) let several daphne processes, on one
machine or many, serve one workshop (deploy/). `DJANGO_ENV=production`
turns on the production checks and refuses to start without a secret key and host list.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


ENVIRONMENT = os.environ.get("DJANGO_ENV", "development").lower()
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured(
        f"DJANGO_ENV must be 'development' or 'production', not {ENVIRONMENT!r}."
    )
PRODUCTION = ENVIRONMENT == "production"
DEBUG = env_bool("DJANGO_DEBUG", default=not PRODUCTION)

# Development only: a fixed, clearly insecure key so sessions survive restarts.
DEVELOPMENT_SECRET_KEY = "django-insecure-development-key-do-not-use-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if PRODUCTION:
    missing = [
        name
        for name, value in (("SECRET_KEY", SECRET_KEY), ("ALLOWED_HOSTS", ALLOWED_HOSTS))
        if not value
    ]
    if missing:
        raise ImproperlyConfigured(
            "Production mode (DJANGO_ENV=production) needs "
            + " and ".join(missing)
            + " set in the environment: SECRET_KEY to a long random string, ALLOWED_HOSTS to "
            "the comma-separated host names the site is served on (e.g. workshop.example.org)."
        )
    # What Django's security.W009 deploy check only warns about: sessions, password reset
    # links and CSRF tokens are signed with this key, so a guessable one is refused outright.
    # (The message never repeats the key: it ends up in logs.)
    if SECRET_KEY == DEVELOPMENT_SECRET_KEY:
        weakness = "is the development key, which is public"
    elif SECRET_KEY.startswith("django-insecure"):
        weakness = 'starts with "django-insecure", which marks a key for development only'
    elif len(SECRET_KEY) < 50:
        weakness = f"is {len(SECRET_KEY)} character{'s' if len(SECRET_KEY) != 1 else ''} long"
    elif len(set(SECRET_KEY)) < 5:
        weakness = f"has only {len(set(SECRET_KEY))} different characters"
    else:
        weakness = ""
    if weakness:
        raise ImproperlyConfigured(
            f"Production mode (DJANGO_ENV=production) refuses to start: the SECRET_KEY "
            f"{weakness}. Set SECRET_KEY to a random value of at least 50 characters, and "
            'keep it secret; make one with: python -c "import secrets; '
            'print(secrets.token_urlsafe(50))"'
        )
else:
    SECRET_KEY = SECRET_KEY or DEVELOPMENT_SECRET_KEY
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Where the site is served (e.g. https://workshop.example.org), for links printed outside a
# request: `create_run`'s join link and console. Pages build theirs from the request.
SITE_URL = os.environ.get("SITE_URL", "").strip().rstrip("/")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "django_htmx",
    "slides",
    "quiz",
    "sessions.apps.RunsConfig",
    # Login throttling; its lockouts are listed (and lifted) in the admin under "Axes".
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "sessions.domain.signins.RecordRenewedSessions",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "sessions.web.middleware.RefusalsAsPages",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy: scripts, styles, fonts and images only from the site itself (no
# inline script, event handler or style attribute runs), websockets only to it, no plug-ins,
# and no page may be framed by another site. Every page works under it: the browser tests
# fail on any violation the browser reports.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

ROOT_URLCONF = "dpup_workshop.urls"
ASGI_APPLICATION = "dpup_workshop.asgi.application"

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
            ],
        },
    },
]

# Database: SQLite (WAL) unless DATABASE_URL names another one.
SQLITE_PATH = Path(os.environ.get("SQLITE_PATH", BASE_DIR / "db.sqlite3"))
if os.environ.get("DATABASE_URL"):
    DATABASES = {
        "default": dj_database_url.parse(
            os.environ["DATABASE_URL"], conn_max_age=60, conn_health_checks=True
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": {
                # WAL lets readers carry on while one writer commits; IMMEDIATE takes the write
                # lock up front so concurrent writers wait (timeout) instead of failing.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            "TEST": {"NAME": os.environ.get("SQLITE_TEST_PATH") or None},
            # Keep each thread's connection: opening SQLite (and its PRAGMAs) per query or
            # per socket message would cost more than the query.
            "CONN_MAX_AGE": None,
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Channel layer and cache: in-process unless REDIS_URL is set.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # Pub/sub delivers a group message with one PUBLISH, whatever the group's size.
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": os.environ.get("REDIS_PREFIX", "dpup")},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("REDIS_PREFIX", "dpup"),
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "dpup_workshop.fastpath.layers.LocalChannelLayer"}}
    # Rate counts and one-submission claims live here: room for a big workshop's worth of
    # keys (Django's default of 300 would cull live counts in a room of a thousand).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 200_000},
        }
    }

# Live runs. Pushes of the team's roster are coalesced to one per this many seconds.
ROSTER_PUSH_DELAY = float(os.environ.get("ROSTER_PUSH_DELAY", "0.3"))
# Answers, tallies, chat, hands and questions: pushed at most once per this many seconds.
ACTIVITY_PUSH_DELAY = float(os.environ.get("ACTIVITY_PUSH_DELAY", "0.25"))
# Reactions: pushed to the screen and the team at most once per this many seconds, and each
# participant may send REACTION_RATE_LIMIT of them per REACTION_RATE_WINDOW seconds (one a
# second on average, with a small burst).
REACTION_PUSH_DELAY = float(os.environ.get("REACTION_PUSH_DELAY", "0.3"))
REACTION_RATE_LIMIT = int(os.environ.get("REACTION_RATE_LIMIT", "3"))
REACTION_RATE_WINDOW = int(os.environ.get("REACTION_RATE_WINDOW", "3"))
# Wrong workshop codes allowed per address per JOIN_RATE_WINDOW seconds (against guessing);
# past it, every code from that address is refused until the window ends.
JOIN_RATE_LIMIT = int(os.environ.get("JOIN_RATE_LIMIT", "300"))
JOIN_RATE_WINDOW = int(os.environ.get("JOIN_RATE_WINDOW", "300"))
# Joins to one workshop per address per window: high, as a room in one office shares an address.
JOIN_ROOM_RATE_LIMIT = int(os.environ.get("JOIN_ROOM_RATE_LIMIT", "5000"))
# The insights export (no personal data): a count below this is written "fewer than N", so
# nobody in a small group can be picked out by what they answered.
INSIGHTS_MIN_COUNT = int(os.environ.get("INSIGHTS_MIN_COUNT", "3"))
if INSIGHTS_MIN_COUNT < 1:
    raise ImproperlyConfigured("INSIGHTS_MIN_COUNT must be 1 or more.")
# Worker threads serving HTTP requests (each runs a whole request: middleware and view). Two:
# in a join storm every thread more is another taker of the GIL (four were slower than one or
# two, on SQLite and on PostgreSQL alike), and two keep one slow request (a sign-in's password
# hash takes about 0.3 s) from holding up every page.
HTTP_THREADS = int(os.environ.get("HTTP_THREADS", "2"))
# Largest websocket message accepted from a browser, in bytes.
WS_MAX_MESSAGE_BYTES = 4096

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling (django-axes), for the site's login and the admin's. Axes' backend comes
# first: it refuses a locked-out username before any password is checked, so while locked
# out the right password is refused too (and says nothing about whether it was right).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# 5 failed sign-ins from one address lock that address out of that username (the right
# password is refused too) for 15 minutes. Not the username everywhere: then anyone could
# keep a facilitator from signing in, just before a workshop, from afar. Not the address
# alone: other accounts signing in from the same office are not locked out. Unknown
# usernames are counted and locked out the same way, so a lockout says nothing about which
# accounts exist.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = 5
# The lockout ends 15 minutes after it began; an admin lifts it sooner by deleting the
# username's access attempts in the admin (or `manage.py axes_reset_username NAME`).
AXES_COOLOFF_TIME = 0.25  # hours (axes reads a number as hours): 15 minutes
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A successful sign-in clears that username's failures: a few typos don't add up over days.
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_HTTP_RESPONSE_CODE = 429
# Who is signing in (and joining, for the join limits): see dpup_workshop/clients.py.
CLIENT_IP_FROM_X_FORWARDED_FOR = env_bool("BEHIND_TLS_PROXY", default=False)
# The proxies whose X-Forwarded-For is believed (addresses or networks): by default the same
# machine, as deploy/ runs nginx beside daphne.
try:
    TRUSTED_PROXIES = [
        ipaddress.ip_network(proxy, strict=False)
        for proxy in env_list("TRUSTED_PROXIES") or ["127.0.0.1", "::1"]
    ]
except ValueError as error:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES: {error}") from None
AXES_CLIENT_IP_CALLABLE = "dpup_workshop.clients.known_address"

# Sessions are kept on the server, so signing out, a password change or an admin's "Sign out
# everywhere" ends every copy of one (a copied cookie included). With Redis they are read
# through its cache, which every process shares; without it, from the database.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if REDIS_URL
    else "django.contrib.sessions.backends.db"
)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "runs:list"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-nz"
TIME_ZONE = os.environ.get("TIME_ZONE", "Pacific/Auckland")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Outside production, serve straight from the source folders: no collectstatic step.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
# Behind the site's own TLS proxy, a request is https when the proxy says so (in any mode: the
# websocket's Origin check compares schemes).
if env_bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {
        "forbidden_in_one_line": {"()": "dpup_workshop.logfilters.ForbiddenInOneLine"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "mail_admins": {
            "level": "ERROR",
            "filters": ["require_debug_false"],
            "class": "django.utils.log.AdminEmailHandler",
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's default gives "django" a console handler of its own in development, so
        # each of its lines was printed twice (there and through the root): only the root's.
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        "django.request": {"filters": ["forbidden_in_one_line"]},
        "django.security.csrf": {"filters": ["forbidden_in_one_line"]},
        "django.channels.server": {"level": "WARNING"},
    },
}
