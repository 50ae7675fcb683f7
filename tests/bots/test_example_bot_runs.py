"""The README's bot (``docs/examples/bot.py``, that very file) run as its docstring says,
against a real server: a person says "/roll" in its room and the bot reacts and answers."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support import REPO
from tests.support.bots import make_bot_on_page
from tests.support.live_server import LiveServer, running
from tests.support.messages import article_ids
from tests.support.processes import Visitor

EXAMPLE = REPO / "docs" / "examples" / "bot.py"
#: Seconds the bot has to answer (it polls once a second).
ANSWER_WITHIN = 20
ANSWER = re.compile(r"🎲 [1-6]</p>")


@contextmanager
def example_bot(server: LiveServer, token: str, log: Path) -> Iterator[subprocess.Popen]:
    """``BOT_TOKEN=... CHAT_URL=... python bot.py`` for the block; then stopped."""
    env = {**os.environ, "BOT_TOKEN": token, "CHAT_URL": server.url}
    with open(log, "w") as output:
        process = subprocess.Popen(
            [sys.executable, str(EXAMPLE)], env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)
        print(f"--- the bot's output ---\n{log.read_text()}")


def test_the_readmes_bot_answers_a_roll_in_its_room(tmp_path: Path) -> None:
    with running(LiveServer(tmp_path / "chat.sqlite3")) as server:
        alice = Visitor(server)
        alice.sign_up("alice")
        landed = alice.post_form("/", {"title": "Dice", "kind": "public"})
        slug = landed.rstrip("/").rsplit("/", 1)[1]
        token = make_bot_on_page(alice, slug, "dicebot")

        with example_bot(server, token, tmp_path / "bot.log") as bot:
            alice.post_form(f"/r/{slug}/", {"body": "/roll for initiative"})
            # The first article is the roll: the bot may have answered already (it polls
            # once a second, and may have just polled).
            roll = article_ids(alice.get(f"/r/{slug}/"))[0]

            # The page is read again until the bot's answer is on it (or the time is up).
            deadline = time.monotonic() + ANSWER_WITHIN
            while not ANSWER.search(page := alice.get(f"/r/{slug}/")):
                assert bot.poll() is None, "the bot stopped"
                assert time.monotonic() < deadline, f"no answer in {ANSWER_WITHIN} s:\n{page}"
                time.sleep(0.2)  # the bot polls once a second; nothing to await from here
            assert bot.poll() is None, "the bot stopped"

        assert f'id="message-{roll}-reaction-🎲"' in page
        roll_id, answer_id = article_ids(page)
        assert roll_id == roll
        answer = page.split(f'<article id="message-{answer_id}"', 1)[1].split("</article>", 1)[0]
        assert ANSWER.search(answer)
        assert "dicebot" in answer
        assert '<blockquote class="reply"' in answer and "/roll for initiative" in answer
