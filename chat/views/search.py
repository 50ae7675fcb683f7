"""The search page: ``GET /search?q=&before=``, the messages the reader may read that
hold the words, newest first, each a link into its conversation."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from chat.messages import search
from chat.views.params import message_id


@login_required
@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    """``/search?q=<words>&before=<id>``: a page of results, or a hint when there is
    nothing to search for. ``before`` that is not a message id is the first page."""
    page = search.search(
        request.user, request.GET.get("q", ""), before=message_id(request.GET.get("before"))
    )
    return render(request, "chat/search.html", {"page": page, "clipped_note": search.CLIPPED})
