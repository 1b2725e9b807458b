"""Callbacks on the operator's console, in Chromium against a live server and the
real simulator: a queued callback waits in its place among the callers, marked
as one, and leaves the list when cancelled from the callbacks panel; the panel
moves a callback's due time; a callback's offer says "Call back", is accepted,
the call panel says it is calling back, and a person who does not answer ends
it with the operator told and available, with no wrap-up. A colleague's list
shows the callback offered until it is declined; the panel's filters (status,
queue) show only the callbacks they match, live. The whole loop, on the
softphone and on the operator's own phone (a /simulator/phone page for it).

The worker's job that places the call, and the sweep's distribution, run here
as the worker and the sweep run them: plain functions of ids and the clock."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select, update

from hotline.accounts.users import create_user
from hotline.callbacks import schedule
from hotline.extensions import db
from hotline.models import Assignment, Call, Callback, CallbackAttempt, Case, Role, User, utcnow
from hotline.models.states import CallStage
from hotline.operators import offers
from telephony.simulator import subscribers, web_phone
from tests.support.axe import assert_accessible
from tests.support.browser import artifact
from tests.support.callbacks import queued_callback
from tests.support.console_page import a_caller, become_available, open_console, operators, problems_of
from tests.support.live_server import serve
from tests.support.pages import PASSWORD
from tests.support.waiting import eventually
from workers.callbacks import place_attempt

PERSON = "+77015554466"
EARLY, LATE = "CA" + "e" * 32, "CA" + "l" * 32


def legal_rows(page: Page):
    return page.locator("section[data-queue=legal] tbody tr")


def panel_row(page: Page, callback_id: int):
    return page.locator(f"#callbacks tbody tr[data-callback-id='{callback_id}']")


def api_callback(page: Page, callback_id: int) -> dict:
    base = re.match(r"^https?://[^/]+", page.url).group(0)
    answer = page.request.get(f"{base}/api/v1/callbacks/{callback_id}")
    assert answer.ok, answer.text()
    return answer.json()


def caller_waiting(sid: str, minutes_ago: int) -> None:
    db.session.add(
        Call(
            call_sid=sid,
            stage=CallStage.QUEUED,
            queue="legal",
            language="ru",
            enqueued_at=utcnow() - timedelta(minutes=minutes_ago),
        )
    )
    db.session.commit()


@pytest.fixture
def live(make_app):
    settings = {
        "HOTLINE_CALLBACK_HOURS": "always",
        "SIMULATOR_ANSWER_SECONDS": 0,
        "SIMULATOR_RING_SECONDS": 0,
    }

    def serving(**more):
        return serve(make_app, **{**settings, **more})

    return serving


def test_a_queued_callback_waits_in_its_place_and_leaves_when_cancelled(live, browser: Browser):
    with live() as server:
        operators(server, "aigerim")
        with server.app.app_context():
            caller_waiting(EARLY, 10)
            caller_waiting(LATE, 1)
        page = open_console(browser, server.url, "aigerim", size=(1366, 768))
        problems = problems_of(page)
        expect(legal_rows(page)).to_have_count(2)
        with server.app.app_context():  # asked after 4 minutes on hold: live, by callback.queued
            callback_id = queued_callback(PERSON, waiting_since=utcnow() - timedelta(minutes=4))
        rows = legal_rows(page)
        expect(rows).to_have_count(3)
        expect(rows.nth(1)).to_have_attribute("data-kind", "callback")
        expect(rows.nth(0)).to_have_attribute("data-call-sid", EARLY)
        expect(rows.nth(2)).to_have_attribute("data-call-sid", LATE)
        expect(rows.nth(1).locator(".badge.callback")).to_have_text("Callback")
        expect(rows.nth(1).locator(".asked")).to_contain_text("asked for at")
        expect(rows.nth(1).locator(".place")).to_have_text("2")
        expect(rows.nth(1).get_by_role("button")).to_have_count(0)  # offered, never taken from the list
        expect(page.locator("section[data-queue=legal] .count")).to_have_text("3 waiting")
        assert PERSON[-4:] not in rows.nth(1).inner_text()
        # A caller joining now, placed by the position among callers the event
        # gives (3rd caller), goes after the callback and the caller who came last.
        joining = a_caller(server)
        expect(rows).to_have_count(4)
        expect(rows.nth(3)).to_have_attribute("data-call-sid", joining)
        expect(rows.nth(1)).to_have_attribute("data-kind", "callback")

        row = panel_row(page, callback_id)
        expect(row.locator(".badge.status")).to_have_text("Waiting in the list")
        expect(row.locator(".number")).to_have_text("••••66")
        expect(row.locator(".attempts")).to_have_text("none yet")
        page.screenshot(path=artifact("console-callbacks.png"), full_page=True)
        row.get_by_role("button", name=re.compile("^Cancel the callback")).click()
        expect(row).to_contain_text("Cancel this callback?")
        row.get_by_role("button", name="Keep").click()  # the confirm step: nothing yet
        expect(rows).to_have_count(4)
        row.get_by_role("button", name=re.compile("^Cancel the callback")).click()
        row.get_by_role("button", name=re.compile("^Yes, cancel")).click()
        expect(page.locator("#callbacks-status")).to_have_text("The callback is cancelled.")
        expect(row.locator(".badge.status")).to_have_text("Cancelled")
        expect(row.get_by_role("button")).to_have_count(0)
        expect(rows).to_have_count(3)
        expect(page.locator("section[data-queue=legal] .count")).to_have_text("3 waiting")
        expect(rows.nth(1)).to_have_attribute("data-call-sid", LATE)
        assert api_callback(page, callback_id)["status"] == "cancelled"
        page.context.close()
    assert problems == []


def test_a_callback_moved_from_the_panel_is_due_at_the_new_time(live, browser: Browser):
    with live() as server:
        operators(server, "aigerim")
        with server.app.app_context():
            callback_id = queued_callback(PERSON, asked_at=utcnow() + timedelta(days=1))
            zone = ZoneInfo(server.app.config["HOTLINE_TIMEZONE"])
        page = open_console(browser, server.url, "aigerim")
        problems = problems_of(page)
        row = panel_row(page, callback_id)
        expect(row.locator(".badge.status")).to_have_text("Scheduled")
        expect(legal_rows(page)).to_have_count(0)  # not due: not in the list
        wanted = (datetime.now(zone) + timedelta(days=2)).replace(hour=15, minute=30, second=0, microsecond=0)
        row.get_by_role("button", name=re.compile("^Reschedule")).click()
        row.get_by_label("New time").fill(wanted.strftime("%Y-%m-%dT%H:%M"))
        row.get_by_role("button", name="Move").click()
        expect(page.locator("#callbacks-status")).to_have_text("The callback is moved.")
        due = datetime.fromisoformat(api_callback(page, callback_id)["due_at"])
        assert due == wanted
        expect(row.locator(".due time")).to_have_attribute(
            "datetime", re.compile(r"^" + due.date().isoformat())
        )
        expect(row.locator(".due")).to_contain_text("15:30")
        page.context.close()
    assert problems == []


def offered_in_the_browser(server, page: Page, callback_id: int):
    """The callback offered to the (available) operator, the card checked."""
    with server.app.app_context():
        offers.distribute(utcnow())
    card = page.locator(".offer")
    expect(card).to_be_visible()
    expect(card).to_have_attribute("data-kind", "callback")
    expect(card.locator(".offer-title")).to_have_text("Call back")
    expect(card.locator(".offer-badges")).to_contain_text("Callback")
    expect(card.locator(".offer-asked")).not_to_be_empty()
    expect(card.locator(".offer-language")).to_have_text("Russian")
    with server.app.app_context():
        reference = db.session.get(Case, db.session.get(Callback, callback_id).case_id).reference
    expect(card.locator(".offer-case")).to_have_text(reference)
    return card, reference


def placed(server, callback_id: int) -> str:
    """The worker's job: the operator's leg placed, its CallSid."""
    with server.app.app_context():
        attempt = db.session.scalars(
            select(CallbackAttempt).where(
                CallbackAttempt.callback_id == callback_id, CallbackAttempt.ended_at.is_(None)
            )
        ).one()
        call_sid = place_attempt(attempt.id)
    assert call_sid is not None
    return call_sid


OPERATOR_PHONE = "+77019998877"


def phone_page_for(desk: Page, url: str, number: str, problems: list[str]) -> Page:
    """/simulator/phone in a context of its own, answering for `number` (the page has said so)."""
    phone = desk.context.browser.new_context(locale="en-GB").new_page()
    phone.context.set_default_timeout(10000)
    phone.on("pageerror", lambda error: problems.append(str(error)))
    phone.goto(f"{url}/simulator/phone")
    phone.fill("#from", number)
    expect(phone.locator("#dial")).to_have_attribute("data-listening", "true")
    eventually(
        lambda: subscribers.answered_by(number) == "page",
        pause=lambda seconds: desk.wait_for_timeout(seconds * 1000),
    )
    return phone


def answered_on(phone: Page) -> None:
    """A call from the hotline rings on the phone page, and is answered there."""
    incoming = phone.locator("#incoming")
    expect(incoming).to_be_visible(timeout=15000)
    expect(incoming).to_contain_text("Incoming call from the hotline")
    phone.click("#answer")


def on_the_line(desk: Page, reference: str) -> None:
    """The console's call panel: talking to the person of `reference`, their number masked."""
    expect(desk.locator("#call")).to_have_attribute("data-state", "talking", timeout=15000)
    expect(desk.locator("#call-state")).to_have_text("On the line")
    expect(desk.locator("#call-case")).to_have_text(reference)
    expect(desk.locator("#call-number")).to_have_text("••••66")


