"""A signed webhook, and what a load generator measured."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

REQUEST_TIMEOUT = 15.0  # Twilio gives a webhook 15 s; gunicorn's timeout is 14 s.


@dataclass(frozen=True)
class SignedRequest:
    """A webhook as Twilio sends it: form-encoded body, signed over the full URL."""

    path: str  # with the query string, as the TwiML links it
    body: str  # application/x-www-form-urlencoded
    signature: str

    def raw(self, host: str) -> bytes:
        body = self.body.encode()
        head = (
            f"POST {self.path} HTTP/1.1\r\n"
            f"Host: {host}\r\n"
            "User-Agent: TwilioProxy/1.1\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n"
            f"X-Twilio-Signature: {self.signature}\r\n"
            "\r\n"
        )
        return head.encode() + body


@dataclass
class Result:
    """One measurement: completed requests over a window, their latencies, and errors."""

    generator: str
    completed: int = 0
    duration: float = 0.0  # seconds
    p50_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None
    codes: Counter = field(default_factory=Counter)
    socket_errors: int = 0
    timeouts: int = 0
    exhausted: bool = False  # the pool of distinct requests ran out before the end
    sent: int = 0
    overloaded_after: float | None = None  # open loop: seconds after which sending stopped
    begin: float = 0.0  # open loop: perf_counter() of the first scheduled send
    # open loop: (index in the request list, scheduled offset s, latency s or None, status or None)
    samples: list[tuple[int, float, float | None, int | None]] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return self.completed / self.duration if self.duration else 0.0

    @property
    def errors(self) -> int:
        bad = sum(count for status, count in self.codes.items() if not 200 <= int(status) < 300)
        return bad + self.socket_errors + self.timeouts

    def error_summary(self) -> str:
        parts = [
            f"{status}×{count}" for status, count in sorted(self.codes.items()) if not 200 <= status < 300
        ]
        if self.socket_errors:
            parts.append(f"socket×{self.socket_errors}")
        if self.timeouts:
            parts.append(f"timeout×{self.timeouts}")
        return ", ".join(parts)


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def fill_latencies(result: Result, latencies: list[float]) -> None:
    latencies.sort()
    result.p50_ms = _ms(percentile(latencies, 0.50))
    result.p99_ms = _ms(percentile(latencies, 0.99))
    result.max_ms = _ms(latencies[-1] if latencies else None)


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000
