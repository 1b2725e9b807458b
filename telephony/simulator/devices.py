"""/simulator/devices/…: the signalling channel of simulated softphones.

A browser softphone registers with Twilio with an access token; here a simulated
device does the same. It rings for a <Dial><Client> of its identity, and for a
call the app placed through the REST API To client:<identity>: once accepted,
the simulator follows that call's TwiML on the operator's behalf (`callee`).
Every request carries that token (`Authorization: Bearer <JWT>`), checked as
Twilio checks it: HS256 signed with TWILIO_API_SECRET, `iss` the TWILIO_API_KEY,
`sub` the TWILIO_ACCOUNT_SID, not expired, with a voice grant that allows
incoming calls; its `grants.identity` is the client the device answers for. A
bad token is a 401; a call that is not ringing for that identity (or no such
call) a 404; a call in the wrong state a 409. All JSON.

    GET  /simulator/devices/registration            {"identity": …}
    GET  /simulator/devices/incoming                {"call": {call} or null}: the oldest
                                                    call ringing for the identity
    GET  /simulator/devices/calls/<CallSid>         {"call": {call}}
    POST /simulator/devices/calls/<CallSid>/accept      answer a ringing call
    POST /simulator/devices/calls/<CallSid>/reject      decline it (the Dial gets busy)
    POST /simulator/devices/calls/<CallSid>/disconnect  hang up (reject while ringing)
    POST /simulator/devices/calls/<CallSid>/mute        {"muted": true|false}

{call} is {"sid": the child leg's (or the REST-created call's) CallSid,
"parent_call_sid": the caller's (null for a REST-created call), "status", "muted",
"ended_by", "duration", "answered", "answered_by"}: never a number.
"""

from __future__ import annotations

import time

import jwt
from flask import Blueprint, current_app, g, jsonify, request

from telephony.forms import CALL_SID
from telephony.simulator import bridge, state

bp = Blueprint("simulator_devices", __name__, url_prefix="/simulator/devices")
OUTBOUND = frozenset({"outbound-dial", "outbound-api"})


def _error(status: int, message: str):
    response = jsonify(status=status, message=message)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="Simulated devices"'
    return response


@bp.before_request
def authenticate():
    """The identity of a valid access token with a voice grant, in `g.identity`."""
    config = current_app.config
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return _error(401, "an access token is required (Authorization: Bearer …)")
    try:
        claims = jwt.decode(
            token.strip(),
            config["TWILIO_API_SECRET"],
            algorithms=["HS256"],
            issuer=config["TWILIO_API_KEY"],
            options={"require": ["exp", "iss", "sub"]},
        )
    except jwt.PyJWTError as error:
        return _error(401, f"the access token is not valid: {error}")
    grants = claims.get("grants")
    identity = grants.get("identity") if isinstance(grants, dict) else None
    voice = grants.get("voice") if isinstance(grants, dict) else None
    incoming = voice.get("incoming") if isinstance(voice, dict) else None
    if claims["sub"] != config["TWILIO_ACCOUNT_SID"]:
        return _error(401, "the access token is for another account")
    if not isinstance(identity, str) or not identity or not isinstance(incoming, dict):
        return _error(401, "the access token grants no identity or no incoming voice calls")
    if incoming.get("allow") is not True:
        return _error(401, "the access token does not allow incoming calls")
    g.identity = identity
    return None


@bp.get("/registration")
def registration():
    return jsonify(identity=g.identity)


@bp.get("/incoming")
def incoming():
    leg = bridge.ringing_for(g.identity, time.time())
    return jsonify(call=_public(leg) if leg else None)


@bp.get("/calls/<call_sid>")
def show(call_sid: str):
    leg = _own_leg(call_sid)
    return _error(404, "no such call for this device") if leg is None else jsonify(call=_public(leg))


@bp.post("/calls/<call_sid>/<action>")
def act(call_sid: str, action: str):
    leg = _own_leg(call_sid)
    if leg is None or action not in ACTIONS:
        return _error(404, "no such call for this device")
    now = time.time()
    leg = bridge.settle(leg, now)
    refused = ACTIONS[action](leg, now)
    if refused:
        return _error(*refused)
    return jsonify(call=_public(state.load("call", call_sid) or leg))


def _accept(leg: dict, now: float) -> tuple[int, str] | None:
    fields = {"status": bridge.TALKING, "start": now, "updated": now}
    if not bridge.transition(leg["sid"], {bridge.RINGING}, fields):
        return 409, f"the call is {_status(leg)}, not ringing"
    return None


def _reject(leg: dict, now: float) -> tuple[int, str] | None:
    if not bridge.end(leg["sid"], now, "operator", unanswered="busy", allowed=frozenset({bridge.RINGING})):
        return 409, f"the call is {_status(leg)}, not ringing"
    return None


def _disconnect(leg: dict, now: float) -> tuple[int, str] | None:
    if not bridge.end(leg["sid"], now, "operator", unanswered="busy"):
        return 409, f"the call is {_status(leg)}"
    if leg["direction"] == "outbound-api" and leg["status"] == bridge.TALKING:
        # The simulator plays this call's TwiML: it hangs up at its next step.
        state.instruct(leg, {"kind": "hangup"}, now, ttl=state.ENDED_TTL_SECONDS)
    return None


def _mute(leg: dict, now: float) -> tuple[int, str] | None:
    body = request.get_json(silent=True)
    muted = body.get("muted") if isinstance(body, dict) else None
    if not isinstance(muted, bool):
        return 400, 'the body must be {"muted": true or false}'
    if not bridge.transition(leg["sid"], {bridge.TALKING}, {"muted": int(muted), "updated": now}):
        return 409, f"the call is {_status(leg)}, not in progress"
    return None


ACTIONS = {"accept": _accept, "reject": _reject, "disconnect": _disconnect, "mute": _mute}


def _status(leg: dict) -> str:
    """The leg's status now: another request may just have changed it."""
    return (state.load("call", leg["sid"]) or leg)["status"]


def _own_leg(call_sid: str) -> dict | None:
    """The leg `call_sid` if it rings (or rang) for this device's identity."""
    if not CALL_SID.fullmatch(call_sid):
        return None
    leg = state.load("call", call_sid)
    if leg is None or leg.get("direction") not in OUTBOUND or leg.get("client") != g.identity:
        return None
    return leg


def _public(leg: dict) -> dict:
    summary = bridge.summary(leg)
    summary.pop("client")
    return summary