def completed(desk: Page, callback_id: int, call_sid: str) -> Assignment:
    """The callback completed in the API at its first attempt, answered; the call's
    assignment wrapped up with its codes (read in an app context the caller holds)."""
    expect(panel_row(desk, callback_id).locator(".badge.status")).to_have_text("Completed")
    done = api_callback(desk, callback_id)
    assert done["status"] == "completed"
    assert [(a["number"], a["outcome"]) for a in done["attempts"]] == [(1, "answered")]
    saved = db.session.scalars(
        select(Assignment).join(Call, Call.id == Assignment.call_id).where(Call.call_sid == call_sid)
    ).one()
    assert saved.outcome and saved.category
    return saved


def test_a_callback_offered_accepted_and_the_person_not_reached(live, browser: Browser):
    with live(SIMULATOR_OUTBOUND=f"{PERSON}=no-answer") as server:
        operators(server, "aigerim")
        with server.app.app_context():
            callback_id = queued_callback(PERSON)
        page = open_console(browser, server.url, "aigerim", size=(1366, 768))
        problems = problems_of(page)
        become_available(page)
        card, reference = offered_in_the_browser(server, page, callback_id)
        expect(page.locator("#desk-status")).to_have_text("A callback is offered to you: accept or decline.")
        card.get_by_role("button", name="Accept").click()
        expect(card).to_have_count(0)
        expect(page.locator("#call")).to_be_visible()
        expect(page.locator("#call-state")).to_have_text(f"Calling back {reference}…")
        expect(page.locator("#presence")).to_have_text("On a call")
        placed(server, callback_id)
        status = page.locator("#desk-status")
        expect(status).to_have_text(
            "The person did not answer: the callback is scheduled again. You are available.", timeout=15000
        )
        expect(page.locator("#call")).to_be_hidden()
        expect(page.locator("#wrap-up")).to_be_hidden()
        expect(page.locator("#presence")).to_have_text("Available")
        row = panel_row(page, callback_id)
        expect(row.locator(".badge.status")).to_have_text("Scheduled")
        expect(row.locator(".attempts")).to_have_text("1: no answer")
        assert api_callback(page, callback_id)["status"] == "scheduled"
        page.context.close()
    assert problems == []


