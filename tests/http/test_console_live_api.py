"""The console's endpoints: a queue's waiting list (the snapshot a console loads
on connect) and the user asking. A browser session or an API token; an
operator reads only the queues they serve; never a phone number."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from hotline.accounts import auth
from hotline.cases.priority import Priority
from hotline.extensions import db
from hotline.models import Call, Role, utcnow
from hotline.models.states import CallStage
from tests.support.calls import ScriptedCall
from tests.support.pages import PASSWORD, log_in

CALLER = "+77015559876"


def bearer(app, name: str, username: str | None) -> dict:
    with app.app_context():
        return {"Authorization": f"Bearer {auth.create_token(name, username)}"}


def test_an_operator_reads_the_waiting_list_of_their_queue_in_answer_order(app, client, twilio, staff):
    first = ScriptedCall(twilio, CALLER)
    first.to_queue(language="2", need="3")
    crisis = "CA" + "c" * 32
    with app.app_context():
        db.session.add(
            Call(
                call_sid=crisis,
                stage=CallStage.QUEUED,
                queue="legal",
                priority=Priority.CRISIS,
                crisis=True,
                enqueued_at=utcnow(),
            )
        )
        db.session.commit()
    log_in(client, "aigerim", PASSWORD)

    answer = client.get("/api/v1/queues/legal/waiting")

    assert answer.status_code == 200
    body = answer.get_json()
    assert (body["queue"], body["total"]) == ("legal", 2)
    assert [(c["call_sid"], c["position"], c["crisis"]) for c in body["callers"]] == [
        (crisis, 1, True),
        (first.sid, 2, False),
    ]
    with client.application.app_context():
        record = first.record()
        assert body["callers"][1] == {
            "kind": "call",
            "call_sid": first.sid,
            "callback_id": None,
            "queue": "legal",
            "position": 2,
            "waiting_since": record.enqueued_at.isoformat(),
            "priority": Priority.NORMAL,
            "crisis": False,
            "language": "ru",
            "case_reference": record.case.reference,
            "repeat_caller": False,
            "returned": False,
            "offered": False,
        }
    assert CALLER[-9:] not in answer.get_data(as_text=True)


def test_a_crisis_caller_who_calls_again_about_their_open_case_is_a_repeat_caller(app, client, twilio, staff):
    """Crisis outranks the repeat caller's priority; the badge still shows."""
    earlier = ScriptedCall(twilio, CALLER)
    earlier.to_queue(language="2", need="9")
    earlier.post("/telephony/voice/status", CallStatus="completed", CallDuration="30")
    again = ScriptedCall(twilio, CALLER)
    again.to_queue(language="2", need="9")
    first_time = ScriptedCall(twilio, "+77015551111")
    first_time.to_queue(language="2", need="9")
    log_in(client, "boris", PASSWORD)

    body = client.get("/api/v1/queues/psychologist/waiting").get_json()

    assert [(c["call_sid"], c["priority"], c["repeat_caller"]) for c in body["callers"]] == [
        (again.sid, Priority.CRISIS, True),
        (first_time.sid, Priority.CRISIS, False),
    ]
    with app.app_context():
        assert again.record().case_id == earlier.record().case_id


def test_an_operator_may_not_read_a_queue_they_do_not_serve(app, client, staff):
    log_in(client, "aigerim", PASSWORD)
    refused = client.get("/api/v1/queues/medical/waiting")
    assert refused.status_code == 403
    assert refused.get_json() == {"error": "Forbidden", "message": "you do not serve this queue"}
    assert client.get("/api/v1/queues/nowhere/waiting").status_code == 404
    by_token = bearer(app, "softphone", "aigerim")
    assert client.get("/api/v1/queues/legal/waiting", headers=by_token).status_code == 200
    assert client.get("/api/v1/queues/medical/waiting", headers=by_token).status_code == 403


def test_supervisors_and_wallboards_read_every_queue_and_strangers_none(app, client, staff):
    wallboard = bearer(app, "wallboard", None)
    assert app.test_client().get("/api/v1/queues/medical/waiting", headers=wallboard).status_code == 200
    stranger = app.test_client().get("/api/v1/queues/legal/waiting")
    assert stranger.status_code == 401
    log_in(client, "boris", PASSWORD)
    assert client.get("/api/v1/queues/medical/waiting").get_json() == {
        "queue": "medical",
        "total": 0,
        "callers": [],
    }


def test_the_list_holds_the_first_fifty_and_counts_them_all(app, client, staff):
    start = utcnow() - timedelta(minutes=10)
    with app.app_context():
        db.session.add_all(
            Call(call_sid=f"CA{n:032x}", stage=CallStage.QUEUED, queue="legal", enqueued_at=start)
            for n in range(52)
        )
        db.session.commit()
    log_in(client, "aigerim", PASSWORD)
    body = client.get("/api/v1/queues/legal/waiting").get_json()
    assert body["total"] == 52
    assert [caller["position"] for caller in body["callers"]] == list(range(1, 51))


def test_me_answers_who_is_asking(app, client, staff):
    with app.app_context():
        auth.create_user("dana", Role.OPERATOR, PASSWORD, phone="+77015550002")
    log_in(client, "aigerim", PASSWORD)
    assert client.get("/api/v1/me").get_json() == {
        "username": "aigerim",
        "role": "operator",
        "queues": ["legal"],
        "languages": ["kk", "ru"],
        "presence": "away",
        "device": "browser",
    }
    dana = app.test_client().get("/api/v1/me", headers=bearer(app, "phone", "dana"))
    assert dana.get_json()["username"] == "dana"
    assert "555" not in json.dumps(dana.get_json())
    wallboard = app.test_client().get("/api/v1/me", headers=bearer(app, "wallboard", None))
    assert wallboard.status_code == 403
    assert app.test_client().get("/api/v1/me").status_code == 401


def test_the_console_carries_its_words_translated_with_every_plural_form(client, staff):
    log_in(client, "aigerim", PASSWORD, headers={"Accept-Language": "ru"})
    page = client.get("/console", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    block = re.search(r'<script type="application/json" id="console-data"[^>]*>(.*?)</script>', page, re.S)
    live = json.loads(block.group(1))
    assert live["locale"] == "ru" and live["queues"] == ["legal"]
    assert set(live["labels"]["waiting"]) == {"one", "few", "many"}
    assert all("{n}" in form for form in live["labels"]["waiting"].values())
    assert live["labels"]["languages"]["ru"] == "Русский"
    assert live["labels"]["live"] == "В сети"
    assert "{total}" in live["labels"]["more"]
