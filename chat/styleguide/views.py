"""``/styleguide/``: every partial of the app, in each of its states, on one page.

Each state of ``chat.styleguide.states`` is rendered through the very template and partial
name the app renders ("chat/room.html#message", ...), with made-up data built in memory
(``chat.styleguide.samples``): nothing is read from or written to the database for it, and
no markup is copied. A designer changes a partial and sees every state of it here. Staff
may open it, and everyone when DEBUG is on; to the others it does not exist (404).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from chat.people import staff
from chat.styleguide.rows import Context, State
from chat.styleguide.samples import Partial, Samples, person
from chat.styleguide.states import SECTIONS


def draw(state: State, samples: Samples, request: HttpRequest) -> SafeString:
    """A state's HTML: its partials exactly as the app renders them (with the request:
    CSRF, the viewer), one after the other."""

    def rendered(name: str, context: Context) -> str:
        context = {
            key: rendered(value.name, value.context) if isinstance(value, Partial) else value
            for key, value in context.items()
        }
        return render_to_string(name, {"user": samples.me, **context}, request=request)

    made = state.context(samples)
    contexts = made if isinstance(made, list) else [made]
    names = state.drawn if len(state.drawn) > 1 else state.drawn * len(contexts)
    html = "".join(rendered(name, context) for name, context in zip(names, contexts, strict=True))
    return mark_safe(html)  # noqa: S308 - rendered by our templates, escaped there


def _viewer(request: HttpRequest):
    """Who the page is shown to: the person signed in, or (DEBUG, nobody signed in) a
    made-up person, so that "mine" and "mentions me" look as they do to anyone."""
    if request.user.is_authenticated:
        return request.user
    return person(900_000, "you")


@require_GET
def styleguide_page(request: HttpRequest) -> HttpResponse:
    """``/styleguide/``: every partial in every state; staff only, or anyone under DEBUG."""
    if not staff.may_see_styleguide(request.user):
        raise Http404("No such page.")
    signed_in = request.user.is_authenticated
    me = _viewer(request)
    # The page itself is drawn for the viewer too (base.html's per-viewer style block).
    request.user = me
    samples = Samples(me)
    sections = [
        (section, [(state, draw(state, samples, request)) for state in section.states])
        for section in SECTIONS
    ]
    return render(request, "chat/styleguide.html", {"sections": sections, "signed_in": signed_in})
