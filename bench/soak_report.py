"""The soak's readings of the server every so often, its criteria, and its table.

A sample is the server's resident memory (every process: ``bench.procstat``), its open
files (``/proc/<pid>/fd`` of every process), the PostgreSQL connections to its database
(``pg_stat_activity``; none with SQLite), and the delivery delays and failures of the
window since the sample before. Open files and connections move with the requests and
sockets in flight at the moment of reading, so each is the lowest of a few readings
taken a moment apart: a leak raises that floor, a burst of requests does not.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from bench import stats

#: Readings of a sample's floor, and the seconds between them.
FLOOR_READINGS, FLOOR_GAP = 3, 0.3
#: The criteria (see ``criteria``).
RSS_GROWTH_MAX_PCT = 5.0
FILES_SLACK_PCT, FILES_SLACK_MIN = 5.0, 20
CONNECTIONS_SLACK = 2
P99_GROWTH_MAX_PCT = 20.0
#: The p99 windows compared: the first and last this many seconds after the warm-up, or a
#: third of the measured time when that is shorter.
P99_WINDOW_SECONDS = 300.0


def open_files(pids: list[int]) -> int:
    """Descriptors open in the processes, summed."""
    total = 0
    for pid in pids:
        try:
            total += len(os.listdir(f"/proc/{pid}/fd"))
        except OSError:
            continue  # gone meanwhile
    return total


def database_connections(admin_url: str | None, database: str | None) -> int | None:
    """Connections to ``database`` (PostgreSQL), the reading's own excluded (it is made to
    the admin database); None without PostgreSQL."""
    if not admin_url or not database:
        return None
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as admin:
        row = admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (database,)
        ).fetchone()
    return int(row[0])


def floor_of(read) -> int | None:
    """The lowest of FLOOR_READINGS readings FLOOR_GAP s apart (None stays None)."""
    values = []
    for number in range(FLOOR_READINGS):
        if number:
            time.sleep(FLOOR_GAP)
        values.append(read())
    return None if values[0] is None else min(values)


def _pct(first: float | None, last: float | None) -> float | None:
    if first in (None, 0) or last is None:
        return None
    return 100.0 * (last - first) / first


def _first_last_max(samples: list[dict], key: str) -> dict:
    values = [sample[key] for sample in samples if sample.get(key) is not None]
    if not values:
        return {"first": None, "last": None, "max": None}
    return {"first": values[0], "last": values[-1], "max": max(values)}


def _window_highs(samples: list[dict], key: str, window_seconds: float | None) -> dict:
    """The highest ``key`` in the first and the last ``window_seconds`` of the samples, and
    over all of them: a gauge that swings with the traffic (a connection pool's) leaks when
    its highs climb, which one reading at each end cannot tell from a swing."""
    timed = [(sample["t_s"], sample[key]) for sample in samples if sample.get(key) is not None]
    if not timed or window_seconds is None:
        return {"first": None, "last": None, "max": None}
    start, end = timed[0][0], timed[-1][0]
    return {
        "first": max(value for at, value in timed if at < start + window_seconds),
        "last": max(value for at, value in timed if at > end - window_seconds),
        "max": max(value for _, value in timed),
    }


def p99_windows(tally, start_ns: int, end_ns: int) -> dict:
    """p99 (and p50) of the posts' delays in the first and the last window after the
    warm-up (``P99_WINDOW_SECONDS``, scaled down for short runs)."""
    window_ns = int(min(P99_WINDOW_SECONDS, (end_ns - start_ns) / 1e9 / 3) * 1e9)
    first = sorted(tally.delays_between(start_ns, start_ns + window_ns))
    last = sorted(tally.delays_between(end_ns - window_ns, end_ns))

    def summary(values: list[int]) -> dict:
        return {
            "deliveries": len(values),
            "p50_ms": None if not values else stats.percentile(values, 0.5) / 1e6,
            "p99_ms": None if not values else stats.percentile(values, 0.99) / 1e6,
        }

    return {"window_seconds": window_ns / 1e9, "first": summary(first), "last": summary(last)}


def criteria(measured: list[dict], deliveries: dict, failures: dict, windows: dict) -> list[dict]:
    """Each figure with its criterion and whether it passed (None: not measured here)."""
    rss = _first_last_max(measured, "rss_bytes")
    files = _first_last_max(measured, "open_files")
    connections = _window_highs(measured, "db_connections", windows.get("window_seconds"))
    growth = _pct(rss["first"], rss["last"])
    files_slack = (
        None
        if files["first"] is None
        else max(FILES_SLACK_MIN, files["first"] * FILES_SLACK_PCT / 100)
    )
    lost = sum(deliveries[kind]["lost"] for kind in ("messages", "edits"))
    duplicated = deliveries["messages"]["duplicated"]
    first_p99, last_p99 = windows["first"]["p99_ms"], windows["last"]["p99_ms"]
    p99_growth = _pct(first_p99, last_p99)

    def row(name, value, criterion, passed) -> dict:
        return {"name": name, "value": value, "criterion": criterion, "passed": passed}

    return [
        row("RSS growth after warm-up (%)", growth, f"<= {RSS_GROWTH_MAX_PCT:g} %",
            None if growth is None else growth <= RSS_GROWTH_MAX_PCT),
        row("open files first/last/max", files,
            f"flat: last <= first + max({FILES_SLACK_MIN}, {FILES_SLACK_PCT:g} %)",
            None if files["first"] is None else files["last"] <= files["first"] + files_slack),
        row("DB connections, first/last window's highest, max", connections,
            f"flat: last <= first + {CONNECTIONS_SLACK}",
            None if connections["first"] is None
            else connections["last"] <= connections["first"] + CONNECTIONS_SLACK),
        row("deliveries lost", lost, "0", lost == 0),
        row("deliveries duplicated", duplicated, "0", duplicated == 0),
        row("failed actions", sum(failures.values()), "0", not failures),
        row("delay p99 first/last window (ms)", {"first": first_p99, "last": last_p99},
            f"last <= first + {P99_GROWTH_MAX_PCT:g} %",
            None if p99_growth is None else p99_growth <= P99_GROWTH_MAX_PCT),
    ]  # fmt: skip


def _shown(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, dict):
        return " / ".join(_shown(v) for v in value.values())
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}"


def table(results: dict) -> str:
    """The samples, the totals and the criteria, for people."""
    lines = [results["title"], ""]
    lines.append(
        f"{'t (s)':>7} {'phase':>8} {'RSS MiB':>9} {'files':>7} {'DB conn':>8} "
        f"{'sockets':>8} {'deliv.':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} "
        f"{'cores: server':>13} {'harness':>8} {'others':>7}"
    )
    for s in results["samples"]:
        rss = s["rss_bytes"] / 2**20
        lines.append(
            f"{s['t_s']:>7.0f} {s['phase']:>8} {rss:>9.1f} {s['open_files']:>7} "
            f"{_shown(s['db_connections']):>8} {s['open_sockets']:>8} {s['deliveries']:>8} "
            f"{_shown(s['delay_p50_ms']):>8} {_shown(s['delay_p99_ms']):>8} {s['errors']:>7} "
            f"{s['server_cores']:>13.2f} {s['harness_cores']:>8.2f} {s['other_cores']:>7.2f}"
        )
    lines.append("")
    for kind in ("messages", "edits"):
        figures = results["deliveries"][kind]
        lines.append(f"{kind}: " + ", ".join(f"{key} {value:,}" for key, value in figures.items()))
    lines.append(f"stray copies: {results['deliveries']['stray']}")
    actions = ", ".join(
        f"{kind} {counts.get('succeeded', 0):,}/{counts.get('attempted', 0):,}"
        + (f" ({counts['skipped']} skipped)" if counts.get("skipped") else "")
        for kind, counts in results["actions"].items()
    )
    lines.append(f"actions succeeded/attempted: {actions}")
    if results["failures"]:
        lines.append(f"failures: {results['failures']}")
    lines.append("")
    for criterion in results["criteria"]:
        verdict = {True: "pass", False: "FAIL", None: "n/a"}[criterion["passed"]]
        lines.append(
            f"{criterion['name']:36}{_shown(criterion['value']):>28}  "
            f"{criterion['criterion']:40}{verdict}"
        )
    lines.append(f"\nsoak {'passed' if results['passed'] else 'FAILED'}")
    return "\n".join(lines)


def write_json(results: dict, path: Path) -> None:
    """Everything, for scripts and later comparison."""
    import json

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
