"""What the bench prints: the table of routes, the frozen-Redis table, and the targets' verdicts."""

from __future__ import annotations

import math

from bench.frozen import FrozenRun
from bench.measured import REQUEST_TIMEOUT, Result
from bench.routes import REFERENCES, ROUTE, Measured

# The targets, each a ratio to the one-insert reference measured in the same run.
TARGET_INCOMING = 0.8  # incoming's closed-loop throughput, × the reference's
TARGET_WEBHOOK = 0.4  # every other webhook's closed-loop throughput, × the reference's
TARGET_P99 = 3.0  # every webhook's open-loop p99, × the reference's at the same rate
TARGET_FROZEN_P99_MS = 1000.0  # every webhook, Redis frozen (absolute: Twilio waits 15 s)
REFERENCE = "insert"

Check = tuple[str, bool | None, str]


def fmt_ms(value: float | None, infinite: str = "overload") -> str:
    if value is None:
        return "—"
    if value == math.inf:
        return infinite
    return f"{value:.1f}" if value < 100 else f"{value:,.0f}"


def s_rate(rate: float) -> str:
    return f"{rate:g}"


def generator_name(result: Result | None) -> str:
    if result is None:
        return "—"
    return "wrk" if result.generator == "wrk" else "Python"


def closed_target(key: str) -> float | None:
    if key in ROUTE and key not in REFERENCES:
        return TARGET_INCOMING if key == "incoming" else TARGET_WEBHOOK
    return None


def _cell(value: float | None, target: str, ok: bool | None) -> str:
    if value is None:
        return "—"
    shown = "overload" if value == math.inf else f"{value:.2f}×"
    return f"{shown} ({target} {verdict(ok).strip()})" if target else shown


def throughput_ratio(m: Measured, reference: Measured | None) -> float | None:
    if reference is None or not reference.closed.rps:
        return None
    return m.closed.rps / reference.closed.rps


def p99_ratio(m: Measured, reference: Measured | None) -> float | None:
    """The open loop's p99 over the reference's at the same rate (inf: overloaded)."""
    if reference is None or m.open is None or reference.open is None or m.open_rate != reference.open_rate:
        return None
    mine, theirs = m.open.p99_ms, reference.open.p99_ms
    if mine is None or not theirs or theirs == math.inf:
        return None
    return mine / theirs


def table_rows(results: list[Measured], connections: int) -> tuple[list[str], list[list[str]]]:
    """One row a route: each figure beside its ratio to the reference, its target and verdict."""
    by_key = {m.route.key: m for m in results}
    reference = by_key.get(REFERENCE)
    closed_by = generator_name(results[0].closed) if results else "—"
    rate = reference.open_rate if reference else (results[0].open_rate if results else None)
    header = [
        "route",
        f"req/s @{connections} conn ({closed_by})",
        "× insert (target)",
        "p50 ms",
        "p99 ms",
        f"open p99 ms @{s_rate(rate or 0)}/s (Python)",
        "× insert p99 (target)",
        "worker CPU",
        "waiting",
        "errors",
    ]
    rows = []
    for m in results:
        closed, opened = m.closed, m.open
        errors = closed.errors + opened.errors
        target = closed_target(m.route.key)
        throughput = throughput_ratio(m, reference)
        p99 = p99_ratio(m, reference)
        is_webhook = m.route.key not in REFERENCES
        rows.append(
            [
                m.route.label,
                f"{closed.rps:,.0f}" + ("*" if closed.exhausted else ""),
                _cell(throughput, f"≥ {target:g}×" if target else "", _ok(throughput, target, closed)),
                fmt_ms(closed.p50_ms),
                fmt_ms(closed.p99_ms),
                fmt_ms(opened.p99_ms) + ("" if m.open_rate == rate else f" @{s_rate(m.open_rate or 0)}/s"),
                _cell(
                    p99,
                    f"≤ {TARGET_P99:g}×" if is_webhook else "",
                    _ok_p99(p99, opened) if is_webhook else None,
                ),
                "—" if m.server_cpu is None else f"{m.server_cpu:.0%}",
                waiting_cell(m),
                str(errors) if errors else "0",
            ]
        )
    return header, rows


def waiting_cell(m: Measured) -> str:
    """Callers waiting: before the route, and the fewest–most during its measured runs."""
    if m.waiting_low is None:
        return f"{m.queued_before}→{m.queued_after}"
    span = (
        f"{m.waiting_low:,}" if m.waiting_low == m.waiting_high else f"{m.waiting_low:,}–{m.waiting_high:,}"
    )
    return f"{m.queued_before:,} ({span})"


def _ok(value: float | None, target: float | None, result: Result) -> bool | None:
    if value is None or target is None:
        return None
    return value >= target and not result.errors


def _ok_p99(value: float | None, result: Result) -> bool | None:
    if value is None:
        return None
    return value <= TARGET_P99 and not result.errors