def test_end_to_end_a_callback_is_offered_accepted_dialled_answered_on_the_phone_page_and_wrapped_up(
    live, browser: Browser, monkeypatch
):
    """The issue's whole loop in Chromium: queued → offered → accepted → the
    operator's softphone rung (this console answers it) → the person's phone
    rings on /simulator/phone in a second page and is answered there → talking →
    the operator hangs up → wrap-up, asking for another call back → completed."""
    monkeypatch.setattr(web_phone, "HOLD_SECONDS", 0.2)
    # The person's phone is the page: the simulator leaves answering to it.
    with live(SIMULATOR_ANSWER_SECONDS=30) as server:
        operators(server, "aigerim")
        desk = open_console(browser, server.url, "aigerim", size=(1366, 768))
        problems = problems_of(desk)
        with server.app.app_context():
            phone = phone_page_for(desk, server.url, PERSON, problems)
            callback_id = queued_callback(PERSON)
        expect(legal_rows(desk)).to_have_count(1)
        become_available(desk)
        card, reference = offered_in_the_browser(server, desk, callback_id)
        card.get_by_role("button", name="Accept").click()
        expect(desk.locator("#call-state")).to_have_text(f"Calling back {reference}…")
        expect(legal_rows(desk)).to_have_count(0)  # being dialled: no longer waiting
        expect(panel_row(desk, callback_id).locator(".badge.status")).to_have_text("Being called")
        call_sid = placed(server, callback_id)

        # The console's softphone answers the operator's leg; then the person is dialled.
        answered_on(phone)
        on_the_line(desk, reference)
        desk.screenshot(path=artifact("console-callback-talking.png"), full_page=True)

        desk.get_by_role("button", name="Hang up").click()
        form = desk.locator("#wrap-up")
        expect(form).to_be_visible()
        expect(form.locator("#call-back")).to_be_visible()  # the call has a case
        form.get_by_label("Outcome").select_option(index=1)
        form.get_by_label("Category").select_option(index=1)
        # And once more, tomorrow at 11:00 (the hotline's time), by this operator first.
        zone = ZoneInfo(server.app.config["HOTLINE_TIMEZONE"])
        again = (datetime.now(zone) + timedelta(days=1)).replace(hour=11, minute=0, second=0, microsecond=0)
        form.get_by_label("Call the person back at").check()
        form.get_by_label("Time to call back").fill(again.strftime("%Y-%m-%dT%H:%M"))
        form.get_by_role("button", name="Save").click()
        expect(form).to_be_hidden()
        expect(desk.locator("#desk-status")).to_have_text("Wrap-up saved. The callback is asked for.")
        expect(desk.locator("#presence")).to_have_text("Available")
        listed = desk.request.get(f"{server.url}/api/v1/callbacks?status=scheduled").json()["items"]
        assert [(c["source"], c["operator"], c["case_reference"]) for c in listed] == [
            ("operator", "aigerim", reference)
        ]
        assert datetime.fromisoformat(listed[0]["due_at"]) == again
        expect(panel_row(desk, listed[0]["id"]).locator(".badge.status")).to_have_text("Scheduled")
        with server.app.app_context():
            completed(desk, callback_id, call_sid)
        phone.context.close()
        desk.context.close()
    assert problems == []


