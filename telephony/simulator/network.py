"""/simulator/network/calls/<CallSid>: the simulated phone's signalling channel.

This is the simulator's own, not Twilio's API: the phone reports each step of a
call here (ringing, answered, queued, ended), learns its place in the queue, and
picks up what the REST API asked of the call (a redirect, a hang-up), as Twilio's
own network would. The far end of a call the app placed (`callee`) reports here
too. /simulator/network/numbers lets a simulated phone answer for a number. It
takes the same auth as the REST API.
"""

from __future__ import annotations

import logging
import time

from flask import Blueprint, Response, jsonify, request

from telephony.forms import CALL_SID, RECORDING_SID
from telephony.simulator import bridge, handset, state, subscribers
from telephony.simulator.ids import new_sid
from telephony.simulator.rest import authenticate, not_found, twilio_error
from telephony.simulator.rest.calls import call_json
from telephony.simulator.script import Line
from telephony.vocabulary import FINAL_STATUSES

log = logging.getLogger(__name__)

bp = Blueprint("simulator_network", __name__, url_prefix="/simulator/network")
bp.before_request(authenticate)


@bp.post("/calls/<call_sid>")
def network(call_sid: str):
    """One step of a call, reported by the simulated phone (JSON {"event": …}).

    Answers {"call": …, "request": what the app asked of it when placed, "queue": figures
    or null, "instruction": … or null, "full": whether the queue it tried to join was full}.
    """
    if not CALL_SID.fullmatch(call_sid):
        return twilio_error(400, 21220, "CallSid is malformed")
    body = request.get_json(silent=True) or {}
    handler = EVENTS.get(body.get("event", ""))
    if handler is None:
        return twilio_error(400, 21220, "unknown event")
    now = time.time()
    call = state.load("call", call_sid)
    if call is None and handler is not ring:
        return not_found()
    placed = {field: (call or {}).get(field) for field in state.PLACED}
    reply = handler(call_sid, call, body, now)
    if isinstance(reply, Response):
        return reply
    return jsonify(
        call=call_json(state.load("call", call_sid)),
        request=placed,
        queue=reply.get("queue"),
        instruction=reply.get("instruction"),
        full=reply.get("full", False),
        dial=reply.get("dial"),
        far_end=reply.get("far_end"),
    )


@bp.post("/numbers")
def numbers():
    """A simulated phone answers for a number ({"number": …, "seconds": how long, 0 to stop}),
    so the calls the simulator places to it ring there (see `subscribers`)."""
    body = request.get_json(silent=True) or {}
    number, seconds = body.get("number"), body.get("seconds")
    if not isinstance(number, str) or not isinstance(seconds, int | float) or not 0 <= seconds <= 86400:
        return twilio_error(400, 21220, 'the body must be {"number": …, "seconds": 0 to 86400}')
    if seconds == 0:
        subscribers.release(number, subscribers.PHONE)
    elif not subscribers.claim(number, subscribers.PHONE, seconds):
        return twilio_error(400, 21220, "that is not a phone number")
    return jsonify(answers=seconds > 0)


def ring(call_sid: str, call: dict | None, body: dict, now: float):
    if call is not None:
        return twilio_error(409, 21220, "a call with that CallSid exists")
    fields = {"sid": call_sid, "direction": "inbound", "status": "ringing", "created": now, "updated": now}
    state.create("call", call_sid, {**fields, "from": body.get("from", ""), "to": body.get("to", "")})
    log.info("simulator: call %s ringing", call_sid)
    return {}


def answer(call_sid: str, call: dict, body: dict, now: float):
    """The far end answers ({"answered_by": … if machine detection was asked})."""
    fields = {"status": "in-progress", "start": now, "updated": now}
    answered_by = body.get("answered_by")
    if isinstance(answered_by, str) and answered_by:
        fields["answered_by"] = answered_by
    if not bridge.transition(call_sid, state.NOT_ANSWERED, fields):
        return twilio_error(409, 21220, f"the call is {call['status']}, not ringing")
    bridge.unoffer(call)
    return {}


def ringing(call_sid: str, call: dict, body: dict, now: float):
    """A call the app placed rings at the far end the simulator plays (see `callee`):
    queued → ringing, until its Timeout; a client's device, or the page that answers
    for the number, sees it ringing from now. Answers how the far end answers."""
    if call["direction"] != "outbound-api":
        return twilio_error(409, 21220, "only a call placed through the REST API rings this way")
    deadline = now + int(call.get("timeout") or 60)
    if bridge.transition(call_sid, {"queued"}, {"status": "ringing", "deadline": deadline, "updated": now}):
        if call.get("client"):
            bridge.offer(call_sid, bridge.client_key(call["client"]), now)
        elif call.get("answerer") == subscribers.PAGE and subscribers.ringing_key(call["to"]):
            bridge.offer(call_sid, subscribers.ringing_key(call["to"]), now)
    names = ("answerer", "outcome", "detects", "machine_detection", "status_callback_event")
    return {"far_end": {**{name: call.get(name) or "" for name in names}, "deadline": deadline}}