def print_table(header: list[str], rows: list[list[str]], out) -> None:
    widths = [max(len(header[i]), *(len(r[i]) for r in rows)) for i in range(len(header))]
    line = "  ".join(
        h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(header, widths, strict=True))
    )
    print(line, file=out)
    print("-" * len(line), file=out)
    for row in rows:
        print(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
            ),
            file=out,
        )


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def targets(results: list[Measured], condition: str) -> list[Check]:
    """Every webhook against the one-insert reference of the same run: closed-loop throughput
    (incoming ≥ 0.8×, the others ≥ 0.4×), and the open loop's p99 at the same rate (≤ 3×).
    `condition` says how many were waiting ("nobody waiting", "1,500 waiting")."""
    by_key = {m.route.key: m for m in results}
    reference = by_key.get(REFERENCE)
    checks = []
    for m in results:
        key = m.route.key
        if key in REFERENCES:
            continue
        target = closed_target(key)
        by = generator_name(m.closed)
        name = f"{m.route.label}, {condition}: closed loop ({by}) ≥ {target:g}× one-insert reference"
        value = throughput_ratio(m, reference)
        if value is None:
            checks.append((name, None, "needs --routes insert"))
        else:
            detail = f"{m.closed.rps:,.0f} / {reference.closed.rps:,.0f} req/s = {value:.2f}×"
            if m.closed.errors:
                detail += f"; errors: {m.closed.error_summary()}"
            checks.append((name, _ok(value, target, m.closed), detail))
        name = (
            f"{m.route.label}, {condition}: open loop p99 at {s_rate(m.open_rate or 0)}/s (Python) "
            f"≤ {TARGET_P99:g}× the reference's"
        )
        value = p99_ratio(m, reference)
        if value is None:
            checks.append((name, None, _no_p99_ratio(reference)))
            continue
        shown = "overload" if value == math.inf else f"{value:.2f}×"
        detail = f"p99 {fmt_ms(m.open.p99_ms)} / {fmt_ms(reference.open.p99_ms)} ms = {shown}"
        if m.open.errors:
            detail += f"; errors: {m.open.error_summary()}"
        checks.append((name, _ok_p99(value, m.open), detail))
    return checks


def _no_p99_ratio(reference: Measured | None) -> str:
    if reference is None or reference.open is None:
        return "needs --routes insert"
    if reference.open.p99_ms == math.inf:
        return "the reference itself was overloaded at this rate"
    return "the reference ran at another rate"


def frozen_rows(run: FrozenRun) -> tuple[list[str], list[list[str]]]:
    header = [
        "webhook",
        "sent",
        "p99 ms before (sent ≥1 s before SIGSTOP)",
        "p99 ms frozen",
        "max ms frozen",
        "p99 ms whole run",
        "max ms whole run",
        "errors",
    ]
    spans = run.spans()
    rows = []
    for kind in ["all", *dict.fromkeys(run.kinds)]:
        if kind not in spans:
            continue
        before, frozen, whole = spans[kind]["before"], spans[kind]["frozen"], spans[kind]["whole"]
        rows.append(
            [
                "all webhooks" if kind == "all" else kind,
                str(whole.sent),
                fmt_ms(before.p99_ms(), "timeout"),
                fmt_ms(frozen.p99_ms(), "timeout"),
                fmt_ms(frozen.max_ms(), "timeout"),
                fmt_ms(whole.p99_ms(), "timeout"),
                fmt_ms(whole.max_ms(), "timeout"),
                str(whole.errors),
            ]
        )
    return header, rows


def _ms(value: float | None) -> str:
    return f"{fmt_ms(value)} ms" if value != math.inf else f"timeout (no answer in {REQUEST_TIMEOUT:g} s)"


def frozen_target(run: FrozenRun) -> Check:
    name = (
        f"webhook p99 < {TARGET_FROZEN_P99_MS / 1000:g} s at {s_rate(run.rate)}/s "
        f"with Redis frozen {run.freeze_seconds:g} s"
    )
    spans = run.spans().get("all")
    if spans is None or run.window is None:
        return name, None, "Redis was not frozen during the run"
    whole, frozen = spans["whole"], spans["frozen"]
    result = run.result
    detail = (
        f"whole run p99 {_ms(whole.p99_ms())}, max {_ms(whole.max_ms())}; "
        f"frozen window p99 {_ms(frozen.p99_ms())}, max {_ms(frozen.max_ms())}"
    )
    if result.errors:
        detail += f"; errors: {result.error_summary()}"
    ok = max(whole.p99_ms(), frozen.p99_ms() or 0.0) < TARGET_FROZEN_P99_MS and not result.errors
    return name, ok, detail


def verdict(ok: bool | None) -> str:
    return {True: "PASS", False: "FAIL", None: "n/a "}[ok]
