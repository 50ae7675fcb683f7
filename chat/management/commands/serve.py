"""``manage.py serve``: run the chat under daphne, in one process or in N sharing one socket.

The command's arguments only; what it does, and why, is ``chat.serving.supervisor``'s.
"""

from __future__ import annotations

import argparse

from django.core.management.base import BaseCommand

from chat.serving import supervisor


class Command(BaseCommand):
    help = "Serve the chat (HTTP and WebSockets) with daphne, in one process or N."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000", help="HOST:PORT to listen on")
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="server processes sharing the socket (more than 1 needs REDIS_URL)",
        )
        parser.add_argument(
            "--proxy-headers",
            action="store_true",
            help="trust X-Forwarded-For/-Port/-Proto from a reverse proxy in front",
        )
        parser.add_argument(
            "--shutdown-grace",
            type=float,
            default=5.0,
            help="on SIGTERM, seconds to let sockets close (with 1012) and requests finish",
        )
        parser.add_argument(
            "--no-tasks",
            dest="tasks",
            action="store_false",
            help="start no task consumer beside the server (another box runs one)",
        )
        # Internal: a worker started by the parent, serving the inherited socket FD and
        # stopping if the parent (PID, given: it may be gone before we could ask) goes away.
        parser.add_argument("--worker-fd", type=int, default=None, help=argparse.SUPPRESS)
        parser.add_argument("--parent-pid", type=int, default=None, help=argparse.SUPPRESS)

    def handle(self, *args, **options) -> None:
        """Serve until stopped: ``chat.serving.supervisor.serve``, with this command's own
        options (Django adds its common ones, which serving has no use for)."""
        own = ("bind", "workers", "proxy_headers", "shutdown_grace", "worker_fd", "parent_pid")
        own += ("tasks",)
        supervisor.serve(**{name: options[name] for name in own}, out=self.stdout)
