"""What a room, a conversation's other person and a room's notification choice may be."""

from __future__ import annotations

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
        if not has_visible_text(title):
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
