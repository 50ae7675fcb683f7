"""What a room, a conversation's other person and a room's notification choice may be."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth import get_user_model

from chat.fields import has_visible_text
from chat.models import Membership, Room


class NotifyForm(forms.Form):
    """What of a room reaches me: every message counted, mentions of me only, or nothing."""

    notify = forms.ChoiceField(
        choices=Membership.Notify.choices,
        widget=forms.RadioSelect,
        label="Let me hear of",
        error_messages={"required": "Pick one.", "invalid_choice": "Pick one of the three."},
    )


#: How many people a new room's members field may name (the members panel adds more).
MOST_MEMBERS_AT_CREATION = 50


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

    #: A private room's first members besides its creator: usernames, one or several
    #: (commas or spaces between them; an "@" before one is fine). ``chat.rooms.services``
    #: refuses bots and names them in a public room.
    members = forms.CharField(
        required=False,
        max_length=2000,
        strip=True,
        label="Members",
        help_text="Private rooms: usernames of the people to add, separated by commas.",
    )

    def clean_title(self) -> str:
        """A title must show something."""
        title = self.cleaned_data["title"]
        if not has_visible_text(title):
            raise forms.ValidationError("Give the room a name.")
        return title

    def clean_members(self) -> list:
        """The people the field names (each once, in order), with an error naming every
        username nobody has."""
        names = [name.lstrip("@") for name in re.split(r"[\s,;]+", self.cleaned_data["members"])]
        names = list(dict.fromkeys(name for name in names if name))
        if len(names) > MOST_MEMBERS_AT_CREATION:
            raise forms.ValidationError(
                f"Name at most {MOST_MEMBERS_AT_CREATION} people: add more from the room."
            )
        users = get_user_model().objects.select_related("profile")
        found = {user.get_username(): user for user in users.filter(username__in=names)}
        for name in [name for name in names if name not in found]:
            # As the members panel does: "Bob" finds bob when nobody is called "Bob".
            user = users.filter(username__iexact=name).first()
            if user is not None:
                found[name] = user
        unknown = [name for name in names if name not in found]
        if unknown:
            listed = ", ".join(f"“{name}”" for name in unknown)
            raise forms.ValidationError(f"There is nobody called {listed}.")
        return list(dict.fromkeys(found[name] for name in names))


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
