"""The Calls resource: place a call, fetch it, hang it up or redirect it.

A call placed here waits, "queued", for the simulated phone to answer or decline
it; a redirect or a hang-up of a live call is left for the phone as an
instruction, which it picks up at its next step (see `network`).
"""

from __future__ import annotations

import logging
import time

from flask import jsonify, request

from telephony.simulator import bridge, state
from telephony.simulator.ids import new_sid
from telephony.simulator.rest import (
    ACCOUNT,
    absolute_url,
    bp,
    date,
    fetch_json,
    not_found,
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
        "answered_by": None,
        "forwarded_from": None,
        "group_sid": None,
        "caller_name": None,
        "trunk_sid": None,
        "annotation": None,
    }


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
    now = time.time()
    call = {
        "sid": new_sid("CA"),
        "direction": "outbound-api",
        "status": "queued",
        "to": form["To"],
        "from": form["From"],
        "url": form.get("Url"),
        "method": form.get("Method", "POST").upper(),
        "twiml": form.get("Twiml"),
        "status_callback": form.get("StatusCallback"),
        "status_callback_method": form.get("StatusCallbackMethod", "POST").upper(),
        "created": now,
        "updated": now,
    }
    state.save("call", call["sid"], call)
    log.info("simulator: call %s placed (queued)", call["sid"])
    return jsonify(call_json(state.load("call", call["sid"]))), 201


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
