"""Parts of a file (HTTP ``Range: bytes=…``), which a video or a sound needs to be sought
through: the browser asks for the part it is about to play.

One range only (``bytes=a-b``, ``bytes=a-``, ``bytes=-n``): the answer is 206 with
``Content-Range``, or 416 when the range starts past the end. Several ranges at once, or
a header that is not one of those, get the whole file (200), as RFC 9110 allows; so does
a file whose size storage cannot tell.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from django.http import HttpResponse, StreamingHttpResponse

#: The one range this server answers with a part. Positions of at most 18 digits: a longer
#: one is past any file (and Python refuses to read numbers of thousands of digits).
SINGLE_RANGE = re.compile(r"\s*bytes\s*=\s*(\d{0,18})\s*-\s*(\d{0,18})\s*")
CHUNK_BYTES = 64 * 1024


class Unsatisfiable(Exception):
    """The range asked for starts past the end of the file."""


def wanted(header: str | None, size: int) -> tuple[int, int] | None:
    """The first and last byte ``header`` asks for, in a file of ``size`` bytes; None for
    the whole file (no header, several ranges, or one this server does not read)."""
    match = SINGLE_RANGE.fullmatch(header or "")
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last n bytes
        if int(last) == 0:
            raise Unsatisfiable
        return max(0, size - int(last)), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size:
        raise Unsatisfiable
    if end < start:
        return None  # malformed: answered whole
    return start, end


def _chunks(handle: BinaryIO, left: int) -> Iterator[bytes]:
    try:
        while left > 0:
            chunk = handle.read(min(CHUNK_BYTES, left))
            if not chunk:
                return
            left -= len(chunk)
            yield chunk
    finally:
        handle.close()


def part_of(
    handle: BinaryIO, size: int, header: str | None, content_type: str
) -> HttpResponse | None:
    """The part of ``handle`` that ``header`` asks for (206, or 416), or None: answer the
    whole file."""
    try:
        asked = wanted(header, size)
    except Unsatisfiable:
        handle.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    if asked is None:
        return None
    start, end = asked
    handle.seek(start)
    response = StreamingHttpResponse(
        _chunks(handle, end - start + 1), status=206, content_type=content_type
    )
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(end - start + 1)
    return response
