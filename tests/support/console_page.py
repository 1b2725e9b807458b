"""The console in a real browser (Playwright): an operator's page, logged in through the
form and live, its callers, offers and problems."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

from playwright.sync_api import Browser, Page, expect

from hotline.accounts.users import create_user
from hotline.models import Role
from telephony.simulator.phone import Line, Script
from tests.support.calls import TwilioWebhooks
from tests.support.desk import network, queued
from tests.support.live_server import LiveServer
from tests.support.pages import PASSWORD

# A caller on the line until the other side hangs up.
WAITING = Script(digits=("2", "3"), in_queue="wait", wait_loops=400, hold_seconds=0.1, talk_seconds=None)


def open_console(
    browser: Browser, url: str, username: str, locale: str = "en-GB", size: tuple[int, int] | None = None
) -> Page:
    """A new browser context logged in as `username`, on the live console."""
    viewport = {"viewport": {"width": size[0], "height": size[1]}} if size else {}
    context = browser.new_context(locale=locale, **viewport)
    context.set_default_timeout(5000)
    page = context.new_page()
    page.goto(f"{url}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/console")
    expect(page.locator("#live-state")).to_have_attribute("data-state", "live")
    return page


class Caller:
    """A simulated caller in a thread, with their transcript as it happens."""

    def __init__(self, live: LiveServer, pool: ThreadPoolExecutor, number: str) -> None:
        self.number = number
        self.lines: list[tuple[float, Line]] = []
        self.heard = threading.Condition()
        phone = live.phone()
        phone.listener = self.hear
        self.result: Future = pool.submit(phone.call, number, WAITING)

    def hear(self, line: Line) -> None:
        with self.heard:
            self.lines.append((time.monotonic(), line))
            self.heard.notify_all()

    def when(self, kind: str, timeout: float = 10.0) -> float:
        """The moment the transcript first had a line of `kind` (waiting for it)."""
        with self.heard:
            found = self.heard.wait_for(
                lambda: next((at for at, line in self.lines if line.kind == kind), None), timeout
            )
        assert found is not None, f"no {kind} line in {[str(line) for _at, line in self.lines]}"
        return found

    @property
    def call_sid(self) -> str:
        return self.result.result(timeout=20).call_sid


def problems_of(*pages: Page) -> list[str]:
    problems: list[str] = []
    for page in pages:
        page.on("console", lambda message: message.type == "error" and problems.append(message.text))
        page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def become_available(page: Page) -> None:
    page.get_by_role("button", name="Available").click()
    expect(page.locator("#presence")).to_have_text("Available")


def operators(live, *names: str) -> None:
    with live.app.app_context():
        for name in names:
            create_user(name, Role.OPERATOR, PASSWORD, queues=["legal"], languages=["ru"])


def a_caller(live) -> str:
    with live.app.app_context():
        return queued(TwilioWebhooks(live.app.test_client()), network(live.app, live.url))


def offer_panel(page: Page):
    return page.locator(".offer")
