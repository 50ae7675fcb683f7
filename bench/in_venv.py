"""What every bench script does first when run as ``python bench/<script>.py`` from any shell.

Imported by name from beside the script (``import in_venv``, before anything else), it runs
the script again with the project's virtualenv when another Python started it, and puts the
repository, not ``bench/``, at the head of ``sys.path``, so ``chat``, ``site`` and ``bench``
import as they do in the tests.
"""

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV = REPO / ".venv"

if (VENV / "bin" / "python").exists() and Path(sys.prefix).resolve() != VENV.resolve():
    os.execv(VENV / "bin" / "python", [str(VENV / "bin" / "python"), *sys.argv])  # noqa: S606
sys.path[0] = str(REPO)
