"""The ASGI application: Django for HTTP, the chat's consumers for WebSockets.

Wiring only. Django's HTTP app is built first so apps are loaded before the
consumers are imported.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from chat.middleware import RequestsAtOnce, SocketNulBytesGuard  # noqa: E402
from chat.sockets.auth import SocketAuthMiddleware  # noqa: E402
from chat.sockets.origin import SameOriginValidator  # noqa: E402
from chat.sockets.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": RequestsAtOnce(django_asgi_app),
        "websocket": SameOriginValidator(
            SocketNulBytesGuard(SocketAuthMiddleware(URLRouter(websocket_urlpatterns)))
        ),
    }
)
