"""What the bench prints: the table of routes, the frozen-Redis table, and the targets' verdicts."""

from __future__ import annotations

import math

from bench.frozen import FrozenRun
from bench.measured import REQUEST_TIMEOUT
from bench.routes import ROUTE, Measured

TARGET_RATIO = 0.8  # incoming, × the one-insert reference (SQLite)
TARGET_P99_MS = 20.0  # incoming at the open loop's rate (SQLite)
TARGET_MENU_RATIO = 0.4  # menu with nobody waiting, × the one-insert reference (every database)
TARGET_FROZEN_P99_MS = 1000.0  # every webhook, Redis frozen (every database)

Check = tuple[str, bool | None, str]


def fmt_ms(value: float | None, infinite: str = "overload") -> str:
    if value is None:
        return "—"
    if value == math.inf:
        return infinite
    return f"{value:.1f}" if value < 100 else f"{value:,.0f}"


def s_rate(rate: float) -> str:
    return f"{rate:g}"


def ratio(value: float, reference: Measured | None) -> str:
    if reference is None or reference.closed is None or not reference.closed.rps:
        return "—"
    return f"{value / reference.closed.rps:.2f}×"


def table_rows(results: list[Measured], rate: float, connections: int) -> tuple[list[str], list[list[str]]]:
    by_key = {m.route.key: m for m in results}
    header = [
        "route",
        f"req/s @{connections} conn",
        "p50 ms",
        "p99 ms",
        "× bare",
        "× insert",
        f"open p99 ms @{s_rate(rate)}/s",
        "worker CPU",
        "queued",
        "errors",
    ]
    rows = []
    for m in results:
        closed, opened = m.closed, m.open
        errors = closed.errors + opened.errors
        rows.append(
            [
                m.route.label,
                f"{closed.rps:,.0f}" + ("*" if closed.exhausted else ""),
                fmt_ms(closed.p50_ms),
                fmt_ms(closed.p99_ms),
                ratio(closed.rps, by_key.get("bare")),
                ratio(closed.rps, by_key.get("insert")),
                fmt_ms(opened.p99_ms),
                "—" if m.server_cpu is None else f"{m.server_cpu:.0%}",
                f"{m.queued_before}→{m.queued_after}"
                + ("" if m.waiting_peak is None else f" (≤{m.waiting_peak})"),
                str(errors) if errors else "0",
            ]
        )
    return header, rows


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


def targets(results: list[Measured], rate: float, sqlite: bool) -> list[Check]:
    """The issue's targets: incoming's on SQLite (as before), menu with nobody waiting on every database."""
    by_key = {m.route.key: m for m in results}
    incoming = by_key.get("incoming")
    checks = []
    if sqlite:
        checks.append(_ratio_check("incoming", by_key, TARGET_RATIO))
        name = f"incoming p99 < {TARGET_P99_MS:g} ms at {s_rate(rate)}/s"
        if incoming and incoming.open.p99_ms is not None:
            p99 = incoming.open.p99_ms
            ok = p99 < TARGET_P99_MS and not incoming.open.errors
            checks.append((name, ok, f"p99 {fmt_ms(p99)} ms"))
        else:
            checks.append((name, None, "needs incoming"))
    checks.append(_ratio_check("menu-idle", by_key, TARGET_MENU_RATIO))
    return checks


def _ratio_check(key: str, by_key: dict[str, Measured], target: float) -> Check:
    route, insert = by_key.get(key), by_key.get("insert")
    name = f"{ROUTE[key].label} ≥ {target}× one-insert reference"
    if not (route and insert and insert.closed.rps):
        return name, None, f"needs --routes {key},insert"
    value = route.closed.rps / insert.closed.rps
    detail = f"{route.closed.rps:,.0f} / {insert.closed.rps:,.0f} req/s = {value:.2f}×"
    if route.closed.errors:
        detail += f"; errors: {route.closed.error_summary()}"
    return name, value >= target and not route.closed.errors, detail


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
