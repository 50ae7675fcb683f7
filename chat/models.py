"""Rooms, who may see them, and the messages said in them."""

from __future__ import annotations

import html as html_text
import re
import unicodedata

import nh3
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Coalesce, Length, NullIf
from django.db.models.lookups import GreaterThan, LessThanOrEqual
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from chat import usernames
from chat.compiled import CompiledLookup
from chat.limits import (
    AROUND_EACH_SIDE,
    BIO_MAX_CHARS,
    DISPLAY_NAME_MAX_CHARS,
    MESSAGE_MAX_CHARS,
    PAGE_SIZE,
)


class RoomQuerySet(models.QuerySet["Room"]):
    """Named queries over rooms."""

    def visible_to(self, user) -> RoomQuerySet:
        """Rooms ``user`` may read: every public room and any room they belong to."""
        # A subquery, not a join: joining memberships would read every member's row of
        # a big public room, then need DISTINCT to fold them back into one room.
        mine = Membership.objects.filter(user_id=user.pk).values("room_id")
        return self.filter(models.Q(kind=Room.Kind.PUBLIC) | models.Q(pk__in=mine))

    def readable(self, user, slug: str) -> Room | None:
        """The room ``slug`` if ``user`` may read it (``visible_to``'s rule, for one room).

        Asked at every room page and socket connect, so built from two plain lookups (by
        the unique slug, then the membership of a room that is not public), which cost
        about a quarter of the one query with ``visible_to``'s subquery to build and run,
        each compiled once (``chat.compiled``).
        """
        room = _ROOM_BY_SLUG.first(slug, using=self.db)
        if room is None:
            return None
        if room.kind == Room.Kind.PUBLIC:
            return room
        # A private room's slug ends in 40 random bits (chat.rooms.services), so the extra lookup's
        # time tells nothing a guess could use.
        if _MEMBERSHIP.first(room.pk, user.pk, using=self.db) is not None:
            return room
        return None


class Room(models.Model):
    """A place where messages are said: a public or private room, or a direct conversation."""

    class Kind(models.TextChoices):
        PUBLIC = "public", "Public"
        PRIVATE = "private", "Private"
        DIRECT = "direct", "Direct"
        #: A conversation of three or more people, found by its set of people (``people_key``).
        GROUP = "group", "Group"

    slug = models.CharField(max_length=64, unique=True)
    title = models.CharField(max_length=80)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.PUBLIC)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    #: Bumped by every change to the room's messages (create, edit, delete); the
    #: change cursor a reconnecting page resumes from.
    revision = models.PositiveBigIntegerField(default=0)
    #: Set while the room is archived: read-only, out of the lobby and the sidebar, still
    #: searchable by its members (``chat.rooms.admin``).
    archived_at = models.DateTimeField(null=True, blank=True)
    #: A group conversation's people, as the SHA-256 of their sorted ids: the same set of
    #: people finds the same conversation, and the database refuses a second one. None for
    #: other rooms, and for a group whose people now match another group's.
    people_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    objects = RoomQuerySet.as_manager()

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_direct(self) -> bool:
        """True for a direct conversation between two people (or one's own notes)."""
        return self.kind == self.Kind.DIRECT

    @property
    def between_people(self) -> bool:
        """True for a conversation between people (direct, or a group of three or more):
        named by its people, with no bots and no one looking after it."""
        return self.kind in (self.Kind.DIRECT, self.Kind.GROUP)


#: Default avatars' backgrounds, picked by user id: each keeps white initials at a contrast
#: of at least 4.5:1 (WCAG AA). ``static/chat/chat.css`` has one rule per colour, in order.
AVATAR_COLOURS = (
    "#1565c0",
    "#2e7d32",
    "#c62828",
    "#6a1b9a",
    "#ad1457",
    "#00695c",
    "#bf360c",
    "#4e342e",
    "#37474f",
    "#283593",
)
#: What separates the words of a name, for its initials.
_WORD_BREAKS = re.compile(r"[\s_.@+\-]+")


