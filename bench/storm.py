"""The connect storm: open many sockets at the same moment, count who got in within 10 s.

Every handshake starts together (no client-side limit). A socket counts as a success
when its handshake completed (the server accepted it: for ours, after the session and
the room were checked) within the deadline. Handshake times are measured from the
moment the storm began, so they include the client's own queueing.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter

from websockets.exceptions import InvalidStatus

from bench import collector, procstat, sockets, stats, wire
from bench.stack import ServerProcess

DEADLINE = 10.0


def _reason(error: BaseException) -> str:
    if isinstance(error, InvalidStatus):
        return f"HTTP {error.response.status_code}"
    return type(error).__name__


async def run_storm(side: wire.Side, server: ServerProcess, count: int) -> dict:
    """Open ``count`` sockets at once; successes, failures and handshake times."""
    # Handshakes timed without the harness's own collections (bench.collector).
    with collector.held():
        rss_before = server.rss_bytes()
        cpu_before, client_before = server.cpu_seconds(), time.process_time()
        proxy_before = server.proxy_cpu_seconds()
        machine_before = procstat.machine_busy_seconds()
        start = time.monotonic_ns()

        async def one(index: int):
            try:
                ws = await sockets.open_one(side, index, timeout=DEADLINE)
            except Exception as error:  # every failure is a result here
                return None, _reason(error)
            return ws, time.monotonic_ns() - start

        results = await asyncio.gather(*(one(index) for index in range(count)))
        open_sockets = [ws for ws, _ in results if ws is not None]
        times = [elapsed for ws, elapsed in results if ws is not None]
        on_time = [elapsed for elapsed in times if elapsed <= DEADLINE * 1e9]
        failures = Counter(reason for ws, reason in results if ws is None)
        cpu = server.cpu_seconds() - cpu_before
        client_cpu = time.process_time() - client_before
        wall = (time.monotonic_ns() - start) / 1e9
        proxy_cpu = None if proxy_before is None else server.proxy_cpu_seconds() - proxy_before
        others = (
            procstat.machine_busy_seconds() - machine_before - cpu - client_cpu - (proxy_cpu or 0)
        )
        rss_after = server.rss_bytes()
    await sockets.close_all(open_sockets)
    return {
        "attempted": count,
        "succeeded_within_10s": len(on_time),
        "failed": count - len(on_time),
        "failures": dict(failures),
        "handshake_ms": stats.summary_ms(times),
        "server_cpu_seconds": cpu,
        "proxy_cpu_seconds": proxy_cpu,
        # The harness's own handshake work; near the handshake times, the client was the limit.
        "client_cpu_seconds": client_cpu,
        "other_processes_cores": max(0.0, others / wall),
        "rss_per_socket_kib": (rss_after - rss_before) / len(open_sockets) / 1024
        if open_sockets
        else None,
    }
