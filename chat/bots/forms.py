"""What a bot may be: its name, its avatar and the URL it is called at."""

from __future__ import annotations

import unicodedata

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UsernameField

from chat.bots import webhooks as hooks
from chat.fields import has_visible_text
from chat.people.forms import new_username_problem

#: A bot's avatar: one or two characters, none of them white space or invisible.
AVATAR_REFUSED = "The avatar is one or two visible characters."


class BotForm(forms.Form):
    """A room's new bot: a name (its account's username, under the sign-up rules), its
    avatar's letter (the name's first, upper-cased, unless given) and, optionally, the URL
    to call when someone mentions it (``chat.bots.webhooks`` says which URLs may be called)
    and the URL its room's every event is sent to (``chat.bots.feed``), under the same rules."""

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

    feed_url = forms.URLField(
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
        if letter and (hidden or not has_visible_text(letter)):
            raise forms.ValidationError(AVATAR_REFUSED)
        return letter

    def clean_outgoing_url(self) -> str:
        """Only a URL the hook would call: http(s), no credentials, no private address."""
        url = self.cleaned_data["outgoing_url"]
        problem = hooks.url_problem(url) if url else None
        if problem is not None:
            raise forms.ValidationError(f"This address cannot be called: {problem}.")
        return url

    def clean_feed_url(self) -> str:
        """Every event of the room goes there (``chat.bots.feed``): the outgoing URL's rules."""
        url = self.cleaned_data["feed_url"]
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


