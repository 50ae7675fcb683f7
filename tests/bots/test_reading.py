"""Bots that see the conversation over HTTP (``chat.bots.reading``, ``chat.views.bots``): read
the room's changes after a revision, edit and delete their own messages, react to any, all
with ``Authorization: Bearer <token>``."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from chat.bots import services as bots
from chat.messages import edits
from chat.models import Message, Room
from chat.rooms import services as rooms
from tests.support.bots import make_bot
from tests.support.messages import say

pytestmark = pytest.mark.usefixtures("hooks_finish")


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def read(client, token: str, query: str = "") -> tuple[int, dict]:
    answer = client.get(f"/bots/messages{query}", **bearer(token))
    return answer.status_code, answer.json()


def post(client, token: str, path: str, data: dict | None = None):
    return client.post(
        path, json.dumps(data or {}), content_type="application/json", **bearer(token)
    )


@pytest.fixture
def room_bot(alice, lunch):
    bot, token = make_bot(lunch, alice)
    return bot, token


# --- authentication ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer nope", "Basic YWxpY2U6cHc=", "Token {token}", "{token}"],
    ids=["none", "empty", "no-token", "unknown", "basic", "other-scheme", "bare"],
)
def test_anything_but_a_live_bots_bearer_token_is_401(client, room_bot, header):
    _bot, token = room_bot
    extra = {} if header is None else {"HTTP_AUTHORIZATION": header.format(token=token)}

    answer = client.get("/bots/messages?after=0", **extra)

    assert answer.status_code == 401
    assert answer["WWW-Authenticate"].startswith("Bearer")
    assert answer.json() == {"error": "This bot token is not valid, or its bot was revoked."}


@pytest.mark.django_db
@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "BeArEr"])
def test_the_schemes_name_is_case_insensitive(client, room_bot, scheme):
    _bot, token = room_bot

    answer = client.get("/bots/messages", HTTP_AUTHORIZATION=f"{scheme} {token}")

    assert answer.status_code == 200


@pytest.mark.django_db
def test_a_revoked_bot_reads_and_writes_nothing(client, alice, lunch, room_bot):
    bot, token = room_bot
    said = say(lunch, bot.user, "before")[0]
    bots.revoke_bot(lunch, alice, bot.pk)

    assert read(client, token)[0] == 401
    for action in ("edit", "delete", "react"):
        answer = post(
            client, token, f"/bots/messages/{said.pk}/{action}", {"body": "x", "emoji": "👍"}
        )
        assert answer.status_code == 401
    assert Message.objects.get(pk=said.pk).body == "before"


@pytest.mark.django_db
def test_the_bot_of_a_deleted_room_is_401(client, alice, lunch, room_bot):
    _bot, token = room_bot
    Room.objects.filter(pk=lunch.pk).delete()

    assert read(client, token)[0] == 401


# --- reading -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reading_gives_changes_after_a_revision_oldest_change_first(client, alice, lunch, room_bot):
    _bot, token = room_bot
    first, _second, _third = say(lunch, alice, "one", "two", "three")
    edits.edit_message(alice, first.pk, {"body": "one, edited"})
    cache.clear()

    status, page = read(client, token, f"?after={first.revision}")

    assert status == 200
    assert [m["body"] for m in page["messages"]] == ["two", "three", "one, edited"]
    revisions = [m["revision"] for m in page["messages"]]
    assert revisions == sorted(revisions)
    assert page["after"] == revisions[-1] and page["more"] is False


@pytest.mark.django_db
def test_a_message_as_json(client, alice, lunch, room_bot):
    _bot, token = room_bot
    said = say(lunch, alice, "**hi** there")[0]
    edits.toggle_reaction(alice, said.pk, {"emoji": "👍"})
    cache.clear()

    _, page = read(client, token, "?after=0")
    message = page["messages"][-1]

    assert message == {
        "id": said.pk,
        "revision": Message.objects.get(pk=said.pk).revision,
        "author": {"id": alice.pk, "username": "alice", "name": "alice", "is_bot": False},
        "body": "**hi** there",
        "deleted": False,
        "created_at": said.created_at.isoformat(),
        "edited_at": None,
        "reply_to": None,
        "reactions": {"👍": {"count": 1, "usernames": ["alice"]}},
        "attachment": None,
    }


@pytest.mark.django_db
def test_a_deleted_message_reads_as_a_tombstone(client, alice, lunch, room_bot):
    _bot, token = room_bot
    said = say(lunch, alice, "oops")[0]
    edits.delete_message(alice, said.pk)

    _, page = read(client, token, "?after=0")

    assert page["messages"][-1]["id"] == said.pk
    assert page["messages"][-1]["body"] == "" and page["messages"][-1]["deleted"] is True


@pytest.mark.django_db
def test_reading_is_paginated_with_the_next_after(client, alice, lunch, room_bot):
    _bot, token = room_bot
    say(lunch, alice, *[f"m{n}" for n in range(5)])

    _, first = read(client, token, "?after=0&limit=3")
    _, rest = read(client, token, f"?after={first['after']}&limit=3")

    assert [m["body"] for m in first["messages"]] == ["m0", "m1", "m2"] and first["more"]
    assert [m["body"] for m in rest["messages"]] == ["m3", "m4"] and not rest["more"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "?after=x",
        "?after=-1",
        "?after=1.5",
        "?after=",
        "?after=\u0661",
        "?limit=0",
        "?limit=101",
        "?limit=a",
    ],
)
def test_bad_after_or_limit_is_400(client, room_bot, query):
    _bot, token = room_bot

    status, answer = read(client, token, query)

    assert status == 400
    assert "error" in answer


@pytest.mark.django_db
def test_reading_moves_the_bots_cursor_so_it_resumes_after_what_it_has(
    client, alice, lunch, room_bot
):
    bot, token = room_bot
    say(lunch, alice, "one", "two")

    _, page = read(client, token, "?after=0")
    bot.refresh_from_db()
    assert bot.feed_revision == page["after"]
    say(lunch, alice, "three")
    _, later = read(client, token)  # no after: after the last it had

    assert [m["body"] for m in later["messages"]] == ["three"]
    _, again = read(client, token, "?after=0&limit=1")  # an older page leaves it be
    bot.refresh_from_db()
    assert bot.feed_revision == later["after"]
    assert again["messages"][0]["body"] == "one"


@pytest.mark.django_db
def test_an_archived_room_is_readable(client, alice, lunch, room_bot):
    _bot, token = room_bot
    say(lunch, alice, "kept")
    Room.objects.filter(pk=lunch.pk).update(archived_at=timezone.now())

    status, page = read(client, token, "?after=0")

    assert status == 200 and page["messages"][-1]["body"] == "kept"


@pytest.mark.django_db
def test_reading_is_rate_limited_per_bot(client, room_bot):
    _bot, token = room_bot
    for _ in range(120):
        assert client.get("/bots/messages", **bearer(token)).status_code == 200

    answer = client.get("/bots/messages", **bearer(token))

    assert answer.status_code == 429 and "Retry-After" in answer


# --- edit, delete, react -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_bot_edits_its_own_message_through_the_edit_service(client, lunch, room_bot):
    bot, token = room_bot
    said = say(lunch, bot.user, "draft")[0]
    before = Room.objects.get(pk=lunch.pk).revision

    answer = post(client, token, f"/bots/messages/{said.pk}/edit", {"body": "final"})

    assert answer.status_code == 200
    assert answer.json()["message"]["body"] == "final"
    stored = Message.objects.get(pk=said.pk)
    assert stored.body == "final" and stored.edited_at is not None
    assert stored.revision == before + 1  # took the room's next revision


@pytest.mark.django_db
def test_a_bot_edits_with_a_form_too(client, lunch, room_bot):
    bot, token = room_bot
    said = say(lunch, bot.user, "draft")[0]

    answer = client.post(f"/bots/messages/{said.pk}/edit", {"body": "form"}, **bearer(token))

    assert answer.status_code == 200
    assert Message.objects.get(pk=said.pk).body == "form"


@pytest.mark.django_db
def test_an_edit_is_validated_like_anyones(client, lunch, room_bot):
    bot, token = room_bot
    said = say(lunch, bot.user, "draft")[0]

    answer = post(client, token, f"/bots/messages/{said.pk}/edit", {"body": ""})

    assert answer.status_code == 400
    assert answer.json() == {"error": "Write something before sending."}


@pytest.mark.django_db
def test_a_bot_may_not_edit_or_delete_someone_elses_message(client, alice, lunch, room_bot):
    _bot, token = room_bot
    said = say(lunch, alice, "mine")[0]

    for action in ("edit", "delete"):
        answer = post(client, token, f"/bots/messages/{said.pk}/{action}", {"body": "x"})
        assert answer.status_code == 403
        assert answer.json() == {"error": "A bot edits and deletes only its own messages."}
    assert Message.objects.get(pk=said.pk).body == "mine"


@pytest.mark.django_db
def test_messages_of_other_rooms_are_404_whatever_the_action(client, alice, lunch, room_bot):
    _bot, token = room_bot
    elsewhere = rooms.create_room(alice, {"title": "Elsewhere", "kind": Room.Kind.PUBLIC})
    said = say(elsewhere, alice, "not yours")[0]

    for action in ("edit", "delete", "react"):
        answer = post(
            client, token, f"/bots/messages/{said.pk}/{action}", {"body": "x", "emoji": "👍"}
        )
        assert answer.status_code == 404
    assert post(client, token, "/bots/messages/999999/edit", {"body": "x"}).status_code == 404
    assert not Message.objects.get(pk=said.pk).reactions.exists()


@pytest.mark.django_db
def test_a_bot_deletes_its_own_message(client, lunch, room_bot):
    bot, token = room_bot
    said = say(lunch, bot.user, "gone soon")[0]

    answer = post(client, token, f"/bots/messages/{said.pk}/delete")

    assert answer.status_code == 200
    assert answer.json()["message"]["deleted"] is True
    assert Message.objects.get(pk=said.pk).deleted


@pytest.mark.django_db
def test_a_bot_reacts_to_any_message_of_its_room_as_a_toggle(client, alice, lunch, room_bot):
    bot, token = room_bot
    said = say(lunch, alice, "nice")[0]

    on = post(client, token, f"/bots/messages/{said.pk}/react", {"emoji": "👍"})
    off = post(client, token, f"/bots/messages/{said.pk}/react", {"emoji": "👍"})

    assert on.status_code == 200
    assert on.json()["message"]["reactions"] == {
        "👍": {"count": 1, "usernames": [bot.user.username]}
    }
    assert off.json()["message"]["reactions"] == {}


@pytest.mark.django_db
def test_an_archived_room_refuses_a_bots_writes(client, alice, lunch, room_bot):
    bot, token = room_bot
    said = say(lunch, bot.user, "before")[0]
    Room.objects.filter(pk=lunch.pk).update(archived_at=timezone.now())

    for action in ("edit", "delete", "react"):
        answer = post(
            client, token, f"/bots/messages/{said.pk}/{action}", {"body": "x", "emoji": "👍"}
        )
        assert answer.status_code == 403, action
        assert answer.json()["error"]
    assert Message.objects.get(pk=said.pk).body == "before"


@pytest.mark.django_db
def test_not_json_is_400_once_the_token_is_good(client, lunch, room_bot):
    bot, token = room_bot
    said = say(lunch, bot.user, "x")[0]

    good = client.post(
        f"/bots/messages/{said.pk}/edit", b"{", content_type="application/json", **bearer(token)
    )
    bad = client.post(
        f"/bots/messages/{said.pk}/edit", b"{", content_type="application/json", **bearer("nope")
    )

    assert good.status_code == 400
    assert bad.status_code == 401


@pytest.mark.django_db
def test_the_token_apis_need_no_csrf_token(alice, lunch, room_bot):
    bot, token = room_bot
    said = say(lunch, bot.user, "x")[0]
    strict = Client(enforce_csrf_checks=True)

    answer = strict.post(f"/bots/messages/{said.pk}/react", {"emoji": "👍"}, **bearer(token))

    assert answer.status_code == 200
