"""A simulated call's terms: what the caller does (`Script`) and what they got
(`CallResult`, with its transcript of `Line`s)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

IN_QUEUE = ("hangup", "callback", "wait")


@dataclass(frozen=True)
class Script:
    """What the caller does.

    `digits`: keypad input for each <Gather> outside the queue, in order; "" is no
    input. `in_queue`: "hangup" after the first turn of the hold music, "callback"
    (press 1 when offered, else wait), or "wait" for `wait_loops` turns, then hang
    up. `hold_seconds`: how long a turn of the hold music lasts. `while_waiting` is
    called with (CallSid, turn) after each turn, e.g. to act on the call through
    the REST API as an operator would. `talk_seconds`: once a <Dial> connects, the
    caller hangs up after so many seconds; None stays until the other side hangs up.
    """

    digits: tuple[str, ...] = ()
    in_queue: str = "hangup"
    wait_loops: int = 3
    hold_seconds: float = 0.0
    talk_seconds: float | None = 60
    message_seconds: int = 10
    while_waiting: Callable[[str, int], None] | None = None

    def __post_init__(self) -> None:
        if self.in_queue not in IN_QUEUE:
            raise ValueError(f"in_queue must be one of {', '.join(IN_QUEUE)}")
        if self.wait_loops < 1:
            raise ValueError("wait_loops must be at least 1")


@dataclass(frozen=True)
class Line:
    """One line of the transcript: kind is hears, plays, presses, waits, records, dials,
    connected, ended or note. No line names a number."""

    kind: str
    text: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.text}"


@dataclass
class CallResult:
    call_sid: str
    transcript: list[Line] = field(default_factory=list)
    queue: str | None = None
    queue_result: str | None = None
    outcome: str = ""
    status: str = "completed"
    duration: int = 0
    problems: list[str] = field(default_factory=list)

    def said(self) -> str:
        """Everything the caller heard spoken, in order."""
        return " ".join(line.text for line in self.transcript if line.kind == "hears")

    @property
    def pressed(self) -> list[str]:
        return [line.text for line in self.transcript if line.kind == "presses"]
