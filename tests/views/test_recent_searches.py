"""Recent searches (``chat.messages.recent_searches``, ``chat.views.search``): remembered when
run, ten at most, newest first, shown on the reader's own empty search page, forgotten one
at a time or all at once by POST."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from chat.messages import recent_searches
from chat.models import RecentSearch

pytestmark = pytest.mark.django_db


def kept(user) -> list[str]:
    """``user``'s recent searches, newest first."""
    return [search.query for search in recent_searches.recent(user)]


def offered(html: str) -> list[str]:
    """The searches the page offers again, in order (their links' text)."""
    return re.findall(r'<a class="again" href="/search\?q=[^"]*">([^<]*)</a>', html)


def run(client: Client, query: str, **params) -> None:
    assert client.get("/search", {"q": query, **params}).status_code == 200


def test_a_search_run_is_remembered_and_offered_on_the_empty_search_page(login, alice):
    client = login(alice)
    run(client, "lunch   on\tthursday ")

    html = client.get("/search").content.decode()

    assert kept(alice) == ["lunch on thursday"]
    assert offered(html) == ["lunch on thursday"]
    assert '<a class="again" href="/search?q=lunch%20on%20thursday">' in html


def test_the_list_is_only_shown_while_the_box_is_empty(login, alice):
    client = login(alice)
    run(client, "soup")

    assert offered(client.get("/search", {"q": "soup"}).content.decode()) == []


def test_nothing_is_remembered_for_an_empty_or_wordless_search(login, alice):
    client = login(alice)
    run(client, "")
    run(client, "   ")
    run(client, "?!*")

    assert kept(alice) == []
    assert "No recent searches." in client.get("/search").content.decode()


def test_more_results_of_a_search_is_not_a_new_search(login, alice):
    client = login(alice)
    run(client, "soup")
    run(client, "stew")
    run(client, "soup", before=5)

    assert kept(alice) == ["stew", "soup"]


def test_an_as_you_type_request_is_not_remembered(login, alice):
    client = login(alice)
    client.get("/search", {"q": "sou"}, HTTP_HX_REQUEST="true", HTTP_HX_TRIGGER_NAME="q")

    assert kept(alice) == []


def test_a_long_search_is_kept_to_200_characters(login, alice):
    run(login(alice), "word " * 100)

    (query,) = kept(alice)
    assert len(query) <= 200
    assert query.startswith("word word")


def test_ten_at_most_newest_first_the_oldest_deleted(login, alice):
    client = login(alice)
    for n in range(12):
        run(client, f"search {n}")

    assert kept(alice) == [f"search {n}" for n in range(11, 1, -1)]
    assert RecentSearch.objects.filter(user=alice).count() == 10


def test_a_search_run_again_moves_to_the_top_without_a_copy(login, alice):
    client = login(alice)
    for query in ("soup", "stew", "bread"):
        run(client, query)
    RecentSearch.objects.filter(user=alice).update(searched_at=timezone.now() - timedelta(1))
    RecentSearch.objects.filter(query="bread").update(searched_at=timezone.now())

    run(client, "soup")

    assert kept(alice)[0] == "soup"
    assert RecentSearch.objects.filter(user=alice, query="soup").count() == 1


def test_nobody_sees_anothers_searches(login, alice, bob):
    run(login(alice), "our secret plan")

    html = login(bob).get("/search").content.decode()

    assert "our secret plan" not in html
    assert offered(html) == []


def test_what_was_searched_is_escaped(login, alice):
    client = login(alice)
    run(client, "<b>bold</b> & more")

    html = client.get("/search").content.decode()

    assert "&lt;b&gt;bold&lt;/b&gt; &amp; more" in html
    assert "<b>bold</b>" not in html


def test_clear_forgets_them_all(login, alice, bob):
    client = login(alice)
    run(client, "soup")
    run(client, "stew")
    run(login(bob), "bread")

    response = client.post("/search/recent/clear")

    assert response.status_code == 302
    assert response["Location"] == "/search"
    assert kept(alice) == []
    assert kept(bob) == ["bread"]
    assert "No recent searches." in client.get("/search").content.decode()


def test_clear_answers_htmx_with_the_list_again(login, alice):
    client = login(alice)
    run(client, "soup")

    html = client.post("/search/recent/clear", HTTP_HX_REQUEST="true").content.decode()

    assert html.startswith('<div id="recent-searches"')
    assert "No recent searches." in html


def test_one_is_forgotten_alone(login, alice):
    client = login(alice)
    run(client, "soup")
    run(client, "stew")
    soup = RecentSearch.objects.get(user=alice, query="soup")

    html = client.post(f"/search/recent/{soup.id}/forget", HTTP_HX_REQUEST="true")

    assert kept(alice) == ["stew"]
    assert offered(html.content.decode()) == ["stew"]


def test_nobody_forgets_anothers_search(login, alice, bob):
    run(login(alice), "soup")
    soup = RecentSearch.objects.get(user=alice)

    assert login(bob).post(f"/search/recent/{soup.id}/forget").status_code == 404
    assert kept(alice) == ["soup"]


def test_clearing_is_post_only_and_needs_the_csrf_token(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    recent_searches.record(alice, "soup")

    assert client.get("/search/recent/clear").status_code == 405
    assert client.post("/search/recent/clear").status_code == 403
    assert kept(alice) == ["soup"]


def test_each_recent_search_has_its_forget_form_and_the_clear_form(login, alice):
    client = login(alice)
    run(client, "soup")
    soup = RecentSearch.objects.get(user=alice)

    html = client.get("/search").content.decode()

    assert f'action="/search/recent/{soup.id}/forget"' in html
    assert 'action="/search/recent/clear"' in html
    assert "Clear recent searches" in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_signed_out_people_cannot_clear(db):
    response = Client().post("/search/recent/clear")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
