"""Parts of the operator's call in a real browser, each on its own: an offer
shown again after a reload, declined (by its button and by the D key), goes to
the next operator; a caller
taken from the list with its Take button; the wrap-up form refuses to save
without an outcome and a category; a console opened mid-wrap-up shows the form."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

from playwright.sync_api import Browser, expect

from hotline.accounts.users import create_user
from hotline.models import Role
from tests.support.console_page import (
    Caller,
    a_caller,
    become_available,
    offer_panel,
    open_console,
    operators,
    problems_of,
)
from tests.support.desk import offer_status, open_offers, presence_of, stage_of
from tests.support.live_server import serve
from tests.support.pages import PASSWORD
from tests.support.wrapup import assignment_of, in_wrap_up


def test_a_declined_offer_goes_to_the_next_operator(make_app, browser: Browser):
    with serve(make_app) as live:
        operators(live, "aigerim", "dana")
        first, second = open_console(browser, live.url, "aigerim"), open_console(browser, live.url, "dana")
        problems = problems_of(first, second)
        try:
            become_available(first)
            call_sid = a_caller(live)
            expect(offer_panel(first)).to_be_visible()
            offer_id = int(offer_panel(first).get_attribute("data-offer-id"))
            # Reloaded, the console shows the open offer again (GET /api/v1/me/offer).
            first.reload()
            expect(first.locator("#live-state")).to_have_attribute("data-state", "live")
            expect(offer_panel(first)).to_have_attribute("data-offer-id", str(offer_id))
            offer_panel(first).get_by_role("button", name="Decline").click()
            expect(offer_panel(first)).to_have_count(0)
            expect(first.locator("#desk-status")).to_have_text("You declined the caller.")
            with live.app.app_context():
                assert offer_status(offer_id) == "declined"
                assert presence_of("aigerim") == "available"
            # dana becomes available: the caller is offered to her; she declines by key.
            become_available(second)
            expect(offer_panel(second)).to_have_attribute("data-call-sid", call_sid)
            second.locator("body").press("d")
            expect(offer_panel(second)).to_have_count(0)
            with live.app.app_context():
                assert open_offers() == [] and stage_of(call_sid) == "queued"
            # Both declined: the caller waits in the list, marked neither offered nor taken.
            row = first.locator(f'tr[data-call-sid="{call_sid}"]')
            expect(row).to_have_attribute("data-offered", "false")
        finally:
            first.context.close()
            second.context.close()
    assert problems == []


def test_a_caller_taken_from_the_list_is_put_through(make_app, browser: Browser):
    with serve(make_app) as live:
        operators(live, "aigerim", "dana")
        desk, watcher = open_console(browser, live.url, "aigerim"), open_console(browser, live.url, "dana")
        problems = problems_of(desk, watcher)
        try:
            # dana, available, is offered the caller; aigerim takes them from the list.
            become_available(watcher)
            call_sid = a_caller(live)
            expect(offer_panel(watcher)).to_be_visible()
            expect(desk.locator(f'tr[data-call-sid="{call_sid}"]')).to_have_attribute("data-offered", "true")
            row = desk.locator(f'tr[data-call-sid="{call_sid}"]')
            take = row.get_by_role("button", name="Take caller 1")
            expect(take).to_be_enabled()
            take.click()
            expect(desk.locator("#call")).to_have_attribute("data-state", "connecting")
            expect(desk.locator("#call-state")).to_have_text("Putting the caller through to you…")
            expect(desk.locator("#presence")).to_have_text("On a call")
            expect(watcher.locator(f'tr[data-call-sid="{call_sid}"]')).to_have_attribute(
                "data-connected", "true"
            )
            expect(watcher.get_by_role("button", name="Take caller 1")).to_be_disabled()
            expect(offer_panel(watcher)).to_have_count(0)
            expect(watcher.locator("#desk-status")).to_have_text("Another operator took this caller.")
            with live.app.app_context():
                assert stage_of(call_sid) == "connected"
        finally:
            desk.context.close()
            watcher.context.close()
    assert problems == []


def test_the_wrap_up_needs_an_outcome_and_a_category(make_app, browser: Browser):
    with serve(make_app) as live:
        operators(live, "aigerim")
        with live.app.app_context():
            call_sid = in_wrap_up("aigerim", seconds_left=100)
        desk = open_console(browser, live.url, "aigerim")
        desk.set_viewport_size({"width": 1366, "height": 768})
        problems = problems_of(desk)
        try:
            form = desk.locator("#wrap-up")
            expect(form).to_be_visible()
            expect(desk.locator("#wrap-up-left")).to_have_text(re.compile(r"^1:[34]\d$"))
            save = form.get_by_role("button", name="Save")
            save.click()
            error = desk.locator("#wrap-up-error")
            expect(error).to_have_text("Choose an outcome and a category.")
            expect(form.get_by_label("Outcome")).to_have_attribute("aria-invalid", "true")
            expect(form.get_by_label("Outcome")).to_be_focused()
            form.get_by_label("Outcome").select_option(index=1)
            save.click()
            expect(form.get_by_label("Outcome")).to_have_attribute("aria-invalid", "false")
            expect(form.get_by_label("Category")).to_have_attribute("aria-invalid", "true")
            with live.app.app_context():
                assert assignment_of(call_sid).status == "wrap_up"
            # Typing in the note is typing: its letters are no shortcuts.
            form.get_by_label("Note for the case (optional)").fill("")
            form.get_by_label("Note for the case (optional)").type("hd")
            expect(form).to_be_visible()
            expect(form.get_by_label("Note for the case (optional)")).to_have_attribute("maxlength", "4000")
            form.get_by_label("Category").select_option(index=1)
            save.click()
            expect(form).to_be_hidden()
            expect(desk.locator("#presence")).to_have_text("Available")
            with live.app.app_context():
                saved = assignment_of(call_sid)
                assert (saved.status, bool(saved.outcome), bool(saved.category)) == ("done", True, True)
        finally:
            desk.context.close()
    assert problems == []


def test_a_call_transferred_to_another_queue_goes_there_and_the_operator_wraps_up(make_app, browser: Browser):
    with serve(make_app, SIMULATOR_ANSWER_SECONDS=0) as live:
        operators(live, "aigerim")
        with live.app.app_context():
            create_user("gulnara", Role.OPERATOR, PASSWORD, queues=["general"], languages=["ru"])
        desk, general = open_console(browser, live.url, "aigerim"), open_console(browser, live.url, "gulnara")
        problems = problems_of(desk, general)
        try:
            become_available(desk)
            with ThreadPoolExecutor(1) as pool:
                caller = Caller(live, pool, "+77015550311")
                caller.when("plays")
                offer_panel(desk).get_by_role("button", name="Accept").click()
                expect(desk.locator("#call")).to_have_attribute("data-state", "talking")
                transfer = desk.get_by_label("Transfer to the queue")
                expect(transfer.locator("option[value=legal]")).to_be_disabled()
                transfer.select_option("general")
                desk.get_by_role("button", name="Transfer").click()
                expect(desk.locator("#wrap-up")).to_be_visible()
                row = general.locator("section[data-queue=general] tbody tr")
                expect(row).to_have_count(1)
                with live.app.app_context():
                    assert stage_of(row.get_attribute("data-call-sid")) in {"queued", "offered"}
                general.get_by_role("button", name="Take caller 1").click()
                expect(general.locator("#call")).to_have_attribute("data-state", "talking")
                general.get_by_role("button", name="Hang up").click()
                expect(general.locator("#wrap-up")).to_be_visible()
                assert caller.result.result(timeout=10).status == "completed"
        finally:
            desk.context.close()
            general.context.close()
    assert problems == []
