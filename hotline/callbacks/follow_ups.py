"""Monitoring: the follow-up check-ins, planned as rows and made as callbacks.

With the person's consent to follow-up contact and a release date in their
social passport, a check-in falls `HOTLINE_FOLLOW_UP_DAYS` days after release
(7, 30, 90, 180, 365); with the consent, one falls
`HOTLINE_FOLLOW_UP_AFTER_RESOLVED_DAYS` days after any of their cases is
resolved. Each is due at the opening of the callback hours on its local day
(`callbacks.policy`), or now when that day is today and the hours are open;
one whose day is past when it is planned is skipped, never dialled late in a
burst.

Planned with the passport's change (`passport_saved`, handed to
`cases.passport.save` by the view) and with the case's resolution
(`case_resolved`, handed to `cases.workflow.move`), in their transactions. The
rows are unique in the database (uq_follow_up_release: person and offset;
uq_follow_up_resolved: case and offset), inserted with ON CONFLICT DO NOTHING,
so two saves or two processes plan one set. A new release date moves those not
yet made (their callbacks rescheduled, or cancelled when now past); consent
withdrawn cancels them (the callbacks' `stages.transition`).

One open callback per person and queue (uq_callback_open_caller_queue) means a
person's check-ins are made one at a time: only the earliest not yet made has a
callback (`advance`), recorded through `service.record_within` with source
`follow_up`, assigned first to the person's operator (the case's assigned
operator, else the one who last talked with them, else nobody). The next gets
its callback when that one ends (completed or failed). A check-in whose turn
comes while the person has another open callback in that queue (an operator's
"call back at …") merges into it, as every request does: the one call serves
both, and its answer may be recorded on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select, update

from hotline import audit
from hotline.callbacks import schedule, service, stages
from hotline.callbacks.policy import CallbackPolicy, next_opening
from hotline.core.transactions import dialect_insert
from hotline.extensions import db
from hotline.models import Assignment, Call, Callback, Case, FollowUp, SocialPassport
from hotline.models.follow_ups import RELEASE, RESOLVED
from hotline.models.states import BEFORE_DIALLING, OPEN_CALLBACK, CallbackSource, CallbackStatus

PLANNING_FIELDS = frozenset({"release_date", "follow_up_consent"})


def check_in(policy: CallbackPolicy, anchor: date, offset_days: int, now: datetime) -> datetime | None:
    """When the check-in `offset_days` after the local day `anchor` is due: the
    first moment of callback hours on that day or after (now, when the day is
    today and the hours are open); None when its day is past."""
    day = anchor + timedelta(days=offset_days)
    today = now.astimezone(policy.timezone).date()
    if day < today:
        return None
    start = datetime.combine(day, time(0), tzinfo=policy.timezone)
    return next_opening(policy, max(start, now))


def release_plan(
    policy: CallbackPolicy, release: date, days: Sequence[int], now: datetime
) -> dict[int, datetime | None]:
    """Each offset's due moment after the release date (None: past, skipped)."""
    return {offset: check_in(policy, release, offset, now) for offset in days}


def passport_saved(case: Case, passport: dict, changed: list[str], now: datetime) -> None:
    """The passport of the case's person changed (part of its transaction): plan,
    move or cancel their check-ins as its consent and release date now say."""
    if not PLANNING_FIELDS & set(changed):
        return
    policy, _ = service.settings()
    caller_id = case.caller_id
    rows = _not_made(caller_id, RELEASE)
    if not passport["follow_up_consent"] or passport["release_date"] is None:
        for row in rows.values():
            _cancel(row, now)
        if not passport["follow_up_consent"]:
            for row in _not_made(caller_id, RESOLVED).values():
                _cancel(row, now)
        return
    planned = release_plan(
        policy, passport["release_date"], current_app.config["HOTLINE_FOLLOW_UP_DAYS"], now
    )
    for offset, row in rows.items():
        if planned.get(offset) is None:
            _cancel(row, now)
        elif row.due_at != planned[offset] or row.cancelled_at is not None:
            _move(row, planned[offset], now)
    for offset, due in planned.items():
        if due is not None and offset not in rows:
            _insert(caller_id, case.id, RELEASE, offset, due, now)
    advance(caller_id, now)


