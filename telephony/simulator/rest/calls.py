"""The Calls resource: place a call, list calls, fetch one, hang it up or redirect it.

A call placed here is answered by the far end the simulator plays in a background
thread (`callee`): a client identity's device, the /simulator/phone page that
answers for the number, or the simulator as SIMULATOR_OUTBOUND says. A number a
SimulatedPhone of a test answers for (`SimulatedPhone.answers_for`) waits,
"queued", for that phone to answer or decline it. A redirect or a hang-up of a
live call is left for whoever plays it as an instruction, which it picks up at its
next step (see `network`).
"""

from __future__ import annotations

import logging
import time

from flask import current_app, jsonify, request

from hotline.core.phones import InvalidNumber, normalise
from telephony.forms import whole_number
from telephony.simulator import bridge, callee, outbound, state, subscribers
from telephony.simulator.ids import new_sid
from telephony.simulator.rest import (
    ACCOUNT,
    absolute_url,
    bp,
    date,
    fetch_json,
    not_found,
    page,
    resource_json,
    twilio_error,
)
from telephony.vocabulary import FINAL_STATUSES

log = logging.getLogger(__name__)


def call_json(call: dict[str, str]) -> dict:
    return {
        **resource_json("Calls", call["sid"], ("Notifications", "Recordings", "Events")),
        "date_created": date(call.get("created")),
        "date_updated": date(call.get("updated")),
        "parent_call_sid": call.get("parent"),
        "to": call.get("to"),
        "to_formatted": call.get("to"),
        "from": call.get("from"),
        "from_formatted": call.get("from"),
        "phone_number_sid": None,
        "status": call["status"],
        "direction": call["direction"],
        "start_time": date(call.get("start")),
        "end_time": date(call.get("end")),
        "duration": call.get("duration"),
        "queue_time": call.get("queue_time", "0"),
        "answered_by": call.get("answered_by") or None,
        "forwarded_from": None,
        "group_sid": None,
        "caller_name": None,
        "trunk_sid": None,
        "annotation": None,
    }


EVENTS = frozenset({"initiated", "ringing", "answered", "completed"})
DEFAULT_TIMEOUT = 60  # Twilio's, for a REST-created call
FILTERS = {
    "To": "to",
    "From": "from",
    "Status": "status",
    "Direction": "direction",
    "ParentCallSid": "parent",
}
PARTIES = frozenset({"to", "from"})


@bp.post(ACCOUNT + "/Calls.json")
def create_call(account_sid: str):
    form = request.form
    if not form.get("To"):
        return twilio_error(400, 21201, "No 'To' number is specified")
    if not form.get("From"):
        return twilio_error(400, 21213, "No 'From' number is specified")
    if not (form.get("Url") or form.get("Twiml")):
        return twilio_error(400, 21205, "Url or Twiml is required")
    for field in ("Url", "StatusCallback"):
        if form.get(field) and not absolute_url(form[field]):
            return twilio_error(400, 21205, f"{field} is not a valid URL")
    events = {event for value in form.getlist("StatusCallbackEvent") for event in value.split()}
    if not events <= EVENTS:
        return twilio_error(
            400, 21626, "StatusCallbackEvent must be initiated, ringing, answered or completed"
        )
    detection = form.get("MachineDetection", "")
    if detection and detection not in outbound.MACHINE_DETECTION:
        return twilio_error(400, 21220, "MachineDetection must be Enable or DetectMessageEnd")
    timeout = whole_number(form.get("Timeout", str(DEFAULT_TIMEOUT)), max_digits=3)
    if timeout is None:
        return twilio_error(400, 21220, "Timeout must be a whole number of seconds")
    now = time.time()
    to = form["To"]
    client = to.removeprefix("client:").strip() if to.startswith("client:") else ""
    far_end = (
        {"answerer": "client", "outcome": "", "detects": ""} if client else bridge.answering(to, detection)
    )
    call = {
        "sid": new_sid("CA"),
        "direction": "outbound-api",
        "status": "queued",
        "to": to,
        "from": form["From"],
        "url": form.get("Url"),
        "method": form.get("Method", "POST").upper(),
        "twiml": form.get("Twiml"),
        "status_callback": form.get("StatusCallback"),
        "status_callback_method": form.get("StatusCallbackMethod", "POST").upper(),
        "status_callback_event": " ".join(sorted(events or {"completed"})),
        "machine_detection": detection,
        "timeout": max(1, min(timeout, 600)),
        "client": client,
        **far_end,
        "created": now,
        "updated": now,
    }
    state.create("call", call["sid"], call)
    log.info("simulator: call %s placed (queued)", call["sid"])
    if far_end["answerer"] != subscribers.PHONE and not callee.start(
        current_app.config, request.host_url, call["sid"]
    ):
        state.finish(call, "failed", now, duration=0)
    return jsonify(call_json(state.load("call", call["sid"]))), 201


