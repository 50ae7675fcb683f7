"""The installable app and Web Push (``chat.people.push`` decides everything):

- ``GET /manifest.webmanifest``: the web app manifest, naming the instance;
- ``GET /sw.js``: the service worker (static/chat/sw.js), served from the root so its
  scope may be the whole site (``Service-Worker-Allowed: /``), never cached for long (the
  browser must see a new one);
- ``POST /push/subscriptions``: keep the browser's subscription (its JSON), 201;
  ``DELETE`` with the same JSON (its endpoint): forget it, 204.
"""

from __future__ import annotations

import json
from functools import cache

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.templatetags.static import static
from django.views.decorators.http import require_GET, require_http_methods

from chat.errors import SignedOut
from chat.people import instance, push
from chat.views.refusals import answers_in_json

#: The stylesheet's own accent (chat.css), when the instance has none.
THEME_COLOUR = "#1f5bd6"
BACKGROUND = "#ffffff"
SIGNED_OUT = "Sign in to get notifications on this device."


def manifest_data() -> dict:
    """The web app manifest, as a dict."""
    settings = instance.current()
    icons = [
        {
            "src": static(f"chat/icons/{kind}-{side}.png"),
            "sizes": f"{side}x{side}",
            "type": "image/png",
            "purpose": purpose,
        }
        for kind, purpose in (("icon", "any"), ("maskable", "maskable"))
        for side in (192, 512)
    ]
    return {
        "name": settings.name,
        "short_name": settings.name[:12],
        "id": "/",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": settings.accent or THEME_COLOUR,
        "background_color": BACKGROUND,
        "icons": icons,
    }


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest (for signed-out visitors too: the login page links it)."""
    response = JsonResponse(manifest_data(), json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    response["Cache-Control"] = "no-cache"
    return response


@cache
def _worker_source() -> bytes:
    with open(finders.find("chat/sw.js"), "rb") as script:
        return script.read()


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker's script, with the whole site as its allowed scope."""
    response = HttpResponse(_worker_source(), content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    # Browsers check a worker for updates at least daily; no-cache makes every check real.
    response["Cache-Control"] = "no-cache"
    return response


def _json_body(request: HttpRequest) -> object:
    """The request's JSON; None when it is not JSON (the service names what is missing)."""
    try:
        return json.loads(request.body or b"null")
    except (ValueError, RecursionError):
        return None


@answers_in_json
@require_http_methods(["POST", "DELETE"])
def subscriptions(request: HttpRequest) -> HttpResponse:
    """POST: keep this browser's subscription (201); DELETE: forget it (204). JSON in
    and out; signed out: 401."""
    if not request.user.is_authenticated:
        raise SignedOut(SIGNED_OUT)
    data = _json_body(request)
    if request.method == "DELETE":
        push.unsubscribe(request.user, data)
        return HttpResponse(status=204)
    push.subscribe(request.user, data, request.headers.get("User-Agent", ""))
    return JsonResponse({"subscribed": True}, status=201)
