"""``/styleguide/``: every partial of the app, in each of its states, on one page.

Each state is rendered through the very template and partial name the app renders
("chat/room.html#message", ...), with made-up data built in memory: nothing is read from
or written to the database for it, and no markup is copied. A designer changes a partial
and sees every state of it here. Staff may open it, and everyone when DEBUG is on; to the
others it does not exist (404).

A new partial must be added here too: tests/test_views_styleguide.py finds every
``{% partialdef %}`` under templates/ and fails while one is missing from this page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from chat import consumers, messages, ratelimit, staff
from chat.forms import (
    AttachmentForm,
    BotForm,
    MessageForm,
    NotifyForm,
    ReactionForm,
    RoomForm,
    SignupForm,
    UsernameForm,
)
from chat.limits import MESSAGE_MAX_CHARS, REACTION_PALETTE
from chat.links import direct_links, group_room_links
from chat.lobby import RoomEntry
from chat.models import Attachment, Bot, Membership, Mention, Message, Profile, Reaction, Room
from chat.presence import Member
from chat.search import SearchPage, SearchResult
from chat.typists import Typist

#: The made-up image every image message here shows (a real file, so nothing 404s).
SAMPLE_IMAGE = "chat/styleguide-sample.svg"


@dataclass(frozen=True)
class State:
    """One state of one or more partials, as the page shows it."""

    anchor: str
    title: str
    #: When it appears, in one line.
    note: str
    #: The partials it renders ("template#name"), as the completeness test reads them.
    partials: tuple[str, ...]
    html: str
    #: The class of the element the partial sits in on its page (a list, the log), if any.
    wrap: str = ""
    #: Nothing of it shows: it carries data for chat.js; the page shows its HTML instead.
    invisible: bool = False


@dataclass(frozen=True)
class Group:
    """A heading of the page and the states under it."""

    anchor: str
    title: str
    states: list[State] = field(default_factory=list)


# --- made-up people, rooms and messages (never saved) ---------------------------------


class Samples:
    """The made-up world the states are drawn from; ``me`` is the person looking."""

    def __init__(self, me) -> None:
        self.me = me
        taken = {me.pk}
        ids = (n for n in range(900_001, 901_000) if n not in taken)
        self.bob = self.person(next(ids), "bob")
        self.carol = self.person(next(ids), "carol")
        self.bot = self.person(next(ids), "weatherbot", is_bot=True)
        self.now = timezone.now().replace(second=0, microsecond=0)
        self.room = Room(id=900_001, slug="lunch", title="Lunch", kind=Room.Kind.PUBLIC)
        self.private = Room(
            id=900_002, slug="plans-0a1b2c3d4e", title="Plans", kind=Room.Kind.PRIVATE,
            created_by=me,
        )  # fmt: skip
        self.next_id = iter(range(900_001, 990_000))

    @staticmethod
    def person(pk: int, username: str, *, is_bot: bool = False):
        user = get_user_model()(pk=pk, username=username)
        user.profile = Profile(user=user, is_bot=is_bot)
        return user

    def message(
        self,
        author,
        body: str,
        *,
        minutes_ago: int = 3,
        edited: bool = False,
        deleted: bool = False,
        reactions: tuple[tuple[str, tuple], ...] = (),
        mentions: tuple = (),
        attachment: Attachment | None = None,
    ) -> Message:
        when = self.now - timedelta(minutes=minutes_ago)
        message = Message(
            id=next(self.next_id),
            room=self.room,
            author=author,
            body="" if deleted else body,
            created_at=when,
            edited_at=when + timedelta(minutes=1) if edited else None,
            deleted=deleted,
            has_attachment=attachment is not None,
            revision=1,
        )
        given = [
            Reaction(id=next(self.next_id), message=message, user=person, emoji=emoji,
                     created_at=when)
            for emoji, people in reactions for person in people
        ]  # fmt: skip
        found = [Mention(message=message, user=person) for person in mentions]
        # What MessageQuerySet.for_room prefetches, known already (as chat.messages does).
        message._prefetched_objects_cache = {"mentions": found, "reactions": given}
        if attachment is not None:
            attachment.id = next(self.next_id)
            message.attachment = attachment
            # The partial reads these; here they lead to a file that exists.
            attachment.url = attachment.thumbnail_url = static(SAMPLE_IMAGE)
        return message

    def image(self) -> Attachment:
        return Attachment(
            kind=Attachment.Kind.IMAGE, name="harbour.svg", content_type="image/svg+xml",
            size=48_213, width=640, height=400, thumb_width=320, thumb_height=200,
        )  # fmt: skip

    def file(self) -> Attachment:
        return Attachment(
            kind=Attachment.Kind.FILE, name="minutes-2024-05.pdf",
            content_type="application/pdf", size=1_234_567,
        )  # fmt: skip


def _bound(form_class, data: dict, **kwargs):
    """A form as a refused request leaves it: bound and validated, holding its errors."""
    form = form_class(data, **kwargs)
    form.is_valid()
    return form


def _too_fast() -> str:
    return ratelimit.POSTING.message.format(wait=ratelimit.readable_wait(8))


# --- the states -----------------------------------------------------------------------


class Styleguide:
    """Renders every state; ``groups`` is what the page lists."""

    def __init__(self, request: HttpRequest, me) -> None:
        self.request = request
        self.s = Samples(me)
        self.groups: list[Group] = []

    def render(self, name: str, **context) -> str:
        """A partial exactly as the app renders it (with the request: CSRF, the viewer)."""
        return render_to_string(name, {"user": self.s.me, **context}, request=self.request)

    def group(self, anchor: str, title: str) -> Group:
        self.groups.append(Group(anchor, title))
        return self.groups[-1]

    def add(
        self, group: Group, anchor: str, title: str, note: str, parts, *, within=(), **options
    ) -> None:
        """A state made of ``parts``: (partial name, context) pairs rendered in order;
        ``within`` names the partials they include, shown in this state as well."""
        html = "".join(self.render(name, **context) for name, context in parts)
        names = tuple(dict.fromkeys([name for name, _ in parts] + list(within)))
        group.states.append(State(f"sg-{anchor}", title, note, names, mark_safe(html), **options))  # noqa: S308 - rendered by our templates, escaped there

    def build(self) -> list[Group]:
        self.messages()
        self.conversation()
        self.composer()
        self.room_parts()
        self.people()
        self.lobby()
        self.search()
        self.forms()
        self.invisible()
        return self.groups

    # -- messages

    def article(self, message: Message, **context) -> tuple[str, dict]:
        return ("chat/room.html#message", {"message": message, **context})

    def messages(self) -> None:
        s = self.s
        g = self.group("messages", "Messages")
        cases = [
            (
                "message-mine",
                "Mine",
                "A message I wrote: my background, my Edit and Delete.",
                s.message(s.me, "I will bring the bread."),
            ),
            (
                "message-other",
                "Someone else's",
                "A message by another member.",
                s.message(s.bob, "Lunch at noon, the usual place?"),
            ),
            (
                "message-edited",
                "Edited",
                "Its author changed it: “(edited)” with the time.",
                s.message(s.bob, "Lunch at half past twelve, the usual place?", edited=True),
            ),
            (
                "message-deleted",
                "Deleted",
                "Its author or the room's creator deleted it; only a tombstone is left.",
                s.message(s.bob, "", deleted=True),
            ),
            (
                "message-reactions",
                "With reactions",
                "People reacted; mine is highlighted.",
                s.message(
                    s.bob,
                    "Cake on Friday!",
                    reactions=(("🎉", (s.me, s.carol)), ("👍", (s.carol,))),
                ),
            ),
            (
                "message-mention",
                "Mentioning me",
                "Someone wrote @ and my name: marked for me.",
                s.message(s.carol, f"@{s.me.username} can you book a table?", mentions=(s.me,)),
            ),
            (
                "message-image",
                "With an image",
                "An image was sent: its thumbnail, which opens it.",
                s.message(s.carol, "The view from the terrace", attachment=s.image()),
            ),
            (
                "message-file",
                "With a file",
                "A file was sent: a link that downloads it.",
                s.message(s.me, "", attachment=s.file()),
            ),
            (
                "message-long",
                "Very long",
                "A long message keeps its line breaks and wraps.",
                s.message(s.bob, "\n\n".join(["Here is the plan for the whole day. " * 8] * 3)),
            ),
            (
                "message-long-word",
                "A long unbroken word",
                "A URL or word wider than the screen breaks instead of widening the page.",
                s.message(s.carol, "https://example.org/" + "a-very-long-path" * 16),
            ),
            (
                "message-html",
                "Containing HTML",
                "What looks like markup is shown as typed, escaped.",
                s.message(s.bob, "<script>alert('hi')</script> & <b>bold</b>?"),
            ),
            (
                "message-bot",
                "A bot's message",
                "A bot posted through its token: a badge beside its name.",
                s.message(s.bot, "Sunny, 24 °C at noon."),
            ),
        ]
        for anchor, title, note, message in cases:
            within = ("chat/room.html#attachment",) if message.has_attachment else ()
            self.add(
                g, anchor, title, note, [self.article(message)], wrap="messages", within=within
            )
        message = s.message(s.me, "Moving lunch to Thursday.")
        self.add(
            g,
            "message-edit-form",
            "Editing",
            "After Edit: the form in the message "
            "(chat/message.html; without JavaScript, a page of its own).",
            [
                (
                    "chat/message.html#edit-form",
                    {
                        "message": message,
                        "back": "#",
                        "form": MessageForm(initial={"body": message.body}),
                    },
                )
            ],
            wrap="messages",
        )
        too_long = _bound(MessageForm, {"body": "x" * (MESSAGE_MAX_CHARS + 12)})
        self.add(
            g,
            "message-edit-error",
            "Editing, refused",
            "A change the server refused, with its reason; the text is kept.",
            [("chat/message.html#edit-form", {"message": message, "back": "#", "form": too_long})],
            wrap="messages",
        )
        self.add(
            g,
            "message-delete-form",
            "Deleting",
            "After Delete: are you sure?",
            [("chat/message.html#delete-form", {"message": message, "back": "#"})],
            wrap="messages",
        )
        self.add(
            g,
            "message-react-form",
            "Reacting",
            "After React: the palette, or any emoji.",
            [
                (
                    "chat/message.html#react-form",
                    {
                        "message": message,
                        "back": "#",
                        "palette": REACTION_PALETTE,
                        "form": ReactionForm(),
                    },
                )
            ],
            wrap="messages",
        )

    # -- the conversation around them

    def conversation(self) -> None:
        s = self.s
        g = self.group("conversation", "The conversation")
        older = group_room_links(s.room.slug).older
        page = [s.message(s.bob, "Good morning"), s.message(s.me, "Morning!")]
        self.add(
            g,
            "message-list",
            "The list, with older messages to load",
            "The room page's list: “Load older messages” above the latest page.",
            [
                (
                    "chat/room.html#message-list",
                    {"messages": page, "has_older": True, "older_url": older},
                )
            ],
        )
        self.add(
            g,
            "older-page-start",
            "Older messages, back to the start",
            "What “Load older messages” brings when it reaches the first message.",
            [
                (
                    "chat/room.html#older-page",
                    {"messages": page, "has_older": False, "older_url": older},
                )
            ],
            wrap="messages",
        )
        self.add(
            g,
            "older-page-empty",
            "Empty room",
            "A room where nothing was said yet.",
            [
                (
                    "chat/room.html#older-page",
                    {"messages": [], "has_older": False, "older_url": older},
                )
            ],
            wrap="messages",
        )
        self.add(
            g,
            "newer-page",
            "Newer messages",
            "A room opened at a search result: “Load newer messages” until the newest.",
            [
                (
                    "chat/room.html#newer-page",
                    {
                        "messages": page,
                        "has_newer": True,
                        "newest_id": page[-1].id,
                        "older_url": older,
                    },
                )
            ],
            wrap="messages",
        )
        self.add(
            g,
            "newer-link",
            "The last newer page",
            "The end of the newer pages: a "
            "hidden marker telling chat.js the list reaches the newest.",
            [("chat/room.html#newer-link", {"has_newer": False})],
            invisible=True,
        )
        arrived = [s.message(s.bob, "Anyone there?")]
        self.add(
            g,
            "new-messages",
            "A new message arriving",
            "The frame every socket of "
            "the room gets for a new message, with the words for screen readers "
            "(#announcer, visually hidden).",
            [("chat/room.html#new-messages", {"messages": arrived})],
        )
        self.add(
            g,
            "announcer-many",
            "Several arriving at once",
            "After a reconnect: screen readers hear how many, not each.",
            [("chat/room.html#announcer", {"messages": page})],
            invisible=True,
        )
        changed = self.render("chat/room.html#message", message=arrived[0], change=True)
        self.add(
            g,
            "changed-messages",
            "A message changing",
            "The frame for an edit, a "
            "deletion or a reaction: the article again, put in place of its copy.",
            [("chat/room.html#changed-messages", {"article": changed})],
        )
        self.add(
            g,
            "typing-one",
            "Someone typing",
            "While a member types (the reader's own line is hidden).",
            [("chat/room.html#typing", {"typists": [Typist(s.bob.pk, "bob", 0)]})],
        )
        self.add(
            g,
            "typing-two",
            "Two typing",
            "Each typist has a line.",
            [
                (
                    "chat/room.html#typing",
                    {"typists": [Typist(s.bob.pk, "bob", 0), Typist(s.carol.pk, "carol", 0)]},
                )
            ],
        )
        self.add(
            g,
            "typing-none",
            "Nobody typing",
            "The line keeps its room, empty.",
            [("chat/room.html#typing", {"typists": []})],
        )
        for state in ("connecting", "live", "reconnecting", "offline"):
            notes = {
                "connecting": "The page opens its socket.",
                "live": "Connected: messages arrive as they are sent.",
                "reconnecting": "The socket dropped; chat.js tries again.",
                "offline": "Before the first connection, or closed on purpose by the server.",
            }
            self.add(
                g,
                f"connection-{state}",
                f"Connection: {state}",
                notes[state],
                [("chat/room.html#connection", {"state": state})],
            )

    # -- the composer

    def composer(self) -> None:
        s = self.s
        g = self.group("composer", "The composer")
        links = group_room_links(s.room.slug)
        empty = MessageForm()
        self.add(
            g,
            "composer-empty",
            "Empty",
            "Ready for a message; Enter sends, Shift+Enter is a new line.",
            [("chat/room.html#composer", {"form": empty})],
            wrap="composer-form",
        )
        self.add(
            g,
            "composer-error",
            "With an error",
            "A send the server refused (here, nothing in it); the text is kept.",
            [("chat/room.html#composer", {"form": _bound(MessageForm, {"body": " "})})],
            wrap="composer-form",
        )
        kept = MessageForm({"body": "One more thing about lunch"})
        kept.is_valid()
        self.add(
            g,
            "composer-too-fast",
            "Too fast",
            "Past the posting limit: the text comes back with a notice to wait.",
            [
                ("chat/room.html#composer", {"form": kept}),
                ("chat/room.html#notice", {"notice": _too_fast()}),
            ],
            wrap="composer-form",
        )
        self.add(
            g,
            "composer-sending",
            "Sending",
            "While a send awaits the server's answer "
            "(chat.js sets data-sending on #composer; shown here by the same attribute).",
            [("chat/room.html#composer", {"form": empty, "sending": True})],
            wrap="composer-form",
        )
        near = MessageForm({"body": "Minutes of the meeting. " * 159})
        near.is_valid()
        self.add(
            g,
            "composer-count",
            "Nearing the limit",
            "From "
            f"{MessageForm.count_from:,} characters on, how many (chat.js keeps it "
            "up to date as one types).",
            [("chat/room.html#composer", {"form": near})],
            wrap="composer-form",
        )
        self.add(
            g,
            "mention-suggestions",
            "Members to mention",
            "After typing @ and letters: members whose name starts so.",
            [("chat/room.html#mention-suggestions", {"people": [s.bob, s.bot]})],
            wrap="composer-form",
        )
        self.add(
            g,
            "upload",
            "The file button",
            "Below the composer: send a file, with words if wanted.",
            [("chat/room.html#upload", {"links": links, "upload_form": AttachmentForm()})],
        )
        refused = AttachmentForm({"body": ""}, {})
        refused.is_valid()
        self.add(
            g,
            "upload-answer",
            "A file sent, or refused",
            "The answer to a file: the form again (here holding its error) and a notice.",
            [
                (
                    "chat/room.html#upload-answer",
                    {
                        "links": links,
                        "upload_form": refused,
                        "notice": "Sending the file failed; nothing was shared.",
                    },
                )
            ],
        )

    # -- the room's other parts

    def room_parts(self) -> None:
        s = self.s
        g = self.group("room", "Notices and members")
        self.add(
            g,
            "notice",
            "A notice",
            "A short word to the one page that caused it.",
            [("chat/room.html#notice", {"notice": consumers.NOTICE_NOT_LIVE})],
        )
        self.add(
            g,
            "notice-unavailable",
            "Not stored",
            "The database failed; the text is kept.",
            [("chat/room.html#notice", {"notice": messages.NOT_STORED})],
        )
        self.add(
            g,
            "alert",
            "A refusal",
            "Something asked for over htmx was refused: the "
            "alert bar at the top of the page (chat/refusal.html).",
            [
                (
                    "chat/refusal.html#alert",
                    {"message": "Only the room's creator can remove members."},
                )
            ],
            wrap="alerts",
        )
        public = [
            Member(s.me, True),
            Member(s.bob, True),
            Member(s.carol, False),
            Member(s.bot, False),
        ]
        self.add(
            g,
            "members",
            "Members, online and offline",
            "A public room's list; a green dot is online.",
            [("chat/room.html#members", {"room": s.room, "members": public})],
            wrap="members-panel",
        )
        private = [Member(s.me, True), Member(s.bob, False), Member(s.carol, True)]
        self.add(
            g,
            "members-panel-private",
            "A private room, for its creator",
            "Leave beside my name; Remove beside the others' (the creator's only); a form "
            "to add someone.",
            [
                (
                    "chat/room.html#members-panel",
                    {
                        "room": s.private,
                        "members": private,
                        "member_form": UsernameForm(),
                        "added": s.carol,
                    },
                )
            ],
            wrap="sg-private",
        )

    # -- people

    def people(self) -> None:
        s = self.s
        g = self.group("people", "People")
        ada = s.person(900_777, "ada_l")
        ada.profile.display_name = "Ada Lovelace"
        # A made-up picture: all the partial reads of a person whose profile has one.
        picture = static(SAMPLE_IMAGE)
        pictured = SimpleNamespace(
            profile=SimpleNamespace(avatar=True, avatar_url=picture, avatar_small_url=picture)
        )
        avatar = "chat/room.html#avatar"
        self.add(
            g,
            "avatar-initials",
            "Avatars: initials",
            "Someone without a picture: their initials on the colour their user id picks, "
            "beside their name (hidden from screen readers there).",
            [(avatar, {"person": person}) for person in (s.bob, ada, s.carol, s.bot)],
        )
        self.add(
            g,
            "avatar-picture",
            "Avatar: a picture",
            "Someone who uploaded a picture on their profile page.",
            [(avatar, {"person": pictured})],
        )
        self.add(
            g,
            "avatar-big",
            "Avatars on a profile page",
            "Big, and named for screen readers, as /u/<username>/ shows them.",
            [
                (avatar, {"person": ada, "big": True, "label": "Ada Lovelace"}),
                (avatar, {"person": pictured, "big": True, "label": "grace"}),
            ],
        )
        self.add(
            g,
            "byline",
            "A name with its picture",
            "In a message's header and the members list; after a rename it is sent again "
            "and replaces every copy of that person on the page.",
            [("chat/room.html#byline", {"person": ada})],
        )

    # -- the lobby

    def entry(self, room: Room, **fields) -> RoomEntry:
        defaults = {"unread": 0, "last_body": "See you there", "last_author": "bob"}
        return RoomEntry(room, group_room_links(room.slug), **{**defaults, **fields})

    def lobby(self) -> None:
        s = self.s
        g = self.group("lobby", "The lobby")
        notify = Membership.Notify
        cases = [
            (
                "lobby-entry",
                "A room",
                "One of my rooms, read up to its latest message.",
                self.entry(s.room),
            ),
            (
                "lobby-entry-unread",
                "Unread",
                "Messages came since I last looked.",
                self.entry(s.room, unread=4),
            ),
            (
                "lobby-entry-mentioned",
                "Mentioned",
                "Unread messages that mention me.",
                self.entry(s.private, unread=2, mentioned=1),
            ),
            (
                "lobby-entry-muted",
                "Muted",
                "A room I chose to hear nothing of.",
                self.entry(s.room, unread=7, notify=notify.NOTHING),
            ),
            (
                "lobby-entry-file",
                "Last said: a file",
                "The latest message is a file alone.",
                self.entry(s.room, last_body="", last_file="minutes-2024-05.pdf"),
            ),
        ]
        for anchor, title, note, entry in cases:
            self.add(
                g,
                anchor,
                title,
                note,
                [("chat/lobby.html#lobby-entry", {"entry": entry})],
                wrap="room-list",
            )
        direct = RoomEntry(
            Room(id=900_003, slug="dm.1.2", kind=Room.Kind.DIRECT),
            direct_links("bob"),
            1,
            "Thanks!",
            "bob",
            partner="bob",
        )
        self.add(
            g,
            "mine",
            "My rooms and conversations",
            "The lobby's left column, for me.",
            [
                (
                    "chat/lobby.html#mine",
                    {
                        "my_rooms": [self.entry(s.room, unread=4)],
                        "my_directs": [direct],
                        "unread_total": 5,
                    },
                )
            ],
        )
        self.add(
            g,
            "mine-empty",
            "No rooms yet",
            "A new person's lobby: the empty states.",
            [("chat/lobby.html#mine", {"my_rooms": [], "my_directs": []})],
        )
        rooms = [
            SimpleNamespace(
                title="Lunch",
                links=group_room_links("lunch"),
                member_count=3,
                last_at=s.now - timedelta(minutes=5),
            ),
            SimpleNamespace(
                title="Book club", links=group_room_links("book-club"), member_count=1, last_at=None
            ),
        ]
        self.add(
            g,
            "public-rooms",
            "Public rooms",
            "Every public room, most recently active first (the same for everyone).",
            [("chat/lobby.html#public-rooms", {"public_rooms": rooms})],
        )
        self.add(
            g,
            "public-rooms-empty",
            "No public rooms",
            "Before anyone made one.",
            [("chat/lobby.html#public-rooms", {"public_rooms": []})],
        )
        self.add(
            g,
            "direct-form",
            "Message someone",
            "Open a conversation by username.",
            [("chat/lobby.html#direct-form", {"direct_form": UsernameForm()})],
        )
        self.add(
            g,
            "direct-form-error",
            "Message someone, refused",
            "Nobody by that name, or nothing typed.",
            [
                (
                    "chat/lobby.html#direct-form",
                    {"direct_form": _bound(UsernameForm, {"username": ""})},
                )
            ],
        )
        self.add(
            g,
            "room-form",
            "Create a room",
            "A name, and who can join.",
            [("chat/lobby.html#room-form", {"room_form": RoomForm()})],
        )
        self.add(
            g,
            "room-form-error",
            "Create a room, refused",
            "A name that shows nothing.",
            [
                (
                    "chat/lobby.html#room-form",
                    {"room_form": _bound(RoomForm, {"title": " ", "kind": "public"})},
                )
            ],
        )
        self.add(
            g,
            "page-title",
            "The page title",
            "The lobby's title with my unread count (chat.js copies it into the tab's title).",
            [("chat/lobby.html#page-title", {"unread_total": 5})],
        )

    # -- search

    def search(self) -> None:
        s = self.s
        g = self.group("search", "Search")
        links = group_room_links(s.room.slug)
        found = [
            s.message(s.bob, "Lunch at noon"),
            s.message(s.carol, "No lunch today", attachment=s.file()),
        ]
        results = [
            SearchResult(
                message,
                s.room,
                "Lunch",
                links.page,
                format_html("{}<mark>{}</mark>{}", *message.body.partition("unch")),
            )
            for message in found
        ]
        page = SearchPage("lunch", ("lunch",), results, has_more=True)
        self.add(
            g,
            "result",
            "A result",
            "One matching message, its words marked, with a way into the conversation.",
            [("chat/search.html#result", {"result": results[0], "message": found[0]})],
            wrap="results",
        )
        self.add(
            g,
            "results",
            "Results",
            "A page of results, newest first.",
            [("chat/search.html#results", {"page": page})],
        )
        self.add(
            g,
            "results-none",
            "No results",
            "Nothing matches the words.",
            [
                (
                    "chat/search.html#results",
                    {"page": SearchPage("pudding", ("pudding",), [], has_more=False)},
                )
            ],
        )
        self.add(
            g,
            "results-hint",
            "Nothing to search for",
            "The search page before any word was typed.",
            [("chat/search.html#results", {"page": SearchPage("", (), [], has_more=False)})],
        )

    # -- forms of their own pages

    def forms(self) -> None:
        s = self.s
        g = self.group("forms", "Forms and settings")
        signup = _bound(SignupForm, {"username": "", "password1": "abc", "password2": "abd"})
        for field_ in signup.fields.values():
            # A sample must not take the focus: the page would open at it, far down.
            field_.widget.attrs.pop("autofocus", None)
        for field_ in signup:
            self.add(
                g,
                f"field-{field_.name}",
                f"A field: {field_.label}",
                "Log in and sign up write their fields with it: label, input, error, help.",
                [("base.html#field", {"field": field_})],
                wrap="stacked-form",
            )
        links = group_room_links(s.room.slug)
        self.add(
            g,
            "notify-form",
            "What of a room reaches me",
            "A room's settings page.",
            [
                (
                    "chat/room_settings.html#notify-form",
                    {
                        "links": links,
                        "notify_form": NotifyForm(initial={"notify": "mentions"}),
                        "saved": True,
                    },
                )
            ],
        )
        bot = Bot(
            pk=900_001,
            room=s.private,
            user=s.bot,
            avatar_letter="W",
            created_by=s.me,
            outgoing_url="https://example.org/hook",
        )
        revoked = Bot(
            pk=900_002,
            room=s.private,
            user=s.person(900_999, "oldbot", is_bot=True),
            avatar_letter="O",
            created_by=None,
            revoked_at=s.now,
        )
        self.add(
            g,
            "bots-panel",
            "A room's bots",
            "A group room's settings: its bots, and a form to make one.",
            [
                (
                    "chat/room_settings.html#bots-panel",
                    {"room": s.room, "bots": [bot, revoked], "bot_form": BotForm()},
                )
            ],
        )
        self.add(
            g,
            "bots-panel-empty",
            "No bots",
            "Before any bot was made.",
            [
                (
                    "chat/room_settings.html#bots-panel",
                    {"room": s.room, "bots": [], "bot_form": BotForm()},
                )
            ],
        )

    # -- parts that show nothing

    def invisible(self) -> None:
        g = self.group("data", "Parts that show nothing")
        note = "Data for chat.js; keep its id and attributes."
        self.add(
            g,
            "cursor",
            "The room revision",
            "Sent after a catch-up. " + note,
            [("chat/room.html#cursor", {"revision": 42})],
            invisible=True,
        )
        self.add(
            g,
            "ack",
            "A send answered",
            "Names the send the server stored. " + note,
            [("chat/room.html#ack", {"ack": "3f1c9a52-8a7e-4a53-9d5f-0c0f4d1b7e21"})],
            invisible=True,
        )
        self.add(
            g,
            "notification",
            "A notification",
            "Sent to a person's lobby when a "
            "message concerns them; chat.js shows it while the tab is hidden. " + note,
            [
                (
                    "base.html#notification",
                    {
                        "tag": "m-1",
                        "title": "bob in Lunch",
                        "body": "Anyone there?",
                        "url": "/r/lunch/",
                    },
                )
            ],
            invisible=True,
        )


def _viewer(request: HttpRequest):
    """Who the page is shown to: the person signed in, or (DEBUG, nobody signed in) a
    made-up person, so that "mine" and "mentions me" look as they do to anyone."""
    if request.user.is_authenticated:
        return request.user
    return Samples.person(900_000, "you")


@require_GET
def styleguide_page(request: HttpRequest) -> HttpResponse:
    """``/styleguide/``: every partial in every state; staff only, or anyone under DEBUG."""
    if not staff.may_see_styleguide(request.user):
        raise Http404("No such page.")
    signed_in = request.user.is_authenticated
    me = _viewer(request)
    # The page itself is drawn for the viewer too (base.html's per-viewer style block).
    request.user = me
    groups = Styleguide(request, me).build()
    context = {"groups": groups, "signed_in": signed_in}
    return render(request, "chat/styleguide.html", context)
