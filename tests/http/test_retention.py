"""Retention: closed cases past HOTLINE_RETENTION_DAYS lose their personal data
(notes, free texts, recordings at the network, and once the person has no other
case their number and passport), keep their figures; `flask export-person`."""

from __future__ import annotations

import base64
import json
import logging
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from hotline.cases import retention
from hotline.extensions import db
from hotline.models import (
    AuditRecord,
    Call,
    Callback,
    Caller,
    CallerBlock,
    Case,
    CaseNote,
    EmergencyAction,
    Partner,
    PassportVersion,
    PlanStep,
    Referral,
    SocialPassport,
    User,
)
from hotline.stats import rebuild
from hotline.telephony import TelephonyError
from telephony.simulator import state
from tests.support import clock
from tests.support.callbacks import OTHER_NUMBER
from tests.support.cases import NUMBER, bearer, case_called, set_status, staff_tokens
from tests.support.desk import in_process_telephony
from workers import schedule
from workers.retention import anonymise_old_cases

DAYS = 1095
NOTE = "he told me where he sleeps now"
REASON = "needs a lawyer for the flat"
LONG_AGO = {"days": DAYS + 5}


@pytest.fixture
def tokens(app):
    return staff_tokens(app)


def fill(app, reference: str, n: int = 0) -> str:
    """Notes, free texts, a passport and a recording (at the simulator) on the case;
    the recording's SID."""
    recording_sid = "RE" + f"{n:032x}"
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.reference == reference)).one()
        user = db.session.scalars(select(User).where(User.username == "aigerim")).one()
        call = db.session.scalars(select(Call).where(Call.case_id == case.id)).first()
        call.recording_sid = recording_sid
        call.recording_url = f"https://api.twilio.com/Recordings/{recording_sid}"
        call.recording_seconds = 7
        partner = Partner(name="Legal aid", kind="organisation")
        db.session.add(partner)
        db.session.flush()
        db.session.add_all(
            [
                CaseNote(case_id=case.id, author_id=user.id, body=NOTE),
                Referral(
                    case_id=case.id,
                    partner_id=partner.id,
                    reason=REASON,
                    made_by_id=user.id,
                    moved_by_id=user.id,
                ),
                PlanStep(
                    caller_id=case.caller_id,
                    case_id=case.id,
                    goal=REASON,
                    result=NOTE,
                    category="documents",
                    owner_id=user.id,
                    created_by_id=user.id,
                    due_date=clock.now().date(),
                ),
                EmergencyAction(
                    case_id=case.id,
                    contacted="112",
                    at=clock.recent(days=1),
                    result=NOTE,
                    recorded_by_id=user.id,
                ),
                CallerBlock(
                    caller_id=case.caller_id,
                    case_id=case.id,
                    reason=NOTE,
                    blocked_by_id=user.id,
                    until=clock.recent(days=1),
                    lifted_at=clock.recent(days=1),
                ),
            ]
        )
        vault = app.extensions["phone_vault"]
        db.session.add(
            Callback(
                caller_id=case.caller_id,
                case_id=case.id,
                queue=case.queue,
                source="web",
                status="completed",
                number_hash=vault.digest(OTHER_NUMBER),
                number_encrypted=vault.encrypt(OTHER_NUMBER),
                number_tail=OTHER_NUMBER[-2:],
            )
        )
        passport = db.session.scalar(select(SocialPassport).where(SocialPassport.caller_id == case.caller_id))
        if passport is None:
            passport = SocialPassport(caller_id=case.caller_id, version=1, housing=NOTE)
            db.session.add(passport)
            db.session.flush()
            db.session.add(
                PassportVersion(
                    passport_id=passport.id, version=1, case_id=case.id, actor_id=user.id, changed=["housing"]
                )
            )
        state.save(
            "recording", recording_sid, {"call_sid": call.call_sid, "duration": 7, "created": time.time()}
        )
        db.session.commit()
    return recording_sid


def closed(app, reference: str, **ago) -> None:
    set_status(app, reference, "closed", closed_at=clock.recent(**ago), resolved_at=clock.recent(**ago))


def run(app, telephony=None):
    with app.app_context():
        return retention.run(clock.now(), DAYS, telephony or in_process_telephony(app))


