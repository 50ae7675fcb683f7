"""Files kept through Django's storage API (attachments, their thumbnails, avatars): the
names they are stored under, and their removal once nothing refers to them."""

from __future__ import annotations

import logging
import secrets

from django.core.files.storage import default_storage

logger = logging.getLogger(__name__)


def random_name(extension: str) -> str:
    """An unguessable name to store a file under."""
    # The person's name for the file is only shown; stored names are unguessable, and
    # carry no extension a storage could serve as HTML.
    return f"{secrets.token_urlsafe(16)}.{extension}"


def delete_stored(names: list[str]) -> None:
    """Delete files from storage; a failure is logged, not raised (nothing refers to them)."""
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:
            logger.exception("could not delete %s from storage", name)
