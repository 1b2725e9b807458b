"""axe-core on every page, in a real browser: no serious or critical violation
on the login page, the console (idle, with callers waiting, with an offer, on a
call, in wrap-up; with callbacks in the list and the panel, one being moved,
a callback's offer), the admin's user pages (the list, a new user, a refused
form, the created user, an edit) and partner pages (the list, searched, a new
partner, refused, an edit), the simulator's phone page, the error pages."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from hotline.accounts.users import create_user
from hotline.models import Role, utcnow
from hotline.operators import offers
from telephony.simulator import web_phone
from tests.support.axe import assert_accessible
from tests.support.browser import artifact
from tests.support.callbacks import queued_callback
from tests.support.calls import ScriptedCall, TwilioWebhooks
from tests.support.console_page import Caller, become_available, open_console, problems_of
from tests.support.desk import PASSWORD
from tests.support.live_server import serve

LOCALES = ["en-GB", "ru-RU", "kk-KZ"]


def boom() -> str:
    raise RuntimeError("a route that fails, in the test app only")


def new_page(browser: Browser, locale: str = "en-GB") -> Page:
    context = browser.new_context(locale=locale)
    context.set_default_timeout(10000)
    return context.new_page()


@pytest.mark.parametrize("locale", LOCALES)
def test_the_login_page(make_app, browser: Browser, locale):
    with serve(make_app) as live:
        page = new_page(browser, locale)
        try:
            page.goto(f"{live.url}/login")
            assert_accessible(page, f"the login page ({locale})")
            page.fill("#username", "nobody")
            page.fill("#password", "wrong password")
            page.click("button[type=submit]")
            expect(page.locator(".error")).to_be_visible()
            assert_accessible(page, f"the refused login ({locale})")
        finally:
            page.context.close()


def test_the_console_idle_with_callers_with_an_offer_on_a_call_and_in_wrap_up(make_app, browser: Browser):
    with serve(make_app, SIMULATOR_ANSWER_SECONDS=0) as live:
        with live.app.app_context():
            create_user(
                "aigerim", Role.OPERATOR, PASSWORD, queues=["legal", "psychologist"], languages=["ru"]
            )
        desk = open_console(browser, live.url, "aigerim")
        problems = problems_of(desk)
        try:
            assert_accessible(desk, "the idle console")
            with live.app.app_context():
                twilio = TwilioWebhooks(live.app.test_client())
                waiting = [ScriptedCall(twilio, "+77015550401"), ScriptedCall(twilio, "+77015550402")]
                waiting[0].to_queue(need="9")
                waiting[1].to_queue(need="1")
            expect(desk.locator("section.queue tbody tr")).to_have_count(2)
            assert_accessible(desk, "the console with callers waiting")
            desk.reload()
            expect(desk.locator("#live-state")).to_have_attribute("data-state", "live")
            assert_accessible(desk, "the console with callers waiting, reloaded")
            # They hang up (no simulated network could put them through), so the offer is the next caller's.
            with live.app.app_context():
                for call in waiting:
                    call.post("/telephony/voice/queue-result", QueueResult="hangup", QueueTime="4")
            expect(desk.locator("section.queue tbody tr")).to_have_count(0)
            become_available(desk)
            with ThreadPoolExecutor(1) as pool:
                caller = Caller(live, pool, "+77015550403")
                offer = desk.locator(".offer")
                expect(offer).to_be_visible()
                assert_accessible(desk, "the console with an offer")
                caller.when("plays")
                offer.get_by_role("button", name="Accept").click()
                expect(desk.locator("#call")).to_have_attribute("data-state", "talking")
                assert_accessible(desk, "the console on a call")
                desk.get_by_role("button", name="Hang up").click()
                expect(desk.locator("#wrap-up")).to_be_visible()
                desk.locator("#wrap-up").get_by_role("button", name="Save").click()
                expect(desk.locator("#wrap-up-error")).to_be_visible()
                assert_accessible(desk, "the console in wrap-up, refused")
                assert caller.result.result(timeout=10).status == "completed"
        finally:
            desk.context.close()
    assert problems == []


def test_the_console_with_callbacks_waiting_scheduled_offered_and_being_moved(make_app, browser: Browser):
    with serve(make_app, HOTLINE_CALLBACK_HOURS="always") as live:
        with live.app.app_context():
            create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["ru"])
            queued = queued_callback("+77015550501", waiting_since=utcnow() - timedelta(minutes=3))
            later = queued_callback("+77015550502", asked_at=utcnow() + timedelta(days=1))
        desk = open_console(browser, live.url, "aigerim")
        problems = problems_of(desk)
        try:
            expect(desk.locator("section.queue tbody tr[data-kind=callback]")).to_have_count(1)
            expect(desk.locator("#callbacks tbody tr")).to_have_count(2)
            assert_accessible(desk, "the console with callbacks")
            moved = desk.locator(f"#callbacks tr[data-callback-id='{later}']")
            moved.get_by_role("button", name=re.compile("^Reschedule")).click()
            cancelled = desk.locator(f"#callbacks tr[data-callback-id='{queued}']")
            cancelled.get_by_role("button", name=re.compile("^Cancel the callback")).click()
            expect(moved.locator("input[type=datetime-local]")).to_be_visible()
            assert_accessible(desk, "the callbacks panel, a callback being moved and one being cancelled")
            cancelled.get_by_role("button", name="Keep").click()
            moved.get_by_role("button", name="Keep").click()
            become_available(desk)
            with live.app.app_context():
                offers.distribute(utcnow())
            expect(desk.locator(".offer[data-kind=callback]")).to_be_visible()
            assert_accessible(desk, "the console with a callback's offer")
        finally:
            desk.context.close()
    assert problems == []


def test_the_admin_user_pages(make_app, browser: Browser):
    with serve(make_app) as live:
        with live.app.app_context():
            create_user("admin", Role.ADMIN, PASSWORD)
            create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"], phone="+77015550101")
        page = open_console(browser, live.url, "admin")
        try:
            assert_accessible(page, "the admin's console")
            page.goto(f"{live.url}/admin/users")
            assert_accessible(page, "the user list")
            page.goto(f"{live.url}/admin/users/new")
            assert_accessible(page, "the new user form")
            page.fill("#username", "aigerim")
            page.click("form[action$='/admin/users/new'] button[type=submit]")
            expect(page.locator(".field-errors").first).to_be_visible()
            assert_accessible(page, "the refused new user form")
            page.fill("#username", "dana")
            page.locator("input[name=queues][value=medical]").check()
            page.click("form[action$='/admin/users/new'] button[type=submit]")
            expect(page.locator("code.password")).to_be_visible()
            assert_accessible(page, "the created user")
            page.goto(f"{live.url}/admin/users")
            page.get_by_role("link", name="aigerim").click()
            expect(page.locator("h1")).to_contain_text("aigerim")
            assert_accessible(page, "the edit user form")
        finally:
            page.context.close()


def test_the_admin_partner_pages(make_app, browser: Browser):
    with serve(make_app) as live:
        with live.app.app_context():
            create_user("admin", Role.ADMIN, PASSWORD)
        page = open_console(browser, live.url, "admin")
        try:
            page.goto(f"{live.url}/admin/partners")
            assert_accessible(page, "the empty partner list")
            page.get_by_role("link", name="Add a partner").click()
            assert_accessible(page, "the new partner form")
            page.fill("#name", "   ")
            page.click("form[action$='/admin/partners/new'] button[type=submit]")
            expect(page.locator(".field-errors").first).to_be_visible()
            assert_accessible(page, "the refused new partner form")
            page.fill("#name", "Adal Zher")
            page.locator("input[name=fields][value=legal]").check()
            page.locator("input[name=regions][value=astana]").check()
            page.locator("input[name=languages][value=kk]").check()
            page.fill("#contacts", "+7 7172 55 00 11")
            page.click("form[action$='/admin/partners/new'] button[type=submit]")
            expect(page.locator("table.partners tbody tr[data-partner-id]")).to_have_count(1)
            page.select_option("#filter-field", "legal")
            page.get_by_role("button", name="Find").click()
            expect(page.locator("table.partners tbody tr[data-partner-id]")).to_have_count(1)
            assert_accessible(page, "the partner list, searched")
            page.screenshot(path=artifact("admin-partners.png"), full_page=True)
            page.get_by_role("link", name="Adal Zher").click()
            expect(page.locator("h1")).to_contain_text("Adal Zher")
            assert_accessible(page, "the edit partner form")
        finally:
            page.context.close()


def test_the_simulator_phone_page(make_app, browser: Browser, monkeypatch):
    monkeypatch.setattr(web_phone, "HOLD_SECONDS", 0.2)
    with serve(make_app) as live:
        page = new_page(browser)
        try:
            page.goto(f"{live.url}/simulator/phone")
            assert_accessible(page, "the simulator's phone, before a call")
            page.fill("#from", "+77015559876")
            page.click("#call")
            page.click('.sim-key[data-key="2"]')
            page.click('.sim-key[data-key="3"]')
            expect(page.locator("#transcript")).to_contain_text("in queue legal")
            # The hold music loops until the transcript scrolls: a keyboard user must reach it too.
            transcript = page.locator("#transcript").element_handle()
            page.wait_for_function("list => list.scrollHeight > list.clientHeight", arg=transcript)
            assert_accessible(page, "the simulator's phone, in the queue")
            page.click("#hang-up")
        finally:
            page.context.close()


@pytest.mark.parametrize("locale", ["kk-KZ", "ru-RU"])
def test_the_error_pages(make_app, browser: Browser, locale):
    with serve(make_app, prepare=lambda app: app.add_url_rule("/test-only-boom", "boom", boom)) as live:
        with live.app.app_context():
            create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"])
        page = new_page(browser, locale)
        try:
            assert page.goto(f"{live.url}/no-such-page").status == 404
            assert_accessible(page, f"the 404 page, logged out ({locale})")
            page.goto(f"{live.url}/login")
            page.fill("#username", "aigerim")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{live.url}/console")
            for path, status in (("/admin/users", 403), ("/logout", 405), ("/test-only-boom", 500)):
                assert page.goto(f"{live.url}{path}").status == status
                expect(page.locator("h1")).to_be_visible()
                assert_accessible(page, f"the {status} page ({locale})")
            page.screenshot(path=artifact(f"error-500-{locale}.png"), full_page=True)
        finally:
            page.context.close()
