"""bench/console.py's arithmetic and command line (the bench itself is run by hand: bench/README.md)."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest

from bench.arrivals import Arrival, Arrivals
from bench.console_options import parse_args
from bench.console_report import console_checks, figures


def _console(
    joined: dict[str, float], offered: dict[str, float] | None = None, pinged: dict[int, float] | None = None
) -> SimpleNamespace:
    return SimpleNamespace(joined=joined, offered=offered or {}, pinged=pinged or {0: 5.004})


PINGS = {0: 5.0}  # the bare emit's reference: 4 ms to both consoles


def test_latencies_run_from_the_menus_answer_to_the_last_console():
    arrivals = Arrivals(
        [
            Arrival("CA1", started=0.0, menu_sent=9.99, menu_answered=10.0),
            Arrival("CA2", started=0.1, menu_sent=19.99, menu_answered=20.0),
            Arrival("CA3", started=0.2, failed="menu 500"),
        ]
    )
    consoles = [
        _console({"CA1": 10.002, "CA2": 19.999}, {"CA1": 10.004}),
        _console({"CA1": 10.010, "CA2": 20.003}, {"CA2": 20.030}),
    ]

    found = figures(arrivals, consoles, PINGS)

    assert found.calls == 2
    assert sorted(round(v * 1000, 3) for v in found.per_event.values) == [0.0, 2.0, 3.0, 10.0]
    assert found.per_event.early == 1
    assert round(found.per_event.ms(0.5, from_sent=True), 3) == 12.0  # of 9, 12, 13 and 20 ms
    assert [round(v * 1000, 3) for v in found.all_consoles.values] == [10.0, 3.0]
    assert [round(v * 1000, 3) for v in found.offers.values] == [4.0, 30.0]
    assert found.failures == ["menu 500"]
    assert [ok for _name, ok, _detail in console_checks(found)] == [False, False]  # a caller failed a step


def test_an_event_that_never_came_is_slower_than_any():
    arrivals = Arrivals([Arrival(f"CA{n}", started=0.0, menu_sent=0.99, menu_answered=1.0) for n in range(3)])
    consoles = [
        _console({f"CA{n}": 1.001 for n in range(3)}, {f"CA{n}": 1.002 for n in range(3)}),
        _console({"CA0": 1.001, "CA1": 1.001}),
    ]

    found = figures(arrivals, consoles, PINGS)

    assert found.all_consoles.missing == 1
    assert found.all_consoles.ms(0.99) == math.inf
    assert [ok for _name, ok, _detail in console_checks(found)] == [False, True]


def test_the_command_line_refuses_nonsense():
    assert parse_args([], "").consoles == 20
    with pytest.raises(SystemExit):
        parse_args(["--no-sqlite"], "")
    with pytest.raises(SystemExit):
        parse_args(["--consoles", "0"], "")


def _joined_at(latencies_ms: list[float], reference_ms: list[float]) -> bool | None:
    arrivals = Arrivals(
        [
            Arrival(f"CA{n}", started=0.0, menu_sent=n - 0.01, menu_answered=float(n))
            for n in range(len(latencies_ms))
        ]
    )
    consoles = [
        _console(
            {f"CA{n}": n + ms / 1000 for n, ms in enumerate(latencies_ms)},
            {f"CA{n}": n + 0.001 for n in range(len(latencies_ms))},
            {n: 100 + n + ms / 1000 for n, ms in enumerate(reference_ms)},
        )
    ]
    pings = {n: 100.0 + n for n in range(len(reference_ms))}
    return console_checks(figures(arrivals, consoles, pings))[0][1]


def test_caller_joined_is_held_against_the_bare_emit_of_the_same_run():
    assert _joined_at([10.0] * 100, [3.0] * 100) is True  # 3.3× the reference
    assert _joined_at([10.0] * 100, [2.0] * 100) is False  # 5×
    # A reference under a millisecond counts as 1 ms: 3.5 ms is 3.5×, not 35×.
    assert _joined_at([3.5] * 100, [0.1] * 100) is True
    assert _joined_at([3.5] * 100, []) is None  # no reference measured: no verdict
