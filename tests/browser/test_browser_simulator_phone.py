"""The simulator's phone page in a real browser: call the hotline, answer the
menus on the keypad and the keyboard, see the queue, hang up; a call back to the
page's number rings there and is heard once answered; no script error, nothing
the Content-Security-Policy refuses."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect

from telephony.simulator import subscribers, web_phone
from tests.support.browser import artifact
from tests.support.far_end import TOPIC, place
from tests.support.live_server import serve
from tests.support.waiting import eventually


def unexpected(message: ConsoleMessage) -> bool:
    """An error in the page's console, but for the browser's own ask for /favicon.ico (there is none)."""
    return message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico")


def phone_page(browser: Browser, url: str) -> tuple[BrowserContext, Page, list[str]]:
    """The page open in a new English context, and the list its console errors go to."""
    context = browser.new_context(locale="en-GB")
    context.set_default_timeout(10000)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: unexpected(message) and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{url}/simulator/phone")
    return context, page, problems


@pytest.fixture
def quick(monkeypatch):
    monkeypatch.setattr(web_phone, "HOLD_SECONDS", 0.2)


def test_a_caller_calls_from_the_page_waits_in_the_queue_and_hangs_up(make_app, browser: Browser, quick):
    with serve(make_app) as live:
        context, page, problems = phone_page(browser, live.url)
        expect(page.locator(".sim-key").first).to_be_disabled()

        page.fill("#from", "+77015559876")
        page.click("#call")
        expect(page.locator("#hang-up")).to_be_enabled()
        page.click('.sim-key[data-key="2"]')  # Russian, on the keypad
        page.locator("body").press("3")  # legal, on the keyboard
        transcript = page.locator("#transcript")
        expect(transcript).to_contain_text("in queue legal")
        expect(transcript.locator("li").filter(has_text="2").first).to_be_visible()
        page.screenshot(path=artifact("simulator-phone.png"), full_page=True)

        page.click("#hang-up")
        expect(page.locator("#sim-state")).to_have_text("You hung up.")
        expect(transcript).to_contain_text("left queue legal: hangup")
        expect(page.locator("#call")).to_be_enabled()
        expect(page.locator(".sim-key").first).to_be_disabled()
        assert "5559876" not in transcript.inner_text()
        context.close()
    assert problems == []


def test_a_call_back_rings_on_the_page_and_is_heard_once_answered(dialling, dialler, browser: Browser, quick):
    with dialling(SIMULATOR_ANSWER_SECONDS=30) as live:
        context, page, problems = phone_page(browser, live.url)
        page.fill("#from", "+7 701 555 98 76")
        expect(page.locator("#dial")).to_have_attribute("data-listening", "true")
        with live.app.app_context():  # the page has said so for the number now in #from
            eventually(
                lambda: subscribers.answered_by("+77015559876") == "page",
                pause=lambda seconds: page.wait_for_timeout(seconds * 1000),
            )
        incoming = page.locator("#incoming")
        expect(incoming).to_be_hidden()

        place(live, to="+77015559876")
        expect(incoming).to_be_visible()
        expect(incoming).to_contain_text("Incoming call from the hotline")
        page.screenshot(path=artifact("simulator-phone-call-back.png"), full_page=True)
        page.click("#answer")
        transcript = page.locator("#transcript")
        expect(transcript).to_contain_text(f"The hotline calls you back about your {TOPIC}.")
        expect(page.locator("#sim-state")).to_have_text("The call has ended.")
        expect(incoming).to_be_hidden()
        assert "5559876" not in transcript.inner_text()
        context.close()
    assert dialler.statuses()[-1:] == ["completed"]
    assert problems == []
