"""The soak's plan: its shape, which socket slot is whose and where, and the posting budget.

Socket *slot* i is in room i mod ROOMS and belongs to person i mod PEOPLE. The posting
limit (``chat.ratelimit``) is per person and counts posts, files, edits and reactions
together: ``Budget`` keeps every person under it with a margin, counting each action
before it goes out.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

from chat.limits import POST_WINDOW_SECONDS, POSTS_PER_WINDOW

#: Actions a person takes per posting window, at most: the server allows POSTS_PER_WINDOW;
#: the margin covers the time between a send here and its count there.
BUDGET = POSTS_PER_WINDOW - 4


@dataclass(frozen=True)
class Plan:
    """The soak's shape: how long, how many sockets in how many rooms, how much of what."""

    seconds: float
    warmup_seconds: float
    sockets: int
    rooms: int
    people: int
    rate: float  # posts per second
    edit_rate: float
    react_rate: float
    upload_rate: float
    search_rate: float
    churn: float  # fraction of the sockets replaced every churn_seconds
    churn_seconds: float
    sample_seconds: float
    drain: float  # seconds a closing socket waits for what it is owed

    def room_of(self, slot: int) -> int:
        return slot % self.rooms

    def person_of(self, slot: int) -> int:
        return slot % self.people

    def rooms_of_people(self) -> list[set[int]]:
        """The rooms each person has a slot in (each joins those)."""
        joined: list[set[int]] = [set() for _ in range(self.people)]
        for slot in range(self.sockets):
            joined[self.person_of(slot)].add(self.room_of(slot))
        return joined

    def churned(self) -> int:
        """Sockets replaced each churn period."""
        return max(1, round(self.churn * self.sockets)) if self.churn > 0 else 0

    def sample_times(self) -> list[float]:
        """Seconds from the start at which to sample: every sample_seconds, the end of the
        warm-up and the end."""
        times = {self.warmup_seconds, self.seconds}
        step = 0.0
        while step < self.seconds:
            times.add(step)
            step += self.sample_seconds
        return sorted(times)


class Budget:
    """The posting limit as the soak keeps it: at most BUDGET actions per person in any
    POST_WINDOW_SECONDS, counted here before each one goes out."""

    def __init__(self, people: int) -> None:
        self.stamps = [deque() for _ in range(people)]

    def take(self, person: int) -> bool:
        """Count one action of ``person`` now, if they still may."""
        now, stamps = time.monotonic(), self.stamps[person]
        while stamps and stamps[0] <= now - POST_WINDOW_SECONDS:
            stamps.popleft()
        if len(stamps) >= BUDGET:
            return False
        stamps.append(now)
        return True


class Side:
    """What ``bench.sockets.open_one`` asks of a side: a slot's room URL and headers."""

    def __init__(self, plan: Plan, base_url: str, slugs: list[str], people) -> None:
        self.plan, self.base_url, self.slugs, self.people = plan, base_url, slugs, people

    def url(self, slot: int) -> str:
        slug = self.slugs[self.plan.room_of(slot)]
        return self.base_url.replace("http://", "ws://", 1) + f"/ws/r/{slug}/"

    def headers(self, slot: int) -> dict[str, str]:
        person = self.people[self.plan.person_of(slot)]
        return {"Cookie": person.cookie(), "Origin": self.base_url}
