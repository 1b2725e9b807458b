"""A caller leaves: the queue's result, or the network's last word on the call.

One place for what follows, whoever heard it (a webhook, or the reconciler that
asked the telephony API): the call's record changes, an operator's leg ends
(wrap-up if they talked), and after commit the screens are told and the offers
still open for a caller who has gone are withdrawn.
"""

from __future__ import annotations

from datetime import datetime

from hotline import events
from hotline.callbacks import service as callbacks
from hotline.calls import service as calls
from hotline.models import Call
from hotline.models.states import CallStage, LeftQueue, Progress
from hotline.operators import callbacks as operator_callbacks
from hotline.operators import legs, offer_endings
from hotline.operators.callbacks import OUTBOUND
from hotline.telephony import Telephony


def status_reported(
    call_sid: str,
    status: str,
    progress: Progress,
    sequence: int | None,
    duration: int | None,
    now: datetime,
    telephony: Telephony | None = None,
) -> tuple[Call, bool]:
    """Apply the network's status of a call. Returns (call, applied): a stale or
    repeated report changes nothing. The end of a call placed to call someone
    back settles its attempt too (`telephony` sends the SMS when that was the last)."""
    call, applied, ended_waiting = calls.update_status(
        call_sid,
        status,
        progress,
        sequence,
        duration,
        now,
        connected_ended=_connected_ended,
        owes_callback=callbacks.owes_missed_callback,
    )
    if ended_waiting:
        _gone(call, events.ENDED_WHILE_WAITING, now)
    if call.direction == OUTBOUND and progress == Progress.FINISHED:
        attempt = operator_callbacks.attempt_by_call(call_sid)
        if attempt is not None:
            operator_callbacks.operator_leg_ended(attempt, True, now, telephony)
    return call, applied


def _connected_ended(call: Call, now: datetime) -> CallStage:
    if call.direction == OUTBOUND:
        return operator_callbacks.call_ended(call, now)
    return legs.call_ended(call, now)


def left_queue(
    call: Call, queue_result: str, reason: LeftQueue, queue_seconds: int | None, now: datetime
) -> bool:
    """The caller left the queue (Enqueue's action). False for a repeat.

    The call's record keeps the network's QueueTime, but whether a caller who hung
    up waited long enough to be called back is the hotline's own clock's word: a
    wrong QueueTime neither makes nor spares a callback. A callback owed is
    recorded by the upkeep within a second, off this webhook."""
    if not calls.leave_queue(
        call, queue_result, reason, queue_seconds, now, owes_callback=callbacks.owes_missed_callback
    ):
        return False
    _gone(call, reason, now)
    return True


def _gone(call: Call, reason: str, now: datetime) -> None:
    events.caller_left(call.call_sid, call.queue, reason)
    offer_endings.withdraw_offers_of_gone_callers(now, call.id)
