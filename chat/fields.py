"""Fields and checks every form shares: text that must show something and hold only
text, lengths written as people read them, sizes, and the id a page gives a send.

Each capability keeps its own forms (``chat.rooms.forms``, ``chat.messages.forms``,
``chat.people.forms``, ``chat.bots.forms``); services validate with them, so the socket,
the htmx request and the plain HTML form all meet the same rules and the same words.
"""

from __future__ import annotations

from django import forms
from django.core import validators

from chat import characters


def printable(text: str) -> str:
    """``text`` with lone UTF-16 surrogates (possible in JSON) replaced by U+FFFD.

    They cannot be encoded, so echoing one back to a socket would kill it.
    """
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


#: Whether text would look empty (``chat.characters``, the one place for such rules).
has_visible_text = characters.has_visible_text


def refuse_characters(text: str, refusal: str) -> None:
    """Raise ``refusal`` naming the characters of ``text`` that are not text or reorder it."""
    refused = characters.refused_characters(text)
    if refused:
        raise forms.ValidationError(refusal.format(found=characters.code_points(refused)))


class ReadableMaxLength(validators.MaxLengthValidator):
    """Django's length limit, its numbers written as everywhere else ("4,000", as the
    composer's counter shows them), not "4000"."""

    def __call__(self, value: str) -> None:
        length = self.clean(value)
        if self.compare(length, self.limit_value):
            params = {"limit_value": f"{self.limit_value:,}", "show_value": f"{length:,}"}
            raise forms.ValidationError(self.message, code=self.code, params=params)


class TextField(forms.CharField):
    """A CharField for JSON input too: a value that is not a string counts as missing.
    Its length limit's message writes numbers with thousands separators."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.validators = [
            ReadableMaxLength(v.limit_value) if type(v) is validators.MaxLengthValidator else v
            for v in self.validators
        ]

    def to_python(self, value: object) -> str:
        return super().to_python(value if isinstance(value, str) else None)


class ClientIdField(forms.UUIDField):
    """The id the page chose for one send: a UUID string, or nothing."""

    def to_python(self, value: object):
        if value is not None and not isinstance(value, str):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


def readable_size(size: int) -> str:
    """``532 bytes``, ``8.4 kB``, ``12 MB``: decimal units, three figures at most."""
    if size < 1000:
        return f"{size} byte{'s' if size != 1 else ''}"
    value = float(size)
    for unit in ("kB", "MB", "GB", "TB"):
        value /= 1000
        if value < 999.5 or unit == "TB":
            return f"{value:.1f} {unit}" if value < 9.95 else f"{value:.0f} {unit}"
    raise AssertionError("unreachable")


def too_big(size: int, limit: int) -> str:
    """The refusal of a file of ``size`` bytes over ``limit``, both sizes told apart."""
    shown, allowed = readable_size(size), readable_size(limit)
    if shown == allowed:  # rounded alike: only the bytes show the difference
        shown, allowed = f"{size:,} bytes", f"{limit:,} bytes"
    return f"Files are at most {allowed}; this one is {shown}."


