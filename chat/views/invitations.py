"""Invitations over HTTP: the page to make, list and revoke them, and signing up through
one at ``/join/<token>/``. Every rule is ``chat.people.invitations``'s; these only ask."""

from __future__ import annotations

from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from chat.errors import Refused
from chat.people import accounts, invitations
from chat.people.forms import InvitationForm, SignupForm
from chat.views.accounts import MODEL_BACKEND
from chat.views.refusals import KEPT_IN_FORM, form_holding


def _page(request: HttpRequest, *, status: int = 200, **context: object) -> HttpResponse:
    """The invitations page: the form to make one and the ones the viewer sees; while
    sign-up is not by invitation, why there are none."""
    if invitations.may_invite(request.user):
        context.setdefault("form", InvitationForm())
        shown = list(invitations.visible_to(request.user))
        for invitation in shown:
            invitation.state = invitations.state(invitation)
        context.update(
            invitations=shown, may_see_all=invitations.may_see_every_invitation(request.user)
        )
    else:
        context["why_not"] = invitations.why_not_inviting()
    return render(request, "chat/invitations.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def invitations_page(request: HttpRequest) -> HttpResponse:
    """``GET /invitations/``: the page; ``POST``: make an invitation, whose link is shown
    on the answer, once."""
    if request.method == "GET":
        return _page(request)
    request.back = reverse("invitations")
    try:
        invitation, token = invitations.create_invitation(request.user, request.POST)
    except KEPT_IN_FORM as refusal:
        form = form_holding(InvitationForm, request, refusal)
        return _page(request, status=refusal.status, form=form)
    link = request.build_absolute_uri(reverse("join", args=[token]))
    return _page(request, status=201, new_invitation=invitation, link=link)


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    """``POST /invitations/<id>/revoke``: its creator or staff revoke an invitation."""
    request.back = reverse("invitations")
    invitations.revoke_invitation(request.user, invitation_id)
    return redirect("invitations")


def _join_page(
    request: HttpRequest, token: str, *, status: int = 200, **context: object
) -> HttpResponse:
    context = {"token": token, "how_to_join": accounts.how_to_join(), **context}
    return render(request, "registration/join.html", context, status=status)


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, token: str) -> HttpResponse:
    """``/join/<token>/``: the sign-up form, naming who invited; signing up through it uses
    the invitation. A used-up, revoked or expired one says so and creates nothing."""
    if not invitations.is_signup_by_invitation():
        # Open: the plain sign-up page is the way in; closed: the page says who makes accounts.
        if accounts.is_signup_open():
            return redirect("signup")
        return _join_page(request, token, status=404)
    address = accounts.client_address(request)
    try:
        invitation = invitations.invitation_for_token(token, address)
    except Refused as refusal:
        return _join_page(request, token, status=refusal.status, refused=refusal.message)
    if request.method == "GET":
        return _join_page(request, token, invitation=invitation, form=SignupForm())
    try:
        user = invitations.join(token, request.POST, address)
    except KEPT_IN_FORM as refusal:
        form = form_holding(SignupForm, request, refusal)
        return _join_page(request, token, status=refusal.status, invitation=invitation, form=form)
    except Refused as refusal:  # used up or revoked a moment ago
        return _join_page(request, token, status=refusal.status, refused=refusal.message)
    login(request, user, backend=MODEL_BACKEND)
    return redirect("lobby")
