"""What signing up hands the service (``chat.people.accounts``, ``chat.people.invitations``):
the form's fields, and the client's address the limits count by."""

from __future__ import annotations

from tests.support.accounts import PASSWORD

#: A client's address (TEST-NET-3: documentation only, never routed).
ADDRESS = "203.0.113.5"


def signup_data(username: str, password: str = PASSWORD) -> dict[str, str]:
    """The sign-up form's fields for ``username``, the password typed twice."""
    return {"username": username, "password1": password, "password2": password}