def _first_character(word: str) -> str:
    """The first character as a reader sees one: with its accents, variation selectors and
    the parts an emoji sequence joins (U+200D), not a piece of it."""
    end = 1
    while end < len(word):
        if word[end] == "\u200d" and end + 1 < len(word):
            end += 2
        elif unicodedata.category(word[end]) in {"Mn", "Me", "Mc", "Sk"}:
            end += 1
        else:
            break
    return word[:end]


class Profile(models.Model):
    """What the chat keeps about a person beside Django's user: how their name looks, the
    name they go by, a few words about them and their picture."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    #: ``chat.usernames.skeleton`` of the username: a new name may not share it.
    username_skeleton = models.CharField(max_length=600, db_index=True)
    #: A bot's account (``Bot``): it posts through its token, never signs in.
    is_bot = models.BooleanField(default=False)
    #: The name shown instead of the username, if any (``chat.people.profiles`` checks it).
    display_name = models.CharField(max_length=DISPLAY_NAME_MAX_CHARS, blank=True)
    #: ``chat.usernames.skeleton`` of the display name ("" without one), kept by ``save``:
    #: no two people's display names may share one, which the database itself holds to,
    #: so two people saving look-alike names at once cannot both keep them.
    display_name_skeleton = models.CharField(max_length=600, blank=True, default="")
    bio = models.CharField(max_length=BIO_MAX_CHARS, blank=True)
    #: The picture, square, checked and re-encoded (``chat.images``), in two sizes.
    avatar = models.FileField(upload_to="avatars/%Y/%m/", max_length=255, blank=True)
    avatar_small = models.FileField(upload_to="avatars/%Y/%m/", max_length=255, blank=True)
    #: False for an account that signed up and has not yet dismissed the welcome (what to do
    #: next); accounts made otherwise (an admin, a script) are not greeted.
    welcomed = models.BooleanField(default=True)
    #: The client address the person last signed up or signed in from: a ban refuses new
    #: sign-ups from it for a while (``chat.people.moderation``).
    last_address = models.GenericIPAddressField(null=True, blank=True)
    #: Read receipts in conversations of two: off, the other person does not see how far
    #: this person read, and this person sees no one's (``chat.people.receipts``).
    send_receipts = models.BooleanField(default=True)
    #: E-mail for what is still unread (``chat.people.digests``); the unsubscribe link in
    #: every digest turns it off, signed out.
    email_digests = models.BooleanField(default=True)
    #: When the last digest was mailed: one per person per period, claimed by one
    #: conditional UPDATE so two task consumers never both send it.
    last_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["display_name_skeleton"],
                condition=~models.Q(display_name_skeleton=""),
                name="one_display_name_per_skeleton",
            )
        ]

    def __str__(self) -> str:
        return f"profile of {self.user}"

    def save(self, *args, update_fields=None, **kwargs) -> None:
        """Save, with the display name's skeleton following the display name."""
        self.display_name_skeleton = display_name_skeleton(self.display_name)
        if update_fields is not None and "display_name" in update_fields:
            update_fields = {*update_fields, "display_name_skeleton"}
        super().save(*args, update_fields=update_fields, **kwargs)

    @property
    def name(self) -> str:
        """The name to show: the display name, else the username (``name_of`` for a user)."""
        return self.display_name or self.user.get_username()

    @property
    def initials(self) -> str:
        """The default avatar's letters: the first of the name's first and last words."""
        words = [word for word in _WORD_BREAKS.split(self.name) if word] or [self.name]
        chosen = words[:1] + words[1:][-1:]
        return "".join(_first_character(word) for word in chosen).upper()

    @property
    def colour(self) -> int:
        """Which of ``AVATAR_COLOURS`` the default avatar has: the same for every viewer."""
        return self.user_id % len(AVATAR_COLOURS)

    @property
    def avatar_url(self) -> str:
        """Where the picture is served (its stored name in it: a new one is a new URL)."""
        return _avatar_url(self.user_id, self.avatar)

    @property
    def avatar_small_url(self) -> str:
        """Where the small picture is served."""
        return _avatar_url(self.user_id, self.avatar_small)


def display_name_skeleton(display_name: str) -> str:
    """What two display names share when a reader could mistake one for the other (the
    usernames' ``skeleton``); "" for none, which any number of people share."""
    return usernames.skeleton(display_name) if display_name else ""


