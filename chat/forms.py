"""Forms: the one place each input rule lives. Services validate with them, so the socket,
the htmx request and the plain HTML form all meet the same rules and the same words."""

from __future__ import annotations

import re
import unicodedata
from uuid import uuid4

import emoji
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm, UsernameField
from django.core import validators

from chat import characters, hooks, usernames
from chat.limits import (
    BIO_MAX_CHARS,
    DISPLAY_NAME_MAX_CHARS,
    MESSAGE_COUNT_FROM,
    MESSAGE_MAX_CHARS,
    REACTION_MAX_CHARS,
    REACTION_PALETTE,
)
from chat.models import Membership, Profile, Room, display_name_skeleton

#: What a send id the page chose looks like when it is echoed back (``data-ack``).
ACK_SHAPE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
REQUIRED_BODY = "Write something before sending."
NOT_TEXT = "This message contains characters that are not valid text."
REFUSED_IN_BODY = (
    "This message holds characters that are not text or that change the direction of what "
    "follows ({found}): remove them."
)
REFUSED_IN_BIO = (
    "A bio may not hold characters that are not text or that change the direction of what "
    "follows ({found})."
)


def printable(text: str) -> str:
    """``text`` with lone UTF-16 surrogates (possible in JSON) replaced by U+FFFD.

    They cannot be encoded, so echoing one back to a socket would kill it.
    """
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


#: Whether text would look empty (``chat.characters``, the one place for such rules).
shows_something = characters.shows_something


def _refuse_characters(text: str, refusal: str) -> None:
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
    # Chosen anew for every send (chat.js), so the server can store a resent frame once.
    client_id = ClientIdField(
        required=False,
        error_messages={"invalid": "This page is out of date: reload it to send messages."},
    )

    def __init__(self, data=None, *args, **kwargs) -> None:
        #: The fields whose text held characters that cannot be encoded (now U+FFFD).
        self.unprintable: set[str] = set()
        if data is not None:
            # What is echoed back (the composer keeps the text) must be encodable.
            clean = {}
            for key in ("body", "client_id"):
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
        if not shows_something(body):
            raise forms.ValidationError(REQUIRED_BODY)
        _refuse_characters(body, REFUSED_IN_BODY)
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


class AttachmentForm(MessageForm):
    """A file to share and, optionally, words to go with it: a message's rules, except
    that there may be no words. The file's content is checked by ``chat.attachments``."""

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
        if not shows_something(body):
            return ""
        _refuse_characters(body, REFUSED_IN_BODY)
        return body

    def clean_file(self):
        """At most ``CHAT_UPLOAD_MAX_BYTES``, read when asked (tests and operators change it)."""
        upload = self.cleaned_data["file"]
        if upload.size > settings.CHAT_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(too_big(upload.size, settings.CHAT_UPLOAD_MAX_BYTES))
        return upload


class NotifyForm(forms.Form):
    """What of a room reaches me: every message counted, mentions of me only, or nothing."""

    notify = forms.ChoiceField(
        choices=Membership.Notify.choices,
        widget=forms.RadioSelect,
        label="Let me hear of",
        error_messages={"required": "Pick one.", "invalid_choice": "Pick one of the three."},
    )


class RoomForm(forms.Form):
    """A new room: a title (its address follows from it) and whether anyone may join."""

    title = forms.CharField(
        max_length=80,
        strip=True,
        error_messages={"required": "Give the room a name."},
    )
    kind = forms.ChoiceField(
        choices=[(Room.Kind.PUBLIC, "Public"), (Room.Kind.PRIVATE, "Private")],
        initial=Room.Kind.PUBLIC,
        widget=forms.RadioSelect,
    )

    def clean_title(self) -> str:
        """A title must show something."""
        title = self.cleaned_data["title"]
        if not shows_something(title):
            raise forms.ValidationError("Give the room a name.")
        return title


class UsernameForm(forms.Form):
    """A person named by username, for a direct conversation or a new member."""

    username = forms.CharField(
        max_length=150,
        strip=True,
        error_messages={"required": "Type a username."},
    )

    def clean_username(self):
        """Resolve the username to a user, with a clear error when there is none."""
        username = self.cleaned_data["username"]
        users = get_user_model().objects
        user = (
            users.filter(username=username).first()
            or users.filter(username__iexact=username).first()
        )
        if user is None:
            raise forms.ValidationError(f"There is nobody called “{username}”.")
        return user


