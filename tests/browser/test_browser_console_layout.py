"""The waiting lists lay out without overlap, from a phone to a wide screen: an
operator of all four queues, with callers waiting in each (a crisis caller, a
repeat caller, a callback return, one being offered to a colleague) and queued
callbacks among them, sees every row's badges and Take button on screen,
uncovered and clickable, and no queue's card runs into another's; the
callbacks panel's badges and buttons too, its list within its card."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from sqlalchemy import update

from hotline.accounts.users import create_user
from hotline.cases.priority import Priority
from hotline.extensions import db
from hotline.models import Call, QueueName, Role, utcnow
from tests.support.axe import assert_accessible
from tests.support.browser import artifact
from tests.support.callbacks import queued_callback
from tests.support.calls import ScriptedCall, TwilioWebhooks
from tests.support.console_page import open_console
from tests.support.desk import PASSWORD, network, open_offers, operator
from tests.support.live_server import LiveServer, serve

ALL_QUEUES = [queue.value for queue in QueueName]
# Need-menu digits (HOTLINE_NEED_MENU's default): 9 is a crisis, routed to the psychologists.
NEEDS = {"psychologist": "1", "medical": "2", "legal": "3", "general": "4", "crisis": "9"}
SIZES = [(1366, 768), (390, 844), (1920, 1080)]

# The element's centre, in the viewport, hits the element itself or one of its descendants.
UNCOVERED = """element => {
  const box = element.getBoundingClientRect();
  const x = box.left + box.width / 2, y = box.top + box.height / 2;
  const inside = x >= 0 && y >= 0 && x <= innerWidth && y <= innerHeight;
  const hit = inside ? document.elementFromPoint(x, y) : null;
  return {covered_by: hit && !element.contains(hit) ? hit.outerHTML.slice(0, 120) : null, inside,
          width: box.width, height: box.height};
}"""

# Each queue's card: its box, and whether its content is wider than the card shows.
CARDS = """() => [...document.querySelectorAll("section.queue")].map(card => {
  const box = card.getBoundingClientRect();
  return {queue: card.dataset.queue, left: box.left, right: box.right, top: box.top, bottom: box.bottom,
          spills: [card, card.querySelector(".list")].some(box => box.scrollWidth > box.clientWidth + 1)};
})"""


class Callers:
    """Callers reaching their queues through signed webhooks, ringing on the simulated network."""

    def __init__(self, live: LiveServer) -> None:
        self.twilio = TwilioWebhooks(live.app.test_client())
        self.carrier = network(live.app, live.url)

    def call(self, number: str, need: str, language: str = "2") -> ScriptedCall:
        call = ScriptedCall(self.twilio, number)
        self.carrier.network(call.sid, "ring", **{"from": number, "to": "+77172000000"})
        call.to_queue(language=language, need=NEEDS[need])
        return call


def waiting_before_the_consoles_open(callers: Callers) -> None:
    """Rows the server renders: crisis callers (one of them calling again), a
    callback return, a medical callback."""
    first = callers.call("+77015550100", "crisis")
    first.post("/telephony/voice/queue-result", QueueResult="hangup", QueueTime="3")
    callers.call("+77015550100", "crisis", language="1")
    callers.call("+77015550101", "crisis")
    callers.call("+77015550102", "psychologist", language="1")
    returned = callers.call("+77015550103", "medical")
    callers.call("+77015550104", "medical", language="1")
    callers.call("+77015550105", "general", language="1")
    db.session.execute(
        update(Call).where(Call.call_sid == returned.sid).values(priority=Priority.CALLBACK_RETURN)
    )
    db.session.commit()
    queued_callback("+77015550109", queue="medical", waiting_since=utcnow() - timedelta(minutes=2))


def joining_while_they_are_open(callers: Callers) -> None:
    """Rows the console adds live: two legal callers (the first offered to dana), a
    general one and a general callback (callback.queued)."""
    callers.call("+77015550106", "legal")
    callers.call("+77015550107", "legal")
    callers.call("+77015550108", "general")
    queued_callback("+77015550110", queue="general", language="kk")


def assert_uncovered(element: Locator, what: str) -> None:
    element.scroll_into_view_if_needed()
    found = element.evaluate(UNCOVERED)
    assert found["inside"] and found["width"] > 0 and found["height"] > 0, f"{what} is off screen: {found}"
    assert found["covered_by"] is None, f"{what} is covered by {found['covered_by']}"
    element.click(trial=True)


def assert_cards_apart(page: Page, width: int) -> None:
    cards = page.evaluate(CARDS)
    assert [card["queue"] for card in cards] == ALL_QUEUES
    for card in cards:
        assert not card["spills"], f"the {card['queue']} card's list is wider than the card"
        assert card["left"] >= 0 and card["right"] <= width + 0.5, f"the {card['queue']} card leaves the page"
    for index, one in enumerate(cards):
        for other in cards[index + 1 :]:
            apart = (
                one["right"] <= other["left"]
                or other["right"] <= one["left"]
                or one["bottom"] <= other["top"]
                or other["bottom"] <= one["top"]
            )
            assert apart, f"the {one['queue']} and {other['queue']} cards overlap"


def assert_panel_laid_out(page: Page, where: str) -> None:
    """The callbacks panel: its list within its card, every visible badge and button uncovered."""
    spills = page.evaluate(
        "() => [...document.querySelectorAll('#callbacks, #callbacks .list')]"
        ".some(box => box.scrollWidth > box.clientWidth + 1)"
    )
    assert not spills, f"{where}: the callbacks panel's list is wider than its card"
    for row in page.locator("#callbacks tbody tr").all():
        place = f"{where}, callback {row.get_attribute('data-callback-id')}"
        for item in row.locator(".badge:visible, button:visible").all():
            assert_uncovered(item, f"{place}: {item.text_content()!r}")


@pytest.mark.parametrize("locale", ["en-GB", "ru-RU", "kk-KZ"])
def test_every_row_shows_its_badges_and_take_button_at_every_width(make_app, browser: Browser, locale):
    with serve(make_app, HOTLINE_OFFER_SECONDS=600, HOTLINE_CALLBACK_HOURS="always") as live:
        with live.app.app_context():
            create_user("aigerim", Role.OPERATOR, PASSWORD, queues=ALL_QUEUES, languages=["kk", "ru"])
            operator("dana", ["legal"], ["ru"], available_since=utcnow())
            callers = Callers(live)
            waiting_before_the_consoles_open(callers)
        pages = [open_console(browser, live.url, "aigerim", locale, size) for size in SIZES]
        try:
            with live.app.app_context():
                joining_while_they_are_open(callers)
                assert [name for _sid, name in open_offers()] == ["dana"]
            for page, (width, height) in zip(pages, SIZES, strict=True):
                expect(page.locator("section.queue tbody tr")).to_have_count(11)
                expect(page.locator("section.queue tr[data-kind=callback] .badge.callback")).to_have_count(2)
                expect(page.locator(".badge.crisis")).to_have_count(2)
                expect(page.locator("tr[data-offered=true] .badge.state")).to_have_count(1)
                expect(page.locator("section.queue td .badge")).to_have_count(7)
                expect(page.locator("#callbacks tbody tr")).to_have_count(2)
                page.screenshot(path=artifact(f"console-layout-{locale}-{width}.png"), full_page=True)
                assert_cards_apart(page, width)
                assert_accessible(page, f"the console at {width}×{height} ({locale})")
                assert page.evaluate("document.documentElement.scrollWidth") <= width
                for row in page.locator("section.queue tbody tr").all():
                    place = f"at {width}×{height}, {row.get_attribute('data-call-sid')}"
                    for badge in row.locator(".badge").all():
                        assert_uncovered(badge, f"{place}: the badge {badge.text_content()!r}")
                    take = row.locator(".take button")
                    if row.get_attribute("data-kind") == "callback":
                        expect(take).to_have_count(0)  # offered, never taken from the list
                        continue
                    expect(take).to_be_enabled()
                    assert_uncovered(take, f"{place}: the Take button")
                assert_panel_laid_out(page, f"at {width}×{height}")
        finally:
            for page in pages:
                page.context.close()
