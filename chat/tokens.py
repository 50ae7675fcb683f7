"""Secret tokens handed out once (bots' tokens, invitation and sign-in links): made here,
kept only as a hash, so the database alone lets nobody in, and found again by it."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.db.models import Model, QuerySet


def new_token() -> str:
    """A random token of 256 bits, safe in a URL."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What is stored of a token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


#: The longest token looked up: a made one has 43 characters; anything far longer is a guess.
TOKEN_MAX_CHARS = 128


def find_by_token(found: QuerySet, token: object) -> Model | None:
    """The row of ``found`` whose ``token_hash`` is ``token``'s, or None (for anything that is
    not a plausible token too).

    Looked up by the hash of a 256-bit random token, so timing tells a guesser nothing; the
    constant-time comparison keeps it so if the lookup ever changes.
    """
    if not isinstance(token, str) or not 0 < len(token) <= TOKEN_MAX_CHARS:
        return None
    digest = token_hash(token)
    row = found.filter(token_hash=digest).first()
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    return row
