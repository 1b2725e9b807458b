"""Property: whatever a signed request carries, to whichever step and for a call at any
stage, the answer is never a 5xx and the records stay whole.

The requests are signed with the right token, so every one reaches the views: any
unicode, NULs, huge and negative numbers, missing and repeated fields, and any
`attempt` in the query string. Text with a lone surrogate (sent as its raw bytes,
which are no UTF-8) is refused with 400 before any view, signed or not. A step
that makes no sense for the call's stage may be refused (409) or answered
harmlessly; either way these hold afterwards: every call has
a caller (a withheld one has no number at all), every case a reference, no
queue_result on a call that never queued, and no callback from the phone without a case.
"""

from __future__ import annotations

import re

import pytest
import time_machine
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from hotline.extensions import db
from hotline.models import Call, Callback, Caller, Case
from telephony import vocabulary
from tests.support import surrogates
from tests.support.calls import ScriptedCall, TwilioWebhooks
from tests.support.clock import next_saturday_at, next_weekday_at
from tests.support.database import empty_tables

WEEKDAY_NOON = next_weekday_at(12)  # open on weekday hours
SATURDAY_NOON = next_saturday_at(12, after=WEEKDAY_NOON)  # closed, the same week

STEPS = [
    "/telephony/voice/incoming",
    "/telephony/voice/language",
    "/telephony/voice/menu",
    "/telephony/voice/wait",
    "/telephony/voice/wait/choice",
    "/telephony/voice/wait/number",
    "/telephony/voice/queue-result",
    "/telephony/voice/after-hours",
    "/telephony/voice/after-hours/number",
    "/telephony/voice/message",
    "/telephony/voice/status",
]
STAGES = ["arrived", "at_need_menu", "queued", "after_hours", "left_queue", "ended", "unknown"]
PHONE_FROM_CALLBACKS = {"ivr", "after_hours"}

numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["0", "1", "2", "9", "", "²", "٣", "+1", " 1", "1\n", "9" * 40]),
)
anything = st.text(max_size=40) | surrogates.with_surrogates
FIELDS = {
    "Digits": st.one_of(
        st.sampled_from(["1", "2", "3", "9", "*", "#", "", "3\n", "٣", "87015550077", "8701555007#"]),
        anything,
    ),
    "From": st.one_of(st.sampled_from(["+77015551234", "+77015559876", "anonymous", ""]), anything),
    "QueueResult": st.one_of(st.sampled_from(sorted(vocabulary.QUEUE_RESULTS)), anything),
    "CallStatus": st.one_of(st.sampled_from(sorted(vocabulary.CALL_STATUSES)), anything),
    "QueueTime": numbers,
    "QueuePosition": numbers,
    "RecordingDuration": numbers,
    "CallDuration": numbers,
    "SequenceNumber": numbers,
    "RecordingSid": st.one_of(st.just("RE" + "0" * 32), st.just("RE" + "0" * 32 + "\n"), anything),
    "RecordingUrl": st.one_of(st.just("https://api.twilio.com/rec"), anything),
    "To": anything,
    "\x00": anything,
}


@st.composite
def requests(draw):
    """One signed request: a step, the call (by stage) or any CallSid, random fields."""
    step = draw(st.sampled_from(STEPS))
    who = draw(st.one_of(st.sampled_from(STAGES), st.just("missing"), anything))
    pairs = [(name, draw(values)) for name, values in FIELDS.items() if draw(st.booleans())]
    if draw(st.booleans()):  # a field given twice
        name = draw(st.sampled_from(sorted(FIELDS)))
        pairs.append((name, draw(FIELDS[name])))
    attempt = draw(st.one_of(st.none(), numbers, anything))
    return step, who, pairs, attempt


