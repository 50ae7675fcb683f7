"""The chat's limits in one place: sizes, page lengths and the per-socket rate limit."""

import time
from collections import deque
from collections.abc import Callable

#: Longest message body, in characters, after surrounding whitespace is stripped.
MESSAGE_MAX_CHARS = 4000
#: Largest text frame a socket may send, in characters; larger frames close the socket.
FRAME_MAX_CHARS = 16_000
#: Ids and revisions are 64-bit; anything larger from a client is malformed, not a query.
MAX_ID = 2**63 - 1
#: Messages on a room page and in each "load older" step.
PAGE_SIZE = 50
#: Most messages a resume answers one by one; a longer gap reloads the latest page.
RESUME_MAX_MESSAGES = 200
#: Messages one socket may post within RATE_WINDOW_SECONDS.
RATE_MAX_MESSAGES = 20
RATE_WINDOW_SECONDS = 10.0


class SlidingWindowLimiter:
    """Allow at most ``limit`` events within any ``window`` seconds."""

    def __init__(
        self,
        limit: int = RATE_MAX_MESSAGES,
        window: float = RATE_WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._stamps: deque[float] = deque()

    def allow(self) -> bool:
        """Record one event and say whether it is within the limit."""
        now = self._clock()
        while self._stamps and now - self._stamps[0] >= self.window:
            self._stamps.popleft()
        if len(self._stamps) >= self.limit:
            return False
        self._stamps.append(now)
        return True

    def retry_after(self) -> float:
        """Seconds until the next event would be allowed (0 when it would be now)."""
        if len(self._stamps) < self.limit:
            return 0.0
        return max(0.0, self.window - (self._clock() - self._stamps[0]))
