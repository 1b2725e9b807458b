"""The case page and the caller's case on the console, in a real browser.

A supervisor reveals the number for a moment (then the mask is back), adds a
note and corrects it (the first struck through, linked to its correction),
moves the status, and hears a refused move in their language; axe finds
nothing serious on the page in each language. An operator offered a repeat
caller sees the case's earlier call and note before accepting, and adds a
note from the desk."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from hotline.accounts.users import create_user
from hotline.cases import notes
from hotline.extensions import db
from hotline.models import Case, CaseNote, Role, User, utcnow
from tests.support.axe import assert_accessible
from tests.support.browser import artifact
from tests.support.calls import ScriptedCall, TwilioWebhooks
from tests.support.cases import set_status
from tests.support.console_page import become_available, open_console, problems_of
from tests.support.live_server import serve
from tests.support.pages import PASSWORD

NUMBER = "+77015550477"
EARLIER_NOTE = "Lost the identity card; <b>asked</b> about the registration"


def a_case(live) -> str:
    """A case opened by a call to legal that hung up while waiting, with a note."""
    with live.app.app_context():
        call = ScriptedCall(TwilioWebhooks(live.app.test_client()), NUMBER)
        call.to_queue(need="3")
        call.post("/telephony/voice/queue-result", QueueResult="hangup", QueueTime="4")
        reference = call.record().case.reference
        boris = db.session.scalars(select(User).where(User.username == "boris")).one()
        case_id = db.session.scalar(select(Case.id).where(Case.reference == reference))
        notes.write(case_id, boris, EARLIER_NOTE, utcnow())
        return reference


def test_reveal_a_note_its_correction_and_a_status_move_on_the_case_page(make_app, browser: Browser):
    with serve(make_app) as live:
        with live.app.app_context():
            create_user("boris", Role.SUPERVISOR, PASSWORD)
        reference = a_case(live)
        page = open_console(browser, live.url, "boris")
        problems = problems_of(page)
        try:
            page.clock.install()
            page.goto(f"{live.url}/cases/{reference}")
            expect(page.locator("h1")).to_have_text(f"Case {reference}")
            number = page.locator("#case-number")
            expect(number).to_have_text("••••77")
            # The earlier note is text: its markup shows as typed.
            expect(page.locator(".note-body").first).to_have_text(EARLIER_NOTE)
            assert_accessible(page, "the case page")

            page.get_by_role("button", name="Show the number").click()
            expect(number).to_have_text(NUMBER)
            assert NUMBER not in page.url
            page.clock.fast_forward(16_000)
            expect(number).to_have_text("••••77")
            expect(page.locator("#case-say")).to_have_text("The number is hidden again.")

            page.fill("#note-body", "Called the registry <i>office</i>")
            page.get_by_role("button", name="Add the note").click()
            expect(page.locator("#case-say")).to_have_text("The note is added.")
            first = page.locator(".note").first
            expect(first.locator(".note-body")).to_have_text("Called the registry <i>office</i>")
            first.get_by_role("button", name="Correct this note").click()
            expect(page.locator("#note-correcting")).to_be_visible()
            page.fill("#note-body", "Called the registry office on Monday")
            page.get_by_role("button", name="Add the note").click()
            expect(page.locator(".note").first.locator(".note-body")).to_have_text(
                "Called the registry office on Monday"
            )
            corrected = page.locator(".note.corrected")
            expect(corrected.locator("s")).to_have_text("Called the registry <i>office</i>")
            corrected.get_by_role("link", name="Corrected: see the correction").click()
            assert page.url.endswith(f"#{page.locator('.note').first.get_attribute('id')}")

            page.select_option("#status-to", "in_progress")
            page.get_by_role("button", name="Change the status").click()
            expect(page.locator("#case-status")).to_have_text("In progress")
            expect(page.locator("#case-say")).to_have_text("The status is changed. In progress")

            # Resolving needs an outcome and a category: the 400 in words.
            page.select_option("#status-to", "resolved")
            expect(page.locator("#resolving")).to_be_visible()
            page.get_by_role("button", name="Change the status").click()
            expect(page.locator("#status-error")).to_have_text("Choose an outcome to resolve the case.")
            # Someone else moved the case meanwhile: the 409 names both statuses in words.
            set_status(live.app, reference, "closed")
            page.select_option("#status-to", "waiting")
            page.get_by_role("button", name="Change the status").click()
            expect(page.locator("#status-error")).to_have_text("A case that is Closed cannot become Waiting.")
            page.screenshot(path=artifact("case-page.png"), full_page=True)
        finally:
            page.context.close()
        with live.app.app_context():
            assert len(db.session.scalars(select(CaseNote)).all()) == 3
    # The browser reports the two refusals the test asked for; nothing else went wrong.
    assert [problem.split("status of ")[-1] for problem in problems] == [
        "400 (BAD REQUEST)",
        "409 (CONFLICT)",
    ]


@pytest.mark.parametrize("locale", ["ru-RU", "kk-KZ"])
def test_the_case_page_in_russian_and_kazakh_is_accessible(make_app, browser: Browser, locale):
    with serve(make_app) as live:
        with live.app.app_context():
            create_user("boris", Role.SUPERVISOR, PASSWORD)
        reference = a_case(live)
        page = open_console(browser, live.url, "boris", locale=locale)
        try:
            page.goto(f"{live.url}/cases/{reference}")
            expect(page.locator("html")).to_have_attribute("lang", locale[:2])
            assert_accessible(page, f"the case page ({locale})")
            page.select_option("#status-to", "in_progress")
            page.locator("#status-save").click()
            expect(page.locator("#case-status")).to_have_attribute("data-status", "in_progress")
            page.select_option("#status-to", "resolved")
            page.locator("#status-save").click()
            expect(page.locator("#status-error")).to_be_visible()
            assert "outcome" not in page.locator("#status-error").text_content()
            assert_accessible(page, f"the case page with a refusal ({locale})")
        finally:
            page.context.close()


def test_an_offered_repeat_callers_case_shows_on_the_desk_and_takes_a_note(make_app, browser: Browser):
    with serve(make_app) as live:
        with live.app.app_context():
            create_user("boris", Role.SUPERVISOR, PASSWORD)
            create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["ru"])
        reference = a_case(live)
        desk = open_console(browser, live.url, "aigerim")
        problems = problems_of(desk)
        try:
            become_available(desk)
            with live.app.app_context():
                again = ScriptedCall(TwilioWebhooks(live.app.test_client()), NUMBER)
                again.to_queue(need="3")
            expect(desk.locator(".offer")).to_be_visible()
            panel = desk.locator("#case-panel")
            expect(panel).to_be_visible()
            expect(panel.locator("#case-panel-link")).to_have_text(reference)
            expect(panel.locator("#case-panel-link")).to_have_attribute("href", f"/cases/{reference}")
            expect(panel.locator("#case-panel-status")).to_have_text("Open")
            expect(panel.locator("#case-panel-risk")).to_have_text("None")
            # The earlier call (not the one offered), and the note written then, as text.
            expect(panel.locator("#case-panel-calls tbody tr")).to_have_count(1)
            expect(panel.locator("#case-panel-calls tbody tr")).to_contain_text("Legal")
            expect(panel.locator("#case-panel-notes .note-body")).to_have_text([EARLIER_NOTE])
            assert_accessible(desk, "the console with an offer and the caller's case")
            panel.locator("#case-panel-note-body").fill("Offered again: wants the lawyer")
            panel.get_by_role("button", name="Add the note").click()
            expect(panel.locator("#case-panel-said")).to_have_text("The note is added to the case.")
            expect(panel.locator("#case-panel-notes .note-body").first).to_have_text(
                "Offered again: wants the lawyer"
            )
            desk.screenshot(path=artifact("console-case-panel.png"), full_page=True)
            # The caller hangs up: the offer goes, and the case with it.
            with live.app.app_context():
                again.post("/telephony/voice/queue-result", QueueResult="hangup", QueueTime="4")
            expect(desk.locator(".offer")).to_have_count(0)
            expect(panel).to_be_hidden()
        finally:
            desk.context.close()
        with live.app.app_context():
            bodies = [n.body for n in db.session.scalars(select(CaseNote).order_by(CaseNote.id))]
            assert bodies == [EARLIER_NOTE, "Offered again: wants the lawyer"]
            viewers = {record for record in _viewers()}
            assert viewers == {"aigerim"}
    assert problems == []


def _viewers() -> list[str]:
    from hotline.models import AuditRecord

    return list(db.session.scalars(select(AuditRecord.actor).where(AuditRecord.action == "case.viewed")))
