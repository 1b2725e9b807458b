"""The console's presence controls in a real browser: the operator becomes
available and away by clicking, their other tab follows through
presence.changed, the own phone is offered (masked) only when the account has
a number, and an open console keeps beating (console.alive)."""

from __future__ import annotations

from playwright.sync_api import Browser, expect
from redis import Redis
from sqlalchemy import select

from hotline.accounts import users
from hotline.accounts.users import create_user
from hotline.extensions import db
from hotline.models import Role, User
from hotline.operators import presence
from tests.support.console_page import open_console
from tests.support.live_server import serve
from tests.support.pages import PASSWORD
from tests.support.waiting import eventually


def test_an_operator_sets_their_presence_and_their_other_tab_follows(make_app, browser: Browser):
    with serve(make_app) as live:
        with live.app.app_context():
            create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"], phone="+77015550101")
        desk = open_console(browser, live.url, "aigerim")
        other_tab = desk.context.new_page()
        problems: list[str] = []
        for page in (desk, other_tab):
            page.on("pageerror", lambda error: problems.append(str(error)))
        try:
            other_tab.goto(f"{live.url}/console")
            expect(other_tab.locator("#live-state")).to_have_attribute("data-state", "live")
            expect(desk.locator("#presence")).to_have_text("Away")
            desk.get_by_role("button", name="Available").click()
            for page in (desk, other_tab):
                expect(page.locator("#presence")).to_have_text("Available")
                expect(page.get_by_role("button", name="Available")).to_have_attribute("aria-pressed", "true")
                expect(page.get_by_role("button", name="Away")).to_have_attribute("aria-pressed", "false")
            own_phone = desk.get_by_role("radio", name="My own phone")
            with live.app.app_context():
                masked = users.masked_phone(db.session.scalars(select(User)).one())
            expect(desk.locator("fieldset.device")).to_contain_text(masked)
            assert "5550101" not in desk.content()
            own_phone.check()
            expect(other_tab.get_by_role("radio", name="My own phone")).to_be_checked()
            with live.app.app_context():
                user = db.session.scalars(select(User).where(User.username == "aigerim")).one()
                assert (user.presence, user.device) == ("available", "phone")
        finally:
            desk.context.close()
    assert problems == []


def test_the_own_phone_is_offered_only_with_a_number_and_the_console_beats(make_app, browser: Browser):
    with serve(make_app, HOTLINE_PRESENCE_GRACE_SECONDS=3) as live:
        with live.app.app_context():
            dana, _password = create_user("dana", Role.OPERATOR, PASSWORD, queues=["medical"])
        desk = open_console(browser, live.url, "dana")
        try:
            expect(desk.get_by_role("radio")).to_have_count(1)
            expect(desk.get_by_role("radio", name="This browser (softphone)")).to_be_checked()
            redis = Redis.from_url(live.app.config["REDIS_URL"])
            first = redis.zscore(presence.CONSOLES, str(dana.id))
            assert first is not None
            # One heartbeat a second (grace / 3), with no reconnect.
            eventually(
                lambda: redis.zscore(presence.CONSOLES, str(dana.id)) != first,
                timeout=5,
                what="the console sent no console.alive",
                every=0.1,
            )
        finally:
            desk.context.close()
