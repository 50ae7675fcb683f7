"""Secret tokens handed out once (bots' tokens, invitation links): made here, and kept only
as a hash, so the database alone lets nobody in."""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    """A random token of 256 bits, safe in a URL."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What is stored of a token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
