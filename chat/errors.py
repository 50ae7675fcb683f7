"""The one way a service says no: an exception carrying the words to show and an HTTP status.

Services raise these; views turn them into a page, a partial or a status code, consumers
into a frame or a close code. Neither decides anything on its own: what is refused, and
the sentence that says why, come from the service.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from django import forms


class Refused(Exception):
    """An action was not done. ``message`` is shown to the person who asked, escaped."""

    status: ClassVar[int] = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Invalid(Refused):
    """What was sent does not pass the action's form; ``form`` holds the errors and the input."""

    status = 400

    def __init__(self, form: forms.Form) -> None:
        errors = [error for field_errors in form.errors.values() for error in field_errors]
        super().__init__(errors[0] if errors else "That could not be done.")
        self.form = form


class SignedOut(Refused):
    """The account may no longer act (deactivated, perhaps with no signal sent): whoever
    holds its session must sign in again."""

    status = 401


class NotFound(Refused):
    """No such thing, or one the person may not see: the two are never told apart."""

    status = 404


class Forbidden(Refused):
    """The person can see the thing but may not do this to it."""

    status = 403


class TooFast(Refused):
    """A per-person limit was reached; ``retry_after`` says when to try again, in seconds."""

    status = 429

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = max(1, math.ceil(retry_after))


class Unavailable(Refused):
    """Storage failed; nothing was changed and the input can be sent again."""

    status = 503