def test_a_colleagues_list_shows_the_callback_offered_until_it_is_declined(live, browser: Browser):
    with live() as server:
        operators(server, "aigerim", "bolat")
        with server.app.app_context():
            callback_id = queued_callback(PERSON)
        desk = open_console(browser, server.url, "aigerim", size=(1366, 768))
        watching = open_console(browser, server.url, "bolat", size=(1366, 768))  # away: never offered it
        problems = problems_of(desk, watching)
        row = legal_rows(watching).and_(watching.locator(f"tr[data-callback-id='{callback_id}']"))
        expect(row).to_have_attribute("data-offered", "false")
        expect(row.locator(".badge.state")).to_have_count(0)

        become_available(desk)  # offered to her at once
        card = desk.locator(".offer")
        expect(card).to_have_attribute("data-kind", "callback")
        expect(row).to_have_attribute("data-offered", "true")
        expect(row.locator(".badge.state")).to_have_text("Offered")
        expect(legal_rows(desk).locator(".badge.state")).to_have_text("Offered")

        card.get_by_role("button", name="Decline").click()
        expect(card).to_have_count(0)
        expect(row).to_have_attribute("data-offered", "false")
        expect(row.locator(".badge.state")).to_have_count(0)
        expect(row.locator(".badge.callback")).to_have_text("Callback")  # still waiting, in its place
        expect(legal_rows(watching)).to_have_count(1)
        # A console that loads its snapshot again agrees.
        watching.reload()
        expect(watching.locator("#live-state")).to_have_attribute("data-state", "live")
        expect(row).to_have_attribute("data-offered", "false")
        assert api_callback(watching, callback_id)["status"] == "queued"
        desk.context.close()
        watching.context.close()
    assert problems == []


def shown_ids(page: Page) -> set[int]:
    return {int(row.get_attribute("data-callback-id")) for row in page.locator("#callbacks tbody tr").all()}


