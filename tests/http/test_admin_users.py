"""The admin's user pages through HTTP: admins only, the list with masked phones,
adding and editing through the same service as the CLI, refusals that answer 400
beside the field and write nothing, audit records, and the pages in kk, ru, en."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from hotline.accounts import auth
from hotline.extensions import db
from hotline.models import AuditRecord, Role, User
from tests.support.admin import counts, post_form, signed_in
from tests.support.pages import PASSWORD, csrf_token, log_in

PHONE = "+77015551234"


@pytest.fixture
def admin(app):
    return signed_in(app, "aliya", Role.ADMIN)


@pytest.fixture
def aigerim(app) -> int:
    with app.app_context():
        user, _ = auth.create_user(
            "aigerim", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["kk"], phone=PHONE
        )
        return user.id


def audit_of(app, action: str) -> list[AuditRecord]:
    with app.app_context():
        records = db.session.scalars(select(AuditRecord).where(AuditRecord.action == action)).all()
        db.session.expunge_all()
        return list(records)


NEW_USER = {"username": "dana", "role": "operator", "queues": ["legal", "general"], "languages": ["ru"]}


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.SUPERVISOR])
def test_only_admins_may_open_the_admin_pages(app, aigerim, role):
    client = signed_in(app, "someone", role)
    before = counts(app)
    token = csrf_token(client, "/console")
    for path in ("/admin/users", "/admin/users/new", f"/admin/users/{aigerim}"):
        assert client.get(path).status_code == 403
    assert client.post("/admin/users/new", data={**NEW_USER, "csrf_token": token}).status_code == 403
    edit = {"role": "admin", "csrf_token": token}
    assert client.post(f"/admin/users/{aigerim}", data=edit).status_code == 403
    assert client.post(f"/admin/users/{aigerim}/deactivate", data={"csrf_token": token}).status_code == 403
    assert counts(app) == before
    assert "/admin/users" not in client.get("/console").get_data(as_text=True)


def test_a_stranger_is_sent_to_the_login_page(client, aigerim):
    assert client.get("/admin/users").headers["Location"].startswith("/login?next=")
    response = client.post(f"/admin/users/{aigerim}/deactivate", data={"csrf_token": csrf_token(client)})
    assert response.headers["Location"].startswith("/login?next=")


def test_the_list_shows_every_user_with_the_phone_masked(admin, aigerim):
    page = admin.get("/admin/users", headers={"Accept-Language": "en"}).get_data(as_text=True)
    row = re.search(rf'<tr data-user-id="{aigerim}">(.*?)</tr>', page, re.S).group(1)
    assert "aigerim" in row and "Operator" in row and "Legal" in row and "Kazakh" in row
    assert "••••34" in row and "<td>yes</td>" in row
    assert "7015551234" not in page and "701 555" not in page
    assert "aliya" in page and "Administrator" in page
    assert 'href="/admin/users"' in admin.get("/console").get_data(as_text=True)


def test_adding_a_user_shows_a_generated_password_once(app, admin):
    response = post_form(admin, "/admin/users/new", {**NEW_USER, "phone": "8 701 555 12 99"})
    assert response.status_code == 200
    password = re.search(r'<code class="password">([^<]+)</code>', response.get_data(as_text=True)).group(1)
    assert password not in admin.get("/admin/users").get_data(as_text=True)
    with app.app_context():
        dana = db.session.scalars(select(User).where(User.username == "dana")).one()
        assert (dana.role, dana.queue_names, dana.language_codes) == (
            "operator",
            ["legal", "general"],
            ["ru"],
        )
        assert dana.phone_encrypted is not None
    assert log_in(app.test_client(), "dana", password).status_code == 302
    [created] = [r for r in audit_of(app, "user.created") if r.object_id == str(dana.id)]
    assert created.actor == "aliya"
    assert created.detail == {"role": "operator", "queues": ["legal", "general"], "languages": ["ru"]}
    assert "5551299" not in str(created.detail) and password not in str(created.detail)


def test_a_password_given_by_the_admin_is_not_shown_back(app, admin):
    response = post_form(admin, "/admin/users/new", {**NEW_USER, "password": "dana's own password"})
    assert response.status_code == 200
    assert "dana&#39;s own password" not in response.get_data(as_text=True)
    assert log_in(app.test_client(), "dana", "dana's own password").status_code == 302


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"username": "aigerim"}, "username", "A user with this name exists already."),
        ({"username": "  "}, "username", "Enter a username."),
        ({"username": "da\x00na"}, "username", ""),
        ({"username": "d" * 65}, "username", ""),
        ({"queues": ["legal", "astrology"]}, "queues", "Choose among the queues offered."),
        ({"languages": ["ru", "de"]}, "languages", "Choose among the languages offered."),
        ({"phone": "call me maybe"}, "phone", "This is not a phone number."),
        ({"phone": "anonymous"}, "phone", "This is not a phone number."),
        ({"role": "overlord"}, "role", ""),
    ],
)
def test_a_refused_new_user_is_a_400_beside_the_field_and_nothing_is_written(
    app, admin, aigerim, change, field, message
):
    before = counts(app)
    response = post_form(admin, "/admin/users/new", {**NEW_USER, **change}, headers={"Accept-Language": "en"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="{field}-errors"' in page
    assert message in page.split(f'id="{field}-errors"')[1].split("</ul>")[0]
    assert "Nothing was saved" in page
    assert counts(app) == before
    if field != "username":
        assert 'value="dana"' in page  # the form is shown again as typed
    assert "5551234" not in page


def test_editing_changes_skills_languages_role_phone_and_console_language(app, admin, aigerim):
    form = {
        "role": "supervisor",
        "queues": ["psychologist", "medical"],
        "languages": ["ru", "en"],
        "interface_language": "kk",
        "phone": "+77017770011",
    }
    response = post_form(admin, f"/admin/users/{aigerim}", form)
    assert response.status_code == 302 and response.headers["Location"] == "/admin/users"
    with app.app_context():
        user = db.session.get(User, aigerim)
        assert (user.role, user.language_codes, user.language) == ("supervisor", ["en", "ru"], "kk")
        assert sorted(skill.queue for skill in user.skills) == ["medical", "psychologist"]
    [updated] = audit_of(app, "user.updated")
    assert updated.actor == "aliya" and updated.object_id == str(aigerim)
    assert updated.detail == {
        "role": "supervisor",
        "queues": ["medical", "psychologist"],
        "languages": ["en", "ru"],
        "interface_language": "kk",
        "phone": "changed",
    }
    page = admin.get(f"/admin/users/{aigerim}").get_data(as_text=True)
    assert "••••11" in page and "7017770011" not in page

    form = {"role": "supervisor", "languages": ["ru"], "interface_language": "", "remove_phone": "y"}
    assert post_form(admin, f"/admin/users/{aigerim}", form).status_code == 302
    with app.app_context():
        user = db.session.get(User, aigerim)
        assert (user.phone_encrypted, user.skills, user.language) == (None, [], None)
    assert audit_of(app, "user.updated")[-1].detail == {
        "queues": [],
        "languages": ["ru"],
        "interface_language": None,
        "phone": "removed",
    }


def test_the_edit_page_starts_from_the_user_as_they_are(admin, aigerim):
    page = admin.get(f"/admin/users/{aigerim}").get_data(as_text=True)
    assert 'value="legal" checked' in page and 'value="kk" checked' in page
    assert 'value="ru" checked' not in page and '<option value="operator" selected>' in page
    assert "••••34" in page and "5551234" not in page


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"queues": ["nowhere"]}, "queues"),
        ({"languages": ["xx"]}, "languages"),
        ({"interface_language": "de"}, "interface_language"),
        ({"phone": "12"}, "phone"),
        ({"role": "root"}, "role"),
    ],
)
def test_a_refused_edit_is_a_400_and_changes_nothing(app, admin, aigerim, change, field):
    before = counts(app)
    form = {"role": "operator", "queues": ["medical"], "languages": ["ru"], **change}
    response = post_form(admin, f"/admin/users/{aigerim}", form)
    assert response.status_code == 400
    assert f'id="{field}-errors"' in response.get_data(as_text=True)
    assert counts(app) == before
    with app.app_context():
        user = db.session.get(User, aigerim)
        assert (user.queue_names, user.language_codes, user.role) == (["legal"], ["kk"], "operator")


def test_an_admin_cannot_change_their_own_role(app, admin):
    with app.app_context():
        own_id = auth.user_named("aliya").id
    response = post_form(
        admin, f"/admin/users/{own_id}", {"role": "operator"}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 400
    assert "You cannot change your own role." in response.get_data(as_text=True)
    assert admin.get("/admin/users").status_code == 200


@pytest.mark.parametrize("user_id", ["999999", "abc", "1" * 30, "-1", "%C2%B2"])
def test_an_unknown_user_is_a_404(admin, user_id):
    token = csrf_token(admin, "/admin/users")
    assert admin.get(f"/admin/users/{user_id}").status_code == 404
    assert admin.post(f"/admin/users/{user_id}", data={"csrf_token": token}).status_code == 404
    assert admin.post(f"/admin/users/{user_id}/deactivate", data={"csrf_token": token}).status_code == 404


def test_a_form_without_its_csrf_token_is_refused(app, admin, aigerim):
    before = counts(app)
    assert admin.post("/admin/users/new", data=NEW_USER).status_code == 400
    assert admin.post(f"/admin/users/{aigerim}", data={"role": "admin"}).status_code == 400
    forged = {"role": "admin", "csrf_token": "forged"}
    assert admin.post(f"/admin/users/{aigerim}", data=forged).status_code == 400
    assert admin.post(f"/admin/users/{aigerim}/deactivate").status_code == 400
    assert counts(app) == before


PAGE_WORDS = {
    "/admin/users": {"kk": "Пайдаланушылар", "ru": "Пользователи", "en": "Users"},
    "/admin/users/new": {"kk": "Пайдаланушы қосу", "ru": "Добавить пользователя", "en": "Add a user"},
    "edit": {"kk": "Сақтау", "ru": "Сохранить", "en": "Save"},
}


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
@pytest.mark.parametrize("path", list(PAGE_WORDS))
def test_the_admin_pages_speak_the_users_language(app, aigerim, path, language):
    client = signed_in(app, "aliya", Role.ADMIN)
    headers = {"Accept-Language": language}
    url = f"/admin/users/{aigerim}" if path == "edit" else path
    page = client.get(url, headers=headers).get_data(as_text=True)
    assert f'<html lang="{language}">' in page
    assert f">{PAGE_WORDS[path][language]}<" in page
    others = [word for code, word in PAGE_WORDS[path].items() if code != language]
    assert not any(f">{word}<" in page for word in others)
