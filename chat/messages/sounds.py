"""``/play <name>``: a message that plays a short sound for everyone in the room who has the
page open (and has touched it: browsers play nothing before that).

The message is stored as typed ("/play tada") and rendered once, its article marked
``data-sound="tada"``; ``static/chat/js/sounds.js`` plays it for live arrivals only. The
names live here and nowhere else: the files are ``static/chat/sounds/<name>.wav``, made by
``static/chat/sounds/make.py``. ``/play`` alone, or an unknown name, is refused with the
list of sounds (shown to the sender only); with ``CHAT_SOUNDS=0`` (read when asked) every
``/play`` is refused with a notice saying sounds are off.
"""

from __future__ import annotations

import json
import re

from django.conf import settings
from django.templatetags.static import static

#: Every sound ``/play`` knows, in the order the list shows them.
SOUNDS = (
    "bell",
    "chime",
    "ding",
    "drum",
    "horn",
    "levelup",
    "pop",
    "sad",
    "siren",
    "tada",
    "whistle",
    "yay",
)

#: "/play", "/play tada", "/play  Tada " (any case, any spaces); nothing else after the name.
COMMAND = re.compile(r"\s*/play(?:\s+(\S+))?\s*", re.IGNORECASE)

LIST = "Sounds you can /play: " + ", ".join(SOUNDS) + "."
UNKNOWN = "There is no sound called “{name}”. " + LIST
SWITCHED_OFF = "Sounds are switched off on this server."


def enabled() -> bool:
    """Whether ``/play`` plays (``CHAT_SOUNDS``, read when asked)."""
    return bool(settings.CHAT_SOUNDS)


def is_command(body: str) -> bool:
    """Whether ``body`` is a ``/play`` command (known name or not)."""
    return COMMAND.fullmatch(body or "") is not None


def sound_of(body: str) -> str | None:
    """The sound a stored body plays ("tada" for "/play tada"), or None: not a command, or
    a name not in ``SOUNDS``."""
    match = COMMAND.fullmatch(body or "")
    if match is None or match.group(1) is None:
        return None
    name = match.group(1).lower()
    return name if name in SOUNDS else None


def refusal(body: str) -> str | None:
    """Why ``body`` may not be posted as a message (the words the sender sees), or None.

    A body that is not ``/play …`` is no business of this module."""
    match = COMMAND.fullmatch(body or "")
    if match is None:
        return None
    if not enabled():
        return SWITCHED_OFF
    if match.group(1) is None:
        return LIST
    if sound_of(body) is None:
        return UNKNOWN.format(name=match.group(1)[:40])
    return None


def urls() -> str:
    """Where each sound is served (JSON, for the page's script): static names may carry a
    hash of their content in production."""
    return json.dumps({name: static(f"chat/sounds/{name}.wav") for name in SOUNDS})
