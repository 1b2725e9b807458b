"""Calls with known waits and outcomes, through the signed webhooks as Twilio posts
them (and the operator's leg and wrap-up as the console posts them), at moments
the test chooses; and the stats API's answer."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count

import time_machine

from tests.support.calls import ScriptedCall
from tests.support.legs import dial_result, operator_leg, take
from tests.support.wrapup import bearer

_numbers = count(1000)


def caller(twilio) -> ScriptedCall:
    """A new caller (a number of their own): each opens a case."""
    return ScriptedCall(twilio, from_number=f"+7701555{next(_numbers):04d}")


def status(call: ScriptedCall, value: str, sequence: int, **fields):
    response = call.post("/telephony/voice/status", CallStatus=value, SequenceNumber=str(sequence), **fields)
    assert response.status_code == 204
    return response


def left(
    twilio, at: datetime, wait: int, result: str, *, status_first: bool = False, queue_time: int | None = None
) -> ScriptedCall:
    """A caller queued (legal, ru) at `at` who leaves the queue after `wait` seconds
    with the queue's `result` (hangup, bridged, leave …), then hangs up. With
    `status_first`, the final status comes before the queue's result (late);
    `queue_time` is the network's QueueTime, `wait` unless told."""
    call = caller(twilio)
    with time_machine.travel(at, tick=False) as clock:
        call.to_queue()
        clock.shift(timedelta(seconds=wait))
        if status_first:
            status(call, "completed", 9, CallDuration=str(wait + 20))
        call.post(
            "/telephony/voice/queue-result",
            QueueResult=result,
            QueueTime=str(wait if queue_time is None else queue_time),
        )
        if not status_first:
            status(call, "completed", 9, CallDuration=str(wait + 20))
    return call


def answered_by_operator(
    twilio, client, at: datetime, wait: int, talk: int, wrap_up: int, category: str = "housing"
) -> ScriptedCall:
    """A caller queued at `at`, taken by aigerim after `wait` seconds, who talks
    `talk` seconds and wraps up `wrap_up` seconds later with `category`."""
    call = caller(twilio)
    with time_machine.travel(at, tick=False) as clock:
        call.to_queue()
        clock.shift(timedelta(seconds=wait))
        taken = take(call)
        call.post("/telephony/voice/queue-result", QueueResult="redirected", QueueTime=str(wait))
        operator_leg(call, taken, "in-progress")
        clock.shift(timedelta(seconds=talk))
        dial_result(call, taken, "completed", DialCallDuration=str(talk))
        operator_leg(call, taken, "completed", CallDuration=str(talk))
        status(call, "completed", 9, CallDuration=str(wait + talk))
        clock.shift(timedelta(seconds=wrap_up))
        response = client.post(
            f"/api/v1/calls/{call.sid}/wrap-up",
            json={"outcome": "support_given", "category": category},
            headers=bearer("aigerim"),
        )
        assert response.status_code == 200, response.get_json()
    return call


def rows(client, headers: dict | None = None, **query) -> list[dict]:
    response = client.get("/api/v1/stats", query_string=query, headers=headers or bearer("boris"))
    assert response.status_code == 200, response.get_json()
    return response.get_json()["rows"]
