"""The team's own chat: its settings page for staff (``/staff/settings/``), its logo
(``/instance/logo/<name>``, for anyone: the login page shows it) and the first-run setup
(``/setup/``, while no account exists). Every rule is ``chat.people.instance``'s and
``chat.people.setup``'s."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from chat.people import accounts, instance, setup
from chat.people.instance_forms import InstanceForm, SetupForm
from chat.views.accounts import MODEL_BACKEND
from chat.views.files import stored_file
from chat.views.refusals import KEPT_IN_FORM, form_holding

#: A logo's URL names its stored file, which a new logo replaces: it never changes, and it
#: is the same for everyone (shown signed out too).
LOGO_CACHE = "public, max-age=31536000, immutable"


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    """``/staff/settings/``: GET shows the form, POST saves it and comes back to it."""
    row = instance.to_edit(request.user)
    initial = {"name": row.name, "accent": row.accent}
    form, status = InstanceForm(initial=initial), 200
    if request.method == "POST":
        try:
            instance.change(request.user, request.POST, request.FILES)
        except KEPT_IN_FORM as refusal:
            form, status = form_holding(InstanceForm, request, refusal), refusal.status
        else:
            messages.success(request, "The settings were saved.")
            return redirect(reverse("staff-settings"))
    context = {"form": form, "row": row}
    return render(request, "chat/staff_settings.html", context, status=status)


@require_GET
def logo(request: HttpRequest, name: str) -> FileResponse:
    """``/instance/logo/<name>``: the chat's logo, for anyone; 404 once replaced."""
    field, content_type = instance.logo_file(name)
    return stored_file(field, content_type, missing=instance.NO_SUCH_LOGO, cache=LOGO_CACHE)


@require_http_methods(["GET", "POST"])
def setup_page(request: HttpRequest) -> HttpResponse:
    """``/setup/``: while nobody has an account, the first visitor makes the
    administrator's account and names the chat, and lands in the lobby signed in."""
    setup.require_setup()
    form, status = SetupForm(), 200
    if request.method == "POST":
        try:
            user = setup.set_up(request.POST, accounts.client_address(request))
        except KEPT_IN_FORM as refusal:
            form, status = form_holding(SetupForm, request, refusal), refusal.status
        else:
            login(request, user, backend=MODEL_BACKEND)
            return redirect("lobby")
    return render(request, "chat/setup.html", {"form": form}, status=status)
