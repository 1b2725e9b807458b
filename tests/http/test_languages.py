"""Pages in Kazakh, Russian or English: the user's choice, else the browser's
Accept-Language (Russian when it names none of them); catalogs complete and compiled."""

from __future__ import annotations

import io

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from hotline.accounts import auth
from hotline.models import Role
from tests.support.pages import csrf_token, log_in
from tests.support.servers import ROOT

PASSWORD = "correct horse battery"
LOGIN_HEADING = {
    "kk": "Консольге кіру",
    "ru": "Вход в консоль",
    "en": "Log in to the console",
}


@pytest.mark.parametrize(
    ("accept", "language"),
    [
        ("kk-KZ,kk;q=0.9,ru;q=0.8", "kk"),
        ("ru-RU,ru;q=0.9,en;q=0.5", "ru"),
        ("en-GB,en;q=0.9", "en"),
        ("de-DE,fr;q=0.8,en;q=0.3", "en"),
        ("de-DE", "ru"),
        ("", "ru"),
    ],
)
def test_the_login_page_speaks_the_browsers_language(client, accept, language):
    page = client.get("/login", headers={"Accept-Language": accept}).get_data(as_text=True)
    assert f'<html lang="{language}">' in page
    assert LOGIN_HEADING[language] in page
    others = [text for code, text in LOGIN_HEADING.items() if code != language]
    assert not any(text in page for text in others)


def test_a_users_chosen_language_wins_over_the_browsers(app, client):
    with app.app_context():
        auth.create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"])
    russian_browser = {"Accept-Language": "ru"}
    log_in(client, "aigerim", PASSWORD, headers=russian_browser)
    assert "Юрист" in client.get("/console", headers=russian_browser).get_data(as_text=True)

    token = csrf_token(client, "/console", headers=russian_browser)
    response = client.post(
        "/me/language", data={"language": "kk", "csrf_token": token}, headers=russian_browser
    )
    assert response.status_code == 302
    page = client.get("/console", headers=russian_browser).get_data(as_text=True)
    assert '<html lang="kk">' in page and "Заңгер" in page and "Шығу" in page

    # Remembered: a new session on another browser opens in Kazakh once logged in.
    other = app.test_client()
    log_in(other, "aigerim", PASSWORD, headers={"Accept-Language": "en"})
    assert '<html lang="kk">' in other.get("/console", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )

    token = csrf_token(client, "/console")
    client.post("/me/language", data={"language": "", "csrf_token": token})
    assert '<html lang="en">' in client.get("/console", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )


def test_an_unknown_language_is_refused_and_nothing_changes(app, client):
    with app.app_context():
        auth.create_user("aigerim", Role.OPERATOR, PASSWORD)
    log_in(client, "aigerim", PASSWORD)
    token = csrf_token(client, "/console")
    response = client.post("/me/language", data={"language": "de", "csrf_token": token})
    assert response.status_code == 400
    assert client.post("/me/language", data={"language": "kk"}).status_code == 400
    assert '<html lang="en">' in client.get("/console", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_each_catalog_is_complete_and_its_compiled_file_is_current(language):
    folder = ROOT / "translations" / language / "LC_MESSAGES"
    with open(ROOT / "translations" / "messages.pot", "rb") as template_file:
        template = read_po(template_file)
    with open(folder / "messages.po", "rb") as po_file:
        catalog = read_po(po_file, locale=language)
    wanted = {message.id for message in template if message.id}
    translated = {message.id for message in catalog if message.id and all(_strings(message))}
    assert wanted <= translated, f"{language}: untranslated {sorted(map(str, wanted - translated))}"
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    assert (folder / "messages.mo").read_bytes() == compiled.getvalue(), (
        "run: .venv/bin/pybabel compile -d translations"
    )


def _strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple) else [message.string]
