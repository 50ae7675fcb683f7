"""The made-up world the styleguide's states are drawn from: people, rooms, messages, forms.

Everything is built in memory and never saved: nothing is read from or written to the
database for it. Made-up people and rooms have fixed ids above 900,000; messages, reactions
and attachments take the next id as they are made, so the page draws the same ids each time
(the states are drawn in the table's order, each making its samples as it is drawn).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from types import SimpleNamespace
from typing import Any

from django.contrib.auth import get_user_model
from django.templatetags.static import static
from django.utils import timezone
from django.utils.html import format_html

from chat import ratelimit
from chat.conversations import name_for
from chat.links import BY_PERSON, BY_SLUG
from chat.messages.forms import MessageForm
from chat.messages.search import SearchResult
from chat.models import (
    Attachment,
    Bot,
    LinkPreview,
    Membership,
    Mention,
    Message,
    Profile,
    Reaction,
    Room,
)
from chat.people.forms import SignupForm
from chat.rooms.lobby import RoomEntry
from chat.rooms.switcher import Choice, Choices

#: The made-up image every image message here shows (a real file, so nothing 404s).
SAMPLE_IMAGE = "chat/styleguide-sample.svg"
#: What the made-up videos and sounds play: one of the /play sounds.
SAMPLE_SOUND = "chat/sounds/tada.wav"


def formatted(username: str) -> str:
    """A message using every part of the Markdown subset, mentioning ``username``."""
    return (
        f"**Bold**, *italic*, ~~struck~~ and `inline code`, for @{username}.\n"
        "> A quote, with a link: https://example.org/menu\n\n"
        "- soup\n- bread :bread:\n\n"
        "1. order\n2. eat\n\n"
        "```python\n"
        "def lunch(people: int) -> str:\n"
        '    """Book a table."""  # a comment\n'
        '    return f"table for {people + 1}" if people > 0 else None\n'
        "```"
    )


@dataclass(frozen=True)
class Partial:
    """A partial drawn first and passed to another's context already rendered (as a frame
    is given its article)."""

    name: str
    context: dict[str, Any] = field(default_factory=dict)


def person(pk: int, username: str, *, is_bot: bool = False):
    """A made-up user with a profile."""
    user = get_user_model()(pk=pk, username=username)
    user.profile = Profile(user=user, is_bot=is_bot)
    return user


def image() -> Attachment:
    return Attachment(
        kind=Attachment.Kind.IMAGE, name="harbour.svg", content_type="image/svg+xml",
        size=48_213, width=640, height=400, thumb_width=320, thumb_height=200,
    )  # fmt: skip


def file() -> Attachment:
    return Attachment(
        kind=Attachment.Kind.FILE, name="minutes-2024-05.pdf",
        content_type="application/pdf", size=1_234_567,
    )  # fmt: skip


def link_preview(*, picture: bool = True) -> LinkPreview:
    """What a link's page says of itself, as a preview shows it."""
    preview = LinkPreview(
        url="https://harbour.example/menu", site_name="The Harbour Café",
        title="Our lunch menu: soups, bread and the catch of the day",
        description="Served from noon to three, on the terrace when the sun is out.",
    )  # fmt: skip
    if picture:
        preview.image, preview.image_width, preview.image_height = "sample.png", 320, 200
        preview.image_url = static(SAMPLE_IMAGE)  # a file that exists
    return preview


def video() -> Attachment:
    clip = Attachment(
        kind=Attachment.Kind.VIDEO, name="harbour-at-dusk.webm", content_type="video/webm",
        size=2_345_678,
    )  # fmt: skip
    clip.url = static(SAMPLE_SOUND)  # something the player can open (sound only)
    return clip


def audio() -> Attachment:
    sound = Attachment(
        kind=Attachment.Kind.AUDIO, name="voice-note.ogg", content_type="audio/ogg", size=48_000,
    )  # fmt: skip
    sound.url = static(SAMPLE_SOUND)
    return sound


