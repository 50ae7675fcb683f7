"""The harness's own cycle collector, kept out of what it measures.

The harness is one Python process holding every socket it opens. With 10,000 of them its
heap holds millions of objects, and a full collection of them paused it for 0.5 to 1.2 s
in the middle of the messages it was timing: every frame that arrived meanwhile was
stamped late, as if the server had been slow (in that run the workers' own log of their
collections showed none in that window; their pauses, when they come, are the server's and
stay in its figures). While it measures, the harness therefore collects nothing:
what exists when measuring starts (the sockets) is frozen out of the collector's view, and
the collector is off until measuring ends. A measured window is bounded (the messages,
then the drain), and its garbage is collected once it is over.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def held() -> Iterator[None]:
    """No cycle collection in this process inside the block; as it was after it."""
    was_enabled = gc.isenabled()
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        if was_enabled:
            gc.enable()
        gc.collect()
