"""Forms: the one place each input rule lives, shared by HTTP views and consumers."""

from uuid import uuid4

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm

from chat.limits import MESSAGE_MAX_CHARS
from chat.models import Room


class MessageForm(forms.Form):
    """What a person types into a room; the author always comes from the session."""

    # The fields' markup is written out in the composer partial (chat/room.html): it is
    # rendered for every send, and Django's widget templates cost 0.5 ms a time there.
    body = forms.CharField(
        max_length=MESSAGE_MAX_CHARS,
        strip=True,
        error_messages={
            "required": "Write something before sending.",
            "max_length": "Messages are at most %(limit_value)s characters "
            "(this one has %(show_value)s).",
        },
    )
    # Chosen anew for every send (chat.js), so the server can store a resent frame once.
    client_id = forms.UUIDField(
        required=False,
        error_messages={"invalid": "This page is out of date: reload it to send messages."},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("client_id", uuid4())

    def clean_body(self) -> str:
        """Refuse text that cannot be stored: lone UTF-16 surrogates (possible in JSON)."""
        body = self.cleaned_data["body"]
        try:
            body.encode("utf-8")
        except UnicodeEncodeError:
            raise forms.ValidationError(
                "This message contains characters that are not valid text."
            ) from None
        return body


class RoomForm(forms.Form):
    """A new room: a title (its slug follows) and whether anyone may join."""

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


class SignupForm(UserCreationForm):
    """Username and password, checked by Django's password validators."""

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username",)
