"""The need menu, the queue, waiting, and leaving the queue."""

import json
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from hotline import events
from hotline.accounts.auth import create_token, create_user
from hotline.cases.priority import Priority
from hotline.extensions import db
from hotline.models import Callback, Case, CaseEvent, Role
from tests.support.calls import ScriptedCall, TwilioWebhooks, spoken, twiml
from tests.support.live_events import LiveScreen, integration_token, listening, refusal
from tests.support.live_server import serve

ALMATY = ZoneInfo("Asia/Almaty")


def test_choosing_a_need_opens_a_case_and_enqueues_the_caller(twilio, app_context):
    call = ScriptedCall(twilio)
    root = call.to_queue(need="3")

    enqueue = root.find("Enqueue")
    assert enqueue.text == "legal"
    assert enqueue.get("waitUrl") == "/telephony/voice/wait"
    assert enqueue.get("action") == "/telephony/voice/queue-result"
    record = call.record()
    assert (record.stage, record.queue, record.priority) == ("queued", "legal", Priority.NORMAL)
    assert record.enqueued_at is not None
    # The first case of the year (the tables start empty), numbered in the hotline's year.
    assert record.case.reference == f"HL-{record.case.opened_at.astimezone(ALMATY).year}-000001"
    assert [e.kind for e in record.case.events] == ["opened", "call"]


def test_each_digit_reaches_its_queue(twilio, app_context):
    for digit, queue in {"1": "psychologist", "2": "medical", "3": "legal", "4": "general"}.items():
        assert ScriptedCall(twilio).to_queue(need=digit).find("Enqueue").text == queue


def test_unknown_digit_and_no_input_ask_again_then_general(twilio, app_context):
    call = ScriptedCall(twilio)
    call.dial()
    call.press("/telephony/voice/language?attempt=1", "2")
    root = twiml(call.press("/telephony/voice/menu?attempt=1", "7"))
    assert "не поняла" in spoken(root)
    assert root.find("Gather").get("action") == "/telephony/voice/menu?attempt=2"
    root = twiml(call.press("/telephony/voice/menu?attempt=2", None))
    assert root.find("Gather").get("action") == "/telephony/voice/menu?attempt=3"
    assert call.record().case is None
    root = twiml(call.press("/telephony/voice/menu?attempt=3", None))
    assert root.find("Enqueue").text == "general"


def test_danger_option_reads_the_emergency_number_first_and_goes_top_priority(twilio, app_context):
    call = ScriptedCall(twilio)
    root = call.to_queue(need="9")
    says = [node.text for node in root.iter("Say")]
    assert "1 1 2" in says[0]
    assert list(root)[-1].tag == "Enqueue"
    assert root.find("Enqueue").text == "psychologist"
    record = call.record()
    assert record.crisis and record.case.crisis
    assert record.priority == Priority.CRISIS


def test_emergency_number_is_configurable(make_app):
    from tests.support.calls import TwilioWebhooks

    app = make_app(HOTLINE_EMERGENCY_NUMBER="103")
    with app.app_context():
        root = ScriptedCall(TwilioWebhooks(app.test_client())).to_queue(need="9")
    assert "1 0 3" in spoken(root)


def test_a_repeated_menu_webhook_opens_no_second_case(twilio, app_context):
    call = ScriptedCall(twilio)
    call.to_queue(need="1")
    twiml(call.press("/telephony/voice/menu?attempt=1", "1"))
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1


def test_a_repeat_caller_with_an_open_case_joins_it_when_choosing_its_queue(twilio, app_context):
    first = ScriptedCall(twilio)
    first.to_queue(need="3")
    again = ScriptedCall(twilio)
    again.to_queue(need="3")
    elsewhere = ScriptedCall(twilio)
    elsewhere.to_queue(need="2")

    assert again.record().case_id == first.record().case_id
    assert again.record().priority == Priority.REPEAT_CALLER_OPEN_CASE
    assert elsewhere.record().case_id != first.record().case_id
    assert elsewhere.record().priority == Priority.NORMAL
    kinds = [e.kind for e in first.record().case.events]
    assert kinds == ["opened", "call", "call"]