def case_resolved(case_id: int, now: datetime) -> None:
    """The case was resolved (part of the move's transaction): with its person's
    consent, the check-in after resolution is planned (once per case)."""
    case = db.session.execute(select(Case.caller_id).where(Case.id == case_id)).one()
    consent = db.session.scalar(
        select(SocialPassport.follow_up_consent).where(SocialPassport.caller_id == case.caller_id)
    )
    if case.caller_id is None or not consent:
        return
    policy, _ = service.settings()
    offset = current_app.config["HOTLINE_FOLLOW_UP_AFTER_RESOLVED_DAYS"]
    due = check_in(policy, now.astimezone(policy.timezone).date(), offset, now)
    _insert(case.caller_id, case_id, RESOLVED, offset, due, now)
    advance(case.caller_id, now)


def callback_closed(callback_id: int, now: datetime) -> FollowUp | None:
    """A callback ended (completed or failed; part of that transaction): when it
    made a check-in, the person's next one gets its callback. The check-in, if any."""
    row = db.session.scalars(
        select(FollowUp).where(FollowUp.callback_id == callback_id).order_by(FollowUp.id).limit(1)
    ).first()
    if row is not None:
        advance(row.caller_id, now)
    return row


def advance(caller_id: int, now: datetime) -> int | None:
    """Give the person's earliest check-in not yet made its callback, unless one
    of theirs has an open callback now. The callback's id, if one was recorded."""
    waiting = db.session.scalars(
        select(FollowUp)
        .join(Callback, Callback.id == FollowUp.callback_id)
        .where(
            FollowUp.caller_id == caller_id,
            FollowUp.cancelled_at.is_(None),
            Callback.status.in_(sorted(OPEN_CALLBACK)),
        )
        .limit(1)
    ).first()
    row = db.session.scalars(
        select(FollowUp)
        .where(
            FollowUp.caller_id == caller_id, FollowUp.cancelled_at.is_(None), FollowUp.callback_id.is_(None)
        )
        .order_by(FollowUp.due_at, FollowUp.id)
        .limit(1)
    ).first()
    if row is None:
        return None
    if waiting is not None:
        if waiting.due_at > row.due_at:
            _hand_over(waiting, row, now)
        return None
    case = db.session.get(Case, row.case_id)
    language = db.session.scalar(
        select(Call.language).where(Call.case_id == case.id).order_by(Call.id.desc()).limit(1)
    )
    request = service.Request(
        caller_id=caller_id,
        queue=case.queue,
        source=CallbackSource.FOLLOW_UP,
        asked_at=row.due_at,
        case_id=case.id,
        language=language,
        operator_id=operator_of(case),
    )
    policy, vault = service.settings()
    try:
        requested = service.record_within(request, now, policy, vault, actor=audit.SYSTEM)
    except service.NoNumberToCall:
        return None  # a withheld number: nobody can call them; the check-in stays unmade
    db.session.execute(
        update(FollowUp)
        .where(FollowUp.id == row.id, FollowUp.callback_id.is_(None))
        .values(callback_id=requested.callback_id)
        .execution_options(synchronize_session=False)
    )
    return requested.callback_id


def _hand_over(holder: FollowUp, earlier: FollowUp, now: datetime) -> None:
    """A new release date made a check-in come before the one holding the
    person's callback: the callback (while nobody dialled it) moves to it."""
    callback = _ours(holder)
    if callback is None or not stages.transition(
        callback.id,
        CallbackStatus.SCHEDULED,
        allowed_from=BEFORE_DIALLING,
        due_at=earlier.due_at,
        queued_at=None,
    ):
        return
    schedule.changed_within(
        callback.id, "scheduled", audit.SYSTEM, None, now, due_at=earlier.due_at.isoformat()
    )
    for follow_up_id, callback_id in ((holder.id, None), (earlier.id, callback.id)):
        db.session.execute(
            update(FollowUp)
            .where(FollowUp.id == follow_up_id)
            .values(callback_id=callback_id)
            .execution_options(synchronize_session=False)
        )


