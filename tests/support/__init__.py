"""What the tests share: servers, browsers, clients, files and the environment the suite
runs in. Test modules import from here, never from each other; fixtures live in
``tests/conftest.py``. ``bench/`` uses some of these too."""

from pathlib import Path

#: The repository's root, and the tests' folder in it.
REPO = Path(__file__).resolve().parents[2]
TESTS = REPO / "tests"
