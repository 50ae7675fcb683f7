"""Profiles: a person's page (``/u/<username>/``), editing my own (``/accounts/profile/``)
and the pictures (``/avatars/<user id>/<name>``).

``chat.people.profiles`` decides everything; these ask it and show the answer. The edit page is a
plain multipart form (no JavaScript needed): saved, it leads to my profile page; refused,
it comes back with the error and what was typed (a browser never sends a file again).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chat.errors import NotFound
from chat.people import mutes, profiles, push, receipts, sign_in_links
from chat.people.forms import ProfileForm
from chat.views.files import stored_file
from chat.views.refusals import KEPT_IN_FORM, form_holding

#: A picture's URL names its stored file, which a new picture replaces: it never changes.
AVATAR_CACHE = "private, max-age=31536000, immutable"


@login_required
@require_GET
def profile_page(request: HttpRequest, username: str) -> HttpResponse:
    """``/u/<username>/``: who someone is, and a way to write to them."""
    try:
        page = profiles.person_page(request.user, username)
    except NotFound as refusal:
        return render(request, "chat/profile.html", {"missing": refusal.message}, status=404)
    # Whether I muted them: shown on this page only, which only I receive.
    muted = not page.is_me and mutes.is_muted(request.user, page.person)
    context = {"page": page, "person": page.person, "muted": muted}
    return render(request, "chat/profile.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    """``/accounts/profile/``: my display name, bio and picture. GET shows the form; POST
    saves it and leads to my profile page."""
    profile = profiles.own_profile(request.user)
    initial = {"display_name": profile.display_name, "bio": profile.bio}
    form, status = ProfileForm(initial=initial, user=request.user), 200
    if request.method == "POST":
        try:
            profiles.edit_profile(request.user, request.POST, request.FILES)
        except KEPT_IN_FORM as refusal:
            form = form_holding(ProfileForm, request, refusal, user=request.user)
            status = refusal.status
        else:
            return redirect(reverse("profile", args=[request.user.get_username()]))
    # The phone sign-in section: a button making a link, and the sessions links signed in.
    sign_ins = sign_in_links.sign_ins(request.user)
    context = {"form": form, "profile": profile, "sign_ins": sign_ins}
    context["send_receipts"] = profile.send_receipts  # the read receipts' switch
    # The Web Push switch, where push is on: the key this browser subscribes with.
    context["push_key"] = push.public_key() if push.enabled() else ""
    context["digest_minutes"] = settings.CHAT_DIGEST_AFTER_MINUTES
    return render(request, "chat/profile_edit.html", context, status=status)


@login_required
@require_GET
def avatar(request: HttpRequest, user_id: int, name: str) -> FileResponse:
    """``/avatars/<user id>/<name>``: a person's picture, for anyone signed in (as their
    profile is); 404 once it was replaced or removed."""
    field, content_type = profiles.avatar_file(user_id, name)
    return stored_file(field, content_type, missing=profiles.NO_SUCH_PICTURE, cache=AVATAR_CACHE)


@login_required
@require_POST
def receipts_switch(request: HttpRequest) -> HttpResponse:
    """``POST /accounts/profile/receipts`` (``send_receipts`` checked or not): read receipts
    on or off. htmx gets the switch again; a plain form goes back to the profile page."""
    on = bool(request.POST.get("send_receipts"))
    receipts.set_send_receipts(request.user, on)
    if request.htmx:
        context = {"send_receipts": on, "saved": True}
        return render(request, "chat/profile_edit.html#receipts-switch", context)
    return redirect("profile-edit")