def texts(app, reference: str) -> dict:
    with app.app_context():
        case_id = db.session.scalar(select(Case.id).where(Case.reference == reference))
        return {
            "notes": db.session.scalars(select(CaseNote.body).where(CaseNote.case_id == case_id)).all(),
            "reasons": db.session.scalars(select(Referral.reason).where(Referral.case_id == case_id)).all(),
            "goals": db.session.execute(
                select(PlanStep.goal, PlanStep.result).where(PlanStep.case_id == case_id)
            ).all(),
            "actions": db.session.scalars(
                select(EmergencyAction.result).where(EmergencyAction.case_id == case_id)
            ).all(),
            "blocks": db.session.scalars(
                select(CallerBlock.reason).where(CallerBlock.case_id == case_id)
            ).all(),
            "recordings": db.session.execute(
                select(Call.recording_sid, Call.recording_url).where(Call.case_id == case_id)
            ).all(),
            "callbacks": db.session.execute(
                select(Callback.number_hash, Callback.number_encrypted, Callback.number_tail).where(
                    Callback.case_id == case_id
                )
            ).all(),
        }


def person(app, reference: str):
    with app.app_context():
        caller_id = db.session.scalar(select(Case.caller_id).where(Case.reference == reference))
        caller = db.session.get(Caller, caller_id)
        passports = db.session.scalars(
            select(SocialPassport.id).where(SocialPassport.caller_id == caller_id)
        ).all()
        versions = db.session.scalars(
            select(PassportVersion.id).where(PassportVersion.passport_id.in_(passports))
        ).all()
        return caller.number_hash, caller.number_encrypted, passports, versions


def figures(app, client, token: str):
    """The rollups' check, the stats API's answer and every call's figures."""
    today = clock.now().astimezone(clock.ZONE).date()
    answer = client.get(
        "/api/v1/stats",
        query_string={"from": (today - timedelta(days=1)).isoformat(), "to": today.isoformat()},
        headers=bearer(token),
    )
    assert answer.status_code == 200, answer.get_json()
    with app.app_context():
        calls = db.session.execute(
            select(
                Call.id,
                Call.started_at,
                Call.ended_at,
                Call.wait_seconds,
                Call.talk_seconds,
                Call.queue,
                Call.stage,
                Call.recording_seconds,
            ).order_by(Call.id)
        ).all()
        cases = db.session.execute(
            select(Case.id, Case.queue, Case.outcome, Case.category, Case.status).order_by(Case.id)
        ).all()
        return rebuild.verify(), answer.get_json(), calls, cases


def test_only_cases_closed_longer_ago_than_the_period_are_due(app, twilio, tokens):
    opened = case_called(app, twilio, "legal", NUMBER)
    resolved = case_called(app, twilio, "medical", NUMBER)
    recent = case_called(app, twilio, "legal", OTHER_NUMBER)
    old = case_called(app, twilio, "medical", OTHER_NUMBER)
    set_status(app, opened, "open")
    set_status(app, resolved, "resolved", resolved_at=clock.recent(**LONG_AGO))
    closed(app, recent, days=DAYS - 1)
    closed(app, old, **LONG_AGO)
    with app.app_context():
        ids = retention.due(clock.now(), DAYS)
        assert db.session.scalars(select(Case.reference).where(Case.id.in_(ids))).all() == [old]
        assert retention.due(clock.now(), DAYS, limit=0) == []
    assert run(app).anonymised == [old]
    with app.app_context():
        assert retention.due(clock.now(), DAYS) == []


def test_a_case_long_closed_loses_its_texts_recordings_number_and_passport_and_keeps_its_figures(
    app, twilio, client, tokens, caplog
):
    caplog.set_level(logging.DEBUG)
    reference = case_called(app, twilio)
    recording_sid = fill(app, reference)
    closed(app, reference, **LONG_AGO)
    with app.app_context():
        rebuild.rebuild()  # the case was closed by hand, not through the workflow's rollup
    before = figures(app, client, tokens["boris"])
    assert before[0] == []

    assert run(app).anonymised == [reference]

    assert texts(app, reference) == {
        "notes": [""],
        "reasons": [""],
        "goals": [("", None)],
        "actions": [""],
        "blocks": [""],
        "recordings": [(None, None)],
        "callbacks": [(None, None, None)],
    }
    assert person(app, reference) == (None, None, [], [])
    with app.app_context():
        assert state.load("recording", recording_sid) is None
        case = db.session.scalars(select(Case).where(Case.reference == reference)).one()
        assert case.anonymised_at is not None
        [record] = db.session.scalars(
            select(AuditRecord).where(AuditRecord.action == "case.anonymised")
        ).all()
        assert (record.actor, record.object_type, record.object_id) == ("retention", "case", str(case.id))
        assert record.detail == {"notes": 1, "recordings": 1, "person": True}
    assert figures(app, client, tokens["boris"]) == before
    for line in caplog.messages:
        assert NUMBER not in line and NUMBER[-7:] not in line and NOTE not in line and REASON not in line