def stage_calls(hooks: TwilioWebhooks) -> dict[str, str]:
    """One call in each stage; returns the CallSid of each."""
    sids = {}
    with time_machine.travel(WEEKDAY_NOON, tick=False):
        for stage in ["arrived", "at_need_menu", "queued", "left_queue", "ended"]:
            call = ScriptedCall(hooks, from_number=None if stage == "ended" else "+77015551234")
            sids[stage] = call.sid
            call.dial()
            if stage == "arrived":
                continue
            call.press("/telephony/voice/language?attempt=1", "2")
            if stage == "at_need_menu":
                continue
            call.press("/telephony/voice/menu?attempt=1", "3")
            if stage == "queued":
                continue
            call.post("/telephony/voice/queue-result", QueueResult="hangup", QueueTime="5")
            if stage == "ended":
                call.post("/telephony/voice/status", CallStatus="completed", SequenceNumber="4")
    with time_machine.travel(SATURDAY_NOON, tick=False):
        call = ScriptedCall(hooks, from_number="+77015559876")
        sids["after_hours"] = call.sid
        call.dial()
        call.press("/telephony/voice/language?attempt=1", "2")
        call.press("/telephony/voice/menu?attempt=1", "1")
    sids["unknown"] = hooks.new_call_sid()
    return sids


def check_the_records() -> None:
    db.session.expire_all()
    for call in db.session.scalars(select(Call)):
        assert call.caller_id is not None, f"call {call.call_sid} has no caller"
        if call.queue_result is not None:
            assert call.enqueued_at is not None, f"queue_result {call.queue_result!r} on a call never queued"
    for caller in db.session.scalars(select(Caller)):
        assert (caller.number_hash is None) == (caller.number_encrypted is None), "half a number"
    for case in db.session.scalars(select(Case)):
        assert re.fullmatch(r"HL-[0-9]{4}-[0-9]+", case.reference or ""), f"case {case.id} has no reference"
    for callback in db.session.scalars(select(Callback)):
        if callback.source in PHONE_FROM_CALLBACKS:
            assert callback.case_id is not None, f"{callback.source} callback without a case"


@pytest.fixture
def line(make_app):
    app = make_app(HOTLINE_HOURS="mon-fri 09:00-18:00")
    with app.app_context():
        yield TwilioWebhooks(app.test_client())


# Two steps out of place that wrote records before the stage checks (now 409, nothing written).
STEP_BEFORE_THE_QUEUE = [("/telephony/voice/queue-result", "arrived", [("QueueResult", "bridged")], None)]
CALLBACK_FROM_THE_MENU = [("/telephony/voice/wait/choice", "arrived", [("Digits", "1")], None)]
# Numbers keyed in, while waiting and after hours, by a caller whose number is withheld too.
KEYED_NUMBERS = [
    ("/telephony/voice/wait/number", "queued", [("Digits", "87015550077")], "1"),
    ("/telephony/voice/after-hours/number", "after_hours", [("Digits", "87015550078")], "2"),
    ("/telephony/voice/after-hours/number", "after_hours", [("Digits", "1")], "9" * 40),
]
# A caller's number with a lone surrogate: it once failed at commit.
SURROGATE_CALLER = [
    ("/telephony/voice/incoming", "missing", [("CallSid", "CA" + "1" * 32), ("From", "+7701\ud800")], None)
]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=st.lists(requests(), min_size=1, max_size=4), open_now=st.booleans())
@example(batch=STEP_BEFORE_THE_QUEUE, open_now=True)
@example(batch=CALLBACK_FROM_THE_MENU, open_now=False)
@example(batch=KEYED_NUMBERS, open_now=True)
@example(batch=SURROGATE_CALLER, open_now=True)
def test_signed_random_webhooks_never_fail_and_keep_the_records_whole(line, batch, open_now):
    empty_tables()
    sids = stage_calls(line)
    moment = WEEKDAY_NOON if open_now else SATURDAY_NOON
    with time_machine.travel(moment, tick=False):
        for step, who, pairs, attempt in batch:
            if who != "missing":
                pairs = [("CallSid", sids.get(who, who)), *pairs]
            path = step
            if attempt is not None:
                path += "?attempt=" + surrogates.quoted(attempt)
            response = line.post(path, MultiDict(pairs))
            assert response.status_code < 500, (step, who, pairs, attempt, response.get_data(as_text=True))
            assert response.status_code in {200, 204, 400, 404, 409}, response.status_code
            if surrogates.has_surrogate(attempt or "", *(text for pair in pairs for text in pair)):
                assert response.status_code == 400
    check_the_records()