def hear(call_sid: str, call: dict, body: dict, now: float):
    """Lines of what the call's end heard ({"lines": [{"kind", "text"}, …]}), for its transcript."""
    lines = body.get("lines")
    if not isinstance(lines, list) or not all(
        isinstance(line, dict) and isinstance(line.get("kind"), str) and isinstance(line.get("text"), str)
        for line in lines
    ):
        return twilio_error(400, 21220, 'the body must be {"lines": [{"kind": …, "text": …}, …]}')
    redis = state._redis()
    handset.open_call(redis, call_sid)
    for line in lines:
        handset.append(redis, call_sid, Line(line["kind"], line["text"]))
    return {}


def decline(call_sid: str, call: dict, body: dict, now: float):
    status = body.get("status", "no-answer")
    if call["status"] not in state.NOT_ANSWERED or status not in {"busy", "failed", "no-answer"}:
        return twilio_error(409, 21220, "only a call not yet answered can be declined")
    state.finish(call, status, now, duration=0)
    return {}


def enqueue(call_sid: str, call: dict, body: dict, now: float):
    name = str(body.get("queue", "")).strip()
    if not name or call["status"] in FINAL_STATUSES:
        return twilio_error(400, 21220, "a queue name and a live call are required")
    figures = state.join_queue(call, name, now)
    return {"full": True} if figures is None else {"queue": figures}


def wait(call_sid: str, call: dict, body: dict, now: float):
    """Where the caller stands now, and anything the REST API asked of the call.

    The place is read before the instruction, and `state.instruct` writes in the
    other order, so a call that is no longer in its queue always finds why.
    """
    name = call.get("queue")
    queue = state.figures(name, call_sid, state.members(name), now) if name else None
    return {"queue": queue, "instruction": state.pop_instruction(call_sid)}


def poll(call_sid: str, call: dict, body: dict, now: float):
    return {"instruction": state.pop_instruction(call_sid)}


def look(call_sid: str, call: dict, body: dict, now: float):
    """Where the call stands, and what the app asked of it: changes nothing."""
    return {}


def dequeue(call_sid: str, call: dict, body: dict, now: float):
    state.leave_queue(call, now)
    return {}


def record(call_sid: str, call: dict, body: dict, now: float):
    recording_sid = str(body.get("recording_sid", ""))
    if not RECORDING_SID.fullmatch(recording_sid):
        return twilio_error(400, 21220, "RecordingSid is malformed")
    duration = max(0, int(body.get("seconds", 0)))
    state.save("recording", recording_sid, {"call_sid": call_sid, "duration": duration, "created": now})
    return {}


def end(call_sid: str, call: dict, body: dict, now: float):
    status = body.get("status", "completed")
    if status not in FINAL_STATUSES:
        return twilio_error(400, 21220, "an end status is required")
    duration = body.get("duration")
    state.finish(call, status, now, duration=int(duration) if duration is not None else None)
    if call.get("dial"):  # a caller gone ends the leg they dialled, whatever stopped the phone
        bridge.end(call["dial"], now, "caller")
    return {}


def dial(call_sid: str, call: dict, body: dict, now: float):
    """The call's <Dial> rings a child leg: {"to": number} or {"client": identity},
    "timeout", and "caller_id" if the Dial names one (else the caller's number)."""
    client, to, timeout = body.get("client"), body.get("to"), body.get("timeout", 30)
    target = client if client is not None else to
    current = _dialled(call)
    if call["status"] != "in-progress" or (current is not None and current["status"] not in FINAL_STATUSES):
        return twilio_error(409, 21220, "only a call in progress, not already dialling, can dial")
    if not isinstance(target, str) or not target.strip() or not isinstance(timeout, int):
        return twilio_error(400, 21220, "a number or a client identity, and a whole timeout, are required")
    caller_id, detection = body.get("caller_id"), body.get("machine_detection")
    if not all(value is None or isinstance(value, str) for value in (caller_id, detection)):
        return twilio_error(400, 21220, "caller_id and machine_detection must be strings")
    child_sid = new_sid("CA")
    timeout = max(1, min(timeout, 600))
    bridge.dial(
        call, child_sid, target.strip(), client and client.strip(), timeout, now, caller_id, detection
    )
    return {"dial": bridge.summary(state.load("call", child_sid))}


def dial_poll(call_sid: str, call: dict, body: dict, now: float):
    """Where the call's dialled leg stands, and anything the REST API asked of the call."""
    leg = _dialled(call)
    if leg is None:
        return not_found()
    return {"dial": bridge.summary(bridge.settle(leg, now)), "instruction": state.pop_instruction(call_sid)}


def dial_end(call_sid: str, call: dict, body: dict, now: float):
    """The caller's side ends the dialled leg: they hung up, or the Dial was cut short."""
    leg = _dialled(call)
    ended_by = body.get("ended_by", "caller")
    if leg is None:
        return not_found()
    if ended_by not in bridge.ENDED_BY:
        return twilio_error(400, 21220, "ended_by is not one of " + ", ".join(sorted(bridge.ENDED_BY)))
    bridge.end(leg["sid"], now, ended_by)
    return {"dial": bridge.summary(state.load("call", leg["sid"]) or leg)}


def _dialled(call: dict) -> dict | None:
    return state.load("call", call["dial"]) if call.get("dial") else None


EVENTS = {
    "ring": ring,
    "answer": answer,
    "ringing": ringing,
    "hear": hear,
    "look": look,
    "decline": decline,
    "enqueue": enqueue,
    "wait": wait,
    "poll": poll,
    "dequeue": dequeue,
    "record": record,
    "end": end,
    "dial": dial,
    "dial-poll": dial_poll,
    "dial-end": dial_end,
}
