"""How Python's cyclic garbage collector runs in a serving worker: its full passes look at
what is new, not at every socket the worker holds.

**Why.** A full pass of the collector walks every object it tracks, and a worker holding
5,000 sockets tracks about 750,000 (some 150 a socket). Each such pass stopped the worker
for 0.5 to 1.2 s, with no frame sent: every 7 to 9 s while thousands of pages connect
(after a restart), and now and then after, whenever enough objects had survived since the
last one (docs/performance.md, "The workers' full collections").

**What is done.** When a full pass ends, what survived it is frozen (``gc.freeze()``): moved
where the collector does not look, so the next full pass walks only what survived since
(20 to 250 ms at 5,000 sockets on the bench's 2 cores; half the time in full passes in
all). The young generations are untouched, and the collector still frees every cycle made
and dropped between two full passes (a request's, a form's).

**What it costs, and how it is bounded.** A cycle that becomes garbage once frozen (those
of a socket that was open at the last full pass, and closed since) is found only by a pass
over everything. So a full pass is *complete* (everything unfrozen first, then frozen again
once it is over) when the frozen objects have grown by half since the last complete pass,
or when ``COMPLETE_EVERY_SECONDS`` have gone by since it: at most that long, and half the
worker's tracked objects, of such garbage wait. Nothing the chat holds in a cycle needs
freeing sooner: a request's database connection is closed as the request ends, and a
socket's file descriptor when the connection is lost, not by the collector.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

#: The generation whose collection is a full pass.
OLDEST = 2
#: A full pass is complete once the frozen objects have grown by this factor since the
#: last complete one (a worker's sockets doubled, or the garbage of closed ones grew).
COMPLETE_AFTER_GROWTH = 1.5
#: ... and at least this often, so that the garbage of closed sockets waits no longer.
COMPLETE_EVERY_SECONDS = 600.0


class FrozenSurvivors:
    """A ``gc.callbacks`` hook that freezes what survives each full pass (see the module)."""

    def __init__(
        self,
        *,
        growth: float = COMPLETE_AFTER_GROWTH,
        every: float = COMPLETE_EVERY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.growth, self.every, self.clock = growth, every, clock
        self.complete_passes = 0
        self._frozen_after_complete: int | None = None  # none yet: the first is complete
        self._completed_at = clock()
        self._completing = False

    def __call__(self, phase: str, info: dict) -> None:
        if info["generation"] != OLDEST:
            return
        if phase == "start":
            if self._due():
                gc.unfreeze()  # this pass then walks everything, the frozen included
                self._completing = True
            return
        gc.freeze()
        if self._completing:
            self._completing = False
            self.complete_passes += 1
            self._frozen_after_complete = gc.get_freeze_count()
            self._completed_at = self.clock()

    def _due(self) -> bool:
        if self._frozen_after_complete is None:
            return True
        if self.clock() - self._completed_at >= self.every:
            return True
        return gc.get_freeze_count() > self._frozen_after_complete * self.growth

    def install(self) -> None:
        """Run at every collection of this process from now on."""
        gc.callbacks.append(self)

    def uninstall(self) -> None:
        """Stop, and give the collector back everything frozen."""
        gc.callbacks.remove(self)
        gc.unfreeze()


def freeze_survivors() -> FrozenSurvivors:
    """Install the policy in this process (a serving worker, as it starts)."""
    policy = FrozenSurvivors()
    policy.install()
    return policy
