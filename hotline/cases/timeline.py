"""A case's timeline: every step of a case is an event on it and a record in
the audit log, written together by `record` (or, on the phone line's busiest
step, as rows for one statement by `rows`). Both are INSERTs on the session's
connection, not objects for the unit of work: they run at once, in the
caller's transaction.

An event's data and the audit record's detail hold ids, codes and states only:
never a number, never a note.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert

from hotline import audit
from hotline.extensions import db
from hotline.models import Call, CaseEvent, utcnow

NEW_EVENT = insert(CaseEvent)


def record(case_id: int | None, kind: str, **step) -> None:
    """Add the event `kind` to the case and its audit record to the current
    transaction; `step` as for `rows`: `actor` is who did it (a username, or
    audit.SYSTEM/TELEPHONY), the rest the event's data. The audit record is
    `action` on `subject` when given (what the step did to which record:
    call.accepted on the call, offer.lapsed on the offer …; the subject defaults
    to the call), else `case.<kind>` on the case. A call with no case (it never
    got past the menu) has the audit record alone."""
    event, entry = rows(case_id, kind, **step)
    connection = db.session.connection()
    if event is not None:
        connection.execute(NEW_EVENT, event)
    connection.execute(audit.NEW_RECORD, entry)


def rows(
    case_id: int | None,
    kind: str,
    *,
    actor: str,
    call: Call | None = None,
    actor_id: int | None = None,
    at: datetime | None = None,
    action: str | None = None,
    subject: tuple[str, object] | None = None,
    **data,
) -> tuple[dict | None, dict]:
    """The columns of the event (None without a case) and of its audit record."""
    at = at or utcnow()
    event = None
    if case_id is not None:
        event = {
            "case_id": case_id,
            "kind": kind,
            "call_id": call.id if call is not None else None,
            "actor_id": actor_id,
            "data": data,
            "created_at": at,
        }
    if action is None:
        action, subject = f"case.{kind}", ("case", case_id)
    elif subject is None:
        subject = ("call", call.call_sid)
    on_call = call is not None and subject != ("call", call.call_sid)
    detail = {"call_sid": call.call_sid, **data} if on_call else data
    entry = audit.values(actor, action, *subject, **detail)
    return event, {**entry, "at": at}
