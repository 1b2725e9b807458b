"""The waiting list in a real browser keeps the server's answer order and the
keyboard's focus: a Take button keeps its focus while another caller joins and
another leaves; a caller who joins while the snapshot loads is not lost; a
caller who went back to the queue is shown first, live and after a reload."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from hotline.accounts.users import create_user
from hotline.models import Role
from tests.support.calls import ScriptedCall, TwilioWebhooks
from tests.support.console_page import open_console, problems_of
from tests.support.legs import dial_result, take
from tests.support.live_server import serve
from tests.support.pages import PASSWORD
from tests.support.waiting import eventually

SNAPSHOT = "**/api/v1/queues/legal/waiting"


def legal_operator(live) -> None:
    with live.app.app_context():
        create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["ru"])


def caller(live, number: str) -> ScriptedCall:
    with live.app.app_context():
        call = ScriptedCall(TwilioWebhooks(live.app.test_client()), number)
        call.to_queue(need="3")
    return call


def rows(page: Page):
    return page.locator("section[data-queue=legal] tbody tr")


def take_button(page: Page, call: ScriptedCall):
    return page.locator(f'tr[data-call-sid="{call.sid}"] button.take-button')


def test_the_focus_stays_on_a_take_button_while_callers_join_and_leave(make_app, browser: Browser):
    with serve(make_app) as live:
        legal_operator(live)
        first, second = caller(live, "+77015550401"), caller(live, "+77015550402")
        desk = open_console(browser, live.url, "aigerim")
        problems = problems_of(desk)
        try:
            expect(rows(desk)).to_have_count(2)
            take_button(desk, second).focus()
            third = caller(live, "+77015550403")
            with live.app.app_context():
                first.post("/telephony/voice/queue-result", QueueResult="hangup", QueueTime="9")
            expect(rows(desk)).to_have_count(2)
            expect(desk.locator(f'tr[data-call-sid="{third.sid}"]')).to_be_visible()
            focused = desk.locator(":focus")
            expect(focused).to_have_attribute("aria-label", "Take caller 1")
            expect(take_button(desk, second)).to_be_focused()
        finally:
            desk.context.close()
    assert problems == []


def websocket_frames(page: Page) -> list[str]:
    """Every frame the page's Socket.IO websocket sends or receives, as it comes."""
    frames: list[str] = []

    def watch(socket) -> None:
        socket.on("framereceived", lambda payload: frames.append(str(payload)))
        socket.on("framesent", lambda payload: frames.append(str(payload)))

    page.on("websocket", watch)
    return frames


def until(page: Page, condition, what: str, seconds: float = 5) -> None:
    # The page's own wait lets Playwright deliver its events meanwhile.
    eventually(condition, timeout=seconds, what=f"no {what}", pause=lambda s: page.wait_for_timeout(s * 1000))


def test_a_caller_who_joins_while_the_snapshot_loads_is_not_lost(make_app, browser: Browser):
    with serve(make_app) as live:
        legal_operator(live)
        waiting = caller(live, "+77015550411")
        context = browser.new_context(locale="en-GB")
        context.set_default_timeout(5000)
        held = []
        context.route(SNAPSHOT, lambda route: held.append(route))
        page = context.new_page()
        frames = websocket_frames(page)
        problems = problems_of(page)
        try:
            page.goto(f"{live.url}/login")
            page.fill("#username", "aigerim")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{live.url}/console")
            until(page, lambda: held, "snapshot request")
            # Events go over the websocket once the client has upgraded to it ("5").
            until(page, lambda: "5" in frames, "websocket upgrade")
            stale = held[0].fetch()  # the list as it is now: without the caller who joins next
            joins = caller(live, "+77015550412")
            until(page, lambda: any(joins.sid in frame for frame in frames), "caller_joined event")
            expect(page.locator("#live-state")).to_have_attribute("data-state", "loading")
            held[0].fulfill(response=stale)
            expect(page.locator("#live-state")).to_have_attribute("data-state", "live")
            expect(rows(page)).to_have_count(2)
            expect(page.locator(f'tr[data-call-sid="{joins.sid}"] .place')).to_have_text("2")
            expect(page.locator(f'tr[data-call-sid="{waiting.sid}"] .place')).to_have_text("1")
            expect(page.locator("section[data-queue=legal] .count")).to_have_text("2 waiting")
        finally:
            context.close()
    assert problems == []


def test_a_caller_back_in_the_queue_is_shown_first(make_app, browser: Browser):
    with serve(make_app) as live:
        legal_operator(live)
        with live.app.app_context():
            create_user("dana", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["ru"])
        first, second = caller(live, "+77015550421"), caller(live, "+77015550422")
        desk = open_console(browser, live.url, "aigerim")
        problems = problems_of(desk)
        try:
            expect(rows(desk)).to_have_count(2)
            take_button(desk, first).focus()
            with live.app.app_context():
                # dana took the second caller; her softphone did not answer.
                taken = take(second, "dana")
                second.post("/telephony/voice/queue-result", QueueResult="redirected", QueueTime="5")
            expect(rows(desk)).to_have_count(1)
            third = caller(live, "+77015550423")
            expect(rows(desk)).to_have_count(2)
            with live.app.app_context():
                dial_result(second, taken, "no-answer")
            # Back, the second caller is answered first, though the first waits longer.
            order = [second.sid, first.sid, third.sid]
            expect(rows(desk)).to_have_count(3)
            for place, call_sid in enumerate(order, start=1):
                expect(rows(desk).nth(place - 1)).to_have_attribute("data-call-sid", call_sid)
                expect(rows(desk).nth(place - 1).locator(".place")).to_have_text(str(place))
            expect(take_button(desk, first)).to_be_focused()
            # The snapshot says the same.
            desk.reload()
            expect(desk.locator("#live-state")).to_have_attribute("data-state", "live")
            expect(rows(desk)).to_have_count(3)
            assert [row.get_attribute("data-call-sid") for row in rows(desk).all()] == order
        finally:
            desk.context.close()
    assert problems == []
