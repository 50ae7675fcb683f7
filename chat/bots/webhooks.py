"""Outgoing hooks: a POST of JSON to a URL a member typed, made safely and in the background.

Any member of a room may give its bot an outgoing URL, and the *server* then calls it.
The guards against abusing that (public addresses only, resolved once, one deadline, a
capped answer, a bounded pool) are every fetch's, in ``chat.fetching``; a hook adds its
own:

- redirects are not followed (a hook's URL is the one its maker gave);
- the answer is read up to ``MAX_REPLY_BYTES`` within ``TIMEOUT_SECONDS``;
- each call is signed (``X-Chat-Signature``), so a hook can refuse calls that are not
  the chat's: its URL may leak, its bot's token should not.

``settings.CHAT_BOTS_ALLOW_PRIVATE_URLS`` (like ``CHAT_FETCH_ALLOW_PRIVATE_URLS``) lifts
the address rule (a bot on the same machine, tests); nothing lifts the others.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from concurrent.futures import Future

from chat import fetching
from chat.fetching import Target, Unsafe, is_public, url_problem, vet

#: Connecting, sending and reading the whole reply: one deadline for all of it.
TIMEOUT_SECONDS = 5.0
#: The longest reply read; a longer one is a failed call (a message is 4,000 characters).
MAX_REPLY_BYTES = 64 * 1024
USER_AGENT = "chat-bot-hook/1"

#: A hook call that produced nothing to post; the message says why, for the log.
HookFailed = fetching.FetchFailed

__all__ = ["HookFailed", "Target", "Unsafe", "call", "deliver", "is_public", "signature", "submit",
           "url_problem", "vet"]


def _reply_text(answer: fetching.Answer) -> str | None:
    """What a 2xx answer asks to post: JSON ``{"body": "..."}`` or plain text; None for an
    empty answer (the bot has nothing to say)."""
    charset = answer.charset or "utf-8"
    try:
        text = answer.body.decode(charset)
    except (LookupError, UnicodeDecodeError):
        raise HookFailed("the answer is not text") from None
    if not text.strip():
        return None
    kind = answer.content_type
    if kind == "application/json" or kind.endswith("+json"):
        try:
            sent = json.loads(text)
        except ValueError:
            raise HookFailed("the answer is not valid JSON") from None
        if not isinstance(sent, dict) or not isinstance(sent.get("body"), str):
            raise HookFailed('the JSON answer has no "body" string')
        return sent["body"] if sent["body"].strip() else None
    if kind.startswith("text/"):
        return text
    raise HookFailed(f"the answer is {kind}, not JSON or text")


def signature(key: str, body: bytes) -> str:
    """``X-Chat-Signature`` of a call: HMAC-SHA256 of the body keyed with ``key`` (the
    bot's stored token hash, which its owner computes from the token as SHA-256 in hex)."""
    return "sha256=" + hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


def call(url: str, payload: dict, *, key: str) -> str | None:
    """POST ``payload`` as JSON to ``url``, signed with ``key`` (``signature``: a hook's
    receiver can tell the chat's calls from anyone else's); the text to post back, or None
    for nothing.

    Raises ``HookFailed`` (``Unsafe`` for a refused URL) for every way the call can go
    wrong: resolution, the address rule, connection, timeout, a non-2xx status (3xx
    included: redirects are never followed), an answer too large or unreadable.
    """
    body = json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "Accept": "application/json, text/plain",
        "User-Agent": USER_AGENT,
        "X-Chat-Signature": signature(key, body),
    }
    answer = fetching.request(
        "POST", url, body=body, headers=headers, timeout=TIMEOUT_SECONDS, max_bytes=MAX_REPLY_BYTES
    )
    return _reply_text(answer)


def deliver(url: str, payload: dict, *, key: str) -> None:
    """POST ``payload`` as JSON to ``url``, signed as ``call`` signs, for an event feed: the
    answer's body is not read for anything (only its 2xx status counts).

    Raises ``HookFailed`` as ``call`` does: resolution, the address rule, connection,
    timeout, a non-2xx status (3xx included).
    """
    body = json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Chat-Signature": signature(key, body),
    }
    fetching.request(
        "POST", url, body=body, headers=headers, timeout=TIMEOUT_SECONDS, max_bytes=MAX_REPLY_BYTES
    )


def submit(task: Callable[..., object], *args: object) -> Future | None:
    """Run ``task(*args)`` on the fetching pool (``chat.fetching.submit``); never waits."""
    return fetching.submit(task, *args)
