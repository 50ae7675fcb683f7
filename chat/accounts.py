"""Sign up, and Django's login view behind a throttle; logging out is Django's own view."""

import logging

from django.contrib.auth import login
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from chat import throttle
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
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user)
        return redirect(_safe_next(request) or "lobby")
    status = 400 if form.errors else 200
    return render(
        request,
        "registration/signup.html",
        {"form": form, "next": _safe_next(request)},
        status=status,
    )


class ThrottledLoginView(LoginView):
    """Django's login, answering 429 without checking the password after too many failures.

    Counting is ``chat.throttle``'s: per username and per client address, in the cache.
    """

    throttle_attempt: throttle.Attempt | None = None

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        username = request.POST.get("username", "")
        address = request.META.get("REMOTE_ADDR") or ""
        attempt = throttle.begin(username, address)
        if attempt.refused:
            logger.warning("Sign-in refused: too many failed attempts (from %s)", address)
            return self.too_many_attempts(username, attempt)
        self.throttle_attempt = attempt
        return super().post(request, *args, **kwargs)

    def form_valid(self, form) -> HttpResponse:
        if self.throttle_attempt is not None:
            throttle.succeeded(self.throttle_attempt)
        return super().form_valid(form)

    def too_many_attempts(self, username: str, attempt: throttle.Attempt) -> HttpResponse:
        """The login page, unbound (nothing is validated), with the refusal and 429."""
        minutes = attempt.retry_after_minutes
        unit = "minute" if minutes == 1 else "minutes"
        form = self.get_form_class()(self.request, initial={"username": username[:150]})
        context = self.get_context_data(
            form=form,
            throttled=f"Too many failed attempts; try again in {minutes} {unit}.",
        )
        response = self.render_to_response(context, status=429)
        response["Retry-After"] = str(attempt.retry_after)
        return response
