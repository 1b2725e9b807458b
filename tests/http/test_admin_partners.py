"""The admin's partner pages through HTTP: admins only (operators and
supervisors get the plain 403 page), the list searched with the API's codes,
adding, editing, deactivating and reactivating through the same service as
the API; a refused form answers 400 beside the field and writes nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from hotline.extensions import db
from hotline.models import AuditRecord, Partner, Role
from tests.support.admin import post_form, signed_in
from tests.support.pages import csrf_token
from tests.support.partners import CONTACTS, a_partner

EN = {"Accept-Language": "en"}
NEW = {
    "name": "Adal Zher",
    "kind": "organisation",
    "fields": ["legal", "documents"],
    "regions": ["astana", "akmola"],
    "languages": ["kk", "ru"],
    "contacts": CONTACTS,
}


@pytest.fixture
def admin(app):
    return signed_in(app, "aliya", Role.ADMIN, **{"Accept-Language": "en"})


def written(app) -> tuple:
    with app.app_context():
        db.session.expire_all()
        partners = db.session.execute(
            select(Partner.id, Partner.name, Partner.active, Partner.contacts)
        ).all()
        return tuple(partners), db.session.scalar(select(func.count()).select_from(AuditRecord))


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.SUPERVISOR])
def test_only_admins_may_open_the_partner_pages(app, role):
    partner = a_partner(app)
    client = signed_in(app, "someone", role)
    token = csrf_token(client, "/console")
    before = written(app)
    for path in ("/admin/partners", "/admin/partners/new", f"/admin/partners/{partner}"):
        answer = client.get(path)
        assert answer.status_code == 403 and "Ошибка 403" in answer.get_data(as_text=True)
    assert client.post("/admin/partners/new", data={**NEW, "csrf_token": token}).status_code == 403
    assert client.post(f"/admin/partners/{partner}", data={**NEW, "csrf_token": token}).status_code == 403
    assert client.post(f"/admin/partners/{partner}/deactivate", data={"csrf_token": token}).status_code == 403
    assert written(app) == before
    assert "/admin/partners" not in client.get("/console").get_data(as_text=True)


def test_a_stranger_is_sent_to_the_login_page(client):
    assert client.get("/admin/partners").headers["Location"].startswith("/login?next=")


def test_an_admin_adds_a_partner_and_finds_it_in_the_list(app, admin):
    assert 'href="/admin/partners"' in admin.get("/console").get_data(as_text=True)
    answer = post_form(admin, "/admin/partners/new", NEW)
    assert answer.status_code == 302 and answer.headers["Location"] == "/admin/partners"
    (partners, _) = written(app)
    [(partner_id, name, active, contacts)] = partners
    assert (name, active, contacts) == ("Adal Zher", True, CONTACTS)
    page = admin.get("/admin/partners", headers={"Accept-Language": "en"}).get_data(as_text=True)
    row = re.search(rf'<tr data-partner-id="{partner_id}">(.*?)</tr>', page, re.S).group(1)
    assert "Organisation" in row and "Legal help, Documents" in row and "Astana, Akmola region" in row
    assert "Kazakh, Russian" in row and "<td>yes</td>" in row
    assert CONTACTS not in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(AuditRecord.action == "partner.added")) == 1


def test_the_list_is_searched_with_the_apis_codes(app, admin):
    a_partner(app, "Adal Zher")
    a_partner(app, "Uy", fields=("housing",), regions=("karaganda",), languages=("ru",))
    page = admin.get("/admin/partners?field=housing&region=karaganda&language=ru").get_data(as_text=True)
    assert "Uy" in page and "Adal Zher" not in page
    assert '<option value="housing" selected>' in page
    assert "No partner matches." in admin.get("/admin/partners?field=work", headers=EN).get_data(as_text=True)
    assert admin.get("/admin/partners?region=almaty").status_code == 400


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_pages_speak_kazakh_and_russian(app, language):
    client = signed_in(app, "aliya", Role.ADMIN)
    a_partner(app)
    words = {"kk": ("Серіктестер", "Заң көмегі"), "ru": ("Партнёры", "Юридическая помощь")}[language]
    page = client.get("/admin/partners", headers={"Accept-Language": language}).get_data(as_text=True)
    assert all(word in page for word in words), words


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "   "}, "name"),
        ({"kind": "friend"}, "kind"),
        ({"fields": []}, "fields"),
        ({"fields": ["cooking"]}, "fields"),
        ({"regions": ["almaty"]}, "regions"),
        ({"languages": ["de"]}, "languages"),
        ({"contacts": "x" * 2001}, "contacts"),
        ({"name": "a\x00b"}, "name"),
    ],
)
def test_a_refused_form_answers_400_beside_the_field_and_writes_nothing(app, admin, change, field):
    before = written(app)
    answer = post_form(admin, "/admin/partners/new", {**NEW, **change}, headers={"Accept-Language": "en"})
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert f'id="{field}-errors"' in page and "Nothing was saved" in page
    assert written(app) == before


def test_an_admin_edits_deactivates_and_reactivates_a_partner(app, admin):
    partner = a_partner(app)
    path = f"/admin/partners/{partner}"
    form = admin.get(path).get_data(as_text=True)
    assert CONTACTS in form and 'value="legal" checked' in form
    edited = post_form(admin, path, {**NEW, "name": "Adal Zher Astana", "fields": ["housing"], "active": "y"})
    assert edited.status_code == 302
    with app.app_context():
        record = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "partner.edited")).one()
        assert record.detail == {"changed": ["field", "name", "region"]}
    assert post_form(admin, f"{path}/deactivate", {}, page=path).status_code == 302
    assert written(app)[0][0][2] is False
    again = post_form(admin, f"{path}/deactivate", {}, page=path, headers={"Accept-Language": "en"})
    assert again.status_code == 409 and "deactivated already" in again.get_data(as_text=True)
    assert post_form(admin, path, {**NEW, "active": "y"}).status_code == 302
    assert written(app)[0][0][2] is True


@pytest.mark.parametrize("partner_id", ["999", "abc", "0", "1" * 12])
def test_an_unknown_partner_is_404(admin, partner_id):
    assert admin.get(f"/admin/partners/{partner_id}").status_code == 404


def test_a_form_posted_as_json_is_refused(app, admin):
    token = csrf_token(admin, "/admin/partners/new")
    answer = admin.post("/admin/partners/new", json=NEW, headers={"X-CSRFToken": token})
    assert answer.status_code in (400, 415)
    assert written(app)[0] == ()
