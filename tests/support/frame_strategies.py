"""Frames of every shape to fuzz a room socket with: hypothesis strategies for arbitrary text,
JSON of any shape, frame-like objects, posts as a browser sends them, deep nesting, huge
numbers, truncated JSON, oversized and binary frames."""

from __future__ import annotations

import json
import string

from hypothesis import strategies as st

from chat.limits import FRAME_MAX_CHARS, MAX_ID, MESSAGE_MAX_CHARS

#: Text that may hold lone surrogates: JSON carries them as escapes (``"\ud800"``),
#: which a browser's JSON.stringify sends for any half of a surrogate pair.
json_text = st.one_of(
    st.text(),
    st.text(st.characters(categories=["Cs"]) | st.characters(max_codepoint=0x7F), max_size=8),
)
ints = st.one_of(
    st.integers(),
    st.sampled_from([0, 1, -1, MAX_ID, MAX_ID + 1, 2**64, -(2**63), -(2**63) - 1]),
    # Up to 4,001 digits: still within what json (and int()) will write and read.
    st.integers(min_value=19, max_value=4000).map(lambda digits: 10**digits),
)
leaves = st.one_of(st.none(), st.booleans(), ints, st.floats(), json_text)
json_values = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(json_text, children, max_size=5),
    ),
    max_leaves=20,
)

#: Separators that Python's ``str.strip`` (and so the form) removes, and some it does not.
whitespace = st.text(
    st.sampled_from(" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2028\u3000"), max_size=6
)
near_the_limit = st.builds(
    lambda pad, char, n: pad + char * n + pad,
    st.sampled_from(["", " ", "\n\t "]),
    st.sampled_from(["x", "é", "😀", "\u200b"]),
    st.integers(min_value=MESSAGE_MAX_CHARS - 3, max_value=MESSAGE_MAX_CHARS + 3),
)
bodies = st.one_of(
    st.text(),
    whitespace,
    st.builds(lambda pad, text, end: pad + text + end, whitespace, st.text(min_size=1), whitespace),
    near_the_limit,
    st.builds(lambda a, b: a + "\x00" + b, st.text(max_size=5), st.text(max_size=5)),
    json_text,
    json_values,
)
UUID_SPELLINGS = [
    str,
    lambda u: str(u).upper(),
    lambda u: u.hex,
    lambda u: "{" + str(u) + "}",
    lambda u: f"urn:uuid:{u}",
    lambda u: f" {u}\n",
    lambda u: str(u)[:-1],
    lambda u: f"{u}0",
    lambda u: str(u).replace("-", "_"),
]
client_ids = st.one_of(
    st.builds(lambda u, spell: spell(u), st.uuids(), st.sampled_from(UUID_SPELLINGS)),
    # A few fixed ids, so the same user reuses them across examples.
    st.sampled_from(
        ["0b7e3c4e-9d2a-4f1e-8c55-3f1f0a6b2c11", "00000000-0000-0000-0000-000000000000"]
    ),
    st.just(""),
    whitespace,
    st.text(max_size=40),
    json_values,
)
frame_types = st.one_of(
    st.sampled_from(["resume", "Resume", "resume ", "typing", "typing ", "message", ""]),
    json_values,
)
ids = st.one_of(
    st.sampled_from([0, 1, -1, MAX_ID, MAX_ID + 1, True, False, None, 1.0, "1"]),
    ints,
    json_values,
)
htmx_headers = st.one_of(
    st.just({"HX-Request": "true", "HX-Trigger": "composer-form", "HX-Current-URL": "/r/x/"}),
    json_values,
)
frame_objects = st.builds(
    lambda extra, fields: {**extra, **fields},
    st.dictionaries(st.text(max_size=8), json_values, max_size=3),
    st.fixed_dictionaries(
        {},
        optional={
            "type": frame_types,
            "body": bodies,
            "after": ids,
            "cursor": ids,
            "client_id": client_ids,
            "HEADERS": htmx_headers,
        },
    ),
)
#: What a browser's ws extension sends, give or take: a body, maybe an id and headers.
post_objects = st.fixed_dictionaries(
    {"body": bodies}, optional={"client_id": client_ids, "HEADERS": htmx_headers}
)
resume_objects = st.fixed_dictionaries(
    {"type": st.just("resume")}, optional={"after": ids, "cursor": ids}
)


def to_json(value: object, ascii_only: bool) -> str:
    """The JSON text of ``value``; escaped when it holds what UTF-8 cannot carry."""
    text = json.dumps(value, ensure_ascii=ascii_only)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(value)
    return text


json_frames = st.builds(
    to_json,
    st.one_of(json_values, frame_objects, post_objects, resume_objects),
    st.booleans(),
)


def nest(depth: int, shape: tuple[str, str], wrap: str) -> str:
    """``depth`` nested arrays (or objects holding arrays) inside ``wrap``, within the limit."""
    opener, closer = shape
    room = (FRAME_MAX_CHARS - len(wrap)) // (len(opener) + len(closer))
    depth = min(depth, room)
    return wrap.replace("@", opener * depth + closer * depth)


#: Deep nesting: json.loads raises RecursionError, not ValueError, past the recursion limit
#: (1,000 frames normally; hypothesis raises it while a test runs, hence the big depths).
deeply_nested = st.builds(
    nest,
    st.one_of(st.integers(min_value=1, max_value=8000), st.sampled_from([999, 1001, 5000, 8000])),
    st.sampled_from([("[", "]"), ('{"a":[', "]}")]),
    st.sampled_from(["@", '{"body": "hi", "x": @}', '{"type": "resume", "after": @}']),
)
huge_number_text = st.builds(
    lambda digits, template: template.replace("@", "9" * digits),
    st.integers(min_value=4290, max_value=7000),
    st.sampled_from(['{"type": "resume", "after": @}', '{"body": @}', "@", "[@]"]),
)
truncated_json = json_frames.flatmap(
    lambda text: st.integers(min_value=0, max_value=len(text)).map(lambda cut: text[:cut])
)
oversized = st.builds(
    lambda char, extra, template: template.replace("@", char * (FRAME_MAX_CHARS + extra)),
    st.sampled_from(["z", "é", "😀", " ", "["]),
    st.integers(min_value=-12, max_value=2000),
    st.sampled_from(["@", '{"body": "@"}', '{"type": "resume", "after": 1, "x": "@"}']),
)
text_frames = st.one_of(
    st.text(),
    st.text(alphabet=string.printable),
    json_frames,
    truncated_json,
    deeply_nested,
    huge_number_text,
    oversized,
)
binary_frames = st.one_of(st.binary(), json_frames.map(lambda text: text.encode("utf-8")))
#: A frame: ``str`` is a text frame, ``bytes`` a binary one.
frames = st.one_of(text_frames, binary_frames)
