"""The styleguide's states of e-mail digests: the unsubscribe page (its button, and once
pressed) and the profile's switch, on and off."""

from __future__ import annotations

from chat.models import Profile
from chat.styleguide.rows import Section, State
from chat.styleguide.samples import person


def unsubscribe(done: bool) -> dict:
    """The unsubscribe page of a made-up person."""
    return {"person": person(7, "ada"), "token": "MTc:1sample:signature", "done": done}


def switch(on: bool) -> dict:
    """The profile's switch, digests ``on`` or off."""
    return {"profile": Profile(email_digests=on), "digest_minutes": 30}


# fmt: off
DIGESTS = Section("digests", "E-mail digests", (
    State("unsubscribe", "Unsubscribing", "/unsubscribe/<token>/ from a digest, signed in or "
          "out: a button (the page changes nothing).", "chat/unsubscribe.html#unsubscribe",
          lambda s: unsubscribe(False)),
    State("unsubscribed", "Unsubscribed", "After the button (or a mail client's one-click "
          "POST).", "chat/unsubscribe.html#unsubscribe", lambda s: unsubscribe(True)),
    State("digests-on", "Digests on", "The profile page's switch while digests are on.",
          "chat/profile_edit.html#email-digests", lambda s: switch(True)),
    State("digests-off", "Digests off", "The switch once they were turned off.",
          "chat/profile_edit.html#email-digests", lambda s: switch(False)),
))
# fmt: on
