"""The JSON API's response shapes. Each view dumps its answer through one of
these, and the OpenAPI document (hotline/api/openapi.py) is made from the same
classes, so the document cannot drift from what is sent."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from hotline.api.partner_schemas import ReferralSchema
from hotline.api.risk_schemas import BlockSchema, EmergencyActionSchema, RiskAlertSchema
from hotline.models import Call, QueueName, Role
from hotline.models.states import (
    CallbackSource,
    CallbackStatus,
    CallStage,
    CaseStatus,
    Device,
    Presence,
    RiskLevel,
)

QUEUE_NAMES = validate.OneOf([queue.value for queue in QueueName])


class ErrorSchema(Schema):
    """Every error the API answers: 4xx and 5xx alike."""

    error = fields.String(required=True, metadata={"description": "the HTTP status's name"})
    message = fields.String(required=True, metadata={"description": "what went wrong, for a person"})


def _case_reference(call: Call) -> str | None:
    return call.case.reference if call.case else None


class CallSchema(Schema):
    """One call, as the API shows it: never the caller's number."""

    call_sid = fields.String(required=True)
    direction = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "Twilio's CallStatus"})
    stage = fields.String(required=True, validate=validate.OneOf([stage.value for stage in CallStage]))
    queue = fields.String(required=True, allow_none=True, validate=QUEUE_NAMES)
    priority = fields.Integer(required=True)
    crisis = fields.Boolean(required=True)
    language = fields.String(required=True, allow_none=True)
    case_reference = fields.Function(
        _case_reference, required=True, metadata={"type": "string", "nullable": True}
    )
    queue_result = fields.String(required=True, allow_none=True)
    wait_seconds = fields.Integer(required=True, allow_none=True)
    talk_seconds = fields.Integer(required=True, allow_none=True)
    duration_seconds = fields.Integer(required=True, allow_none=True)
    abandoned = fields.Boolean(required=True)
    started_at = fields.DateTime(required=True)
    enqueued_at = fields.DateTime(required=True, allow_none=True)
    dequeued_at = fields.DateTime(required=True, allow_none=True)
    ended_at = fields.DateTime(required=True, allow_none=True)
    operator = fields.Function(
        lambda call: call.operator.username if call.operator else None,
        required=True,
        metadata={"type": "string", "nullable": True, "description": "who answered it last"},
    )


class QueueFiguresSchema(Schema):
    name = fields.String(required=True, validate=QUEUE_NAMES)
    waiting = fields.Integer(required=True, validate=validate.Range(min=0))
    longest_wait_seconds = fields.Integer(required=True, validate=validate.Range(min=0))


class QueuesSchema(Schema):
    queues = fields.List(fields.Nested(QueueFiguresSchema), required=True)


class HealthSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(["ok", "unavailable"]))
    database = fields.String(required=True, validate=validate.OneOf(["ok", "busy", "unreachable"]))
    redis = fields.String(required=True, validate=validate.OneOf(["ok", "unreachable"]))


class WaitingCallerSchema(Schema):
    """A caller, or a queued callback, in a waiting list: the fields of the live
    events, never a number. A callback is placed where it will be offered."""

    kind = fields.String(required=True, validate=validate.OneOf(["call", "callback"]))
    call_sid = fields.String(
        required=True, allow_none=True, metadata={"description": "a caller's; null for a callback"}
    )
    callback_id = fields.Integer(
        required=True, allow_none=True, metadata={"description": "a callback's; null for a caller"}
    )
    requested_at = fields.DateTime(metadata={"description": "when a callback was asked for"})
    queue = fields.String(required=True, validate=QUEUE_NAMES)
    position = fields.Integer(required=True, validate=validate.Range(min=1))
    waiting_since = fields.DateTime(required=True)
    priority = fields.Integer(required=True)
    crisis = fields.Boolean(required=True)
    language = fields.String(required=True, allow_none=True)
    case_reference = fields.String(required=True, allow_none=True)
    repeat_caller = fields.Boolean(required=True)
    returned = fields.Boolean(required=True)
    offered = fields.Boolean(
        required=True,
        metadata={
            "description": "offered to an operator now, a caller or a callback; "
            "`queue.caller_updated` says when it changes"
        },
    )


