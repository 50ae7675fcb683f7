"""Settings of the chat, read from environment variables with safe local defaults.

DJANGO_DEBUG, DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL and REDIS_URL
are the main knobs. With none set, the chat runs on one machine with SQLite and
the in-memory channel layer. With DJANGO_DEBUG=0 the production hardening below
applies (HTTPS redirect, HSTS, secure cookies, hashed static files); the
DJANGO_SECURE_* / DJANGO_HSTS_* / DJANGO_TRUST_X_FORWARDED_PROTO / DJANGO_STATIC_ROOT
variables tune it (see "Deploying" in README.md).
"""

import os
import tempfile
import warnings
from datetime import timedelta
from pathlib import Path

import dj_database_url
import dj_email_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from chat import redis_urls

BASE_DIR = Path(__file__).resolve().parent.parent


def _env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _env_flag("DJANGO_DEBUG", True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = "insecure-local-development-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
    if host.strip()
]

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "axes",
    "django.contrib.contenttypes",
    "django.contrib.humanize",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "django_htmx",
    "template_partials",
    "chat",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A NUL byte in a path (404) or query (400) reaches no view: PostgreSQL refuses them.
    "chat.middleware.NulBytesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    # Above the session and CSRF middleware: it reads the Vary: Cookie they add.
    "chat.middleware.PrivatePagesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Turns django-axes' lockout of a username into the login page with 429.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "site.urls"
