"""The benches' arithmetic: the keeper that holds the number waiting, the open loop's rate,
and the targets as ratios to the one-insert reference of the same run (bench/README.md)."""

from __future__ import annotations

import math

from sqlalchemy import create_engine, text

from bench import report
from bench.keeper import Keeper
from bench.measured import Result
from bench.routes import ROUTE, Measured
from bench.runner import Bench


def _calls(tmp_path, waiting: int):
    engine = create_engine(f"sqlite:///{tmp_path / 'keeper.db'}")
    with engine.begin() as connection:
        connection.execute(
            text('CREATE TABLE "call" (id INTEGER PRIMARY KEY, call_sid TEXT, stage TEXT, status TEXT)')
        )
        for n in range(waiting):
            connection.execute(
                text("INSERT INTO \"call\" (call_sid, stage, status) VALUES (:sid, 'queued', 'in-progress')"),
                {"sid": f"CA{n}"},
            )
    return engine


def _leave(engine, sids: list[str], status: str = "in-progress") -> None:
    with engine.begin() as connection:
        for sid in sids:
            connection.execute(
                text("UPDATE \"call\" SET stage = 'left_queue', status = :status WHERE call_sid = :sid"),
                {"sid": sid, "status": status},
            )


def test_the_keeper_parks_the_newest_and_brings_them_back_in_order(tmp_path):
    engine = _calls(tmp_path, 10)
    keeper = Keeper(engine)

    assert keeper.hold(3) == 3
    assert list(keeper.parked) == ["CA9", "CA8", "CA7", "CA6", "CA5", "CA4", "CA3"]
    # a route taking callers out sends for those waiting, then the parked ones in return order
    assert keeper.upcoming() == ["CA0", "CA1", "CA2", "CA9", "CA8", "CA7", "CA6", "CA5", "CA4", "CA3"]

    _leave(engine, ["CA0", "CA1"])
    keeper.start_span()
    assert keeper.sweep() == 3
    assert (keeper.low, keeper.high) == (1, 1)
    assert keeper.upcoming()[:3] == ["CA2", "CA8", "CA9"]

    _leave(engine, ["CA7"], status="completed")  # a parked call that ended meanwhile stays out
    _leave(engine, ["CA2"])
    assert keeper.sweep() == 3
    assert "CA7" not in keeper.upcoming()
    engine.dispose()


def _measured(key: str, rps: float, p99: float | None, rate: float = 400, errors: int = 0) -> Measured:
    closed = Result(generator="wrk", completed=int(rps * 10), duration=10.0, p99_ms=900.0)
    opened = Result(generator="python open loop", completed=4000, duration=10.0, p99_ms=p99)
    if errors:
        closed.codes[500] = errors
    closed.codes[200] = closed.completed
    return Measured(ROUTE[key], closed=closed, open=opened, open_rate=rate)


def _verdicts(results: list[Measured]) -> dict[str, bool | None]:
    return {
        name.split(",")[0] + (" open" if "open" in name else " closed"): ok
        for name, ok, _ in report.targets(results, "nobody waiting")
    }


def test_the_targets_are_ratios_to_the_reference_of_the_same_run():
    results = [
        _measured("insert", 1000, 4.0),
        _measured("bare", 3000, 2.0),
        _measured("incoming", 790, 12.0),  # 0.79× < 0.8×; p99 3.0× passes
        _measured("menu", 400, 12.1),  # 0.4× passes; p99 3.03× fails
        _measured("wait", 500, math.inf),  # overloaded open loop
        _measured("status", 900, 5.0, errors=3),  # an error fails its closed-loop target
    ]

    assert _verdicts(results) == {
        "incoming closed": False,
        "incoming open": True,
        "menu closed": True,
        "menu open": False,
        "wait closed": True,
        "wait open": False,
        "status closed": False,
        "status open": True,
    }
    header, rows = report.table_rows(results, 50)
    assert header[1] == "req/s @50 conn (wrk)" and header[5] == "open p99 ms @400/s (Python)"
    assert rows[2][2] == "0.79× (≥ 0.8× FAIL)" and rows[2][6] == "3.00× (≤ 3× PASS)"
    assert rows[4][6] == "overload (≤ 3× FAIL)"


def test_without_the_reference_there_is_no_verdict():
    checks = report.targets([_measured("menu", 400, 5.0)], "1,500 waiting")
    assert [ok for _name, ok, _detail in checks] == [None, None]


def test_the_open_loop_runs_at_40_percent_of_the_references_closed_loop():
    bench = Bench.__new__(Bench)
    bench.settings = type("S", (), {"rate": None})()
    bench.reference = None
    assert bench.open_rate() == 200.0  # no reference in this run
    bench.reference = _measured("insert", 1325, 4.0)
    assert bench.open_rate() == 530
    assert bench.per_second(ROUTE["menu"]) == 1.5 * 1325  # the calls a menu run may use a second
    bench.settings.rate = 150.0
    assert bench.open_rate() == 150.0
