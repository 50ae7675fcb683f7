"""Sign up, Django's login view behind the sign-in limits, and Django's password views
(change, and reset by e-mail) behind the reset limits; logging out is Django's own view.

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
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.views import LoginView, PasswordResetConfirmView, PasswordResetView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from chat import ratelimit
from chat.errors import Forbidden, TooFast
from chat.people import accounts, backend, instance, setup
from chat.people.forms import SignupForm
from chat.views import params
from chat.views.refusals import KEPT_IN_FORM, form_holding

logger = logging.getLogger(__name__)


#: The backend a sign-in without a password (a new account, a link) records.
MODEL_BACKEND = backend.PATH


def signup_page(
    request: HttpRequest, form: SignupForm | None, *, status: int = 200, **context: object
) -> HttpResponse:
    """The sign-up page: the form, or (``form`` None) why there is none here."""
    context = {
        "form": form,
        "how_to_join": accounts.how_to_join(),
        "next": params.safe_next(request),
        **context,
    }
    return render(request, "registration/signup.html", context, status=status)


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Create an account with a username and a validated password, then sign in; while
    sign-up is by invitation or closed, the page says how to get in instead."""
    if not accounts.is_signup_open():
        return signup_page(request, None, status=403 if request.method == "POST" else 200)
    form, status = SignupForm(), 200
    if request.method == "POST":
        try:
            user = accounts.sign_up(request.POST, accounts.client_address(request))
        except KEPT_IN_FORM as refusal:
            form, status = form_holding(SignupForm, request, refusal), refusal.status
        except Forbidden as refusal:  # closed since the check above, or a banned address
            return signup_page(request, None, status=403, refused=refusal.message)
        else:
            login(request, user, backend=MODEL_BACKEND)
            return redirect(params.safe_next(request) or "lobby")
    return signup_page(request, form, status=status)


class ThrottledLoginView(LoginView):
    """Django's login, behind the per-address limit; axes adds the per-username one."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        address = accounts.client_address(request)
        try:
            ratelimit.take(ratelimit.LOGIN_FAILURES, address)
        except TooFast as refusal:
            logger.warning("Sign-in refused: too many failed attempts from %s", address)
            return self.refused(refusal)
        response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated or getattr(request, "axes_locked_out", False):
            # Only failures that were really checked spend the address's budget.
            ratelimit.give_back(ratelimit.LOGIN_FAILURES, address)
        return response

    def get_context_data(self, **kwargs) -> dict:
        """Django's, how to get an account when sign-up is not open, why the person was
        signed out when a page of theirs says so (``?why=``), and whether the chat still
        needs setting up (``/setup/``)."""
        context = super().get_context_data(**kwargs)
        context.update(
            is_signup_open=accounts.is_signup_open(),
            how_to_join=accounts.how_to_join(),
            signed_out_because=accounts.signed_out_because(self.request.GET.get("why")),
            # Nobody has an account yet: the way in is the first-run setup.
            needs_setup=setup.needs_setup(),
        )
        return context

    def refused(self, refusal: TooFast) -> HttpResponse:
        """The login page, unbound (nothing is validated), with the refusal and 429 (its
        ``Retry-After`` comes from ``chat.views.refusals``, which reads it here)."""
        self.request.refusal = refusal
        username = self.request.POST.get("username", "")[:150]
        form = self.get_form_class()(self.request, initial={"username": username})
        context = self.get_context_data(form=form, throttled=refusal.message)
        return self.render_to_response(context, status=refusal.status)


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
    return view.refused(TooFast(message, int(wait) + 1)).render()


class ThrottledPasswordResetView(PasswordResetView):
    """Django's password reset request, through ``chat.people.accounts.request_password_reset``:
    the same answer whether or not the address has an account, within the reset limits."""

    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            accounts.request_password_reset(
                request.POST, accounts.client_address(request), **self._mail_options()
            )
        except KEPT_IN_FORM as refusal:
            form = form_holding(PasswordResetForm, request, refusal)
            return self.render_to_response(self.get_context_data(form=form), status=refusal.status)
        return redirect(self.success_url)

    def _mail_options(self) -> dict:
        """What Django's own view hands ``PasswordResetForm.save``."""
        return {
            "use_https": self.request.is_secure(),
            "token_generator": self.token_generator,
            "from_email": self.from_email,
            "email_template_name": self.email_template_name,
            "subject_template_name": self.subject_template_name,
            "request": self.request,
            "html_email_template_name": self.html_email_template_name,
            # The chat's name, read here: the mail is rendered on a mail thread.
            "extra_email_context": {
                **(self.extra_email_context or {}),
                "instance": instance.current(),
            },
        }


class SignInPasswordResetConfirmView(PasswordResetConfirmView):
    """Django's new-password form behind a reset link; setting it signs the person in
    (every other session of theirs ends with the old password)."""

    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")
    post_reset_login = True
    # Several backends are configured (django-axes first): name the one that signs in.
    post_reset_login_backend = MODEL_BACKEND