class WaitingSchema(Schema):
    """One queue's waiting list: the first 50 in answer order, callers and queued
    callbacks, and how many wait in all (both)."""

    queue = fields.String(required=True, validate=QUEUE_NAMES)
    total = fields.Integer(required=True, validate=validate.Range(min=0))
    callers = fields.List(fields.Nested(WaitingCallerSchema), required=True)


class MeSchema(Schema):
    """The user asking, as their console needs them."""

    username = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf([role.value for role in Role]))
    queues = fields.List(fields.String(validate=QUEUE_NAMES), required=True, attribute="queue_names")
    languages = fields.List(fields.String(), required=True, attribute="language_codes")
    presence = fields.String(
        required=True, validate=validate.OneOf([presence.value for presence in Presence])
    )
    device = fields.String(required=True, validate=validate.OneOf([device.value for device in Device]))


class NoBodySchema(Schema):
    """A body that carries nothing: empty, or `{}`."""


class OfferAnsweredSchema(Schema):
    offer_id = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["declined"]))


class TakenCallSchema(Schema):
    """The caller an operator took, being put through to them; or the callback
    they accepted, whose call (`call_sid`, then) is placed in a moment."""

    kind = fields.String(required=True, validate=validate.OneOf(["call", "callback"]))
    assignment_id = fields.Integer(required=True, allow_none=True)
    call_sid = fields.String(required=True, allow_none=True)
    callback_id = fields.Integer(metadata={"description": "a callback's id"})
    attempt = fields.Integer(metadata={"description": "which attempt at reaching the person"})
    case_reference = fields.String(required=True, allow_none=True)
    queue = fields.String(required=True, validate=QUEUE_NAMES)
    language = fields.String(required=True, allow_none=True)
    crisis = fields.Boolean(required=True)
    device = fields.String(required=True, validate=validate.OneOf([device.value for device in Device]))
    state = fields.String(required=True, validate=validate.OneOf(["connecting"]))


class TransferSchema(Schema):
    """POST /api/v1/calls/<CallSid>/transfer: the queue the caller re-enters, at its head."""

    queue = fields.String(required=True, validate=QUEUE_NAMES)


class VoiceTokenSchema(Schema):
    """An access token for the console's softphone (Twilio Voice SDK)."""

    token = fields.String(required=True, metadata={"description": "a JWT for the Voice SDK's Device"})
    identity = fields.String(required=True, metadata={"description": "the opaque client identity"})
    expires_in = fields.Integer(required=True, metadata={"description": "seconds"})


MOMENT = {"format": "date-time"}


def next_page() -> fields.Integer:
    """A page's `next`: the `after` of the page after it."""
    return fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "pass as `after` for the next page; null: the last"},
    )


ATTEMPT_OUTCOMES = ["answered", "no-answer", "busy", "failed", "machine"]


class CallbackAttemptSchema(Schema):
    """One attempt to reach the person: its number (1, 2, …), when, and how it ended."""

    number = fields.Integer(required=True, validate=validate.Range(min=1))
    started_at = fields.String(required=True, metadata=MOMENT)
    outcome = fields.String(
        required=True,
        allow_none=True,
        validate=validate.OneOf(ATTEMPT_OUTCOMES),
        metadata={"description": "null while the attempt is under way"},
    )