@bp.get(ACCOUNT + "/Calls.json")
def list_calls(account_sid: str):
    """Calls newest first, filtered as Twilio filters them (To, From, Status, ParentCallSid),
    and by Direction too (Twilio has no such filter: the simulator's own)."""
    region = current_app.config["PHONE_DEFAULT_REGION"]
    wanted = {field: request.args[name] for name, field in FILTERS.items() if request.args.get(name)}
    calls = [call for call in state.newest("call") if matches(call, wanted, region)]
    return page("calls", [call_json(call) for call in calls])


def matches(record: dict[str, str], wanted: dict[str, str], region: str) -> bool:
    """Whether `record` has each wanted value; numbers compared in E.164, however written."""
    return all(
        _party(record.get(field) or "", region) == _party(value, region)
        if field in PARTIES
        else record.get(field) == value
        for field, value in wanted.items()
    )


def _party(value: str, region: str) -> str:
    """A number in E.164; a client or SIP address (or any other text) as it is."""
    try:
        return normalise(value, region) or value
    except InvalidNumber:
        return value


@bp.get(ACCOUNT + "/Calls/<call_sid>.json")
def fetch_call(account_sid: str, call_sid: str):
    return fetch_json("call", call_sid, call_json)


@bp.post(ACCOUNT + "/Calls/<call_sid>.json")
def update_call(account_sid: str, call_sid: str):
    """Status=completed hangs up (cancels a call not yet answered); Url or Twiml
    takes the call to new instructions, out of any queue it waits in. Either ends
    the leg the call is dialling, as on Twilio (and no Dial action follows); hanging
    up a dialled leg ends that leg alone, and the caller's Dial goes on to its action."""
    call = state.load("call", call_sid)
    if call is None:
        return not_found()
    form = request.form
    now = time.time()
    status = form.get("Status")
    if status and status not in {"completed", "canceled"}:
        return twilio_error(400, 21218, "Invalid Status: use completed or canceled")
    if call["direction"] == "outbound-dial":
        return _update_dialled(call, status, now)
    if form.get("Url") and not absolute_url(form["Url"]):
        return twilio_error(400, 21205, "Url is not a valid URL")
    if status == "completed" or form.get("Url") or form.get("Twiml"):
        _end_dialled_leg(call, now)
    if status and call["status"] not in FINAL_STATUSES:
        if call["status"] in state.NOT_ANSWERED:
            state.finish(call, "canceled", now, duration=0)
        elif status == "completed":
            state.instruct(call, {"kind": "hangup"}, now)
            state.finish(state.load("call", call_sid), "completed", now)
        call = state.load("call", call_sid)
    if form.get("Url") or form.get("Twiml"):
        redirected = _redirect(call, form.get("Url"), form.get("Method", "POST"), form.get("Twiml"), now)
        if redirected is not None:
            return redirected
        call = state.load("call", call_sid)
    return jsonify(call_json(call))


def _redirect(call: dict[str, str], url: str | None, method: str, twiml: str | None, now: float):
    """Take the call to new TwiML; a Twilio error, or None when done."""
    if call["status"] in FINAL_STATUSES:
        return twilio_error(400, 21220, "Call is not in-progress. Cannot redirect.")
    if url and not absolute_url(url):
        return twilio_error(400, 21205, "Url is not a valid URL")
    instruction = {"kind": "redirect", "url": url, "method": method.upper()} if url else {"kind": "twiml"}
    if twiml and not url:
        instruction["twiml"] = twiml
    if call["status"] in state.NOT_ANSWERED:
        # Not answered yet: these are the instructions it will fetch when it is.
        fields = {"url": url, "method": method.upper()} if url else {"twiml": twiml}
        state.save("call", call["sid"], {**fields, "updated": now})
    else:
        state.instruct(call, instruction, now)
    log.info("simulator: call %s redirected", call["sid"])
    return None


def _update_dialled(leg: dict[str, str], status: str | None, now: float):
    """A <Dial>'s child leg: it can be hung up; following new TwiML is not simulated."""
    if not status:
        return twilio_error(400, 21220, "the simulator only hangs up a dialled leg (Status=completed)")
    bridge.end(leg["sid"], now, "hotline")
    return jsonify(call_json(state.load("call", leg["sid"]) or leg))


def _end_dialled_leg(call: dict[str, str], now: float) -> None:
    if call.get("dial") and call["status"] not in FINAL_STATUSES:
        bridge.end(call["dial"], now, "hotline")
