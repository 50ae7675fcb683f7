"""Site-wide URLs: accounts, admin, and the chat app."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from chat.views.accounts import ThrottledLoginView, signup

urlpatterns = [
    path("accounts/signup/", signup, name="signup"),
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The admin's own login form would be an unthrottled way to guess passwords.
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico whatever the page names: the chat's icon, not a 404.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("chat/favicon.svg"))),
    path("", include("chat.urls")),
]