def operator_of(case: Case) -> int | None:
    """The person's operator: the case's assigned operator, else the one who last talked with them."""
    if case.assigned_operator_id is not None:
        return case.assigned_operator_id
    return db.session.scalar(
        select(Assignment.user_id)
        .join(Call, Call.id == Assignment.call_id)
        .where(Call.caller_id == case.caller_id, Assignment.answered_at.is_not(None))
        .order_by(Assignment.answered_at.desc(), Assignment.id.desc())
        .limit(1)
    )


def _not_made(caller_id: int, kind: str) -> dict[int, FollowUp]:
    """The person's check-ins of `kind` not made yet, by offset: no callback, or
    one nobody has dialled; those cancelled here too (a release date or consent
    may bring them back)."""
    rows = db.session.execute(
        select(FollowUp, Callback.status)
        .outerjoin(Callback, Callback.id == FollowUp.callback_id)
        .where(FollowUp.caller_id == caller_id, FollowUp.kind == kind)
    ).all()
    return {
        row.offset_days: row
        for row, status in rows
        if row.cancelled_at is not None or status is None or status in BEFORE_DIALLING
    }


def _insert(
    caller_id: int, case_id: int, kind: str, offset: int, due: datetime | None, now: datetime
) -> None:
    if due is None:
        return
    insert = dialect_insert(db.session.connection().dialect.name)
    db.session.execute(
        insert(FollowUp)
        .values(
            caller_id=caller_id, case_id=case_id, kind=kind, offset_days=offset, due_at=due, created_at=now
        )
        .on_conflict_do_nothing()
    )


def _ours(row: FollowUp) -> Callback | None:
    """The check-in's callback while nobody has dialled it, if it was recorded
    for the check-in (one it merged into is another request's too: left alone)."""
    if row.callback_id is None or row.cancelled_at is not None:
        return None
    callback = db.session.get(Callback, row.callback_id, populate_existing=True)
    if callback.status not in BEFORE_DIALLING or callback.source != CallbackSource.FOLLOW_UP:
        return None
    return callback


def _cancel(row: FollowUp, now: datetime) -> None:
    if row.cancelled_at is not None:
        return
    callback = _ours(row)
    if callback is not None and stages.transition(
        callback.id, CallbackStatus.CANCELLED, allowed_from=BEFORE_DIALLING, closed_at=now
    ):
        schedule.changed_within(callback.id, "cancelled", audit.SYSTEM, None, now, reason="follow_up")
    db.session.execute(
        update(FollowUp)
        .where(FollowUp.id == row.id)
        .values(cancelled_at=now)
        .execution_options(synchronize_session=False)
    )


def _move(row: FollowUp, due: datetime, now: datetime) -> None:
    """A check-in not yet made, due at `due` now (brought back when it was cancelled)."""
    callback = _ours(row)
    values: dict = {"due_at": due}
    if row.cancelled_at is not None:
        values |= {"cancelled_at": None, "callback_id": None}
    elif callback is not None and stages.transition(
        callback.id, CallbackStatus.SCHEDULED, allowed_from=BEFORE_DIALLING, due_at=due, queued_at=None
    ):
        schedule.changed_within(callback.id, "scheduled", audit.SYSTEM, None, now, due_at=due.isoformat())
    elif row.callback_id is not None and callback is None:
        # Merged into another request's callback: this check-in waits for its own turn.
        values["callback_id"] = None
    db.session.execute(
        update(FollowUp)
        .where(FollowUp.id == row.id)
        .values(values)
        .execution_options(synchronize_session=False)
    )
