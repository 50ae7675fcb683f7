"""Refusals are answered in one place (``chat.views.refusals.RefusalMiddleware``): views
here only raise what a service would, and each refusal comes back as its answer."""

from __future__ import annotations

import json

import pytest
from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.test import Client
from django.urls import include, path

from chat.errors import Forbidden, Invalid, Missing, NotFound, Refused, TooFast, Unavailable
from chat.views.refusals import KEPT_IN_FORM, answers_in_json, form_holding
from tests.support.messages import HTMX


class WordForm(forms.Form):
    word = forms.CharField(max_length=5)


def raising(refusal: Exception):
    def view(request):
        request.back = request.GET.get("back")
        raise refusal

    return view


@answers_in_json
def api(request):
    raise TooFast("Slow down.", 7.2)


def word_form(request):
    """A page with a form that comes back holding what was typed."""
    try:
        if request.POST.get("word") == "later":
            raise TooFast("Wait a little.", 3)
        form = WordForm(request.POST)
        if not form.is_valid():
            raise Invalid(form)
    except KEPT_IN_FORM as refusal:
        form = form_holding(WordForm, request, refusal)
        return HttpResponse(form.as_p(), status=refusal.status)
    return HttpResponse("saved")


def fine(request):
    return render(request, "chat/refusal.html", {"message": "all well"})


#: These views, and the site's own beside them (its templates link to its pages).
urlpatterns = [
    path("not-found", raising(NotFound("No such thing."))),
    path("missing", raising(Missing("You are not a member of this room: open it once to join."))),
    path("forbidden", raising(Forbidden("Only its author can edit a message."))),
    path("refused", raising(Refused("?before=<message id> is required."))),
    path("too-fast", raising(TooFast("You are sending messages too fast.", 4.5))),
    path("unavailable", raising(Unavailable("Try again."))),
    path("broken", raising(ValueError("not a refusal"))),
    path("api", api),
    path("form", word_form),
    path("fine", fine),
    path("", include("site.urls")),
]

pytestmark = pytest.mark.urls(__name__)


@pytest.fixture
def client(db) -> Client:
    return Client(raise_request_exception=False)


def test_not_found_is_the_sites_404_page_which_names_nothing(client, settings):
    settings.DEBUG = False

    response = client.get("/not-found")

    html = response.content.decode()
    assert response.status_code == 404
    assert "<h1>Nothing here</h1>" in html
    assert "No such thing." not in html


def test_not_found_is_the_404_page_for_htmx_too(client, settings):
    settings.DEBUG = False

    response = client.get("/not-found", **HTMX)

    assert response.status_code == 404
    assert "<h1>Nothing here</h1>" in response.content.decode()
    assert "HX-Retarget" not in response


def test_missing_says_its_words_with_404_and_a_way_back(client):
    response = client.get("/missing?back=/r/lunch/")

    html = response.content.decode()
    assert response.status_code == 404
    assert "<h1>That was not done</h1>" in html
    assert '<p class="error">You are not a member of this room: open it once to join.</p>' in html
    assert '<a href="/r/lunch/">Go back</a>' in html


@pytest.mark.parametrize(
    ("url", "status", "words"),
    [
        ("/forbidden", 403, "Only its author can edit a message."),
        ("/refused", 400, "?before=&lt;message id&gt; is required."),
        ("/unavailable", 503, "Try again."),
    ],
)
def test_a_refusal_is_a_page_of_its_own_with_its_status(client, url, status, words):
    response = client.get(url)

    html = response.content.decode()
    assert response.status_code == status
    assert f'<p class="error">{words}</p>' in html
    assert '<a href="/">Go back</a>' in html  # no place named: the lobby
    assert "Retry-After" not in response


def test_a_refusal_to_htmx_is_the_alert_swapped_into_the_alert_region(client):
    response = client.get("/forbidden", **HTMX)

    assert response.status_code == 403
    assert response.content.decode() == '<p class="error">Only its author can edit a message.</p>'
    assert response["HX-Retarget"] == "#alerts"
    assert response["HX-Reswap"] == "innerHTML"


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_too_fast_is_429_with_retry_after_in_whole_seconds(client, headers):
    response = client.get("/too-fast", **headers)

    assert response.status_code == 429
    assert response["Retry-After"] == "5"
    assert "You are sending messages too fast." in response.content.decode()


def test_an_api_view_answers_json_with_retry_after(client):
    response = client.get("/api")

    assert response.status_code == 429
    assert json.loads(response.content) == {"error": "Slow down."}
    assert response["Retry-After"] == "8"


def test_a_form_shown_again_holds_what_was_typed_and_the_refusal(client):
    response = client.post("/form", {"word": "later"})

    html = response.content.decode()
    assert response.status_code == 429
    assert response["Retry-After"] == "3"
    assert "Wait a little." in html
    assert 'value="later"' in html


def test_an_invalid_form_comes_back_with_its_own_errors_and_no_retry_after(client):
    response = client.post("/form", {"word": "too long"})

    html = response.content.decode()
    assert response.status_code == 400
    assert "Ensure this value has at most 5 characters" in html
    assert 'value="too long"' in html
    assert "Retry-After" not in response


def test_other_exceptions_are_left_alone(client):
    assert client.get("/broken").status_code == 500


def test_an_answer_without_a_refusal_is_untouched(client):
    response = client.get("/fine")

    assert response.status_code == 200
    assert "Retry-After" not in response


@pytest.mark.django_db(transaction=True)
async def test_the_async_request_path_answers_alike(async_client):
    response = await async_client.get("/too-fast", headers={"HX-Request": "true"})

    assert response.status_code == 429
    assert response["Retry-After"] == "5"
    assert response["HX-Retarget"] == "#alerts"