def new_username_problem(username: str) -> str | None:
    """Why ``username`` may not name a new account, beyond Django's characters: it has no
    letter or digit, it is taken, or it looks like an existing username or display name.
    None when it may."""
    if not usernames.has_letter_or_digit(username):
        return "A username needs at least one letter or digit."
    if get_user_model().objects.filter(username__iexact=username).exists():
        return f"“{username}” is taken: pick another name."
    taken = (
        Profile.objects.filter(username_skeleton=usernames.skeleton(username))
        .select_related("user")
        .first()
    )
    if taken is not None:
        return (
            f"“{username}” looks too much like “{taken.user.get_username()}”, "
            "who is already here: pick another name."
        )
    # The name shown for someone without a display name is their username: it must not
    # pass for someone else's display name either.
    shown = (
        Profile.objects.filter(display_name_skeleton=display_name_skeleton(username))
        .select_related("user")
        .first()
    )
    if shown is not None:
        return (
            f"“{username}” looks too much like “{shown.display_name}”, the name "
            f"@{shown.user.get_username()} goes by: pick another name."
        )
    return None


EMAIL_HELP = "Optional. Only used to send you a link if you forget your password."


def email_taken(email: str) -> bool:
    """Whether an account already has ``email``, in any case."""
    return get_user_model().objects.filter(email__iexact=email).exists()