def test_withheld_callers_always_get_a_new_case(twilio, app_context):
    first, second = ScriptedCall(twilio, None), ScriptedCall(twilio, None)
    first.to_queue(need="3")
    second.to_queue(need="3")
    assert first.record().case_id != second.record().case_id


def test_waiting_caller_hears_position_hold_audio_and_callback_offer(twilio, app_context):
    ScriptedCall(twilio, "+77015550001").to_queue(need="2")
    call = ScriptedCall(twilio, "+77015550002")
    call.to_queue(need="2")
    root = twiml(call.post("/telephony/voice/wait", QueuePosition="2", QueueTime="5"))
    assert "Ваше место в очереди: 2" in spoken(root)
    gather = root.find("Gather")
    assert gather.get("action") == "/telephony/voice/wait/choice"
    assert "нажмите 1" in spoken(gather)
    assert gather.find("Play").text == "/static/audio/hold.wav"


def test_position_follows_priority_not_arrival(twilio, app_context):
    ScriptedCall(twilio, "+77015550001").to_queue(need="1")
    crisis = ScriptedCall(twilio, "+77015550002")
    crisis.to_queue(need="9")
    root = twiml(crisis.post("/telephony/voice/wait", QueuePosition="2"))
    assert "Ваше место в очереди: 1" in spoken(root)


def test_hold_audio_is_served(client):
    response = client.get("/static/audio/hold.wav")
    assert response.status_code == 200
    assert response.data[:4] == b"RIFF"


def test_pressing_1_while_waiting_asks_for_a_callback_and_leaves(twilio, app_context):
    call = ScriptedCall(twilio)
    call.to_queue(need="3")
    root = twiml(call.press("/telephony/voice/wait/choice", "1"))
    gather = root.find("Gather")
    assert (gather.get("finishOnKey"), gather.get("action")) == (
        "#",
        "/telephony/voice/wait/number?attempt=1",
    )
    assert "с которого вы звоните, нажмите 1" in spoken(gather)
    assert root.find("Leave") is None and call.record().stage == "queued"
    root = twiml(call.press("/telephony/voice/wait/number?attempt=1", "1"))
    assert "Мы перезвоним вам сегодня в рабочее время" in spoken(root)
    assert root.find("Leave") is not None
    root = twiml(call.post("/telephony/voice/queue-result", QueueResult="leave", QueueTime="40"))
    assert "Ждите нашего звонка" in spoken(root)
    assert root.find("Hangup") is not None

    callback = db.session.scalars(select(Callback)).one()
    record = call.record()
    assert (callback.queue, callback.source, callback.status) == ("legal", "ivr", "queued")
    assert callback.case_id == record.case_id and callback.caller_id == record.caller_id
    assert record.queue_result == "leave" and not record.abandoned
    assert record.wait_seconds == 40
    assert "callback_requested" in [e.kind for e in record.case.events]
    # A retried keypress asks for no second callback.
    call.press("/telephony/voice/wait/number?attempt=1", "1")
    assert db.session.scalar(select(func.count()).select_from(Callback)) == 1


def test_other_keys_while_waiting_keep_the_caller_waiting(twilio, app_context):
    call = ScriptedCall(twilio)
    call.to_queue()
    root = twiml(call.press("/telephony/voice/wait/choice", "5"))
    assert root.find("Redirect").text == "/telephony/voice/wait"
    assert call.record().stage == "queued"


