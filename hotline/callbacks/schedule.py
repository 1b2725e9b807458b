"""A callback's time: queued when due (the sweep's rule), cancelled or
rescheduled by an operator or a supervisor before anyone dials.

Every change is a conditional move (`stages.transition`), a case event with its
audit record, and an event to the consoles after commit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import bindparam, func, select, update

from hotline import audit, events
from hotline.callbacks import listing, stages
from hotline.callbacks.policy import CallbackPolicy, due_within, parse_window
from hotline.cases import timeline
from hotline.extensions import db
from hotline.models import Callback, Case
from hotline.models.states import BEFORE_DIALLING, CALLBACK_TRANSITIONS, CallbackStatus, sources

# The sweep's one statement: every scheduled callback that is due, queued in
# the place it had (or the moment it fell due).
_QUEUE_DUE = (
    update(Callback)
    .where(
        Callback.status.in_(
            sorted(sources(CALLBACK_TRANSITIONS, CallbackStatus.QUEUED, {CallbackStatus.SCHEDULED}))
        ),
        Callback.due_at <= bindparam("now"),
    )
    .values(
        status=CallbackStatus.QUEUED.value,
        queued_at=bindparam("now"),
        waiting_since=func.coalesce(Callback.waiting_since, Callback.due_at),
    )
    .returning(Callback.id)
    .execution_options(synchronize_session=False)
)


def queue_due(now: datetime) -> list[int]:
    """Sweep rule: every scheduled callback whose time has come joins its
    queue's list, in one statement; returns their ids. A second sweep at once
    finds them queued already and moves none twice."""
    woken = list(db.session.scalars(_QUEUE_DUE, {"now": now}))
    if not woken:
        db.session.rollback()
        return []
    rows = db.session.execute(
        select(Callback, Case.reference)
        .outerjoin(Case, Case.id == Callback.case_id)
        .where(Callback.id.in_(woken))
    ).all()
    written = [
        timeline.rows(
            callback.case_id,
            "callback_queued",
            actor=audit.SYSTEM,
            at=now,
            action="callback.queued",
            subject=("callback", callback.id),
            callback_id=callback.id,
        )
        for callback, _ in rows
    ]
    connection = db.session.connection()
    connection.execute(timeline.NEW_EVENT, [event for event, _ in written if event is not None])
    connection.execute(audit.NEW_RECORD, [entry for _, entry in written])
    for callback, reference in rows:
        events.callback_changed("queued", listing.shown(callback, reference))
    db.session.commit()
    return woken


def cancel(
    callback_id: int,
    actor: str,
    actor_id: int | None,
    now: datetime,
    closed_then: Callable[[int, datetime], None] | None = None,
) -> dict:
    """Cancel the callback before anyone dials it; its view, committed.
    CallbackOutOfPlace (409) once it is being dialled or has ended.
    `closed_then(callback_id, now)` runs in the transaction (the person's next
    follow-up check-in: `follow_ups.callback_closed`, handed in by the view, since
    follow_ups moves callbacks through this module)."""
    listing.get(callback_id)  # UnknownCallback (404) when there is none
    if not stages.transition(
        callback_id, CallbackStatus.CANCELLED, allowed_from=BEFORE_DIALLING, closed_at=now
    ):
        db.session.rollback()
        raise stages.CallbackOutOfPlace("cancel", _status_of(callback_id))
    shown = changed_within(callback_id, "cancelled", actor, actor_id, now)
    if closed_then is not None:
        closed_then(callback_id, now)
    db.session.commit()
    return shown


def reschedule(
    callback_id: int,
    due_at: datetime,
    actor: str,
    actor_id: int | None,
    now: datetime,
    policy: CallbackPolicy,
) -> dict:
    """Move the callback's due time (into callback hours and the requester's
    window); it leaves the queue's list until then. Committed; its view.
    CallbackOutOfPlace (409) once it is being dialled or has ended."""
    callback, _ = listing.get(callback_id)
    window = parse_window(f"{callback.window_start}-{callback.window_end}") if callback.window_start else None
    due = due_within(policy, max(due_at, now), window)
    if not stages.transition(
        callback_id,
        CallbackStatus.SCHEDULED,
        allowed_from=BEFORE_DIALLING,
        due_at=due,
        queued_at=None,
    ):
        db.session.rollback()
        raise stages.CallbackOutOfPlace("reschedule", _status_of(callback_id))
    return _changed(callback_id, "scheduled", actor, actor_id, now, due_at=due.isoformat())


def _status_of(callback_id: int) -> str:
    return db.session.scalar(select(Callback.status).where(Callback.id == callback_id)) or "gone"


def _changed(callback_id: int, name: str, actor: str, actor_id: int | None, now: datetime, **data) -> dict:
    shown = changed_within(callback_id, name, actor, actor_id, now, **data)
    db.session.commit()
    return shown


def changed_within(
    callback_id: int, name: str, actor: str, actor_id: int | None, now: datetime, **data
) -> dict:
    """The callback's move said: a case event with its audit record, and the
    consoles' event once the caller's transaction commits. Its view."""
    callback, shown = listing.get(callback_id)
    timeline.record(
        callback.case_id,
        f"callback_{name}",
        actor=actor,
        actor_id=actor_id,
        at=now,
        action=f"callback.{name}",
        subject=("callback", callback_id),
        callback_id=callback_id,
        **data,
    )
    events.callback_changed(name, shown)
    return shown
