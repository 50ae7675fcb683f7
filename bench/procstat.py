"""CPU time and resident memory of a server's process tree, read from /proc (Linux).

A server is the process the harness started and every descendant (``serve --workers N``
starts N workers). Threads are included: /proc/<pid>/stat sums them per process.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
PROC = Path("/proc")


def _stat_fields(pid: int) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name: [state, ppid, ...]."""
    text = (PROC / str(pid) / "stat").read_text()
    return text[text.rindex(")") + 2 :].split()


def process_tree(root: int) -> list[int]:
    """``root`` and all its living descendants."""
    children: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int(_stat_fields(int(entry.name))[1])
        except (OSError, IndexError, ValueError):
            continue  # gone while we looked
        children.setdefault(parent, []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def stop(process: subprocess.Popen | None, timeout: float) -> None:
    """SIGTERM ``process`` (its graceful stop); if it outstays ``timeout`` seconds, SIGKILL
    it and every process it started, youngest first."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        for pid in reversed(process_tree(process.pid)):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.wait()


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used so far (utime + stime)."""
    ticks = 0
    for pid in pids:
        try:
            fields = _stat_fields(pid)
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # fields 14 and 15 of proc(5)
    return ticks / CLOCK_TICKS


def rss_bytes(pids: list[int]) -> int:
    """Resident memory of the processes, summed."""
    pages = 0
    for pid in pids:
        try:
            pages += int((PROC / str(pid) / "statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return pages * PAGE_BYTES


def machine_busy_seconds() -> float:
    """CPU time all cores have spent busy since boot (the ``cpu`` line of /proc/stat)."""
    fields = [int(value) for value in (PROC / "stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS
