"""The chat's pages and partials (the URL table in the design)."""

from django.urls import path

from chat.links import ADDRESSES, BY_GROUP, BY_SLUG
from chat.styleguide import views as styleguide
from chat.views import (
    attachments,
    bots,
    catching_up,
    digests,
    files,
    health,
    history,
    instance,
    invitations,
    joining,
    lobby,
    members,
    messages,
    people,
    profiles,
    push,
    room,
    room_admin,
    room_settings,
    search,
    sign_in,
    staff,
    switcher,
)


def conversation_paths(tail: str, view) -> list:
    """``view`` (a ``chat.views.scope.conversation_view``) under every address of a
    conversation: ``r/<slug>/<tail>``, ``p/<username>/<tail>``, named as ``RoomLinks`` reads
    them (``room``, ``direct-messages``…)."""
    return [path(a.pattern(tail), view, name=a.route_name(tail)) for a in ADDRESSES]


def message_path(action: str):
    """``m/<id>/<action>``: one of a message's forms (``chat.views.messages.ACTIONS``)."""
    view, name = messages.message_form, f"message-{action.replace('/', '-')}"
    return path(f"m/<int:message_id>/{action}", view, {"action": action}, name=name)


def room_path(tail: str, view, name: str):
    """``view`` of a room only (its members, its bots): ``r/<slug>/<tail>``."""
    return path(BY_SLUG.pattern(tail), view, name=name)


urlpatterns = [
    path("", lobby.lobby_page, name="lobby"),
    *conversation_paths("", room.room_page),
    *conversation_paths("messages", history.history),
    *conversation_paths("mentions", room.mention_choices),
    *conversation_paths("settings", room_settings.room_settings),
    *conversation_paths("attachments", attachments.send_file),
    room_path("join", joining.join, "room-join"),
    room_path("leave", joining.leave, "room-leave"),
    room_path("members", members.add_member, "room-members"),
    room_path("members/remove", members.remove_member, "room-member-remove"),
    # A group conversation's people: anyone in it adds someone, or leaves.
    path(BY_GROUP.pattern("members"), members.add_member, name="group-members"),
    path(BY_GROUP.pattern("members/remove"), members.remove_member, name="group-member-remove"),
    room_path("archive", room_admin.archive, "room-archive"),
    room_path("unarchive", room_admin.unarchive, "room-unarchive"),
    room_path("delete", room_settings.room_delete, "room-delete"),
    room_path("bots", room_settings.bot_create, "room-bots"),
    room_path("bots/<int:bot_id>/revoke", room_settings.bot_revoke, "room-bot-revoke"),
    path("p/", lobby.direct_start, name="direct-start"),
    path("u/<str:username>/", profiles.profile_page, name="profile"),
    path("u/<str:username>/mute", people.mute, name="mute"),
    path("u/<str:username>/unmute", people.unmute, name="unmute"),
    path("people/", people.people_page, name="people"),
    path("welcome/dismiss", people.dismiss_welcome, name="welcome-dismiss"),
    path("avatars/<int:user_id>/<str:name>", profiles.avatar, name="avatar"),
    path("m/<int:message_id>/", messages.message_detail, name="message-detail"),
    path("m/<int:message_id>/reply", messages.message_reply, name="message-reply"),
    *[message_path(action) for action in messages.ACTIONS],
    path("search", search.search_page, name="search"),
    path("search/recent/clear", search.clear_recent_searches, name="recent-searches-clear"),
    path(
        "search/recent/<int:search_id>/forget",
        search.forget_recent_search,
        name="recent-search-forget",
    ),
    path("switch/", switcher.switcher_page, name="switcher"),
    # The thumbnail first: "thumbnail" is also a name a file could have (see the view).
    path(
        "files/<int:attachment_id>/thumbnail",
        files.attachment_thumbnail,
        name="attachment-thumbnail",
    ),
    path("files/<int:attachment_id>/<str:name>", files.attachment_file, name="attachment"),
    path("previews/<int:preview_id>/image", files.preview_image, name="preview-image"),
    path("bots/messages", bots.bot_messages, name="bot-messages"),
    path("bots/<str:token>/messages", bots.bot_messages_in_url, name="bot-messages-in-url"),
    path("bots/messages/<int:message_id>/edit", bots.bot_edit, name="bot-message-edit"),
    path("bots/messages/<int:message_id>/delete", bots.bot_delete, name="bot-message-delete"),
    path("bots/messages/<int:message_id>/react", bots.bot_react, name="bot-message-react"),
    path("invitations/", invitations.invitations_page, name="invitations"),
    path(
        "invitations/<int:invitation_id>/revoke",
        invitations.invitation_revoke,
        name="invitation-revoke",
    ),
    path("join/<str:token>/", invitations.join, name="join"),
    path("staff/people/", staff.people_page, name="staff-people"),
    # Before the actions: "ban" is a form of its own, not one of them.
    path("staff/people/<int:user_id>/ban/", staff.person_ban, name="staff-ban"),
    path("staff/people/<int:user_id>/<slug:action>/", staff.person_action, name="staff-action"),
    path("staff/audit/", staff.audit_page, name="staff-audit"),
    path("staff/settings/", instance.settings_page, name="staff-settings"),
    path("instance/logo/<str:name>", instance.logo, name="instance-logo"),
    path("setup/", instance.setup_page, name="setup"),
    path("accounts/profile/receipts", profiles.receipts_switch, name="receipts-switch"),
    path("accounts/sign-in-link/", sign_in.make_link, name="sign-in-link"),
    path("accounts/sign-in/<str:token>/", sign_in.sign_in, name="sign-in"),
    path("accounts/sign-ins/<int:link_id>/sign-out", sign_in.sign_out, name="sign-in-sign-out"),
    path("accounts/profile/digests", digests.switch, name="digests-switch"),
    path("unsubscribe/<str:token>/", digests.unsubscribe, name="digests-unsubscribe"),
    path("styleguide/", styleguide.styleguide_page, name="styleguide"),
    path("m/<int:message_id>/unread", catching_up.message_unread, name="message-unread"),
    path("read-all", catching_up.read_all, name="read-all"),
    path("mentions/", catching_up.mentions_page, name="mentions"),
    path("healthz", health.healthz, name="healthz"),
    path("manifest.webmanifest", push.manifest, name="manifest"),
    path("sw.js", push.service_worker, name="service-worker"),
    path("push/subscriptions", push.subscriptions, name="push-subscriptions"),
]
