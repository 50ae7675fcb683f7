"""The staff pages: people (with their actions, each confirmed on a page of its own, and
the ban form) and the audit log. To anyone but active staff they do not exist (404); a
signed-out visitor is sent to sign in first, like everywhere else. Every rule is
``chat.people.staff``'s (``chat.people.moderation``'s for bans)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from chat.errors import Invalid
from chat.people import moderation, staff
from chat.people.forms import BanForm
from chat.views.refusals import form_holding


@login_required
@require_GET
def people_page(request: HttpRequest) -> HttpResponse:
    """``/staff/people/?q=&page=``: people, by username, with what may be done to each."""
    query = request.GET.get("q", "")
    page = moderation.people_page(request.user, query, request.GET.get("page", 1))
    return render(request, "chat/staff_people.html", {"page": page, "query": query.strip()})


@login_required
@require_http_methods(["GET", "POST"])
def person_action(request: HttpRequest, user_id: int, action: str) -> HttpResponse:
    """``/staff/people/<id>/<action>/``: GET asks to confirm, POST does it."""
    request.back = reverse("staff-people")
    if request.method == "GET":
        target, chosen = staff.to_confirm(request.user, user_id, action)
    else:
        target, chosen = staff.act(request.user, user_id, action)
    name = target.get_username()
    if request.method == "POST":
        messages.success(request, chosen.done.format(name=name))
        return redirect(request.back)
    context = {"target": target, "action": chosen, "question": chosen.question.format(name=name)}
    return render(request, "chat/staff_confirm.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def person_ban(request: HttpRequest, user_id: int) -> HttpResponse:
    """``/staff/people/<id>/ban/``: GET shows the ban form, POST bans (and purges, if asked)."""
    request.back = reverse("staff-people")
    target = moderation.to_ban(request.user, user_id)
    form, status = BanForm(), 200
    if request.method == "POST":
        try:
            banned = moderation.ban(request.user, user_id, request.POST)
        except Invalid as refusal:
            form, status = form_holding(BanForm, request, refusal), refusal.status
        else:
            messages.success(request, banned.done)
            return redirect(request.back)
    return render(request, "chat/staff_ban.html", {"target": target, "form": form}, status=status)


@login_required
@require_GET
def audit_page(request: HttpRequest) -> HttpResponse:
    """``/staff/audit/?page=``: every admin action, newest first."""
    page = staff.audit_page(request.user, request.GET.get("page", 1))
    return render(request, "chat/staff_audit.html", {"page": page})
