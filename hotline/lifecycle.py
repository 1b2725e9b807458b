"""The call's own lifecycle: the hotline's stages and which step may follow which.

`telephony/` reads Twilio's `CallStatus` and `QueueResult` and hands the
hotline these words instead; nothing here knows Twilio's.
"""

from __future__ import annotations

import enum


class CallStage(enum.StrEnum):
    """Where the caller is in the hotline's own flow."""

    MENU = "menu"
    QUEUED = "queued"
    AFTER_HOURS = "after_hours"
    LEFT_QUEUE = "left_queue"
    ENDED = "ended"


TRANSITIONS: dict[CallStage, frozenset[CallStage]] = {
    CallStage.MENU: frozenset({CallStage.QUEUED, CallStage.AFTER_HOURS, CallStage.ENDED}),
    CallStage.QUEUED: frozenset({CallStage.LEFT_QUEUE, CallStage.ENDED}),
    CallStage.AFTER_HOURS: frozenset({CallStage.ENDED}),
    CallStage.LEFT_QUEUE: frozenset({CallStage.ENDED}),
    CallStage.ENDED: frozenset(),
}


def can_move(current: str, to: CallStage) -> bool:
    return to in TRANSITIONS[CallStage(current)]


class Progress(enum.IntEnum):
    """How far the call has got on the phone network. Never goes back."""

    STARTED = 0
    RINGING = 1
    ANSWERED = 2
    FINISHED = 3


class LeftQueue(enum.StrEnum):
    """Why a caller left the queue."""

    ANSWERED = "answered"
    HUNG_UP = "hung_up"
    CALLBACK = "callback"
    REDIRECTED = "redirected"
    FAILED = "failed"


class StepOutOfPlace(Exception):
    """A step that makes no sense for the call's stage (a queue result for a call
    still at the menu, say): refused with 409, nothing written."""

    def __init__(self, step: str, stage: str) -> None:
        super().__init__(f"{step} does not apply to a call at stage {stage}")
        self.step = step
        self.stage = stage
