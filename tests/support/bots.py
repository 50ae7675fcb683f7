"""Bots made and heard through the services: a bot past the creation limit, what it has
said, and a message that names one (so its hook is called); and a bot made on a live
server's settings page, as a person makes one."""

from __future__ import annotations

import html
import re
import urllib.parse
import urllib.request

from django.core.cache import cache

from chat.bots import services as bots
from chat.messages import posting as messages
from chat.models import Bot, Message, Room
from tests.support.accounts import Browser, csrf_token


def make_bot(room: Room, creator, name: str = "helper", **fields: str) -> tuple[Bot, str]:
    """A bot made through the service, past the bot-creation limit."""
    bot, token = bots.create_bot(room, creator, {"name": name, **fields})
    cache.clear()
    return bot, token


def bot_messages(bot: Bot) -> list[str]:
    """The bodies of the messages ``bot`` has posted, oldest first."""
    return list(
        Message.objects.filter(author=bot.user).order_by("id").values_list("body", flat=True)
    )


def mention(room: Room, author, body: str) -> messages.Posted:
    """``body`` said in ``room`` through the service, as a form would: a bot it names is
    called."""
    return messages.post_message(room, author, {"body": body})


#: The token on a room's settings page once a bot is made (shown that once).
NEW_TOKEN = re.compile(r'id="new-bot-token" class="token" readonly value="([^"]+)"')


def make_bot_on_page(person: Browser, slug: str, name: str, **fields: str) -> str:
    """A bot made by ``person`` (a member) with the settings page's bot form of room
    ``slug``, as a browser without JavaScript sends it; its token, read off the page."""
    page = person.get(f"/r/{slug}/settings")
    data = urllib.parse.urlencode(
        {"name": name, **fields, "csrfmiddlewaretoken": csrf_token(page)}
    ).encode()
    url = f"{person.base_url}/r/{slug}/bots"
    request = urllib.request.Request(url, data=data, headers={"Referer": url})
    with person.opener.open(request, timeout=30) as reply:
        answer = reply.read().decode()
    found = NEW_TOKEN.search(answer)
    if found is None:
        raise AssertionError(f"no bot token on the page:\n{answer}")
    return html.unescape(found[1])