class CallbackSchema(Schema):
    """One callback (hotline.callbacks.listing.shown): never the number, only its last two digits."""

    id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["callback"]))
    status = fields.String(
        required=True, validate=validate.OneOf([status.value for status in CallbackStatus])
    )
    queue = fields.String(required=True, validate=QUEUE_NAMES)
    source = fields.String(
        required=True, validate=validate.OneOf([source.value for source in CallbackSource])
    )
    requested_at = fields.String(required=True, metadata=MOMENT)
    due_at = fields.String(required=True, allow_none=True, metadata=MOMENT)
    waiting_since = fields.String(
        required=True,
        allow_none=True,
        metadata={**MOMENT, "description": "its place in the queue, once queued"},
    )
    closed_at = fields.String(required=True, allow_none=True, metadata=MOMENT)
    case_reference = fields.String(required=True, allow_none=True)
    operator = fields.String(
        required=True, allow_none=True, metadata={"description": "the operator assigned"}
    )
    priority = fields.Integer(required=True)
    crisis = fields.Boolean(required=True)
    language = fields.String(required=True, allow_none=True)
    window = fields.String(
        required=True, allow_none=True, metadata={"description": "the requester's hours, HH:MM-HH:MM, local"}
    )
    masked_number = fields.String(required=True, metadata={"description": "the last two digits, or withheld"})
    attempts = fields.List(fields.Nested(CallbackAttemptSchema), required=True)


class CallbacksSchema(Schema):
    """A page of callbacks: every open one, and those closed on the days asked for."""

    items = fields.List(fields.Nested(CallbackSchema), required=True)
    next = next_page()


class RequestedCallbackSchema(CallbackSchema):
    """The callback a request made, or the open one it merged into."""

    merged = fields.Boolean(required=True, metadata={"description": "joined the person's open callback"})


CASE_STATUSES = validate.OneOf([status.value for status in CaseStatus])


class CaseCallSchema(Schema):
    """One call of a case: when, where, how long, who answered, its wrap-up's codes."""

    call_sid = fields.String(required=True)
    started_at = fields.DateTime(required=True)
    queue = fields.String(required=True, allow_none=True, validate=QUEUE_NAMES)
    wait_seconds = fields.Integer(required=True, allow_none=True)
    talk_seconds = fields.Integer(required=True, allow_none=True)
    operator = fields.String(required=True, allow_none=True, metadata={"description": "who answered it last"})
    outcome = fields.String(required=True, allow_none=True)
    category = fields.String(required=True, allow_none=True)


class CaseNoteSchema(Schema):
    """A note: never changed; `corrects` the note it puts right, `corrected_by` its correction."""

    id = fields.Integer(required=True)
    body = fields.String(required=True, metadata={"description": "text, never HTML"})
    author = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    corrects = fields.Integer(required=True, allow_none=True)
    corrected_by = fields.Integer(required=True, allow_none=True)


class TimelineEntrySchema(Schema):
    """One step of a case: its kind and data (ids, codes, states: never a number or a note)."""

    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    at = fields.DateTime(required=True)
    actor = fields.String(required=True, allow_none=True, metadata={"description": "a username, or null"})
    call_sid = fields.String(required=True, allow_none=True)
    data = fields.Dict(required=True, keys=fields.String())


class TimelineSchema(Schema):
    """A page of a case's timeline, newest first; `next` is the `after` of the next page."""

    items = fields.List(fields.Nested(TimelineEntrySchema), required=True)
    next = fields.Integer(required=True, allow_none=True)


class OtherCaseSchema(Schema):
    reference = fields.String(required=True)
    status = fields.String(required=True, validate=CASE_STATUSES)
    queue = fields.String(required=True, validate=QUEUE_NAMES)
    opened_at = fields.DateTime(required=True)
    outcome = fields.String(required=True, allow_none=True)
    category = fields.String(required=True, allow_none=True)


class CaseCallbackSchema(Schema):
    """A callback of the case still to make: scheduled, queued or dialling."""

    id = fields.Integer(required=True)
    status = fields.String(required=True)
    queue = fields.String(required=True, validate=QUEUE_NAMES)
    source = fields.String(required=True)
    due_at = fields.DateTime(required=True, allow_none=True)


