"""The Messages resource (an SMS is kept, never sent: create, fetch, list), a recording's audio, its deletion.

A recording is made by the simulated phone (see `network`); its RecordingUrl
answers here with silence of its length, with no auth, as Twilio's media does.
"""

from __future__ import annotations

import io
import logging
import time
import wave

from flask import Response, current_app, jsonify, request

from telephony.simulator import state
from telephony.simulator.ids import new_sid
from telephony.simulator.rest import (
    ACCOUNT,
    bp,
    date,
    fetch_json,
    not_found,
    page,
    resource_json,
    twilio_error,
)
from telephony.simulator.rest.calls import matches

log = logging.getLogger(__name__)


@bp.post(ACCOUNT + "/Messages.json")
def create_message(account_sid: str):
    form = request.form
    if not form.get("To"):
        return twilio_error(400, 21604, "A 'To' phone number is required.")
    if not (form.get("From") or form.get("MessagingServiceSid")):
        return twilio_error(400, 21603, "A 'From' phone number is required.")
    if not (form.get("Body") or form.get("MediaUrl")):
        return twilio_error(400, 21602, "Message body is required.")
    message = {
        "sid": new_sid("SM"),
        "to": form["To"],
        "from": form.get("From", ""),
        "body": form.get("Body", ""),
        "created": str(time.time()),
    }
    state.create("message", message["sid"], message)
    log.info("simulator: message %s queued", message["sid"])
    return jsonify(_message_json(message)), 201


@bp.get(ACCOUNT + "/Messages.json")
def list_messages(account_sid: str):
    """Messages newest first, filtered by To and From as Twilio filters them."""
    wanted = {
        field: request.args[name]
        for name, field in (("To", "to"), ("From", "from"))
        if request.args.get(name)
    }
    region = current_app.config["PHONE_DEFAULT_REGION"]
    messages = [message for message in state.newest("message") if matches(message, wanted, region)]
    return page("messages", [_message_json(message) for message in messages])


@bp.get(ACCOUNT + "/Messages/<message_sid>.json")
def fetch_message(account_sid: str, message_sid: str):
    return fetch_json("message", message_sid, _message_json)


def _message_json(message: dict[str, str]) -> dict:
    return {
        **resource_json("Messages", message["sid"], ("Media",)),
        "to": message["to"],
        "from": message["from"] or None,
        "body": message["body"],
        "status": "queued",
        "direction": "outbound-api",
        "num_segments": "1",
        "num_media": "0",
        "date_created": date(message["created"]),
        "date_updated": date(message["created"]),
        "date_sent": None,
        "error_code": None,
        "error_message": None,
        "messaging_service_sid": None,
    }


@bp.get(ACCOUNT + "/Recordings/<recording_sid>")
def recording_media(account_sid: str, recording_sid: str):
    """A recording's audio (RecordingUrl, with or without .wav): silence of its length."""
    recording = state.load("recording", recording_sid.removesuffix(".wav"))
    if recording is None:
        return not_found()
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(1)
        audio.setframerate(8000)
        audio.writeframes(b"\x80" * 8000 * min(int(recording["duration"]), 600))
    return Response(buffer.getvalue(), content_type="audio/x-wav")


@bp.delete(ACCOUNT + "/Recordings/<recording_sid>.json")
def delete_recording(account_sid: str, recording_sid: str):
    """Twilio's DELETE of a recording: 204 with no body, 404 when there is none."""
    if state.load("recording", recording_sid) is None:
        return not_found()
    state.forget("recording", recording_sid)
    log.info("simulator: recording %s deleted", recording_sid)
    return Response(status=204)
