"""A softphone that fails is told to the operator: its error shows in the desk's
status line, in their language, and its code (never a number) goes to the
browser's console for whoever helps them."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from hotline.accounts.users import create_user
from hotline.extensions import db
from hotline.models import Role
from tests.support.console_page import open_console
from tests.support.live_server import serve
from tests.support.pages import PASSWORD


def test_a_softphone_error_shows_in_the_desk_status(make_app, browser: Browser):
    with serve(make_app) as live:
        with live.app.app_context():
            create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["ru"])
        desk = open_console(browser, live.url, "aigerim")
        logged: list[tuple[str, str]] = []
        desk.on("console", lambda message: logged.append((message.type, message.text)))
        try:
            # The simulated network stops answering the softphone's polls.
            desk.route(
                "**/simulator/devices/incoming",
                lambda route: route.fulfill(
                    status=503, json={"error": "x", "message": "down for +77015550501"}
                ),
            )
            expect(desk.locator("#desk-status")).to_have_text(
                "Your softphone reported a problem: calls may not ring here."
                " Reload the page, or choose your own phone."
            )
            warnings = [text for kind, text in logged if kind == "warning"]
            assert warnings == ["softphone error 503"]
            assert not any("5550501" in text for _kind, text in logged)
        finally:
            desk.context.close()


def test_the_softphone_error_is_in_the_operators_language(make_app, browser: Browser):
    with serve(make_app) as live:
        with live.app.app_context():
            user, _password = create_user(
                "aigerim", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["ru"]
            )
            user.language = "ru"
            db.session.commit()
        desk = open_console(browser, live.url, "aigerim")
        try:
            desk.route("**/simulator/devices/incoming", lambda route: route.fulfill(status=500, json={}))
            expect(desk.locator("#desk-status")).to_have_text(
                "Софтфон сообщил о неполадке: звонки здесь могут не поступать."
                " Перезагрузите страницу или выберите свой телефон."
            )
        finally:
            desk.context.close()
