"""The simulator's stand-in for Twilio: the part of the REST API (2010-04-01) the app calls,
and the signalling channel the simulated phone uses.

`telephony.client.Telephony` reaches /simulator/2010-04-01/… through the real
twilio-python client: calls (create, fetch, update), queues and their members,
messages. It answers what Twilio answers: the same JSON shapes, HTTP Basic auth
with the account SID and auth token, Twilio-style errors (code, message, status,
more_info).

/simulator/network/calls/<CallSid> is the simulator's own: the simulated phone
reports each step of a call there (ringing, answered, queued, ended), learns its
place in the queue, and picks up what the REST API asked of the call (a redirect,
a hang-up), as Twilio's own network would.

State lives in Redis under "simulator:", so the web process and the RQ worker see
the same calls and queues. Numbers are kept there for a day, as Twilio keeps them,
and are never logged: logs name the CallSid.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import re
import secrets
import time
import wave
from datetime import UTC, datetime
from email.utils import format_datetime

from flask import Blueprint, Response, current_app, jsonify, request
from redis import Redis

from hotline.models import QueueName

log = logging.getLogger(__name__)

bp = Blueprint("simulator", __name__, url_prefix="/simulator")

API_VERSION = "2010-04-01"
ACCOUNT = f"/{API_VERSION}/Accounts/<account_sid>"
PREFIX = "simulator:"
QUEUES_KEY = PREFIX + "queues"
TTL_SECONDS = 24 * 3600
MAX_QUEUE_SIZE = 100  # Twilio's default for a new queue
FINAL = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
NOT_ANSWERED = frozenset({"queued", "ringing"})
CALL_SID = re.compile(r"^CA[0-9a-f]{32}$")
RECORDING_SID = re.compile(r"^RE[0-9a-f]{32}$")


def new_sid(prefix: str) -> str:
    """A Twilio-shaped SID: two letters and 32 hex digits."""
    return prefix + secrets.token_hex(16)


# --- errors and auth ----------------------------------------------------------


def twilio_error(status: int, code: int, message: str) -> Response:
    response = jsonify(
        code=code, message=message, more_info=f"https://www.twilio.com/docs/errors/{code}", status=status
    )
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
    return response


def _not_found() -> Response:
    return twilio_error(404, 20404, f"The requested resource {request.path} was not found")


@bp.before_request
def _authenticate():
    """HTTP Basic with the account SID and auth token, as Twilio asks; the account
    in the path must be that account. Recording media is public, as on Twilio."""
    if request.endpoint == "simulator.recording_media":
        return None
    config = current_app.config
    auth = request.authorization
    if (
        auth is None
        or auth.type != "basic"
        or not hmac.compare_digest((auth.username or "").encode(), config["TWILIO_ACCOUNT_SID"].encode())
        or not hmac.compare_digest((auth.password or "").encode(), config["TWILIO_AUTH_TOKEN"].encode())
    ):
        return twilio_error(401, 20003, "Authenticate")
    if (request.view_args or {}).get("account_sid", config["TWILIO_ACCOUNT_SID"]) != auth.username:
        return _not_found()
    return None


@bp.route("/<path:_anything>", methods=["GET", "POST", "DELETE"])
def _anything_else(_anything: str):
    return _not_found()


# --- state in Redis -------------------------------------------------------------


def _redis() -> Redis:
    return current_app.extensions["redis"]


def _call_key(call_sid: str) -> str:
    return f"{PREFIX}call:{call_sid}"


def _queue_key(name: str) -> str:
    return f"{PREFIX}queue:{name}"


def _decode(raw: dict) -> dict[str, str]:
    return {key.decode(): value.decode() for key, value in raw.items()}


def _load(key: str) -> dict[str, str] | None:
    return _decode(_redis().hgetall(key)) or None


def _save(key: str, fields: dict[str, object], delete: tuple[str, ...] = ()) -> None:
    pipe = _redis().pipeline()
    pipe.hset(key, mapping={name: str(value) for name, value in fields.items() if value is not None})
    if delete:
        pipe.hdel(key, *delete)
    pipe.expire(key, TTL_SECONDS)
    pipe.execute()


def _date(epoch: str | None) -> str | None:
    """Twilio writes dates in RFC 2822, in UTC."""
    return format_datetime(datetime.fromtimestamp(float(epoch), UTC)) if epoch else None


def _queue_names() -> list[str]:
    seen = {name.decode() for name in _redis().smembers(QUEUES_KEY)}
    return [q.value for q in QueueName] + sorted(seen - {q.value for q in QueueName})


def _queue_sid(name: str) -> str:
    account = current_app.config["TWILIO_ACCOUNT_SID"]
    return "QU" + hashlib.sha256(f"{account}:{name}".encode()).hexdigest()[:32]


def _queue_by_sid(queue_sid: str) -> str | None:
    return next((name for name in _queue_names() if _queue_sid(name) == queue_sid), None)


def _members(name: str) -> list[tuple[str, float]]:
    return [(sid.decode(), score) for sid, score in _redis().zrange(_queue_key(name), 0, -1, withscores=True)]


def _figures(name: str, call_sid: str, members: list[tuple[str, float]], now: float) -> dict | None:
    """What Twilio tells the waitUrl: place, size, times. None when not a member."""
    sids = [sid for sid, _ in members]
    if call_sid not in sids:
        return None
    waits = [int(now - score) for _, score in members]
    position = sids.index(call_sid)
    return {
        "name": name,
        "sid": _queue_sid(name),
        "position": position + 1,
        "size": len(sids),
        "wait_time": waits[position],
        "average_wait_time": sum(waits) // len(waits),
        "max_size": MAX_QUEUE_SIZE,
    }


def _leave_queue(call: dict[str, str], now: float) -> None:
    """Take the call out of its queue, keeping how long it waited."""
    name = call.get("queue")
    if not name:
        return
    pipe = _redis().pipeline()
    pipe.zscore(_queue_key(name), call["sid"])
    pipe.zrem(_queue_key(name), call["sid"])
    entered, _removed = pipe.execute()
    waited = int(now - entered) if entered is not None else 0
    _save(_call_key(call["sid"]), {"queue_time": waited, "updated": now}, delete=("queue",))


def _finish(call: dict[str, str], status: str, now: float, duration: int | None = None) -> None:
    if call["status"] in FINAL:
        return
    _leave_queue(call, now)
    if duration is None:
        duration = int(now - float(call["start"])) if call.get("start") else 0
    _save(_call_key(call["sid"]), {"status": status, "end": now, "duration": duration, "updated": now})
    log.info("simulator: call %s %s", call["sid"], status)


def _instruct(call: dict[str, str], instruction: dict, now: float) -> None:
    """Leave an instruction for the phone playing the call (it picks it up at its next
    step). Written before the call leaves its queue: see `_wait`."""
    _save(_call_key(call["sid"]), {"instruction": json.dumps(instruction), "updated": now})
    _leave_queue(call, now)


def _pop_instruction(call_sid: str) -> dict | None:
    pipe = _redis().pipeline(transaction=True)
    pipe.hget(_call_key(call_sid), "instruction")
    pipe.hdel(_call_key(call_sid), "instruction")
    raw, _ = pipe.execute()
    return json.loads(raw) if raw else None


# --- JSON shapes ------------------------------------------------------------------


def _account_uri() -> str:
    return f"/{API_VERSION}/Accounts/{current_app.config['TWILIO_ACCOUNT_SID']}"


def call_json(call: dict[str, str]) -> dict:
    uri = f"{_account_uri()}/Calls/{call['sid']}"
    return {
        "sid": call["sid"],
        "account_sid": current_app.config["TWILIO_ACCOUNT_SID"],
        "api_version": API_VERSION,
        "date_created": _date(call.get("created")),
        "date_updated": _date(call.get("updated")),
        "parent_call_sid": None,
        "to": call.get("to"),
        "to_formatted": call.get("to"),
        "from": call.get("from"),
        "from_formatted": call.get("from"),
        "phone_number_sid": None,
        "status": call["status"],
        "direction": call["direction"],
        "start_time": _date(call.get("start")),
        "end_time": _date(call.get("end")),
        "duration": call.get("duration"),
        "queue_time": call.get("queue_time", "0"),
        "price": None,
        "price_unit": "USD",
        "answered_by": None,
        "forwarded_from": None,
        "group_sid": None,
        "caller_name": None,
        "trunk_sid": None,
        "annotation": None,
        "uri": uri + ".json",
        "subresource_uris": {
            "notifications": uri + "/Notifications.json",
            "recordings": uri + "/Recordings.json",
            "events": uri + "/Events.json",
        },
    }


def _queue_json(name: str, now: float) -> dict:
    members = _members(name)
    waits = [int(now - score) for _, score in members]
    uri = f"{_account_uri()}/Queues/{_queue_sid(name)}"
    return {
        "sid": _queue_sid(name),
        "account_sid": current_app.config["TWILIO_ACCOUNT_SID"],
        "friendly_name": name,
        "current_size": len(members),
        "max_size": MAX_QUEUE_SIZE,
        "average_wait_time": sum(waits) // len(waits) if waits else 0,
        "date_created": None,
        "date_updated": _date(str(now)),
        "uri": uri + ".json",
        "subresource_uris": {"members": uri + "/Members.json"},
    }


def _member_json(queue_name: str, call_sid: str, members: list[tuple[str, float]], now: float) -> dict:
    figures = _figures(queue_name, call_sid, members, now)
    entered = dict(members)[call_sid]
    return {
        "call_sid": call_sid,
        "queue_sid": figures["sid"],
        "date_enqueued": _date(str(entered)),
        "position": figures["position"],
        "wait_time": figures["wait_time"],
        "uri": f"{_account_uri()}/Queues/{figures['sid']}/Members/{call_sid}.json",
    }


def _page(key: str, records: list[dict]) -> Response:
    size = int(request.args.get("PageSize", "50") or 50)
    return jsonify(
        {
            key: records[:size],
            "page": 0,
            "page_size": size,
            "start": 0,
            "end": max(0, min(size, len(records)) - 1),
            "uri": request.full_path.removeprefix(bp.url_prefix or ""),
            "first_page_uri": request.full_path.removeprefix(bp.url_prefix or ""),
            "next_page_uri": None,
            "previous_page_uri": None,
        }
    )


# --- calls --------------------------------------------------------------------------


def _absolute_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


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
        if form.get(field) and not _absolute_url(form[field]):
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
    _save(_call_key(call["sid"]), call)
    log.info("simulator: call %s placed (queued)", call["sid"])
    return jsonify(call_json(_load(_call_key(call["sid"])))), 201


@bp.get(ACCOUNT + "/Calls/<call_sid>.json")
def fetch_call(account_sid: str, call_sid: str):
    call = _load(_call_key(call_sid))
    if call is None:
        return _not_found()
    return jsonify(call_json(call))


@bp.post(ACCOUNT + "/Calls/<call_sid>.json")
def update_call(account_sid: str, call_sid: str):
    """Status=completed hangs up (cancels a call not yet answered); Url or Twiml
    takes the call to new instructions, out of any queue it waits in."""
    call = _load(_call_key(call_sid))
    if call is None:
        return _not_found()
    form = request.form
    now = time.time()
    status = form.get("Status")
    if status and status not in {"completed", "canceled"}:
        return twilio_error(400, 21218, "Invalid Status: use completed or canceled")
    if status and call["status"] not in FINAL:
        if call["status"] in NOT_ANSWERED:
            _finish(call, "canceled", now, duration=0)
        elif status == "completed":
            _instruct(call, {"kind": "hangup"}, now)
            _finish(_load(_call_key(call_sid)), "completed", now)
        call = _load(_call_key(call_sid))
    if form.get("Url") or form.get("Twiml"):
        redirected = _redirect(call, form.get("Url"), form.get("Method", "POST"), form.get("Twiml"), now)
        if redirected is not None:
            return redirected
        call = _load(_call_key(call_sid))
    return jsonify(call_json(call))


def _redirect(call: dict[str, str], url: str | None, method: str, twiml: str | None, now: float):
    if call["status"] in FINAL:
        return twilio_error(400, 21220, "Call is not in-progress. Cannot redirect.")
    if url and not _absolute_url(url):
        return twilio_error(400, 21205, "Url is not a valid URL")
    instruction = {"kind": "redirect", "url": url, "method": method.upper()} if url else {"kind": "twiml"}
    if twiml and not url:
        instruction["twiml"] = twiml
    if call["status"] in NOT_ANSWERED:
        # Not answered yet: these are the instructions it will fetch when it is.
        fields = {"url": url, "method": method.upper()} if url else {"twiml": twiml}
        _save(_call_key(call["sid"]), {**fields, "updated": now})
    else:
        _instruct(call, instruction, now)
    log.info("simulator: call %s redirected", call["sid"])
    return None


# --- queues -------------------------------------------------------------------------


@bp.get(ACCOUNT + "/Queues.json")
def list_queues(account_sid: str):
    now = time.time()
    return _page("queues", [_queue_json(name, now) for name in _queue_names()])


@bp.get(ACCOUNT + "/Queues/<queue_sid>.json")
def fetch_queue(account_sid: str, queue_sid: str):
    name = _queue_by_sid(queue_sid)
    if name is None:
        return _not_found()
    return jsonify(_queue_json(name, time.time()))


@bp.get(ACCOUNT + "/Queues/<queue_sid>/Members.json")
def list_members(account_sid: str, queue_sid: str):
    name = _queue_by_sid(queue_sid)
    if name is None:
        return _not_found()
    now = time.time()
    members = _members(name)
    return _page("queue_members", [_member_json(name, sid, members, now) for sid, _ in members])


# --- messages and recordings ----------------------------------------------------------


@bp.post(ACCOUNT + "/Messages.json")
def create_message(account_sid: str):
    form = request.form
    if not form.get("To"):
        return twilio_error(400, 21604, "A 'To' phone number is required.")
    if not (form.get("From") or form.get("MessagingServiceSid")):
        return twilio_error(400, 21603, "A 'From' phone number is required.")
    if not (form.get("Body") or form.get("MediaUrl")):
        return twilio_error(400, 21602, "Message body is required.")
    now = str(time.time())
    message = {
        "sid": new_sid("SM"),
        "to": form["To"],
        "from": form.get("From", ""),
        "body": form.get("Body", ""),
        "created": now,
    }
    _save(f"{PREFIX}message:{message['sid']}", message)
    log.info("simulator: message %s queued", message["sid"])
    return jsonify(_message_json(message)), 201


@bp.get(ACCOUNT + "/Messages/<message_sid>.json")
def fetch_message(account_sid: str, message_sid: str):
    message = _load(f"{PREFIX}message:{message_sid}")
    if message is None:
        return _not_found()
    return jsonify(_message_json(message))


def _message_json(message: dict[str, str]) -> dict:
    return {
        "sid": message["sid"],
        "account_sid": current_app.config["TWILIO_ACCOUNT_SID"],
        "api_version": API_VERSION,
        "to": message["to"],
        "from": message["from"] or None,
        "body": message["body"],
        "status": "queued",
        "direction": "outbound-api",
        "num_segments": "1",
        "num_media": "0",
        "date_created": _date(message["created"]),
        "date_updated": _date(message["created"]),
        "date_sent": None,
        "error_code": None,
        "error_message": None,
        "price": None,
        "price_unit": "USD",
        "messaging_service_sid": None,
        "uri": f"{_account_uri()}/Messages/{message['sid']}.json",
        "subresource_uris": {"media": f"{_account_uri()}/Messages/{message['sid']}/Media.json"},
    }


@bp.get(ACCOUNT + "/Recordings/<recording_sid>")
def recording_media(account_sid: str, recording_sid: str):
    """A recording's audio (RecordingUrl, with or without .wav): silence of its length."""
    recording = _load(f"{PREFIX}recording:{recording_sid.removesuffix('.wav')}")
    if recording is None:
        return _not_found()
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(1)
        audio.setframerate(8000)
        audio.writeframes(b"\x80" * 8000 * min(int(recording["duration"]), 600))
    return Response(buffer.getvalue(), content_type="audio/x-wav")


