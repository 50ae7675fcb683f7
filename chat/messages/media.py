"""Video and audio files recognised from their first bytes, to be played inline.

A file is a video or a sound only when its bytes are one of a few containers browsers
play (MP4, WebM, Ogg, WAV, MP3) *and* what the sender's browser claimed (its content
type or the name's extension) says the same kind of thing: bytes that do not match their
claim, or a claim nobody made, leave it a plain file, offered only as a download. Nothing
is decoded or re-encoded here: the player runs in the reader's browser, from our origin,
and the file is served with its recognised type and ``nosniff``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile

#: Enough of a file's start to recognise every container below.
HEAD_BYTES = 64


@dataclass(frozen=True)
class Media:
    """What a file was recognised as: ``kind`` ("video" or "audio") and its content type."""

    kind: str
    content_type: str


#: For each recognised type: the content types and extensions a sender may claim for it.
CLAIMS = {
    "video/mp4": ({"video/mp4", "video/quicktime", "application/mp4"}, {"mp4", "m4v", "mov"}),
    "audio/mp4": ({"audio/mp4", "audio/x-m4a", "audio/m4a", "audio/aac"}, {"m4a", "m4b"}),
    "video/webm": ({"video/webm", "audio/webm"}, {"webm"}),
    "audio/ogg": (
        {"audio/ogg", "application/ogg", "audio/opus", "audio/vorbis"},
        {"ogg", "oga", "opus"},
    ),
    "audio/wav": ({"audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave"}, {"wav"}),
    "audio/mpeg": ({"audio/mpeg", "audio/mp3", "audio/x-mp3", "audio/mpeg3"}, {"mp3"}),
}
#: MP4 "brands" (bytes 8 to 12) of files that hold sound alone.
AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P "}


def sniffed_type(head: bytes) -> str | None:
    """The content type ``head`` (a file's first bytes) starts like, among ``CLAIMS``."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "audio/mp4" if head[8:12] in AUDIO_BRANDS else "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in head:
        return "video/webm"
    if head.startswith(b"OggS") and b"theora" not in head:
        return "audio/ogg"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"ID3") or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    return None


def claimed(found: str, content_type: str | None, name: str) -> bool:
    """Whether the sender's claim (``content_type``, ``name``'s extension) is ``found``'s."""
    types, extensions = CLAIMS[found]
    said = (content_type or "").split(";")[0].strip().lower()
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    return said in types or extension in extensions


def recognised(upload: UploadedFile, name: str) -> Media | None:
    """``upload`` as a video or a sound to play inline, or None: a plain file."""
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    found = sniffed_type(head)
    if found is None or not claimed(found, getattr(upload, "content_type", None), name):
        return None
    return Media(found.split("/")[0], found)
