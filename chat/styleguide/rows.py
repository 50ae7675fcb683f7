"""The rows of the styleguide's table (``chat.styleguide.states``): a state, a section."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chat.styleguide.samples import Samples

Context = dict[str, Any]


@dataclass(frozen=True)
class State:
    """One state of one or more partials: a row of the table."""

    anchor: str
    title: str
    #: When it appears, in one line.
    note: str
    #: The partial it draws, or the partials, in order ("template#name").
    partials: str | tuple[str, ...]
    #: The context of each partial drawn, from the made-up world.
    context: Callable[[Samples], Context | list[Context]] = lambda s: {}
    #: The class of the element the partial sits in on its page (a list, the log), if any.
    wrap: str = ""
    #: The partials the drawn ones include, shown in this state as well.
    within: tuple[str, ...] = ()
    #: Nothing of it shows: it carries data for the page's script; the page shows its HTML instead.
    invisible: bool = False

    @property
    def drawn(self) -> tuple[str, ...]:
        """The partials it draws."""
        return (self.partials,) if isinstance(self.partials, str) else self.partials

    @property
    def shows(self) -> tuple[str, ...]:
        """The partials it shows, as the completeness test reads them."""
        return tuple(dict.fromkeys(self.drawn + self.within))


@dataclass(frozen=True)
class Section:
    """A heading of the page and the states under it."""

    anchor: str
    title: str
    states: tuple[State, ...]


ATTACHMENT = ("chat/parts.html#attachment",)
PREVIEW = ("chat/room.html#link-preview",)
DATA = "Data for the page's script; keep its id and attributes."
