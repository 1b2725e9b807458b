"""The risk protocol: a case's risk level, the alert that reaches every
supervisor when a person is in imminent danger, its acknowledgement, the
emergency actions logged, and the alert raised again while nobody answered it.

- Setting the level `imminent` (POST …/risk), or a caller choosing the crisis
  option on the phone (`crisis_call`, which also sets the level), raises an
  alert: a risk_alert row, `risk.alert` to the supervisors' room once the
  transaction commits, and a case event. One open alert per case is the partial
  unique index uq_risk_alert_open_case: a second raise while one is open adds
  nothing (the open one goes on being raised again).
- An alert is settled once a supervisor acknowledged it and an emergency action
  was logged after it was raised, in either order; until then the case cannot
  be resolved or closed (`require_settled`, from `cases.workflow.move`).
  Lowering the level settles nothing: the protocol runs to its end.
- `raise_again` (a cron job, workers/risk.py) raises each alert nobody
  acknowledged once more every HOTLINE_RISK_ESCALATE_SECONDS. Each raise is one
  conditional UPDATE on `times_raised`: two runs at once raise it once, and a
  run lost (Redis flushed, a worker killed) leaves it to the next.

Every step is a case event and an audit record (`cases.timeline.record`); their
data hold ids, codes and times, never an emergency action's result.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from hotline import audit, events
from hotline.cases import timeline
from hotline.core.transactions import savepoint
from hotline.extensions import db
from hotline.models import Call, Case, EmergencyAction, RiskAlert, User
from hotline.models.risk import OPEN_ALERT_WHERE
from hotline.models.states import WAITING, CallStage, EmergencyContact, RiskLevel

# The caller is on the line while waiting or put through: their CallSid goes with the alert.
ON_THE_LINE = frozenset({*WAITING, CallStage.CONNECTED})
LEVEL, CRISIS = "level", "crisis"
RESULT_MAX_CHARS = 2_000
ALERTS = RiskAlert.__table__
_OPEN = text(OPEN_ALERT_WHERE)


class RiskChanged(RuntimeError):
    """Someone else set the case's risk level first (409): nothing written."""

    def __init__(self) -> None:
        super().__init__("the case's risk level changed meanwhile; try again")


class NothingToAcknowledge(RuntimeError):
    """409: no alert of the case waits for a supervisor (none raised, or acknowledged already)."""

    def __init__(self) -> None:
        super().__init__("no risk alert on this case waits for acknowledgement")


class RiskUnsettled(RuntimeError):
    """409: the case's open alert stops it being resolved or closed; the message says what is missing."""

    def __init__(self, to: str, missing: list[str]) -> None:
        super().__init__(f"a case with a risk alert cannot become {to} before {' and '.join(missing)}")
        self.missing = missing


def _on_the_line(case_id: int) -> str | None:
    """The CallSid of the case's caller if they are on the line now."""
    return db.session.scalar(
        select(Call.call_sid)
        .where(Call.case_id == case_id, Call.stage.in_(sorted(ON_THE_LINE)))
        .order_by(Call.id.desc())
        .limit(1)
    )


def _raise(
    case: Case, reason: str, actor: str, now: datetime, *, user: User | None = None, call=None
) -> int | None:
    """Raise an alert on `case` in the current transaction, said to the
    supervisors once it commits; its id, or None when one is open already."""
    values = {
        "case_id": case.id,
        "call_id": call.id if call is not None else None,
        "level": RiskLevel.IMMINENT.value,
        "reason": reason,
        "raised_at": now,
        "last_raised_at": now,
        "times_raised": 1,
    }
    try:
        with savepoint():
            alert_id = db.session.connection().scalar(insert(RiskAlert).returning(RiskAlert.id), values)
    except IntegrityError:
        return None
    timeline.record(
        case.id,
        "risk_alert_raised",
        actor=actor,
        actor_id=user.id if user is not None else None,
        call=call,
        at=now,
        alert_id=alert_id,
        level=RiskLevel.IMMINENT.value,
        reason=reason,
    )
    call_sid = call.call_sid if call is not None else _on_the_line(case.id)
    events.risk_alert(alert_id, case.reference, RiskLevel.IMMINENT.value, case.queue, call_sid, 1, now)
    return alert_id


