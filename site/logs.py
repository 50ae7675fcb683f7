"""Logging pieces of the site: one-line refusals, bot tokens kept out of every line, and the
server's own log setup (``chat.serving.server``)."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

#: daphne's log format (``daphne.cli``), which :func:`for_a_server` sets as daphne would.
LOG_FORMAT = "%(asctime)-15s %(levelname)-8s %(message)s"

#: A bot's token where a path carries it: ``/bots/<token>/messages`` (and any mistyped
#: ``/bots/<token>``). A room's bot pages (``/r/<slug>/bots/<id>/revoke``) hold only an id,
#: and ``/bots/messages`` (the token in a header) holds none: both are left as they are.
_BOT_PATH = re.compile(r"(/r/[^/\s]+)?/bots/(?!messages(?![^/\s\"'?#]))([^/\s\"'?#]+)")
REDACTED = "<redacted>"


def redact(text: str) -> str:
    """``text`` with every bot token in a path replaced by ``<redacted>``."""
    if "/bots/" not in text:
        return text

    def replace(match: re.Match) -> str:
        if match[1] or match[2] == REDACTED:
            return match[0]
        return f"/bots/{REDACTED}"

    return _BOT_PATH.sub(replace, text)


def _redact_value(value: object) -> object:
    return redact(value) if isinstance(value, str) else value


class RedactBotTokens(logging.Filter):
    """Rewrite a record so that no bot token reaches the log: on every handler, since a
    token is a credential and the URL form (``POST /bots/<token>/messages``) puts it in
    Django's request warnings and in the server's access lines.

    The message and its arguments are redacted one by one, so formatters that read the
    arguments themselves still work; anything left (a token inside an object's ``str()``)
    is caught on the formatted message, which then replaces them.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _redact_value(record.msg)
        if isinstance(record.args, Mapping):
            record.args = {key: _redact_value(value) for key, value in record.args.items()}
        elif record.args:
            record.args = tuple(_redact_value(value) for value in record.args)
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


class WithoutTraceback(logging.Filter):
    """Keep the record's message, drop its traceback: for refusals that are expected."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True


class LoggedLines:
    """A stream for daphne's access log that hands each line to ``logger`` instead of
    writing it to stdout, so the log's handlers and filters (``RedactBotTokens``) apply."""

    def __init__(self, logger: logging.Logger) -> None:
        self.logger = logger

    def write(self, text: str) -> None:
        """Log each line of ``text`` at INFO."""
        for line in text.splitlines():
            self.logger.info(line)

    def flush(self) -> None:
        """Nothing is buffered here."""


def for_a_server() -> None:
    """The logging of a server process (``manage.py serve``), called before it starts.

    The root logger prints what no logger of the site handles (daphne's own lines), as
    daphne's command line would set it up, with bot tokens redacted. The
    ``chat`` and ``django`` loggers print through their own handlers (settings.LOGGING)
    and stop there: passed on to the root as well, each of their lines, every 4xx warning
    among them, was printed twice.
    """
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactBotTokens) for f in handler.filters):
            handler.addFilter(RedactBotTokens())
    for name in ("chat", "django"):
        logging.getLogger(name).propagate = False
