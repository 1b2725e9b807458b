"""The call's own lifecycle: the hotline's stages and which step may follow which.

`telephony/` reads Twilio's `CallStatus` and `QueueResult` and hands the
hotline these words instead; nothing here knows Twilio's.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import TypeVar

S = TypeVar("S", bound=enum.Enum)


class CallStage(enum.StrEnum):
    """Where the caller is in the hotline's own flow."""

    MENU = "menu"
    QUEUED = "queued"
    # Offered to one operator, still waiting in the queue meanwhile.
    OFFERED = "offered"
    # Taken by an operator: being put through to them, or talking.
    CONNECTED = "connected"
    # The call is over and its operator records what happened.
    WRAP_UP = "wrap_up"
    AFTER_HOURS = "after_hours"
    LEFT_QUEUE = "left_queue"
    ENDED = "ended"


# Stages in which the caller is in the queue (waiting, or offered to someone).
WAITING = frozenset({CallStage.QUEUED, CallStage.OFFERED})

TRANSITIONS: dict[CallStage, frozenset[CallStage]] = {
    CallStage.MENU: frozenset({CallStage.QUEUED, CallStage.AFTER_HOURS, CallStage.ENDED}),
    CallStage.QUEUED: frozenset(
        {CallStage.OFFERED, CallStage.CONNECTED, CallStage.LEFT_QUEUE, CallStage.ENDED}
    ),
    CallStage.OFFERED: frozenset(
        {CallStage.QUEUED, CallStage.CONNECTED, CallStage.LEFT_QUEUE, CallStage.ENDED}
    ),
    # Back to the queue when the operator's phone is not answered, or on a transfer.
    CallStage.CONNECTED: frozenset({CallStage.QUEUED, CallStage.WRAP_UP, CallStage.ENDED}),
    CallStage.WRAP_UP: frozenset({CallStage.ENDED}),
    CallStage.AFTER_HOURS: frozenset({CallStage.ENDED}),
    CallStage.LEFT_QUEUE: frozenset({CallStage.ENDED}),
    CallStage.ENDED: frozenset(),
}


def can_move(current: str, to: CallStage) -> bool:
    return to in TRANSITIONS[CallStage(current)]


def sources(table: Mapping[S, frozenset[S]], to: S, allowed_from: Iterable[S] | None = None) -> frozenset[S]:
    """The states of `table` a move to `to` may come from, narrowed to
    `allowed_from` if given; ValueError if that names a move the table forbids."""
    froms = frozenset(state for state, targets in table.items() if to in targets)
    if allowed_from is None:
        return froms
    narrowed = frozenset(allowed_from)
    if not narrowed <= froms:
        raise ValueError(f"cannot move to {to} from {sorted(narrowed - froms)}")
    return narrowed


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


class DialOutcome(enum.StrEnum):
    """How putting a caller through to an operator ended."""

    ANSWERED = "answered"
    # Not answered, busy, failed, or given up: the caller goes back to their queue.
    NOT_ANSWERED = "not_answered"


class Presence(enum.StrEnum):
    """Where an operator is: `away → available → busy → wrap_up → available`."""

    AVAILABLE = "available"
    BUSY = "busy"
    WRAP_UP = "wrap_up"
    AWAY = "away"


# What an operator may set themselves (PUT /api/v1/me/presence); the rest the system sets.
CHOSEN_PRESENCE = frozenset({Presence.AVAILABLE, Presence.AWAY})

PRESENCE_TRANSITIONS: dict[Presence, frozenset[Presence]] = {
    Presence.AWAY: frozenset({Presence.AVAILABLE, Presence.BUSY}),
    Presence.AVAILABLE: frozenset({Presence.AWAY, Presence.BUSY}),
    # Busy ends in wrap-up after a conversation, or away when the operator's
    # phone was not answered, or available when the caller left before it rang.
    Presence.BUSY: frozenset({Presence.WRAP_UP, Presence.AWAY, Presence.AVAILABLE}),
    Presence.WRAP_UP: frozenset({Presence.AVAILABLE}),
}


class Device(enum.StrEnum):
    """Where an operator takes calls: the console's softphone, or their own phone."""

    BROWSER = "browser"
    PHONE = "phone"


