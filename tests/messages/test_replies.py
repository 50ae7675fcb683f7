"""Replies (``chat.messages.replies``): ``reply_to`` beside ``body``, on the socket and on the
plain form; only to a message of the same room that is not deleted; the article quotes the
original once for everyone; the original's author counts as mentioned (the lobby's count,
the notifications), never the replier themself."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chat.broadcast import notifications
from chat.errors import Invalid
from chat.messages import edits as changes
from chat.messages import posting as messages
from chat.messages import replies
from chat.models import Membership, Mention, Message
from chat.rooms import lobby
from tests.support.events import record_events
from tests.support.joining import ajoin, join
from tests.support.messages import HTMX, said
from tests.support.sockets import TIMEOUT, frame, message_frames, receive_frames

pytestmark = pytest.mark.django_db


def reply(room, author, original, body: str = "yes, at noon"):
    return messages.post_message(room, author, {"body": body, "reply_to": str(original.id)})


def entry_of(user, room):
    groups, directs = lobby.my_rooms(user)
    return next(entry for entry in groups + directs if entry.room == room)


# --- the service ------------------------------------------------------------------------------


def test_a_reply_links_to_the_message_it_answers(alice, bob, lunch):
    join(bob, "lunch")
    original = said(lunch, alice, "Lunch at noon?")

    posted = reply(lunch, bob, original)

    stored = Message.objects.get(pk=posted.message.pk)
    assert stored.reply_to_id == original.id
    assert stored.body == "yes, at noon"


def test_a_reply_to_another_rooms_message_is_refused_and_nothing_is_stored(
    alice, bob, lunch, secret
):
    join(bob, "lunch")
    elsewhere = said(secret, alice, "the plan")
    count = Message.objects.count()

    with pytest.raises(Invalid) as refusal:
        reply(lunch, bob, elsewhere, "what plan?")

    assert refusal.value.message == replies.NOT_HERE
    assert refusal.value.form.data["body"] == "what plan?"  # the text is kept
    assert Message.objects.count() == count


def test_a_reply_to_a_deleted_message_is_refused(alice, bob, lunch):
    join(bob, "lunch")
    original = said(lunch, alice, "Lunch at noon?")
    changes.delete_message(alice, original.id)

    with pytest.raises(Invalid) as refusal:
        reply(lunch, bob, original)

    assert refusal.value.message == replies.GONE
    assert not Message.objects.filter(reply_to=original).exists()


@pytest.mark.parametrize("wanted", ["999999", "0", "-3", "abc", "1e3", "9" * 30])
def test_a_reply_to_no_message_is_refused(alice, lunch, wanted):
    with pytest.raises(Invalid) as refusal:
        messages.post_message(lunch, alice, {"body": "hello", "reply_to": wanted})

    assert refusal.value.message == replies.NOT_HERE
    assert not Message.objects.exists()


def test_an_empty_reply_to_is_a_plain_message(alice, lunch):
    posted = messages.post_message(lunch, alice, {"body": "hello", "reply_to": ""})

    assert posted.message.reply_to_id is None


def test_the_original_author_is_mentioned_and_notified(alice, bob, lunch):
    join(bob, "lunch")
    original = said(lunch, alice, "Lunch at noon?")

    posted = reply(lunch, bob, original)

    assert list(Mention.objects.filter(message=posted.message).values_list("user", flat=True)) == [
        alice.pk
    ]
    assert posted.notify == (alice.pk,)
    assert entry_of(alice, lunch).mentioned == 1


def test_a_reply_to_oneself_mentions_nobody(alice, bob, lunch):
    join(bob, "lunch")
    original = said(lunch, alice, "Lunch at noon?")

    posted = reply(lunch, alice, original, "or one")

    assert not Mention.objects.filter(message=posted.message).exists()
    assert posted.notify == ()


def test_a_former_member_is_not_mentioned_by_a_reply(alice, bob, lunch):
    join(bob, "lunch")
    original = said(lunch, bob, "Lunch at noon?")
    Membership.objects.filter(room=lunch, user=bob).delete()

    posted = reply(lunch, alice, original)

    assert not Mention.objects.filter(message=posted.message).exists()


def test_a_reply_that_also_names_its_author_mentions_them_once(alice, bob, lunch):
    join(bob, "lunch")
    original = said(lunch, alice, "Lunch at noon?")

    posted = reply(lunch, bob, original, "@alice yes")

    assert Mention.objects.filter(message=posted.message).count() == 1


def test_editing_a_reply_keeps_its_author_mentioned(alice, bob, lunch):
    join(bob, "lunch")
    original = said(lunch, alice, "Lunch at noon?")
    posted = reply(lunch, bob, original)

    changes.edit_message(bob, posted.message.id, {"body": "yes, at one"})

    assert list(Mention.objects.filter(message=posted.message).values_list("user", flat=True)) == [
        alice.pk
    ]


def test_the_notification_names_the_reply(alice, bob, lunch):
    join(bob, "lunch")
    original = said(lunch, alice, "Lunch at noon?")

    posted = reply(lunch, bob, original)

    assert posted.notification == notifications.frame(posted.message, bob)
    assert f'data-url="/r/lunch/#message-{posted.message.id}"' in posted.notification


# --- the article ------------------------------------------------------------------------------


def test_the_article_quotes_the_original_once_for_everyone(alice, bob, lunch):
    join(bob, "lunch")
    original = said(lunch, alice, "<b>Lunch</b> at noon? " + "and more " * 30)

    posted = reply(lunch, bob, original)

    quote = (
        f'<blockquote class="reply" data-author="{alice.pk}"><a class="reply-link" '
        f'href="/m/{original.id}/"><span class="visually-hidden">In reply to </span>'
        f'<span class="reply-author">alice</span><span class="visually-hidden">:</span> '
        '<span class="reply-excerpt">&lt;b&gt;Lunch&lt;/b&gt; at noon? and more'
    )
    assert quote in posted.frame
    excerpt = posted.frame.split('<span class="reply-excerpt">')[1].split("</span>")[0]
    assert excerpt.endswith("…")
    assert len(excerpt.replace("&lt;", "<").replace("&gt;", ">")) <= replies.EXCERPT_CHARS
    assert "<b>" not in posted.frame


def test_a_quote_reads_the_words_of_a_formatted_message_not_its_markup(alice, bob, lunch):
    join(bob, "lunch")
    original = said(lunch, alice, "**Lunch** at *noon*, `table 4`")

    posted = reply(lunch, bob, original)

    assert '<span class="reply-excerpt">Lunch at noon, table 4</span>' in posted.frame


def test_a_quote_of_a_message_deleted_since_says_so(login, alice, bob, lunch):
    join(bob, "lunch")
    original = said(lunch, alice, "Lunch at noon?")
    posted = reply(lunch, bob, original)
    changes.delete_message(alice, original.id)

    html = login(bob).get("/r/lunch/").content.decode()

    assert '<span class="reply-excerpt">a deleted message</span>' in html
    assert "Lunch at noon?" not in html
    assert f'<article id="message-{posted.message.id}"' in html


def test_a_page_of_replies_costs_no_query_per_message(
    login, alice, bob, lunch, django_assert_num_queries
):
    join(bob, "lunch")
    original = said(lunch, alice, "Lunch at noon?")
    client = login(bob)
    reply(lunch, bob, original, "one")
    client.get("/r/lunch/")  # the chat's own settings in the cache, as on a running server
    with CaptureQueriesContext(connection) as one_reply:
        client.get("/r/lunch/")
    for n in range(5):
        reply(lunch, bob, original, f"more {n}")

    with django_assert_num_queries(len(one_reply.captured_queries)):
        html = client.get("/r/lunch/").content.decode()

    assert html.count('<blockquote class="reply"') == 6


# --- the plain form ---------------------------------------------------------------------------


def test_the_form_posts_a_reply(login, alice, bob, lunch):
    join(bob, "lunch")
    original = said(lunch, alice, "Lunch at noon?")

    response = login(bob).post("/r/lunch/", {"body": "yes", "reply_to": original.id})

    stored = Message.objects.get(body="yes")
    assert stored.reply_to_id == original.id
    assert response["Location"] == f"/r/lunch/#message-{stored.id}"


def test_a_refused_form_reply_keeps_the_text_and_the_reply(login, alice, bob, lunch):
    join(bob, "lunch")
    original = said(lunch, alice, "Lunch at noon?")

    response = login(bob).post("/r/lunch/", {"body": " ", "reply_to": original.id})

    html = response.content.decode()
    assert response.status_code == 400
    assert f'<input type="hidden" name="reply_to" value="{original.id}">' in html
    assert 'Replying to <strong>alice</strong>: <span class="reply-excerpt">Lunch at noon?' in html


def test_a_form_reply_to_another_rooms_message_is_refused_with_the_text_kept(
    login, alice, bob, lunch, secret
):
    join(bob, "lunch")
    elsewhere = said(secret, alice, "the plan")

    response = login(bob).post("/r/lunch/", {"body": "what plan?", "reply_to": elsewhere.id})

    html = response.content.decode()
    assert response.status_code == 400
    assert replies.NOT_HERE in html
    assert "what plan?" in html
    assert "the plan<" not in html  # the other room's words are not shown
    assert 'name="reply_to"' not in html


# --- "Reply": the bar (htmx) and the page (no JavaScript) ------------------------------------


def test_reply_for_htmx_is_the_composers_reply_bar(login, alice, bob, lunch):
    join(bob, "lunch")
    original = said(lunch, alice, "Lunch <at> noon?")

    html = login(bob).get(f"/m/{original.id}/reply", **HTMX).content.decode()

    assert html.startswith('<div id="reply-bar" class="reply-bar">')
    assert f'<input type="hidden" name="reply_to" value="{original.id}">' in html
    assert "Replying to <strong>alice</strong>" in html
    assert "Lunch &lt;at&gt; noon?" in html


def test_reply_without_javascript_is_a_form_posting_to_the_conversation(login, alice, bob, lunch):
    join(bob, "lunch")
    original = said(lunch, alice, "Lunch at noon?")

    html = login(bob).get(f"/m/{original.id}/reply").content.decode()

    assert '<form class="reply-form" method="post" action="/r/lunch/">' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert f'<input type="hidden" name="reply_to" value="{original.id}">' in html
    assert '<textarea id="reply-' in html


def test_reply_to_a_deleted_message_is_refused(login, alice, bob, lunch):
    original = said(lunch, alice, "Lunch at noon?")
    changes.delete_message(alice, original.id)

    assert login(alice).get(f"/m/{original.id}/reply").status_code == 403


def test_reply_is_404_for_a_non_reader_and_405_for_a_post(login, alice, mallory, secret):
    original = said(secret, alice, "the plan")

    assert login(mallory).get(f"/m/{original.id}/reply").status_code == 404
    assert login(mallory).post(f"/m/{original.id}/reply").status_code == 404
    assert login(alice).post(f"/m/{original.id}/reply").status_code == 405


# --- the socket, through the real application ------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_a_reply_sent_on_the_socket_quotes_the_original(open_socket, alice, bob, lunch):
    await ajoin(bob, "lunch")
    original = await database_sync_to_async(said)(lunch, alice, "Lunch at noon?")
    bob_tab = await open_socket("/ws/r/lunch/", bob)
    alice_tab = await open_socket("/ws/r/lunch/", alice)

    await bob_tab.send_to(text_data=frame(body="yes", reply_to=str(original.id)))

    [article] = message_frames(await receive_frames(bob_tab, 2))
    assert await alice_tab.receive_from(TIMEOUT) == article
    assert f'<blockquote class="reply" data-author="{alice.pk}">' in article
    assert f'href="/m/{original.id}/"' in article
    stored = await database_sync_to_async(Message.objects.get)(body="yes")
    assert stored.reply_to_id == original.id
    mentioned = await database_sync_to_async(
        lambda: list(Mention.objects.filter(message=stored).values_list("user", flat=True))
    )()
    assert mentioned == [alice.pk]


@pytest.mark.django_db(transaction=True)
async def test_a_socket_reply_to_another_rooms_message_comes_back_refused(
    open_socket, alice, bob, lunch, secret
):
    await ajoin(bob, "lunch")
    elsewhere = await database_sync_to_async(said)(secret, alice, "the plan")
    bob_tab = await open_socket("/ws/r/lunch/", bob)

    await bob_tab.send_to(text_data=frame(body="what plan?", reply_to=str(elsewhere.id)))

    answer = await bob_tab.receive_from(TIMEOUT)
    assert "data-reply-refused" in answer
    assert replies.NOT_HERE in answer
    assert "what plan?" in answer
    assert "the plan" not in answer.replace("what plan?", "")
    assert not await database_sync_to_async(Message.objects.filter(body="what plan?").exists)()


# --- the original changes ---------------------------------------------------------------------


def test_deleting_the_original_requotes_its_replies_for_every_page(alice, bob, lunch, monkeypatch):
    join(bob, "lunch")
    original = said(lunch, alice, "Lunch at noon?")
    posted = reply(lunch, bob, original)
    cursor = posted.message.revision
    sent = record_events(monkeypatch)

    changes.delete_message(alice, original.id)

    frames = [event["html"] for event in sent]
    assert len(frames) == 2  # the tombstone, then the reply quoting it
    assert f'<article id="message-{posted.message.id}"' in frames[1]
    assert '<span class="reply-excerpt">a deleted message</span>' in frames[1]
    assert "Lunch at noon?" not in "".join(frames)
    # A page that was away gets it too when it resumes.
    missed = messages.catch_up(lunch, after_id=posted.message.id, cursor=cursor)
    assert [m.id for m in missed.messages] == [original.id, posted.message.id]


def test_editing_the_original_requotes_its_replies(alice, bob, lunch, monkeypatch):
    join(bob, "lunch")
    original = said(lunch, alice, "Lunch at noon?")
    posted = reply(lunch, bob, original)
    sent = record_events(monkeypatch)

    changes.edit_message(alice, original.id, {"body": "Lunch at one?"})

    assert len(sent) == 2
    assert '<span class="reply-excerpt">Lunch at one?</span>' in sent[1]["html"]
    assert f'<article id="message-{posted.message.id}"' in sent[1]["html"]
