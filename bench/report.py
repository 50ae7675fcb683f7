"""The results: a short table for people, and the whole of it as JSON."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

from bench.stats import ratio

#: (label, path into a side's results, decimals, show ours/baseline)
LOAD_ROWS = [
    ("deliveries expected", ("deliveries", "expected"), 0, False),
    ("  received", ("deliveries", "received"), 0, False),
    ("  lost", ("deliveries", "lost"), 0, False),
    ("  duplicated", ("deliveries", "duplicated"), 0, False),
    ("delay p50 (ms)", ("delay_ms", "p50"), 2, True),
    ("delay p90 (ms)", ("delay_ms", "p90"), 2, True),
    ("delay p99 (ms)", ("delay_ms", "p99"), 2, True),
    ("delay max (ms)", ("delay_ms", "max"), 2, True),
    ("deliveries / s", ("deliveries_per_s",), 0, True),
    ("  offered / s", ("offered_deliveries_per_s",), 0, False),
    ("last delivery - last send (ms)", ("last_delivery_after_last_send_ms",), 1, True),
    ("server CPU µs / delivery", ("server_cpu_us_per_delivery",), 1, True),
    ("server CPU % (of one core)", ("server_cpu_percent",), 0, True),
    ("nginx CPU µs / delivery (--proxy)", ("proxy_cpu_us_per_delivery",), 1, True),
    ("RSS / idle socket (KiB)", ("rss_per_idle_socket_kib",), 1, True),
    ("PostgreSQL connections (most)", ("database_connections_max",), 0, False),
    ("opening every socket (s)", ("open_seconds",), 1, True),
    ("client CPU % (harness)", ("client_cpu_percent",), 0, False),
    ("other processes (cores busy)", ("other_processes_cores",), 1, False),
]
STORM_ROWS = [
    ("sockets attempted", ("attempted",), 0, False),
    ("  open within 10 s", ("succeeded_within_10s",), 0, False),
    ("  failed", ("failed",), 0, False),
    ("handshake p50 (ms)", ("handshake_ms", "p50"), 1, True),
    ("handshake p99 (ms)", ("handshake_ms", "p99"), 1, True),
    ("handshake max (ms)", ("handshake_ms", "max"), 1, True),
    ("server CPU (s)", ("server_cpu_seconds",), 2, True),
    ("nginx CPU (s, --proxy)", ("proxy_cpu_seconds",), 2, True),
    ("client CPU (s, harness)", ("client_cpu_seconds",), 2, False),
    ("other processes (cores busy)", ("other_processes_cores",), 1, False),
    ("RSS / socket (KiB)", ("rss_per_socket_kib",), 1, True),
    ("PostgreSQL connections (most)", ("database_connections_max",), 0, False),
]
SIDES = ("ours", "baseline")
#: Rows only some runs have (``--proxy``, ``--postgres``): left out when neither side has them.
OPTIONAL = {"proxy_cpu_us_per_delivery", "proxy_cpu_seconds", "database_connections_max"}


def _get(results: dict, path: tuple[str, ...]):
    for key in path:
        if not isinstance(results, dict) or key not in results:
            return None
        results = results[key]
    return results


def _cell(value, decimals: int) -> str:
    if value is None:
        return "-"
    return f"{value:,.{decimals}f}"


def _rows(mode: str) -> list:
    return STORM_ROWS if mode == "storm" else LOAD_ROWS


def ratios(results: dict) -> dict[str, float | None]:
    """ours / baseline for every row that has a ratio, keyed by the row's path."""
    return {
        ".".join(path): ratio(_get(results["ours"], path), _get(results["baseline"], path))
        for _label, path, _decimals, has_ratio in _rows(results["mode"])
        if has_ratio
    }


def table(results: dict) -> str:
    """The side-by-side table, headed by what was run."""
    lines = [results["title"], ""]
    lines.append(f"{'':32}{'ours':>12}{'baseline':>12}{'ours/base':>12}")
    for label, path, decimals, has_ratio in _rows(results["mode"]):
        ours, baseline = (_get(results[side], path) for side in SIDES)
        if ours is None and baseline is None and path[0] in OPTIONAL:
            continue  # no nginx in front, or no PostgreSQL, this time
        share = ratio(ours, baseline) if has_ratio else None
        lines.append(
            f"{label:32}{_cell(ours, decimals):>12}{_cell(baseline, decimals):>12}"
            f"{'' if share is None else f'{share:.2f}x':>12}"
        )
    for side in SIDES:
        for key in ("notices", "unexpected_closes", "failures"):
            if results[side].get(key):
                lines.append(f"{side} {key.replace('_', ' ')}: {results[side][key]}")
    machine = results["machine"]
    lines.append(
        f"Rough figures: {machine['cpus']} cores shared by the harness and the server; "
        f"load average {machine['loadavg_at_start']:.1f} at the start."
    )
    return "\n".join(lines)


def median_of(runs: list[dict]) -> dict:
    """One side's results over several runs: the median of every number, the first
    run's value of everything else (commands, notices)."""
    first = runs[0]
    merged: dict = {}
    for key, value in first.items():
        values = [run.get(key) for run in runs]
        if isinstance(value, dict):
            merged[key] = median_of([v if isinstance(v, dict) else {} for v in values])
        elif isinstance(value, int | float) and not isinstance(value, bool):
            numbers = [v for v in values if isinstance(v, int | float)]
            merged[key] = statistics.median(numbers) if numbers else None
        else:
            merged[key] = value
    return merged


def write_json(results: dict, path: Path) -> None:
    """Write everything measured, for scripts and later comparison."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
