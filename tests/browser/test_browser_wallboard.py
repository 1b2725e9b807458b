"""The wallboard in Chromium: the page as a supervisor opens it, live over
Socket.IO; a queue turns red when its longest wait, ticking by the server's
clock, passes T; axe finds no serious or critical violation, in each language."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from playwright.sync_api import Browser, expect

from hotline.models import utcnow
from tests.support.axe import assert_accessible
from tests.support.calls import ScriptedCall, TwilioWebhooks
from tests.support.console_page import problems_of
from tests.support.live_server import serve
from tests.support.pages import PASSWORD
from tests.support.wallboard import staff

T = 30


def open_wallboard(browser: Browser, url: str, locale: str):
    context = browser.new_context(locale=locale, viewport={"width": 1920, "height": 1080})
    context.set_default_timeout(10000)
    page = context.new_page()
    page.goto(f"{url}/login")
    page.fill("#username", "boris")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/console")
    page.click("a[href='/wallboard']")
    page.wait_for_url(f"{url}/wallboard")
    expect(page.locator("#live-state")).to_have_attribute("data-state", "live")
    return page


@pytest.mark.parametrize("locale", ["en-GB", "ru-RU", "kk-KZ"])
def test_a_queue_turns_red_when_its_longest_wait_passes_t(make_app, browser: Browser, locale):
    with serve(make_app, HOTLINE_SERVICE_LEVEL_SECONDS=T) as live:
        with live.app.app_context():
            staff()
        twilio = TwilioWebhooks(live.app.test_client())
        # A caller of legal waiting since 27 s ago: under T when the page opens.
        with time_machine.travel(utcnow() - timedelta(seconds=T - 3), tick=False):
            ScriptedCall(twilio, "+77015559001").to_queue()
        page = open_wallboard(browser, live.url, locale)
        problems = problems_of(page)
        try:
            legal = page.locator("#board-legal")
            expect(legal.locator("[data-figure=waiting]")).to_have_text("1")
            expect(legal).to_have_attribute("data-alarm", "false")
            assert_accessible(page, f"the wallboard ({locale})")
            expect(legal).to_have_attribute("data-alarm", "true", timeout=15000)
            expect(legal.locator(".alarm-word")).to_be_visible()
            expect(page.locator("#board-medical")).to_have_attribute("data-alarm", "false")
            seconds = legal.locator("[data-figure=longest_wait_seconds]").text_content()
            assert seconds.startswith("0:3"), seconds
            expect(page.locator("#no-alert")).to_be_visible()
            assert_accessible(page, f"the wallboard with a red queue ({locale})")
        finally:
            page.context.close()
    assert problems == []
