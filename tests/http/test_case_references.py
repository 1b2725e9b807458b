"""Case references by the hotline's year, and the conflict paths of opening a
case and recording a call, taken one at a time on the real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, insert, select

from hotline.calls import incoming
from hotline.calls.routing import Choice
from hotline.cases import service as cases
from hotline.cases.priority import Priority
from hotline.extensions import db
from hotline.models import Call, Caller, Case, CaseEvent, CaseNumber
from tests.support import clock
from tests.support.calls import ScriptedCall

ALMATY = ZoneInfo("Asia/Almaty")
LEGAL = Choice(queue="legal", crisis=False)


def reference_of(call: ScriptedCall) -> str:
    call.to_queue(need="3")
    return call.record().case.reference


def test_the_year_turns_at_midnight_in_almaty_and_numbers_start_again(twilio, app_context):
    midnight = clock.new_year_ahead()
    coming = clock.local_year(midnight)
    ending = coming - 1
    with time_machine.travel(midnight - timedelta(seconds=1), tick=False) as traveller:
        assert reference_of(ScriptedCall(twilio, "+77015550001")) == f"HL-{ending}-000001"
        assert reference_of(ScriptedCall(twilio, "+77015550002")) == f"HL-{ending}-000002"
        traveller.move_to(midnight + timedelta(minutes=30))
        assert reference_of(ScriptedCall(twilio, "+77015550003")) == f"HL-{coming}-000001"
        traveller.move_to(midnight + timedelta(hours=17))
        assert reference_of(ScriptedCall(twilio, "+77015550004")) == f"HL-{coming}-000002"


def test_a_rolled_back_transaction_gives_its_number_back(app_context):
    now = clock.now()
    year = clock.local_year(now)
    assert cases.next_reference(now, ALMATY) == f"HL-{year}-000001"
    assert cases.next_reference(now, ALMATY) == f"HL-{year}-000002"
    db.session.rollback()
    assert cases.next_reference(now, ALMATY) == f"HL-{year}-000001"
    db.session.commit()
    assert cases.next_reference(now, ALMATY) == f"HL-{year}-000002"


def routed_call(twilio, from_number: str | None) -> Call:
    call = ScriptedCall(twilio, from_number)
    call.dial()
    return call.record()


def test_a_case_opened_meanwhile_by_another_process_gets_the_call(twilio, app_context, monkeypatch):
    now = clock.now()
    first = routed_call(twilio, "+77015550010")
    case = cases.number(cases.open_or_attach(first, LEGAL.queue, LEGAL.crisis, now, ALMATY), now, ALMATY)
    db.session.commit()
    assert (case.reference, case.attached) == (f"HL-{clock.local_year(now)}-000001", False)

    second = routed_call(twilio, "+77015550010")
    looks = []

    def open_case_of(caller_id, queue):
        """The first look ran before the other process committed its case."""
        looks.append(queue)
        return None if len(looks) == 1 else real_open_case_of(caller_id, queue)

    real_open_case_of = cases.open_case_of
    monkeypatch.setattr(cases, "open_case_of", open_case_of)
    second.language = "ru"  # written before, in the same transaction: it must survive the conflict
    again = cases.open_or_attach(second, LEGAL.queue, LEGAL.crisis, now, ALMATY)
    db.session.commit()

    assert (again.id, again.attached, len(looks)) == (case.id, True, 2)
    db.session.expire_all()
    assert second.language == "ru"
    assert db.session.get(Case, case.id).priority == Priority.REPEAT_CALLER_OPEN_CASE
    timeline = db.session.scalars(select(CaseEvent.kind).where(CaseEvent.call_id == second.id)).all()
    assert timeline == ["call"]
    assert db.session.scalar(select(CaseNumber.last_number)) == 1, "the conflict gave its number back"
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1


def test_opening_gives_up_after_a_bounded_number_of_tries(twilio, app_context, monkeypatch):
    now = clock.now()
    first = routed_call(twilio, "+77015550011")
    cases.open_or_attach(first, LEGAL.queue, LEGAL.crisis, now, ALMATY)
    db.session.commit()
    monkeypatch.setattr(cases, "open_case_of", lambda caller_id, queue: None)
    with pytest.raises(cases.CaseConflict):
        cases.open_or_attach(routed_call(twilio, "+77015550011"), LEGAL.queue, LEGAL.crisis, now, ALMATY)


def test_withheld_callers_are_never_merged(twilio, app_context):
    now = clock.now()
    opened = [
        cases.open_or_attach(routed_call(twilio, None), LEGAL.queue, LEGAL.crisis, now, ALMATY)
        for _ in range(2)
    ]
    db.session.commit()
    assert [case.attached for case in opened] == [False, False]
    assert opened[0].id != opened[1].id


def test_recording_a_call_retries_a_conflict_once_then_says_so(app, app_context, monkeypatch):
    db.session.execute(insert(Caller).values(number_hash="taken", created_at=datetime.now(UTC)))
    db.session.commit()
    tries = []

    def caller_id(_from_number, _vault, now):
        tries.append(now)
        return db.session.connection().scalar(
            insert(Caller).returning(Caller.id), {"number_hash": "taken", "created_at": now}
        )

    monkeypatch.setattr(incoming, "_caller_id", caller_id)
    sid = "CA" + "0" * 32
    with pytest.raises(incoming.CallNotRecorded):
        incoming.record_incoming(sid, "+77015550012", app.extensions["phone_vault"], datetime.now(UTC))
    assert len(tries) == 2
    assert db.session.scalar(select(func.count()).select_from(Call)) == 0
