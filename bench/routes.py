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
    drained: bool = False  # the queues are emptied while it runs (bench/database.py: Drain)


MENU_PATH = "/telephony/voice/menu?attempt=1"
ROUTES = (
    Route("bare", "bare TwiML (ref)", "/bench/bare", "fresh"),
    Route("insert", "sig + 1 insert (ref)", "/bench/insert", "fresh"),
    Route("incoming", "incoming", "/telephony/voice/incoming", "fresh"),
    Route("menu-idle", "menu, nobody waiting", MENU_PATH, "menu", drained=True),
    Route("menu", "menu", MENU_PATH, "menu"),
    Route("wait", "wait", "/telephony/voice/wait", "queued", cycle=True),
    Route("queue-result", "queue result", "/telephony/voice/queue-result", "queued"),
    Route("status", "status", "/telephony/voice/status", "open"),
)
ROUTE_KEYS = [route.key for route in ROUTES]
ROUTE = {route.key: route for route in ROUTES}
SCENARIOS = ("frozen-redis",)  # after the routes; see bench/frozen.py


@dataclass
class Settings:
    duration: float
    warmup: float
    open_duration: float
    connections: int
    rate: float
    wrk: str | None
    wrk_threads: int
    routes: list[str]
    freeze_seconds: float = 5.0
    frozen_duration: float = 15.0


@dataclass
class Measured:
    route: Route
    closed: Result | None = None
    open: Result | None = None
    server_cpu: float | None = None  # share of one core the gunicorn worker used in the closed loop
    others_cpu: float = 0.0  # most CPU that other processes used during a run (share of one core)
    others_busiest: str = ""  # which
    queued_before: int | None = None
    queued_after: int | None = None
    waiting_peak: int | None = None  # drained routes: the most callers the drain found waiting
    notes: list[str] = field(default_factory=list)

    def note_others(self, cpu: CpuWatch) -> None:
        if cpu.others is not None and cpu.others > self.others_cpu:
            self.others_cpu, self.others_busiest = cpu.others, cpu.busiest
