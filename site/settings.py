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
from site import env, redis_urls, task_queue

from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env.flag("DJANGO_DEBUG", True)
SECRET_KEY = env.required(
    "DJANGO_SECRET_KEY",
    "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.",
    unless=DEBUG,
    default="insecure-local-development-key-do-not-use-in-production",
)
ALLOWED_HOSTS = env.strings("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])

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
    "huey.contrib.djhuey",
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
    # Answers the refusals views let through (chat.errors), and sets Retry-After: the one place.
    "chat.views.refusals.RefusalMiddleware",
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
                "site.context.instance_settings",
            ],
            # The chat's name in every title, partials rendered without a request included.
            "builtins": ["chat.templatetags.instance"],
        },
    },
]

DATABASES = {
    "default": env.database(
        "DATABASE_URL",
        f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        # Kept open: Channels checks connections before every handler, and with 0 each
        # message paid for a new connection (about a fifth of the server's CPU).
        conn_max_age=env.integer("CONN_MAX_AGE", 60),
        sqlite={
            # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock
            # at BEGIN, so two writers queue on the timeout instead of failing to upgrade.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # Tests use a file too: an in-memory database shares one lock across threads
            # and fails where a real deployment would wait ("database table is locked").
            "TEST": {"NAME": str(Path(tempfile.gettempdir(), f"chat-test-{os.getpid()}.sqlite3"))},
        },
    )
}

