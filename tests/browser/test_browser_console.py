"""The live console in a real browser: an operator logs in through the login
form, a caller reaches their queue through signed webhooks and appears in the
list without a reload, then hangs up and disappears; another operator, in
another browser, serving another queue, never sees them."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Page, expect

from hotline import events
from hotline.accounts.users import create_user
from hotline.models import Role
from tests.support.browser import artifact
from tests.support.calls import ScriptedCall, TwilioWebhooks
from tests.support.console_page import open_console
from tests.support.live_server import serve
from tests.support.pages import PASSWORD

PROMPT_MS = 1000


def row(page: Page, call: ScriptedCall):
    return page.locator(f'tr[data-call-sid="{call.sid}"]')


def test_a_caller_appears_live_and_disappears_when_they_hang_up(make_app, browser):
    with serve(make_app) as live:
        with live.app.app_context():
            create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["ru"])
            create_user("dana", Role.OPERATOR, PASSWORD, queues=["medical"], languages=["kk"])
        legal_desk = open_console(browser, live.url, "aigerim")
        medical_desk = open_console(browser, live.url, "dana")
        problems: list[str] = []
        for page in (legal_desk, medical_desk):
            page.on("console", lambda message: message.type == "error" and problems.append(message.text))
            page.on("pageerror", lambda error: problems.append(str(error)))
        try:
            with live.app.app_context():
                twilio = TwilioWebhooks(live.app.test_client())
                call = ScriptedCall(twilio, "+77015550001")
                call.to_queue(language="2", need="3")
                entered = time.monotonic()
                row(legal_desk, call).wait_for(timeout=PROMPT_MS)
                assert time.monotonic() - entered < PROMPT_MS / 1000
                legal = legal_desk.locator('section[data-queue="legal"]')
                expect(legal.locator(".count")).to_have_text("1 waiting")
                expect(row(legal_desk, call).locator(".place")).to_have_text("1")
                expect(row(legal_desk, call)).to_contain_text("Russian")
                expect(row(legal_desk, call)).to_contain_text(re.compile(r"HL-\d{4}-\d{6}"))
                first_tick = row(legal_desk, call).locator(".waited").text_content()
                expect(row(legal_desk, call).locator(".waited")).not_to_have_text(first_tick, timeout=2500)
                legal_desk.screenshot(path=artifact("console-live.png"), full_page=True)

                medical = ScriptedCall(twilio, "+77015550002")
                medical.to_queue(language="1", need="2")
                row(medical_desk, medical).wait_for(timeout=PROMPT_MS)
                # The medical desk's caller entered after the legal one: it never showed the legal one.
                assert row(medical_desk, call).count() == 0
                assert medical_desk.locator('section[data-queue="legal"]').count() == 0

                call.post("/telephony/voice/queue-result", QueueResult="hangup", QueueTime="4")
                row(legal_desk, call).wait_for(state="detached", timeout=PROMPT_MS)
                expect(legal.locator(".empty")).to_be_visible()
                expect(legal.locator(".count")).to_have_text("0 waiting")
        finally:
            for page in (legal_desk, medical_desk):
                page.context.close()
    assert problems == []


def cut_off(app, user_id: int) -> None:
    """Drop the Engine.IO sessions of one user's consoles, as a network failure would:
    no goodbye, and no waiting. engine.io's own `disconnect` waits until the client
    has read the rest of its queue, which a page still on long-polling and cut off
    from the server never does: it waited forever."""
    server = app.extensions["socketio"].server
    for _sid, engine_sid in list(server.manager.get_participants("/", events.user_room(user_id))):
        session = server.eio.sockets.pop(engine_sid, None)
        if session is not None:
            session.close(wait=False, abort=True)


def test_a_console_that_reconnects_shows_what_changed_while_it_was_away(make_app, browser):
    with serve(make_app) as live:
        with live.app.app_context():
            operator, _password = create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"])
            twilio = TwilioWebhooks(live.app.test_client())
            leaves = ScriptedCall(twilio, "+77015550001")
            leaves.to_queue(need="3")
        desk = open_console(browser, live.url, "aigerim")
        try:
            row(desk, leaves).wait_for()
            # No reconnection until the test allows it: what happens meanwhile sends
            # events nobody receives, so only the snapshot can bring it to the page.
            desk.route("**/socket.io/**", lambda route: route.abort())
            cut_off(live.app, operator.id)
            expect(desk.locator("#live-state")).to_have_attribute("data-state", "offline")
            with live.app.app_context():
                leaves.post("/telephony/voice/queue-result", QueueResult="hangup", QueueTime="4")
                enters = ScriptedCall(twilio, "+77015550002")
                enters.to_queue(need="3")
            assert row(desk, leaves).count() == 1 and row(desk, enters).count() == 0
            desk.unroute("**/socket.io/**")
            expect(desk.locator("#live-state")).to_have_attribute("data-state", "live", timeout=10000)
            expect(row(desk, enters)).to_be_visible()
            expect(row(desk, leaves)).to_have_count(0)
            expect(desk.locator('section[data-queue="legal"] .count')).to_have_text("1 waiting")
        finally:
            desk.context.close()
