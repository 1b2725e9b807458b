"""The public callback page in a real browser, in Russian: refused, then filled in
and sent, with no serious or critical axe violation at any step, and no script."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Browser, expect
from sqlalchemy import select

from hotline.extensions import db
from hotline.models import Callback
from tests.support.axe import assert_accessible
from tests.support.browser import artifact
from tests.support.live_server import serve


@contextmanager
def callback_page(make_app, browser: Browser, locale: str, javascript: bool = True) -> Iterator[tuple]:
    """The live app and a fresh browser's page open on /callback."""
    with serve(make_app) as live:
        context = browser.new_context(locale=locale, java_script_enabled=javascript)
        context.set_default_timeout(10000)
        page = context.new_page()
        try:
            page.goto(f"{live.url}/callback")
            yield live, page
        finally:
            context.close()


def test_a_person_asks_for_a_callback_in_russian(make_app, browser: Browser):
    with callback_page(make_app, browser, "ru-RU") as (live, page):
        expect(page.locator("h1")).to_have_text("Попросите нас перезвонить вам")
        assert_accessible(page, "the callback page (ru)")

        page.get_by_label("Ваш номер телефона").fill("+7 701 555 01 23")
        page.get_by_label("Когда вам удобно").fill("вечером")
        page.get_by_role("button", name="Попросить звонок").click()
        expect(page.locator("#topic-errors")).to_contain_text("Выберите, о чём")
        expect(page.locator("#window-errors")).to_contain_text("два времени суток")
        expect(page.locator("#consent-errors")).to_contain_text("Отметьте галочку")
        expect(page.get_by_label("Ваш номер телефона")).to_have_value("")
        expect(page.get_by_label("Ваш номер телефона")).to_have_attribute("aria-describedby", "number-hint")
        expect(page.locator("#consent")).to_have_attribute("aria-describedby", "consent-hint consent-errors")
        assert_accessible(page, "the refused callback form (ru)")
        page.screenshot(path=str(artifact("callback-ru-refused.png")), full_page=True)

        page.get_by_label("Ваш номер телефона").fill("+7 701 555 01 23")
        page.get_by_label("Юридический вопрос").check()
        page.get_by_label("Когда вам удобно").fill("18:00-19:00")
        page.get_by_label("Я согласен(-на)").check()
        page.get_by_role("button", name="Попросить звонок").click()
        expect(page.locator("h1")).to_have_text("Ваш запрос получен")
        expect(page.locator("main")).to_contain_text("Мы перезвоним вам")
        assert "555" not in page.content()
        assert_accessible(page, "the callback confirmation (ru)")
        page.screenshot(path=str(artifact("callback-ru.png")), full_page=True)
        with live.app.app_context():
            [callback] = db.session.scalars(select(Callback)).all()
            assert (callback.source, callback.queue, callback.language) == ("web", "legal", "ru")


def test_the_page_works_without_javascript(make_app, browser: Browser):
    with callback_page(make_app, browser, "kk-KZ", javascript=False) as (_live, page):
        page.locator("#number").fill("87015550124")
        page.locator("input[name=topic][value=psychologist]").check()
        page.locator("#consent").check()
        page.locator("button[type=submit]").click()
        expect(page.locator("h1")).to_have_text("Сұрауыңыз қабылданды")