def test_a_run_takes_at_most_its_batch_oldest_first(app, twilio, tokens):
    first = case_called(app, twilio, "legal", NUMBER)
    second = case_called(app, twilio, "legal", OTHER_NUMBER)
    closed(app, first, **LONG_AGO)
    closed(app, second, **LONG_AGO)
    with app.app_context():
        assert retention.run(clock.now(), DAYS, in_process_telephony(app), limit=1).anonymised == [first]
    assert run(app).anonymised == [second]


def test_a_second_run_changes_nothing(app, twilio, tokens):
    reference = case_called(app, twilio)
    fill(app, reference)
    closed(app, reference, **LONG_AGO)
    assert run(app).anonymised == [reference]
    with app.app_context():
        marked = db.session.scalar(select(Case.anonymised_at).where(Case.reference == reference))
        records = db.session.scalar(select(db.func.count()).select_from(AuditRecord))
    assert run(app) == retention.Run([], [])
    with app.app_context():
        assert db.session.scalar(select(Case.anonymised_at).where(Case.reference == reference)) == marked
        assert db.session.scalar(select(db.func.count()).select_from(AuditRecord)) == records


def test_a_person_with_a_newer_case_keeps_their_number_and_passport(app, twilio, tokens):
    old = case_called(app, twilio)
    fill(app, old)
    closed(app, old, **LONG_AGO)
    new = case_called(app, twilio)
    assert new != old
    kept = person(app, old)
    assert kept[0] is not None and kept[2]

    assert run(app).anonymised == [old]
    assert texts(app, old)["notes"] == [""]
    assert person(app, new) == kept
    with app.app_context():
        record = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "case.anonymised")).one()
        assert record.detail["person"] is False


class Refusing:
    def delete_recording(self, recording_sid: str) -> None:
        raise TelephonyError("the network did not take the recording's deletion: ConnectionError")


def test_a_network_failure_leaves_the_case_for_the_next_run(app, twilio, tokens):
    reference = case_called(app, twilio)
    recording_sid = fill(app, reference)
    closed(app, reference, **LONG_AGO)
    untouched = texts(app, reference)

    assert run(app, Refusing()) == retention.Run([], [reference])
    assert texts(app, reference) == untouched
    with app.app_context():
        assert state.load("recording", recording_sid) is not None
        assert db.session.scalar(select(Case.anonymised_at).where(Case.reference == reference)) is None

    assert run(app).anonymised == [reference]
    assert texts(app, reference)["recordings"] == [(None, None)]


def test_a_recording_the_network_no_longer_has_counts_as_deleted(app, twilio, tokens):
    reference = case_called(app, twilio)
    recording_sid = fill(app, reference)
    closed(app, reference, **LONG_AGO)
    with app.app_context():
        state.forget("recording", recording_sid)
        in_process_telephony(app).delete_recording(recording_sid)  # a 404 raises nothing
    assert run(app).anonymised == [reference]


def test_no_period_removes_nothing(app, twilio, tokens):
    reference = case_called(app, twilio)
    closed(app, reference, **LONG_AGO)
    with app.app_context():
        assert retention.run(clock.now(), 0, in_process_telephony(app)) == retention.Run([], [])


def test_the_worker_job_reads_the_period_from_the_settings(make_app, twilio, tokens, app):
    reference = case_called(app, twilio)
    closed(app, reference, **LONG_AGO)
    off = make_app(HOTLINE_RETENTION_DAYS=0)
    with off.app_context():
        off.extensions["telephony"] = in_process_telephony(off)
        assert anonymise_old_cases() == 0
    with app.app_context():
        app.extensions["telephony"] = in_process_telephony(app)
        assert app.config["HOTLINE_RETENTION_DAYS"] == DAYS
        assert anonymise_old_cases() == 1