def _change_level(case: Case, to: RiskLevel, actor: str, now: datetime, user: User | None, call=None) -> bool:
    """Set the level if it is still what was read; False (nothing written) if not."""
    changed = db.session.connection().execute(
        update(Case.__table__)
        .where(Case.__table__.c.id == case.id, Case.__table__.c.risk_level == case.risk_level)
        .values(risk_level=to.value)
    )
    if changed.rowcount != 1:
        return False
    timeline.record(
        case.id,
        "risk_changed",
        actor=actor,
        actor_id=user.id if user is not None else None,
        call=call,
        at=now,
        **{"from": case.risk_level, "to": to.value},
    )
    return True


def set_level(case: Case, to: RiskLevel, user: User, now: datetime) -> dict:
    """`user` sets the case's risk level, committed; imminent raises an alert
    (unless one is open). The same level again changes nothing. The case's risk
    as `risk_view` shows it. RiskChanged (nothing written) when someone else
    set it first."""
    if case.risk_level != to.value:
        if not _change_level(case, to, user.username, now, user):
            db.session.rollback()
            raise RiskChanged()
        if to is RiskLevel.IMMINENT:
            _raise(case, LEVEL, user.username, now, user=user)
        db.session.commit()
    return risk_view(case.id, case.reference)


def crisis_call(case_id: int, call: Call, now: datetime) -> None:
    """The caller chose the crisis option: the case's risk becomes imminent and
    an alert is raised with the call's CallSid, in the routing's transaction
    (it commits, and the alert goes out then)."""
    case = db.session.get(Case, case_id)
    if case.risk_level != RiskLevel.IMMINENT:
        _change_level(case, RiskLevel.IMMINENT, audit.TELEPHONY, now, None, call)
    _raise(case, CRISIS, audit.TELEPHONY, now, call=call)


def acknowledge(case: Case, user: User, now: datetime) -> dict:
    """A supervisor acknowledges the case's open alert, committed and said to the
    supervisors; of two at once, one. NothingToAcknowledge (409) otherwise."""
    row = (
        db.session.connection()
        .execute(
            update(ALERTS)
            .where(ALERTS.c.case_id == case.id, ALERTS.c.acknowledged_at.is_(None))
            .values(acknowledged_at=now, acknowledged_by_id=user.id)
            .returning(ALERTS.c.id)
        )
        .first()
    )
    if row is None:
        db.session.rollback()
        raise NothingToAcknowledge()
    timeline.record(
        case.id, "risk_acknowledged", actor=user.username, actor_id=user.id, at=now, alert_id=row.id
    )
    events.risk_acknowledged(row.id, case.reference, user.username, now)
    db.session.commit()
    return risk_view(case.id, case.reference)


def log_action(
    case: Case, user: User, contacted: EmergencyContact, at: datetime, result: str, now: datetime
) -> int:
    """Log an emergency action on the case, committed: it counts for the case's
    open alert if that has none yet. Its id."""
    action_id = db.session.connection().scalar(
        insert(EmergencyAction).returning(EmergencyAction.id),
        {
            "case_id": case.id,
            "contacted": contacted.value,
            "at": at,
            "result": result,
            "recorded_by_id": user.id,
            "recorded_at": now,
        },
    )
    alert_id = db.session.connection().scalar(
        update(ALERTS)
        .where(ALERTS.c.case_id == case.id, ALERTS.c.acted_at.is_(None))
        .values(acted_at=now)
        .returning(ALERTS.c.id)
    )
    timeline.record(
        case.id,
        "emergency_action",
        actor=user.username,
        actor_id=user.id,
        at=now,
        action_id=action_id,
        contacted=contacted.value,
        alert_id=alert_id,
    )
    db.session.commit()
    return action_id


def require_settled(case_id: int, to: str) -> None:
    """RiskUnsettled when the case has an open alert (checked before resolving or closing)."""
    alert = db.session.execute(
        select(ALERTS.c.acknowledged_at, ALERTS.c.acted_at).where(ALERTS.c.case_id == case_id, _OPEN)
    ).first()
    if alert is None:
        return
    missing = []
    if alert.acknowledged_at is None:
        missing.append("a supervisor acknowledged its risk alert")
    if alert.acted_at is None:
        missing.append("an emergency action is logged")
    raise RiskUnsettled(to, missing)