# REDIS_URL may name a Sentinel-watched service (site/redis_urls.py).
REDIS_URL = env.redis_url("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # "pubsub" (channels-redis's RedisPubSubChannelLayer) is there for comparing
            # in bench/; it has no queues, so a process that blinks misses events.
            "BACKEND": {
                "lists": "chat.broadcast.layers.ResilientRedisChannelLayer",
                "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
            }[env.string("REDIS_CHANNEL_LAYER", "lists")],
            "CONFIG": {
                # redis-py 8 gives sockets a 5 s read timeout, the same as the layer's
                # blocking pop: every idle listener would die of a TimeoutError.
                "hosts": [redis_urls.channel_layer_host(REDIS_URL, socket_timeout=15)],
                # Room in a process's queue before events to it are dropped (a page
                # heals a dropped frame by resuming, but it should be rare).
                "capacity": env.integer("CHANNEL_CAPACITY", 1000),
                "expiry": 60,
                # Processes re-join their groups well before this (chat/broadcast/fanout.py).
                "group_expiry": env.integer("CHANNEL_GROUP_EXPIRY", 86400),
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
            "BACKEND": "chat.broadcast.layers.KeepGroupsInMemoryChannelLayer",
            # The default of 100 queued events per channel drops frames when a process
            # falls briefly behind (seen in bench/ at 100 sockets, one channel each then).
            "CONFIG": {"capacity": env.integer("CHANNEL_CAPACITY", 1000)},
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-axes counts failed sign-ins per username (its lookalike skeleton: accounts.login_key)
# and refuses a locked one before checking the password; per client address the chat's own
# limiter counts (chat.ratelimit: an address can be a whole office behind one NAT). Django's
# backend is for sessions older than ours (docs/deploying.md, "Accounts").
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "chat.people.backend.Accounts",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"  # shared by every process
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_FAILURE_LIMIT = 5  # failed sign-ins per username within AXES_COOLOFF_TIME
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_USERNAME_CALLABLE = "chat.people.accounts.login_key"
AXES_CLIENT_IP_CALLABLE = "chat.people.accounts.client_address"
AXES_LOCKOUT_CALLABLE = "chat.views.accounts.locked_out"
AXES_RESET_ON_SUCCESS = True
# A guess at a locked username is refused unchecked; it must not extend the lock either.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_DISABLE_ACCESS_LOG = True  # no record of every sign-in's address; failures only
# W006 asks for "ip_address" among the lockout parameters: addresses have chat.ratelimit's.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Anti-automation, per client address and per person (chat.ratelimit); an operator
# signing up a whole team at once, or a load test, raises them.
CHAT_SIGNUPS_PER_ADDRESS_PER_HOUR = env.integer("CHAT_SIGNUPS_PER_ADDRESS_PER_HOUR", 5)
CHAT_ROOMS_PER_PERSON_PER_HOUR = env.integer("CHAT_ROOMS_PER_PERSON_PER_HOUR", 10)
# A person shows online until this long after the last heartbeat of a process holding a
# socket of theirs (chat/broadcast/presence.py): how long a crashed worker's people stay "online".
CHAT_PRESENCE_SECONDS = env.integer("CHAT_PRESENCE_SECONDS", 30)
# Sockets (room pages and lobbies) one person may hold open at once, on all server processes
# together (counted with presence, in the cache); one more is closed with 4409. Enough
# for many tabs and devices; one person's script must not hold thousands.
CHAT_SOCKETS_PER_PERSON = env.integer("CHAT_SOCKETS_PER_PERSON", 20)
# Files: the largest one, in bytes, and how many a person may share in an hour.
CHAT_UPLOAD_MAX_BYTES = env.integer("CHAT_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
CHAT_UPLOADS_PER_HOUR = env.integer("CHAT_UPLOADS_PER_HOUR", 30)
# "/play <name>" plays a short sound in the room (chat/messages/sounds.py); 0 refuses it.
CHAT_SOUNDS = env.flag("CHAT_SOUNDS", True)
# Images (shared files and profile pictures): the most pixels one may have, all frames
# together, read from its header before anything is decoded (a 25 MP photo is a large
# phone's; decoding takes about 3 bytes a pixel, and a 9400x9400 PNG of 335 KiB took
# 1.16 GiB), and how many each server process decodes at once (the others wait).
CHAT_IMAGE_MAX_PIXELS = env.integer("CHAT_IMAGE_MAX_PIXELS", 25_000_000)
CHAT_IMAGE_DECODES_AT_ONCE = env.integer("CHAT_IMAGE_DECODES_AT_ONCE", 2)
# HTTP requests a process runs at once (more wait): each holds a database connection meanwhile.
CHAT_REQUESTS_AT_ONCE = env.integer("CHAT_REQUESTS_AT_ONCE", 24)
# Bots' outgoing hooks may not call private or loopback addresses unless this is set
# (a bot's URL must not be a way into the server's own network).
CHAT_BOTS_ALLOW_PRIVATE_URLS = env.flag("CHAT_BOTS_ALLOW_PRIVATE_URLS", False)
# Every request the server makes for someone (a bot's hook, a link's preview) may not reach a
# private or loopback address unless this is set (chat/fetching.py); the bots' setting above
# does the same.
CHAT_FETCH_ALLOW_PRIVATE_URLS = env.flag("CHAT_FETCH_ALLOW_PRIVATE_URLS", False)
# Link previews: the server fetches the first link of a message (title, description, picture)
# and shows it under the message (chat/messages/previews.py). 0 turns them off: no fetch at all.
CHAT_LINK_PREVIEWS = env.flag("CHAT_LINK_PREVIEWS", True)

# Who may create an account: "open" (anyone who reaches the server), "invite" (only through
# an invitation link a member made, chat/people/invitations.py) or "closed" (admins create them).
CHAT_SIGNUP = env.choice("CHAT_SIGNUP", "open", ("open", "invite", "closed"))
# Who may create rooms: "everyone" signed in, or "staff" only (chat/rooms/services.py).
CHAT_ROOM_CREATION = env.choice("CHAT_ROOM_CREATION", "everyone", ("everyone", "staff"))
# The public room every new account joins (made when first needed); "" for none.
CHAT_DEFAULT_ROOM = env.string("CHAT_DEFAULT_ROOM", "general")
# Background and scheduled work (chat/tasks.py): huey, its queue in Redis with REDIS_URL, else
# in a SQLite file beside the data (CHAT_TASKS_FILE); site/task_queue.py. `manage.py serve`
# starts the consumer. CHAT_TASKS_IMMEDIATE runs each task where it is asked (the test process).
CHAT_TASKS_IMMEDIATE = env.flag("CHAT_TASKS_IMMEDIATE", False)
CHAT_TASKS_FILE = env.path("CHAT_TASKS_FILE", task_queue.default_file(DATABASES, BASE_DIR))
HUEY = task_queue.huey(immediate=CHAT_TASKS_IMMEDIATE, redis_url=REDIS_URL, file=CHAT_TASKS_FILE)
# E-mail for what is still unread (chat/people/digests.py): a direct message or a mention
# unread this many minutes is mailed, at most one digest per person in that time.
CHAT_DIGEST_AFTER_MINUTES = env.integer("CHAT_DIGEST_AFTER_MINUTES", 30)
# The chat's own address (scheme, host and port, no path), for links in mail sent without a
# request to take it from (digests and their unsubscribe link): e.g. https://chat.example.com.
CHAT_SITE_URL = env.string("CHAT_SITE_URL", "http://localhost:8000").rstrip("/")
# Web Push (chat/people/push.py): 0 turns it off (no keys made, nothing sent).
CHAT_PUSH = env.flag("CHAT_PUSH", True)
# Push services are public: a loopback endpoint (a test's) needs this.
CHAT_PUSH_ALLOW_PRIVATE_URLS = env.flag("CHAT_PUSH_ALLOW_PRIVATE_URLS", False)
# A bot's event feed (chat/bots/feed.py) retries for this long, waiting the next setting
# first and twice the last wait each time after; then it gives up until the next change.
CHAT_BOT_FEED_GIVE_UP_MINUTES = env.integer("CHAT_BOT_FEED_GIVE_UP_MINUTES", 60)
CHAT_BOT_FEED_FIRST_RETRY_SECONDS = env.integer("CHAT_BOT_FEED_FIRST_RETRY_SECONDS", 5)
# Password resets (chat.people.accounts): links asked for one e-mail address, and asked from one
# client address, within an hour.
CHAT_PASSWORD_RESETS_PER_EMAIL_PER_HOUR = env.integer("CHAT_PASSWORD_RESETS_PER_EMAIL_PER_HOUR", 3)
CHAT_PASSWORD_RESETS_PER_ADDRESS_PER_HOUR = env.integer(
    "CHAT_PASSWORD_RESETS_PER_ADDRESS_PER_HOUR", 10
)

# E-mail (password resets): printed to the server's output unless configured. EMAIL_URL
# (dj-email-url: smtp://, smtp+tls://, smtp+ssl://, console://, ...) or the usual
# EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS variables.
# A configured server gets 10 s to answer (EMAIL_TIMEOUT), unless the URL says otherwise.
_mail = env.email_url("EMAIL_URL") or env.email_server("EMAIL_HOST") or env.Mail()
EMAIL_BACKEND = _mail.backend
EMAIL_HOST = _mail.host
EMAIL_PORT = _mail.port
EMAIL_HOST_USER = _mail.host_user
EMAIL_HOST_PASSWORD = _mail.host_password
EMAIL_USE_TLS = _mail.use_tls
EMAIL_USE_SSL = _mail.use_ssl
EMAIL_TIMEOUT = _mail.timeout
EMAIL_FILE_PATH = _mail.file_path
SERVER_EMAIL = _mail.server_email
DEFAULT_FROM_EMAIL = env.string("DEFAULT_FROM_EMAIL") or _mail.default_from_email

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "lobby"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles")
# Files people share (chat/messages/attachments.py) go through Django's storage API: local files
# under CHAT_MEDIA_ROOT by default, any storage backend by CHAT_FILE_STORAGE (a dotted
# path, e.g. "storages.backends.s3.S3Storage" with its own settings). They are never
# served from MEDIA_URL: a view checks that the reader may read the room first.
MEDIA_ROOT = env.path("CHAT_MEDIA_ROOT", BASE_DIR / "media")
STORAGES = {
    "default": {
        "BACKEND": env.string("CHAT_FILE_STORAGE", "django.core.files.storage.FileSystemStorage")
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if DEBUG:
    # Serve straight from the source folders; `collectstatic` is not needed.
    WHITENOISE_USE_FINDERS = True
else:
    # Production serves what `collectstatic` wrote: names carry a content hash (so
    # WhiteNoise can let browsers cache them for ever) and gzipped copies sit
    # beside them; the chat's ES modules import each other by hashed name too
    # (site/static_storage.py). `manage.py serve` refuses to start before `collectstatic` ran.
    STORAGES["staticfiles"] = {"BACKEND": "site.static_storage.StaticFilesStorage"}
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
    SECURE_SSL_REDIRECT = env.flag("DJANGO_SECURE_SSL_REDIRECT", True)
    # Health checks come from inside the network, over plain http.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.integer("DJANGO_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Preloading is a promise made for a whole registrable domain on hstspreload.org,
    # and the header lets anyone submit it; it stays off unless asked for. Django's
    # deploy check warns about it (W021); that is this deliberate choice, not an oversight.
    SECURE_HSTS_PRELOAD = env.flag("DJANGO_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS += ["security.W021"]
    SESSION_COOKIE_SECURE = env.flag("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

if env.flag("DJANGO_TRUST_X_FORWARDED_PROTO", False):
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
        # daphne's access log, which chat.serving.server sends through the "daphne.access" logger.
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
