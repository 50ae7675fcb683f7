"""Profiles saved straight through the service (``chat.people.profiles``), as the form
sends them, and the words a refused one holds."""

from __future__ import annotations

import pytest

from chat.errors import Invalid
from chat.people import profiles
from tests.support.files import upload


def edit(user, picture: bytes | None = None, name: str = "picture.png", **data):
    """Save ``user``'s profile as the form would send it."""
    files = {"avatar": upload(name, picture)} if picture is not None else {}
    return profiles.edit_profile(user, {"display_name": "", "bio": ""} | data, files)


def refused(user, field: str, **data) -> str:
    """The error the form holds for ``field`` when ``user`` sends ``data``."""
    with pytest.raises(Invalid) as refusal:
        edit(user, **data)
    return refusal.value.form.errors[field][0]
