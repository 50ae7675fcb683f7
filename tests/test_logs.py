"""What reaches the server's log: no bot token in any line (``site.logs.RedactBotTokens``),
and each of Django's request warnings once (``site.logs.for_a_server``)."""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from site.logs import LoggedLines, RedactBotTokens, redact

import pytest

from tests.support.live_server import LiveServer, running

TOKEN = "Zm9yLXRoZS1sb2ctdGVzdHMtb25seS1ub3QtYS1yZWFsLXRva2Vu"
PATH = f"/bots/{TOKEN}/messages"


def record(msg: str, args) -> logging.LogRecord:
    return logging.LogRecord("test", logging.WARNING, __file__, 1, msg, args, None)


def formatted(msg: str, args) -> str:
    """``msg % args`` as a handler with the filter writes it."""
    kept = record(msg, args)
    assert RedactBotTokens().filter(kept)
    return logging.Formatter("%(message)s").format(kept)


# --- the filter -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"/bots/{TOKEN}/messages", "/bots/<redacted>/messages"),
        (f'"POST {PATH} HTTP/1.1" 403', '"POST /bots/<redacted>/messages HTTP/1.1" 403'),
        (f"https://chat.example.org{PATH}", "https://chat.example.org/bots/<redacted>/messages"),
        (f"Not Found: /bots/{TOKEN}", "Not Found: /bots/<redacted>"),
        ("/bots/a%2Fb/messages?x=1", "/bots/<redacted>/messages?x=1"),
        # No token in these: the header form's path, and a room's bot pages (an id).
        ("POST /bots/messages 201", "POST /bots/messages 201"),
        ("/r/lunch/bots/3/revoke", "/r/lunch/bots/3/revoke"),
        ("/bots/<redacted>/messages", "/bots/<redacted>/messages"),
    ],
)  # fmt: skip
def test_tokens_in_paths_are_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_the_filter_redacts_djangos_request_warning() -> None:
    assert formatted("%s: %s", ("Forbidden", f"/bots/{TOKEN}/messages")) == (
        "Forbidden: /bots/<redacted>/messages"
    )


def test_the_filter_keeps_the_arguments_a_formatter_reads_itself() -> None:
    # A formatter may unpack the arguments rather than read the message.
    kept = record('%s - "%s %s HTTP/%s" %d', ("1.2.3.4:5", "POST", PATH, "1.1", 403))

    RedactBotTokens().filter(kept)

    assert kept.args == ("1.2.3.4:5", "POST", "/bots/<redacted>/messages", "1.1", 403)  # fmt: skip


def test_the_filter_redacts_named_arguments_and_objects_that_print_a_token() -> None:
    class Request:
        def __str__(self) -> str:
            return f"<ASGIRequest: POST '/bots/{TOKEN}/messages'>"

    named = {"method": "POST", "path": f"/bots/{TOKEN}/x"}
    assert formatted("HTTP %(method)s %(path)s", named) == "HTTP POST /bots/<redacted>/x"
    assert TOKEN not in formatted("%s failed", (Request(),))


def test_daphnes_access_lines_go_through_a_logger(caplog) -> None:
    with caplog.at_level(logging.INFO, logger="daphne.access"):
        LoggedLines(logging.getLogger("daphne.access")).write("one line\n")

    assert [r.getMessage() for r in caplog.records] == ["one line"]


def test_every_handler_the_settings_configure_redacts() -> None:
    from django.conf import settings

    for name, handler in settings.LOGGING["handlers"].items():
        assert "redact_bot_tokens" in handler.get("filters", []), name


# --- a real server ----------------------------------------------------------------------------


@pytest.fixture(params=["1", "0"], ids=["debug", "production"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveServer]:
    """``manage.py serve`` as ``make run`` starts it (DEBUG on) and as production does
    (DEBUG off)."""
    # Production is the suite's own environment (``tests.support.environment``: static files
    # collected once for the run); development switches DEBUG on.
    env = {"DJANGO_DEBUG": "1"} if request.param == "1" else {}
    live = LiveServer(tmp_path / "chat.sqlite3", env=env)
    with running(live):
        yield live


def test_a_bot_token_is_in_no_line_and_each_warning_is_printed_once(server: LiveServer) -> None:
    request = urllib.request.Request(
        f"{server.url}/bots/{TOKEN}/messages", data=b"body=hello", method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 403

    # The access line is written once the answer is sent, after the view's warning.
    server.wait_for_output(r'"POST /bots/<redacted>/messages[^"]*" 403')
    log = server.log_path.read_text()
    assert TOKEN not in log
    warnings = [line for line in log.splitlines() if "Forbidden: /bots/<redacted>/messages" in line]
    assert len(warnings) == 1, log