class SignupForm(UserCreationForm):
    """Username and password, checked by Django's password validators; the username must
    be usable in a URL and must not look like someone else's (``chat.usernames``). An
    e-mail address is optional, and only ever used for password resets."""

    email = forms.EmailField(
        required=False,
        max_length=254,
        label="E-mail address",
        help_text=EMAIL_HELP,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def clean_email(self) -> str:
        """Normalised (the domain in lower case), and no one else's in any case: a reset link
        for one address must reach one person."""
        email = get_user_model().objects.normalize_email(self.cleaned_data["email"])
        if email and email_taken(email):
            raise forms.ValidationError("Another account uses this address.")
        return email

    def clean_username(self) -> str:
        """Django's rules, then ours: a letter or digit, and no lookalike of an existing name."""
        username = super().clean_username()
        if username is None:  # taken (case aside): Django has said so already
            return username
        problem = new_username_problem(username)
        if problem is not None:
            raise forms.ValidationError(problem)
        return username


class InvitationForm(forms.Form):
    """A new invitation link: how many accounts it may create, and for how long it works."""

    EXPIRY_DAYS = [(1, "1 day"), (7, "7 days"), (30, "30 days")]

    max_uses = forms.IntegerField(
        min_value=1,
        max_value=100,
        initial=1,
        label="How many people may use it",
        error_messages={
            "required": "Say how many people may use it (1 for one person).",
            "invalid": "Say how many people may use it, as a number.",
            "min_value": "At least one person must be able to use it.",
            "max_value": "An invitation is for at most %(limit_value)s people.",
        },
    )
    expires_in_days = forms.TypedChoiceField(
        choices=EXPIRY_DAYS,
        coerce=int,
        initial=7,
        label="Works for",
        error_messages={
            "required": "Say how long it works.",
            "invalid_choice": "Pick 1, 7 or 30 days.",
        },
    )


#: A bot's avatar: one or two characters, none of them white space or invisible.
AVATAR_REFUSED = "The avatar is one or two visible characters."


class BotForm(forms.Form):
    """A room's new bot: a name (its account's username, under the sign-up rules), its
    avatar's letter (the name's first, upper-cased, unless given) and, optionally, the URL
    to call when someone mentions it (``chat.hooks`` says which URLs may be called)."""

    # NFKC-normalised and held to Django's own username rule (letters, digits and @.+-_),
    # exactly as a name typed at sign-up.
    name = UsernameField(
        max_length=150,
        strip=True,
        validators=get_user_model()._meta.get_field("username").validators,
        error_messages={"required": "Give the bot a name."},
    )
    avatar_letter = forms.CharField(
        required=False,
        max_length=2,
        strip=True,
        error_messages={"max_length": AVATAR_REFUSED},
    )
    outgoing_url = forms.URLField(
        required=False,
        max_length=500,
        assume_scheme="https",
        error_messages={"invalid": "Enter a whole address, starting with https:// or http://."},
    )

    def clean_name(self) -> str:
        """A letter or digit, not taken, no lookalike of an existing name."""
        name = self.cleaned_data["name"]
        problem = new_username_problem(name)
        if problem is not None:
            raise forms.ValidationError(problem)
        return name

    def clean_avatar_letter(self) -> str:
        """One or two characters that show (a letter with its accent is fine)."""
        letter = self.cleaned_data["avatar_letter"]
        hidden = any(
            char.isspace() or unicodedata.category(char) in {"Cc", "Cf", "Zl", "Zp"}
            for char in letter
        )
        if letter and (hidden or not shows_something(letter)):
            raise forms.ValidationError(AVATAR_REFUSED)
        return letter

    def clean_outgoing_url(self) -> str:
        """Only a URL the hook would call: http(s), no credentials, no private address."""
        url = self.cleaned_data["outgoing_url"]
        problem = hooks.url_problem(url) if url else None
        if problem is not None:
            raise forms.ValidationError(f"This address cannot be called: {problem}.")
        return url

    def clean(self) -> dict:
        """The avatar defaults to the name's first letter, upper-cased."""
        cleaned = super().clean()
        if not cleaned.get("avatar_letter") and cleaned.get("name"):
            cleaned["avatar_letter"] = cleaned["name"][0].upper()[:2]
        return cleaned


NAME_SHOWS_NOTHING = (
    "A display name must show something (or leave it empty to go by your username)."
)
NAME_HIDDEN_CHARACTERS = (
    "A display name may not hold invisible or direction-changing characters ({found})."
)


def display_name_taken(name: str, user) -> str | None:
    """Why ``user`` may not go by ``name``: someone else's display name looks like it (the
    same skeleton as usernames are compared by); None when nobody's does. The database
    holds to the same rule (``Profile.display_name_skeleton`` is unique), for two people
    saving at once."""
    other = (
        Profile.objects.filter(display_name_skeleton=display_name_skeleton(name))
        .exclude(user_id=user.pk)
        .select_related("user")
        .first()
    )
    if other is None:
        return None
    return (
        f"“{name}” looks like the name of @{other.user.get_username()} "
        f"(“{other.display_name}”), who is someone else: pick another name."
    )


class ProfileForm(forms.Form):
    """My profile: the name I go by (optional), a few words about me, and a picture to add,
    replace or remove. Whether the picture is one is ``chat.profiles``' to find out."""

    display_name = TextField(
        required=False,
        max_length=DISPLAY_NAME_MAX_CHARS,
        strip=True,
        error_messages={
            "max_length": "A display name is at most %(limit_value)s characters "
            "(this one has %(show_value)s)."
        },
    )
    bio = TextField(
        required=False,
        max_length=BIO_MAX_CHARS,
        strip=True,
        widget=forms.Textarea,
        error_messages={
            "max_length": "Say it in at most %(limit_value)s characters (this has %(show_value)s)."
        },
    )
    avatar = forms.FileField(
        required=False,
        error_messages={"empty": "This file is empty.", "invalid": "Choose a picture to send."},
    )
    remove_avatar = forms.BooleanField(required=False)

    def __init__(self, data=None, files=None, *, user, **kwargs) -> None:
        if data is not None:
            # What is shown again with an error must be encodable (lone surrogates).
            data = {key: printable(value) if isinstance(value, str) else value
                    for key, value in data.items()}  # fmt: skip
        super().__init__(data, files, **kwargs)
        self.user = user

    def clean_display_name(self) -> str:
        """Spaces inside as single spaces; nothing hidden; something shown; not someone
        else's username in disguise (its ``chat.usernames.skeleton``)."""
        name = re.sub(r"\s+", " ", unicodedata.normalize("NFC", self.cleaned_data["display_name"]))
        if not name:
            return ""
        hidden = characters.hidden_characters(name)
        if hidden:
            found = characters.code_points(hidden)
            raise forms.ValidationError(NAME_HIDDEN_CHARACTERS.format(found=found))
        if not shows_something(name):
            raise forms.ValidationError(NAME_SHOWS_NOTHING)
        lookalike = (
            Profile.objects.filter(username_skeleton=usernames.skeleton(name))
            .exclude(user_id=self.user.pk)
            .select_related("user")
            .first()
        )
        if lookalike is not None:
            raise forms.ValidationError(
                f"“{name}” looks like the username of @{lookalike.user.get_username()}, "
                "who is someone else: pick another name."
            )
        problem = display_name_taken(name, self.user)
        if problem is not None:
            raise forms.ValidationError(problem)
        return name

    def clean_bio(self) -> str:
        """Text that shows something, or nothing at all; nothing that is not text or
        reorders it."""
        bio = self.cleaned_data["bio"]
        if not shows_something(bio):
            return ""
        _refuse_characters(bio, REFUSED_IN_BIO)
        return bio

    def clean_avatar(self):
        """At most ``CHAT_UPLOAD_MAX_BYTES``, as any file shared."""
        upload = self.cleaned_data["avatar"]
        if upload and upload.size > settings.CHAT_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(too_big(upload.size, settings.CHAT_UPLOAD_MAX_BYTES))
        return upload
