"""What a room, a conversation's other person and a room's notification choice may be."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth import get_user_model

from chat.fields import has_visible_text
from chat.limits import GROUP_MAX_PICKED
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


class _EveryValue(forms.TextInput):
    """A text input whose field may be sent several times: every value is read."""

    def value_from_datadict(self, data, files, name):
        """All the values sent under ``name`` (a plain dict gives its one value)."""
        if hasattr(data, "getlist"):
            return data.getlist(name)
        value = data.get(name)
        return value if isinstance(value, list) else [value] if value is not None else []


class PeopleForm(forms.Form):
    """The people to talk with, picked by username (``username`` sent once or more; blank
    ones are left out): one other person is a direct conversation, two or more a group."""

    username = forms.Field(widget=_EveryValue, required=False)

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_username(self) -> list:
        """The people named, each once, without the person asking (none: their own
        notes); a clear error naming whoever cannot be found or talked with."""
        typed = [str(value).strip() for value in self.cleaned_data["username"] or []]
        names = list(dict.fromkeys(name for name in typed if name))
        if not names:
            raise forms.ValidationError("Type a username.")
        if len(names) > GROUP_MAX_PICKED + 1:
            raise forms.ValidationError(f"Pick at most {GROUP_MAX_PICKED} people at once.")
        users = get_user_model().objects.select_related("profile")
        found = {user.username: user for user in users.filter(username__in=names)}
        people, missing, bots = [], [], []
        for name in names:
            person = found.get(name) or users.filter(username__iexact=name).first()
            if person is None:
                missing.append(f"“{name}”")
            elif getattr(getattr(person, "profile", None), "is_bot", False):
                bots.append(person.get_username())
            elif self.user is None or person.pk != self.user.pk:
                people.append(person)
        if missing:
            raise forms.ValidationError(f"There is nobody called {', '.join(missing)}.")
        if bots:
            raise forms.ValidationError(
                f"{', '.join(bots)}: bots answer in their own rooms, not in conversations."
            )
        people = list({person.pk: person for person in people}.values())
        if len(people) > GROUP_MAX_PICKED:
            raise forms.ValidationError(f"Pick at most {GROUP_MAX_PICKED} people at once.")
        return people

    @property
    def typed(self) -> list[str]:
        """What was typed, for the form shown again (blank inputs left out)."""
        values = self["username"].value() or []
        return [str(value) for value in values if str(value).strip()]

    @property
    def slots(self) -> list[str]:
        """The values of the form's username inputs: what was typed, then blanks, at least
        three inputs and always one blank (more people are typed without JavaScript)."""
        typed = self.typed if self.is_bound else []
        return typed + [""] * max(3 - len(typed), 1)


class RenameForm(forms.Form):
    """A room's new name (its address stays)."""

    title = forms.CharField(
        max_length=80,
        strip=True,
        error_messages={"required": "Give the room a name."},
    )

    def clean_title(self) -> str:
        """A title must show something."""
        title = self.cleaned_data["title"]
        if not has_visible_text(title):
            raise forms.ValidationError("Give the room a name.")
        return title


class ConvertForm(forms.Form):
    """Public or private: who may read a room. ``confirmed`` once the person has seen who
    loses or gains it."""

    kind = forms.ChoiceField(
        choices=[(Room.Kind.PUBLIC, "Public"), (Room.Kind.PRIVATE, "Private")],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Pick public or private.",
            "invalid_choice": "Pick public or private.",
        },
    )
    confirmed = forms.BooleanField(required=False)


class DeleteRoomForm(forms.Form):
    """Deleting a room: its name, typed by the person as it is shown."""

    confirm = forms.CharField(
        max_length=80,
        strip=True,
        error_messages={"required": "Type the room's name to delete it."},
    )
