"""What the bench measures: the routes, in the order they run, and what it records for each."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.cpu import CpuWatch
from bench.measured import Result


@dataclass(frozen=True)
class Route:
    key: str
    label: str
    path: str  # as the TwiML links it, with its query string
    source: str  # "fresh": new CallSids; otherwise the stage of the calls it needs
    cycle: bool = False  # read-only: the same calls may be sent again
    floor: int = 0  # callers it needs waiting, however few the run holds (bench/keeper.py)


MENU_PATH = "/telephony/voice/menu?attempt=1"
WAIT_CALLS = 50  # wait is sent round and round for the callers waiting, at least these
# queue result's requests run ahead of the keeper's sweeps by what is in flight (50
# connections) and the callers taken out between two sweeps: those come from these.
RESERVE_MARGIN = 150
# The one-insert reference first: the open loops' rate is a share of its closed-loop rate.
ROUTES = (
    Route("insert", "sig + 1 insert (ref)", "/bench/insert", "fresh"),
    Route("bare", "bare TwiML (ref)", "/bench/bare", "fresh"),
    Route("incoming", "incoming", "/telephony/voice/incoming", "fresh"),
    Route("menu", "menu", MENU_PATH, "menu"),
    Route("wait", "wait", "/telephony/voice/wait", "queued", cycle=True, floor=WAIT_CALLS),
    Route("queue-result", "queue result", "/telephony/voice/queue-result", "queued", floor=RESERVE_MARGIN),
    Route("status", "status", "/telephony/voice/status", "open"),
)
REFERENCES = ("insert", "bare")
ROUTE_KEYS = [route.key for route in ROUTES]
ROUTE = {route.key: route for route in ROUTES}
SCENARIOS = ("frozen-redis",)  # after the routes; see bench/frozen.py


@dataclass
class Settings:
    duration: float
    warmup: float
    open_duration: float
    connections: int
    rate: float | None  # open loop requests/s; None: OPEN_SHARE of the one-insert reference's closed loop
    wrk: str | None
    wrk_threads: int
    routes: list[str]
    waiting: int = 0  # callers held waiting while every route runs (bench/keeper.py)
    freeze_seconds: float = 5.0
    frozen_duration: float = 15.0
    frozen_rate: float = 200.0


@dataclass
class Measured:
    route: Route
    closed: Result | None = None
    open: Result | None = None
    server_cpu: float | None = None  # share of one core the gunicorn worker used in the closed loop
    others_cpu: float = 0.0  # most CPU that other processes used during a run (share of one core)
    others_busiest: str = ""  # which
    open_rate: float | None = None  # requests/s of its open loop
    queued_before: int | None = None
    queued_after: int | None = None
    waiting_low: int | None = None  # the fewest and most waiting during its measured runs
    waiting_high: int | None = None
    notes: list[str] = field(default_factory=list)

    def note_waiting(self, low: int | None, high: int | None) -> None:
        if low is not None:
            self.waiting_low = low if self.waiting_low is None else min(self.waiting_low, low)
        if high is not None:
            self.waiting_high = high if self.waiting_high is None else max(self.waiting_high, high)

    def note_others(self, cpu: CpuWatch) -> None:
        if cpu.others is not None and cpu.others > self.others_cpu:
            self.others_cpu, self.others_busiest = cpu.others, cpu.busiest
