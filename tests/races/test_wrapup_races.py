"""Two saves of one wrap-up at the same moment, over real HTTP to a threaded live
server (a double click, or two tabs): exactly one is kept, the other is a 409,
and the case has one wrap-up, one note, one audit record."""

from __future__ import annotations

from functools import partial

import requests
from sqlalchemy import func, select

from hotline.accounts import auth
from hotline.extensions import db
from hotline.models import AuditRecord, Call, CaseEvent, CaseNote, Role
from tests.support.concurrency import at_once
from tests.support.desk import presence_of
from tests.support.live_server import serve
from tests.support.wrapup import assignment_of, in_wrap_up

TRIALS = 5


def test_two_saves_at_once_one_wins_the_other_is_a_409(make_app):
    with serve(make_app) as live, live.app.app_context():
        auth.create_user("aigerim", Role.OPERATOR, queues=["legal"], languages=["ru"])
        headers = {"Authorization": f"Bearer {auth.create_token('console', 'aigerim')}"}
        for trial in range(TRIALS):
            sid = in_wrap_up("aigerim")
            url = f"{live.url}/api/v1/calls/{sid}/wrap-up"
            bodies = [
                {"outcome": "referred", "category": "documents", "note": f"first {trial}"},
                {"outcome": "support_given", "category": "housing", "note": f"second {trial}"},
            ]
            answers = at_once(
                [partial(requests.post, url, json=body, headers=headers, timeout=15) for body in bodies]
            )

            assert sorted(answer.status_code for answer in answers) == [200, 409], [a.text for a in answers]
            [won] = [body for body, answer in zip(bodies, answers, strict=True) if answer.status_code == 200]
            db.session.rollback()
            assignment = assignment_of(sid)
            assert (assignment.status, assignment.outcome, assignment.category) == (
                "done",
                won["outcome"],
                won["category"],
            )
            assert presence_of("aigerim") == "available"
            call_id = db.session.scalar(select(Call.id).where(Call.call_sid == sid))
            assert db.session.scalars(select(CaseNote.body).where(CaseNote.call_id == call_id)).all() == [
                won["note"]
            ]
            wrap_ups = select(func.count()).where(CaseEvent.call_id == call_id, CaseEvent.kind == "wrap_up")
            assert db.session.scalar(wrap_ups) == 1
            audited = select(func.count()).where(
                AuditRecord.object_id == sid, AuditRecord.action == "call.wrapped_up"
            )
            assert db.session.scalar(audited) == 1
