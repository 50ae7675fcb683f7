"""Profiles: the name a person goes by, a few words about them and their picture; who may
see a profile, and how a change reaches the pages already open.

**The name shown.** ``Profile.name`` (``name_of`` for a user, ``name_of_sql`` in
listings) is the one place that says which: the display name, else the username. The
username stays for URLs and mentions. A display name is optional, at most 50 characters,
shows something, holds no invisible or direction-changing characters, and is not another
person's username or display name in disguise (``ProfileForm``; the database keeps display
names' look-alike skeletons unique, for two people saving at once).

**The picture** goes through the checks of every image people upload (``chat.images``:
Pillow, from its bytes, bombs and damaged images refused, no metadata kept), then its
centre is cut square and stored in two sizes under random names, through Django's storage
API. The files it replaces leave storage once the change is committed. Without one, a
person's avatar is their initials on a colour picked by their user id
(``Profile.colour``): the same for every viewer, so it is rendered once like the rest.

**Live.** A change of name or picture sends the members list of every room the person
is in again (``chat.broadcast.presence``), and tells their own sockets to read their profile again,
so their next message and their typing line carry the new name. Old messages show the new
name the next time they are rendered (a reload, a resume, "load older"): an article is
never re-sent for a name.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models.fields.files import FieldFile

from chat import images, ratelimit, storage
from chat.broadcast import events, presence
from chat.compiled import CompiledLookup
from chat.errors import Invalid, NotFound, Unavailable, validated
from chat.limits import AVATAR_SIDE, AVATAR_SMALL_SIDE
from chat.links import BY_PERSON
from chat.models import Profile
from chat.people.forms import ProfileForm, display_name_problem

logger = logging.getLogger(__name__)

NOBODY = "There is nobody called “{name}” here."
NOT_A_PICTURE = "This is not a picture: choose a PNG, JPEG, GIF or WebP image."
NOT_SAVED = "Your profile could not be saved just now; try again."
NO_SUCH_PICTURE = "No such picture."


@dataclass(frozen=True)
class PersonPage:
    """A profile as its page shows it to one reader."""

    person: AbstractBaseUser
    profile: Profile
    #: Where the "message" button leads: the conversation with them (none for a bot or
    #: for the reader's own profile).
    message_url: str | None
    is_me: bool


def person_page(viewer: AbstractBaseUser, username: str) -> PersonPage:
    """The profile of the person called ``username`` (exactly), for ``viewer``, who is
    signed in; ``NotFound`` when there is nobody of that name."""
    person = get_user_model().objects.filter(username=username).select_related("profile").first()
    if person is None or not hasattr(person, "profile"):
        raise NotFound(NOBODY.format(name=username))
    is_me = person.pk == viewer.pk
    # A bot never reads a conversation (chat.rooms.services refuses one); my own notes are
    # elsewhere.
    may_message = not person.profile.is_bot and not is_me
    message_url = BY_PERSON.links(person.get_username()).page if may_message else None
    return PersonPage(person, person.profile, message_url, is_me)


def own_profile(user: AbstractBaseUser) -> Profile:
    """``user``'s profile, as the edit page shows it."""
    return Profile.objects.select_related("user").get(user_id=user.pk)


def edit_profile(user: AbstractBaseUser, data: Mapping, files: Mapping) -> Profile:
    """Save ``user``'s display name, bio and picture (a new one, or none) from the
    profile form's ``data`` and ``files``; tell open pages.

    Raises ``Invalid`` (the form: a name or bio refused, a file too large, not a picture,
    damaged or too large to open), ``TooFast`` past ``PROFILE_CHANGES_PER_HOUR`` or
    ``Unavailable``; nothing is changed then. A refused picture counts as a change once
    decoding it was paid for.
    """
    form = validated(ProfileForm, data, files, user=user)
    ratelimit.take(ratelimit.PROFILE_CHANGES, user.pk)
    upload = form.cleaned_data["avatar"]
    pictures: tuple[images.Encoded, images.Encoded, str] | None = None
    if upload:
        try:
            pictures = _squares(upload)
        except images.ImageRefused as refusal:
            form.add_error("avatar", refusal.message)
            raise Invalid(form) from None
        if pictures is None:
            ratelimit.give_back(ratelimit.PROFILE_CHANGES, user.pk)
            form.add_error("avatar", NOT_A_PICTURE)
            raise Invalid(form)
    saved: list[str] = []
    try:
        profile, changed = _save(user, form.cleaned_data, pictures, saved)
    except IntegrityError:
        # Someone saved a look-alike display name between the form's check and ours.
        storage.delete_stored(saved)
        ratelimit.give_back(ratelimit.PROFILE_CHANGES, user.pk)
        problem = display_name_problem(form.cleaned_data["display_name"], user)
        if problem is None:
            logger.exception("could not save the profile of user %s", user.pk)
            raise Unavailable(NOT_SAVED) from None
        form.add_error("display_name", problem)
        raise Invalid(form) from None
    except (DatabaseError, OSError) as error:  # the database, or the storage
        storage.delete_stored(saved)
        ratelimit.give_back(ratelimit.PROFILE_CHANGES, user.pk)
        logger.exception("could not save the profile of user %s", user.pk)
        raise Unavailable(NOT_SAVED) from error
    if changed:
        announce(user.pk)
    return profile


