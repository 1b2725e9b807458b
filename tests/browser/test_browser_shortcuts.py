"""Single-key shortcuts can be turned off (WCAG 2.1.4): the console's "Keyboard
shortcuts" box, remembered in the browser; off, A, D, H and M do nothing, the
hint is hidden and the buttons announce no shortcut; on again, they work."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from tests.support.console_page import (
    a_caller,
    become_available,
    offer_panel,
    open_console,
    operators,
    problems_of,
)
from tests.support.desk import offer_status
from tests.support.live_server import serve

# True when no listener cancelled the key: the desk acts on a shortcut, and cancels it, synchronously.
PRESS_D = """() => document.body.dispatchEvent(
  new KeyboardEvent("keydown", { code: "KeyD", key: "d", bubbles: true, cancelable: true }))"""


def shortcuts_box(page: Page):
    return page.get_by_role("checkbox", name="Keyboard shortcuts")


def test_shortcuts_turned_off_do_nothing_and_the_choice_is_remembered(make_app, browser: Browser):
    with serve(make_app) as live:
        operators(live, "aigerim")
        desk = open_console(browser, live.url, "aigerim")
        problems = problems_of(desk)
        try:
            expect(shortcuts_box(desk)).to_be_checked()
            become_available(desk)
            a_caller(live)
            expect(offer_panel(desk)).to_be_visible()
            offer_id = int(offer_panel(desk).get_attribute("data-offer-id"))
            decline = offer_panel(desk).get_by_role("button", name="Decline")
            expect(decline).to_have_attribute("aria-keyshortcuts", "D")

            shortcuts_box(desk).uncheck()
            shortcuts_box(desk).blur()  # a key pressed in a form field is never a shortcut
            expect(desk.locator("#keys-hint")).to_be_hidden()
            expect(decline).not_to_have_attribute("aria-keyshortcuts", "D")
            assert desk.evaluate(PRESS_D) is True
            desk.locator("body").press("d")
            # Reloaded, the console remembers: still off, the offer still open.
            desk.reload()
            expect(desk.locator("#live-state")).to_have_attribute("data-state", "live")
            expect(shortcuts_box(desk)).not_to_be_checked()
            expect(offer_panel(desk)).to_have_attribute("data-offer-id", str(offer_id))
            expect(offer_panel(desk).get_by_role("button", name="Decline")).not_to_have_attribute(
                "aria-keyshortcuts", "D"
            )
            assert desk.evaluate(PRESS_D) is True
            with live.app.app_context():
                assert offer_status(offer_id) == "open"

            shortcuts_box(desk).check()
            shortcuts_box(desk).blur()
            expect(desk.locator("#keys-hint")).to_be_visible()
            desk.locator("body").press("d")
            expect(offer_panel(desk)).to_have_count(0)
            expect(desk.locator("#desk-status")).to_have_text("You declined the caller.")
            with live.app.app_context():
                assert offer_status(offer_id) == "declined"
        finally:
            desk.context.close()
    assert problems == []
