"""``manage.py serve``: run the chat under daphne, the ASGI server."""

from __future__ import annotations

from daphne.cli import CommandLineInterface
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the chat (HTTP and WebSockets) with daphne."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000", help="host:port to listen on")
        parser.add_argument(
            "--websocket-timeout",
            type=int,
            default=86400,
            help="seconds a socket may stay open before daphne closes it with 1000 "
            "(browsers reconnect by themselves)",
        )
        parser.add_argument(
            "--proxy-headers",
            action="store_true",
            help="trust X-Forwarded-For/-Proto from a reverse proxy in front",
        )

    def handle(
        self, *args, bind: str, websocket_timeout: int, proxy_headers: bool, **options
    ) -> None:
        """Run daphne in this process until it is stopped."""
        host, _, port = bind.rpartition(":")
        argv = ["--bind", host.strip("[]") or "127.0.0.1", "--port", port]
        argv += ["--websocket_timeout", str(websocket_timeout)]
        if proxy_headers:
            argv.append("--proxy-headers")
        self.stdout.write(f"Serving the chat on http://{bind}/")
        CommandLineInterface().run([*argv, "site.asgi:application"])
