"""The styleguide's table: every state of every partial, in the order the page shows them.

A row names the state (its anchor, a title, a note saying when it appears), the partial it
draws ("template#name", as the app renders it) and a function of the made-up world
(``chat.styleguide.samples.Samples``, ``s`` below) giving that partial's context. A row
may draw a partial several times (a list of contexts), or several partials (one context
each); ``within`` names the partials the drawn ones include, ``wrap`` the class of the element
the partial sits in on its page, and ``invisible`` a part that shows nothing (data for
the page's script: the page shows its HTML instead). On the page, a state's anchor is
"sg-" + its own.

A new partial must be added here too: tests/styleguide/test_views.py finds every
``{% partialdef %}`` under templates/ and fails while one is missing from the page.
"""

from __future__ import annotations

from django.utils.text import format_lazy

from chat.bots.forms import BotForm
from chat.broadcast.presence import Member
from chat.broadcast.typists import Typist
from chat.messages import posting as messages
from chat.messages import replies
from chat.messages.forms import AttachmentForm, MessageForm
from chat.messages.search import SearchPage
from chat.models import Membership
from chat.people.forms import SignupForm
from chat.rooms.forms import NotifyForm, RoomForm, UsernameForm
from chat.rooms.switcher import Choices
from chat.sockets import consumers
from chat.styleguide.catching_up_states import CATCHING_UP
from chat.styleguide.digest_states import DIGESTS
from chat.styleguide.group_states import GROUPS
from chat.styleguide.instance_states import INSTANCE, PUSH
from chat.styleguide.joining_states import JOINING
from chat.styleguide.message_states import MESSAGES
from chat.styleguide.moderation_states import MODERATION
from chat.styleguide.people_states import PEOPLE_DIRECTORY
from chat.styleguide.receipts_states import RECEIPTS
from chat.styleguide.room_admin_states import ROOM_ADMIN
from chat.styleguide.rows import DATA, Section, State
from chat.styleguide.samples import (
    Partial,
    bound,
    entry,
    too_fast,
)


def replied_to_nothing() -> MessageForm:
    """A send answering a message deleted meanwhile, as the composer gets it back."""
    form = bound(MessageForm, {"body": "Me too!", "reply_to": "900999"})
    form.add_error("reply_to", replies.GONE)
    return form


# fmt: off
CONVERSATION = Section("conversation", "The conversation", (
    State("message-list", "The list, with older messages to load",
          "The room page's list: “Load older messages” above the latest page.",
          "chat/room.html#message-list",
          lambda s: {"messages": s.page, "has_older": True, "older_url": s.links.older}),
    State("older-page-start", "Older messages, back to the start",
          "What “Load older messages” brings when it reaches the first message.",
          "chat/room.html#older-page",
          lambda s: {"messages": s.page, "has_older": False, "older_url": s.links.older},
          wrap="messages"),
    State("older-page-empty", "Empty room", "A room where nothing was said yet.",
          "chat/room.html#older-page",
          lambda s: {"messages": [], "has_older": False, "older_url": s.links.older},
          wrap="messages"),
    State("day-separator", "A new day", "Above a day's first message, in the reader's own "
          "day (drawn by the page's script; the server's day without JavaScript).",
          "chat/room.html#older-page",
          lambda s: {"messages": s.two_days, "has_older": False, "older_url": s.links.older},
          wrap="messages", within=("chat/room.html#day-separator",)),
    State("newer-page", "Newer messages",
          "A room opened at a search result: “Load newer messages” until the newest.",
          "chat/room.html#newer-page", lambda s: {"messages": s.page, "has_newer": True,
              "newest_id": s.page[-1].id, "older_url": s.links.older}, wrap="messages"),
    State("newer-link", "The last newer page", "The end of the newer pages: a "
          "hidden marker telling the page's script the list reaches the newest.",
          "chat/room.html#newer-link", lambda s: {"has_newer": False}, invisible=True),
    State("new-messages", "A new message arriving", "The frame every socket of the room gets "
          "for a new message, with the words for screen readers (#announcer, visually hidden).",
          "chat/room.html#new-messages", lambda s: {"messages": [s.arrived]}),
    State("announcer-many", "Several arriving at once",
          "After a reconnect: screen readers hear how many, not each.",
          "chat/room.html#announcer", lambda s: {"messages": s.page}, invisible=True),
    State("changed-messages", "A message changing", "The frame for an edit, a deletion or a "
          "reaction: the article again, put in place of its copy.",
          "chat/room.html#changed-messages", lambda s: {"article": Partial(
              "chat/room.html#message", {"message": s.arrived, "change": True})}),
    State("typing-one", "Someone typing", "While a member types (the reader's own line is hidden).",
          "chat/room.html#typing", lambda s: {"typists": [Typist(s.bob.pk, "bob", 0)]}),
    State("typing-two", "Two typing", "Each typist has a line.", "chat/room.html#typing",
          lambda s: {"typists": [Typist(s.bob.pk, "bob", 0), Typist(s.carol.pk, "carol", 0)]}),
    State("typing-none", "Nobody typing", "The line keeps its room, empty.",
          "chat/room.html#typing", lambda s: {"typists": []}),
    State("connection-connecting", "Connection: connecting", "The page opens its socket.",
          "chat/room.html#connection", lambda s: {"state": "connecting"}),
    State("connection-live", "Connection: live", "Connected: messages arrive as they are sent.",
          "chat/room.html#connection", lambda s: {"state": "live"}),
    State("connection-reconnecting", "Connection: reconnecting",
          "The socket dropped; the page's script tries again.",
          "chat/room.html#connection", lambda s: {"state": "reconnecting"}),
    State("connection-offline", "Connection: offline",
          "Before the first connection, or closed on purpose by the server.",
          "chat/room.html#connection", lambda s: {"state": "offline"}),
))

