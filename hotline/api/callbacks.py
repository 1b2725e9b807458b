"""Callbacks: the list, one callback, cancel and reschedule, and a request from a case.

GET /api/v1/callbacks answers every open callback and those closed on the
local days `from`-`to` cover (default today), narrowed by `status` and
`queue`; GET /api/v1/callbacks/<id> one. POST …/<id>/cancel and …/<id>/reschedule
change one before anyone dials it; POST /api/v1/cases/<reference>/callbacks
asks for one from a case. People only: an operator the callbacks of the
queues they serve, supervisors and admins all; an integration's token none.
The path is judged (404, 403) before the body (400).
The number is never shown, only its last two digits.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import NoReturn

from flask import abort, g, request
from marshmallow import Schema, ValidationError, fields, validate

from hotline.api import bp
from hotline.api.access import may_handle, session_or_token
from hotline.api.bodies import load, nothing
from hotline.api.offers import LARGEST_ID
from hotline.api.openapi import documented
from hotline.api.schemas import (
    CallbackSchema,
    CallbacksSchema,
    ErrorSchema,
    NoBodySchema,
    RequestedCallbackSchema,
)
from hotline.callbacks import follow_ups, from_case, listing, policy, schedule, service
from hotline.core.parsing import aware_moment, calendar_date, whole_number
from hotline.core.phones import InvalidNumber, dialable
from hotline.models import QueueName, User, utcnow
from hotline.models.states import CallbackStatus
from hotline.operators.legs import SUPERVISING

STATUSES = frozenset(status.value for status in CallbackStatus)
QUEUES = frozenset(queue.value for queue in QueueName)
# The days a list may cover: no callback closed before the first or after the
# last, and a day outside has no UTC moment to start or end it.
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(9998, 12, 31)
# How far ahead a callback may be asked for.
FURTHEST = timedelta(days=365)
QUERY = {
    "status": {
        "description": "one or more of the statuses, separated by commas",
        "schema": {
            "type": "array",
            "items": {"type": "string", "enum": sorted(STATUSES)},
            "minItems": 1,
            "maxItems": len(STATUSES),
        },
        "style": "form",
        "explode": False,
    },
    "queue": {
        "description": "one queue (an operator's own)",
        "schema": {"type": "string", "enum": sorted(QUEUES)},
    },
    "from": {
        "description": "the first local day whose closed callbacks are listed; default today",
        "schema": {"type": "string", "format": "date"},
    },
    "to": {
        "description": "the last local day; default `from`",
        "schema": {"type": "string", "format": "date"},
    },
    "after": {
        "description": "the `next` of the page before",
        "schema": {"type": "integer", "minimum": 0, "maximum": LARGEST_ID},
    },
}
REFUSALS = {403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema}
# What a keyboard types into a number field: printable ASCII, no NUL.
PRINTABLE = validate.Regexp(r"^[ -~]*$")


class Moment(fields.DateTime):
    """A moment in ISO 8601 with its UTC offset, read in ASCII (hotline.core.parsing),
    no more than FURTHEST ahead; a moment past means as soon as may be."""

    def _deserialize(self, value, attr, data, **kwargs):
        moment = aware_moment(value) if isinstance(value, str) else None
        if moment is None or moment - utcnow() > FURTHEST:
            raise ValidationError("an ISO 8601 moment with its offset, within a year")
        return moment


class RescheduleBodySchema(Schema):
    """The new due time: moved into callback hours and the requester's window."""

    due_at = Moment(required=True, metadata={"description": "ISO 8601 with its offset"})


class CaseCallbackBodySchema(Schema):
    """Call the case's caller back at `due_at` (into callback hours and the window),
    on their number or on `number`, by anyone of the queue or first by `operator`."""

    due_at = Moment(required=True, metadata={"description": "ISO 8601 with its offset"})
    number = fields.String(
        load_default=None,
        allow_none=True,
        validate=[validate.Length(min=1, max=32), PRINTABLE],
        metadata={"description": "the number to call, if not the caller's; never shown back"},
    )
    operator = fields.String(
        load_default=None,
        allow_none=True,
        validate=[validate.Length(min=1, max=64), PRINTABLE],
        metadata={"description": "the username of an active operator of the case's queue"},
    )
    window = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=1, max=policy.WINDOW_MAX_CHARS),
        metadata={"description": "the requester's hours, HH:MM-HH:MM, local"},
    )


def _person() -> User:
    if g.api_user is None:
        abort(403, description="this token belongs to no user")
    return g.api_user


def _bad(name: str) -> NoReturn:
    abort(400, description=f"invalid query parameter: {name}")


