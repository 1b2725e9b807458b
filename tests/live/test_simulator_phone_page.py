"""/simulator/phone: the browser's phone, development only. A call placed from
the page reaches the hotline's queue through signed webhooks (the server plays
the caller), keys pressed on the page answer its menus, hanging up ends it; the
page's answers never carry the caller's number; with the simulator off there
is no page."""

from __future__ import annotations

import re

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from hotline.extensions import db
from hotline.models import Call
from telephony.simulator import web_phone
from tests.support.devices import IDENTITY, device_for
from tests.support.far_end import TOPIC, ended, place
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

    def listen(self, number: str) -> str | None:
        """Say the page answers for `number`, as the page does every second; the call ringing, if any."""
        heard = self.post("/incoming", {"from": number})
        assert heard.status_code == 200, heard.text
        return (heard.json()["call"] or {}).get("call_sid")

    def ringing(self, number: str, timeout: float = 10) -> str:
        return eventually(lambda: self.listen(number), timeout=timeout, what="nothing rang on the page")

    def pick_up(self, number: str, call_sid: str, action: str = "answer") -> requests.Response:
        answer = self.post(f"/incoming/{call_sid}/{action}", {"from": number})
        if answer.status_code == 200 and action == "answer":
            self.sid, self.lines = call_sid, []
        return answer

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


# --- a call back to the page's number ---------------------------------------------------

PAGE_NUMBER = "+77015559876"  # CALLER, as the page normalises it


def test_a_call_back_to_the_pages_number_rings_there_and_is_heard_once_answered(make_app, dialler, quick):
    with serve(make_app, prepare=dialler.prepare, SIMULATOR_OUTBOUND=f"{PAGE_NUMBER}=busy") as live:
        phone = PagePhone(live.url)
        assert phone.listen(CALLER) is None
        call_sid = place(live, to=PAGE_NUMBER, machine_detection="Enable")
        assert phone.ringing(CALLER) == call_sid
        assert phone.pick_up(CALLER, call_sid).status_code == 200
        phone.wait_for("hears", f"The hotline calls you back about your {TOPIC}.")
        body = phone.wait_until_ended()
        eventually(lambda: dialler.statuses()[-1:] == ["completed"])

    assert body["hung_up"] is False  # the hotline's TwiML hung up
    assert dialler.statuses() == [
        "initiated",
        "ringing",
        "in-progress",
        "completed",
    ]  # not SIMULATOR_OUTBOUND's busy
    assert dialler.forms("/test/person")[0]["AnsweredBy"] == "human"
    assert dialler.all_signed()
    for answer in phone.answers:
        assert "5559876" not in answer.replace(" ", "")


def test_a_call_back_declined_on_the_page_is_busy_and_rings_no_more(make_app, dialler, quick):
    with serve(make_app, prepare=dialler.prepare) as live:
        phone = PagePhone(live.url)
        phone.listen(CALLER)
        call_sid = place(live, to=PAGE_NUMBER)
        assert phone.ringing(CALLER) == call_sid
        assert phone.pick_up(CALLER, call_sid, "decline").status_code == 200
        assert ended(live, call_sid) == "busy"
        eventually(lambda: dialler.statuses()[-1:] == ["busy"])
        assert phone.listen(CALLER) is None
        assert phone.pick_up(CALLER, call_sid).status_code == 409
    assert dialler.forms("/test/person") == []


def test_a_dialled_number_rings_on_the_page_which_hears_the_number_url_then_hangs_up(
    make_app, dialler, quick
):
    dialler.person = PAGE_NUMBER
    with serve(make_app, prepare=dialler.prepare, SIMULATOR_ANSWER_SECONDS=0) as live:
        phone = PagePhone(live.url)
        phone.listen(PAGE_NUMBER)
        place(live, to=f"client:{IDENTITY}", url="/test/operator")
        device = device_for(live)
        device.incoming(timeout=10)
        device.accept()
        leg_sid = phone.ringing(CALLER)
        assert phone.pick_up(CALLER, leg_sid).status_code == 200
        phone.wait_for("hears", f"A call back about your {TOPIC}.")
        phone.wait_for("connected", "the other side")
        assert phone.post(f"/calls/{leg_sid}/hangup").status_code == 204
        phone.wait_until_ended()
        eventually(lambda: dialler.forms("/test/dial-result"))

    (dialled,) = dialler.forms("/test/dial-result")
    assert (dialled["DialCallSid"], dialled["DialCallStatus"], dialled["DialBridged"]) == (
        leg_sid,
        "completed",
        "true",
    )
    assert dialler.forms("/test/screen")[0]["AnsweredBy"] == "human"


def test_the_page_answers_only_for_its_own_number_and_a_withheld_one_for_none(make_app, dialler):
    with serve(make_app, prepare=dialler.prepare, SIMULATOR_ANSWER_SECONDS=30) as live:
        phone = PagePhone(live.url)
        listened = phone.post("/incoming", {"from": ""})
        assert listened.json() == {"call": None, "listening": False}
        assert phone.post("/incoming", {"from": "+7 701"}).json()["listening"] is False  # still being typed
        phone.listen("+77015550000")
        call_sid = place(live, to=PAGE_NUMBER)  # nobody's page: the simulator answers it
        assert phone.listen("+77015550000") is None
        assert phone.pick_up("+77015550000", call_sid).status_code == 409
        live.telephony.hang_up(call_sid)


def test_bad_incoming_requests_are_refused_plainly(client):
    token = CSRF_META.search(client.get("/simulator/phone").get_data(as_text=True)).group(1)
    headers = {"X-CSRFToken": token, "Accept": "application/json"}
    unknown = "CA" + "0" * 32
    assert client.post("/simulator/phone/incoming", json={"from": CALLER}).status_code == 400  # no CSRF
    assert client.post("/simulator/phone/incoming", json={}, headers=headers).status_code == 400
    assert client.post("/simulator/phone/incoming", json={"from": 7}, headers=headers).status_code == 400
    answer = f"/simulator/phone/incoming/{unknown}/answer"
    assert client.post(answer, json={"from": CALLER}, headers=headers).status_code == 409
    assert client.post(answer, json={"from": "call me"}, headers=headers).status_code == 400
    assert client.post(answer, json={"from": ""}, headers=headers).status_code == 404
    wrong = f"/simulator/phone/incoming/{unknown}/pick"
    assert client.post(wrong, json={"from": CALLER}, headers=headers).status_code == 404
    nonsense = "/simulator/phone/incoming/nonsense/answer"
    assert client.post(nonsense, json={"from": CALLER}, headers=headers).status_code == 404


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.one_of(
        st.dictionaries(st.sampled_from(["from", "x"]), st.text(max_size=40) | st.integers()),
        st.text(max_size=10),
        st.none(),
    )
)
def test_any_incoming_body_is_answered_or_refused_never_a_server_error(client, body):
    token = CSRF_META.search(client.get("/simulator/phone").get_data(as_text=True)).group(1)
    headers = {"X-CSRFToken": token, "Accept": "application/json"}
    for path in ("/simulator/phone/incoming", f"/simulator/phone/incoming/CA{'0' * 32}/decline"):
        answer = client.post(path, json=body, headers=headers)
        assert answer.status_code in (200, 400, 404, 409), answer.status_code
        text = answer.get_data(as_text=True)
        assert not (
            isinstance(body, dict)
            and isinstance(body.get("from"), str)
            and len(body["from"]) > 5
            and body["from"] in text
        )