COMPOSER = Section("composer", "The composer", (
    State("composer-empty", "Empty", "Ready for a message; Enter sends, Shift+Enter is a new line.",
          "chat/room.html#composer", lambda s: {"form": s.composer}, wrap="composer-form"),
    State("reply-bar", "Replying", "After Reply: who and what the next send answers, above the "
          "box (its cross cancels). Empty and hidden until then.",
          ("chat/room.html#reply-bar", "chat/room.html#composer"),
          lambda s: [{"replying_to": s.arrived, "post_url": s.links.page},
                     {"form": s.composer}], wrap="composer-form"),
    State("reply-refused", "A reply refused",
          "The message answered was deleted meanwhile: the text is kept, the reply dropped.",
          "chat/room.html#composer", lambda s: {"form": replied_to_nothing()},
          wrap="composer-form"),
    State("composer-error", "With an error",
          "A send the server refused (here, nothing in it); the text is kept.",
          "chat/room.html#composer", lambda s: {"form": bound(MessageForm, {"body": " "})},
          wrap="composer-form"),
    State("composer-too-fast", "Too fast",
          "Past the posting limit: the text comes back with a notice to wait.",
          ("chat/room.html#composer", "chat/room.html#notice"), lambda s: [
              {"form": bound(MessageForm, {"body": "One more thing about lunch"})},
              {"notice": too_fast()}], wrap="composer-form"),
    State("composer-sending", "Sending", "While a send awaits the server's answer "
          "(the page's script sets data-sending on #composer; shown here by the same attribute).",
          "chat/room.html#composer", lambda s: {"form": s.composer, "sending": True},
          wrap="composer-form"),
    State("composer-count", "Nearing the limit", f"From {MessageForm.count_from:,} characters "
          "on, how many (the page's script keeps it up to date as one types).",
          "chat/room.html#composer",
          lambda s: {"form": bound(MessageForm, {"body": "Minutes of the meeting. " * 159})},
          wrap="composer-form"),
    State("mention-suggestions", "Members to mention",
          "After typing @ and letters: members whose name starts so.",
          "chat/room.html#mention-suggestions", lambda s: {"people": [s.bob, s.bot]},
          wrap="composer-form"),
    State("upload", "The file button", "Below the composer: send a file, with words if wanted.",
          "chat/room.html#upload", lambda s: {"links": s.links, "upload_form": AttachmentForm()}),
    State("upload-queue", "Several files on their way", "Files picked, dropped or pasted "
          "together: a row each with its progress (made by the page's script); a refused one "
          "says why.", "chat/room.html#upload-queue", lambda s: {"queue": [
              {"name": "harbour.jpg", "state": "sent", "progress": 100, "said": "sent"},
              {"name": "minutes-2024-05.pdf", "state": "sending", "progress": 40,
               "said": "sending…"},
              {"name": "voice-note.ogg", "state": "waiting", "progress": 0, "said": "waiting"},
              {"name": "huge-video.mov", "state": "failed", "progress": 0,
               "said": "Files are at most 10 MB (this one is 84 MB)."}]},
          wrap="composer-form"),
    State("lightbox", "The lightbox, open", "An image opened from its thumbnail, over the page "
          "(a modal dialog there; Escape closes it).", "chat/parts.html#lightbox",
          lambda s: s.lightbox),
    State("upload-answer", "A file sent, or refused",
          "The answer to a file: the form again (here holding its error) and a notice.",
          "chat/room.html#upload-answer", lambda s: {"links": s.links,
              "upload_form": bound(AttachmentForm, {"body": ""}, {}),
              "notice": "Sending the file failed; nothing was shared."}),
))