def _day(name: str) -> date | None:
    text = request.args.get(name)
    if not text:
        return None
    day = calendar_date(text)
    if day is None:
        _bad(name)
    return min(max(day, FIRST_DAY), LAST_DAY)


def _filters(user: User) -> listing.Filters:
    """The list's query, read whole and in ASCII; an empty parameter is no filter."""
    statuses = None
    if text := request.args.get("status"):
        names = text.split(",")
        if len(names) > len(STATUSES) or not set(names) <= STATUSES:
            _bad("status")
        statuses = frozenset(names)
    queue = request.args.get("queue") or None
    if queue is not None and queue not in QUEUES:
        _bad("queue")
    # A `to` before `from` covers no day: only the open callbacks are listed.
    first, last = _day("from"), _day("to")
    first, last = first or last, last or first
    after = 0
    if text := request.args.get("after"):
        after = whole_number(text, max_digits=10)
        if after is None or after > LARGEST_ID:
            _bad("after")
    served = None if user.role in SUPERVISING else frozenset(user.queue_names)
    if queue is not None and served is not None and queue not in served:
        abort(403, description="you do not serve this queue")
    return listing.Filters(statuses, queue, served, first, last, after)


def _handled(callback_id: str) -> dict:
    """The callback's view, if the user asking works its queue: 404 unknown, 403 not theirs."""
    number = whole_number(callback_id, max_digits=10)
    if number is None or number > LARGEST_ID:
        raise listing.UnknownCallback(callback_id)
    callback, shown = listing.get(number)
    if not may_handle(_person(), callback.queue):
        abort(403, description="you do not serve this callback's queue")
    return shown


@bp.get("/callbacks")
@documented(
    "Today's callbacks (or those of the days asked for) in the queues you serve",
    {200: CallbacksSchema, 403: ErrorSchema},
    query=QUERY,
)
@session_or_token
def callback_list():
    filters = _filters(_person())
    callback_policy, _ = service.settings()
    today = utcnow().astimezone(callback_policy.timezone).date()
    return CallbacksSchema().dump(listing.page(filters, today, callback_policy.timezone))


@bp.get("/callbacks/<callback_id>")
@documented("One callback, if you serve its queue", {200: CallbackSchema, 403: ErrorSchema, 404: ErrorSchema})
@session_or_token
def callback_detail(callback_id: str):
    return CallbackSchema().dump(_handled(callback_id))


@bp.post("/callbacks/<callback_id>/cancel")
@documented("Cancel a callback before anyone dials it", {200: CallbackSchema, **REFUSALS}, body=NoBodySchema)
@session_or_token(write=True)
def cancel_callback(callback_id: str):
    shown = _handled(callback_id)
    nothing()
    user = g.api_user
    cancelled = schedule.cancel(
        shown["id"], user.username, user.id, utcnow(), closed_then=follow_ups.callback_closed
    )
    return CallbackSchema().dump(cancelled)


@bp.post("/callbacks/<callback_id>/reschedule")
@documented(
    "Move a callback's due time (into callback hours and the requester's window) before anyone dials it",
    {200: CallbackSchema, **REFUSALS},
    body=RescheduleBodySchema,
)
@session_or_token(write=True)
def reschedule_callback(callback_id: str):
    shown = _handled(callback_id)
    body = load(RescheduleBodySchema)
    user = g.api_user
    callback_policy, _ = service.settings()
    moved = schedule.reschedule(
        shown["id"], body["due_at"], user.username, user.id, utcnow(), callback_policy
    )
    return CallbackSchema().dump(moved)


@bp.post("/cases/<reference>/callbacks")
@documented(
    "Ask for a callback from a case: one open callback per person and queue",
    {201: RequestedCallbackSchema, **REFUSALS},
    body=CaseCallbackBodySchema,
)
@session_or_token(write=True)
def case_callback(reference: str):
    user = _person()
    case = from_case.case_to_call(reference)
    if not may_handle(user, case.queue):
        abort(403, description="you do not serve this case's queue")
    body = load(CaseCallbackBodySchema)
    callback_policy, vault = service.settings()
    number = None
    if body["number"] is not None:
        try:
            number = dialable(body["number"], vault.default_region)
        except InvalidNumber:
            abort(400, description="invalid or missing field(s): number")
    window = policy.parse_window(body["window"], callback_policy) if body["window"] is not None else None
    operator_id = from_case.assignee(body["operator"], case.queue) if body["operator"] is not None else None
    asked = from_case.request(case, body["due_at"], number, operator_id, window)
    requested = service.record(asked, utcnow(), callback_policy, vault, actor=user.username, actor_id=user.id)
    _, shown = listing.get(requested.callback_id)
    return RequestedCallbackSchema().dump({**shown, "merged": requested.merged}), 201
