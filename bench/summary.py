"""One database's run, as the bench prints it and keeps it in markdown."""

from __future__ import annotations

import contextlib
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import report
from bench.frozen import FrozenRun
from bench.processes import ROOT
from bench.routes import Measured, Settings


@dataclass
class DatabaseRun:
    label: str
    results: list[Measured]
    frozen: FrozenRun | None
    checks: list[report.Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def show(run: DatabaseRun, settings: Settings, out) -> list[str]:
    """Print one database's tables, notes and verdicts; return them as markdown parts."""
    parts = []
    print(f"\n{run.label}", file=out)
    notes = run.notes + [f"{m.route.label}: {note}" for m in run.results for note in m.notes]
    if run.results:
        header, rows = report.table_rows(run.results, settings.connections)
        report.print_table(header, rows, out)
        parts.append(f"**{run.label}**\n\n" + report.markdown_table(header, rows))
    if run.frozen:
        header, rows = report.frozen_rows(run.frozen)
        f = run.frozen
        title = (
            f"Redis frozen {f.freeze_seconds:g} s (SIGSTOP at {f.window[0]:.1f} s, SIGCONT at "
            f"{f.window[1]:.1f} s) in {f.duration:g} s of the flow's webhooks at {report.s_rate(f.rate)}/s; "
            f"waiting {f.waiting_before}→{f.waiting_after}"
            if f.window
            else "Redis frozen: not frozen"
        )
        print(f"\n{title}", file=out)
        report.print_table(header, rows, out)
        parts.append(f"{title}:\n\n" + report.markdown_table(header, rows))
        notes += [f"frozen Redis: {note}" for note in f.notes]
    for note in notes:
        print(f"  note: {note}", file=out)
    for name, ok, detail in run.checks:
        print(f"{report.verdict(ok)}  {name}: {detail}", file=out)
    lines = [f"- {note}" for note in notes]
    lines += [f"- {report.verdict(ok).strip()}: {name} ({detail})" for name, ok, detail in run.checks]
    if lines:
        parts.append("\n".join(lines))
    return parts


def save_file(stem: str, content: str, suffix: str) -> Path | None:
    """Keep a run's output under bench/results/ (git-ignored)."""
    folder = ROOT / "bench" / "results"
    with contextlib.suppress(OSError):
        folder.mkdir(exist_ok=True)
        path = folder / f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}.{suffix}"
        path.write_text(content, encoding="utf-8")
        return path.relative_to(ROOT)
    return None


TRACEBACK = "Traceback (most recent call last):"


def app_errors(log: Path, stem: str) -> list[str]:
    """A note, with the log kept under bench/results/, when gunicorn's log holds an error:
    a line logged at ERROR or a traceback (not the one gevent prints as the bench stops
    gunicorn with SIGINT: its quick shutdown is a SystemExit in the worker's main greenlet)."""
    content = log.read_text(errors="replace")
    tracebacks = content.split(TRACEBACK)[1:]
    stopping = all("in handle_quit" in block and "SystemExit: 0" in block for block in tracebacks)
    if stopping and " ERROR " not in content:
        return []
    kept = save_file(stem, content, "log")
    return [f"the app logged errors: {kept or log}"]


def finish(stem: str, parts: list[str], started: float, failed: bool, out) -> int:
    """Print the whole run's markdown, save it under bench/results/, and give the exit status."""
    markdown = "\n\n".join(parts) + "\n"
    print(f"\n---- markdown (whole run {time.monotonic() - started:.0f} s) ----\n\n{markdown}", file=out)
    saved = save_file(stem, markdown, "md")
    if saved:
        print(f"(saved as {saved})", file=out)
    return 1 if failed else 0


def run_main(main) -> None:
    """Run a bench's `main` as a command: its status, or 130 on Ctrl-C (its processes are stopped)."""
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted: the bench's gunicorn and redis-server are stopped", file=sys.stderr)
        sys.exit(130)