ROOM = Section("room", "Notices and members", (
    State("notice", "A notice", "A short word to the one page that caused it.",
          "chat/room.html#notice", lambda s: {"notice": consumers.NOTICE_NOT_LIVE}),
    State("notice-unavailable", "Not stored", "The database failed; the text is kept.",
          "chat/room.html#notice", lambda s: {"notice": messages.NOT_STORED}),
    State("alert", "A refusal", "Something asked for over htmx was refused: the "
          "alert bar at the top of the page (chat/refusal.html).",
          "chat/refusal.html#alert",
          lambda s: {"message": "Only the room's creator can remove members."}, wrap="alerts"),
    State("members", "Members, online and offline", "A public room's list; a green dot is online.",
          "chat/room.html#members", lambda s: {"room": s.room, "members": [Member(s.me, True),
              Member(s.bob, True), Member(s.carol, False), Member(s.bot, False)]},
          wrap="members-panel"),
    State("members-panel-private", "A private room, for its creator",
          "Leave beside my name; Remove beside the others' (the creator's only); a form "
          "to add someone.",
          "chat/room.html#members-panel", lambda s: {"room": s.private, "members": [
              Member(s.me, True), Member(s.bob, False), Member(s.carol, True)],
              "member_form": UsernameForm(), "added": s.carol}, wrap="sg-private"),
))

PEOPLE = Section("people", "People", (
    State("avatar-initials", "Avatars: initials",
          "Someone without a picture: their initials on the colour their user id picks, "
          "beside their name (hidden from screen readers there).",
          "chat/parts.html#avatar",
          lambda s: [{"person": person} for person in (s.bob, s.ada, s.carol, s.bot)]),
    State("avatar-picture", "Avatar: a picture",
          "Someone who uploaded a picture on their profile page.",
          "chat/parts.html#avatar", lambda s: {"person": s.pictured}),
    State("avatar-big", "Avatars on a profile page",
          "Big, and named for screen readers, as /u/<username>/ shows them.",
          "chat/parts.html#avatar", lambda s: [
              {"person": s.ada, "big": True, "label": "Ada Lovelace"},
              {"person": s.pictured, "big": True, "label": "grace"}]),
    State("byline", "A name with its picture",
          "In a message's header and the members list; after a rename it is sent again "
          "and replaces every copy of that person on the page.",
          "chat/parts.html#byline", lambda s: {"person": s.ada}),
))

LOBBY = Section("lobby", "The lobby", (
    State("lobby-entry", "A room", "One of my rooms, read up to its latest message.",
          "chat/lobby.html#lobby-entry", lambda s: {"entry": entry(s.room)}, wrap="room-list"),
    State("lobby-entry-unread", "Unread", "Messages came since I last looked.",
          "chat/lobby.html#lobby-entry", lambda s: {"entry": entry(s.room, unread=4)},
          wrap="room-list"),
    State("lobby-entry-mentioned", "Mentioned", "Unread messages that mention me.",
          "chat/lobby.html#lobby-entry",
          lambda s: {"entry": entry(s.private, unread=2, mentioned=1)}, wrap="room-list"),
    State("lobby-entry-muted", "Muted", "A room I chose to hear nothing of.",
          "chat/lobby.html#lobby-entry", lambda s: {"entry": entry(
              s.room, unread=7, notify=Membership.Notify.NOTHING)}, wrap="room-list"),
    State("lobby-entry-file", "Last said: a file", "The latest message is a file alone.",
          "chat/lobby.html#lobby-entry", lambda s: {"entry": entry(
              s.room, last_body="", last_file="minutes-2024-05.pdf")}, wrap="room-list"),
    State("mine", "My rooms and conversations", "The lobby's left column, for me.",
          "chat/lobby.html#mine", lambda s: {"my_rooms": [entry(s.room, unread=4)],
              "my_directs": [s.direct], "unread_total": 5}),
    State("mine-empty", "No rooms yet", "A new person's lobby: the empty states.",
          "chat/lobby.html#mine", lambda s: {"my_rooms": [], "my_directs": []}),
    State("public-rooms", "Public rooms",
          "Every public room, most recently active first (the same for everyone).",
          "chat/lobby.html#public-rooms", lambda s: {"public_rooms": s.public_rooms}),
    State("public-rooms-empty", "No public rooms", "Before anyone made one.",
          "chat/lobby.html#public-rooms", lambda s: {"public_rooms": []}),
    State("room-form", "Create a room", "A name, and who can join.",
          "chat/lobby.html#room-form", lambda s: {"room_form": RoomForm()}),
    State("room-form-error", "Create a room, refused", "A name that shows nothing.",
          "chat/lobby.html#room-form",
          lambda s: {"room_form": bound(RoomForm, {"title": " ", "kind": "public"})}),
    State("page-title", "The page title",
          "The lobby's title with my unread count (the page's script copies it into the tab's "
          "title).",
          "chat/lobby.html#page-title", lambda s: {"unread_total": 5}),
))