class CaseSchema(Schema):
    """A case: never the whole number, only its last two digits."""

    reference = fields.String(required=True)
    status = fields.String(required=True, validate=CASE_STATUSES)
    queue = fields.String(required=True, validate=QUEUE_NAMES)
    priority = fields.Integer(required=True)
    risk_level = fields.String(required=True, validate=validate.OneOf([level.value for level in RiskLevel]))
    assigned_operator = fields.String(required=True, allow_none=True)
    opened_at = fields.DateTime(required=True)
    last_contact_at = fields.DateTime(required=True, allow_none=True)
    masked_number = fields.String(required=True, metadata={"description": "the last two digits, or withheld"})
    accompanied = fields.Boolean(
        required=True,
        metadata={"description": "in full accompaniment: the person's support route has an open step"},
    )
    outcome = fields.String(required=True, allow_none=True)
    category = fields.String(required=True, allow_none=True)
    calls = fields.List(fields.Nested(CaseCallSchema), required=True)
    notes = fields.List(fields.Nested(CaseNoteSchema), required=True)
    callbacks = fields.List(
        fields.Nested(CaseCallbackSchema), required=True, metadata={"description": "the open ones"}
    )
    referrals = fields.List(fields.Nested(ReferralSchema), required=True)
    timeline = fields.Nested(TimelineSchema, required=True)
    other_cases = fields.List(fields.Nested(OtherCaseSchema), required=True)
    risk_alert = fields.Nested(RiskAlertSchema, required=True, allow_none=True)
    emergency_actions = fields.List(fields.Nested(EmergencyActionSchema), required=True)
    block = fields.Nested(BlockSchema, required=True, allow_none=True)


class CaseStatusSchema(Schema):
    """The case's status after a move."""

    reference = fields.String(required=True)
    status = fields.String(required=True, validate=CASE_STATUSES)
    previous = fields.String(required=True, validate=CASE_STATUSES)
    outcome = fields.String(required=True, allow_none=True)
    category = fields.String(required=True, allow_none=True)


class NoteAddedSchema(Schema):
    """The note added (its text is not sent back)."""

    id = fields.Integer(required=True)
    corrects = fields.Integer(required=True, allow_none=True)


class RevealedNumberSchema(Schema):
    """The caller's whole number, E.164: shown for a moment, never stored by the browser."""

    number = fields.String(required=True)


class FoundCaseSchema(Schema):
    """A case in a search's answer: never the whole number, only its last two digits."""

    reference = fields.String(required=True)
    status = fields.String(required=True, validate=CASE_STATUSES)
    queue = fields.String(required=True, validate=QUEUE_NAMES)
    priority = fields.Integer(required=True)
    risk_level = fields.String(required=True, validate=validate.OneOf([level.value for level in RiskLevel]))
    opened_at = fields.DateTime(required=True)
    last_contact_at = fields.DateTime(required=True, allow_none=True)
    masked_number = fields.String(required=True, metadata={"description": "the last two digits, or withheld"})


class FoundCasesSchema(Schema):
    """A page of the cases found, newest first."""

    items = fields.List(fields.Nested(FoundCaseSchema), required=True)
    next = next_page()


class AuditEntrySchema(Schema):
    """One record of the audit log: who did what, to which record, when; never a number or a note."""

    at = fields.DateTime(required=True)
    actor = fields.String(
        required=True, metadata={"description": "a username, `system`, `telephony` or `token:<id>`"}
    )
    action = fields.String(required=True, metadata={"description": "case.viewed, case.view_refused, …"})
    case = fields.String(
        required=True, allow_none=True, metadata={"description": "the case's reference, if about one"}
    )
    object_type = fields.String(required=True, metadata={"description": "the kind of record acted on"})
    object_id = fields.String(required=True)


class AuditPageSchema(Schema):
    """A page of the audit log, newest first."""

    items = fields.List(fields.Nested(AuditEntrySchema), required=True)
    next = next_page()
