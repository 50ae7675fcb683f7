"""Django in a bench's own process, on a fresh database: for the microbenchmarks that time
the chat's code without a server (``message_path.py``, ``lookups.py``,
``frame_render.py``)."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from collections.abc import Iterator


@contextlib.contextmanager
def fresh_django(prefix: str) -> Iterator[None]:
    """Django set up on a fresh SQLite file, migrated, in a temp dir named ``prefix``…, with
    production settings (DEBUG off) and no link previews; the dir is removed after."""
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        _set_up_django(folder)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        yield


def _set_up_django(folder: str) -> None:
    os.environ.pop("REDIS_URL", None)
    os.environ.update(
        DATABASE_URL=f"sqlite:///{folder}/bench.sqlite3",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        CHAT_MEDIA_ROOT=f"{folder}/media",
        CHAT_LINK_PREVIEWS="0",
    )
    import django

    import manage  # noqa: F401 - attaches the site/ package before settings are read

    django.setup()


def a_person(prefix: str = "alice"):
    """A new person (their name ``prefix`` and a few random letters, a random password), in
    the database ``fresh_django`` set up."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(
        f"{prefix}{secrets.token_hex(3)}", password=secrets.token_hex(8)
    )


def a_room(members=()):
    """A new public room (a random slug) with ``members`` in it."""
    from chat.models import Membership, Room

    room = Room.objects.create(slug=f"bench-{secrets.token_hex(3)}", title="Bench")
    Membership.objects.bulk_create([Membership(room=room, user=person) for person in members])
    return room
