"""``/play <name>`` (``chat.messages.sounds``): a known sound is stored as typed and its
article names it (``data-sound``) in a live frame; ``/play`` alone or an unknown name is
answered with the list, to the sender only; ``CHAT_SOUNDS=0`` refuses them all."""

from __future__ import annotations

from pathlib import Path

import pytest

from chat.broadcast import frames
from chat.errors import Invalid
from chat.messages import posting, sounds
from chat.models import Message
from tests.support.messages import HTMX, said

pytestmark = pytest.mark.django_db

SOUNDS_FOLDER = Path(__file__).resolve().parents[2] / "static" / "chat" / "sounds"


@pytest.mark.parametrize(
    ("body", "sound"),
    [
        ("/play tada", "tada"),
        ("  /PLAY  Bell ", "bell"),
        ("/play nope", None),
        ("/play", None),
        ("/play tada now", None),
        ("/playtada", None),
        ("play tada", None),
        ("I said /play tada", None),
    ],
)
def test_a_body_plays_a_sound_only_as_the_whole_command_with_a_known_name(body, sound):
    assert sounds.sound_of(body) == sound


def test_play_alone_is_refused_with_the_list_of_sounds(alice, lunch):
    with pytest.raises(Invalid) as refused:
        posting.post_message(lunch, alice, {"body": "/play"})

    assert refused.value.message == sounds.LIST
    assert all(name in refused.value.message for name in sounds.SOUNDS)
    assert not Message.objects.exists()


def test_an_unknown_sound_is_refused_naming_it_and_listing_the_sounds(alice, lunch):
    with pytest.raises(Invalid) as refused:
        posting.post_message(lunch, alice, {"body": "/play <b>kazoo</b>"})

    assert refused.value.message.startswith("There is no sound called “<b>kazoo</b>”.")
    assert refused.value.message.endswith(sounds.LIST)
    assert not Message.objects.exists()


def test_a_known_sound_is_stored_as_typed_and_its_live_article_names_it(alice, lunch):
    posted = posting.post_message(lunch, alice, {"body": "/play tada"})

    assert posted.message.body == "/play tada"
    assert posted.frame.startswith('<div id="messages" hx-swap-oob="beforeend" data-live>')
    assert ' data-sound="tada">' in posted.frame
    assert '<p class="played"><span aria-hidden="true">🔔</span> played tada</p>' in posted.frame


def test_a_catch_up_frame_is_not_live(alice, lunch):
    message = said(lunch, alice, "/play tada")

    frame = frames.new_messages_frame([message])

    assert frame.startswith('<div id="messages" hx-swap-oob="beforeend">')
    assert ' data-sound="tada"' in frame  # the article is the same; only the frame differs


def test_other_messages_name_no_sound(alice, lunch):
    article = frames.message_article(said(lunch, alice, "lunch at noon"))

    assert "data-sound" not in article
    assert 'class="played"' not in article


def test_sounds_switched_off_refuse_every_play(alice, lunch, settings):
    settings.CHAT_SOUNDS = False

    for body in ("/play tada", "/play"):
        with pytest.raises(Invalid) as refused:
            posting.post_message(lunch, alice, {"body": body})
        assert refused.value.message == sounds.SWITCHED_OFF
    assert said(lunch, alice, "lunch at noon").body == "lunch at noon"


def test_the_refusal_shows_in_the_composer_without_javascript(login, alice, lunch):
    response = login(alice).post("/r/lunch/", {"body": "/play"})

    html = response.content.decode()
    assert response.status_code == 400
    assert "Sounds you can /play: bell, chime," in html
    assert ">\n/play</textarea>" in html  # kept, to be corrected


def test_the_room_page_offers_the_mute_switch_only_while_sounds_are_on(
    login, alice, lunch, settings
):
    client = login(alice)
    assert 'id="sounds-toggle"' in client.get("/r/lunch/").content.decode()

    settings.CHAT_SOUNDS = False
    assert 'id="sounds-toggle"' not in client.get("/r/lunch/", **HTMX).content.decode()


def test_every_sound_has_a_small_committed_file():
    for name in sounds.SOUNDS:
        path = SOUNDS_FOLDER / f"{name}.wav"
        assert path.exists(), name
        assert 1000 < path.stat().st_size < 30_000, name
    assert sorted(p.stem for p in SOUNDS_FOLDER.glob("*.wav")) == sorted(sounds.SOUNDS)
