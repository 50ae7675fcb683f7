"""Sign up, and Django's login view behind the sign-in limits; logging out is Django's own view.

Failed sign-ins are limited twice: per username by django-axes (its backend refuses a
locked username before the password is checked; ``locked_out`` below renders that
refusal), and per client address by the chat's limiter, which counts every attempt
before it is checked and gives back the ones that succeed or that axes refused.
"""

from __future__ import annotations

import logging

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from chat import accounts, ratelimit
from chat.errors import Invalid, TooFast
from chat.forms import SignupForm

logger = logging.getLogger(__name__)


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    # An open redirect would let a phishing link bounce through our sign-up page.
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Create an account with a username and a validated password, then sign in."""
    form, status = SignupForm(), 200
    if request.method == "POST":
        try:
            user = accounts.sign_up(request.POST, accounts.client_address(request))
        except Invalid as refusal:
            form, status = refusal.form, 400
        except TooFast as refusal:
            form, status = SignupForm(request.POST), 429
            form.is_valid()
            form.add_error(None, refusal.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(_safe_next(request) or "lobby")
    context = {"form": form, "next": _safe_next(request)}
    return render(request, "registration/signup.html", context, status=status)


class ThrottledLoginView(LoginView):
    """Django's login, behind the per-address limit; axes adds the per-username one."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        address = accounts.client_address(request)
        try:
            ratelimit.take(ratelimit.LOGIN_FAILURES, address)
        except TooFast as refusal:
            logger.warning("Sign-in refused: too many failed attempts from %s", address)
            return self.refused(refusal.message, refusal.retry_after)
        response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated or getattr(request, "axes_locked_out", False):
            # Only failures that were really checked spend the address's budget.
            ratelimit.give_back(ratelimit.LOGIN_FAILURES, address)
        return response

    def refused(self, message: str, retry_after: int) -> HttpResponse:
        """The login page, unbound (nothing is validated), with the refusal and 429."""
        username = self.request.POST.get("username", "")[:150]
        form = self.get_form_class()(self.request, initial={"username": username})
        context = self.get_context_data(form=form, throttled=message)
        response = self.render_to_response(context, status=429)
        response["Retry-After"] = str(retry_after)
        return response


def locked_out(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    """django-axes' ``AXES_LOCKOUT_CALLABLE``: the login page refusing a locked username."""
    key = accounts.login_key(request)
    latest = AccessAttempt.objects.filter(username=key).order_by("-attempt_time").first()
    cool_off = settings.AXES_COOLOFF_TIME
    until = (latest.attempt_time if latest else timezone.now()) + cool_off
    wait = max(1.0, (until - timezone.now()).total_seconds())
    view = ThrottledLoginView(request=request, kwargs={})
    view.setup(request)
    message = ratelimit.LOGIN_FAILURES.message.format(wait=ratelimit.readable_wait(wait))
    # Called by axes' middleware after the view's own response was rendered: render this one.
    return view.refused(message, int(wait) + 1).render()
