"""Bots made and heard through the services: a bot past the creation limit, what it has
said, and a message that names one (so its hook is called)."""

from __future__ import annotations

from django.core.cache import cache

from chat.bots import services as bots
from chat.messages import posting as messages
from chat.models import Bot, Message, Room


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