class OfferStatus(enum.StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    LAPSED = "lapsed"
    # The caller left, or another operator took them, before the offer was answered.
    WITHDRAWN = "withdrawn"


class AssignmentStatus(enum.StrEnum):
    """One operator's part in one call."""

    CONNECTING = "connecting"
    TALKING = "talking"
    WRAP_UP = "wrap_up"
    DONE = "done"
    # The operator's phone was not answered, busy or failed.
    MISSED = "missed"


# An assignment that still holds its call (no other operator may take it).
HOLDING_CALL = frozenset({AssignmentStatus.CONNECTING, AssignmentStatus.TALKING})
# An assignment that still holds its operator (no other call may be put through).
HOLDING_OPERATOR = frozenset(
    {AssignmentStatus.CONNECTING, AssignmentStatus.TALKING, AssignmentStatus.WRAP_UP}
)


class CallbackStatus(enum.StrEnum):
    """A request to be called back: `scheduled` until due, then `queued` beside
    the callers on hold, `dialling` while an operator calls the person, and one
    of the three ends."""

    SCHEDULED = "scheduled"
    QUEUED = "queued"
    DIALLING = "dialling"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


# A callback still to be made: one per person and queue (uq_callback_open_caller_queue).
OPEN_CALLBACK = frozenset({CallbackStatus.SCHEDULED, CallbackStatus.QUEUED, CallbackStatus.DIALLING})
# Changed by a person (cancel, reschedule) only before anyone dials.
BEFORE_DIALLING = frozenset({CallbackStatus.SCHEDULED, CallbackStatus.QUEUED})

CALLBACK_TRANSITIONS: dict[CallbackStatus, frozenset[CallbackStatus]] = {
    # Scheduled again: a reschedule (or a merged request) moves its due time.
    CallbackStatus.SCHEDULED: frozenset(
        {CallbackStatus.SCHEDULED, CallbackStatus.QUEUED, CallbackStatus.CANCELLED}
    ),
    CallbackStatus.QUEUED: frozenset(
        {CallbackStatus.SCHEDULED, CallbackStatus.DIALLING, CallbackStatus.CANCELLED}
    ),
    # An attempt ends: reached, to be tried again, the last one failed, or the
    # operator's phone was not answered (back in the queue, no attempt counted).
    CallbackStatus.DIALLING: frozenset(
        {CallbackStatus.COMPLETED, CallbackStatus.SCHEDULED, CallbackStatus.FAILED, CallbackStatus.QUEUED}
    ),
    CallbackStatus.COMPLETED: frozenset(),
    CallbackStatus.FAILED: frozenset(),
    CallbackStatus.CANCELLED: frozenset(),
}


class CallbackSource(enum.StrEnum):
    """Where a request to be called back came from (the API's `source`)."""

    IVR = "ivr"  # pressed 1 while waiting
    AFTER_HOURS = "after_hours"
    MISSED = "missed"  # hung up in the queue after the short-abandon threshold
    WEB = "web"
    OPERATOR = "operator"
    FOLLOW_UP = "follow_up"


class AttemptOutcome(enum.StrEnum):
    """How one attempt to reach the person ended."""

    ANSWERED = "answered"
    NO_ANSWER = "no-answer"
    BUSY = "busy"
    FAILED = "failed"
    MACHINE = "machine"


class CaseStatus(enum.StrEnum):
    """A case's status, worked by people: `open → in_progress ⇄ waiting →
    resolved → closed`, reopened from resolved or closed."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    # Waiting on the person or a partner: still the person's active case.
    WAITING = "waiting"
    RESOLVED = "resolved"
    CLOSED = "closed"


# A case still worked: one per caller and queue (uq_case_active_caller_queue).
# A new call joins it and the caller is served as a repeat caller; a call after
# the case is resolved or closed opens a new case.
ACTIVE_CASE = frozenset({CaseStatus.OPEN, CaseStatus.IN_PROGRESS, CaseStatus.WAITING})

CASE_TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.OPEN: frozenset({CaseStatus.IN_PROGRESS}),
    CaseStatus.IN_PROGRESS: frozenset({CaseStatus.WAITING, CaseStatus.RESOLVED}),
    CaseStatus.WAITING: frozenset({CaseStatus.IN_PROGRESS, CaseStatus.RESOLVED}),
    # Reopened (to open) from resolved or closed.
    CaseStatus.RESOLVED: frozenset({CaseStatus.CLOSED, CaseStatus.OPEN}),
    CaseStatus.CLOSED: frozenset({CaseStatus.OPEN}),
}


class RiskLevel(enum.StrEnum):
    """How much danger a case's person is in (the risk protocol is its own slice)."""

    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    IMMINENT = "imminent"


class PlanStepStatus(enum.StrEnum):
    """A step of a person's individual support route: `open → done | dropped`.
    A step done or dropped stays so: a new need is a new step."""

    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


PLAN_STEP_TRANSITIONS: dict[PlanStepStatus, frozenset[PlanStepStatus]] = {
    PlanStepStatus.OPEN: frozenset({PlanStepStatus.DONE, PlanStepStatus.DROPPED}),
    PlanStepStatus.DONE: frozenset(),
    PlanStepStatus.DROPPED: frozenset(),
}


class StepOutOfPlace(Exception):
    """A step that makes no sense for the call's stage (a queue result for a call
    still at the menu, say): refused with 409, nothing written."""

    def __init__(self, step: str, stage: str) -> None:
        super().__init__(f"{step} does not apply to a call at stage {stage}")
        self.step = step
        self.stage = stage


class EmergencyContact(enum.StrEnum):
    """Whom an operator reached for a person in danger (an emergency action's `contacted`)."""

    EMERGENCY_112 = "112"
    AMBULANCE = "ambulance"
    POLICE = "police"
    RELATIVE = "relative"
    OTHER = "other"


class ReferralStatus(enum.StrEnum):
    """A referral of a case's person to a partner: `made`, then the partner
    accepts or declines; an accepted one ends when the service is received or
    not; `withdrawn` by the hotline before it ends. Complete only when the
    service is confirmed received."""

    MADE = "made"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    SERVICE_RECEIVED = "service_received"
    SERVICE_NOT_RECEIVED = "service_not_received"
    WITHDRAWN = "withdrawn"


REFERRAL_TRANSITIONS: dict[ReferralStatus, frozenset[ReferralStatus]] = {
    ReferralStatus.MADE: frozenset(
        {ReferralStatus.ACCEPTED, ReferralStatus.DECLINED, ReferralStatus.WITHDRAWN}
    ),
    ReferralStatus.ACCEPTED: frozenset(
        {ReferralStatus.SERVICE_RECEIVED, ReferralStatus.SERVICE_NOT_RECEIVED, ReferralStatus.WITHDRAWN}
    ),
    ReferralStatus.DECLINED: frozenset(),
    ReferralStatus.SERVICE_RECEIVED: frozenset(),
    ReferralStatus.SERVICE_NOT_RECEIVED: frozenset(),
    ReferralStatus.WITHDRAWN: frozenset(),
}