def _avatar_url(user_id: int, field) -> str:
    if not field:
        return ""
    return reverse("avatar", args=[user_id, field.name.rsplit("/", 1)[-1]])


def name_of(user) -> str:
    """The name to show for ``user``: the one place that says which (``Profile.name``);
    the username for an account without a profile."""
    try:
        return user.profile.name
    except ObjectDoesNotExist:
        return user.get_username()


def name_of_sql(path: str = "") -> Coalesce:
    """``name_of`` in SQL, for the user at ``path`` (``"author__"``, ``"user__"``) in
    listings that fetch names as values (the lobby, search)."""
    return Coalesce(
        NullIf(F(f"{path}profile__display_name"), Value("")),
        F(f"{path}username"),
        output_field=models.CharField(),
    )


class Membership(models.Model):
    """Who belongs to a room, and how far they have read it."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )

    class Notify(models.TextChoices):
        """What of a room reaches its member: counts in the lobby, browser notifications."""

        EVERYTHING = "everything", "Everything"
        MENTIONS = "mentions", "Mentions of me only"
        NOTHING = "nothing", "Nothing"

    joined_at = models.DateTimeField(default=timezone.now)
    last_read = models.PositiveBigIntegerField(default=0)
    notify = models.CharField(max_length=10, choices=Notify.choices, default=Notify.EVERYTHING)
    #: The newest message of this room already mailed to this member in a digest
    #: (``chat.people.digests``): a message is mailed once, and never once read.
    mailed_upto = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "user"], name="one_membership_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.room}"


class MessageQuerySet(models.QuerySet["Message"]):
    """Named queries over messages; ids give the order inside a room."""

    def for_room(self, room: Room) -> MessageQuerySet:
        """Messages of one room, oldest first, with what their articles show fetched along:
        authors, files, link previews, mentions and reactions (and who made them), and the
        message each reply quotes, with its author."""
        return (
            self.filter(room=room)
            .select_related(
                "author__profile", "attachment", "preview", "reply_to__author__profile"
            )
            .prefetch_related("mentions__user", "reactions__user")
            .order_by("id")
        )

    def after(self, message_id: int) -> MessageQuerySet:
        """Messages newer than ``message_id``."""
        return self.filter(id__gt=message_id)

    def changed_since(self, revision: int) -> MessageQuerySet:
        """Messages created or changed after room revision ``revision``."""
        return self.filter(revision__gt=revision)

    def page_before(
        self, before: int | None = None, size: int = PAGE_SIZE
    ) -> tuple[list[Message], bool]:
        """The ``size`` newest messages older than ``before``, oldest first, and
        whether older ones remain."""
        query = self if before is None else self.filter(id__lt=before)
        newest_first = list(query.order_by("-id")[: size + 1])
        has_older = len(newest_first) > size
        return newest_first[:size][::-1], has_older

    def page_after(self, after: int, size: int = PAGE_SIZE) -> tuple[list[Message], bool]:
        """The ``size`` oldest messages newer than ``after``, oldest first, and whether
        newer ones remain."""
        oldest_first = list(self.filter(id__gt=after).order_by("id")[: size + 1])
        return oldest_first[:size], len(oldest_first) > size

    def page_around(
        self, message_id: int, size: int = AROUND_EACH_SIDE
    ) -> tuple[list[Message], bool, bool] | None:
        """Message ``message_id`` with ``size`` messages before and after it, oldest first,
        whether older and newer ones remain; None when it is not among these messages."""
        newer, has_newer = self.page_after(message_id - 1, size + 1)
        if not newer or newer[0].id != message_id:
            return None
        older, has_older = self.page_before(message_id, size)
        return older + newer, has_older, has_newer


class Message(models.Model):
    """One thing said in a room: plain text, escaped wherever it is shown."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages"
    )
    body = models.TextField(max_length=MESSAGE_MAX_CHARS)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted = models.BooleanField(default=False)
    #: The message carries a file (``Attachment``): its text may then be empty.
    has_attachment = models.BooleanField(default=False)
    #: The room revision of this message's latest change.
    revision = models.PositiveBigIntegerField(default=0)
    #: Chosen by the sender's page for each send, so a resent frame is stored once.
    client_id = models.UUIDField(null=True, blank=True, editable=False)
    #: The body as every reader sees it: the safe Markdown subset rendered once, when the
    #: message is stored or edited (``chat.messages.formatting``); "" until then.
    html = models.TextField(blank=True, default="")
    #: The message this one answers (``chat.messages.replies``).
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    #: Said by the same author within minutes of the message before it in the room: shown
    #: grouped under that one's byline. Decided once, when it is stored.
    follows_on = models.BooleanField(default=False)

    objects = MessageQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["room", "id"], name="message_room_id"),
            models.Index(fields=["room", "revision"], name="message_room_revision"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "client_id"],
                condition=models.Q(client_id__isnull=False),
                name="one_message_per_client_id",
            ),
            # The form already enforces this; the database keeps it true for every path in.
            # A deleted message keeps no body at all; one with a file may have none.
            models.CheckConstraint(
                condition=(
                    models.Q(deleted=False)
                    & (models.Q(GreaterThan(Length("body"), 0)) | models.Q(has_attachment=True))
                    & models.Q(LessThanOrEqual(Length("body"), MESSAGE_MAX_CHARS))
                )
                | models.Q(deleted=True, body=""),
                name="message_body_length_unless_deleted_or_a_file",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author}: {self.body[:40]}"

    @property
    def words(self) -> str:
        """What it says, without its markup (``words_of``)."""
        return words_of(self.html, self.body)

    @property
    def carried_mentions(self) -> list | None:
        """The mentions this message carries from being stored (``chat.messages.posting``
        leaves them on it, each with its user), read without a query; None when it carries
        none (a message fetched later): then nothing is known, not "nobody"."""
        return getattr(self, "_prefetched_objects_cache", {}).get("mentions")

    @property
    def shown_preview(self) -> LinkPreview | None:
        """Its link preview, unless it has none or its author removed it. A template asking
        ``message.preview`` of a message without one pays for Django's failed lookup (three
        exceptions, a ``dir()`` of the message and a log record): every article would."""
        try:
            preview = self.preview
        except LinkPreview.DoesNotExist:
            return None
        return None if preview.removed else preview

    @cached_property
    def address(self) -> str:
        """The message's link, ``/m/<id>/``; its forms are under it (``edit``, ``react``…).
        Its article names them all, so it is reversed once, not once for each."""
        return reverse("message-detail", args=[self.id])


