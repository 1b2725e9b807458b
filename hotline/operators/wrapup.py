"""Wrap-up: after a call, its operator records what happened, then is ready again.

A call that ended after the operator talked is in `wrap_up` (the call's stage,
the operator's presence and their assignment's status), until `wrap_up_until`.
The operator saves an outcome, a category and perhaps a note (`save`), or the
time runs out and the sweep ends it with the disposition missing
(`end_overdue`). Either way the assignment becomes done, the call ended and the
operator available, in one transaction.

Both ends are conditional updates on the assignment (`status = 'wrap_up'`):
of a save and the sweep, or of two saves, exactly one changes the row and the
others change nothing. A save that comes after `wrap_up_until` but before the
sweep has ended the wrap-up is kept: the deadline exists to free the
operator, and a disposition recorded is better than one missing.

The note is the caller's private matter: it goes to the case's notes
(`cases.notes.add`, as every note) and nowhere else: not in a log line, an
event, an audit record or an answer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from hotline import audit, events
from hotline.calls import stages
from hotline.calls.service import get_call
from hotline.cases import notes, timeline
from hotline.extensions import db
from hotline.models import Assignment, Call, User
from hotline.models.states import AssignmentStatus, CallStage, Presence
from hotline.operators import legs as assignments
from hotline.operators import offers, presence, taxonomy
from hotline.stats import rollup

log = logging.getLogger(__name__)

NOTE_MAX_CHARS = 4000
DONE = "done"  # the operator's call, as operator.call tells their console


class UnknownCode(ValueError):
    """An outcome or category that is not an active code of its kind (400)."""

    def __init__(self, field: str) -> None:
        super().__init__(f"unknown {field}")
        self.field = field


class NotYourCall(PermissionError):
    """The user has no part in this call (403)."""


class NotInWrapUp(RuntimeError):
    """The user's part in this call is not in wrap-up: saved already, ran out,
    or still talking (409)."""


@dataclass(frozen=True)
class Saved:
    call_sid: str
    case_reference: str | None
    outcome: str
    category: str
    wrapped_up_at: datetime


def save(call_sid: str, user: User, outcome: str, category: str, note: str | None, now: datetime) -> Saved:
    """Record `user`'s wrap-up of the call and make them available: one transaction.

    Raises UnknownCode, UnknownCall, NotYourCall or NotInWrapUp, with nothing written."""
    if outcome not in taxonomy.active_codes(taxonomy.Kind.OUTCOME):
        raise UnknownCode("outcome")
    if category not in taxonomy.active_codes(taxonomy.Kind.CATEGORY):
        raise UnknownCode("category")
    call = get_call(call_sid)
    mine = (Assignment.call_id == call.id, Assignment.user_id == user.id)
    if db.session.scalar(select(Assignment.id).where(*mine).limit(1)) is None:
        raise NotYourCall(call_sid)
    disposition = {"outcome": outcome, "category": category, "wrapped_up_at": now}
    if not _finish(call, mine, disposition):
        db.session.rollback()
        raise NotInWrapUp(call_sid)
    presence.move(
        user,
        Presence.AVAILABLE,
        now,
        actor=user.username,
        reason="wrapped_up",
        allowed_from=[Presence.WRAP_UP],
    )
    reference = call.case.reference if call.case is not None else None
    if call.case is not None and note is not None and note.strip():
        # The case's notes service, as for every note: the first note of this call.
        notes.add(call.case_id, user, note, now, call=call)
    timeline.record(
        call.case_id,
        "wrap_up",
        actor=user.username,
        call=call,
        actor_id=user.id,
        at=now,
        action="call.wrapped_up",
        outcome=outcome,
        category=category,
    )
    events.operator_call(user.id, {"call_sid": call_sid, "state": DONE})
    db.session.commit()
    log.info("call %s wrapped up (case %s)", call_sid, reference)
    offers.operator_ready(user.id, now)
    return Saved(call_sid, reference, outcome, category, now)


def end_overdue(now: datetime) -> list[str]:
    """The sweep's rule: end every wrap-up past its deadline, with the disposition
    missing, and make its operator available. Each in its own transaction; one
    that another sweep (or a late save) ended first is left alone. Returns the
    CallSids of those this sweep ended. The sweep's `distribute`, run after, offers the
    operators it freed a caller."""
    overdue = db.session.execute(
        select(Assignment.id, Assignment.call_id, Assignment.user_id).where(
            Assignment.status == AssignmentStatus.WRAP_UP, Assignment.wrap_up_until < now
        )
    ).all()
    ended = []
    for assignment_id, call_id, user_id in overdue:
        call, user = db.session.get(Call, call_id), db.session.get(User, user_id)
        still_overdue = (Assignment.id == assignment_id, Assignment.wrap_up_until < now)
        if not _finish(call, still_overdue, {}):
            db.session.rollback()
            continue
        presence.move(
            user,
            Presence.AVAILABLE,
            now,
            actor=audit.SYSTEM,
            reason="wrap_up_timed_out",
            allowed_from=[Presence.WRAP_UP],
        )
        # Nobody did this: the clock did. The case shows whose disposition is missing.
        timeline.record(
            call.case_id,
            "wrap_up_missed",
            actor=audit.SYSTEM,
            call=call,
            at=now,
            action="call.wrap_up_missed",
            operator_id=user.id,
        )
        events.operator_call(user.id, {"call_sid": call.call_sid, "state": DONE})
        db.session.commit()
        ended.append(call.call_sid)
    return ended


def _finish(call: Call, which: tuple, disposition: dict) -> bool:
    """End the wrap-up of `call` that matches `which`, if it is still in wrap-up
    (False, with nothing changed, if not), recording `disposition` (empty when it
    ran out), and end the call if it is still in wrap-up. The caller commits."""
    assignments.lock_call(call)
    finished = db.session.execute(
        update(Assignment)
        .where(*which, Assignment.status == AssignmentStatus.WRAP_UP)
        .values(status=AssignmentStatus.DONE, **disposition)
        .returning(Assignment.id)
        .execution_options(synchronize_session=False)
    ).first()
    if finished is None:
        return False
    if stages.transition(call, CallStage.ENDED, allowed_from={CallStage.WRAP_UP}):
        # Ended, the answered call counts in the figures, with its handle time and category.
        rollup.recount_call(call, {})
    return True
