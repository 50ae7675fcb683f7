"""What a message, a reaction and a file with words may be."""

from __future__ import annotations

import re
from uuid import uuid4

import emoji
from django import forms
from django.conf import settings

from chat.fields import (
    ClientIdField,
    TextField,
    has_visible_text,
    printable,
    refuse_characters,
    too_big,
)
from chat.limits import MESSAGE_COUNT_FROM, MESSAGE_MAX_CHARS, REACTION_MAX_CHARS, REACTION_PALETTE
from chat.messages import sounds

#: What a send id the page chose looks like when it is echoed back (``data-ack``).
ACK_SHAPE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
REQUIRED_BODY = "Write something before sending."
NOT_TEXT = "This message contains characters that are not valid text."
REFUSED_IN_BODY = (
    "This message holds characters that are not text or that change the direction of what "
    "follows ({found}): remove them."
)
NOT_A_MESSAGE = "The message you are replying to is not in this conversation."


class MessageForm(forms.Form):
    """What a person types into a room; the author always comes from the session."""

    #: From this many characters on, the composer shows its count (nothing is cut).
    count_from = MESSAGE_COUNT_FROM

    # The fields' markup is written out in the composer partial (chat/room.html): it is
    # rendered for every refused send, and Django's widget templates cost 0.5 ms a time.
    body = TextField(
        max_length=MESSAGE_MAX_CHARS,
        strip=True,
        error_messages={
            "required": REQUIRED_BODY,
            "max_length": "Messages are at most %(limit_value)s characters "
            "(this one has %(show_value)s).",
        },
    )
    # Chosen anew for every send (static/chat/js/room-sync.js), so the server can store a
    # resent frame once.
    client_id = ClientIdField(
        required=False,
        error_messages={"invalid": "This page is out of date: reload it to send messages."},
    )

    # The message this one answers (``chat.messages.replies``, which checks it is one of the
    # room's): the composer's hidden field, filled by "Reply".
    reply_to = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        error_messages={
            "invalid": NOT_A_MESSAGE,
            "min_value": NOT_A_MESSAGE,
            "max_value": NOT_A_MESSAGE,
        },
    )

    def __init__(self, data=None, *args, **kwargs) -> None:
        #: The fields whose text held characters that cannot be encoded (now U+FFFD).
        self.unprintable: set[str] = set()
        if data is not None:
            # What is echoed back (the composer keeps the text) must be encodable.
            clean = {}
            for key in ("body", "client_id", "reply_to"):
                value = data.get(key)
                if isinstance(value, str):
                    clean[key] = printable(value)
                    if clean[key] != value:
                        self.unprintable.add(key)
                elif value is not None:
                    clean[key] = value
            data = clean
        super().__init__(data, *args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("client_id", uuid4())

    @property
    def ack(self) -> str | None:
        """The send id to name in the answer, if the page sent a well-formed one."""
        raw = self.data.get("client_id") if self.is_bound else None
        return raw if isinstance(raw, str) and ACK_SHAPE.fullmatch(raw) else None

    def clean_body(self) -> str:
        """Refuse text that cannot be stored, text that would show as an empty message, and
        characters that are not text or reorder it (``chat.characters``)."""
        body = self.cleaned_data["body"]
        if "body" in self.unprintable:
            raise forms.ValidationError(NOT_TEXT)
        if not has_visible_text(body):
            raise forms.ValidationError(REQUIRED_BODY)
        refuse_characters(body, REFUSED_IN_BODY)
        # "/play" alone, an unknown sound, or sounds switched off: the sender is told the
        # sounds there are (or that they are off), and nothing is stored.
        refused = sounds.refusal(body)
        if refused:
            raise forms.ValidationError(refused)
        return body


class ReactionForm(forms.Form):
    """A reaction: one emoji, from the palette or any other (skin tones, flags, families)."""

    emoji = TextField(
        max_length=REACTION_MAX_CHARS,
        strip=True,
        error_messages={
            "required": "Pick an emoji.",
            "max_length": "A reaction is one emoji.",
        },
    )

    def clean_emoji(self) -> str:
        """One emoji, nothing else: not text, not two emoji."""
        value = self.cleaned_data["emoji"]
        if value in REACTION_PALETTE or emoji.is_emoji(value):
            return value
        raise forms.ValidationError("A reaction is one emoji.")


REQUIRED_FILE = "Choose a file to send."


class AttachmentForm(MessageForm):
    """A file to share and, optionally, words to go with it: a message's rules, except
    that there may be no words. The file's content is checked by ``chat.messages.attachments``."""

    body = TextField(
        required=False,
        max_length=MESSAGE_MAX_CHARS,
        strip=True,
        error_messages={"max_length": MessageForm.base_fields["body"].error_messages["max_length"]},
    )
    file = forms.FileField(
        error_messages={
            "required": REQUIRED_FILE,
            "missing": REQUIRED_FILE,
            "invalid": REQUIRED_FILE,
            "empty": "This file is empty.",
        },
    )

    def clean_body(self) -> str:
        """No words is fine; words that would show nothing count as none."""
        body = self.cleaned_data["body"]
        if "body" in self.unprintable:
            raise forms.ValidationError(NOT_TEXT)
        if not has_visible_text(body):
            return ""
        refuse_characters(body, REFUSED_IN_BODY)
        return body

    def clean_file(self):
        """At most ``CHAT_UPLOAD_MAX_BYTES``, read when asked (tests and operators change it)."""
        upload = self.cleaned_data["file"]
        if upload.size > settings.CHAT_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(too_big(upload.size, settings.CHAT_UPLOAD_MAX_BYTES))
        return upload