def words_of(html: str | None, body: str | None) -> str:
    """What a message says, without its markup, for words read or shown out of their
    article (a quote, a notification, the lobby's preview): the text of its rendered body,
    or the body as typed for a message stored before bodies were rendered."""
    if not html:
        return body or ""
    return html_text.unescape(_TEXT_ONLY.clean(html)).strip()


#: Keeps the text of a rendered body and drops every tag. A rendered body is nh3's own
#: output (``chat.messages.formatting``), so nh3 reads it as it was written, and it does so
#: in a fifth of the time of Django's ``strip_tags`` (a Python parser, run until nothing
#: changes); the text of a message is read out this way on every post (its announcement
#: and its notification).
_TEXT_ONLY = nh3.Cleaner(tags=set(), clean_content_tags=set(), attributes={})


class Reaction(models.Model):
    """One person's emoji on one message (toggled: at most one of each per person)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reactions"
    )
    emoji = models.CharField(max_length=32)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["message", "user", "emoji"], name="one_reaction_per_person_and_emoji"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.emoji} on {self.message_id}"


class Mention(models.Model):
    """A member named with ``@username`` in a message: for the link, the highlight and the
    lobby's count."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentions"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "user"], name="one_mention_per_person")
        ]
        indexes = [models.Index(fields=["user", "message"], name="mention_user_message")]

    def __str__(self) -> str:
        return f"@{self.user} in {self.message_id}"


