"""Offers as the consoles hear them: real python-socketio clients with a logged-in
session on a live server, through the real Redis message queue. An offer
reaches only the chosen operator's consoles; the queue hears that the caller
was offered, then taken."""

from __future__ import annotations

from datetime import datetime

from hotline import events
from tests.support import desk
from tests.support.calls import TwilioWebhooks
from tests.support.clock import recent
from tests.support.live_events import Console, listening, logged_in
from tests.support.live_server import serve
from tests.support.pages import CSRF_META

LONG_AGO = recent(days=2)
LATER = recent(days=1)


def wait_until(console: Console, event: str, matches, timeout: float = 5) -> dict:
    return console.heard(event, matches, timeout, f"matching {event}")


def named(console: Console, event: str) -> list[dict]:
    return [data for name, data in console.received if name == event]


def test_an_offer_reaches_only_the_chosen_operator(make_app):
    with serve(make_app) as live:
        with live.app.app_context():
            desk.operator("asel", ["legal"], ["ru"], available_since=LONG_AGO)
            desk.operator("bolat", ["legal"], ["ru"], available_since=LATER)
        browsers = {name: logged_in(live.url, name) for name in ("asel", "bolat")}
        asel = listening(live.app.config["REDIS_URL"], lambda: Console(live.url, browsers["asel"]))
        bolat = Console(live.url, browsers["bolat"])
        try:
            with live.app.app_context():
                webhooks = TwilioWebhooks(live.app.test_client())
                sid = desk.queued(webhooks, desk.network(live.app, live.url))
            offered = asel.wait_for(events.OFFER_CREATED, sid)
            assert bolat.wait_for(events.CALLER_UPDATED, sid)["offered"] is True

            csrf = CSRF_META.search(browsers["asel"].get(f"{live.url}/console").text).group(1)
            answer = browsers["asel"].post(
                f"{live.url}/api/v1/offers/{offered['offer_id']}/decline", headers={"X-CSRFToken": csrf}
            )
            assert answer.status_code == 200, answer.text
            second = bolat.wait_for(events.OFFER_CREATED, sid)
            assert asel.wait_for(events.OFFER_WITHDRAWN, sid)["reason"] == "declined"

            csrf = CSRF_META.search(browsers["bolat"].get(f"{live.url}/console").text).group(1)
            answer = browsers["bolat"].post(
                f"{live.url}/api/v1/offers/{second['offer_id']}/accept", headers={"X-CSRFToken": csrf}
            )
            assert answer.status_code == 200, answer.text
            assert bolat.wait_for(events.OPERATOR_CALL, sid)["state"] == "connecting"
            for console in (asel, bolat):
                taken = wait_until(console, events.CALLER_UPDATED, lambda data: data["connected"])
                assert (taken["call_sid"], taken["offered"]) == (sid, False)
        finally:
            asel.close()
            bolat.close()

    assert offered["queue"] == "legal" and offered["language"] == "ru" and offered["crisis"] is False
    assert offered["kind"] == "call"
    assert set(offered) == {
        "offer_id",
        "kind",
        "call_sid",
        "queue",
        "priority",
        "crisis",
        "language",
        "case_reference",
        "expires_at",
    }
    assert datetime.fromisoformat(offered["expires_at"]).tzinfo is not None
    assert [data["offer_id"] for data in named(asel, events.OFFER_CREATED)] == [offered["offer_id"]]
    assert [data["offer_id"] for data in named(bolat, events.OFFER_CREATED)] == [second["offer_id"]]
    assert named(asel, events.OPERATOR_CALL) == []