def bound(form_class, data: dict, *args, **kwargs):
    """A form as a request leaves it: bound and validated, holding its errors if any."""
    form = form_class(data, *args, **kwargs)
    form.is_valid()
    return form


def too_fast() -> str:
    """The notice of a send past the posting limit."""
    return ratelimit.POSTING.message.format(wait=ratelimit.readable_wait(8))


def entry(room: Room, **fields) -> RoomEntry:
    """A group room as my lobby lists it; ``fields`` change what it says."""
    defaults = {"unread": 0, "last_body": "See you there", "last_author": "bob"}
    name = name_for(BY_SLUG, room.title, [])
    return RoomEntry(room, BY_SLUG.links(room.slug), name, **{**defaults, **fields})


class Samples:
    """The made-up world, drawn for ``me``, the person looking."""

    def __init__(self, me) -> None:
        self.me = me
        taken = {me.pk}
        ids = (n for n in range(900_001, 901_000) if n not in taken)
        self.bob = person(next(ids), "bob")
        self.carol = person(next(ids), "carol")
        self.bot = person(next(ids), "weatherbot", is_bot=True)
        self.now = timezone.now().replace(second=0, microsecond=0)
        self.room = Room(id=900_001, slug="lunch", title="Lunch", kind=Room.Kind.PUBLIC)
        self.private = Room(
            id=900_002, slug="plans-0a1b2c3d4e", title="Plans", kind=Room.Kind.PRIVATE,
            created_by=me,
        )  # fmt: skip
        self.links = BY_SLUG.links(self.room.slug)
        self.next_id = iter(range(900_001, 990_000))

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
        reply_to: Message | None = None,
        preview: LinkPreview | None = None,
        follows_on: bool = False,
    ) -> Message:
        """A message in the public room, with what the room page prefetches already known."""
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
            reply_to=reply_to,
            revision=1,
            follows_on=follows_on,
        )
        given = [
            Reaction(id=next(self.next_id), message=message, user=person, emoji=emoji,
                     created_at=when)
            for emoji, people in reactions for person in people
        ]  # fmt: skip
        found = [Mention(message=message, user=person) for person in mentions]
        # What MessageQuerySet.for_room prefetches, known already (as chat.messages.posting does).
        message._prefetched_objects_cache = {"mentions": found, "reactions": given}
        if preview is not None:
            preview.id = next(self.next_id)
        # Known already, as for_room fetches it: none, or the one given.
        Message.preview.related.set_cached_value(message, preview)
        if attachment is not None:
            attachment.id = next(self.next_id)
            message.attachment = attachment
            # The partial reads these; here they lead to a file that exists.
            if "url" not in attachment.__dict__:  # a video or a sound has its own
                attachment.url = static(SAMPLE_IMAGE)
            attachment.thumbnail_url = static(SAMPLE_IMAGE)
        return message

    # -- samples several states share, made when the first of them is drawn

    @cached_property
    def composer(self) -> MessageForm:
        """The composer's form, empty: one, so that it sends one client id wherever shown."""
        return MessageForm()

    @cached_property
    def draft(self) -> Message:
        """The message being edited, deleted or reacted to."""
        return self.message(self.me, "Moving lunch to Thursday.")

    @cached_property
    def page(self) -> list[Message]:
        """A page of the conversation."""
        return [self.message(self.bob, "Good morning"), self.message(self.me, "Morning!")]

    @cached_property
    def arrived(self) -> Message:
        """A message just sent by someone else."""
        return self.message(self.bob, "Anyone there?")

    @cached_property
    def ada(self):
        """Someone with a display name."""
        ada = person(900_777, "ada_l")
        ada.profile.display_name = "Ada Lovelace"
        return ada

    @cached_property
    def pictured(self) -> SimpleNamespace:
        """Someone whose profile has a picture: all the avatar partial reads of them."""
        picture = static(SAMPLE_IMAGE)
        return SimpleNamespace(
            profile=SimpleNamespace(avatar=True, avatar_url=picture, avatar_small_url=picture)
        )

    @cached_property
    def direct(self) -> RoomEntry:
        """A direct conversation with bob as my lobby lists it."""
        room = Room(id=900_003, slug="dm.1.2", kind=Room.Kind.DIRECT)
        name = name_for(BY_PERSON, "", ["bob"])
        return RoomEntry(room, BY_PERSON.links("bob"), name, 1, "Thanks!", "bob")

    @cached_property
    def public_rooms(self) -> list[SimpleNamespace]:
        """The lobby's public rooms: one lately active, one never spoken in."""
        return [
            SimpleNamespace(
                title="Lunch",
                links=BY_SLUG.links("lunch"),
                member_count=3,
                last_at=self.now - timedelta(minutes=5),
            ),
            SimpleNamespace(
                title="Book club", links=BY_SLUG.links("book-club"), member_count=1, last_at=None
            ),
        ]

    @cached_property
    def results(self) -> list[SearchResult]:
        """Two messages found by searching for "lunch", the word marked."""
        found = [
            self.message(self.bob, "Lunch at noon"),
            self.message(self.carol, "No lunch today", attachment=file()),
        ]
        return [
            SearchResult(
                message,
                self.room,
                "Lunch",
                self.links.page,
                format_html("{}<mark>{}</mark>{}", *message.body.partition("unch")),
            )
            for message in found
        ]

    @cached_property
    def signup(self) -> SignupForm:
        """The sign-up form refused: nothing for a name, two passwords that differ."""
        form = bound(SignupForm, {"username": "", "password1": "abc", "password2": "abd"})
        for field_ in form.fields.values():
            # A sample must not take the focus: the page would open at it, far down.
            field_.widget.attrs.pop("autofocus", None)
        return form

    @cached_property
    def bots(self) -> list[Bot]:
        """A private room's bots: one at work, one revoked."""
        working = Bot(
            pk=900_001, room=self.private, user=self.bot, avatar_letter="W", created_by=self.me,
            outgoing_url="https://example.org/hook", feed_url="https://example.org/events",
        )  # fmt: skip
        revoked = Bot(
            pk=900_002, room=self.private, user=person(900_999, "oldbot", is_bot=True),
            avatar_letter="O", created_by=None, revoked_at=self.now,
        )  # fmt: skip
        return [working, revoked]

    @cached_property
    def group(self) -> list[Message]:
        """Bob says three things in a row: one byline for the three."""
        return [
            self.message(self.bob, "Lunch at noon?", minutes_ago=4),
            self.message(self.bob, "The usual place.", minutes_ago=3, follows_on=True),
            self.message(self.bob, "I booked for four.", minutes_ago=2, follows_on=True),
        ]

    @cached_property
    def two_days(self) -> list[Message]:
        """A message yesterday and one today: a day's line above each."""
        return [
            self.message(self.carol, "See you tomorrow", minutes_ago=24 * 60),
            self.message(self.bob, "Good morning", minutes_ago=3),
        ]

    @property
    def lightbox(self) -> dict:
        """The lightbox open on the made-up image."""
        return {"open": True, "src": static(SAMPLE_IMAGE), "name": "harbour.svg"}

    @cached_property
    def sidebar(self) -> dict[str, Any]:
        """My rooms and conversations beside Lunch, the room open: a private room with
        unread messages, one mentioning me, and a muted room (its count not shown)."""
        club = Room(id=900_004, slug="book-club", title="Book club", kind=Room.Kind.PUBLIC)
        rooms = [
            entry(self.room),
            entry(self.private, unread=3, mentioned=1),
            entry(club, unread=7, notify=Membership.Notify.NOTHING),
        ]
        return {"sidebar_rooms": rooms, "sidebar_directs": [self.direct], "here": "/r/lunch/"}

    @cached_property
    def choices(self) -> Choices:
        """What the switcher lists for "l": rooms and people, theirs first."""
        rooms = [
            Choice("Lunch", self.links.page),
            Choice("Plans", BY_SLUG.links(self.private.slug).page, "private"),
        ]
        people = [Choice("Ada Lovelace", BY_PERSON.links("ada_l").page, "@ada_l")]
        return Choices("l", rooms, people)
