"""Error pages a person sees: in the layout, in their language (the account's
choice over the browser's), a short title and a plain message; never a stack
trace, the exception's words or anything the request carried. The API and
/healthz keep their JSON, the telephony webhooks their plain line."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from hotline.accounts import auth
from hotline.extensions import db
from hotline.models import Role, User
from tests.support.pages import PASSWORD, csrf_token, log_in

SECRET = "zx-private-4401"
TITLES = {
    404: {"kk": "Бет табылмады", "ru": "Страница не найдена", "en": "Page not found"},
    403: {"kk": "Сізге қолжетімсіз", "ru": "Вам это недоступно", "en": "Not open to you"},
    405: {"kk": "Мұнда мүмкін емес", "ru": "Здесь так нельзя", "en": "Not possible here"},
    500: {"kk": "Бірдеңе дұрыс болмады", "ru": "Что-то пошло не так", "en": "Something went wrong"},
    400: {"kk": "Форманың мерзімі өтті", "ru": "Форма устарела", "en": "The form has expired"},
}
BROWSER = {"kk": "kk-KZ,kk;q=0.9", "ru": "ru-RU,ru;q=0.9", "en": "en-GB,en;q=0.9"}


def boom() -> str:
    raise RuntimeError(f"cannot store {SECRET} for +77015550123")


@pytest.fixture
def app(make_app):
    app = make_app()
    app.add_url_rule("/test-only-boom", "test_only_boom", boom, methods=["GET", "POST"])
    with app.app_context():
        for role in (Role.OPERATOR, Role.ADMIN):
            auth.create_user(role.value, role, PASSWORD, queues=["legal"])
    return app


def chosen_language(app, username: str, language: str) -> None:
    with app.app_context():
        db.session.execute(update(User).where(User.username == username).values(language=language))
        db.session.commit()


def assert_error_page(response, status: int, language: str) -> str:
    page = response.get_data(as_text=True)
    assert response.status_code == status, page
    assert response.content_type.startswith("text/html")
    assert f'<html lang="{language}">' in page
    assert f'<h1 id="error-heading">{TITLES[status][language]}</h1>' in page
    assert f"<title>{TITLES[status][language]} · " in page
    others = [title for code, title in TITLES[status].items() if code != language]
    assert not any(title in page for title in others)
    assert "Content-Security-Policy" in response.headers
    return page


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_a_missing_page_speaks_the_browsers_language(client, language):
    response = client.get(f"/no-such-page-{SECRET}", headers={"Accept-Language": BROWSER[language]})
    page = assert_error_page(response, 404, language)
    assert SECRET not in page and "Werkzeug" not in page


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_a_users_chosen_language_wins_for_404_403_and_405(app, client, language):
    chosen_language(app, "operator", language)
    english_browser = {"Accept-Language": BROWSER["en"]}
    assert log_in(client, "operator", PASSWORD, headers=english_browser).status_code == 302
    assert_error_page(client.get("/no-such-page", headers=english_browser), 404, language)
    assert_error_page(client.get("/admin/users", headers=english_browser), 403, language)
    refused = client.get("/logout", headers=english_browser)
    assert_error_page(refused, 405, language)
    assert "POST" in refused.headers["Allow"] and "GET" not in refused.headers["Allow"]


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_an_operator_opening_the_admin_pages_reads_why_in_the_browsers_language(client, language):
    headers = {"Accept-Language": BROWSER[language]}
    assert log_in(client, "operator", PASSWORD, headers=headers).status_code == 302
    page = assert_error_page(client.get("/admin/users/new", headers=headers), 403, language)
    assert "your role may not open this page" not in page  # abort()'s words are for logs and the API


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_an_unexpected_error_shows_no_trace_and_nothing_the_request_sent(app, client, language, caplog):
    chosen_language(app, "operator", language)
    assert log_in(client, "operator", PASSWORD).status_code == 302
    response = client.post(
        f"/test-only-boom?case={SECRET}",
        data={"note": SECRET, "phone": "+77015550123", "csrf_token": csrf_token(client, "/console")},
        headers={"Accept-Language": BROWSER["en"], "X-Note": SECRET},
    )
    page = assert_error_page(response, 500, language)
    for carried in (SECRET, "+77015550123", "5550123", "Traceback", "RuntimeError", "test-only-boom", "boom"):
        assert carried not in page
    assert "RuntimeError" in caplog.text and SECRET not in caplog.text


def test_a_form_sent_without_its_csrf_token_says_it_expired(client):
    response = client.post(
        "/login", data={"username": "operator", "password": PASSWORD}, headers={"Accept-Language": "ru"}
    )
    page = assert_error_page(response, 400, "ru")
    assert "operator" not in page.split("<main")[1]


def test_an_oversized_login_is_413_in_the_browsers_language(client):
    response = client.post(
        "/login",
        data=b"username=" + b"a" * (70 * 1024),
        headers={"Accept-Language": "kk", "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    assert '<html lang="kk">' in response.get_data(as_text=True)
    assert "Бір мезгілде тым көп" in response.get_data(as_text=True)


def test_the_api_healthz_and_the_webhooks_answer_as_before(client):
    api = client.get("/api/v1/no-such-thing", headers={"Accept-Language": "kk"})
    assert api.status_code in (401, 404)
    assert set(api.get_json()) == {"error", "message"}
    wants_json = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert wants_json.status_code == 404 and wants_json.get_json()["error"] == "Not Found"
    webhook = client.get("/telephony/voice/no-such-hook", headers={"Accept-Language": "kk"})
    assert webhook.status_code == 404
    assert webhook.content_type.startswith("text/plain")
    assert webhook.get_data(as_text=True).startswith("404 Not Found: ")
