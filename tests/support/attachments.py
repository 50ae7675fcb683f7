"""Files said in a room straight through the service (``chat.messages.attachments``), and
the check that a refused one left nothing behind."""

from __future__ import annotations

from chat.messages import attachments
from chat.models import Attachment, Message, Room
from tests.support.files import stored_files, upload
from tests.support.messages import in_room, revision_of


def attach(room: Room, user, name: str, data: bytes, body: str | None = None, **fields):
    """Say the file ``name`` holding ``data`` in ``room``, with ``body`` if given."""
    form = {"body": body} if body is not None else {}
    return attachments.attach(in_room(room, user), upload(name, data), form | fields)


def assert_nothing_stored(room: Room, media_root) -> None:
    """No file in storage, no row, no message, and the room's revision untouched."""
    assert stored_files(media_root) == []
    assert not Attachment.objects.exists()
    assert not Message.objects.exists()
    assert revision_of(room) == 0
