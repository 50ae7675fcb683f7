"""Profile pages (``chat.views.profiles``): a person's page, editing my own, the pictures;
names shown and escaped wherever they appear, and pages that stay cheap with many authors."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from chat.bots import services as bots
from chat.limits import PROFILE_CHANGES_PER_HOUR
from chat.models import Profile
from chat.people import profiles
from chat.rooms import services as rooms
from tests.support.files import HTML, opened, png, upload
from tests.support.joining import join
from tests.support.messages import HTMX, say

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

HOSTILE = "<img src=x onerror=alert(1)>\"'"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;&quot;&#x27;"


def named(user, display_name: str, **data) -> None:
    profiles.edit_profile(user, {"display_name": display_name, "bio": ""} | data, {})


def with_picture(user) -> Profile:
    return profiles.edit_profile(
        user, {"display_name": "", "bio": ""}, {"avatar": upload("me.png", png(300, 200))}
    )


# --- a person's page ---------------------------------------------------------------------


def test_a_profile_shows_name_username_bio_and_a_message_button(login, alice, bob):
    named(bob, "Bob Builder", bio="Can we fix it?\nYes we can.")

    html = login(alice).get("/u/bob/").content.decode()

    assert "<h1>Bob Builder</h1>" in html
    assert '<p class="username">@bob</p>' in html
    assert '<p class="bio">Can we fix it?<br>Yes we can.</p>' in html
    assert '<a class="button message" href="/p/bob/">Message Bob Builder</a>' in html
    assert "Here since <time datetime=" in html
    assert '<title id="page-title">Bob Builder · Chat</title>' in html


def test_a_profile_without_a_picture_shows_initials_with_a_label(login, alice, bob):
    html = login(alice).get("/u/bob/").content.decode()

    colour = bob.pk % 10
    assert (
        f'<span class="avatar big" data-colour="{colour}" role="img" aria-label="bob">B</span>'
    ) in html


def test_a_profile_with_a_picture_shows_it_with_alt_text(login, alice, bob):
    profile = with_picture(bob)

    html = login(alice).get("/u/bob/").content.decode()

    assert (
        f'<img class="avatar big" src="{profile.avatar_url}" width="128" height="128" alt="bob">'
        in html
    )


def test_my_own_profile_offers_editing_not_a_conversation(login, alice):
    html = login(alice).get("/u/alice/").content.decode()

    assert 'href="/accounts/profile/">Edit your profile</a>' in html
    assert "button message" not in html


def test_a_bots_profile_says_it_is_a_bot_and_offers_no_conversation(login, alice, lunch):
    bots.create_bot(lunch, alice, {"name": "helper"})

    html = login(alice).get("/u/helper/").content.decode()

    assert "This is a bot" in html
    assert '<span class="badge bot">bot</span>' in html
    assert "button message" not in html


def test_an_unknown_username_is_404_with_a_sentence(login, alice):
    response = login(alice).get("/u/nobody/")

    assert response.status_code == 404
    assert "There is nobody called “nobody” here." in response.content.decode()


@pytest.mark.parametrize("url", ["/u/alice/", "/accounts/profile/"])
def test_profile_pages_need_a_signed_in_person(client, alice, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_hostile_display_name_is_escaped_on_the_profile_page(login, alice, bob):
    named(bob, HOSTILE, bio=HOSTILE)

    html = login(alice).get("/u/bob/").content.decode()

    assert HOSTILE not in html
    assert f"<h1>{ESCAPED}</h1>" in html
    assert f'aria-label="{ESCAPED}"' in html
    assert f"Message {ESCAPED}</a>" in html


def test_a_hostile_display_name_is_escaped_in_the_avatars_alt_text(login, alice, bob):
    profile = with_picture(bob)
    named(bob, HOSTILE)

    html = login(alice).get("/u/bob/").content.decode()

    assert f'src="{profile.avatar_url}" width="128" height="128" alt="{ESCAPED}">' in html


# --- editing my profile ------------------------------------------------------------------


def test_the_edit_page_shows_my_current_profile(login, alice):
    named(alice, "Ada", bio="Engines")

    html = login(alice).get("/accounts/profile/").content.decode()

    assert 'name="display_name" id="id_display_name" maxlength="50" value="Ada"' in html
    assert ">\nEngines</textarea>" in html
    assert 'enctype="multipart/form-data"' in html


def test_saving_leads_to_my_profile_page(login, alice):
    response = login(alice).post(
        "/accounts/profile/", {"display_name": "Ada Lovelace", "bio": "Engines"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/u/alice/"
    assert Profile.objects.get(user=alice).display_name == "Ada Lovelace"


def test_a_picture_is_uploaded_and_served_to_anyone_signed_in(login, alice, bob):
    client = login(alice)
    client.post(
        "/accounts/profile/", {"display_name": "", "bio": "", "avatar": upload("me.png", png())}
    )
    profile = Profile.objects.get(user=alice)

    response = login(bob).get(profile.avatar_small_url)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "immutable" in response["Cache-Control"]
    assert opened(b"".join(response.streaming_content)).size == (64, 64)


def test_a_replaced_picture_is_no_longer_served(login, alice, bob):
    old = with_picture(alice).avatar_url
    with_picture(alice)

    assert login(bob).get(old).status_code == 404


def test_a_picture_needs_a_signed_in_person(client, alice):
    url = with_picture(alice).avatar_url

    assert client.get(url).status_code == 302


def test_a_refused_name_comes_back_with_the_error_and_the_rest_kept(login, alice):
    response = login(alice).post(
        "/accounts/profile/", {"display_name": "\u202eevil", "bio": "Kept words"}
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "may not hold invisible or direction-changing characters (U+202E)" in html
    assert ">\nKept words</textarea>" in html
    assert Profile.objects.get(user=alice).bio == ""


def test_a_file_that_is_no_picture_is_refused(login, alice):
    response = login(alice).post(
        "/accounts/profile/",
        {"display_name": "Ada", "bio": "", "avatar": upload("me.png", HTML, "image/png")},
    )

    assert response.status_code == 400
    assert "This is not a picture" in response.content.decode()
    assert 'value="Ada"' in response.content.decode()
    assert not Profile.objects.get(user=alice).avatar


def test_too_many_changes_are_429_with_retry_after(login, alice):
    client = login(alice)
    for _ in range(PROFILE_CHANGES_PER_HOUR):
        client.post("/accounts/profile/", {"display_name": "Ada", "bio": ""})

    response = client.post("/accounts/profile/", {"display_name": "Ada L", "bio": ""})

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "You have changed your profile many times" in response.content.decode()
    assert 'value="Ada L"' in response.content.decode()


def test_the_edit_page_refuses_other_methods(login, alice):
    assert login(alice).put("/accounts/profile/").status_code == 405


# --- names wherever they show --------------------------------------------------------------


def test_the_header_links_to_my_profile_with_my_name(login, alice):
    named(alice, "Ada")

    html = login(alice).get("/").content.decode()

    assert re.search(
        r'<a class="whoami" href="/accounts/profile/"[^>]*>.*<strong>Ada</strong></a>', html
    )


def test_a_message_and_the_members_list_show_the_display_name(login, alice, lunch):
    named(alice, "Ada Lovelace")
    say(lunch, alice, "hello")

    html = login(alice).get("/r/lunch/").content.decode()

    # A message's byline and the members list's are the same partial.
    link = '<a class="author name" href="/u/alice/" title="@alice">Ada Lovelace</a>'
    assert html.count(link) == 2


def test_a_hostile_display_name_is_escaped_in_messages_members_and_lobby(login, alice, bob, lunch):
    join(bob, "lunch")
    named(alice, HOSTILE)
    say(lunch, alice, "hello")
    say(rooms.open_direct_room(alice, bob), alice, "psst")
    client = login(bob)

    room = client.get("/r/lunch/").content.decode()
    lobby = client.get("/").content.decode()
    direct = client.get("/p/alice/").content.decode()

    for html in (room, lobby, direct):
        assert HOSTILE not in html
    assert f'title="@alice">{ESCAPED}</a>' in room  # the article and the members list
    assert f'<span class="author">{ESCAPED}:</span> psst' in lobby
    assert f'<a href="/p/alice/">{ESCAPED}</a>' in lobby
    assert f"<h1>{ESCAPED}</h1>" in direct
    assert f'<title id="page-title">{ESCAPED} · Chat</title>' in direct


def test_the_lobby_names_a_conversation_and_its_last_author_by_display_name(login, alice, bob):
    named(alice, "Ada")
    say(rooms.open_direct_room(alice, bob), alice, "hi")

    html = login(bob).get("/").content.decode()

    assert '<a href="/p/alice/">Ada</a>' in html
    assert '<span class="author">Ada:</span> hi' in html


def test_mention_suggestions_show_display_name_and_username(login, alice, bob, lunch):
    join(bob, "lunch")
    named(bob, "Robert")

    by_username = login(alice).get("/r/lunch/mentions?q=bo", **HTMX).content.decode()
    by_name = login(alice).get("/r/lunch/mentions?q=rob", **HTMX).content.decode()

    option = '>Robert <span class="username">@bob</span></li>'
    assert option in by_username
    assert option in by_name
    assert 'data-username="bob"' in by_name


def test_search_results_show_the_display_name(login, alice, lunch):
    named(alice, "Ada")
    say(lunch, alice, "soup today")

    html = login(alice).get("/search?q=soup").content.decode()

    assert '<a class="author" href="/u/alice/" title="@alice">Ada</a>' in html


def test_the_bots_list_names_its_creator_by_display_name(login, alice, lunch):
    named(alice, "Ada")
    bots.create_bot(lunch, alice, {"name": "helper"})

    html = login(alice).get("/r/lunch/settings").content.decode()

    assert "created by Ada" in html


def test_a_room_page_costs_the_same_queries_for_many_authors(
    login, make_user, alice, lunch, django_assert_max_num_queries
):
    say(lunch, alice, "first")
    client = login(alice)
    # Both pages read the session from the database: say() clears the cache (and with it
    # the cached session) between them.
    cache.clear()
    with django_assert_max_num_queries(100) as one_author:
        client.get("/r/lunch/")
    for n in range(8):
        person = make_user(f"person{n}")
        named(person, f"Person {n}")
        with_picture(person)
        join(person, "lunch")
        say(lunch, person, f"hello from {n}")

    cache.clear()
    with django_assert_max_num_queries(len(one_author.captured_queries)):
        html = client.get("/r/lunch/").content.decode()

    assert html.count('class="byline"') == 18  # nine messages, nine members
    assert html.count('<img class="avatar"') == 16  # eight in messages, eight in the list
