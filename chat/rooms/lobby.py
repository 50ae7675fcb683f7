"""The lobby's listings: public rooms, and a person's rooms and conversations with unread counts."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs

from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string

from chat.conversations import name_and_links, others_in
from chat.limits import LOBBY_PAGE_SIZE
from chat.links import BY_SLUG, RoomLinks
from chat.models import Membership, Mention, Message, Mute, Room, name_of_sql, words_of


@dataclass(frozen=True)
class RoomEntry:
    """One of my rooms as the lobby lists it."""

    room: Room
    links: RoomLinks
    #: What I call it (``chat.conversations.name_for``).
    name: str
    unread: int
    last_body: str | None
    last_author: str | None
    #: The name of the latest message's file, shown when it has no words.
    last_file: str | None = None
    #: Unread messages that mention me.
    mentioned: int = 0
    #: What of the room I want to hear of (``Membership.Notify``).
    notify: str = Membership.Notify.EVERYTHING
    #: A pair conversation with someone I muted (``chat.people.mutes``): held back, listed
    #: apart, counting nothing until I unmute them.
    held: bool = False

    @property
    def counted(self) -> int:
        """The unread messages this room adds to my total: all, my mentions, or none
        (none either while the conversation is held back)."""
        if self.held:
            return 0
        if self.notify == Membership.Notify.EVERYTHING:
            return self.unread
        return self.mentioned if self.notify == Membership.Notify.MENTIONS else 0


def _latest(field: str, room_ref: str) -> Subquery:
    return Subquery(
        Message.objects.filter(room=OuterRef(room_ref)).order_by("-id").values(field)[:1]
    )


def _latest_author_name(room_ref: str) -> Subquery:
    latest = Message.objects.filter(room=OuterRef(room_ref)).order_by("-id")
    return Subquery(latest.annotate(name=name_of_sql("author__")).values("name")[:1])


def public_rooms(page_number: object = 1) -> Page:
    """A page of public rooms with ``member_count``, ``last_at`` and ``links``, most
    recently active first (archived ones are not listed: their address still opens them)."""
    rooms = (
        Room.objects.filter(kind=Room.Kind.PUBLIC, archived_at__isnull=True)
        .annotate(
            member_count=Count("memberships", distinct=True),
            last_at=_latest("created_at", "pk"),
        )
        .order_by(Coalesce("last_at", "created_at").desc(), "pk")
    )
    page = Paginator(rooms, LOBBY_PAGE_SIZE).get_page(page_number)
    for room in page:
        room.links = BY_SLUG.links(room.slug)
    return page


def my_rooms(user: AbstractBaseUser) -> tuple[list[RoomEntry], list[RoomEntry]]:
    """The rooms, and the conversations between people (direct and group), ``user``
    belongs to, newest activity first; archived rooms are left out (search and their
    address still find them)."""
    unread = Subquery(
        Message.objects.filter(room=OuterRef("room"), id__gt=OuterRef("last_read"))
        .exclude(author=user)
        .values("room")
        .annotate(n=Count("id"))
        .values("n"),
        output_field=IntegerField(),
    )
    others = Membership.objects.filter(room=OuterRef("room")).exclude(user=user)
    partner = Subquery(others.values("user__username")[:1])
    partner_id = Subquery(others.values("user_id")[:1])
    partner_name = Subquery(others.annotate(name=name_of_sql("user__")).values("name")[:1])
    mentioned = Subquery(
        Mention.objects.filter(
            user=user, message__room=OuterRef("room"), message_id__gt=OuterRef("last_read")
        )
        .values("user")
        .annotate(n=Count("id"))
        .values("n"),
        output_field=IntegerField(),
    )
    memberships = (
        Membership.objects.filter(user=user, room__archived_at__isnull=True)
        .select_related("room")
        .annotate(
            unread=Coalesce(unread, 0),
            mentioned=Coalesce(mentioned, 0),
            last_id=_latest("id", "room"),
            last_body=_latest("body", "room"),
            last_html=_latest("html", "room"),
            last_author=_latest_author_name("room"),
            last_file=_latest("attachment__name", "room"),
            partner=partner,
            partner_id=partner_id,
            partner_name=partner_name,
        )
        # Whether I muted the other person (one query still: a subquery on the partner).
        .annotate(
            partner_muted=Exists(Mute.objects.filter(user=user, muted=OuterRef("partner_id")))
        )
        .order_by(Coalesce("last_id", 0).desc(), "-room__created_at")
    )
    memberships = list(memberships)
    group_ids = [m.room_id for m in memberships if m.room.kind == Room.Kind.GROUP]
    # A group everyone else left is named by nobody else, not by a partner of its own.
    in_groups = {room_id: [] for room_id in group_ids} | others_in(user, group_ids)
    groups: list[RoomEntry] = []
    directs: list[RoomEntry] = []
    for m in memberships:
        # A direct room with no other member is the user's own notes.
        others = [(m.partner, m.partner_name or m.partner)] if m.partner else []
        others = in_groups.get(m.room_id, others)
        name, links = name_and_links(m.room, user.get_username(), others)
        entry = RoomEntry(
            m.room, links, name, m.unread, words_of(m.last_html, m.last_body), m.last_author,
            m.last_file, m.mentioned, m.notify,
            held=m.room.is_direct and m.partner_muted,
        )  # fmt: skip
        (directs if m.room.between_people else groups).append(entry)
    return groups, directs


def held_apart(directs: list[RoomEntry]) -> tuple[list[RoomEntry], list[RoomEntry]]:
    """``directs`` as the lobby lists them: the conversations shown, and those held back
    (with someone I muted), which are listed apart, without counts."""
    return [e for e in directs if not e.held], [e for e in directs if e.held]


def unread_total(entries: list[RoomEntry]) -> int:
    """Unread messages in all of ``entries`` that I want to hear of (the title's number)."""
    return sum(entry.counted for entry in entries)


def public_rooms_frame() -> str:
    """The first page of public rooms, the same for every lobby (after a room is created)."""
    return render_to_string(
        "chat/lobby.html#public-rooms", {"public_rooms": public_rooms(1), "oob": True}
    )


def my_rooms_frame(user: AbstractBaseUser) -> str:
    """``user``'s rooms and conversations with their unread counts (and the page title
    they make): rendered for one person, as the counts are theirs."""
    groups, directs = my_rooms(user)
    shown, held = held_apart(directs)
    context = {
        "my_rooms": groups,
        "my_directs": shown,
        "held_directs": held,
        "unread_total": unread_total(groups + directs),
        "user": user,
        "oob": True,
    }
    return render_to_string("chat/lobby.html#mine", context)


# --- the sidebar of a conversation page ------------------------------------------------

#: Longest page path a sidebar's socket may name as the conversation it sits beside.
HERE_MAX_CHARS = 300


def sidebar(user: AbstractBaseUser, here: str) -> dict:
    """The context of ``chat/room.html#sidebar-list``: ``user``'s rooms and
    conversations with the lobby's own counts (``my_rooms``, one query, however many rooms
    there are), and ``here``, the page path of the conversation it sits beside (marked
    as the current one)."""
    groups, directs = my_rooms(user)
    # Held-back conversations (someone I muted) stay out of the sidebar: the lobby lists them.
    shown, _held = held_apart(directs)
    # Unread mentions of me in the rooms listed, for its link to the mentions page.
    mentions_unread = sum(entry.mentioned for entry in groups + shown)
    return {
        "sidebar_rooms": groups,
        "sidebar_directs": shown,
        "here": here,
        "mentions_unread": mentions_unread,
    }


def sidebar_here(query_string: bytes) -> str:
    """The conversation a sidebar's socket sits beside (``?here=<page path>``), or "" when
    it names none or something that is not a path of this site."""
    values = parse_qs(query_string.decode("latin-1")).get("here", [""])
    here = values[0]
    if not here.startswith("/") or here.startswith("//") or len(here) > HERE_MAX_CHARS:
        return ""
    return here


def sidebar_frame(user: AbstractBaseUser, here: str) -> str:
    """The sidebar's list again for its socket: rendered for one person, as the counts
    are theirs (``chat.sockets.lobby.SidebarConsumer``)."""
    context = {**sidebar(user, here), "oob": True}
    return render_to_string("chat/room.html#sidebar-list", context)
