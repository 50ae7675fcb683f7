"""Site-wide URLs: accounts, admin, and the chat app."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from chat.views.accounts import ThrottledLoginView, signup
from chat.views.profiles import profile_edit

urlpatterns = [
    path("accounts/signup/", signup, name="signup"),
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/profile/", profile_edit, name="profile-edit"),
    # The admin's own login form would be an unthrottled way to guess passwords.
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("admin/", admin.site.urls),
    path("", include("chat.urls")),
]
