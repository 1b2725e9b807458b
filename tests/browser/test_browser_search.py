"""The /cases page and the audit log in a real browser: a supervisor finds a
case by its number typed as people type it (the number in no address the
browser went to), opens it from the list, and reads the view in the audit log;
axe finds nothing serious on either page in each language, a refused search
included."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from playwright.sync_api import Browser, expect

from hotline.accounts.users import create_user
from hotline.models import Role
from tests.support.axe import assert_accessible
from tests.support.calls import ScriptedCall, TwilioWebhooks
from tests.support.console_page import open_console, problems_of
from tests.support.live_server import serve
from tests.support.pages import PASSWORD

NUMBER = "+77015550488"
LOCALES = ["en-GB", "ru-RU", "kk-KZ"]


def a_case(live) -> str:
    with live.app.app_context():
        call = ScriptedCall(TwilioWebhooks(live.app.test_client()), NUMBER)
        call.to_queue(need="3")
        call.post("/telephony/voice/queue-result", QueueResult="hangup", QueueTime="4")
        return call.record().case.reference


def test_find_a_case_by_its_number_open_it_and_read_the_view_in_the_audit_log(make_app, browser: Browser):
    with serve(make_app) as live:
        with live.app.app_context():
            create_user("boris", Role.SUPERVISOR, PASSWORD)
        reference = a_case(live)
        page = open_console(browser, live.url, "boris")
        problems = problems_of(page)
        visited = []
        page.on("request", lambda request: visited.append(request.url))
        try:
            page.get_by_role("link", name="Cases").click()
            expect(page.locator("h1")).to_have_text("Cases")
            page.fill("#number", "8 (701) 555-04-88")
            page.get_by_role("button", name="Search").click()
            expect(page.locator("#found-heading")).to_have_text("Cases of this person")
            expect(page.locator("#number")).to_have_value("")
            row = page.locator(f"tr[data-reference='{reference}']")
            expect(row).to_contain_text("••••88")
            row.get_by_role("link", name=reference).click()
            expect(page.locator("h1")).to_have_text(f"Case {reference}")
            page.get_by_role("link", name="Audit log").click()
            page.fill("#audit-case", reference)
            page.get_by_role("button", name="Search").click()
            expect(page.locator("tbody tr").first).to_contain_text("case.viewed")
            assert not [url for url in visited if "5550488" in url or "555-04-88" in unquote(url)]
        finally:
            page.context.close()
    assert problems == []


@pytest.mark.parametrize("locale", LOCALES)
def test_the_cases_page_and_the_audit_log_are_accessible(make_app, browser: Browser, locale):
    with serve(make_app) as live:
        with live.app.app_context():
            create_user("boris", Role.SUPERVISOR, PASSWORD)
        a_case(live)
        page = open_console(browser, live.url, "boris", locale=locale)
        try:
            page.goto(f"{live.url}/cases")
            expect(page.locator("tbody tr")).to_have_count(1)
            assert_accessible(page, f"the cases page ({locale})")
            page.fill("#number", "not a number")
            page.locator("form.case-search button[type=submit]").click()
            expect(page.locator("#number-errors")).to_be_visible()
            assert_accessible(page, f"a refused search ({locale})")
            page.goto(f"{live.url}/audit")
            expect(page.locator("tbody tr").first).to_be_visible()
            assert_accessible(page, f"the audit log ({locale})")
            page.goto(f"{live.url}/audit?from=nonsense")
            expect(page.locator("#audit-from-errors")).to_be_visible()
            assert_accessible(page, f"a refused audit search ({locale})")
        finally:
            page.context.close()