def _squares(upload) -> tuple[images.Encoded, images.Encoded, str] | None:
    """The picture's centre, square, in both sizes, and their extension; None if
    ``upload`` is no picture. Raises ``ImageRefused``."""
    with images.decoding():  # the pixels are in memory until both are written
        decoded = images.decode(upload)
        if decoded is None:
            return None
        big = images.encode(decoded, images.squared(AVATAR_SIDE))
        small = images.encode(decoded, images.squared(AVATAR_SMALL_SIDE))
    return big, small, decoded.extension


def _save(user, cleaned: Mapping, pictures, saved: list[str]) -> tuple[Profile, bool]:
    """Store the change (new files first, their names in ``saved``); the old files leave
    storage once it is committed. Returns the profile and whether what others see of
    the person (name, picture) changed."""
    with transaction.atomic():
        profile = Profile.objects.select_for_update().select_related("user").get(user_id=user.pk)
        old_files = [f.name for f in (profile.avatar, profile.avatar_small) if f]
        shown_before = (profile.display_name, profile.avatar.name)
        profile.display_name = cleaned["display_name"]
        profile.bio = cleaned["bio"]
        if pictures is not None:
            big, small, extension = pictures
            profile.avatar.save(storage.random_name(extension), ContentFile(big.data), False)
            saved.append(profile.avatar.name)
            small_file = ContentFile(small.data)
            profile.avatar_small.save(storage.random_name(extension), small_file, False)
            saved.append(profile.avatar_small.name)
        elif cleaned["remove_avatar"]:
            profile.avatar, profile.avatar_small = "", ""
        else:
            old_files = []
        profile.save(update_fields=["display_name", "bio", "avatar", "avatar_small"])
        if old_files:
            transaction.on_commit(lambda: storage.delete_stored(old_files))
    return profile, (profile.display_name, profile.avatar.name) != shown_before


def announce(user_id: int) -> None:
    """Show a person's new name or picture on the pages open now: every members list they
    are in (sent to each room, rendered once), and their own sockets, which read their
    profile again for what they send next."""
    # Their sockets first: once a page of theirs shows the new list, what it sends is new too.
    events.profile_changed(user_id)
    presence.person_changed(user_id)


#: Made at every connect: compiled once (``chat.compiled``), without ``first()``'s ORDER BY.
_PROFILE_OF = CompiledLookup(lambda user_id: Profile.objects.filter(user_id=user_id).order_by())


def reload(user: AbstractBaseUser) -> None:
    """Read ``user``'s profile (again): a socket's user is kept from its connect on."""
    profile = _PROFILE_OF.first(user.pk)
    if profile is not None:
        user.profile = profile


def let_go(user: AbstractBaseUser) -> None:
    """Forget the user that ``user``'s cached profile points back to.

    Django caches a one-to-one on both sides (``reload`` sets ``user.profile``, and with it
    ``profile.user``), so a socket's user and profile hold each other: when the socket
    closes they are freed only by the collector's next full pass, which on a busy server
    is seconds to minutes later. Called by a closing socket, so they go with it."""
    accessor = getattr(type(user), "profile", None)  # an AnonymousUser has none
    profile = accessor.related.get_cached_value(user, None) if accessor else None
    if profile is not None and Profile.user.field.is_cached(profile):
        Profile.user.field.delete_cached_value(profile)


def avatar_file(user_id: int, name: str) -> tuple[FieldFile, str]:
    """The stored picture of ``user_id`` called ``name`` (the last part of its stored name,
    as ``Profile.avatar_url`` gives it) and its content type; ``NotFound`` for any other."""
    profile = Profile.objects.filter(user_id=user_id).first()
    for field in (profile.avatar, profile.avatar_small) if profile else ():
        if field and field.name.rsplit("/", 1)[-1] == name:
            extension = name.rsplit(".", 1)[-1]
            return field, images.content_type_of_extension(extension)
    raise NotFound(NO_SUCH_PICTURE)


def forget_avatar(sender, instance: Profile, **kwargs) -> None:
    """``post_delete`` of a ``Profile`` (its account deleted): its pictures leave storage
    once the deletion is committed."""
    names = [f.name for f in (instance.avatar, instance.avatar_small) if f]
    if names:
        transaction.on_commit(lambda: storage.delete_stored(names))