# --- the phone's signalling channel ----------------------------------------------------


@bp.post("/network/calls/<call_sid>")
def network(call_sid: str):
    """One step of a call, reported by the simulated phone (JSON {"event": …}).

    Answers {"call": …, "request": …, "queue": figures or null, "instruction": … or null}.
    """
    if not CALL_SID.match(call_sid):
        return twilio_error(400, 21220, "CallSid is malformed")
    body = request.get_json(silent=True) or {}
    handler = EVENTS.get(body.get("event", ""))
    if handler is None:
        return twilio_error(400, 21220, "unknown event")
    now = time.time()
    call = _load(_call_key(call_sid))
    if call is None and handler is not _ring:
        return _not_found()
    reply = handler(call_sid, call, body, now)
    if isinstance(reply, Response):
        return reply
    call = _load(_call_key(call_sid))
    request_fields = ("url", "method", "twiml", "status_callback", "status_callback_method")
    return jsonify(
        call=call_json(call),
        request={field: call.get(field) for field in request_fields},
        queue=reply.get("queue"),
        instruction=reply.get("instruction"),
        full=reply.get("full", False),
    )


def _ring(call_sid: str, call: dict | None, body: dict, now: float):
    if call is not None:
        return twilio_error(409, 21220, "a call with that CallSid exists")
    fields = {"sid": call_sid, "direction": "inbound", "status": "ringing", "created": now, "updated": now}
    _save(_call_key(call_sid), {**fields, "from": body.get("from", ""), "to": body.get("to", "")})
    log.info("simulator: call %s ringing", call_sid)
    return {}


