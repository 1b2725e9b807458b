"""risk.alert, live: real python-socketio clients on a live server, the event
through the Redis message queue. A supervisor's screen hears it at once, when
an operator sets a case's risk imminent and when a caller chooses the crisis
option; an operator's console (not in the supervisors' room) does not."""

from __future__ import annotations

from hotline import events
from tests.support.calls import ScriptedCall, TwilioWebhooks
from tests.support.cases import bearer, case_called, staff_tokens
from tests.support.live_events import Console, LiveScreen, listening, logged_in
from tests.support.live_server import serve


def test_a_supervisor_hears_the_alert_and_an_operator_does_not(make_app, redis_url):
    with serve(make_app) as live:
        tokens = staff_tokens(live.app)
        supervisor = listening(redis_url, lambda: LiveScreen(live.url, tokens["boris"]))
        operator = Console(live.url, logged_in(live.url, "aigerim"))
        try:
            client = live.app.test_client()
            twilio = TwilioWebhooks(client)
            reference = case_called(live.app, twilio)
            answer = client.post(
                f"/api/v1/cases/{reference}/risk",
                json={"level": "imminent"},
                headers=bearer(tokens["aigerim"]),
            )
            assert answer.status_code == 200, answer.get_json()
            heard = supervisor.heard(
                events.RISK_ALERT, lambda data: data["case_reference"] == reference, timeout=1
            )
            crisis = ScriptedCall(twilio, "+77015550808")
            crisis.to_queue(need="9")
            on_the_line = supervisor.heard(
                events.RISK_ALERT, lambda data: data["call_sid"] == crisis.sid, timeout=1
            )
            # The operator's console hears its queue's caller, never the alert.
            operator.heard(events.CALLER_JOINED, lambda data: data["case_reference"] == reference, timeout=1)
            missed = [name for name, _data in list(operator.received) if name == events.RISK_ALERT]
        finally:
            supervisor.close()
            operator.close()

    assert (heard["level"], heard["queue"], heard["times_raised"]) == ("imminent", "legal", 1)
    assert heard["call_sid"] is not None
    assert (on_the_line["level"], on_the_line["queue"]) == ("imminent", "psychologist")
    assert missed == []
