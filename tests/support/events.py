"""The events services hand to the channel layer, caught on their way there."""

from __future__ import annotations

from chat.broadcast import fanout


def record_events(monkeypatch, *, taken: bool = True) -> list[dict]:
    """Every event sent from now on (sync or async), in order, instead of the layer; each
    send answers ``taken`` (False: as if the layer could not be reached)."""
    sent: list[dict] = []

    def send(event: dict) -> bool:
        sent.append(event)
        return taken

    async def asend(event: dict) -> bool:
        return send(event)

    monkeypatch.setattr(fanout, "send", send)
    monkeypatch.setattr(fanout, "asend", asend)
    return sent
