"""/simulator/phone: a keypad in the browser to call the hotline, development only.

Mounted with the rest of the simulator, so only when TELEPHONY_SIMULATOR is on
(production refuses to start with it). The page starts a call from any number,
shows what the caller hears as text, sends keys and hangs up; the server plays
the caller (`web_phone`). While open it answers for the number it calls from: a
call the simulator places to that number (a call back) rings on the page, to be
answered or declined there. Its requests carry the page's CSRF token, and no
answer ever repeats the caller's number.
"""

from __future__ import annotations

import re
import time

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import gettext
from marshmallow import Schema, ValidationError, fields, validate
from redis import Redis

from hotline.core.phones import InvalidNumber, normalise
from telephony.forms import CALL_SID
from telephony.simulator import web_phone

bp = Blueprint("simulator_phone", __name__, url_prefix="/simulator/phone")

# Keypad keys; the validator matches from the start, \Z holds it to the end.
KEYS = re.compile(r"[0-9*#]{1,32}\Z")
TRANSCRIPT_LINES = 500  # read at most this many at once


class CallBody(Schema):
    # "From": empty, or "anonymous", withholds the number.
    from_number = fields.String(data_key="from", load_default="", validate=validate.Length(max=32))


class IncomingBody(Schema):
    from_number = fields.String(data_key="from", required=True, validate=validate.Length(max=32))


class KeysBody(Schema):
    digits = fields.String(required=True, validate=validate.Regexp(KEYS))


class TranscriptQuery(Schema):
    after = fields.String(load_default="0", validate=validate.Regexp(r"[0-9]{1,9}\Z"))


def _load(schema: type[Schema], data: object) -> dict:
    """`data` read by `schema`; else a 400 naming the fields at fault, never their values."""
    if not isinstance(data, dict):
        abort(400, description="send a JSON object (Content-Type: application/json)")
    try:
        return schema().load(data)
    except ValidationError as error:
        names = ", ".join(sorted(str(name) for name in error.normalized_messages()))
        abort(400, description=f"invalid or missing field(s): {names}")


@bp.before_request
def simulator_only() -> None:
    if not current_app.config.get("TELEPHONY_SIMULATOR"):
        abort(404)


def _redis() -> Redis:
    return current_app.extensions["redis"]


def _known(call_sid: str) -> str:
    if not CALL_SID.fullmatch(call_sid):
        abort(404, description="no call from this page with that CallSid")
    return call_sid


@bp.get("")
def page():
    labels = {
        "hears": gettext("You hear"),
        "plays": gettext("Sound"),
        "presses": gettext("You press"),
        "waits": gettext("Queue"),
        "records": gettext("Recording"),
        "connected": gettext("Connected"),
        "note": gettext("Note"),
        "calling": gettext("Calling…"),
        "ended": gettext("The call has ended."),
        "hung_up": gettext("You hung up."),
        "failed": gettext("The call could not be placed."),
        "declined": gettext("You declined the call."),
    }
    return render_template("simulator/phone.html", labels=labels)


def _number(schema: type[Schema]) -> str | None:
    """The page's number (its "from" field) in E.164; None when withheld."""
    body = _load(schema, request.get_json(silent=True))
    try:
        return normalise(body["from_number"], current_app.config["PHONE_DEFAULT_REGION"])
    except InvalidNumber:
        abort(400, description="invalid or missing field(s): from")


@bp.post("/calls")
def place():
    number = _number(CallBody)
    try:
        call_sid = web_phone.place_call(_redis(), current_app.config, request.host_url, number)
    except web_phone.TooManyCalls as error:
        abort(429, description=str(error))
    return {"call_sid": call_sid}, 201


@bp.post("/incoming")
def incoming():
    """The page answers for its number (it asks again every second or so): the call
    ringing for it, if any. A withheld number, or one still being typed, is called by nobody."""
    body = _load(IncomingBody, request.get_json(silent=True))
    try:
        number = normalise(body["from_number"], current_app.config["PHONE_DEFAULT_REGION"])
    except InvalidNumber:
        number = None
    call_sid = web_phone.listen(number, time.time()) if number else None
    return {"call": {"call_sid": call_sid} if call_sid else None, "listening": number is not None}


@bp.post("/incoming/<call_sid>/<action>")
def answer_incoming(call_sid: str, action: str):
    """Answer (then follow it as a call from the page) or decline the call ringing for the page's number."""
    number = _number(IncomingBody)
    if action not in {"answer", "decline"} or number is None:
        abort(404)
    try:
        if action == "answer":
            web_phone.answer(_redis(), number, _known(call_sid), time.time())
        else:
            web_phone.decline(number, _known(call_sid), time.time())
    except web_phone.NotRinging:
        abort(409, description="that call is not ringing for this number")
    return {"call_sid": call_sid}


@bp.post("/calls/<call_sid>/digits")
def press(call_sid: str):
    keys = _load(KeysBody, request.get_json(silent=True))["digits"]
    try:
        web_phone.press(_redis(), _known(call_sid), keys)
    except web_phone.UnknownPageCall:
        abort(404, description="no call from this page with that CallSid")
    except web_phone.CallOver:
        abort(409, description="the call has ended")
    return "", 204


@bp.post("/calls/<call_sid>/hangup")
def hang_up(call_sid: str):
    try:
        web_phone.hang_up(_redis(), _known(call_sid))
    except web_phone.UnknownPageCall:
        abort(404, description="no call from this page with that CallSid")
    return "", 204


@bp.get("/calls/<call_sid>/transcript")
def transcript(call_sid: str):
    after = int(_load(TranscriptQuery, request.args.to_dict())["after"])
    try:
        read = web_phone.transcript(_redis(), _known(call_sid), after, TRANSCRIPT_LINES)
    except web_phone.UnknownPageCall:
        abort(404, description="no call from this page with that CallSid")
    return {"lines": read.lines, "next": read.next, "ended": read.ended, "hung_up": read.hung_up}