class Attachment(models.Model):
    """A file said in a room: stored through Django's storage API, served only to the room's
    readers. An image was checked and re-encoded (no metadata) and has a thumbnail."""

    class Kind(models.TextChoices):
        IMAGE = "image", "Image"
        VIDEO = "video", "Video"
        AUDIO = "audio", "Audio"
        FILE = "file", "File"

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="attachment")
    kind = models.CharField(max_length=5, choices=Kind.choices)
    #: The name the person gave it, cleaned; shown and offered when downloading.
    name = models.CharField(max_length=200)
    file = models.FileField(upload_to="attachments/%Y/%m/", max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    thumbnail = models.FileField(upload_to="thumbnails/%Y/%m/", max_length=255, blank=True)
    thumb_width = models.PositiveIntegerField(null=True, blank=True)
    thumb_height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name

    # Cached properties rather than {% url %} in the template: the styleguide's made-up
    # files point them at a sample image that exists.
    @cached_property
    def url(self) -> str:
        """Where the room's readers open or download the file."""
        return reverse("attachment", args=[self.id, self.name])

    @cached_property
    def thumbnail_url(self) -> str:
        """Where the room's readers load an image's thumbnail."""
        return reverse("attachment-thumbnail", args=[self.id])


class LinkPreview(models.Model):
    """What the first link of a message leads to (its OpenGraph title, description, site
    and picture), fetched after the message is stored (``chat.messages.previews``). The
    picture was re-encoded and is served from our own origin."""

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="preview")
    url = models.URLField(max_length=2000)
    title = models.CharField(max_length=300, blank=True)
    description = models.CharField(max_length=500, blank=True)
    site_name = models.CharField(max_length=100, blank=True)
    image = models.FileField(upload_to="previews/%Y/%m/", max_length=255, blank=True)
    image_width = models.PositiveIntegerField(null=True, blank=True)
    image_height = models.PositiveIntegerField(null=True, blank=True)
    #: The author took it off their message: it stays off, edits included.
    removed = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"preview of {self.url}"

    # A cached property rather than {% url %} in the template: the styleguide's made-up
    # preview points it at a sample image that exists.
    @cached_property
    def image_url(self) -> str:
        """Where the room's readers load the picture (ours, re-encoded)."""
        return reverse("preview-image", args=[self.pk])


class Bot(models.Model):
    """A room's bot: posts through a secret token, and may be told when it is mentioned."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="bots")
    #: The account its messages are by (``Profile.is_bot``).
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bot"
    )
    avatar_letter = models.CharField(max_length=2)
    #: SHA-256 of the token, which is shown once and never stored.
    token_hash = models.CharField(max_length=64, unique=True)
    #: Where to POST when the bot is mentioned (empty: nowhere).
    outgoing_url = models.URLField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    #: Where every event of its room is POSTed, in order (``chat.bots.feed``; empty: nowhere).
    feed_url = models.URLField(max_length=500, blank=True)
    #: The room revision of the last event the bot has had, by the feed or by reading
    #: ``GET /bots/messages?after=``: the feed resumes after it, so each event arrives once.
    feed_revision = models.PositiveBigIntegerField(default=0)
    #: Since when deliveries to ``feed_url`` fail (None while they succeed); after
    #: ``CHAT_BOT_FEED_GIVE_UP_MINUTES`` the feed stops retrying until the next event.
    feed_failing_since = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"bot {self.user} in {self.room}"


class Invitation(models.Model):
    """A link that lets people sign up while ``CHAT_SIGNUP`` is "invite"
    (``chat.people.invitations``).

    Only the SHA-256 of its token is stored: the link is shown once, to its creator.
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    #: How many accounts it may create (1: single-use).
    max_uses = models.PositiveIntegerField(default=1)
    #: How many it has created; only ever raised by one conditional UPDATE.
    uses = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"invitation {self.pk} by {self.created_by}"


