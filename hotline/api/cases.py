"""A case: its view, its timeline page by page, a note, a status move, the number revealed.

GET /api/v1/cases/<reference> answers the whole case (the number masked),
GET …/timeline?after= the next page of its timeline; POST …/notes adds a note
(or a correction), POST …/status moves it along the workflow, POST …/reveal
answers the whole number to the case's assigned operator and supervisors.
Who may see a case is `cases.access`; every look and every refusal is audited
there. The path is judged (404, 403) before the body (400). Every answer is
`Cache-Control: no-store` (hotline.web.security).
"""

from __future__ import annotations

from flask import abort, g, request
from marshmallow import Schema, fields, validate

from hotline.api import bp
from hotline.api.access import session_or_token
from hotline.api.bodies import load, nothing
from hotline.api.offers import LARGEST_ID
from hotline.api.openapi import documented
from hotline.api.schemas import (
    CaseSchema,
    CaseStatusSchema,
    ErrorSchema,
    NoBodySchema,
    NoteAddedSchema,
    RevealedNumberSchema,
    TimelineSchema,
)
from hotline.callbacks import follow_ups
from hotline.callbacks import service as callbacks_service
from hotline.cases import access, notes, reading, workflow
from hotline.core.parsing import whole_number
from hotline.models import utcnow
from hotline.models.states import CaseStatus
from hotline.operators import taxonomy

REFUSALS = {403: ErrorSchema, 404: ErrorSchema}
# PostgreSQL text cannot hold NUL, and no keyboard types it.
NO_NUL = validate.Regexp(r"^[^\x00]*$")
CODE = [validate.Length(min=1, max=32), NO_NUL]
# Some text that is not only spaces, and no NUL (the document says so too: a pattern).
SOME_TEXT = validate.Regexp(r"^[^\x00]*[^\s\x00][^\x00]*$")
TIMELINE_QUERY = {
    "after": {
        "description": "the `next` of the page before",
        "schema": {"type": "integer", "minimum": 0, "maximum": LARGEST_ID},
    }
}


class NoteBodySchema(Schema):
    """A note for the case (text, never HTML), or a correction of one of its notes."""

    body = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=notes.NOTE_MAX_CHARS), SOME_TEXT],
        metadata={"description": "1 to 10,000 characters, not only spaces"},
    )
    corrects = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=validate.Range(min=1, max=LARGEST_ID),
        metadata={"description": "the id of the case's note this one corrects"},
    )


class StatusBodySchema(Schema):
    """A move along the workflow; `resolved` takes the wrap-up's codes unless the case has them."""

    status = fields.String(required=True, validate=validate.OneOf([status.value for status in CaseStatus]))
    outcome = fields.String(load_default=None, allow_none=True, validate=CODE)
    category = fields.String(load_default=None, allow_none=True, validate=CODE)


def _actor() -> str:
    """Who asks, for the audit log: the username, or the integration's token."""
    if g.api_user is not None:
        return g.api_user.username
    return f"token:{g.api_token.id}"


def _vault():
    return callbacks_service.settings()[1]


@bp.get("/cases/<reference>")
@documented("One case, if it is of a queue you serve or assigned to you", {200: CaseSchema, **REFUSALS})
@session_or_token
def case_detail(reference: str):
    case = access.look(reference, g.api_user, _actor(), utcnow())
    return CaseSchema().dump(reading.shown(case, _vault()))


@bp.get("/cases/<reference>/timeline")
@documented(
    "A case's timeline, newest first, 100 entries a page",
    {200: TimelineSchema, **REFUSALS},
    query=TIMELINE_QUERY,
)
@session_or_token
def case_timeline(reference: str):
    after = None
    if text := request.args.get("after"):
        after = whole_number(text, max_digits=10)
        if after is None or after > LARGEST_ID:
            abort(400, description="invalid query parameter: after")
    case = access.look(reference, g.api_user, _actor(), utcnow(), step="timeline")
    return TimelineSchema().dump(reading.timeline_page(case.id, after))


@bp.post("/cases/<reference>/notes")
@documented(
    "Add a note to a case, or a correction of one of its notes",
    {201: NoteAddedSchema, **REFUSALS, 409: ErrorSchema},
    body=NoteBodySchema,
)
@session_or_token(write=True)
def case_note(reference: str):
    now = utcnow()
    case = access.look(reference, g.api_user, _actor(), now, step="note", action=None)
    body = load(NoteBodySchema)
    note_id = notes.write(case.id, g.api_user, body["body"], now, corrects=body["corrects"])
    return NoteAddedSchema().dump({"id": note_id, "corrects": body["corrects"]}), 201


@bp.post("/cases/<reference>/status")
@documented(
    "Move a case along its workflow: open, in_progress, waiting, resolved, closed, reopened",
    {200: CaseStatusSchema, **REFUSALS, 409: ErrorSchema},
    body=StatusBodySchema,
)
@session_or_token(write=True)
def case_status(reference: str):
    now = utcnow()
    access.look(reference, g.api_user, _actor(), now, step="status", action=None)
    body = load(StatusBodySchema)
    moved = workflow.move(
        reference,
        CaseStatus(body["status"]),
        g.api_user,
        now,
        taxonomy.active_codes,
        outcome=body["outcome"],
        category=body["category"],
        resolved_then=follow_ups.case_resolved,
    )
    return CaseStatusSchema().dump(moved)


@bp.post("/cases/<reference>/reveal")
@documented(
    "The caller's whole number, for the case's assigned operator and supervisors (audited)",
    {200: RevealedNumberSchema, **REFUSALS, 409: ErrorSchema},
    body=NoBodySchema,
)
@session_or_token(write=True)
def case_reveal(reference: str):
    nothing()
    number = access.reveal(reference, g.api_user, _actor(), utcnow(), _vault())
    return RevealedNumberSchema().dump({"number": number})
