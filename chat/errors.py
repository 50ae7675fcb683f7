"""The one way a service says no: an exception carrying the words to show and an HTTP status.

Services raise these (and validate with ``validated``); over HTTP one middleware turns
them into a page, a partial or a status code (``chat.views.refusals``), consumers into a
frame or a close code. Neither decides anything on its own: what is refused, and the
sentence that says why, come from the service.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, ClassVar, TypeVar

if TYPE_CHECKING:
    from django import forms

    AnyForm = TypeVar("AnyForm", bound=forms.BaseForm)


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
    """No such thing, or one the person may not see: the two are never told apart. Over
    HTTP it is the site's 404 page, which names nothing."""

    status = 404


class Missing(NotFound):
    """Something inside what the person can see is not there (a member, a bot, their own
    membership): 404 too, but the words are shown, since they say what to do."""


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


def validated(form_class: type[AnyForm], *args: object, **kwargs: object) -> AnyForm:
    """``form_class`` bound to the arguments, and valid (read ``cleaned_data`` from it);
    ``Invalid`` holding it, with its errors and what was sent, if not."""
    form = form_class(*args, **kwargs)
    if not form.is_valid():
        raise Invalid(form)
    return form
