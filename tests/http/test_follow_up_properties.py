"""Any body at a follow-up's answer: a 201 once, else a 400 or a 409, never a
5xx; a refused one leaves nothing half-written (no answer, no event, no audit
record, no referral's move)."""

from __future__ import annotations

from hypothesis import strategies as st
from sqlalchemy import func, select

from hotline.callbacks.follow_up_answers import DOCUMENTS, HOUSING, WORK
from hotline.extensions import db
from hotline.models import AuditRecord, CaseEvent, FollowUpAnswer, Referral
from tests.support.accompaniment import put_passport
from tests.support.bodies import check_answers, json_values, objects
from tests.support.callbacks import staff_tokens
from tests.support.cases import bearer, case_called
from tests.support.follow_ups import follow_up_callback, released


def codes(allowed):
    return st.sampled_from([*allowed, None, "", "x", "STABLE"]) | json_values


def trail(app) -> tuple:
    with app.app_context():
        db.session.expire_all()
        return (
            tuple(db.session.execute(select(FollowUpAnswer.follow_up_id, FollowUpAnswer.reached)).all()),
            db.session.scalar(select(func.count()).select_from(CaseEvent)),
            db.session.scalar(select(func.count()).select_from(AuditRecord)),
            tuple(db.session.execute(select(Referral.id, Referral.status)).all()),
        )


def test_any_answer_body_is_answered_and_leaves_nothing_half_written(app, client, twilio):
    tokens = staff_tokens(app)
    reference = case_called(app, twilio)
    saved = put_passport(
        client, tokens["aigerim"], reference, {"release_date": released(3), "follow_up_consent": True}
    )
    assert saved.status_code == 200
    callback_id = follow_up_callback(app)
    flags = st.booleans() | st.none() | json_values
    bodies = objects(
        {
            "reached": st.booleans() | json_values,
            "housing": codes(HOUSING),
            "work": codes(WORK),
            "documents": codes(DOCUMENTS),
            "still_in_contact": flags,
            "referral_id": st.sampled_from([None, 1, 0, -1, 2**31]) | json_values,
            "service_received": flags,
        }
    ) | st.fixed_dictionaries(
        {"reached": st.just(True)},
        optional={"housing": st.sampled_from(HOUSING), "still_in_contact": st.booleans()},
    )

    def one_answer(before, after):
        assert (len(after[0]), after[1], after[2], after[3]) == (
            len(before[0]) + 1,
            before[1] + 1,
            before[2] + 1,
            before[3],
        )

    path = f"/api/v1/callbacks/{callback_id}/follow-up"
    seen = check_answers(
        client, path, bearer(tokens["aigerim"]), bodies, "housing", 201, lambda: trail(app), one_answer
    )
    assert {201, 400, 409} <= seen
