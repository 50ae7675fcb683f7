"""The chat's limits in one place: sizes, page lengths and rates.

Per-person rates are counted in the cache (``chat.ratelimit``) so they hold across
tabs, sockets, processes and the no-JavaScript forms. ``SlidingWindowLimiter`` is the
one per-socket limit: frames that are neither posts nor allowed commands.
"""

import time
from collections.abc import Callable

#: Longest message body, in characters, after surrounding whitespace is stripped.
MESSAGE_MAX_CHARS = 4000
#: From this many characters on, the composer shows how many ("3,812 / 4,000").
MESSAGE_COUNT_FROM = 3500
#: Largest text frame a socket may send, in characters; larger frames close the socket.
FRAME_MAX_CHARS = 16_000
#: Ids and revisions are 64-bit; anything larger from a client is malformed, not a query.
MAX_ID = 2**63 - 1
#: Messages on a room page and in each "load older" step.
PAGE_SIZE = 50
#: Public rooms per page of the lobby.
LOBBY_PAGE_SIZE = 30
#: Most messages a resume answers one by one; a longer gap reloads the latest page.
RESUME_MAX_MESSAGES = 200
#: Messages shown on each side of the one a room page opens around (``?around=<id>``).
AROUND_EACH_SIDE = 25

#: A display name and a bio, in characters (after surrounding white space is stripped).
DISPLAY_NAME_MAX_CHARS = 50
BIO_MAX_CHARS = 300
#: Avatars are squares of these sides, in pixels: the profile page's and everywhere else's.
AVATAR_SIDE = 256
AVATAR_SMALL_SIDE = 64
#: Profile changes (name, bio, picture) one person may save in an hour: each one re-renders
#: the members list of every room they are in.
PROFILE_CHANGES_PER_HOUR = 20

#: Results on a page of search results.
SEARCH_PAGE_SIZE = 20
#: Longest search, in characters, and most words searched for: a longer one is clipped
#: (and the page says so), so a pasted essay costs no more than a sentence.
SEARCH_MAX_CHARS = 200
SEARCH_MAX_WORDS = 16
#: The last word also matches longer words it starts ("lunc" finds "lunch") from this
#: length on: shorter prefixes match so many words that they find mostly noise.
SEARCH_PREFIX_MIN_CHARS = 3

#: The switcher (Ctrl+K, ``/switch/?q=``): the longest query used (a username's length; a
#: longer one is clipped, and the answer says so), the rooms and the people it lists at most,
#: and the requests one person may make in SWITCHES_WINDOW_SECONDS (one per pause in typing).
SWITCHER_MAX_CHARS = 150
SWITCHER_MAX_CHOICES = 8
SWITCHES_PER_WINDOW = 120
SWITCHES_WINDOW_SECONDS = 60

#: The people directory (``/people/?q=``): the longest query used (clipped beyond, and the
#: page says so), the people a page lists, and the lookups one person may make in
#: DIRECTORY_WINDOW_SECONDS (htmx asks once per pause in typing).
DIRECTORY_MAX_CHARS = 150
DIRECTORY_PAGE_SIZE = 30
DIRECTORY_LOOKUPS_PER_WINDOW = 120
DIRECTORY_WINDOW_SECONDS = 60

#: Messages one person may post within POST_WINDOW_SECONDS, on every path together.
POSTS_PER_WINDOW = 20
POST_WINDOW_SECONDS = 10
# Rooms one person may create in an hour, and accounts from one client address in an
# hour: settings (CHAT_ROOMS_PER_PERSON_PER_HOUR, CHAT_SIGNUPS_PER_ADDRESS_PER_HOUR).
#: Failed sign-ins per client address (per username: AXES_FAILURE_LIMIT in the settings).
LOGIN_FAILURES_PER_ADDRESS = 20
LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60

#: A message said by the same author within this many seconds of the room's message before
#: it is shown grouped under that one's byline (``Message.follows_on``, decided once).
GROUP_SECONDS = 5 * 60
#: Files one send may carry (picked, dropped or pasted together; a form without
#: JavaScript posting several ``file`` fields): each becomes its own message.
FILES_PER_SEND = 10

#: How long after sending a message its author may still edit it.
EDIT_WINDOW_SECONDS = 15 * 60
#: Reactions anyone may pick from a palette (any other single emoji is allowed too).
REACTION_PALETTE = ("👍", "❤️", "😂", "🎉", "😮", "😢", "👀")
#: Longest reaction string: one emoji, however many code points it is made of.
REACTION_MAX_CHARS = 32

#: A person shows as typing for this long after their page said so (it says so at most
#: every TYPING_FRAME_SECONDS while they type); every page is told when it ends.
TYPING_SECONDS = 5.0
TYPING_FRAME_SECONDS = 3.0
#: Typing frames a socket may send in TYPING_FRAME_SECONDS; more are dropped, quietly.
TYPING_FRAMES_PER_WINDOW = 2

#: Frames a socket may send within OTHER_FRAMES_WINDOW_SECONDS that are neither posts
#: nor commands (bad frames, resumes); more close it with 4429.
OTHER_FRAMES_PER_WINDOW = 20
OTHER_FRAMES_WINDOW_SECONDS = 10.0


class SlidingWindowLimiter:
    """Allow at most ``limit`` events within any ``window`` seconds (one socket's own)."""

    __slots__ = ("_clock", "_stamps", "limit", "window")

    def __init__(
        self,
        limit: int = OTHER_FRAMES_PER_WINDOW,
        window: float = OTHER_FRAMES_WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        # A list, not a deque: a deque takes a 64-slot block (~600 bytes) at once, and
        # every open socket holds two of these; the limits here are a handful of stamps.
        self._stamps: list[float] = []

    def allow(self) -> bool:
        """Record one event and say whether it is within the limit."""
        now = self._clock()
        while self._stamps and now - self._stamps[0] >= self.window:
            del self._stamps[0]
        if len(self._stamps) >= self.limit:
            return False
        self._stamps.append(now)
        return True

    def retry_after(self) -> float:
        """Seconds until the next event would be allowed (0 when it would be now)."""
        if len(self._stamps) < self.limit:
            return 0.0
        return max(0.0, self.window - (self._clock() - self._stamps[0]))


#: Most people one can pick at once to start a group conversation with (besides oneself).
GROUP_MAX_PICKED = 20
