"""The bench server's ASGI application: the tutorial baseline beside the chat, untouched.

WebSockets to ``/ws/bench/<room>/`` go to :class:`bench.baseline.ChatConsumer`, behind
the tutorial's origin check but without its ``AuthMiddlewareStack`` (the baseline does
no authentication); everything else, HTTP included, goes to ``site.asgi.application``
exactly as production serves it. bench/launch.py runs daphne on this.
"""

import importlib

import manage  # noqa: F401 - attaches the project's site/ package (see manage.py)

chat_application = importlib.import_module("site.asgi").application  # loads Django first

from channels.routing import URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import re_path  # noqa: E402

from bench.baseline import ChatConsumer  # noqa: E402

BASELINE_PREFIX = "/ws/bench/"

baseline_application = AllowedHostsOriginValidator(
    URLRouter([re_path(r"^ws/bench/(?P<room_name>\w+)/$", ChatConsumer.as_asgi())])
)


async def application(scope, receive, send):
    """Route the baseline's sockets to it and every other connection to the chat."""
    if scope["type"] == "websocket" and scope["path"].startswith(BASELINE_PREFIX):
        return await baseline_application(scope, receive, send)
    return await chat_application(scope, receive, send)
