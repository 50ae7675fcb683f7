"""How a refusal (``chat.errors.Refused``) reaches a person over HTTP: translated here, once.

Views ask services and let their refusals through; ``RefusalMiddleware`` answers them:

- ``NotFound`` is the site's 404 page, exactly as ``Http404`` is: nothing tells a thing
  that does not exist from one the person may not see.
- Any other refusal (``Missing`` too, whose words say what to do) is its answer, with its
  status. Without JavaScript it is a small page of its own with a way back; for htmx a
  partial swapped into the page's one alert region (``#alerts`` in ``base.html``) with
  ``HX-Retarget``: htmx 2 swaps 4xx answers there (``responseHandling`` in the same
  template), so the person sees the words instead of nothing. For the bots' API
  (``answers_in_json``) it is ``{"error": …}``. The message is escaped like every other
  string.
- ``TooFast`` adds ``Retry-After``, here only, to whatever answers it: the answer above,
  or a form shown again.

A view catches only what its own form shows again (``form_holding``): ``Invalid``, and for
a form that keeps what was typed through a wait or a failed save, ``KEPT_IN_FORM``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django import forms
from django.core.handlers.exception import response_for_exception
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django_htmx.http import reswap, retarget

from chat.errors import Invalid, Missing, NotFound, Refused, SignedOut, TooFast, Unavailable
from chat.middleware import AnswerMiddleware

#: The refusals after which a form comes back holding what was typed, to be sent again:
#: it did not pass, it came too soon, or it could not be stored.
KEPT_IN_FORM = (Invalid, TooFast, Unavailable)


class RefusalMiddleware(AnswerMiddleware):
    """Answers every refusal a view lets through, and gives a ``TooFast`` its
    ``Retry-After`` (noted on ``request.refusal``, by here or by ``form_holding``)."""

    def process_exception(self, request: HttpRequest, exception: Exception):
        """Django calls this for an exception out of a view: a refusal is answered."""
        if not isinstance(exception, Refused):
            return None
        request.refusal = exception
        return refusal_response(request, exception)

    def answered(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        refusal = getattr(request, "refusal", None)
        if isinstance(refusal, TooFast):
            response["Retry-After"] = str(refusal.retry_after)
        return response


def refusal_response(request: HttpRequest, refusal: Refused) -> HttpResponse:
    """``refusal`` as its answer: the 404 page, JSON, an alert partial (htmx) or a page."""
    if getattr(request, "answers_in_json", False):
        response = JsonResponse({"error": refusal.message}, status=refusal.status)
        if isinstance(refusal, SignedOut):  # the APIs' credential is a Bearer token (RFC 6750)
            response["WWW-Authenticate"] = 'Bearer realm="chat"'
        return response
    if isinstance(refusal, NotFound) and not isinstance(refusal, Missing):
        return response_for_exception(request, Http404(refusal.message))
    context = {"message": refusal.message}
    if request.htmx:
        response = render(request, "chat/refusal.html#alert", context, status=refusal.status)
        return reswap(retarget(response, "#alerts"), "innerHTML")
    context["back"] = _back(request)
    return render(request, "chat/refusal.html", context, status=refusal.status)


def _back(request: HttpRequest) -> str:
    """Where "Go back" leads: ``request.back`` where the view named a place (or a function
    finding it, asked only now), else the conversation's page (``chat.views.scope``), else
    the lobby."""
    back = getattr(request, "back", None)
    if callable(back):
        back = back()
    if back is None and getattr(request, "conversation", None) is not None:
        back = request.conversation.links.page
    return back or "/"


def answers_in_json(view: Callable) -> Callable:
    """Mark ``view`` as an API: its refusals are ``{"error": …}`` with their status."""

    @wraps(view)
    def json_view(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        request.answers_in_json = True
        return view(request, *args, **kwargs)

    return json_view


def form_holding(
    form_class: type[forms.Form], request: HttpRequest, refusal: Refused, **kwargs: object
) -> forms.Form:
    """The form as it was sent, holding ``refusal``: nothing typed is lost. ``kwargs`` are
    the form's own (``user=`` for the profile form).

    An ``Invalid`` holds its form already; any other refusal is the one error shown (a
    file input, which a browser never sends again, does not add "choose a file"). The
    refusal is noted on the request, so the answer carries its ``Retry-After``.
    """
    request.refusal = refusal
    if isinstance(refusal, Invalid):
        return refusal.form
    form = form_class(request.POST, **kwargs)
    form.is_valid()
    form.errors.clear()
    form.add_error(None, refusal.message)
    return form
