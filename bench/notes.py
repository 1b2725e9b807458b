"""The notes a route's figures carry: other processes' CPU, an overloaded or short open loop, errors."""

from __future__ import annotations

import math

from bench.report import s_rate
from bench.routes import Measured

OVERLOAD_SECONDS = 0.5  # open loop: stop sending once this much work is unanswered
BUSY_OTHERS = 0.15  # a note when other processes take more than this share of a CPU during a run


def run_notes(measured: Measured, open_requests: int) -> list[str]:
    notes = []
    if measured.others_cpu > BUSY_OTHERS:
        notes.append(
            f"other processes ({measured.others_busiest}) used up to {measured.others_cpu:.0%} of a CPU "
            "during its runs: figures may be low"
        )
    if measured.open.overloaded_after is not None:
        notes.append(
            f"open loop: {s_rate(measured.open_rate)}/s overloads it: more than {OVERLOAD_SECONDS:g} s "
            f"of requests were unanswered after {measured.open.overloaded_after:.1f} s, so sending stopped"
        )
    elif measured.open.exhausted:
        notes.append(
            f"open loop ran out of distinct calls after {measured.open.duration:.1f} s "
            f"({open_requests} requests); p99 over those"
        )
    elif measured.open.p99_ms == math.inf:
        notes.append("open loop: more than 1% of requests unanswered within 15 s")
    for result, what in ((measured.closed, "closed loop"), (measured.open, "open loop")):
        if result.errors:
            hint = " (403: the signature is wrong)" if 403 in result.codes else ""
            notes.append(f"errors in the {what}: {result.error_summary()}{hint}")
    return notes
