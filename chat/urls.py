"""The chat's pages and partials (the URL table in the design)."""

from django.urls import path

from chat import views

urlpatterns = [
    path("", views.lobby_page, name="lobby"),
    path("r/<slug:slug>/", views.room_page, name="room"),
    path("r/<slug:slug>/messages", views.room_messages, name="room-messages"),
    path("r/<slug:slug>/members", views.room_members, name="room-members"),
    path("r/<slug:slug>/members/remove", views.room_member_remove, name="room-member-remove"),
    path("p/", views.direct_start, name="direct-start"),
    path("p/<str:username>/", views.direct_page, name="direct"),
    path("p/<str:username>/messages", views.direct_messages, name="direct-messages"),
    path("healthz", views.healthz, name="healthz"),
]
