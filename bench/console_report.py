"""The console bench's figures: the consoles' latencies from the menu's answer,
the table with targets and verdicts side by side, and the 1,500-waiting checks."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from bench.arrivals import Arrivals
from bench.consoles import Console
from bench.measured import percentile
from bench.report import Check, fmt_ms, verdict

TARGET_JOINED_RATIO = 4.0  # queue.caller_joined at every console, p99 × the bare emit's (same run)
TARGET_OFFER_P99_MS = 50.0  # offer.created at the chosen operator


@dataclass
class Latencies:
    """Seconds from the menu's answer (and from its send); math.inf for an event that never came."""

    values: list[float] = field(default_factory=list)
    from_sent: list[float] = field(default_factory=list)
    early: int = 0  # came before the menu's answer was read (counted as 0)

    def add(self, sent: float, answered: float, arrived: float | None) -> None:
        if arrived is None:
            self.values.append(math.inf)
            self.from_sent.append(math.inf)
            return
        self.early += arrived < answered
        self.values.append(max(0.0, arrived - answered))
        self.from_sent.append(arrived - sent)

    def ms(self, fraction: float, *, from_sent: bool = False) -> float | None:
        value = percentile(sorted(self.from_sent if from_sent else self.values), fraction)
        return None if value is None else value * 1000

    @property
    def missing(self) -> int:
        return sum(1 for value in self.values if value == math.inf)


@dataclass
class ConsoleFigures:
    consoles: int
    calls: int
    per_event: Latencies
    all_consoles: Latencies
    offers: Latencies
    failures: list[str]
    offered_twice: int
    reference: Latencies = field(default_factory=Latencies)  # the bare emit, at all the consoles


def figures(
    arrivals: Arrivals, consoles: list[Console], pings: dict[int, float] | None = None
) -> ConsoleFigures:
    per_event, everyone, offers = Latencies(), Latencies(), Latencies()
    offered_twice = 0
    answered = arrivals.answered()
    for call in answered:
        sid, sent, at = call.call_sid, call.menu_sent, call.menu_answered
        times = [console.joined.get(sid) for console in consoles]
        for arrived in times:
            per_event.add(sent, at, arrived)
        everyone.add(sent, at, None if None in times else max(times))
        offered = [console.offered[sid] for console in consoles if sid in console.offered]
        offered_twice += len(offered) > 1
        offers.add(sent, at, min(offered) if offered else None)
    reference = Latencies()
    for ping, sent in (pings or {}).items():
        times = [console.pinged.get(ping) for console in consoles]
        reference.add(sent, sent, None if None in times else max(times))
    return ConsoleFigures(
        len(consoles),
        len(answered),
        per_event,
        everyone,
        offers,
        arrivals.failures(),
        offered_twice,
        reference,
    )


def console_rows(f: ConsoleFigures) -> tuple[list[str], list[list[str]]]:
    header = [
        "event",
        "samples",
        "p50 ms",
        "p99 ms",
        "max ms",
        "before the answer",
        "p50 ms from send",
        "p99 ms from send",
        "missing",
        "target",
    ]
    rows = []
    for label, latencies, target in (
        (f"bare emit via the Redis message queue (ref), all {f.consoles} consoles", f.reference, "—"),
        ("queue.caller_joined, each console", f.per_event, "—"),
        (
            f"queue.caller_joined, all {f.consoles} consoles",
            f.all_consoles,
            f"p99 ≤ {TARGET_JOINED_RATIO:g}× the bare emit's",
        ),
        ("offer.created at the chosen operator", f.offers, f"p99 < {TARGET_OFFER_P99_MS:g} ms"),
    ):
        rows.append(
            [
                label,
                str(len(latencies.values)),
                fmt_ms(latencies.ms(0.50), "missing"),
                fmt_ms(latencies.ms(0.99), "missing"),
                fmt_ms(latencies.ms(1.0), "missing"),
                str(latencies.early),
                fmt_ms(latencies.ms(0.50, from_sent=True), "missing"),
                fmt_ms(latencies.ms(0.99, from_sent=True), "missing"),
                str(latencies.missing),
                target,
            ]
        )
    return header, rows


def console_checks(f: ConsoleFigures) -> list[Check]:
    checks = [_joined_check(f)]
    name = f"offer.created at the chosen operator: p99 < {TARGET_OFFER_P99_MS:g} ms"
    p99 = f.offers.ms(0.99)
    if p99 is None:
        return [*checks, (name, False, "no call reached the queue")]
    detail = f"p99 {fmt_ms(p99, 'missing')} ms over {f.calls} calls" + _failed(f)
    return [*checks, (name, p99 < TARGET_OFFER_P99_MS and not f.failures, detail)]


def _joined_check(f: ConsoleFigures) -> Check:
    """queue.caller_joined at every console against the bare emit to the same consoles."""
    name = (
        f"queue.caller_joined at all {f.consoles} consoles: p99 ≤ {TARGET_JOINED_RATIO:g}× a bare "
        "message-queue emit to them (same run)"
    )
    p99, reference = f.all_consoles.ms(0.99), f.reference.ms(0.99)
    if p99 is None:
        return name, False, "no call reached the queue"
    if p99 == math.inf:
        return name, False, f"{f.all_consoles.missing} calls never reached every console" + _failed(f)
    if reference is None or reference == math.inf:
        return (
            name,
            None,
            "the reference emit was not measured" if reference is None else "the reference was lost",
        )
    # A reference under a millisecond would make the ratio noise: it counts as 1 ms.
    ratio = p99 / max(reference, 1.0)
    detail = (
        f"p99 {fmt_ms(p99, 'missing')} ms / reference {fmt_ms(reference)} ms = "
        f"{'missing' if ratio == math.inf else f'{ratio:.1f}×'} over {f.calls} calls" + _failed(f)
    )
    return name, ratio <= TARGET_JOINED_RATIO and not f.failures, detail


def _failed(f: ConsoleFigures) -> str:
    return f"; {len(f.failures)} calls failed a step" if f.failures else ""


def console_notes(f: ConsoleFigures) -> list[str]:
    notes = []
    if f.per_event.early or f.offers.early:
        notes.append(
            f"events that reached a console before the menu's answer was read (counted as 0 ms): "
            f"caller_joined {f.per_event.early} of {len(f.per_event.values)}, offer.created "
            f"{f.offers.early} of {len(f.offers.values)}; the figures from the menu's send bound them"
        )
    if f.failures:
        shown = ", ".join(sorted(set(f.failures))[:5])
        notes.append(f"{len(f.failures)} calls failed a step ({shown})")
    if f.offered_twice:
        notes.append(f"{f.offered_twice} calls were offered to two operators")
    return notes


def show_checks(checks: list[Check], out) -> list[str]:
    for name, ok, detail in checks:
        print(f"{verdict(ok)}  {name}: {detail}", file=out)
    return [f"- {verdict(ok).strip()}: {name} ({detail})" for name, ok, detail in checks]
