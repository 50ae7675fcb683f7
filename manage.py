#!/usr/bin/env python
"""The one command-line entry of the chat: dev server, migrations, `serve`, tests.

Python imports a standard-library module called ``site`` at start-up, so our
project package ``site/`` is attached to that module's search path here, once,
before Django reads settings. Every entry point runs this file first: the
commands below, and pytest, which loads it as a plugin (``-p manage``).
"""

import os
import site as _site_module
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
_site_module.__path__ = [str(BASE_DIR / "site")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site.settings")


def main() -> None:
    """Run a Django management command from the command line.

    A setting that makes the site refuse to start (no secret key with DEBUG off) is
    said in one line, not at the bottom of a traceback.
    """
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.SECRET_KEY  # noqa: B018 - reading settings is what may fail
    except ImproperlyConfigured as error:
        sys.exit(f"Cannot start the chat: {error}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
