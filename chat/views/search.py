"""The search page: ``GET /search?q=&before=``, the messages the reader may read that
hold the words, newest first, each a link into its conversation; with no words, the
reader's recent searches, which ``POST /search/recent/clear`` and
``POST /search/recent/<id>/forget`` take away."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from chat.messages import recent_searches, search
from chat.views.params import message_id


def _submitted(request: HttpRequest, before: int | None) -> bool:
    """Whether this request is a search someone ran, to be remembered.

    The search box (base.html) is a plain GET form, sent by Enter or its button: the page
    has no "as you type" requests, so every first page is a search that was submitted, and
    a recent search's link runs it again (and moves it to the top). "More results"
    (``before``) is the same search, not a new one. Should htmx ever ask as someone types,
    its requests name the box that triggered them (``HX-Trigger-Name: q``) and are left
    out, so prefixes never flood the list."""
    as_you_type = request.htmx and request.htmx.trigger_name == "q"
    return before is None and not as_you_type


@login_required
@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    """``/search?q=<words>&before=<id>``: a page of results, or (nothing to search for)
    a hint and the reader's recent searches. ``before`` that is not a message id is the
    first page. Running a search remembers it (``chat.messages.recent_searches``): like a
    read position, a record of the reader's own doing, which they see and clear."""
    query, before = request.GET.get("q", ""), message_id(request.GET.get("before"))
    page = search.search(request.user, query, before=before)
    if not page.empty and _submitted(request, before):
        recent_searches.record(request.user, query)
    context = {"page": page, "clipped_note": search.CLIPPED}
    if page.empty:
        context["recent"] = recent_searches.recent(request.user)
    return render(request, "chat/search.html", context)


def _recent_answer(request: HttpRequest) -> HttpResponse:
    """The recent searches again for htmx; back to the search page for a plain form."""
    if request.htmx:
        recent = recent_searches.recent(request.user)
        return render(request, "chat/search.html#recent-searches", {"recent": recent})
    return redirect("search")


@login_required
@require_POST
def clear_recent_searches(request: HttpRequest) -> HttpResponse:
    """``POST /search/recent/clear``: forget every search of the reader's."""
    recent_searches.clear(request.user)
    return _recent_answer(request)


@login_required
@require_POST
def forget_recent_search(request: HttpRequest, search_id: int) -> HttpResponse:
    """``POST /search/recent/<id>/forget``: forget one of them (404 for anyone else's)."""
    recent_searches.forget(request.user, search_id)
    return _recent_answer(request)
