"""GET /api/v1/taxonomy: the active outcomes and categories, in their order,
labelled in the asker's console language (theirs, else the browser's, else
English where a label is missing)."""

from __future__ import annotations

import pytest

from hotline.accounts import auth
from hotline.extensions import db
from hotline.models import Disposition, Role
from tests.support.pages import PASSWORD, log_in

OUTCOMES = ["support_given", "referred", "information_given", "callback_arranged", "no_contact"]
CATEGORIES = [
    "documents",
    "housing",
    "work",
    "benefits",
    "health",
    "addiction",
    "family",
    "debts",
    "probation",
    "emotional",
    "other",
]


def codes(body: dict, kind: str) -> list[str]:
    return [entry["code"] for entry in body[kind]]


def labels(body: dict) -> dict[str, str]:
    return {entry["code"]: entry["label"] for kind in ("outcomes", "categories") for entry in body[kind]}


@pytest.fixture
def extra_codes(app):
    """A retired outcome and a category labelled in English only (removed afterwards:
    the seeded rows stay as the migration left them)."""
    added = [
        Disposition(kind="outcome", code="retired_x", labels={"en": "Retired"}, position=0, active=False),
        Disposition(kind="category", code="english_only", labels={"en": "English only"}, position=99),
    ]
    with app.app_context():
        db.session.add_all(added)
        db.session.commit()
    yield
    with app.app_context():
        for row in added:
            db.session.delete(db.session.get(Disposition, (row.kind, row.code)))
        db.session.commit()


def test_an_operator_reads_the_codes_in_their_console_language(app, client, staff, extra_codes):
    with app.app_context():
        auth.user_named("aigerim").language = "kk"
        db.session.commit()
    log_in(client, "aigerim", PASSWORD)

    answer = client.get("/api/v1/taxonomy", headers={"Accept-Language": "en"})

    assert answer.status_code == 200
    body = answer.get_json()
    assert codes(body, "outcomes") == OUTCOMES
    assert codes(body, "categories") == [*CATEGORIES, "english_only"]
    assert body["outcomes"][0] == {"code": "support_given", "label": "Қолдау көрсетілді"}
    assert labels(body)["housing"] == "Тұрғын үй"
    assert labels(body)["english_only"] == "English only"


def test_without_a_language_of_their_own_the_browser_s_is_used(app, client, staff):
    log_in(client, "boris", PASSWORD)
    russian = client.get("/api/v1/taxonomy", headers={"Accept-Language": "ru, en;q=0.5"}).get_json()
    assert labels(russian)["referred"] == "Направлен в службу"
    english = client.get("/api/v1/taxonomy", headers={"Accept-Language": "en"}).get_json()
    assert labels(english)["referred"] == "Referred to a service"


def test_any_token_reads_it_and_nobody_else(app, client, staff):
    with app.app_context():
        wallboard = auth.create_token("wallboard")
        auth.create_user("dana", Role.OPERATOR, PASSWORD, queues=["legal"])
        auth.user_named("dana").language = "ru"
        db.session.commit()
        dana = auth.create_token("console", "dana")
    by_wallboard = client.get(
        "/api/v1/taxonomy", headers={"Authorization": f"Bearer {wallboard}", "Accept-Language": "en"}
    )
    assert labels(by_wallboard.get_json())["no_contact"] == "No contact (silence or cut off)"
    by_dana = client.get(
        "/api/v1/taxonomy", headers={"Authorization": f"Bearer {dana}", "Accept-Language": "en"}
    )
    assert labels(by_dana.get_json())["no_contact"] == "Нет контакта (молчание или обрыв)"
    assert client.get("/api/v1/taxonomy").status_code == 401


def test_the_document_describes_it(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert set(paths["/api/v1/taxonomy"]["get"]["responses"]) == {"200", "401"}
    wrap_up = paths["/api/v1/calls/{call_sid}/wrap-up"]["post"]
    assert set(wrap_up["responses"]) == {"200", "400", "401", "403", "404", "409"}
    assert wrap_up["requestBody"]["required"] is True
