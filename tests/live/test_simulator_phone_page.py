"""/simulator/phone: the browser's phone, development only. A call placed from
the page reaches the hotline's queue through signed webhooks (the server plays
the caller), keys pressed on the page answer its menus, hanging up ends it; the
page's answers never carry the caller's number; with the simulator off there
is no page."""

from __future__ import annotations

import re

import pytest
import requests
from sqlalchemy import select

from hotline.extensions import db
from hotline.models import Call
from telephony.simulator import web_phone
from tests.support.live_server import serve
from tests.support.waiting import eventually

CALLER = "+7 701 555 9876"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


class PagePhone:
    """The page's part, over HTTP: its session, its CSRF token, its polling."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.browser = requests.Session()
        page = self.browser.get(f"{url}/simulator/phone")
        assert page.status_code == 200
        self.headers = {"X-CSRFToken": CSRF_META.search(page.text).group(1), "Accept": "application/json"}
        self.answers: list[str] = []
        self.lines: list[dict] = []
        self.sid = ""

    def post(self, path: str, body: dict | None = None) -> requests.Response:
        answer = self.browser.post(f"{self.url}/simulator/phone{path}", json=body or {}, headers=self.headers)
        self.answers.append(answer.text)
        return answer

    def call(self, from_number: str) -> str:
        placed = self.post("/calls", {"from": from_number})
        assert placed.status_code == 201, placed.text
        self.sid = placed.json()["call_sid"]
        return self.sid

    def read(self) -> dict:
        answer = self.browser.get(
            f"{self.url}/simulator/phone/calls/{self.sid}/transcript", params={"after": len(self.lines)}
        )
        assert answer.status_code == 200, answer.text
        self.answers.append(answer.text)
        body = answer.json()
        assert body["next"] == len(self.lines) + len(body["lines"])
        self.lines += body["lines"]
        return body

    def wait_for(self, kind: str, text: str, timeout: float = 15) -> None:
        """Read the transcript as the page does until the line comes (the call runs in a thread)."""
        line = {"kind": kind, "text": text}
        eventually(
            lambda: self.read()["ended"] or line in self.lines,
            timeout=timeout,
            what=lambda: f"no {kind}: {text} in {self.lines}",
            every=0.05,
        )
        assert line in self.lines, f"the call ended with no {kind}: {text} in {self.lines}"

    def wait_until_ended(self, timeout: float = 15) -> dict:
        def ended() -> dict | None:
            body = self.read()
            return body if body["ended"] else None

        return eventually(
            ended, timeout=timeout, what=lambda: f"the call did not end: {self.lines}", every=0.05
        )


@pytest.fixture
def quick(monkeypatch):
    """Short hold-music turns and menus, so a hang-up in the queue is heard soon."""
    monkeypatch.setattr(web_phone, "HOLD_SECONDS", 0.1)
    monkeypatch.setattr(web_phone, "KEYPAD_SECONDS", 0.3)


def test_a_call_from_the_page_reaches_the_queue_and_hangs_up(make_app, quick):
    with serve(make_app) as live:
        phone = PagePhone(live.url)
        sid = phone.call(CALLER)
        assert phone.post(f"/calls/{sid}/digits", {"digits": "2"}).status_code == 204  # Russian
        assert phone.post(f"/calls/{sid}/digits", {"digits": "3"}).status_code == 204  # legal
        phone.wait_for("waits", "in queue legal")
        with live.app.app_context():
            call = db.session.scalars(select(Call).where(Call.call_sid == sid)).one()
            assert (call.stage, call.queue, call.language) == ("queued", "legal", "ru")

        assert phone.post(f"/calls/{sid}/hangup").status_code == 204
        ended = phone.wait_until_ended()

        assert ended["hung_up"] is True
        assert {"kind": "presses", "text": "2"} in phone.lines
        assert {"kind": "presses", "text": "3"} in phone.lines
        assert {"kind": "waits", "text": "left queue legal: hangup"} in phone.lines
        assert any(line["kind"] == "hears" for line in phone.lines)
        with live.app.app_context():
            db.session.expire_all()
            call = db.session.scalars(select(Call).where(Call.call_sid == sid)).one()
            assert (call.stage, call.abandoned, call.left_queue_reason) == ("ended", True, "hung_up")
        assert phone.post(f"/calls/{sid}/digits", {"digits": "1"}).status_code == 409
        assert phone.post(f"/calls/{sid}/hangup").status_code == 204  # hanging up twice is harmless
    for answer in phone.answers:
        assert "5559876" not in answer.replace(" ", "")


def test_no_key_pressed_is_no_input_and_a_withheld_caller_goes_to_general(make_app, quick):
    with serve(make_app) as live:
        phone = PagePhone(live.url)
        sid = phone.call("")
        phone.wait_for("waits", "in queue general")
        assert not [line for line in phone.lines if line["kind"] == "presses"]
        phone.post(f"/calls/{sid}/hangup")
        phone.wait_until_ended()
        with live.app.app_context():
            call = db.session.scalars(select(Call).where(Call.call_sid == sid)).one()
            assert call.caller.withheld


def test_the_page_is_served_with_its_script_and_no_inline_code(client):
    page = client.get("/simulator/phone")
    assert page.status_code == 200
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
    html = page.get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>", html)
    assert 'type="module" src="/static/js/simulator_phone.js"' in " ".join(scripts)
    assert all("src=" in attributes or 'type="application/json"' in attributes for attributes in scripts)
    assert client.get("/static/js/simulator_phone.js").status_code == 200
    assert html.count('class="sim-key"') == 12


def test_bad_requests_are_refused_plainly(client):
    token = CSRF_META.search(client.get("/simulator/phone").get_data(as_text=True)).group(1)
    headers = {"X-CSRFToken": token, "Accept": "application/json"}
    assert client.post("/simulator/phone/calls", json={"from": "+77015559876"}).status_code == 400  # no CSRF
    bad_number = client.post("/simulator/phone/calls", json={"from": "call me maybe"}, headers=headers)
    assert bad_number.status_code == 400
    assert bad_number.get_json()["message"] == "invalid or missing field(s): from"
    unknown = "CA" + "0" * 32
    assert (
        client.post(
            f"/simulator/phone/calls/{unknown}/digits", json={"digits": "1"}, headers=headers
        ).status_code
        == 404
    )
    assert client.post(f"/simulator/phone/calls/{unknown}/hangup", headers=headers).status_code == 404
    assert client.get(f"/simulator/phone/calls/{unknown}/transcript").status_code == 404
    assert client.get("/simulator/phone/calls/nonsense/transcript").status_code == 404
    assert client.get(f"/simulator/phone/calls/{unknown}/transcript?after=-1").status_code == 400
    for digits in ("12a", "", "1" * 33, 5):
        refused = client.post(
            f"/simulator/phone/calls/{unknown}/digits", json={"digits": digits}, headers=headers
        )
        assert refused.status_code == 400


def test_with_the_simulator_off_there_is_no_phone_page(make_app):
    client = make_app(TELEPHONY_SIMULATOR=False).test_client()
    assert client.get("/simulator/phone").status_code == 404
    assert client.post("/simulator/phone/calls", json={"from": ""}).status_code in (400, 404)
    assert client.get(f"/simulator/phone/calls/CA{'0' * 32}/transcript").status_code == 404
