"""The shape of ``chat/`` (docs/architecture.md): imports only go down, and no Python file of
the project (the app, the site, the tests, the benchmarks) grows past 400 lines.

Read from the source, so a change that breaks the shape fails here however it behaves.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support import REPO

CHAT = REPO / "chat"

#: From the bottom up. A module may import from a lower level, or from its own package.
#: Capabilities build on each other in this order only (a bot posts messages in rooms).
LEVELS = {
    "models": 1,
    # What a conversation is called for its reader follows from its room.
    "conversations": 1.2,
    "broadcast": 2,
    "rooms": 3.0,
    "messages": 3.1,
    "people": 3.2,
    "bots": 3.3,
    # Periodic clean-up of what every capability leaves over.
    "housekeeping": 3.4,
    # Every module with background tasks, imported for the task consumer.
    "tasks": 4,
    "templatetags": 4,
    "receivers": 4,
    "views": 5,
    "sockets": 5,
    "serving": 5,
    # What ties the pages together, above them.
    "styleguide": 6,
    "management": 6,
    "urls": 7,
    "apps": 5,
    "admin": 5,
    # Site-wide answers the views' own middleware builds on.
    "middleware": 4.5,
}
#: The forms of a capability sit beside the models, under broadcast, in the capabilities' order.
FORMS = 1.5
GROUND = 0


def _name(path: Path) -> str:
    return ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")


def level(module: str) -> float:
    """Where ``module`` (``chat.…``) stands; everything not named is the ground floor."""
    parts = module.split(".")
    if len(parts) > 2 and parts[-1] == "forms":
        return FORMS + LEVELS[parts[1]] / 100
    return LEVELS.get(parts[1], GROUND) if len(parts) > 1 else GROUND


def _package(module: str) -> str:
    return ".".join(module.split(".")[:2])


def imported(path: Path) -> set[str]:
    """The ``chat`` modules ``path`` imports, at any depth of its code (lazy imports too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "chat":
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                is_module = (REPO / Path(*candidate.split("."))).with_suffix(".py").exists() or (
                    REPO / Path(*candidate.split("."))
                ).is_dir()
                found.add(candidate if is_module else node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "chat"}
    return found


MODULES = sorted(p for p in CHAT.rglob("*.py") if "migrations" not in p.parts)


def upward_imports() -> list[str]:
    wrong = []
    for path in MODULES:
        me = _name(path)
        for target in sorted(imported(path)):
            if target == "chat" or _package(target) == _package(me):
                continue
            if level(target) >= level(me) and not (level(me) == level(target) == GROUND):
                wrong.append(f"{me} ({level(me)}) imports {target} ({level(target)})")
    return wrong


def test_imports_only_go_down():
    assert upward_imports() == []


def test_the_check_sees_an_import_that_goes_up():
    # rooms under messages: were rooms to import messages, the check must say so.
    assert level("chat.rooms.services") < level("chat.messages.posting")
    assert level("chat.broadcast.fanout") < level("chat.rooms.services")
    assert level("chat.messages.forms") < level("chat.broadcast.frames")
    assert level("chat.errors") < level("chat.models")


#: Where the project's Python is: the app, the site, the tests, the benchmarks, and manage.py.
PYTHON_FOLDERS = ("chat", "site", "tests", "bench")
#: The one file allowed to be long: the data model reads best whole.
LONG_ON_PURPOSE = CHAT / "models.py"


def python_files() -> list[Path]:
    """Every Python file of the project but the migrations (written by Django) and the
    folders git ignores (``tests/.node``: npm's)."""
    found = [REPO / "manage.py"]
    for folder in PYTHON_FOLDERS:
        for path in (REPO / folder).rglob("*.py"):
            inside = path.relative_to(REPO).parts
            if "migrations" not in inside and not any(part.startswith(".") for part in inside):
                found.append(path)
    return sorted(found)


@pytest.mark.parametrize(
    "path",
    [path for path in python_files() if path != LONG_ON_PURPOSE],
    ids=lambda p: str(p.relative_to(REPO)),
)
def test_no_module_is_over_400_lines(path):
    assert len(path.read_text().splitlines()) <= 400


def test_the_length_check_reads_every_python_file():
    checked = {str(path.relative_to(REPO)) for path in python_files()}

    assert {"manage.py", "chat/urls.py", "site/settings.py", "tests/conftest.py"} <= checked
    assert {"bench/run.py", "tests/support/browsing.py", "tests/bots/test_services.py"} <= checked
    assert not any("migrations" in name for name in checked)


SCRIPTS = sorted((REPO / "static" / "chat" / "js").glob("*.js"))


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_no_script_module_is_over_150_lines(path):
    assert len(path.read_text().splitlines()) <= 150


def test_the_page_script_is_modules():
    assert len(SCRIPTS) > 1
    assert not (REPO / "static" / "chat" / "chat.js").exists()
