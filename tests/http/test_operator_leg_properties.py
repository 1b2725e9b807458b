"""Property: whatever a signed request carries to operator-leg or dial-result, for
a caller at any point of the operator's leg, the answer is never a 5xx, and the
records stay whole: one assignment at most holds the call, a caller back in the
queue has no operator holding them, and an operator's presence matches their
assignment."""

from __future__ import annotations

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from hotline.extensions import db
from hotline.models import Assignment, Call, User
from hotline.models.states import HOLDING_CALL, WAITING, AssignmentStatus, Presence
from telephony import vocabulary
from tests.support.calls import ScriptedCall, TwilioWebhooks
from tests.support.clock import next_weekday_at
from tests.support.database import empty_tables
from tests.support.legs import take

NOON = next_weekday_at(12)
WHO = ["caller", "other", "unknown"]
numbers = st.one_of(
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.sampled_from(["0", "1", "95", "", "٣", " 1", "1\n", "9" * 40]),
)
anything = st.text(max_size=30)
FIELDS = {
    "CallStatus": st.one_of(st.sampled_from(sorted(vocabulary.CALL_STATUSES)), anything),
    "DialCallStatus": st.one_of(st.sampled_from(sorted(vocabulary.DIAL_STATUSES)), anything),
    "CallDuration": numbers,
    "DialCallDuration": numbers,
    "DialCallSid": st.one_of(st.just("CA" + "e" * 32), anything),
    "\x00": anything,
}


@st.composite
def requests(draw):
    path = draw(st.sampled_from(["operator-leg", "dial-result", "status", "queue-result"]))
    assignment = draw(st.sampled_from(["taken", "other", "missing"]))
    sid_field = "ParentCallSid" if path == "operator-leg" else "CallSid"
    who = draw(st.one_of(st.sampled_from(WHO), anything))
    pairs = [(name, draw(values)) for name, values in FIELDS.items() if draw(st.booleans())]
    if path == "queue-result":
        pairs.append(("QueueResult", draw(st.sampled_from(sorted(vocabulary.QUEUE_RESULTS)))))
    if path == "operator-leg":
        pairs.append(("CallSid", draw(st.one_of(st.just("CA" + "e" * 32), anything))))
    if draw(st.booleans()):
        name = draw(st.sampled_from(sorted(FIELDS)))
        pairs.append((name, draw(FIELDS[name])))
    return path, assignment, sid_field, who, pairs


@pytest.fixture
def line(app, staff, app_context):
    return TwilioWebhooks(app.test_client())


def check_the_records() -> None:
    db.session.expire_all()
    for call in db.session.scalars(select(Call)):
        holding = db.session.scalars(
            select(Assignment).where(Assignment.call_id == call.id, Assignment.status.in_(HOLDING_CALL))
        ).all()
        assert len(holding) <= 1
        if call.stage in WAITING:
            assert holding == [], f"{call.call_sid} waits while an operator holds it"
    for assignment in db.session.scalars(select(Assignment)):
        user = db.session.get(User, assignment.user_id)
        expected = {
            AssignmentStatus.CONNECTING: {Presence.BUSY},
            AssignmentStatus.TALKING: {Presence.BUSY},
            AssignmentStatus.WRAP_UP: {Presence.WRAP_UP},
            AssignmentStatus.MISSED: {Presence.AWAY, Presence.AVAILABLE},
        }[assignment.status]
        assert user.presence in expected, (assignment.status, user.presence)
        if assignment.status == AssignmentStatus.TALKING:
            assert assignment.answered_at is not None


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(requests(), min_size=1, max_size=5))
def test_signed_random_reports_of_the_operators_leg_never_fail(line, batch):
    empty_tables()
    from hotline.accounts.users import create_user
    from hotline.models import Role
    from tests.support.pages import PASSWORD

    create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["ru"])
    with time_machine.travel(NOON, tick=False):
        caller, other = ScriptedCall(line), ScriptedCall(line, from_number="+77015559876")
        caller.to_queue()
        other.to_queue()
        taken = take(caller)
        sids = {"caller": caller.sid, "other": other.sid, "unknown": line.new_call_sid()}
        ids = {"taken": taken, "other": taken + 1, "missing": 10**9}
        for path, assignment, sid_field, who, pairs in batch:
            url = f"/telephony/voice/{path}"
            if path in ("operator-leg", "dial-result"):
                url += f"/{ids[assignment]}"
            response = line.post(url, MultiDict([(sid_field, sids.get(who, who)), *pairs]))
            assert response.status_code < 500, (url, pairs, response.get_data(as_text=True))
            assert response.status_code in {200, 204, 400, 404, 409}, response.status_code
    check_the_records()
