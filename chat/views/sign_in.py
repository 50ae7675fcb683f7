"""Signing in on a phone (``chat.people.sign_in_links`` decides everything):

- ``POST /accounts/sign-in-link/`` makes a link and shows it once, as text and a QR code
  (the page itself answers: the token is not kept, so no redirect could show it again);
- ``GET /accounts/sign-in/<token>/`` shows a button and changes nothing; ``POST`` takes
  the link and signs in a new session, then the lobby;
- ``POST /accounts/sign-ins/<id>/sign-out`` signs out the session a link of mine signed in.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from chat import qr
from chat.people import accounts, sign_in_links
from chat.views.accounts import MODEL_BACKEND

QR_LABEL = "QR code of your sign-in link: scan it with your phone's camera"


@login_required
@require_http_methods(["GET", "POST"])
def make_link(request: HttpRequest) -> HttpResponse:
    """POST: a new link, shown once; GET (nothing to show): back to the profile page."""
    request.back = reverse("profile-edit")
    if request.method == "GET":
        return redirect(request.back)
    link, token = sign_in_links.make_link(request.user)
    url = request.build_absolute_uri(reverse("sign-in", args=[token]))
    context = {"link": link, "url": url, "qr": qr.svg(url, QR_LABEL)}
    template = "chat/sign_in_link.html#made" if request.htmx else "chat/sign_in_link.html"
    return render(request, template, context, status=201)


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest, token: str) -> HttpResponse:
    """GET: the button (nothing is used); POST: take the link, sign in, the lobby."""
    address = accounts.client_address(request)
    request.back = reverse("login")
    if request.method == "GET":
        link = sign_in_links.link_for_token(token, address)
        return render(request, "chat/sign_in.html", {"link": link})

    def start_session(user) -> str:
        login(request, user, backend=MODEL_BACKEND)
        return request.session.session_key

    user_agent = request.headers.get("User-Agent", "")
    sign_in_links.use_link(token, address, user_agent, start_session)
    return redirect("lobby")


@login_required
@require_POST
def sign_out(request: HttpRequest, link_id: int) -> HttpResponse:
    """Sign out the session my link ``link_id`` signed in; back to my profile page."""
    request.back = reverse("profile-edit")
    sign_in_links.sign_out(request.user, link_id)
    messages.success(request, "That session was signed out.")
    return redirect(request.back)
