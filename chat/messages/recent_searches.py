"""Recent searches: the last few searches a person ran, offered again on their search page.

Only the person sees theirs (the search page is drawn for its reader alone, never sent to
a socket). A search is recorded when it held words (``chat.messages.search.words_of``):
its text as used (stripped, clipped), spaces inside made single, at most
``RecentSearch.query``'s 200 characters. Running one again moves it to the top; past
``RECENT_SEARCHES`` the oldest go, in the same transaction as the newest came.
"""

from __future__ import annotations

import logging

from django.contrib.auth.models import AbstractBaseUser
from django.db import DatabaseError, transaction
from django.db.models import Subquery
from django.utils import timezone

from chat.errors import NotFound
from chat.messages.search import words_of
from chat.models import RecentSearch

logger = logging.getLogger(__name__)

#: How many searches a person's page offers again (the rest are deleted).
RECENT_SEARCHES = 10
_MAX_CHARS = RecentSearch._meta.get_field("query").max_length
#: The refusal for another person's search, or one gone: a 404 naming nothing.
NO_SUCH_SEARCH = "That search is not in your recent searches."


def normalised(query: str) -> str:
    """``query`` as it is kept: spaces inside single, stripped, at most 200 characters."""
    return " ".join(words_of(query)[0].split())[:_MAX_CHARS].strip()


def record(user: AbstractBaseUser, query: str) -> RecentSearch | None:
    """Remember that ``user`` ran ``query`` (None when it held no word: nothing is kept).
    Never raises: the search must be answered even if remembering it failed."""
    if not user.is_authenticated or not words_of(query)[1]:
        return None
    search = RecentSearch(user_id=user.pk, query=normalised(query), searched_at=timezone.now())
    mine = RecentSearch.objects.filter(user_id=user.pk)
    newest = mine.order_by("-searched_at", "-id").values("id")[:RECENT_SEARCHES]
    try:
        with transaction.atomic():
            # One statement whether it is new or run again (the unique pair: INSERT … ON
            # CONFLICT DO UPDATE), and one that deletes all but the newest ten: a search
            # costs two writes, however many it has run.
            RecentSearch.objects.bulk_create(
                [search],
                update_conflicts=True,
                unique_fields=["user", "query"],
                update_fields=["searched_at"],
            )
            mine.exclude(id__in=Subquery(newest)).delete()
    except DatabaseError:
        # The database away, or locked too long: a convenience lost, the search itself
        # still answered.
        logger.warning("could not remember a search of user %s", user.pk, exc_info=True)
        return None
    return search


def recent(user: AbstractBaseUser) -> list[RecentSearch]:
    """``user``'s recent searches, newest first."""
    newest = RecentSearch.objects.filter(user_id=user.pk).order_by("-searched_at", "-id")
    return list(newest[:RECENT_SEARCHES])


def clear(user: AbstractBaseUser) -> int:
    """Forget every search of ``user``'s; how many there were."""
    return RecentSearch.objects.filter(user_id=user.pk).delete()[0]


def forget(user: AbstractBaseUser, search_id: int) -> None:
    """Forget one of ``user``'s searches; ``NotFound`` for anyone else's (or one gone)."""
    if not RecentSearch.objects.filter(user_id=user.pk, id=search_id).delete()[0]:
        raise NotFound(NO_SUCH_SEARCH)
