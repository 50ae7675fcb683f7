"""The chat's pages and partials (the URL table in the design)."""

from django.urls import path

from chat.views import health, lobby, messages, rooms

urlpatterns = [
    path("", lobby.lobby_page, name="lobby"),
    path("r/<slug:slug>/", rooms.room_page, name="room"),
    path("r/<slug:slug>/messages", rooms.room_messages, name="room-messages"),
    path("r/<slug:slug>/mentions", rooms.room_mentions, name="room-mentions"),
    path("r/<slug:slug>/members", rooms.room_members, name="room-members"),
    path("r/<slug:slug>/members/remove", rooms.room_member_remove, name="room-member-remove"),
    path("p/", lobby.direct_start, name="direct-start"),
    path("p/<str:username>/", rooms.direct_page, name="direct"),
    path("p/<str:username>/messages", rooms.direct_messages, name="direct-messages"),
    path("p/<str:username>/mentions", rooms.direct_mentions, name="direct-mentions"),
    path("m/<int:message_id>/", messages.message_detail, name="message-detail"),
    path("m/<int:message_id>/edit", messages.message_edit, name="message-edit"),
    path("m/<int:message_id>/delete", messages.message_delete, name="message-delete"),
    path("m/<int:message_id>/react", messages.message_react, name="message-react"),
    path("healthz", health.healthz, name="healthz"),
]