class AuditEntry(models.Model):
    """One thing an admin (or, for invitations, a member) did to the accounts: the audit log."""

    class Action(models.TextChoices):
        DEACTIVATED = "deactivated", "Deactivated"
        REACTIVATED = "reactivated", "Reactivated"
        MADE_STAFF = "made-staff", "Made staff"
        REMOVED_STAFF = "removed-staff", "Removed from staff"
        INVITATION_CREATED = "invitation-created", "Created an invitation"
        INVITATION_REVOKED = "invitation-revoked", "Revoked an invitation"
        JOINED_BY_INVITATION = "joined-by-invitation", "Joined through an invitation"
        MESSAGE_DELETED = "message-deleted", "Deleted a message"
        BANNED = "banned", "Banned"
        ROOM_RENAMED = "room-renamed", "Renamed a room"
        ROOM_CONVERTED = "room-converted", "Changed a room's kind"
        ROOM_ARCHIVED = "room-archived", "Archived a room"
        ROOM_UNARCHIVED = "room-unarchived", "Unarchived a room"
        ROOM_DELETED = "room-deleted", "Deleted a room"
        SETTINGS_CHANGED = "settings-changed", "Changed the instance's settings"
        SET_UP = "set-up", "Set up the instance"

    #: Who did it (kept as a name too: the account may be deleted later).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150)
    action = models.CharField(max_length=24, choices=Action.choices)
    target = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_name = models.CharField(max_length=150, blank=True)
    details = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.actor_name} {self.action} {self.target_name}".strip()


class Mute(models.Model):
    """``user`` no longer wants to hear from ``muted``: their messages collapse on ``user``'s
    pages and their direct messages are held back. Only ``user`` ever learns of it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    muted = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "muted"], name="one_mute_per_pair")]

    def __str__(self) -> str:
        return f"{self.user} muted {self.muted}"


class Ban(models.Model):
    """Staff banned ``user``: their account is deactivated, and new sign-ups from the address
    they last used are refused until ``until`` (``chat.people.moderation``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: The banned person's last address (``Profile.last_address``); None if never known.
    address = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    until = models.DateTimeField()
    #: Their messages and files were deleted with the ban.
    purged = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"ban of {self.user} until {self.until:%Y-%m-%d %H:%M}"


class Instance(models.Model):
    """The team's own chat: its name, logo and accent colour (one row, pk 1), edited on
    ``/staff/settings/``, and when the first administrator set it up (``/setup/``)."""

    name = models.CharField(max_length=60, default="Chat")
    #: The logo, square, checked and re-encoded like an avatar (``chat.images``).
    logo = models.FileField(upload_to="instance/", max_length=255, blank=True)
    #: "#rrggbb", or "" for the stylesheet's own accent.
    accent = models.CharField(max_length=7, blank=True)
    #: When the first visitor made the administrator's account in the browser: one
    #: conditional UPDATE of this column decides which of two racing visitors does.
    set_up_at = models.DateTimeField(null=True, blank=True)
    #: Web Push's VAPID key pair (``chat.people.push``), made once and kept: the private
    #: key as PEM, the public one as the browser wants it (uncompressed point, base64url).
    vapid_private_key = models.TextField(blank=True)
    vapid_public_key = models.CharField(max_length=100, blank=True)

    def __str__(self) -> str:
        return self.name


class SignInLink(models.Model):
    """A one-time link that signs ``user`` in on another device (a phone): made on their
    profile, shown as text and a QR code; only the SHA-256 of its token is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sign_in_links"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    #: Set by the one conditional UPDATE that uses it: a link works once.
    used_at = models.DateTimeField(null=True, blank=True)
    #: The session it signed in (so the profile can sign that session out), and from where.
    session_key = models.CharField(max_length=40, blank=True)
    used_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"sign-in link {self.pk} of {self.user}"


class PushSubscription(models.Model):
    """One browser's Web Push subscription (``chat.people.push``): where the push service
    takes messages for it, and the keys the payload is encrypted with."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=1000, unique=True)
    #: The browser's ECDH public key and auth secret (base64url), from its subscription.
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"push subscription of {self.user}"


class RecentSearch(models.Model):
    """A search a person made (the last few are offered again on the search page)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recent_searches"
    )
    query = models.CharField(max_length=200)
    searched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "query"], name="one_recent_search_per_query")
        ]
        indexes = [models.Index(fields=["user", "-searched_at"], name="recent_search_newest")]

    def __str__(self) -> str:
        return f"{self.user} searched {self.query!r}"


#: ``RoomQuerySet.readable``'s two lookups, compiled once (unique: no ORDER BY needed).
_ROOM_BY_SLUG = CompiledLookup(lambda slug: Room.objects.filter(slug=slug).order_by())
_MEMBERSHIP = CompiledLookup(
    lambda room_id, user_id: Membership.objects.filter(room_id=room_id, user_id=user_id).order_by()
)
