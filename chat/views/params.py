"""Values read from a query string, checked once for every view that reads them."""

from __future__ import annotations

from chat.limits import MAX_ID


def message_id(value: str | None) -> int | None:
    """A message id from the query string (``?around=``, ``?before=``…), or None for
    anything that is not one: missing, not a number, out of range."""
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if 0 < number <= MAX_ID else None
