"""The Queues resource: the queues calls wait in, and their members, as Twilio lists them.

The hotline's queues are always listed, empty or not; a queue's SID is derived
from the account and its name, so it stays the same from one request to the next.
"""

from __future__ import annotations

import time

from flask import current_app, jsonify

from telephony.simulator import state
from telephony.simulator.rest import ACCOUNT, account_uri, bp, date, not_found, page


def _queue_json(name: str, now: float) -> dict:
    members = state.members(name)
    sid = state.queue_sid(name)
    uri = f"{account_uri()}/Queues/{sid}"
    return {
        "sid": sid,
        "account_sid": current_app.config["TWILIO_ACCOUNT_SID"],
        "friendly_name": name,
        "current_size": len(members),
        "max_size": state.MAX_QUEUE_SIZE,
        "average_wait_time": state.average_wait(members, now),
        "date_created": None,
        "date_updated": date(str(now)),
        "uri": uri + ".json",
        "subresource_uris": {"members": uri + "/Members.json"},
    }


def _member_json(queue_name: str, call_sid: str, members: list[tuple[str, float]], now: float) -> dict:
    figures = state.figures(queue_name, call_sid, members, now)
    joined = dict(members)[call_sid]
    return {
        "call_sid": call_sid,
        "queue_sid": figures["sid"],
        "date_enqueued": date(str(joined)),
        "position": figures["position"],
        "wait_time": figures["wait_time"],
        "uri": f"{account_uri()}/Queues/{figures['sid']}/Members/{call_sid}.json",
    }


@bp.get(ACCOUNT + "/Queues.json")
def list_queues(account_sid: str):
    now = time.time()
    return page("queues", [_queue_json(name, now) for name in state.queue_names()])


@bp.get(ACCOUNT + "/Queues/<queue_sid>.json")
def fetch_queue(account_sid: str, queue_sid: str):
    name = state.queue_by_sid(queue_sid)
    if name is None:
        return not_found()
    return jsonify(_queue_json(name, time.time()))


@bp.get(ACCOUNT + "/Queues/<queue_sid>/Members.json")
def list_members(account_sid: str, queue_sid: str):
    name = state.queue_by_sid(queue_sid)
    if name is None:
        return not_found()
    now = time.time()
    members = state.members(name)
    return page("queue_members", [_member_json(name, sid, members, now) for sid, _ in members])
