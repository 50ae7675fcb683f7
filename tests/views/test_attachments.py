"""Files over HTTP (``chat.views.attachments``): sending one with and without htmx, and
serving one only to the room's readers, with headers that keep a hostile file harmless."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from chat.messages import attachments
from chat.messages import edits as changes
from chat.models import Attachment, Message, Room
from chat.rooms import services as rooms
from tests.support.files import HTML, PDF, opened, png, upload
from tests.support.messages import HTMX, in_room, say, with_person

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

FILE_POLICY = "default-src 'none'; sandbox"
HOSTILE = "<img src=x onerror=alert(1)>\"'&.html"


def shared(room: Room, user, name: str = "chart.png", data: bytes | None = None) -> Attachment:
    """A file ``user`` shared in ``room``, through the service."""
    data = png(40, 30) if data is None else data
    return attachments.attach(in_room(room, user), upload(name, data), {}).message.attachment


def content(response) -> bytes:
    body = b"".join(response.streaming_content)
    response.close()
    return body


# --- sending ---------------------------------------------------------------------------


def test_a_plain_form_sends_the_file_and_goes_to_its_message(login, alice, lunch):
    response = login(alice).post(
        "/r/lunch/attachments", {"file": upload("chart.png", png()), "body": "sales"}
    )

    message = Message.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/r/lunch/#message-{message.id}"
    assert (message.body, message.attachment.name) == ("sales", "chart.png")


def test_htmx_sends_the_file_and_gets_the_file_form_back_empty(login, alice, lunch):
    response = login(alice).post("/r/lunch/attachments", {"file": upload("a.txt", b"hi")}, **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith(
        '<form id="upload-form" class="upload-form" method="post" action="/r/lunch/attachments" '
        'enctype="multipart/form-data" hx-post="/r/lunch/attachments" '
        'hx-encoding="multipart/form-data" hx-target="this" hx-swap="outerHTML">'
    )
    assert 'value=""' in html.split('name="body"')[1].split(">")[0]
    assert html.endswith('<div id="notice" class="notice" role="status" hx-swap-oob="true"></div>')
    assert Attachment.objects.count() == 1


def test_with_live_delivery_down_the_sender_gets_the_message_and_a_notice(
    login, alice, lunch, monkeypatch
):
    async def layer_down(*args, **kwargs):
        raise ConnectionError("the channel layer is down")

    monkeypatch.setattr(
        "chat.broadcast.layers.KeepGroupsInMemoryChannelLayer.group_send", layer_down
    )

    response = login(alice).post("/r/lunch/attachments", {"file": upload("a.txt", b"hi")}, **HTMX)

    message = Message.objects.get()
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        '<div id="notice" class="notice" role="status" hx-swap-oob="true">Saved. Live delivery '
        "is interrupted; others will see it once it is back.</div>"
    ) in html
    assert (
        f'<div id="messages" hx-swap-oob="beforeend" data-live><article id="message-{message.id}"'
    ) in html


def test_htmx_gets_the_refusal_in_the_file_form_with_the_words_kept(login, alice, lunch):
    response = login(alice).post(
        "/r/lunch/attachments", {"file": upload("half.png", png()[:200]), "body": "keep me"}, **HTMX
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert html.startswith('<form id="upload-form"')
    assert (
        '<p class="error" role="alert">This image is damaged or incomplete, so it was not sent.</p>'
    ) in html
    assert 'value="keep me"' in html
    assert not Message.objects.exists()


def test_a_plain_form_refusal_is_the_room_page_with_the_error(login, alice, lunch):
    response = login(alice).post("/r/lunch/attachments", {"body": "keep me"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "<h1>Lunch</h1>" in html
    assert '<p class="error" role="alert">Choose a file to send.</p>' in html
    assert 'value="keep me"' in html


def test_a_file_past_the_posting_limit_answers_429_with_retry_after(login, alice, lunch):
    client = login(alice)
    for n in range(20):
        client.post("/r/lunch/attachments", {"file": upload(f"{n}.txt", b"hi")})

    response = client.post("/r/lunch/attachments", {"file": upload("21.txt", b"hi")}, **HTMX)

    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert "You are sending messages too fast." in response.content.decode()


def test_an_outsider_cannot_send_a_file_to_a_private_room(login, mallory, secret):
    response = login(mallory).post(f"/r/{secret.slug}/attachments", {"file": upload("a", b"x")})

    assert response.status_code == 404
    assert not Message.objects.exists()


def test_sending_a_file_to_a_public_room_joins_it(login, bob, lunch):
    login(bob).post("/r/lunch/attachments", {"file": upload("a.txt", b"hi")})

    assert lunch.memberships.filter(user=bob).exists()


def test_a_first_file_opens_a_direct_conversation_and_htmx_goes_there(login, alice, bob):
    response = login(alice).post("/p/bob/attachments", {"file": upload("a.txt", b"hi")}, **HTMX)

    message = Message.objects.get()
    assert message.room.kind == Room.Kind.DIRECT
    assert response["HX-Redirect"] == f"/p/bob/#message-{message.id}"


def test_a_refused_first_file_opens_nothing_and_shows_the_conversation_page(login, alice, bob):
    response = login(alice).post("/p/bob/attachments", {"body": "hi"})

    assert response.status_code == 400
    assert '<p class="error" role="alert">Choose a file to send.</p>' in response.content.decode()
    assert not Room.objects.exists()


def test_the_room_page_has_the_file_button(login, alice, lunch):
    html = login(alice).get("/r/lunch/").content.decode()

    assert '<form id="upload-form" class="upload-form" method="post"' in html
    # The 📎 button: a label for a file input that is hidden from sight only (it still
    # takes the keyboard's focus), named "Attach files", taking several files at once.
    assert (
        '<input type="file" name="file" id="id_file" class="attach-input visually-hidden" '
        'multiple required data-most="10">'
    ) in html
    assert '<label for="id_file" class="attach" title="Attach files (up to 10 at once)">' in html
    assert '<span class="visually-hidden">Attach files</span></label>' in html
    assert '<progress class="upload-progress" max="100" value="0"' in html


# --- serving ----------------------------------------------------------------------------


def test_a_reader_gets_an_image_inline_with_its_verified_type(login, alice, bob, lunch):
    stored = shared(lunch, alice, "chart.png")

    response = login(bob).get(f"/files/{stored.id}/chart.png")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == "inline; filename*=UTF-8''chart.png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == FILE_POLICY
    assert response["Cache-Control"] == "private, no-store"
    assert opened(content(response)).size == (40, 30)


def test_the_thumbnail_is_served_too(login, alice, lunch):
    stored = shared(lunch, alice, "chart.png", png(960, 480))

    response = login(alice).get(f"/files/{stored.id}/thumbnail")

    assert response["Content-Type"] == "image/png"
    assert response["Content-Security-Policy"] == FILE_POLICY
    assert opened(content(response)).size == (480, 240)


def test_an_html_file_is_only_ever_a_download(login, alice, lunch):
    stored = shared(lunch, alice, "page.html", HTML)

    response = login(alice).get(f"/files/{stored.id}/page.html")

    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == "attachment; filename*=UTF-8''page.html"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == FILE_POLICY
    assert response["Cache-Control"] == "private, no-store"
    assert content(response) == HTML


def test_a_file_called_thumbnail_is_served_at_its_own_url(login, alice, lunch):
    stored = shared(lunch, alice, "thumbnail", PDF)

    response = login(alice).get(f"/files/{stored.id}/thumbnail")

    assert response["Content-Disposition"] == "attachment; filename*=UTF-8''thumbnail"
    assert content(response) == PDF


def test_a_file_of_a_private_room_is_404_to_an_outsider(login, alice, mallory, secret):
    stored = shared(secret, alice)

    client = login(mallory)
    assert client.get(f"/files/{stored.id}/chart.png").status_code == 404
    assert client.get(f"/files/{stored.id}/thumbnail").status_code == 404


def test_a_file_of_a_private_room_is_404_to_a_former_member(login, alice, bob, secret):
    rooms.add_member(secret, alice, {"username": "bob"})
    stored = shared(secret, alice)
    client = login(bob)
    assert client.get(f"/files/{stored.id}/chart.png").status_code == 200

    rooms.remove_member(secret, alice, {"username": "bob"})

    assert client.get(f"/files/{stored.id}/chart.png").status_code == 404
    assert client.get(f"/files/{stored.id}/thumbnail").status_code == 404


def test_a_direct_conversations_file_is_404_to_a_third_person(login, alice, bob, mallory):
    posted = attachments.attach(with_person(alice, bob), upload("a.txt", b"hi"), {})

    url = f"/files/{posted.message.attachment.id}/a.txt"
    assert login(bob).get(url).status_code == 200
    assert login(mallory).get(url).status_code == 404


@pytest.mark.parametrize("path", ["chart.png", "thumbnail"])
def test_an_anonymous_visitor_is_sent_to_log_in(alice, secret, path):
    stored = shared(secret, alice)

    response = Client().get(f"/files/{stored.id}/{path}")

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/files/{stored.id}/{path}"


def test_a_missing_file_and_a_deleted_messages_file_are_404(login, alice, lunch):
    stored = shared(lunch, alice)
    client = login(alice)
    assert client.get(f"/files/{stored.id + 1}/chart.png").status_code == 404

    changes.delete_message(alice, stored.message_id)

    assert client.get(f"/files/{stored.id}/chart.png").status_code == 404


def test_a_file_gone_from_storage_is_404(login, alice, lunch):
    stored = shared(lunch, alice)
    stored.file.storage.delete(stored.file.name)

    assert login(alice).get(f"/files/{stored.id}/chart.png").status_code == 404


def test_a_file_can_only_be_read(login, alice, lunch):
    stored = shared(lunch, alice)

    assert login(alice).post(f"/files/{stored.id}/chart.png").status_code == 405


# --- hostile names ----------------------------------------------------------------------


def test_a_hostile_file_name_is_escaped_in_the_article(login, alice, lunch):
    stored = shared(lunch, alice, HOSTILE, b"boo")

    html = login(alice).get("/r/lunch/").content.decode()

    assert HOSTILE not in html
    assert (
        f'<a class="attachment file" href="/files/{stored.id}/%3Cimg%20src=x%20onerror=alert(1)'
        f'%3E%22&#x27;&amp;.html" download>&lt;img src=x onerror=alert(1)&gt;&quot;&#x27;&amp;'
        ".html</a>"
    ) in html


def test_a_hostile_image_name_is_escaped_in_its_alt_text(login, alice, lunch):
    stored = shared(lunch, alice, HOSTILE + ".png")

    html = login(alice).get("/r/lunch/").content.decode()

    assert 'alt="&lt;img src=x onerror=alert(1)&gt;&quot;&#x27;&amp;.html.png"' in html
    assert stored.name == HOSTILE + ".png"


def test_a_hostile_file_name_cannot_break_out_of_its_header(login, alice, lunch):
    stored = shared(lunch, alice, 'évil"; filename=x.exe\r\nSet-Cookie: a=b.html', b"boo")

    response = login(alice).get(f"/files/{stored.id}/x")

    assert response["Content-Disposition"] == (
        "attachment; filename*=UTF-8''"
        "%C3%A9vil%22%3B%20filename%3Dx.exe%20Set-Cookie%3A%20a%3Db.html"
    )
    assert "a=b" not in response.cookies
    assert not re.search(r"[\r\n]", str(response.serialize_headers()))


def test_a_page_of_files_costs_no_query_per_message(
    login, alice, lunch, django_assert_max_num_queries
):
    client = login(alice)
    shared(lunch, alice)
    say(lunch, alice, "one")
    client.get("/r/lunch/")  # the first visit also joins, marks read, …
    with django_assert_max_num_queries(100) as one_file:
        client.get("/r/lunch/")
    for n in range(5):
        shared(lunch, alice, f"chart {n}.png")

    with django_assert_max_num_queries(100) as six_files:
        client.get("/r/lunch/")

    assert len(six_files.captured_queries) == len(one_file.captured_queries)
