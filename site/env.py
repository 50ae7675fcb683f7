"""What the environment variables that configure the chat mean: one reader per kind of value.

``site/settings.py`` is a list of settings, each read by one of these from the variable it
names, with its default. A variable that is left out gives the default. A value that cannot
mean anything stops start-up with ``ImproperlyConfigured``, which ``manage.py`` says in one
line; a number that is not one stops it with Python's own ``ValueError``.

Every reader takes the variable's name and reads ``os.environ`` when it is called: the
settings module calls them once, when Django reads it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from site import redis_urls

import dj_database_url
import dj_email_url
from django.conf import global_settings
from django.core.exceptions import ImproperlyConfigured

#: The spellings of "on" (any case, spaces around ignored); anything else set is "off".
ON = frozenset({"1", "true", "yes", "on"})


def flag(name: str, default: bool) -> bool:
    """On or off: ``1``, ``true``, ``yes`` or ``on`` (any case) is on, any other value off;
    unset or empty is ``default``."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in ON


def string(name: str, default: str = "") -> str:
    """The value as it is; ``default`` when unset (a variable set to nothing is ``""``)."""
    return os.environ.get(name, default)


def integer(name: str, default: int) -> int:
    """A whole number (``int()``'s spelling: ``30``, ``1_000``); ``default`` when unset."""
    return int(os.environ.get(name, default))


def strings(name: str, default: Sequence[str]) -> list[str]:
    """A comma-separated list, each item stripped, empty items dropped; ``default`` when
    unset (so a variable set to nothing is the empty list)."""
    value = os.environ.get(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def choice(name: str, default: str, choices: Sequence[str]) -> str:
    """One of ``choices``, in any case; ``default`` when unset or empty. Anything else stops
    start-up ("CHAT_SIGNUP must be open, invite or closed.")."""
    value = os.environ.get(name, default).strip().lower() or default
    if value not in choices:
        *first, last = choices
        raise ImproperlyConfigured(f"{name} must be {', '.join(first)} or {last}.")
    return value


def path(name: str, default: Path) -> Path:
    """A folder or file; ``default`` when unset or empty."""
    return Path(os.environ.get(name) or default)


def required(name: str, refusal: str, *, unless: bool = False, default: str = "") -> str:
    """The value, which must be there: when it is unset or empty, ``default`` if ``unless``
    holds (a development default), else start-up stops with ``refusal``."""
    value = os.environ.get(name, "")
    if value:
        return value
    if unless:
        return default
    raise ImproperlyConfigured(refusal)


def database(name: str, default: str, *, conn_max_age: int, sqlite: dict) -> dict:
    """One entry of ``DATABASES`` from a database URL (dj-database-url: ``postgres://…``,
    ``sqlite:///…``); ``default`` when unset. ``sqlite`` holds the keys (``OPTIONS``,
    ``TEST``) added when the database is SQLite."""
    found = dj_database_url.config(env=name, default=default, conn_max_age=conn_max_age)
    if found["ENGINE"] == "django.db.backends.sqlite3":
        found.update(sqlite)
    return found


def redis_url(name: str) -> str:
    """A Redis URL (``site.redis_urls``: one server, or a service its Sentinels watch);
    ``""`` when unset or empty. A misspelled one stops start-up, in words that say why.
    ``redis_urls.channel_layer_host`` and ``redis_urls.cache`` make the settings of it."""
    url = os.environ.get(name, "")
    if url:
        redis_urls.check(url)
    return url


CONSOLE = "django.core.mail.backends.console.EmailBackend"
SMTP = "django.core.mail.backends.smtp.EmailBackend"
#: A configured mail server that never answers must not hold a request for ever.
MAIL_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Mail:
    """Where e-mail goes, as Django's ``EMAIL_*``, ``DEFAULT_FROM_EMAIL`` and ``SERVER_EMAIL``
    settings (a field is its setting's name in lower case, without ``EMAIL_``): printed to
    the server's output, and Django's own defaults for everything not said."""

    backend: str = CONSOLE
    host: str = global_settings.EMAIL_HOST
    port: int = global_settings.EMAIL_PORT
    host_user: str = global_settings.EMAIL_HOST_USER
    host_password: str = global_settings.EMAIL_HOST_PASSWORD
    use_tls: bool = global_settings.EMAIL_USE_TLS
    use_ssl: bool = global_settings.EMAIL_USE_SSL
    timeout: int | None = global_settings.EMAIL_TIMEOUT
    file_path: str | None = None
    default_from_email: str = global_settings.DEFAULT_FROM_EMAIL
    server_email: str = global_settings.SERVER_EMAIL


def _field(setting: str) -> str:
    return setting.lower().removeprefix("email_")


#: The spellings other Django tools use for SMTP with TLS, and how dj-email-url says them.
SMTP_SPELLINGS = {"smtp+tls": "tls=1", "smtp+ssl": "ssl=1"}


def email_url(name: str) -> Mail | None:
    """The mail server an e-mail URL names; None when unset or empty. dj-email-url's
    schemes (``smtp://``, ``submission://``, ``console://``, ``file://``, …; ``?tls=1``,
    ``?ssl=1``, ``?timeout=``, ``?_default_from_email=``), plus the ``smtp+tls://`` and
    ``smtp+ssl://`` spellings other Django tools use. The timeout is 10 s unless it says."""
    url = os.environ.get(name)
    if not url:
        return None
    scheme, sep, rest = url.partition("://")
    extra = SMTP_SPELLINGS.get(scheme.lower())
    if extra:
        url = f"smtp{sep}{rest}{'&' if '?' in rest else '?'}{extra}"
    parsed = dj_email_url.parse(url)
    if "EMAIL_BACKEND" not in parsed:
        raise ImproperlyConfigured(
            f"{name}: unknown scheme {scheme!r} (smtp, smtp+tls, smtp+ssl, submission, "
            "console, file, memory or dummy)."
        )
    said = {_field(key): value for key, value in parsed.items() if value not in (None, "")}
    return Mail(**{"timeout": MAIL_TIMEOUT_SECONDS, **said})


def email_server(name: str) -> Mail | None:
    """The SMTP server whose host ``name`` holds (``EMAIL_HOST``), with the variables named
    after Django's settings beside it: ``EMAIL_PORT`` (25), ``EMAIL_HOST_USER``,
    ``EMAIL_HOST_PASSWORD``, ``EMAIL_USE_TLS``, ``EMAIL_USE_SSL``; a 10 s timeout. None
    when ``name`` is unset or empty."""
    host = os.environ.get(name)
    if not host:
        return None
    return Mail(
        backend=SMTP,
        host=host,
        port=integer("EMAIL_PORT", 25),
        host_user=string("EMAIL_HOST_USER"),
        host_password=string("EMAIL_HOST_PASSWORD"),
        use_tls=flag("EMAIL_USE_TLS", False),
        use_ssl=flag("EMAIL_USE_SSL", False),
        timeout=MAIL_TIMEOUT_SECONDS,
    )
