"""A console whose session ends elsewhere (its user logs out in another browser)
is disconnected by the server and goes to the login form by itself."""

from __future__ import annotations

import re

from hotline.accounts.users import create_user
from hotline.models import Role
from tests.support.console_page import open_console, problems_of
from tests.support.live_server import serve
from tests.support.pages import PASSWORD


def test_a_console_goes_to_the_login_form_when_its_user_logs_out_in_another_browser(make_app, browser):
    with serve(make_app) as live:
        with live.app.app_context():
            create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["ru"])
        desk, laptop = open_console(browser, live.url, "aigerim"), open_console(browser, live.url, "aigerim")
        problems = problems_of(desk, laptop)
        try:
            laptop.click("form.logout button")
            # The laptop's own console is disconnected too: it may reload before the logout's redirect lands.
            laptop.wait_for_url(re.compile(r"/login(\?next=%2Fconsole)?$"))
            desk.wait_for_url(re.compile(r"/login\?next=%2Fconsole$"), timeout=2000)
            assert desk.locator("#username").is_visible()
            assert problems == []
        finally:
            desk.context.close()
            laptop.context.close()
