"""A referral's rules against a real database: made, then each move the table
allows is one conditional UPDATE, a move row (who, when), a case event and an
audit record; a move it does not allow names both statuses and writes
nothing; the reason never reaches an event or the audit; a deactivated
partner takes no new referral."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update

from hotline.cases import referrals
from hotline.cases.lookup import case_id_of
from hotline.extensions import db
from hotline.models import AuditRecord, CaseEvent, Referral, ReferralMove, User, utcnow
from hotline.models.states import ReferralStatus
from hotline.partners import directory
from tests.support.cases import case_called, staff_tokens
from tests.support.partners import a_partner, trail

R = ReferralStatus
REASON = "needs a lawyer for the housing claim"


@pytest.fixture
def tokens(app):
    return staff_tokens(app)


@pytest.fixture
def case_id(app, twilio, tokens):
    reference = case_called(app, twilio)
    with app.app_context():
        return case_id_of(reference)


def user(username: str) -> User:
    return db.session.scalars(select(User).where(User.username == username)).one()


def make(app, case_id, partner_id, reason=REASON, username="aigerim") -> referrals.Moved:
    with app.app_context():
        return referrals.make(case_id, partner_id, reason, user(username), utcnow())


def move(app, referral_id, to, username="aigerim") -> referrals.Moved:
    with app.app_context():
        return referrals.move(referral_id, to, user(username), utcnow())


@pytest.mark.parametrize(
    "path",
    [
        [R.ACCEPTED, R.SERVICE_RECEIVED],
        [R.ACCEPTED, R.SERVICE_NOT_RECEIVED],
        [R.ACCEPTED, R.WITHDRAWN],
        [R.DECLINED],
        [R.WITHDRAWN],
    ],
)
def test_a_referral_moves_along_the_table_with_who_and_when(app, case_id, path):
    partner = a_partner(app)
    made = make(app, case_id, partner)
    assert (made.status, made.previous, made.by) == ("made", None, "aigerim")
    statuses = ["made"]
    for to in path:
        moved = move(app, made.id, to, username="boris")
        assert (moved.previous, moved.status, moved.by) == (statuses[-1], to.value, "boris")
        statuses.append(to.value)
    with app.app_context():
        moves = db.session.execute(
            select(ReferralMove.from_status, ReferralMove.to_status, ReferralMove.actor_id, ReferralMove.at)
            .where(ReferralMove.referral_id == made.id)
            .order_by(ReferralMove.id)
        ).all()
        assert [(m.from_status, m.to_status) for m in moves] == list(
            zip([None, *statuses[:-1]], statuses, strict=True)
        )
        assert [m.actor_id for m in moves] == [user("aigerim").id] + [user("boris").id] * len(path)
        assert all(m.at is not None for m in moves)
        events = db.session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case_id, CaseEvent.kind.like("referral%"))
            .order_by(CaseEvent.id)
        ).all()
        assert [event.kind for event in events] == ["referral_made"] + ["referral_status_changed"] * len(path)
        assert events[-1].data == {
            "referral_id": made.id,
            "partner_id": partner,
            "from": statuses[-2],
            "to": statuses[-1],
        }
        shown = referrals.of_case(case_id)
    assert [(r["status"], r["complete"], r["reason"]) for r in shown] == [
        (statuses[-1], statuses[-1] == "service_received", REASON)
    ]
    assert [step["by"] for step in shown[0]["moves"]] == ["aigerim"] + ["boris"] * len(path)


@pytest.mark.parametrize(
    ("before", "to"),
    [
        ([], R.SERVICE_RECEIVED),
        ([], R.SERVICE_NOT_RECEIVED),
        ([], R.MADE),
        ([R.ACCEPTED], R.ACCEPTED),
        ([R.ACCEPTED], R.DECLINED),
        ([R.DECLINED], R.ACCEPTED),
        ([R.WITHDRAWN], R.ACCEPTED),
        ([R.ACCEPTED, R.SERVICE_RECEIVED], R.WITHDRAWN),
        ([R.ACCEPTED, R.SERVICE_NOT_RECEIVED], R.SERVICE_RECEIVED),
    ],
)
def test_a_move_the_table_does_not_allow_names_both_states_and_writes_nothing(app, case_id, before, to):
    made = make(app, case_id, a_partner(app))
    for step in before:
        move(app, made.id, step)
    current = (before or [R.MADE])[-1]
    written = trail(app)
    with pytest.raises(referrals.ReferralMoveRefused) as refused:
        move(app, made.id, to)
    assert current.value in str(refused.value) and to.value in str(refused.value)
    assert trail(app) == written


def test_the_reason_reaches_no_event_and_no_audit_record(app, case_id):
    made = make(app, case_id, a_partner(app), reason="secret-reason-text")
    move(app, made.id, R.ACCEPTED)
    with app.app_context():
        events = db.session.scalars(select(CaseEvent.data)).all()
        details = db.session.scalars(select(AuditRecord.detail)).all()
    assert "secret-reason-text" not in json.dumps(events) + json.dumps(details)
    assert "7172" not in json.dumps(details)


@pytest.mark.parametrize("reason", ["", "   ", "x\x00y", "x" * (referrals.REASON_MAX_CHARS + 1)])
def test_a_referral_needs_a_reason(app, case_id, reason):
    partner = a_partner(app)
    written = trail(app)
    with pytest.raises(referrals.ReferralRefused) as refused:
        make(app, case_id, partner, reason=reason)
    assert refused.value.field == "reason"
    assert trail(app) == written


def test_an_unknown_or_deactivated_partner_takes_no_referral(app, case_id):
    partner = a_partner(app)
    with app.app_context():
        directory.deactivate(partner, "admin", utcnow())
    written = trail(app)
    with pytest.raises(directory.UnknownPartner):
        make(app, case_id, partner + 1)
    with pytest.raises(referrals.PartnerNotActive):
        make(app, case_id, partner)
    assert trail(app) == written


def test_a_move_of_an_unknown_referral_is_refused(app, tokens):
    with pytest.raises(referrals.UnknownReferral):
        move(app, 999, R.ACCEPTED)


def test_a_move_that_lost_its_race_writes_nothing(app, case_id, monkeypatch):
    """Someone declines the referral between the read of its status and the
    UPDATE: the conditional UPDATE changes no row, and nothing is written."""
    made = make(app, case_id, a_partner(app))
    written = trail(app)
    real = referrals.transition

    def declined_first(referral_id, to, **kwargs):
        db.session.execute(update(Referral).where(Referral.id == referral_id).values(status="declined"))
        return real(referral_id, to, **kwargs)

    monkeypatch.setattr(referrals, "transition", declined_first)
    with pytest.raises(referrals.ReferralChanged):
        move(app, made.id, R.ACCEPTED)
    assert trail(app) == written
