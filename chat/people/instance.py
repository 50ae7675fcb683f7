"""The team's own chat: its name, logo and accent colour, edited by staff on
``/staff/settings/`` and read by every page (the title, the top bar, the accent) and mail.

**Cheap to read.** Every page asks for these, so what they hold is kept in Django's cache
(``current``), shared by every process when the cache is Redis: a page costs no query in
the common case. Saving deletes the cached copy once the change is committed, so every
process reads the new one on its next page. A cache that cannot be reached is skipped
(one query, logged): the settings are never worth an error page.

**The rules.** The name is 1 to 60 characters of text; the logo goes through the checks
of every picture people upload (``chat.images``) and is stored square, re-encoded, under a
new random name (served to anyone, signed out too: the login page shows it); the accent is
"#rrggbb" that stays readable in the light and the dark scheme (``chat.people.contrast``).
Only active staff change them, and each change goes to the audit log.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.db.models.fields.files import FieldFile
from django.urls import reverse

from chat import images, ratelimit, storage
from chat.errors import Invalid, NotFound, validated
from chat.limits import AVATAR_SIDE
from chat.models import Instance
from chat.people import audit, contrast, staff
from chat.people.instance_forms import InstanceForm

logger = logging.getLogger(__name__)

#: The one row of ``Instance``.
PK = 1
CACHE_KEY = "instance:v1"
DEFAULT_NAME = Instance._meta.get_field("name").default
NOT_A_PICTURE = "This is not a picture: choose a PNG, JPEG, GIF or WebP image."
NO_SUCH_LOGO = "There is no such logo."

#: Changes to the settings by one staff member in an hour (each re-encodes a picture).
SETTINGS_CHANGES = ratelimit.Rate(
    "instance-settings",
    30,
    3600,
    "The settings were changed many times in a short time. Try again in {wait}.",
)


@dataclass(frozen=True)
class Settings:
    """What pages read of the instance: kept in the cache as it is."""

    name: str = DEFAULT_NAME
    #: The logo's URL on our origin, or "" for none.
    logo_url: str = ""
    #: "#rrggbb" of each scheme, or "" for the stylesheet's own.
    accent: str = ""
    accent_dark: str = ""
    #: Whether the first administrator exists (``chat.people.setup``).
    set_up: bool = False


#: What pages show while the settings cannot be read (never cached).
FALLBACK = Settings()


def _read() -> Settings:
    try:
        row = Instance.objects.filter(pk=PK).first()
    except DatabaseError:
        # Never worth an error page: the page shows the defaults (and is not cached).
        logger.exception("the instance's settings could not be read")
        return FALLBACK
    if row is None:
        return Settings()
    accents = contrast.schemes(row.accent) if row.accent else {"light": "", "dark": ""}
    logo_url = reverse("instance-logo", args=[row.logo.name.rsplit("/", 1)[-1]]) if row.logo else ""
    return Settings(
        name=row.name,
        logo_url=logo_url,
        accent=accents["light"],
        accent_dark=accents["dark"],
        set_up=row.set_up_at is not None,
    )


def current() -> Settings:
    """The instance's settings, from the cache (read from the database when it has none)."""
    try:
        found = cache.get(CACHE_KEY)
    except Exception:
        logger.warning("the cache could not be read: the settings come from the database")
        return _read()
    if found is None:
        found = _read()
        if found is FALLBACK:
            return found
        try:
            cache.set(CACHE_KEY, found, timeout=None)
        except Exception:
            logger.warning("the cache could not keep the instance's settings")
    return found


def forget() -> None:
    """Drop the cached settings, now and once the change being made is committed (a page
    in between may have cached the row as it was): every process reads them again."""
    _delete_cached()
    transaction.on_commit(_delete_cached)


def _delete_cached() -> None:
    try:
        cache.delete(CACHE_KEY)
    except Exception:
        logger.exception("the cached instance settings could not be dropped")


def row() -> Instance:
    """The one ``Instance`` row, made on first use."""
    found, _created = Instance.objects.get_or_create(pk=PK)
    return found


def may_change(person) -> bool:
    """Whether ``person`` may change the settings: active staff."""
    return staff.may_manage_people(person)


def to_edit(person) -> Instance:
    """The settings for the form; ``NotFound`` for anyone but active staff."""
    if not may_change(person):
        raise NotFound(staff.NO_SUCH_PAGE)
    # Read only (the form's GET changes nothing): the row is made by the first save.
    return Instance.objects.filter(pk=PK).first() or Instance(pk=PK)


def change(person, data: Mapping, files: Mapping) -> Instance:
    """``person`` saves the name, the accent and the logo (a new one, or none) from the
    settings form's ``data`` and ``files``; logged in the audit.

    Raises ``NotFound`` for anyone but active staff, ``Invalid`` (the form: a name, an
    accent that is not "#rrggbb" or fails the contrast, a picture refused) and
    ``TooFast``. Nothing changes then.
    """
    to_edit(person)
    form = validated(InstanceForm, data, files)
    ratelimit.take(SETTINGS_CHANGES, person.pk)
    upload, logo = form.cleaned_data["logo"], None
    if upload:
        logo = _logo(upload, form)
    new_name = storage.random_name(logo[1]) if logo else ""
    with transaction.atomic():
        instance = Instance.objects.select_for_update().filter(pk=PK).first() or row()
        before = (instance.name, instance.accent, instance.logo.name)
        old_logo = instance.logo.name
        instance.name = form.cleaned_data["name"]
        instance.accent = form.cleaned_data["accent"]
        if logo is not None:
            instance.logo.save(new_name, ContentFile(logo[0]), save=False)
        elif form.cleaned_data["remove_logo"]:
            instance.logo = ""
        instance.save(update_fields=["name", "accent", "logo"])
        if old_logo and old_logo != instance.logo.name:
            transaction.on_commit(partial(storage.delete_stored, [old_logo]))
        details = _describe(before, instance)
        if details:
            audit.record(person, audit.Action.SETTINGS_CHANGED, details=details)
        forget()
    return instance


def _logo(upload, form) -> tuple[bytes, str]:
    """The logo's bytes (its centre, square, re-encoded) and extension; ``Invalid`` if not
    a picture."""
    try:
        with images.decoding():
            decoded = images.decode(upload)
            if decoded is not None:
                return images.encode(decoded, images.squared(AVATAR_SIDE)).data, decoded.extension
    except images.ImageRefused as refusal:
        form.add_error("logo", refusal.message)
        raise Invalid(form) from None
    form.add_error("logo", NOT_A_PICTURE)
    raise Invalid(form)


def _describe(before: tuple[str, str, str], after: Instance) -> str:
    name, accent, logo = before
    said = []
    if name != after.name:
        said.append(f"name “{name}” → “{after.name}”")
    if accent != after.accent:
        said.append(f"accent {accent or 'default'} → {after.accent or 'default'}")
    if logo != after.logo.name:
        said.append("logo removed" if not after.logo else "new logo")
    return "; ".join(said)


def logo_file(name: str) -> tuple[FieldFile, str]:
    """The stored logo called ``name`` and its content type; ``NotFound`` for any other
    (a replaced logo included)."""
    instance = Instance.objects.filter(pk=PK).first()
    if instance is None or not instance.logo or instance.logo.name.rsplit("/", 1)[-1] != name:
        raise NotFound(NO_SUCH_LOGO)
    return instance.logo, images.content_type_of_extension(name.rsplit(".", 1)[-1])
