"""The operator's whole call in a real browser, against a live server and the
real simulator: the operator becomes available; a simulated caller (on the line
until the other side hangs up) enters the queue and appears in the list within a
second; the offer appears and is accepted (by click, then by the A key for a
second caller); the softphone answers with no second click, the caller's
transcript shows the connection, the console the call's timer and masked
number; the operator hangs up, saves the wrap-up and is available again; a
second operator, in another browser context, sees each caller leave the list.
Smaller: a declined offer, and the wrap-up's required fields."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from hotline.accounts.users import create_user
from hotline.extensions import db
from hotline.models import Assignment, Call, CaseNote, Role
from tests.support.browser import artifact
from tests.support.console_page import Caller, become_available, open_console, problems_of
from tests.support.live_server import serve
from tests.support.pages import PASSWORD

NOTE = "Asked about a passport kept by the employer; zx-private-4401"


def take_the_call(desk: Page, watcher: Page, caller: Caller, *, by_key: bool) -> None:
    """From the caller entering the queue to the operator available again."""
    entered = caller.when("waits")
    row = desk.locator("section[data-queue=legal] tbody tr")
    row.first.wait_for()
    assert time.monotonic() - entered < 1.0, "the caller took over a second to appear"
    expect(watcher.locator("section[data-queue=legal] tbody tr")).to_have_count(1)
    offer = desk.locator(".offer")
    expect(offer).to_be_visible()
    expect(offer).to_contain_text("Legal")
    expect(offer).to_contain_text("Russian")
    expect(offer.locator(".offer-left")).to_have_text(re.compile(r"^0:\d\d$"))
    expect(offer.get_by_role("button", name="Accept")).to_have_attribute("aria-keyshortcuts", "A")
    # The simulated network lets the hotline redirect a caller once it has them
    # in its queue: it says so as the hold music starts.
    caller.when("plays")
    if by_key:
        desk.locator("body").press("a")
    else:
        offer.get_by_role("button", name="Accept").click()
    call = desk.locator("#call")
    expect(call).to_have_attribute("data-state", "talking")
    caller.when("connected")
    expect(desk.locator("#call-number")).to_have_text("••••" + caller.number[-2:])
    expect(desk.locator("#presence")).to_have_text("On a call")
    first = desk.locator("#call-timer").text_content()
    expect(desk.locator("#call-timer")).not_to_have_text(first, timeout=2500)
    # The second operator's list: the caller, taken, leaves it.
    expect(watcher.locator("section[data-queue=legal] tbody tr")).to_have_count(0)
    if not by_key:
        # A console (re)loaded mid-call finds the call again (GET /api/v1/me/call).
        desk.reload()
        expect(desk.locator("#live-state")).to_have_attribute("data-state", "live")
        expect(call).to_have_attribute("data-state", "talking")
        expect(desk.locator("#call-number")).to_have_text("••••" + caller.number[-2:])
        expect(desk.locator("#call-timer")).not_to_have_text(re.compile(r"^0:00$"))
        desk.screenshot(path=artifact("console-call.png"), full_page=True)
    mute = desk.get_by_role("button", name="Mute")
    expect(mute).to_have_attribute("aria-keyshortcuts", "M")
    if by_key:
        desk.locator("body").press("m")
        expect(desk.locator("#mute")).to_have_attribute("aria-pressed", "true")
        expect(desk.locator("#mute")).to_have_text("Unmute")
        desk.locator("body").press("h")
    else:
        desk.get_by_role("button", name="Hang up").click()
    form = desk.locator("#wrap-up")
    expect(form).to_be_visible()
    expect(desk.locator("#call")).to_be_hidden()
    form.get_by_label("Outcome").select_option(index=1)
    form.get_by_label("Category").select_option(index=1)
    form.get_by_label("Note for the case (optional)").fill(NOTE)
    form.get_by_role("button", name="Save").click()
    expect(form).to_be_hidden()
    expect(desk.locator("#desk-status")).to_have_text("Wrap-up saved.")
    expect(desk.locator("#presence")).to_have_text("Available")
    assert caller.result.result(timeout=10).status == "completed"


@pytest.fixture
def live(make_app):
    with serve(make_app, SIMULATOR_ANSWER_SECONDS=0) as server:
        with server.app.app_context():
            for name in ("aigerim", "dana"):
                create_user(name, Role.OPERATOR, PASSWORD, queues=["legal"], languages=["ru"])
        yield server


def test_an_operator_takes_talks_hangs_up_and_wraps_up_two_calls(live, browser: Browser):
    desk = open_console(browser, live.url, "aigerim")
    desk.set_viewport_size({"width": 1366, "height": 768})
    watcher = open_console(browser, live.url, "dana")
    problems = problems_of(desk, watcher)
    try:
        become_available(desk)
        expect(desk.locator("#keys-hint")).to_contain_text("A accept")
        with ThreadPoolExecutor(2) as pool:
            first = Caller(live, pool, "+77015550134")
            take_the_call(desk, watcher, first, by_key=False)
            second = Caller(live, pool, "+77015550277")
            take_the_call(desk, watcher, second, by_key=True)
    finally:
        desk.context.close()
        watcher.context.close()
    assert problems == []
    with live.app.app_context():
        saved = db.session.execute(
            select(Call.call_sid, Assignment.outcome, Assignment.category)
            .join(Assignment, Assignment.call_id == Call.id)
            .order_by(Assignment.id)
        ).all()
        assert [row.call_sid for row in saved] == [first.call_sid, second.call_sid]
        assert all(row.outcome and row.category for row in saved)
        assert db.session.scalar(select(db.func.count()).select_from(CaseNote)) == 2
