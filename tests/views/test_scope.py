"""Views of one conversation (``chat.views.scope.conversation_view``): the conversation a
URL names is found once per request, under the read rule, and handed to a view written
once for every kind of conversation."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.urls import include, path

from chat.bots import services as bots
from chat.links import ADDRESSES
from chat.rooms import conversations
from chat.rooms import services as rooms
from chat.views.scope import conversation_view

pytestmark = pytest.mark.django_db


@conversation_view(["GET", "POST"], begun=False)
def probe(request, conversation, **rest):
    """Says what it was handed."""
    same = conversation is request.conversation
    return HttpResponse(f"{conversation.name}|{conversation.links.page}|{same}|{rest}")


#: The probe under each address (with a keyword of its own), and the site's own pages.
urlpatterns = [
    *[path(a.pattern("probe/<int:n>"), probe) for a in ADDRESSES],
    path("", include("site.urls")),
]


@pytest.fixture
def finds(monkeypatch) -> list:
    """Every conversation found during the test, in order."""
    found = []
    real = conversations.conversation

    def counted(*args, **kwargs):
        found.append(real(*args, **kwargs))
        return found[-1]

    monkeypatch.setattr(conversations, "conversation", counted)
    return found


@pytest.mark.urls(__name__)
@pytest.mark.parametrize(
    ("url", "answer"),
    [
        ("/r/lunch/probe/7", "Lunch|/r/lunch/|True|{'n': 7}"),
        ("/p/bob/probe/7", "bob|/p/bob/|True|{'n': 7}"),
        ("/p/alice/probe/7", "Notes to self|/p/alice/|True|{'n': 7}"),
    ],
)
def test_the_view_is_handed_the_conversation_and_the_rest_of_its_url(
    login, alice, bob, lunch, url, answer
):
    assert login(alice).get(url).content.decode() == answer


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/r/lunch/"),
        ("get", "/p/bob/"),
        ("get", "/r/lunch/messages?before=5"),
        ("post", "/r/lunch/"),
        ("post", "/p/bob/"),
        ("get", "/r/lunch/settings"),
    ],
)
def test_a_conversation_is_found_once_per_request(login, alice, bob, lunch, finds, method, url):
    response = getattr(login(alice), method)(url, {"body": "hello"} if method == "post" else {})

    assert response.status_code in (200, 302)
    assert len(finds) == 1


@pytest.mark.parametrize(
    "tail", ["", "messages?before=5", "mentions?q=a", "settings", "attachments"]
)
def test_a_private_room_is_404_to_an_outsider_under_every_page(login, mallory, secret, tail):
    client = login(mallory)
    method = client.post if tail == "attachments" else client.get

    assert method(f"/r/{secret.slug}/{tail}").status_code == 404


@pytest.mark.parametrize(
    "tail", ["", "messages?before=5", "mentions?q=a", "settings", "attachments"]
)
@pytest.mark.parametrize("username", ["nobody", "helper"])
def test_nobody_and_a_bot_have_no_conversation_page(login, alice, lunch, username, tail):
    bots.create_bot(lunch, alice, {"name": "helper"})
    client = login(alice)
    method = client.post if tail == "attachments" else client.get

    assert method(f"/p/{username}/{tail}").status_code == 404


@pytest.mark.parametrize("tail", ["messages?before=5", "mentions?q=a", "settings"])
def test_a_conversation_nobody_wrote_in_has_only_its_page(login, alice, bob, tail):
    client = login(alice)

    assert client.get("/p/bob/").status_code == 200
    assert client.get(f"/p/bob/{tail}").status_code == 404


@pytest.mark.parametrize("url", ["/r/lunch/", "/p/bob/"])
def test_a_deactivated_reader_is_sent_to_sign_in_first(login, alice, bob, lunch, url):
    client = login(bob)
    get_user_model().objects.filter(pk=bob.pk).update(is_active=False)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_conversation_with_a_deactivated_person_stays_readable(login, alice, bob):
    rooms.open_direct_room(alice, bob)
    get_user_model().objects.filter(pk=bob.pk).update(is_active=False)

    assert login(alice).get("/p/bob/").status_code == 200
