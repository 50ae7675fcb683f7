"""What the instance's settings and the first-run setup may be: a name that shows
something, an accent "#rrggbb" readable in both schemes, and (setup) the first account."""

from __future__ import annotations

from django import forms

from chat.fields import TextField, has_visible_text, refuse_characters
from chat.models import Instance
from chat.people import contrast
from chat.people.forms import SignupForm

NAME_MAX_CHARS = Instance._meta.get_field("name").max_length
NAME_HELP = "Shown in the title of every page, the top bar and the mail the chat sends."
ACCENT_HELP = (
    "A colour as #rrggbb for links and buttons, or empty for the usual blue. It must stay "
    "readable (a contrast of 4.5:1) in the light scheme and, made lighter, in the dark one."
)

REFUSED_IN_NAME = (
    "A name may not hold characters that are not text or that change the direction of what "
    "follows ({found})."
)


class InstanceName(TextField):
    """The instance's name: 1 to 60 characters that show something."""

    def __init__(self, **kwargs) -> None:
        super().__init__(
            max_length=NAME_MAX_CHARS,
            strip=True,
            label="Name of the chat",
            help_text=NAME_HELP,
            error_messages={
                "required": "Give the chat a name.",
                "max_length": "A name is at most %(limit_value)s characters "
                "(this one has %(show_value)s).",
            },
            **kwargs,
        )

    def clean(self, value):
        """The name, or a refusal when it shows nothing."""
        name = super().clean(value)
        if not has_visible_text(name):
            raise forms.ValidationError("Give the chat a name that shows something.")
        # It is in every title and mail subject: nothing that is not text, or reorders it.
        refuse_characters(name, REFUSED_IN_NAME)
        return name


class InstanceForm(forms.Form):
    """The settings page: name, accent colour, and a logo to add, replace or remove."""

    name = InstanceName()
    accent = forms.CharField(
        required=False,
        max_length=7,
        strip=True,
        label="Accent colour",
        help_text=ACCENT_HELP,
        error_messages={"max_length": "Write the colour as #rrggbb, for example #1f5bd6."},
    )
    logo = forms.FileField(
        required=False,
        error_messages={"empty": "This file is empty.", "invalid": "Choose a picture to send."},
    )
    remove_logo = forms.BooleanField(required=False, label="Remove the logo")

    def clean_accent(self) -> str:
        """"#rrggbb" in lower case (or ""), refused when too faint in either scheme."""
        accent = self.cleaned_data["accent"]
        if not accent:
            return ""
        if not contrast.HEX_COLOUR.fullmatch(accent):
            raise forms.ValidationError("Write the colour as #rrggbb, for example #1f5bd6.")
        failure = contrast.failure(accent)
        if failure is not None:
            raise forms.ValidationError(str(failure))
        return accent.lower()


class SetupForm(SignupForm):
    """The first run: the administrator's account (as on the sign-up page, e-mail optional)
    and the chat's name."""

    instance_name = InstanceName(initial=Instance._meta.get_field("name").default)
