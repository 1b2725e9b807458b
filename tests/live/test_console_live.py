"""The console's Socket.IO connection: a logged-in session connects (a real
python-socketio client with the session cookie, on a live server), joins the
rooms of the queues its user serves and nothing else; no session, no connection."""

from __future__ import annotations

from hotline import events
from hotline.accounts.users import create_user
from hotline.models import Role
from tests.support.calls import ScriptedCall, TwilioWebhooks
from tests.support.live_events import Console, listening, logged_in, refusal
from tests.support.live_server import serve
from tests.support.pages import PASSWORD


def test_without_a_session_or_token_the_console_is_refused(make_app):
    with serve(make_app) as live:
        for credentials in (None, {}):
            assert refusal(live.url, credentials) == "send a valid API token: auth={'token': …}, or log in"


def test_an_operator_hears_only_the_queues_they_serve(make_app):
    with serve(make_app) as live:
        with live.app.app_context():
            create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["ru"])
            create_user("boris", Role.SUPERVISOR, PASSWORD)
        redis_url = live.app.config["REDIS_URL"]
        operator = listening(redis_url, lambda: Console(live.url, logged_in(live.url, "aigerim")))
        supervisor = Console(live.url, logged_in(live.url, "boris"))
        try:
            with live.app.app_context():
                twilio = TwilioWebhooks(live.app.test_client())
                medical = ScriptedCall(twilio, "+77015550001")
                medical.to_queue(need="2")
                legal = ScriptedCall(twilio, "+77015550002")
                legal.to_queue(need="3")
                operator.wait_for(events.CALLER_JOINED, legal.sid)
                supervisor.wait_for(events.CALLER_JOINED, medical.sid)
                supervisor.wait_for(events.CALLER_JOINED, legal.sid)
                medical.post("/telephony/voice/queue-result", QueueResult="hangup", QueueTime="2")
                legal.post("/telephony/voice/queue-result", QueueResult="hangup", QueueTime="3")
                operator.wait_for(events.CALLER_LEFT, legal.sid)
        finally:
            operator.close()
            supervisor.close()
    # Events arrive in the order they were published: the legal ones came after the medical ones.
    assert [data["call_sid"] for _event, data in operator.received] == [legal.sid, legal.sid]
    assert [data["queue"] for _event, data in operator.received] == ["legal", "legal"]
