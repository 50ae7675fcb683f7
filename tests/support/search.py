"""Reading a page of search results (``chat.messages.search``) as a test compares them."""

from __future__ import annotations

from chat.messages import search


def found_bodies(page: search.SearchPage) -> list[str]:
    """The bodies of the messages found, in the page's order."""
    return [result.message.body for result in page.results]