def test_the_panels_filters_show_the_matching_callbacks_and_an_event_keeps_a_hidden_one_hidden(
    live, browser: Browser
):
    with live() as server:
        with server.app.app_context():
            create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal", "medical"], languages=["ru"])
            tomorrow = utcnow() + timedelta(days=1)
            legal_queued = queued_callback("+77015554401")
            medical_queued = queued_callback("+77015554402", queue="medical")
            legal_later = queued_callback("+77015554403", asked_at=tomorrow)
            medical_later = queued_callback("+77015554404", queue="medical", asked_at=tomorrow)
            # Due 20 minutes ago and not yet dialled: overdue.
            db.session.execute(
                update(Callback)
                .where(Callback.id == legal_queued)
                .values(due_at=utcnow() - timedelta(minutes=20))
            )
            db.session.commit()
        page = open_console(browser, server.url, "aigerim", size=(1366, 768))
        problems = problems_of(page)
        rows = page.locator("#callbacks tbody tr")
        expect(rows).to_have_count(4)
        status = page.get_by_label("Show", exact=True)
        queue = page.get_by_label("Queue", exact=True)
        assert [option.get_attribute("value") for option in queue.locator("option").all()] == [
            "",
            "medical",
            "legal",
        ]
        expect(queue.locator("option").first).to_have_text("All your queues")

        def showing(*wanted: int) -> None:
            expect(rows).to_have_count(len(wanted))
            assert shown_ids(page) == set(wanted)

        status.select_option("overdue")
        showing(legal_queued)
        expect(rows.first.locator(".badge.overdue")).to_be_visible()
        status.select_option("queued")
        showing(legal_queued, medical_queued)
        status.select_option("failed")
        showing()
        expect(page.locator("#callbacks-table")).to_be_hidden()
        expect(page.locator("#callbacks-unmatched")).to_have_text("No callback matches the filters.")
        expect(page.locator("#callbacks-empty")).to_be_hidden()
        assert_accessible(page, "the callbacks panel, filtered to none")
        status.select_option("scheduled")
        showing(legal_later, medical_later)
        queue.select_option("medical")
        showing(medical_later)

        # Live: two callbacks the filters hide change (another queue's; another
        # status's), then one they match is asked for: only that one shows.
        with server.app.app_context():
            schedule.cancel(legal_later, "boris", None, utcnow())
            schedule.cancel(medical_queued, "boris", None, utcnow())
            medical_new = queued_callback("+77015554405", queue="medical", asked_at=tomorrow)
        showing(medical_later, medical_new)
        expect(status).to_have_value("scheduled")
        expect(queue).to_have_value("medical")

        status.select_option("all")
        queue.select_option("")
        showing(legal_queued, medical_queued, legal_later, medical_later, medical_new)
        expect(panel_row(page, medical_queued).locator(".badge.status")).to_have_text("Cancelled")
        page.context.close()
    assert problems == []


def test_a_callback_made_on_the_operators_own_phone_from_offer_to_completed(
    live, browser: Browser, monkeypatch
):
    """The operator works on their own phone, not the softphone: the offer accepted
    in the console → the simulator rings the operator's phone (a /simulator/phone
    page answering for their number) → once answered, the person's (a second
    page) → on the line → hang-up → wrap-up → completed, the attempt answered."""
    monkeypatch.setattr(web_phone, "HOLD_SECONDS", 0.2)
    with live(SIMULATOR_ANSWER_SECONDS=30) as server:  # the pages answer, not the simulator
        with server.app.app_context():
            create_user(
                "aigerim", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["ru"], phone=OPERATOR_PHONE
            )
        desk = open_console(browser, server.url, "aigerim", size=(1366, 768))
        problems = problems_of(desk)
        with server.app.app_context():
            own = phone_page_for(desk, server.url, OPERATOR_PHONE, problems)
            person = phone_page_for(desk, server.url, PERSON, problems)
            callback_id = queued_callback(PERSON)
        expect(legal_rows(desk)).to_have_count(1)
        desk.get_by_role("radio", name=re.compile("^My own phone")).check()
        become_available(desk)
        with server.app.app_context():
            assert db.session.scalars(select(User.device).where(User.username == "aigerim")).one() == "phone"
        card, reference = offered_in_the_browser(server, desk, callback_id)
        card.get_by_role("button", name="Accept").click()
        expect(desk.locator("#call-state")).to_have_text(f"Calling back {reference}…")
        expect(legal_rows(desk)).to_have_count(0)
        call_sid = placed(server, callback_id)

        # The operator's own phone rings first, from the hotline's number; the
        # person's only once it is answered.
        expect(own.locator("#incoming")).to_be_visible(timeout=15000)
        expect(person.locator("#incoming")).to_be_hidden()
        answered_on(own)
        answered_on(person)
        on_the_line(desk, reference)
        assert OPERATOR_PHONE[-7:] not in person.content()

        desk.get_by_role("button", name="Hang up").click()
        form = desk.locator("#wrap-up")
        expect(form).to_be_visible()
        for phone in (person, own):  # both lines are down
            expect(phone.locator("#sim-state")).to_have_text("The call has ended.", timeout=15000)
        form.get_by_label("Outcome").select_option(index=1)
        form.get_by_label("Category").select_option(index=1)
        form.get_by_role("button", name="Save").click()
        expect(form).to_be_hidden()
        expect(desk.locator("#desk-status")).to_have_text("Wrap-up saved.")
        expect(desk.locator("#presence")).to_have_text("Available")
        with server.app.app_context():
            saved = completed(desk, callback_id, call_sid)
            assert (saved.device, saved.user.username) == ("phone", "aigerim")
        for page in (own, person, desk):
            page.context.close()
    assert problems == []