def _answer(call_sid: str, call: dict, body: dict, now: float):
    if call["status"] not in NOT_ANSWERED:
        return twilio_error(409, 21220, f"the call is {call['status']}, not ringing")
    _save(_call_key(call_sid), {"status": "in-progress", "start": now, "updated": now})
    return {}


def _decline(call_sid: str, call: dict, body: dict, now: float):
    status = body.get("status", "no-answer")
    if call["status"] not in NOT_ANSWERED or status not in {"busy", "failed", "no-answer"}:
        return twilio_error(409, 21220, "only a call not yet answered can be declined")
    _finish(call, status, now, duration=0)
    return {}


def _enqueue(call_sid: str, call: dict, body: dict, now: float):
    name = str(body.get("queue", "")).strip()
    if not name or call["status"] in FINAL:
        return twilio_error(400, 21220, "a queue name and a live call are required")
    _leave_queue(call, now)
    key = _queue_key(name)
    if _redis().zcard(key) >= MAX_QUEUE_SIZE:
        return {"full": True}
    pipe = _redis().pipeline()
    pipe.zadd(key, {call_sid: now})
    pipe.expire(key, TTL_SECONDS)
    pipe.sadd(QUEUES_KEY, name)
    pipe.execute()
    _save(_call_key(call_sid), {"queue": name, "updated": now})
    log.info("simulator: call %s enqueued in %s", call_sid, name)
    return {"queue": _figures(name, call_sid, _members(name), now)}


