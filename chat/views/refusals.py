"""How a refusal (``chat.errors.Refused``) reaches a person over HTTP.

Without JavaScript it is a small page of its own with a way back. For htmx it is a
partial swapped into the page's one alert region (``#alerts`` in ``base.html``) with
``HX-Retarget``: htmx 2 swaps 4xx answers here (``responseHandling`` in the same
template), so the person sees the words instead of nothing. The message is escaped
like every other string.
"""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_htmx.http import reswap, retarget

from chat.errors import Invalid, Refused, TooFast


def refusal_response(request: HttpRequest, refusal: Refused, *, back: str = "/") -> HttpResponse:
    """``refusal`` as a page (plain request) or an alert partial (htmx), with its status."""
    if request.htmx:
        response = render(
            request, "chat/refusal.html#alert", {"message": refusal.message}, status=refusal.status
        )
        response = reswap(retarget(response, "#alerts"), "innerHTML")
    else:
        context = {"message": refusal.message, "back": back}
        response = render(request, "chat/refusal.html", context, status=refusal.status)
    if isinstance(refusal, TooFast):
        response["Retry-After"] = str(refusal.retry_after)
    return response


def form_holding(
    form_class: type[forms.Form], request: HttpRequest, refusal: Refused
) -> forms.Form:
    """The form as it was sent, holding ``refusal``: nothing typed is lost."""
    if isinstance(refusal, Invalid):
        return refusal.form
    form = form_class(request.POST)
    form.is_valid()
    form.add_error(None, refusal.message)
    return form
