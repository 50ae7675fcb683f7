"""Values read from a query string or a form, checked once for every view that reads them."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from chat.limits import MAX_ID


def message_id(value: str | None) -> int | None:
    """A message id from the query string (``?around=``, ``?before=``…), or None for
    anything that is not one: missing, not a number, out of range."""
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if 0 < number <= MAX_ID else None


def safe_next(request: HttpRequest) -> str:
    """Where ``next`` (the form's, else the query's) asks to go after the action, when it is
    on this site; "" otherwise: an open redirect would let a phishing link bounce through
    our pages."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""