SEARCH = Section("search", "Search", (
    State("result", "A result",
          "One matching message, its words marked, with a way into the conversation.",
          "chat/search.html#result",
          lambda s: {"result": s.results[0], "message": s.results[0].message}, wrap="results"),
    State("results", "Results", "A page of results, newest first.", "chat/search.html#results",
          lambda s: {"page": SearchPage("lunch", ("lunch",), s.results, has_more=True)}),
    State("results-none", "No results", "Nothing matches the words.", "chat/search.html#results",
          lambda s: {"page": SearchPage("pudding", ("pudding",), [], has_more=False)}),
    State("results-hint", "Nothing to search for", "The search page before any word was typed.",
          "chat/search.html#results", lambda s: {"page": SearchPage("", (), [], has_more=False)}),
))

FORMS = Section("forms", "Forms and settings", (
    # One state for each field of the sign-up form.
    *(State(f"field-{name}", format_lazy("A field: {}", field.label),
            "Log in and sign up write their fields with it: label, input, error, help.",
            "chat/parts.html#field", lambda s, name=name: {"field": s.signup[name]},
            wrap="stacked-form")
      for name, field in SignupForm.base_fields.items()),
    State("notify-form", "What of a room reaches me", "A room's settings page.",
          "chat/room_settings.html#notify-form", lambda s: {"links": s.links,
              "notify_form": NotifyForm(initial={"notify": "mentions"}), "saved": True}),
    State("bots-panel", "A room's bots",
          "A group room's settings: its bots, and a form to make one.",
          "chat/room_settings.html#bots-panel",
          lambda s: {"room": s.room, "bots": s.bots, "bot_form": BotForm()}),
    State("bots-panel-empty", "No bots", "Before any bot was made.",
          "chat/room_settings.html#bots-panel",
          lambda s: {"room": s.room, "bots": [], "bot_form": BotForm()}),
))

SIDEBAR = Section("sidebar", "Sidebar and switcher", (
    State("sidebar", "The sidebar", "Beside a conversation: my rooms and conversations with "
          "the lobby's badges (unread messages, mentions of me), the open one marked. On a "
          "phone, a drawer behind its toggle.", "chat/room.html#sidebar",
          lambda s: s.sidebar, within=("chat/room.html#sidebar-list",
              "chat/room.html#sidebar-entry", "chat/parts.html#room-badges")),
    State("sidebar-empty", "The sidebar, nothing yet", "A new person's sidebar.",
          "chat/room.html#sidebar-list",
          lambda s: {"sidebar_rooms": [], "sidebar_directs": [], "here": ""}),
    State("switcher", "The switcher, with results", "Ctrl+K's dialog (and /switch/) as "
          "someone types: rooms, then people.", "chat/parts.html#switcher-panel",
          lambda s: {"choices": s.choices}, within=("chat/parts.html#switcher-results",)),
    State("switcher-none", "The switcher, nothing matches", "No room or person by that name.",
          "chat/parts.html#switcher-results", lambda s: {"choices": Choices("zebra", [], [])}),
    State("switcher-dialog", "The switcher's dialog", "On every page, closed until Ctrl+K, ⌘K "
          "or the sidebar's link opens it (the panel above, in a dialog).",
          "chat/parts.html#switcher-dialog", invisible=True),
))

DATA_PARTS = Section("data", "Parts that show nothing", (
    State("signals", "The hidden signal elements", "The room page starts with them: the "
          "revision it was drawn at, and no send answered yet. " + DATA,
          "chat/room.html#signals", lambda s: {"revision": 42}, invisible=True,
          within=("chat/room.html#cursor", "chat/room.html#ack")),
    State("cursor", "The room revision", "Sent after a catch-up. " + DATA,
          "chat/room.html#cursor", lambda s: {"revision": 42}, invisible=True),
    State("ack", "A send answered", "Names the send the server stored. " + DATA,
          "chat/room.html#ack", lambda s: {"ack": "3f1c9a52-8a7e-4a53-9d5f-0c0f4d1b7e21"},
          invisible=True),
    State("notification", "A notification", "Sent to a person's lobby when a message concerns "
          "them; the page's script shows it while the tab is hidden. " + DATA,
          "base.html#notification", lambda s: {"tag": "m-1", "title": "bob in Lunch",
              "body": "Anyone there?", "url": "/r/lunch/"}, invisible=True),
))
# fmt: on

#: The page, in order.
SECTIONS: tuple[Section, ...] = (
    MESSAGES, CONVERSATION, COMPOSER, ROOM, ROOM_ADMIN, PEOPLE, LOBBY, JOINING, GROUPS, SIDEBAR,
    SEARCH, FORMS, MODERATION, INSTANCE, PEOPLE_DIRECTORY, RECEIPTS, PUSH, CATCHING_UP,
    DIGESTS,
    DATA_PARTS,
)  # fmt: skip