def _wait(call_sid: str, call: dict, body: dict, now: float):
    """Where the caller stands now, and anything the REST API asked of the call.

    The place is read before the instruction, and `_instruct` writes in the other
    order, so a call that is no longer in its queue always finds why.
    """
    name = call.get("queue")
    queue = _figures(name, call_sid, _members(name), now) if name else None
    return {"queue": queue, "instruction": _pop_instruction(call_sid)}


def _poll(call_sid: str, call: dict, body: dict, now: float):
    return {"instruction": _pop_instruction(call_sid)}


def _dequeue(call_sid: str, call: dict, body: dict, now: float):
    _leave_queue(call, now)
    return {}


def _record(call_sid: str, call: dict, body: dict, now: float):
    recording_sid = str(body.get("recording_sid", ""))
    if not RECORDING_SID.match(recording_sid):
        return twilio_error(400, 21220, "RecordingSid is malformed")
    duration = max(0, int(body.get("seconds", 0)))
    _save(f"{PREFIX}recording:{recording_sid}", {"call_sid": call_sid, "duration": duration, "created": now})
    return {}


def _end(call_sid: str, call: dict, body: dict, now: float):
    status = body.get("status", "completed")
    if status not in FINAL:
        return twilio_error(400, 21220, "an end status is required")
    duration = body.get("duration")
    _finish(call, status, now, duration=int(duration) if duration is not None else None)
    return {}


EVENTS = {
    "ring": _ring,
    "answer": _answer,
    "decline": _decline,
    "enqueue": _enqueue,
    "wait": _wait,
    "poll": _poll,
    "dequeue": _dequeue,
    "record": _record,
    "end": _end,
}
