"""Callbacks on the operator's console, in Chromium against a live server and the
real simulator: a queued callback waits in its place among the callers, marked
as one, and leaves the list when cancelled from the callbacks panel; the panel
moves a callback's due time; a callback's offer says "Call back", is accepted,
the call panel says it is calling back, and a person who does not answer ends
it with the operator told and available, with no wrap-up.

The worker's job that places the call, and the sweep's distribution, run here
as the worker and the sweep run them: plain functions of ids and the clock."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from hotline.callbacks import service
from hotline.extensions import db
from hotline.models import Call, Callback, CallbackAttempt, Caller, Case, utcnow
from hotline.models.states import CallbackSource, CallStage
from hotline.operators import offers
from tests.support.browser import artifact
from tests.support.callbacks import queued_callback
from tests.support.console_page import become_available, open_console, operators, problems_of
from tests.support.live_server import serve
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


def a_caller(sid: str, minutes_ago: int) -> None:
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
            a_caller(EARLY, 10)
            a_caller(LATE, 1)
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

        row = panel_row(page, callback_id)
        expect(row.locator(".badge.status")).to_have_text("Waiting in the list")
        expect(row.locator(".number")).to_have_text("••••66")
        expect(row.locator(".attempts")).to_have_text("none yet")
        page.screenshot(path=artifact("console-callbacks.png"), full_page=True)
        row.get_by_role("button", name=re.compile("^Cancel the callback")).click()
        expect(row).to_contain_text("Cancel this callback?")
        row.get_by_role("button", name="Keep").click()  # the confirm step: nothing yet
        expect(rows).to_have_count(3)
        row.get_by_role("button", name=re.compile("^Cancel the callback")).click()
        row.get_by_role("button", name=re.compile("^Yes, cancel")).click()
        expect(page.locator("#callbacks-status")).to_have_text("The callback is cancelled.")
        expect(row.locator(".badge.status")).to_have_text("Cancelled")
        expect(row.get_by_role("button")).to_have_count(0)
        expect(rows).to_have_count(2)
        expect(page.locator("section[data-queue=legal] .count")).to_have_text("2 waiting")
        assert api_callback(page, callback_id)["status"] == "cancelled"
        page.context.close()
    assert problems == []


def test_a_callback_moved_from_the_panel_is_due_at_the_new_time(live, browser: Browser):
    with live() as server:
        operators(server, "aigerim")
        with server.app.app_context():
            policy, vault = service.settings()
            caller = Caller(number_hash=vault.digest(PERSON), number_encrypted=vault.encrypt(PERSON))
            db.session.add(caller)
            db.session.commit()
            asked = service.Request(
                caller_id=caller.id,
                queue="legal",
                source=CallbackSource.WEB,
                asked_at=utcnow() + timedelta(days=1),
                language="ru",
            )
            callback_id = service.record(asked, utcnow(), policy, vault, actor="web").callback_id
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
