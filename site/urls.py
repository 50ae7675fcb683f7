"""Site-wide URLs: accounts, admin, and the chat app."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path, reverse_lazy
from django.utils.functional import lazy
from django.views.generic import RedirectView

from chat.views.accounts import (
    SignInPasswordResetConfirmView,
    ThrottledLoginView,
    ThrottledPasswordResetView,
    signup,
)
from chat.views.profiles import profile_edit

urlpatterns = [
    path("accounts/signup/", signup, name="signup"),
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/profile/", profile_edit, name="profile-edit"),
    # Passwords: Django's own views and tokens, in our templates.
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(
            template_name="registration/password_change_form.html",
            success_url=reverse_lazy("password_change_done"),
        ),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="registration/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path("accounts/password/reset/", ThrottledPasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password/reset/done/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="registration/password_reset_done.html"
        ),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        SignInPasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    # The admin's own login form would be an unthrottled way to guess passwords.
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico whatever the page names: the chat's icon, not a 404.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("chat/favicon.svg"))),
    path("", include("chat.urls")),
]