ASGI_APPLICATION = "site.asgi.application"

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
                "site.context.account_links",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        # Kept open: Channels checks connections before every handler, and with 0 each
        # message paid for a new connection (about a fifth of the server's CPU).
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock
    # at BEGIN, so two writers queue on the timeout instead of failing to upgrade.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests use a file too: an in-memory database shares one lock across threads
    # and fails where a real deployment would wait ("database table is locked").
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"chat-test-{os.getpid()}.sqlite3")
    }

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # "pubsub" (channels-redis's RedisPubSubChannelLayer) is there for comparing
            # in bench/; it has no queues, so a process that blinks misses events.
            "BACKEND": {
                "lists": "chat.layers.ResilientRedisChannelLayer",
                "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
            }[os.environ.get("REDIS_CHANNEL_LAYER", "lists")],
            "CONFIG": {
                # redis-py 8 gives sockets a 5 s read timeout, the same as the layer's
                # blocking pop: every idle listener would die of a TimeoutError.
                # REDIS_URL may name a Sentinel-watched service (chat/redis_urls.py).
                "hosts": [redis_urls.channel_layer_host(REDIS_URL, socket_timeout=15)],
                # Room in a process's queue before events to it are dropped (a page
                # heals a dropped frame by resuming, but it should be rare).
                "capacity": int(os.environ.get("CHANNEL_CAPACITY", "1000")),
                "expiry": 60,
                # Processes re-join their groups well before this (chat/fanout.py).
                "group_expiry": int(os.environ.get("CHANNEL_GROUP_EXPIRY", "86400")),
            },
        }
    }
    CACHES = {
        # Rate limits and presence read the cache on every post: an unreachable Redis
        # must answer quickly (they then let the action through; see chat.ratelimit).
        "default": redis_urls.cache(REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            # Channels' in-memory layer, minus its habit of dropping a channel from every
            # group when one event to it expires: our one channel per process must not go deaf.
            "BACKEND": "chat.layers.KeepGroupsInMemoryChannelLayer",
            # The default of 100 queued events per channel drops frames when a process
            # falls briefly behind (seen in bench/ at 100 sockets, one channel each then).
            "CONFIG": {"capacity": int(os.environ.get("CHANNEL_CAPACITY", "1000"))},
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-axes counts failed sign-ins per username (under its lookalike skeleton, see
# chat.accounts.login_key) and refuses a locked one before checking the password. Failures
# per client address are the chat's own limiter (chat.ratelimit): axes has one limit for
# every parameter, and an address can be a whole office behind one NAT.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"  # shared by every process
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_FAILURE_LIMIT = 5  # failed sign-ins per username within AXES_COOLOFF_TIME
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_USERNAME_CALLABLE = "chat.accounts.login_key"
AXES_CLIENT_IP_CALLABLE = "chat.accounts.client_address"
AXES_LOCKOUT_CALLABLE = "chat.views.accounts.locked_out"
AXES_RESET_ON_SUCCESS = True
# A guess at a locked username is refused unchecked; it must not extend the lock either.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_DISABLE_ACCESS_LOG = True  # no record of every sign-in's address; failures only
# W006 asks for "ip_address" among the lockout parameters: addresses have their own,
# higher limit in chat.ratelimit (see above).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Anti-automation, per client address and per person (chat.ratelimit); an operator
# signing up a whole team at once, or a load test, raises them.
CHAT_SIGNUPS_PER_ADDRESS_PER_HOUR = int(os.environ.get("CHAT_SIGNUPS_PER_ADDRESS_PER_HOUR", "5"))
CHAT_ROOMS_PER_PERSON_PER_HOUR = int(os.environ.get("CHAT_ROOMS_PER_PERSON_PER_HOUR", "10"))
# A person shows online until this long after the last heartbeat of a process holding a
# socket of theirs (chat/presence.py): how long a crashed worker's people stay "online".
CHAT_PRESENCE_SECONDS = int(os.environ.get("CHAT_PRESENCE_SECONDS", "30"))
# Sockets (room pages and lobbies) one person may hold open at once, on all server processes
# together (counted with presence, in the cache); one more is closed with 4409. Enough
# for many tabs and devices; one person's script must not hold thousands.
CHAT_SOCKETS_PER_PERSON = int(os.environ.get("CHAT_SOCKETS_PER_PERSON", "20"))
# Files: the largest one, in bytes, and how many a person may share in an hour.
CHAT_UPLOAD_MAX_BYTES = int(os.environ.get("CHAT_UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
CHAT_UPLOADS_PER_HOUR = int(os.environ.get("CHAT_UPLOADS_PER_HOUR", "30"))
# Images (shared files and profile pictures): the most pixels one may have, all frames
# together, read from its header before anything is decoded (a 25 MP photo is a large
# phone's; decoding takes about 3 bytes a pixel, and a 9400x9400 PNG of 335 KiB took
# 1.16 GiB), and how many each server process decodes at once (the others wait).
CHAT_IMAGE_MAX_PIXELS = int(os.environ.get("CHAT_IMAGE_MAX_PIXELS", str(25_000_000)))
CHAT_IMAGE_DECODES_AT_ONCE = int(os.environ.get("CHAT_IMAGE_DECODES_AT_ONCE", "2"))
# Bots' outgoing hooks may not call private or loopback addresses unless this is set
# (a bot's URL must not be a way into the server's own network).
CHAT_BOTS_ALLOW_PRIVATE_URLS = _env_flag("CHAT_BOTS_ALLOW_PRIVATE_URLS", False)

# Who may create an account: "open" (anyone who reaches the server), "invite" (only through
# an invitation link a member made, chat/invitations.py) or "closed" (admins create them).
CHAT_SIGNUP = os.environ.get("CHAT_SIGNUP", "open").strip().lower() or "open"
if CHAT_SIGNUP not in {"open", "invite", "closed"}:
    raise ImproperlyConfigured("CHAT_SIGNUP must be open, invite or closed.")
# Password resets (chat.accounts): links asked for one e-mail address, and asked from one
# client address, within an hour.
CHAT_PASSWORD_RESETS_PER_EMAIL_PER_HOUR = int(
    os.environ.get("CHAT_PASSWORD_RESETS_PER_EMAIL_PER_HOUR", "3")
)
CHAT_PASSWORD_RESETS_PER_ADDRESS_PER_HOUR = int(
    os.environ.get("CHAT_PASSWORD_RESETS_PER_ADDRESS_PER_HOUR", "10")
)

# E-mail (password resets): printed to the server's output unless configured. EMAIL_URL
# (dj-email-url: smtp://, smtp+tls://, smtp+ssl://, console://, ...) or the usual
# EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS variables.
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"


def _email_url(url: str) -> dict:
    """The EMAIL_* settings an EMAIL_URL names. dj-email-url's schemes (smtp://,
    submission://, console://, file://, ...; ?tls=1, ?ssl=1, ?timeout=, ?_default_from_email=),
    plus the smtp+tls:// and smtp+ssl:// spellings other Django tools use."""
    scheme, sep, rest = url.partition("://")
    extra = {"smtp+tls": "tls=1", "smtp+ssl": "ssl=1"}.get(scheme.lower())
    if extra:
        url = f"smtp{sep}{rest}{'&' if '?' in rest else '?'}{extra}"
    parsed = dj_email_url.parse(url)
    if "EMAIL_BACKEND" not in parsed:
        raise ImproperlyConfigured(
            f"EMAIL_URL: unknown scheme {scheme!r} (smtp, smtp+tls, smtp+ssl, submission, "
            "console, file, memory or dummy)."
        )
    return {key: value for key, value in parsed.items() if value not in (None, "")}


if os.environ.get("EMAIL_URL"):
    _EMAIL = _email_url(os.environ["EMAIL_URL"])
    globals().update(_EMAIL)
    # A mail server that never answers must not hold a request for ever.
    EMAIL_TIMEOUT = _EMAIL.get("EMAIL_TIMEOUT", 10)
elif os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = _env_flag("EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = _env_flag("EMAIL_USE_SSL", False)
    # A mail server that never answers must not hold a request for ever.
    EMAIL_TIMEOUT = 10
if os.environ.get("DEFAULT_FROM_EMAIL"):
    DEFAULT_FROM_EMAIL = os.environ["DEFAULT_FROM_EMAIL"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "lobby"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
# Files people share (chat/attachments.py) go through Django's storage API: local files
# under CHAT_MEDIA_ROOT by default, any storage backend by CHAT_FILE_STORAGE (a dotted
# path, e.g. "storages.backends.s3.S3Storage" with its own settings). They are never
# served from MEDIA_URL: a view checks that the reader may read the room first.
MEDIA_ROOT = Path(os.environ.get("CHAT_MEDIA_ROOT") or BASE_DIR / "media")
STORAGES = {
    "default": {
        "BACKEND": os.environ.get(
            "CHAT_FILE_STORAGE", "django.core.files.storage.FileSystemStorage"
        )
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if DEBUG:
    # Serve straight from the source folders; `collectstatic` is not needed.
    WHITENOISE_USE_FINDERS = True
else:
    # Production serves what `collectstatic` wrote: names carry a content hash (so
    # WhiteNoise can let browsers cache them for ever) and gzipped copies sit
    # beside them. `manage.py serve` refuses to start before `collectstatic` ran.
    STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
if not STATIC_ROOT.exists():
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Sessions are read on every request and socket connect: from the cache first (the
# process's memory, or Redis with REDIS_URL), written through to the database.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SAMESITE = "Lax"

# --- HTTP security headers (every response, DEBUG or not) ----------------------
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy (django-csp 4): no inline script at all. The one inline
# <style> (templates/base.html: the viewer's own messages) carries the request's
# nonce; htmx's own indicator <style> is turned off by the htmx-config meta tag.
# 'self' in connect-src covers ws:/wss: to this same host and port (CSP Level 3;
# tests/test_security.py checks it in Chromium).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

if not DEBUG:
    # HTTPS only. A proxy or load balancer that terminates TLS must say so (see
    # DJANGO_TRUST_X_FORWARDED_PROTO), or every request looks like plain http and
    # is redirected for ever. Tests and local http servers turn the redirect off.
    SECURE_SSL_REDIRECT = _env_flag("DJANGO_SECURE_SSL_REDIRECT", True)
    # Health checks come from inside the network, over plain http.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Preloading is a promise made for a whole registrable domain on hstspreload.org,
    # and the header lets anyone submit it; it stays off unless asked for. Django's
    # deploy check warns about it (W021); that is this deliberate choice, not an oversight.
    SECURE_HSTS_PRELOAD = _env_flag("DJANGO_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS += ["security.W021"]
    SESSION_COOKIE_SECURE = _env_flag("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

if _env_flag("DJANGO_TRUST_X_FORWARDED_PROTO", False):
    # Only behind a proxy that sets X-Forwarded-Proto itself (and strips any the
    # client sent): with it, Django treats "X-Forwarded-Proto: https" as HTTPS.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "without_traceback": {"()": "site.logs.WithoutTraceback"},
        # Every handler: a bot's token in a path (POST /bots/<token>/messages) is a
        # credential, and must not reach the log through a request warning or access line.
        "redact_bot_tokens": {"()": "site.logs.RedactBotTokens"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_bot_tokens"]},
        "one_line": {
            "class": "logging.StreamHandler",
            "filters": ["redact_bot_tokens", "without_traceback"],
        },
        # daphne's access log, which chat.server sends through the "daphne.access" logger.
        "access": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "filters": ["redact_bot_tokens"],
        },
    },
    "loggers": {
        "chat": {"handlers": ["console"], "level": "INFO"},
        # Django's request warnings (4xx) and errors, printed whether or not DEBUG is on
        # (Django's own console handler prints only with DEBUG), once: the servers stop
        # them from reaching the root logger's handler too (site.logs.for_a_server).
        "django": {"handlers": ["console"], "level": "INFO"},
        # A request for a host name this site does not serve is noise from scanners:
        # one line each, not a traceback that floods the log.
        "django.security.DisallowedHost": {
            "handlers": ["one_line"],
            "level": "WARNING",
            "propagate": False,
        },
        "daphne.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
