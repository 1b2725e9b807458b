"""A case as the API and the case page show it: its header, its calls, its
notes, its open callbacks, its referrals, its timeline page by page, the
person's other cases.

The same number of queries whatever the case holds: each list is one query,
the timeline at most PAGE_SIZE entries a page. The number is shown as its last
two digits only; `number` (for the reveal) is the only way to the whole.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import aliased

from hotline.cases import blocks, referrals, risk, route
from hotline.core.phones import PhoneVault, mask_tail
from hotline.extensions import db
from hotline.models import Assignment, Call, Callback, Caller, Case, CaseEvent, CaseNote, User, utcnow
from hotline.models.states import OPEN_CALLBACK

# The timeline's entries per page, newest first.
PAGE_SIZE = 100
# The person's other cases shown with one.
OTHER_CASES = 100


class NoNumber(LookupError):
    """409: the case's caller withheld their number: there is none to reveal."""

    def __init__(self) -> None:
        super().__init__("the caller's number is withheld: there is no number to show")


def _caller(case: Case) -> Caller | None:
    return db.session.get(Caller, case.caller_id) if case.caller_id is not None else None


def number(case: Case, vault: PhoneVault) -> str:
    """The case's caller's number, E.164 (the reveal's; never logged). NoNumber when withheld."""
    caller = _caller(case)
    if caller is None or caller.withheld or caller.number_encrypted is None:
        raise NoNumber()
    return vault.decrypt(caller.number_encrypted)


def _masked(case: Case, vault: PhoneVault) -> str:
    try:
        return mask_tail(number(case, vault)[-2:])
    except NoNumber:
        return mask_tail(None)


def _username(user_id: int | None) -> str | None:
    return db.session.scalar(select(User.username).where(User.id == user_id)) if user_id else None


def shown(case: Case, vault: PhoneVault, now: datetime | None = None) -> dict:
    """The case's whole view (GET /api/v1/cases/<reference>)."""
    calls = _calls(case.id)
    return {
        "reference": case.reference,
        "status": case.status,
        "queue": case.queue,
        "priority": int(case.priority),
        "risk_level": case.risk_level,
        "assigned_operator": _username(case.assigned_operator_id),
        "opened_at": case.opened_at,
        "last_contact_at": max((call["started_at"] for call in calls), default=None),
        "masked_number": _masked(case, vault),
        "accompanied": route.accompanied(case.caller_id),
        "outcome": case.outcome,
        "category": case.category,
        "calls": calls,
        "notes": _notes(case.id),
        "callbacks": _open_callbacks(case.id),
        "referrals": referrals.of_case(case.id),
        "timeline": timeline_page(case.id),
        "other_cases": _other_cases(case),
        **risk.protocol(case.id),
        "block": blocks.block_view(case, now or utcnow()),
    }


def _calls(case_id: int) -> list[dict]:
    """The case's calls, newest first, each with its last wrap-up's codes."""
    rows = db.session.execute(
        select(Call, User.username)
        .outerjoin(User, User.id == Call.operator_id)
        .where(Call.case_id == case_id)
        .order_by(Call.started_at.desc(), Call.id.desc())
    ).all()
    codes = {
        call_id: (outcome, category)
        for call_id, outcome, category in db.session.execute(
            select(Assignment.call_id, Assignment.outcome, Assignment.category)
            .join(Call, Call.id == Assignment.call_id)
            .where(Call.case_id == case_id, Assignment.outcome.is_not(None))
            .order_by(Assignment.id)
        )
    }
    return [
        {
            "call_sid": call.call_sid,
            "started_at": call.started_at,
            "queue": call.queue,
            "wait_seconds": call.wait_seconds,
            "talk_seconds": call.talk_seconds,
            "operator": operator,
            "outcome": codes.get(call.id, (None, None))[0],
            "category": codes.get(call.id, (None, None))[1],
        }
        for call, operator in rows
    ]


def _open_callbacks(case_id: int) -> list[dict]:
    """The case's callbacks still to make, the soonest due first (never their number)."""
    rows = db.session.execute(
        select(Callback.id, Callback.status, Callback.queue, Callback.source, Callback.due_at)
        .where(Callback.case_id == case_id, Callback.status.in_(sorted(OPEN_CALLBACK)))
        .order_by(Callback.due_at, Callback.id)
    ).all()
    return [row._asdict() for row in rows]


def _notes(case_id: int) -> list[dict]:
    """The case's notes in the order they were written, each with what it corrects and its correction."""
    rows = db.session.execute(
        select(CaseNote, User.username)
        .join(User, User.id == CaseNote.author_id)
        .where(CaseNote.case_id == case_id)
        .order_by(CaseNote.id)
    ).all()
    corrected_by = {note.corrects_id: note.id for note, _ in rows if note.corrects_id is not None}
    return [
        {
            "id": note.id,
            "body": note.body,
            "author": author,
            "created_at": note.created_at,
            "corrects": note.corrects_id,
            "corrected_by": corrected_by.get(note.id),
        }
        for note, author in rows
    ]


def timeline_page(case_id: int, after: int | None = None) -> dict:
    """The case's timeline, newest first, PAGE_SIZE entries from before entry
    `after` (the `next` of the page before): `{"items": [...], "next": …}`, next
    None on the last page."""
    actor = aliased(User)
    query = (
        select(CaseEvent, actor.username, Call.call_sid)
        .outerjoin(actor, actor.id == CaseEvent.actor_id)
        .outerjoin(Call, Call.id == CaseEvent.call_id)
        .where(CaseEvent.case_id == case_id)
        .order_by(CaseEvent.id.desc())
        .limit(PAGE_SIZE + 1)
    )
    if after is not None:
        query = query.where(CaseEvent.id < after)
    rows = db.session.execute(query).all()
    items = [
        {
            "id": event.id,
            "kind": event.kind,
            "at": event.created_at,
            "actor": username,
            "call_sid": call_sid,
            "data": event.data or {},
        }
        for event, username, call_sid in rows[:PAGE_SIZE]
    ]
    more = len(rows) > PAGE_SIZE
    return {"items": items, "next": items[-1]["id"] if more else None}


def _other_cases(case: Case) -> list[dict]:
    """The same caller's other cases, newest first (a withheld caller has none: a caller row per call)."""
    if case.caller_id is None:
        return []
    rows = db.session.execute(
        select(Case.reference, Case.status, Case.queue, Case.opened_at, Case.outcome, Case.category)
        .where(Case.caller_id == case.caller_id, Case.id != case.id)
        .order_by(Case.opened_at.desc(), Case.id.desc())
        .limit(OTHER_CASES)
    ).all()
    return [row._asdict() for row in rows]