def test_the_cron_runs_the_job_once_a_day():
    class Scheduler:
        def __init__(self):
            self.jobs = {}

        def register(self, func, queue_name, **options):
            self.jobs[func.__name__] = options

    scheduler = Scheduler()
    schedule.register(scheduler, "default", "Asia/Almaty")
    minute, hour, *every = scheduler.jobs["anonymise_old_cases"]["cron"].split()
    assert every == ["*", "*", "*"]
    today = datetime.now().astimezone().replace(hour=int(hour), minute=int(minute))
    assert today.astimezone(ZoneInfo("Asia/Almaty")).time().isoformat("minutes") == "03:30"
    assert anonymise_old_cases in schedule.JOBS


def test_export_person_writes_the_persons_data(app, twilio, tokens, runner, tmp_path):
    old = case_called(app, twilio)
    fill(app, old)
    closed(app, old, days=3)
    new = case_called(app, twilio)
    out = tmp_path / "person.json"
    result = runner.invoke(args=["export-person", "--case", new, "--out", str(out), "--actor", "boris"])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data) == {"format", "exported_at", "case", "caller", "cases", "passport", "plan_steps"}
    assert data["caller"]["number"] == NUMBER
    assert "number_hash" not in json.dumps(data)
    assert [case["reference"] for case in data["cases"]] == [old, new]
    first = data["cases"][0]
    assert {"calls", "notes", "referrals", "callbacks", "risk_alerts", "emergency_actions", "blocks"} <= set(
        first
    )
    assert [note["body"] for note in first["notes"]] == [NOTE]
    assert first["referrals"][0]["reason"] == REASON and first["referrals"][0]["moves"] == []
    assert first["emergency_actions"][0]["result"] == NOTE
    assert first["blocks"][0]["reason"] == NOTE
    assert first["calls"][0]["recording_sid"].startswith("RE")
    assert data["passport"]["housing"] == NOTE and data["passport"]["versions"][0]["changed"] == ["housing"]
    assert data["plan_steps"][0]["goal"] == REASON
    [callback] = first["callbacks"]
    assert (callback["number"], callback["attempts"]) == (OTHER_NUMBER, [])
    with app.app_context():
        record = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "person.exported")).one()
        assert (record.actor, record.detail) == ("boris", {"reference": new})


def test_export_person_to_stdout_is_utf8_json(app, twilio, tokens, runner):
    reference = case_called(app, twilio)
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.reference == reference)).one()
        user = db.session.scalars(select(User).where(User.username == "aigerim")).one()
        db.session.add(CaseNote(case_id=case.id, author_id=user.id, body="Сәлем, жаңа үй"))
        db.session.commit()
    result = runner.invoke(args=["export-person", "--case", reference])
    assert result.exit_code == 0, result.output
    assert "Сәлем, жаңа үй" in result.output
    assert json.loads(result.output)["cases"][0]["notes"][0]["body"] == "Сәлем, жаңа үй"


def test_export_person_of_an_unknown_case_exits_2(app, runner):
    result = runner.invoke(args=["export-person", "--case", "HL-1999-404"])
    assert result.exit_code == 2
    assert "HL-1999-404" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_the_simulator_deletes_a_recording_as_twilio_does(app, client):
    sid = "RE" + "b" * 32
    account, token = app.config["TWILIO_ACCOUNT_SID"], app.config["TWILIO_AUTH_TOKEN"]
    path = f"/simulator/2010-04-01/Accounts/{account}/Recordings/{sid}.json"
    auth = {"Authorization": "Basic " + base64.b64encode(f"{account}:{token}".encode()).decode()}
    with app.app_context():
        state.save("recording", sid, {"call_sid": "CA" + "c" * 32, "duration": 3, "created": time.time()})
    assert client.delete(path).status_code == 401
    answer = client.delete(path, headers=auth)
    assert (answer.status_code, answer.get_data()) == (204, b"")
    again = client.delete(path, headers=auth)
    assert (again.status_code, again.get_json()["code"]) == (404, 20404)
    with app.app_context():
        assert state.load("recording", sid) is None
