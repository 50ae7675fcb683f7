"""A conversation's page (``/r/<slug>/``, ``/p/<username>/``): its messages, its members
and the composer, whose plain POST is the no-JavaScript way to send; and the names the
composer's ``@`` offers."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from chat.broadcast import presence
from chat.conversations import Conversation
from chat.limits import EDIT_WINDOW_SECONDS
from chat.messages import catching_up, replies, sounds
from chat.messages import posting as messages
from chat.messages.forms import AttachmentForm, MessageForm
from chat.models import Message
from chat.people import receipts
from chat.rooms import admin, lobby
from chat.rooms import services as rooms
from chat.rooms.forms import UsernameForm
from chat.views.params import message_id
from chat.views.refusals import KEPT_IN_FORM, form_holding
from chat.views.scope import conversation_view


def page(
    request: HttpRequest,
    conversation: Conversation,
    *,
    around: int | None = None,
    form: MessageForm | None = None,
    upload_form: AttachmentForm | None = None,
    replying_to: Message | None = None,
    status: int = 200,
) -> HttpResponse:
    """The page. A conversation nobody has written in yet has no room: its socket waits
    for the first message, which makes the room. With ``around``, the messages around
    that one (from search), if it is in this room; else the latest."""
    room, links = conversation.room, conversation.links
    has_newer, new_since = False, None
    if room is not None:
        window = Message.objects.for_room(room).page_around(around) if around else None
        if window is None:
            shown, has_older = Message.objects.for_room(room).page_before()
        else:
            shown, has_older, has_newer = window
        # Where the news begins for this reader, read before the visit marks the room read.
        new_since = catching_up.new_since(request.user, room, shown)
        if shown:
            rooms.open_room(request.user, room, shown[-1].id)
        members = presence.members(room)
    else:
        shown, has_older = [], False
        members = [presence.Member(person, False) for person in conversation.people]
    context = {
        "room": room,
        "room_name": conversation.name,
        "kind": conversation.kind,
        "messages": shown,
        "has_older": has_older,
        # Not at the latest messages yet: "Load newer messages" from the newest shown.
        "has_newer": has_newer,
        "newest_id": shown[-1].id if shown else 0,
        # "New since your last visit" goes before this message (chat.messages.catching_up).
        "new_since": new_since,
        # Read with the room, before its messages: a resume from here misses nothing.
        "revision": room.revision if room else 0,
        "form": form or MessageForm(),
        # A refused reply comes back answering the same message (chat.messages.replies).
        "replying_to": replying_to,
        # How long one's messages may be edited: ↑ in an empty composer edits the last one.
        "edit_seconds": EDIT_WINDOW_SECONDS,
        # The file button's form (chat.views.attachments), holding a refused file's error.
        "upload_form": upload_form or AttachmentForm(),
        "links": links,
        "post_url": links.page,
        "older_url": links.older,
        # A conversation not begun yet listens too: its first message, from either
        # person, makes the room, and the socket joins it (chat.sockets.consumers).
        "socket_url": links.socket,
        "members": members,
        # "Seen" under my message the other person read last, in a conversation of two
        # (chat.people.receipts); shown by the style block only while mine are on.
        "receipt": receipts.on_page(request.user, room, shown),
        "receipts_on": receipts.shown_to(request.user, conversation),
        # A reader of a public room who has not joined it gets the Join bar (chat.rooms.joining).
        "is_member": room is None or any(member.user.pk == request.user.pk for member in members),
        "may_remove_others": room is not None and rooms.may_remove_others(room, request.user),
        "may_delete_any": room is not None and rooms.may_moderate(room, request.user),
        # Its admin (rename, archive…): the archived notice's Unarchive, for those who may.
        "may_administer": room is not None and admin.may_administer(room, request.user),
        "member_form": UsernameForm(),
        # /play sounds on this instance (CHAT_SOUNDS): js/sounds.js plays them, unless the
        # reader muted them on this browser.
        "sounds_on": sounds.enabled(),
        "sound_urls": sounds.urls(),
        # My rooms and conversations beside it, with the lobby's counts (one query).
        **lobby.sidebar(request.user, links.page),
    }
    return render(request, "chat/room.html", context, status=status)


@conversation_view(["GET", "POST"], begun=False)
def room_page(request: HttpRequest, conversation: Conversation) -> HttpResponse:
    """The page (looking changes nothing: a public room is joined by "Join" or by writing
    in it). A POST sends a message without JavaScript; the first one opens a
    conversation."""
    if request.method == "GET":
        return page(request, conversation, around=message_id(request.GET.get("around")))
    try:
        room = messages.begin(conversation, request.POST)
        posted = messages.post_message(room, request.user, request.POST)
    except KEPT_IN_FORM as refusal:
        form = form_holding(MessageForm, request, refusal)
        wanted = getattr(form, "cleaned_data", {}).get("reply_to")
        replying_to = replies.quotable(conversation.room, wanted)
        return page(
            request, conversation, form=form, replying_to=replying_to, status=refusal.status
        )
    return redirect(f"{conversation.links.page}#message-{posted.message.id}")


@conversation_view()
def mention_choices(request: HttpRequest, conversation: Conversation) -> HttpResponse:
    """``…/mentions?q=``: the members whose name starts so, the choices ``@`` offers."""
    people = rooms.members_named(conversation.room, request.GET.get("q", ""))
    return render(request, "chat/room.html#mention-suggestions", {"people": people})
