"""/console: the user's queues with who waits in them, rendered on the server,
never a phone number; an operator sees only the queues they serve."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from tests.support.calls import ScriptedCall
from tests.support.pages import PASSWORD, log_in

CALLER = "+77015559876"


def callers_on(page: str) -> list[str]:
    return re.findall(r'data-call-sid="([^"]+)"', page)


def test_an_operator_sees_their_queues_callers_and_not_another_queues(client, twilio, staff):
    legal = ScriptedCall(twilio, CALLER)
    legal.to_queue(language="2", need="3")
    medical = ScriptedCall(twilio, "+77015550001")
    medical.to_queue(language="1", need="2")

    log_in(client, "aigerim", PASSWORD, headers={"Accept-Language": "en"})
    page = client.get("/console", headers={"Accept-Language": "en"}).get_data(as_text=True)

    assert callers_on(page) == [legal.sid]
    assert 'data-queue="legal"' in page and 'data-queue="medical"' not in page
    assert "1 waiting" in page
    assert re.search(r"HL-\d{4}-\d{6}", page)
    assert "Russian" in page
    assert CALLER not in page and CALLER[-9:] not in page
    assert '<meta name="csrf-token" content="' in page
    scripts = re.findall(r"<script[^>]*>", page)
    assert scripts and all(" src=" in tag or 'type="application/json"' in tag for tag in scripts)


def test_a_supervisor_sees_all_four_queues_in_answer_order(app, client, twilio, staff):
    first = ScriptedCall(twilio, "+77015550002")
    first.to_queue(language="2", need="3")
    crisis = ScriptedCall(twilio, "+77015550003")
    crisis.to_queue(language="2", need="9")
    medical = ScriptedCall(twilio, "+77015550004")
    medical.to_queue(language="1", need="2")

    log_in(client, "boris", PASSWORD)
    page = client.get("/console", headers={"Accept-Language": "en"}).get_data(as_text=True)

    assert re.findall(r'data-queue="(\w+)"', page) == ["psychologist", "medical", "legal", "general"]
    assert callers_on(page) == [crisis.sid, medical.sid, first.sid]
    assert 'class="badge crisis">Crisis<' in page
    assert "Nobody is waiting." in page


def test_the_list_shows_the_first_fifty_and_the_total(app, client, staff):
    from datetime import timedelta

    from hotline.extensions import db
    from hotline.models import Call, utcnow
    from hotline.models.states import CallStage

    with app.app_context():
        start = utcnow() - timedelta(minutes=10)
        db.session.add_all(
            Call(call_sid=f"CA{n:032x}", stage=CallStage.QUEUED, queue="legal", enqueued_at=start)
            for n in range(52)
        )
        db.session.commit()
    log_in(client, "aigerim", PASSWORD)
    page = client.get("/console", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert len(callers_on(page)) == 50
    assert "52 waiting" in page
    assert "Showing the first 50 of 52." in page
    assert '<td class="waited">10:0' in page
    local = start.astimezone(ZoneInfo(app.config["HOTLINE_TIMEZONE"]))
    assert f'">{local:%H:%M}</time>' in page
