"""What a username, a sign-up, an invitation and a profile may be."""

from __future__ import annotations

import re
import unicodedata

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm

from chat import characters, usernames
from chat.fields import TextField, has_visible_text, printable, refuse_characters, too_big
from chat.limits import BIO_MAX_CHARS, DISPLAY_NAME_MAX_CHARS
from chat.models import Profile, display_name_skeleton

REFUSED_IN_BIO = (
    "A bio may not hold characters that are not text or that change the direction of what "
    "follows ({found})."
)

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


def is_email_taken(email: str) -> bool:
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
        if email and is_email_taken(email):
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


NAME_SHOWS_NOTHING = (
    "A display name must show something (or leave it empty to go by your username)."
)
NAME_HIDDEN_CHARACTERS = (
    "A display name may not hold invisible or direction-changing characters ({found})."
)


def display_name_problem(name: str, user) -> str | None:
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
    replace or remove. Whether the picture is one is ``chat.people.profiles``' to find out."""

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
        if not has_visible_text(name):
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
        problem = display_name_problem(name, self.user)
        if problem is not None:
            raise forms.ValidationError(problem)
        return name

    def clean_bio(self) -> str:
        """Text that shows something, or nothing at all; nothing that is not text or
        reorders it."""
        bio = self.cleaned_data["bio"]
        if not has_visible_text(bio):
            return ""
        refuse_characters(bio, REFUSED_IN_BIO)
        return bio

    def clean_avatar(self):
        """At most ``CHAT_UPLOAD_MAX_BYTES``, as any file shared."""
        upload = self.cleaned_data["avatar"]
        if upload and upload.size > settings.CHAT_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(too_big(upload.size, settings.CHAT_UPLOAD_MAX_BYTES))
        return upload


class BanForm(forms.Form):
    """A ban (``chat.people.moderation``): how long sign-ups from the person's last address
    are refused, and whether their messages and files go too."""

    #: Days the address stays banned, as the form offers them.
    DAYS = [(1, "A day"), (7, "A week"), (30, "A month")]

    days = forms.TypedChoiceField(
        choices=DAYS,
        coerce=int,
        initial=7,
        label="Refuse new accounts from their last address for",
        error_messages={
            "required": "Say for how long.",
            "invalid_choice": "Pick a day, a week or a month.",
        },
    )
    purge = forms.BooleanField(
        required=False,
        label="Also delete all their messages and files",
        help_text="Every message of theirs becomes “This message was deleted.” in every "
        "conversation; their files leave storage. It cannot be undone.",
    )
