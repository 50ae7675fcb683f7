"""The room socket: authorise at connect, then parse → service → answer; events pass through.

What it shares with the lobby's socket (close codes, refusing, the handlers of a person's
events and the one pass-through for page HTML) is in ``chat.sockets.persons``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from channels.db import database_sync_to_async

from chat.broadcast import events, fanout, presence, typists
from chat.broadcast import frames as rendering
from chat.broadcast.reading import read_tracker
from chat.conversations import Conversation
from chat.errors import Invalid, NotFound, Refused, SignedOut, TooFast
from chat.limits import (
    FRAME_MAX_CHARS,
    MAX_ID,
    TYPING_FRAME_SECONDS,
    TYPING_FRAMES_PER_WINDOW,
    SlidingWindowLimiter,
)
from chat.messages import catching_up
from chat.messages import posting as messages
from chat.messages.forms import MessageForm
from chat.models import Room
from chat.people import profiles
from chat.rooms import conversations
from chat.rooms import services as rooms
from chat.sockets.persons import (
    CLOSE_FLOODING,
    CLOSE_NOT_ALLOWED,
    CLOSE_SIGNED_OUT,
    CLOSE_TOO_BIG,
    CLOSE_UNSUPPORTED_DATA,
    PersonsSocket,
)

logger = logging.getLogger(__name__)

NOTICE_UNREADABLE = "That message could not be read; nothing was sent."
NOTICE_BAD_RESUME = "Could not catch up: the resume request was malformed."
NOTICE_NOT_LIVE = "Saved. Live delivery is interrupted; others will see it once it is back."


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_ID


def _opening(user, route: dict) -> Conversation:
    """The conversation a socket asks for (``NotFound`` if not the user's to hear; without
    a room for one nobody has written in yet), with the user's profile read (the typing
    line and messages show their name)."""
    found = conversations.conversation(user, route, begun=False)
    profiles.reload(user)
    return found


class RoomConsumer(PersonsSocket):
    """One person's socket in one room (``/ws/r/<slug>/`` or ``/ws/p/<username>/``).

    It has no channel-layer channel of its own: the process's fan-out (``chat.broadcast.fanout``)
    receives the events of its room and its person and calls its handlers.
    """

    #: Who is typing and a new byline (``chat.frame``), the members list, notifications.
    passes_on = frozenset({events.FRAME, events.MEMBERS, events.NOTIFY})
    #: What this socket listens to, found once at connect (``chat.rooms.conversations``).
    conversation: Conversation
    room: Room | None = None
    #: The other person of a direct conversation nobody has written in yet: the socket
    #: joins its room when the first message makes it (``lobby_changed``, ``_post``).
    partner = None
    #: The room revision this socket's page is known to be complete up to: set by its
    #: resume, moved along by live changes that follow on without a gap.
    synced: int | None = None
    #: The person marked this room unread (``chat.messages.catching_up``): what the page shows
    #: is not recorded as read until they come back to it or write in it, as in any chat.
    reads_held = False
    #: The page said its tab is hidden: what arrives meanwhile is not read yet (so the
    #: lobby counts it, Web Push and digests still reach its person), and the newest of it
    #: is read once the page says it is shown. A page that never said is taken as looking.
    page_hidden = False
    unseen_upto = 0

    async def connect(self) -> None:
        """Called when a socket asks to open: authorise, join the room's groups, accept."""
        user = self.scope["user"]
        if not user.is_authenticated:
            await self._refuse(CLOSE_SIGNED_OUT)
            return
        route = self.scope["url_route"]["kwargs"]
        # The room is found through the user's rights: an outsider guessing a private
        # or direct room's URL is refused exactly as for a room that does not exist.
        try:
            conversation, redraw = await self._admitting(user, _opening, user, route)
        except NotFound:
            await self._refuse(CLOSE_NOT_ALLOWED)
            return
        room = conversation.room
        self.conversation = conversation
        self.partner = conversation.partner if room is None else None
        self.user = user
        self.links = conversation.links
        groups = [fanout.user_group(user.pk)]
        if room is not None:
            groups.append(fanout.room_group(room.id))
        self.other_frames = SlidingWindowLimiter()
        self.typing_frames = SlidingWindowLimiter(TYPING_FRAMES_PER_WINDOW, TYPING_FRAME_SECONDS)
        typists.board()  # this process follows who types in the rooms it serves
        if not await self._arrive(groups, f"socket for {self.links.page}", redraw):
            return
        self.room = room
        await self._go_live()

    async def disconnect(self, code: int) -> None:
        """Called when the socket closes: stop receiving the room's and the user's events;
        record at once how far the page was read (the lobby may be next)."""
        if not self.live:
            return
        self.live = False
        await self.fanout.detach(self, self.groups_joined)
        await presence.presence().leave(self.user.pk)
        await read_tracker.flush(self.user.pk)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Called for each frame from the browser: a message to post, or a resume request."""
        if text_data is None:
            await self.close(code=CLOSE_UNSUPPORTED_DATA)
            return
        if len(text_data) > FRAME_MAX_CHARS:
            await self.close(code=CLOSE_TOO_BIG)
            return
        try:
            frame = json.loads(text_data)
        except (ValueError, RecursionError):  # RecursionError: nesting thousands deep
            frame = None
        if not isinstance(frame, dict):
            await self._answer_other_frame(lambda: rendering.notice_frame(NOTICE_UNREADABLE))
        elif frame.get("type") == "resume":
            await self._resume(frame.get("after", 0), frame.get("cursor"))
        elif frame.get("type") == "typing":
            await self._typing()
        elif frame.get("type") == "visibility":
            await self._visibility(frame)
        else:
            await self._post(frame)

    # --- events ------------------------------------------------------------------------

    async def chat_message(self, event: dict) -> None:
        """Called for each new message in the room: pass its pre-rendered HTML on."""
        if not self.live:
            return
        await self.send(text_data=event["html"])
        if self.synced is not None and event.get("revision") == self.synced + 1:
            self.synced += 1
        self._shown(event["id"])

    def _shown(self, upto: int) -> None:
        """The page shows the room up to message ``upto``: read, unless the person marked
        it unread, or its tab is hidden (then read when it is shown)."""
        if self.reads_held:
            return
        if self.page_hidden:
            self.unseen_upto = max(self.unseen_upto, upto)
            return
        read_tracker.note(self.user.pk, self.room.id, upto, direct=self.room.is_direct)

    def looking(self, visible: bool) -> None:
        """The page's tab was shown or hidden: shown, what arrived while hidden is read."""
        self.page_hidden = not visible
        if visible and self.unseen_upto:
            upto, self.unseen_upto = self.unseen_upto, 0
            self._shown(upto)

    async def resync(self) -> None:
        """Called when this process's events were lost (the layer was cut off): send the
        page every change since it was last known to be complete."""
        if self.live and self.synced is not None:
            await self._send_catch_up(0, self.synced)

    async def membership_ended(self, event: dict) -> None:
        """Called when this person leaves or is removed from a room."""
        if self.room is not None and event["room"] == self.room.id:
            await self.close(code=CLOSE_NOT_ALLOWED)

    async def room_changed(self, event: dict) -> None:
        """Called when the room was renamed, converted, archived, unarchived or deleted:
        closed when it is gone or its reader may no longer read it (made private while
        they were not a member), else its header passed on."""
        if not self.live or self.room is None or event["room"] != self.room.id:
            return
        if event.get("gone") or (event.get("access") and not await self._still_readable()):
            await self.close(code=CLOSE_NOT_ALLOWED)
            return
        await self.send(text_data=event["html"])

    @database_sync_to_async
    def _still_readable(self) -> bool:
        try:
            conversations.conversation(self.user, self.scope["url_route"]["kwargs"])
        except NotFound:
            return False
        return True

    async def lobby_changed(self, event: dict) -> None:
        """Called when this person joined a room (for a socket waiting on a direct
        conversation, the room its first message made, either person's), marked this one
        unread (what it shows is no longer recorded read), or marked all read."""
        if self.room is not None and event.get("unread") == self.room.id:
            self.reads_held = True
            await read_tracker.forget(self.user.pk, self.room.id)
            await database_sync_to_async(catching_up.keep_unread)(
                self.user.pk, self.room.id, event["upto"]
            )
            return
        if event.get("all_read"):
            self.reads_held = False
            return
        if self.room is not None or self.partner is None or not self.live:
            return
        room = await database_sync_to_async(rooms.find_direct_room)(self.user, self.partner)
        if room is not None and room.id == event.get("joined"):
            await self._enter(room)

    async def _enter(self, room: Room) -> None:
        """Join the room a waiting direct conversation now has, and send the page all of
        it so far (the first message may have been broadcast before this socket joined)."""
        if self.room is not None:
            return
        self.room = room
        group = fanout.room_group(room.id)
        self.groups_joined.append(group)
        await self.fanout.attach(self, [group])
        await self._send_catch_up(0, 0)

    # --- frames ------------------------------------------------------------------------

    async def _post(self, frame: dict) -> None:
        if self.room is None and not await self._begin(frame):
            return
        try:
            posted = await messages.apost_message(self.room, self.user, frame)
        except SignedOut:
            await self.close(code=CLOSE_SIGNED_OUT)
            return
        except Invalid as refusal:
            # Bad frames cost a render each: they count towards the flood limit.
            bad = refusal.form
            await self._answer_other_frame(lambda: rendering.composer_frame(bad, ack=bad.ack))
            return
        except Refused as refusal:
            # Too fast, or not stored: the composer comes back holding the text. A page
            # sends one post at a time and waits for its answer, so refusal after refusal
            # is a flood: they count with bad frames, and the socket past them is closed.
            notice = refusal.message
            wait = refusal.retry_after if isinstance(refusal, TooFast) else None

            def composer() -> str:
                form = MessageForm(frame)
                form.is_valid()
                return rendering.composer_frame(form, ack=form.ack, notice=notice, wait=wait)

            await self._answer_other_frame(composer)
            return
        stored_as = posted.message.id
        self.reads_held = False  # writing here reads it (``chat.messages.posting``)
        if posted.broadcast:
            await self.send(text_data=rendering.ack_frame(posted.ack, message_id=stored_as))
        else:
            # Live delivery is down: the sender still sees their message, the others
            # get it when their pages resume.
            answer = rendering.ack_frame(posted.ack, notice=NOTICE_NOT_LIVE, message_id=stored_as)
            await self.send(text_data=answer + posted.frame)

    async def _begin(self, frame: dict) -> bool:
        """The first message of a conversation nobody has written in opens its room (as
        the form's POST does); False, with the composer sent back, if it is not valid."""
        try:
            room = await database_sync_to_async(messages.begin)(self.conversation, frame)
        except Invalid as refusal:
            bad = refusal.form
            await self._answer_other_frame(lambda: rendering.composer_frame(bad, ack=bad.ack))
            return False
        await self._enter(room)
        return True

    async def _typing(self) -> None:
        # A page says so at most every few seconds; more is a flood, dropped quietly.
        if self.room is not None and self.typing_frames.allow():
            await typists.started(self.room.id, self.user)

    async def _resume(self, after: object, cursor: object) -> None:
        if not _is_id(after) or not (cursor is None or _is_id(cursor)):
            await self._answer_other_frame(lambda: rendering.notice_frame(NOTICE_BAD_RESUME))
            return
        if not self.other_frames.allow():
            await self.close(code=CLOSE_FLOODING)
            return
        await self._send_catch_up(after, cursor)

    async def _send_catch_up(self, after: int, cursor: int | None) -> None:
        if self.room is None:
            return  # a direct conversation not begun: nothing to catch up on
        frame, newest, revision = await self._catch_up_frame(after, cursor)
        if frame:
            await self.send(text_data=frame)
        self.synced = max(self.synced or 0, revision)
        if newest:
            self._shown(newest)

    @database_sync_to_async
    def _catch_up_frame(self, after: int, cursor: int | None) -> tuple[str, int, int]:
        missed = messages.catch_up(self.room, after_id=after, cursor=cursor)
        if missed.replaces_page:
            frame = rendering.message_list_frame(
                missed.messages, missed.has_older, self.links.older
            )
        elif missed.messages:
            frame = rendering.new_messages_frame(missed.messages)
        else:
            frame = ""
        if cursor is not None and missed.revision != cursor:
            frame += rendering.cursor_frame(missed.revision)
        return frame, missed.newest_id, missed.revision

    async def _answer_other_frame(self, render: Callable[[], str]) -> None:
        # Bad frames cost a render each; a socket that keeps sending them is closed, and
        # the one past the limit costs no render at all.
        if not self.other_frames.allow():
            await self.close(code=CLOSE_FLOODING)
            return
        await self.send(text_data=render())
