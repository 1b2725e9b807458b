"""Why a simulated call could not go on, as the phone raises it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from telephony.simulator.script import Line


class SimulatorError(RuntimeError):
    """The simulated call could not go on. `transcript` is what happened until then."""

    def __init__(self, message: str, transcript: list[Line] | None = None) -> None:
        super().__init__(message)
        self.transcript = transcript or []


class Unreachable(SimulatorError):
    """Nothing answers at the app's URL."""


class Refused(SimulatorError):
    """The app answered a webhook or a network step with an error status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status
