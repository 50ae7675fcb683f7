"""Views of one conversation: the conversation a URL names, found once per request.

``conversation_view`` turns the URL's ``slug=`` or ``username=`` (``chat.links.ADDRESSES``)
into the ``Conversation`` the signed-in reader may read (``chat.rooms.conversations``;
anyone else gets the 404 page, as for one that does not exist) and hands it to the view,
which is written once for every kind: ``chat.urls`` registers it under each address. It
is ``request.conversation`` too, so a refusal's page leads back to it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from chat.links import ADDRESSES
from chat.rooms import conversations

#: The URL keyword arguments that name a conversation: the view gets the rest.
_KEYWORDS = frozenset(address.keyword for address in ADDRESSES)


def conversation_view(methods: Sequence[str] = ("GET",), *, begun: bool = True) -> Callable:
    """Make ``view(request, conversation, **rest)`` a view of the conversation its URL
    names, for signed-in people, answering ``methods`` only.

    ``begun``: a conversation between people nobody has written in yet is not found
    (its older messages, its settings); with ``begun=False`` it comes without a room.
    """

    def decorate(view: Callable) -> Callable:
        @login_required
        @require_http_methods(list(methods))
        @wraps(view)
        def scoped(request: HttpRequest, **kwargs: object) -> HttpResponse:
            route = {key: value for key, value in kwargs.items() if key in _KEYWORDS}
            rest = {key: value for key, value in kwargs.items() if key not in _KEYWORDS}
            request.conversation = conversations.conversation(request.user, route, begun=begun)
            return view(request, request.conversation, **rest)

        return scoped

    return decorate
