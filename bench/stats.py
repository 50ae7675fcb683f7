"""Percentiles and ratios, small enough not to need numpy."""

from __future__ import annotations

import math


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile of already sorted values (None when there are none)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def summary_ms(nanoseconds: list[int]) -> dict[str, float | None]:
    """p50, p90, p99 and max of durations given in ns, in milliseconds."""
    values = sorted(nanoseconds)
    points = {"p50": 0.50, "p90": 0.90, "p99": 0.99, "max": 1.0}
    return {
        name: None if (value := percentile(values, fraction)) is None else value / 1e6
        for name, fraction in points.items()
    }


def ratio(ours: float | None, baseline: float | None) -> float | None:
    """ours / baseline, or None when either is missing or the baseline is zero."""
    if ours is None or baseline is None or baseline == 0:
        return None
    return ours / baseline
