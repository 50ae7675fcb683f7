"""The styleguide's states of the team's own chat: its settings (the accent refused for its
contrast), the first-run setup, and signing in on a phone (the link and its QR code, the
sessions signed in by links)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chat import qr
from chat.models import Instance, SignInLink
from chat.people.instance_forms import InstanceForm, SetupForm
from chat.styleguide.rows import Section, State
from chat.styleguide.samples import bound

URL = "https://chat.example.com/accounts/sign-in/4pQ1h0d8Xb3sVn7kT2yR9cWm5eLzA6uJgFiKoN0pMqE/"
WHEN = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)


def settings(**data) -> dict:
    """The settings form, bound to ``data`` (its errors, if any) or unbound."""
    form = bound(InstanceForm, data) if data else InstanceForm(initial={"name": "Acme"})
    return {"form": form, "row": Instance(name="Acme")}


def setup() -> dict:
    """The setup form, as it first shows."""
    form = SetupForm()
    for field in form.fields.values():
        # A sample must not take the focus: the page would open at it, far down.
        field.widget.attrs.pop("autofocus", None)
    return {"form": form}


def made() -> dict:
    """A link just made, with its QR code."""
    link = SignInLink(created_at=WHEN, expires_at=WHEN + timedelta(minutes=5))
    return {"link": link, "url": URL, "qr": qr.svg(URL, "QR code of your sign-in link")}


def sign_in(pk: int, signed_in: bool, address: str, browser: str) -> SignInLink:
    link = SignInLink(pk=pk, used_at=WHEN - timedelta(hours=pk), used_address=address,
                      user_agent=browser)  # fmt: skip
    link.signed_in = signed_in
    return link


PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile"
TABLET = "Mozilla/5.0 (Linux; Android 14; Pixel Tablet) AppleWebKit/537.36 Chrome/131 Safari"

# fmt: off
INSTANCE = Section("instance", "The team's own chat", (
    State("settings-form", "The settings", "/staff/settings/: the chat's name, accent and logo.",
          "chat/staff_settings.html#settings-form", lambda s: settings()),
    State("settings-contrast", "An accent too faint",
          "The accent is refused where it fails 4.5:1; the error names the scheme and ratio.",
          "chat/staff_settings.html#settings-form",
          lambda s: settings(name="Acme", accent="#ffcc00")),
    State("setup-form", "The first run", "/setup/ while nobody has an account: the "
          "administrator's account and the chat's name.", "chat/setup.html#setup-form",
          lambda s: setup()),
    State("sign-in-link", "A sign-in link", "Made on the profile page: its QR code and its "
          "text, shown once.", "chat/sign_in_link.html#made", lambda s: made()),
    State("sign-ins", "Sessions signed in by a link", "The profile page: each use, one still "
          "signed in (with its button), one signed out.", "chat/profile_edit.html#phone-sign-in",
          lambda s: {"sign_ins": [sign_in(1, True, "192.0.2.7", PHONE),
                                  sign_in(2, False, "2001:db8::1", TABLET)]}),
    State("sign-ins-none", "No session signed in by a link", "Before any link was used.",
          "chat/profile_edit.html#phone-sign-in", lambda s: {"sign_ins": []}),
))
# fmt: on


def push_switch(state: str) -> dict:
    """The Web Push switch of the profile page in ``state`` (as its script sets it)."""
    key = "BOr5e2QOZNPaJs8L7b7VZsPcuNrQnJ0gKk5v5jvXb3Jc1GmJdC6mB9sYvQZcV9N1iW7tS0oL3pU8aR2yD4fH6kE"
    return {"push_key": key, "push_state": state, "shown": True}


# fmt: off
PUSH = Section("push", "Notifications on a closed device", (
    State("push-off", "Push off", "The profile page: this device hears of messages only while "
          "the chat is open.", "chat/profile_edit.html#push-switch",
          lambda s: push_switch("off")),
    State("push-on", "Push on", "This device is subscribed: direct messages, mentions and "
          "replies reach it while the chat is closed.", "chat/profile_edit.html#push-switch",
          lambda s: push_switch("on")),
    State("push-blocked", "Notifications blocked", "The browser refused notifications: the "
          "switch is off and says where to allow them.", "chat/profile_edit.html#push-switch",
          lambda s: push_switch("blocked")),
    State("push-unsupported", "No push in this browser", "No service worker or Push API "
          "(an iPhone's browser before the chat is on its home screen).",
          "chat/profile_edit.html#push-switch", lambda s: push_switch("unsupported")),
))
# fmt: on