def test_withheld_caller_is_offered_a_callback_on_a_number_they_key_in(twilio, app_context):
    call = ScriptedCall(twilio, None)
    call.to_queue()
    root = twiml(call.post("/telephony/voice/wait", QueuePosition="1"))
    assert "нажмите 1" in spoken(root.find("Gather"))
    root = twiml(call.press("/telephony/voice/wait/choice", "1"))
    assert "номер скрыт" in spoken(root) and "с которого вы звоните" not in spoken(root)
    root = twiml(call.press("/telephony/voice/wait/number?attempt=1", "1"))
    assert "на этот номер мы не сможем позвонить" in spoken(root)
    assert db.session.scalar(select(func.count()).select_from(Callback)) == 0
    root = twiml(call.press("/telephony/voice/wait/number?attempt=2", "87015550077"))
    assert root.find("Leave") is not None
    callback = db.session.scalars(select(Callback)).one()
    assert (callback.source, callback.number_tail) == ("ivr", "77")


def test_hanging_up_in_the_queue_is_abandoned_and_leaves_it_at_once(twilio, app_context, client):
    call = ScriptedCall(twilio)
    call.to_queue(need="3")
    root = twiml(call.post("/telephony/voice/queue-result", QueueResult="hangup", QueueTime="75"))
    assert root.find("Hangup") is not None
    record = call.record()
    assert (record.stage, record.queue_result, record.abandoned) == ("left_queue", "hangup", True)
    assert record.wait_seconds == 75
    left = db.session.scalars(select(CaseEvent).where(CaseEvent.kind == "left_queue")).one()
    # The timeline speaks the hotline's words, not Twilio's.
    assert left.data == {"result": "hung_up", "wait_seconds": 75}


def test_queue_result_errors_apologise(twilio, app_context):
    call = ScriptedCall(twilio)
    call.to_queue()
    root = twiml(call.post("/telephony/voice/queue-result", QueueResult="queue-full", QueueTime="0"))
    assert "ошибка" in spoken(root)
    assert call.record().queue_result == "queue-full"


def test_entering_and_leaving_the_queue_reaches_live_screens(make_app, redis_url):
    """A real Socket.IO client on a live server, events through the Redis message queue."""
    with serve(make_app) as live:
        screen = listening(redis_url, lambda: LiveScreen(live.url, integration_token(live.app)))
        try:
            with live.app.app_context():
                twilio = TwilioWebhooks(live.app.test_client())
                call = ScriptedCall(twilio)
                call.to_queue(need="3")
                joined = screen.wait_for(events.CALLER_JOINED, call.sid)
                call.post("/telephony/voice/queue-result", QueueResult="hangup", QueueTime="3")
                left = screen.wait_for(events.CALLER_LEFT, call.sid)
                record = call.record()
                reference = record.case.reference
                ends = ScriptedCall(twilio, "+77015550009")
                ends.to_queue(need="1")
                ends.post("/telephony/voice/status", CallStatus="completed", CallDuration="20")
                ended = screen.wait_for(events.CALLER_LEFT, ends.sid)
        finally:
            screen.close()

    assert joined == {
        "call_sid": call.sid,
        "queue": "legal",
        "waiting_since": record.enqueued_at.isoformat(),
        "priority": Priority.NORMAL,
        "crisis": False,
        "language": "ru",
        "case_reference": reference,
        "repeat_caller": False,
        "returned": False,
    }
    assert left == {"call_sid": call.sid, "queue": "legal", "reason": "hung_up"}
    assert ended == {"call_sid": ends.sid, "queue": "psychologist", "reason": "ended"}
    assert "701555" not in json.dumps(screen.received)


def test_a_live_screen_without_a_valid_token_is_refused(make_app):
    with serve(make_app) as live:
        with live.app.app_context():
            create_user("ops", Role.OPERATOR)
            operator_token = create_token("softphone", "ops")
        for credentials in (None, {}, {"token": "hl_not-a-token"}, {"token": 7}, "hl_not-a-token"):
            assert refusal(live.url, credentials).startswith("send a valid API token")
        assert refusal(live.url, {"token": operator_token}) == "this token's user has no live rooms yet"
