"""The chat's pages and partials (the URL table in the design)."""

from django.urls import path

from chat.views import (
    attachments,
    bots,
    health,
    invitations,
    lobby,
    messages,
    profiles,
    rooms,
    search,
    staff,
    styleguide,
)

urlpatterns = [
    path("", lobby.lobby_page, name="lobby"),
    path("r/<slug:slug>/", rooms.room_page, name="room"),
    path("r/<slug:slug>/messages", rooms.room_messages, name="room-messages"),
    path("r/<slug:slug>/mentions", rooms.room_mentions, name="room-mentions"),
    path("r/<slug:slug>/members", rooms.room_members, name="room-members"),
    path("r/<slug:slug>/members/remove", rooms.room_member_remove, name="room-member-remove"),
    path("r/<slug:slug>/settings", rooms.room_settings, name="room-settings"),
    path("r/<slug:slug>/attachments", attachments.room_attachments, name="room-attachments"),
    path("r/<slug:slug>/bots", bots.room_bots, name="room-bots"),
    path("r/<slug:slug>/bots/<int:bot_id>/revoke", bots.room_bot_revoke, name="room-bot-revoke"),
    path("p/", lobby.direct_start, name="direct-start"),
    path("p/<str:username>/", rooms.direct_page, name="direct"),
    path("p/<str:username>/messages", rooms.direct_messages, name="direct-messages"),
    path("p/<str:username>/mentions", rooms.direct_mentions, name="direct-mentions"),
    path("p/<str:username>/settings", rooms.direct_settings, name="direct-settings"),
    path("p/<str:username>/attachments", attachments.direct_attachments, name="direct-attachments"),
    path("u/<str:username>/", profiles.profile_page, name="profile"),
    path("avatars/<int:user_id>/<str:name>", profiles.avatar, name="avatar"),
    path("m/<int:message_id>/", messages.message_detail, name="message-detail"),
    path("m/<int:message_id>/edit", messages.message_edit, name="message-edit"),
    path("m/<int:message_id>/delete", messages.message_delete, name="message-delete"),
    path("m/<int:message_id>/react", messages.message_react, name="message-react"),
    path("search", search.search_page, name="search"),
    # The thumbnail first: "thumbnail" is also a name a file could have (see the view).
    path(
        "files/<int:attachment_id>/thumbnail",
        attachments.attachment_thumbnail,
        name="attachment-thumbnail",
    ),
    path("files/<int:attachment_id>/<str:name>", attachments.attachment_file, name="attachment"),
    path("bots/messages", bots.bot_messages, name="bot-messages"),
    path("bots/<str:token>/messages", bots.bot_messages, name="bot-messages-in-url"),
    path("invitations/", invitations.invitations_page, name="invitations"),
    path(
        "invitations/<int:invitation_id>/revoke",
        invitations.invitation_revoke,
        name="invitation-revoke",
    ),
    path("join/<str:token>/", invitations.join, name="join"),
    path("staff/people/", staff.people_page, name="staff-people"),
    path("staff/people/<int:user_id>/<slug:action>/", staff.person_action, name="staff-action"),
    path("staff/audit/", staff.audit_page, name="staff-audit"),
    path("styleguide/", styleguide.styleguide_page, name="styleguide"),
    path("healthz", health.healthz, name="healthz"),
]
