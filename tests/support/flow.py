"""End to end through the real pieces: operators at their desks on a live server (the
browser's session and CSRF token, the console's Socket.IO connection, the softphone),
simulated callers' phones in threads, and what the API, the case and the audit log say."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager

import requests
from sqlalchemy import select

from hotline import events
from hotline.accounts import auth
from hotline.extensions import db
from hotline.models import AuditRecord, Call, CaseEvent
from telephony.simulator.device import SimulatedDevice
from telephony.simulator.phone import CallResult, Script
from tests.support.live_events import Console, listening, logged_in
from tests.support.live_server import LiveServer
from tests.support.pages import CSRF_META

# ru, legal: the caller's menu choices. A caller waits up to WAIT_LOOPS turns of HOLD_SECONDS.
LEGAL_IN_RUSSIAN = ("2", "3")
MEDICAL = "2"
HOLD_SECONDS = 0.05
WAIT_LOOPS = 600


def staying(digits: tuple[str, ...] = LEGAL_IN_RUSSIAN, talk_seconds: float | None = None) -> Script:
    """A caller who waits in the queue and, once connected, stays until the other side hangs up."""
    return Script(
        digits=digits,
        in_queue="wait",
        wait_loops=WAIT_LOOPS,
        hold_seconds=HOLD_SECONDS,
        talk_seconds=talk_seconds,
    )


class Desk:
    """An operator at their desk: the browser's session on the live server, the
    console's Socket.IO connection, and (once asked for) the softphone."""

    def __init__(self, live: LiveServer, username: str, *, first: bool = True) -> None:
        self.live = live
        self.username = username
        self.browser = logged_in(live.url, username)
        self.csrf = CSRF_META.search(self.browser.get(f"{live.url}/console").text).group(1)
        connect = lambda: Console(live.url, self.browser)  # noqa: E731
        # The server subscribes to the message queue at its first console's connection.
        self.console = listening(live.app.config["REDIS_URL"], connect) if first else connect()
        self.device: SimulatedDevice | None = None

    def send(self, method: str, path: str, body: dict | None = None) -> requests.Response:
        return self.browser.request(
            method, self.live.url + path, json=body, headers={"X-CSRFToken": self.csrf}, timeout=15
        )

    def softphone(self) -> SimulatedDevice:
        answer = self.browser.get(f"{self.live.url}/api/v1/me/voice-token", timeout=15)
        assert answer.status_code == 200, answer.text
        self.device = SimulatedDevice(self.live.url, answer.json()["token"], poll_seconds=0.02)
        assert self.device.register() == answer.json()["identity"]
        return self.device

    def available(self, device: str | None = None) -> dict:
        body = {"presence": "available", **({"device": device} if device else {})}
        answer = self.send("PUT", "/api/v1/me/presence", body)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def me(self) -> dict:
        return self.browser.get(f"{self.live.url}/api/v1/me", timeout=15).json()

    def offered(self, matches: Callable[[dict], bool] = lambda data: True, timeout: float = 10) -> dict:
        return self.heard(events.OFFER_CREATED, matches, timeout)

    def heard(self, event: str, matches: Callable[[dict], bool], timeout: float = 10) -> dict:
        return self.console.heard(event, matches, timeout, f"matching {event} for {self.username}")

    def heard_call(self, call_sid: str, state: str, timeout: float = 10) -> dict:
        return self.heard(
            events.OPERATOR_CALL, lambda data: (data["call_sid"], data["state"]) == (call_sid, state), timeout
        )

    def offers_heard(self) -> list[str]:
        """The CallSid of every offer made to this operator, in order."""
        return [data["call_sid"] for name, data in self.console.received if name == events.OFFER_CREATED]

    def accept(self, offer: dict) -> dict:
        answer = self.send("POST", f"/api/v1/offers/{offer['offer_id']}/accept")
        assert answer.status_code == 200, answer.text
        return answer.json()

    def close(self) -> None:
        self.console.close()


@contextmanager
def desks(live: LiveServer, *usernames: str) -> Iterator[list[Desk]]:
    opened: list[Desk] = []
    try:
        for username in usernames:
            opened.append(Desk(live, username, first=not opened))
        yield opened
    finally:
        for desk in opened:
            desk.close()


def phoning(pool: ThreadPoolExecutor, live: LiveServer, number: str, script: Script) -> Future[CallResult]:
    return pool.submit(live.phone().call, number, script)


def call_detail(live: LiveServer, call_sid: str) -> dict:
    with live.app.app_context():
        token = auth.create_token("wallboard")
    answer = requests.get(
        f"{live.url}/api/v1/calls/{call_sid}", headers={"Authorization": f"Bearer {token}"}, timeout=15
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def record_of(call_sid: str) -> Call:
    db.session.expire_all()
    return db.session.scalars(select(Call).where(Call.call_sid == call_sid)).one()


def case_events(call_sid: str) -> list[str]:
    db.session.expire_all()
    call = record_of(call_sid)
    return db.session.scalars(
        select(CaseEvent.kind).where(CaseEvent.call_id == call.id).order_by(CaseEvent.id)
    ).all()


def audited(call_sid: str) -> list[str]:
    db.session.expire_all()
    return db.session.scalars(
        select(AuditRecord.action).where(AuditRecord.object_id == call_sid).order_by(AuditRecord.id)
    ).all()
