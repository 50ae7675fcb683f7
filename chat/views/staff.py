"""The staff pages: people (with their actions, each confirmed on a page of its own) and
the audit log. To anyone but active staff they do not exist (404); a signed-out visitor
is sent to sign in first, like everywhere else. Every rule is ``chat.staff``'s."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from chat import staff
from chat.errors import NotFound, Refused
from chat.views.refusals import refusal_response


@login_required
@require_GET
def people_page(request: HttpRequest) -> HttpResponse:
    """``/staff/people/?q=&page=``: people, by username, with what may be done to each."""
    query = request.GET.get("q", "")
    try:
        page = staff.people_page(request.user, query, request.GET.get("page", 1))
    except NotFound as refusal:
        raise Http404(refusal.message) from None
    return render(request, "chat/staff_people.html", {"page": page, "query": query.strip()})


@login_required
@require_http_methods(["GET", "POST"])
def person_action(request: HttpRequest, user_id: int, action: str) -> HttpResponse:
    """``/staff/people/<id>/<action>/``: GET asks to confirm, POST does it."""
    back = reverse("staff-people")
    try:
        if request.method == "GET":
            target, chosen = staff.to_confirm(request.user, user_id, action)
        else:
            target, chosen = staff.act(request.user, user_id, action)
    except NotFound as refusal:
        raise Http404(refusal.message) from None
    except Refused as refusal:
        return refusal_response(request, refusal, back=back)
    name = target.get_username()
    if request.method == "POST":
        messages.success(request, chosen.done.format(name=name))
        return redirect(back)
    context = {"target": target, "action": chosen, "question": chosen.question.format(name=name)}
    return render(request, "chat/staff_confirm.html", context)


@login_required
@require_GET
def audit_page(request: HttpRequest) -> HttpResponse:
    """``/staff/audit/?page=``: every admin action, newest first."""
    try:
        page = staff.audit_page(request.user, request.GET.get("page", 1))
    except NotFound as refusal:
        raise Http404(refusal.message) from None
    return render(request, "chat/staff_audit.html", {"page": page})
