"""``manage.py``, except that daphne serves ``bench.baseline_asgi`` instead of ``site.asgi``.

    python bench/launch.py serve --bind 127.0.0.1:PORT [--workers N] [...]

The baseline must run on the very stack the chat runs on. ``manage.py serve`` always
serves ``site.asgi:application``, so this launcher runs that same command (its listening
socket, worker supervisor, graceful daphne server, close codes and flags) with two
substitutions made in this process only, nothing in the project changed:

- daphne's ``CommandLineInterface.load_asgi_app`` loads ``bench.baseline_asgi:application``
  (the tutorial consumer at ``/ws/bench/<room>/``, the chat for everything else);
- the supervisor's ``MANAGE_PY`` (``chat.serving.supervisor``) points here, so
  ``--workers N`` starts its workers through this launcher too.

If either hook disappears from the project or daphne, the launcher refuses to start
rather than silently serving the chat in the baseline's place.
"""

import sys
from pathlib import Path

LAUNCHER = Path(__file__).resolve()
REPO = LAUNCHER.parent.parent
sys.path[0] = str(REPO)  # the repository, not bench/, so `bench` and `manage` import

import manage  # noqa: E402 - attaches site/ and sets DJANGO_SETTINGS_MODULE

APPLICATION = "bench.baseline_asgi:application"


def install_hooks() -> None:
    """Make daphne load the bench application and ``serve`` spawn workers through here."""
    import django

    django.setup()
    # daphne.cli imports daphne.server, which installs Twisted's asyncio reactor, as
    # chat.serving.server's own imports do; nothing has imported twisted.internet.reactor
    # yet.
    from daphne.cli import CommandLineInterface
    from daphne.utils import import_by_path

    from chat.serving import supervisor

    if not hasattr(CommandLineInterface, "load_asgi_app") or not hasattr(supervisor, "MANAGE_PY"):
        sys.exit("bench/launch.py: daphne or `serve` changed; cannot swap the application.")

    def load_bench_app(self, path: str):
        return import_by_path(APPLICATION)

    CommandLineInterface.load_asgi_app = load_bench_app
    supervisor.MANAGE_PY = LAUNCHER


if __name__ == "__main__":
    install_hooks()
    manage.main()
