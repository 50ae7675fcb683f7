"""The README's bot is the file the repository ships (``docs/examples/bot.py``), verbatim."""

from __future__ import annotations

from tests.support import REPO


def test_the_readmes_bot_is_docs_examples_bot_py():
    readme = (REPO / "README.md").read_text()
    code = (REPO / "docs" / "examples" / "bot.py").read_text()

    section = readme.split("## A bot in twenty lines", 1)[1]
    block = section.split("```python\n", 1)[1].split("```", 1)[0]

    assert block == code
    assert len(code.splitlines()) <= 22