def raise_again(now: datetime, after: timedelta) -> list[int]:
    """Raise once more every alert nobody acknowledged in the `after` since it
    was last raised, each in a transaction of its own: the ids raised."""
    due = db.session.execute(
        select(
            ALERTS.c.id,
            ALERTS.c.times_raised,
            ALERTS.c.level,
            Case.id.label("case_id"),
            Case.reference,
            Case.queue,
        )
        .join(Case, Case.id == ALERTS.c.case_id)
        .where(ALERTS.c.acknowledged_at.is_(None), ALERTS.c.last_raised_at <= now - after)
        .order_by(ALERTS.c.id)
    ).all()
    db.session.rollback()
    raised = []
    for alert in due:
        times = alert.times_raised + 1
        won = db.session.connection().scalar(
            update(ALERTS)
            .where(
                ALERTS.c.id == alert.id,
                ALERTS.c.times_raised == alert.times_raised,
                ALERTS.c.acknowledged_at.is_(None),
            )
            .values(last_raised_at=now, times_raised=times)
            .returning(ALERTS.c.id)
        )
        if won is None:
            db.session.rollback()
            continue
        timeline.record(
            alert.case_id,
            "risk_alert_raised_again",
            actor=audit.SYSTEM,
            at=now,
            alert_id=alert.id,
            times_raised=times,
        )
        level = db.session.scalar(select(ALERTS.c.level).where(ALERTS.c.id == alert.id))
        events.risk_alert(
            alert.id, alert.reference, level, alert.queue, _on_the_line(alert.case_id), times, now
        )
        db.session.commit()
        raised.append(alert.id)
    return raised


def risk_view(case_id: int, reference: str) -> dict:
    """The case's risk as the API answers it: the level, its latest alert (or
    None) and its emergency actions, oldest first."""
    level = db.session.scalar(select(Case.risk_level).where(Case.id == case_id))
    return {"reference": reference, "risk_level": level, **protocol(case_id)}


def protocol(case_id: int) -> dict:
    """The case's latest alert and its emergency actions (two queries)."""
    acknowledger = aliased(User)
    latest = db.session.execute(
        select(RiskAlert, acknowledger.username)
        .outerjoin(acknowledger, acknowledger.id == RiskAlert.acknowledged_by_id)
        .where(RiskAlert.case_id == case_id)
        .order_by(RiskAlert.id.desc())
        .limit(1)
    ).first()
    alert = None
    if latest is not None:
        row, acknowledged_by = latest
        alert = {
            "id": row.id,
            "level": row.level,
            "reason": row.reason,
            "raised_at": row.raised_at,
            "last_raised_at": row.last_raised_at,
            "times_raised": row.times_raised,
            "acknowledged_at": row.acknowledged_at,
            "acknowledged_by": acknowledged_by,
            "acted_at": row.acted_at,
            "settled": row.acknowledged_at is not None and row.acted_at is not None,
        }
    actions = db.session.execute(
        select(EmergencyAction, User.username)
        .join(User, User.id == EmergencyAction.recorded_by_id)
        .where(EmergencyAction.case_id == case_id)
        .order_by(EmergencyAction.id)
    ).all()
    return {
        "risk_alert": alert,
        "emergency_actions": [
            {
                "id": action.id,
                "contacted": action.contacted,
                "at": action.at,
                "result": action.result,
                "recorded_by": recorded_by,
                "recorded_at": action.recorded_at,
            }
            for action, recorded_by in actions
        ],
    }


def open_alerts(level: str = RiskLevel.IMMINENT) -> list[dict]:
    """The open alerts of `level` (not yet both acknowledged and acted on), oldest
    first, as the wallboard shows them: the case's reference, its queue, when it
    was raised and whether a supervisor acknowledged it; never a number or a note.
    One query, on the open alerts' partial index."""
    rows = db.session.execute(
        select(ALERTS.c.id, Case.reference, Case.queue, ALERTS.c.raised_at, ALERTS.c.acknowledged_at)
        .join(Case, Case.id == ALERTS.c.case_id)
        .where(_OPEN, ALERTS.c.level == str(level))
        .order_by(ALERTS.c.raised_at, ALERTS.c.id)
    ).all()
    return [
        {
            "alert_id": row.id,
            "case_reference": row.reference,
            "queue": row.queue,
            "raised_at": row.raised_at,
            "acknowledged": row.acknowledged_at is not None,
        }
        for row in rows
    ]
