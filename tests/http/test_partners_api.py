"""The directory through the API: admins add partners (POST /api/v1/partners),
the staff search them by field, region and language (GET, with the codes of
the admin's page); an integration's token and non-admins get 403, an
unknown code 400; contacts reach the staff and never the audit log."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from hotline.extensions import db
from hotline.models import AuditRecord, Partner, utcnow
from hotline.partners import directory
from tests.support.cases import bearer
from tests.support.partners import CONTACTS, a_partner, tokens_with_an_admin

NEW = {
    "name": "Dana Sadykova",
    "kind": "expert",
    "fields": ["psychological", "legal"],
    "regions": ["karaganda"],
    "languages": ["ru"],
    "contacts": CONTACTS,
}


@pytest.fixture
def tokens(app):
    return tokens_with_an_admin(app)


def partners(app) -> list[tuple]:
    with app.app_context():
        return db.session.execute(select(Partner.id, Partner.name, Partner.active)).all()


def search(client, token, **query):
    return client.get("/api/v1/partners", query_string=query, headers=bearer(token))


def test_an_admin_adds_a_partner_and_the_staff_find_it(app, client, tokens):
    added = client.post("/api/v1/partners", json=NEW, headers=bearer(tokens["aliya"]))
    assert added.status_code == 201, added.json
    assert added.json == {**NEW, "id": added.json["id"], "fields": ["legal", "psychological"], "active": True}
    for who in ("aigerim", "boris", "aliya"):
        found = search(client, tokens[who], field="psychological", region="karaganda", language="ru")
        assert [item["name"] for item in found.json["items"]] == ["Dana Sadykova"]
        assert found.json["items"][0]["contacts"] == CONTACTS and found.json["next"] is None
    with app.app_context():
        [record] = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "partner.added")).all()
        assert (record.actor, record.object_id) == ("aliya", str(added.json["id"]))
        assert CONTACTS not in json.dumps(record.detail)


def test_the_search_narrows_by_each_code_and_leaves_out_deactivated_partners(app, client, tokens):
    legal = a_partner(app, "Adal Zher")
    housing = a_partner(app, "Uy", fields=("housing",), regions=("akmola", "astana"), languages=("kk",))
    gone = a_partner(app, "Closed", fields=("housing",), regions=("akmola",))
    with app.app_context():
        directory.deactivate(gone, "admin", utcnow())

    def ids(**query):
        answer = search(client, tokens["aigerim"], **query)
        assert answer.status_code == 200
        return [item["id"] for item in answer.json["items"]]

    assert ids() == [legal, housing]
    assert ids(field="housing") == [housing]
    assert ids(region="astana") == [legal, housing]
    assert ids(region="akmola") == [housing]
    assert ids(language="ru") == [legal]
    assert ids(field="legal", language="kk") == [legal]
    assert ids(field="work") == []
    assert ids(field="", region="") == [legal, housing]
    assert ids(after=str(legal)) == [housing]


def test_the_directory_is_paged_by_id(app, client, tokens, monkeypatch):
    monkeypatch.setattr(directory, "PAGE_SIZE", 2)
    made = [a_partner(app, f"P{n}") for n in range(3)]
    first = search(client, tokens["boris"]).json
    assert ([item["id"] for item in first["items"]], first["next"]) == (made[:2], made[1])
    second = search(client, tokens["boris"], after=first["next"]).json
    assert ([item["id"] for item in second["items"]], second["next"]) == (made[2:], None)


@pytest.mark.parametrize(
    "query",
    [
        {"field": "cooking"},
        {"region": "almaty"},
        {"language": "de"},
        {"after": "x"},
        {"after": "-1"},
        {"field": "LEGAL"},
    ],
)
def test_an_unknown_code_is_400(client, tokens, query):
    answer = search(client, tokens["aigerim"], **query)
    assert answer.status_code == 400 and next(iter(query)) in answer.json["message"]


def test_an_integration_may_not_read_the_directory_nor_a_stranger(app, client, tokens):
    a_partner(app)
    assert search(client, tokens["wallboard"]).status_code == 403
    assert client.get("/api/v1/partners").status_code == 401


@pytest.mark.parametrize("who", ["aigerim", "boris", "wallboard"])
def test_only_admins_add_partners(app, client, tokens, who):
    assert client.post("/api/v1/partners", json=NEW, headers=bearer(tokens[who])).status_code == 403
    assert partners(app) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"kind": "friend"}, "kind"),
        ({"fields": []}, "fields"),
        ({"fields": ["cooking"]}, "fields"),
        ({"fields": "legal"}, "fields"),
        ({"regions": ["almaty"]}, "regions"),
        ({"languages": ["de"]}, "languages"),
        ({"contacts": "x" * 2001}, "contacts"),
        ({"contacts": "a\x00b"}, "contacts"),
        ({"active": "yes please"}, "active"),
        ({"id": 5}, "id"),
    ],
)
def test_a_bad_partner_body_is_400_naming_the_field(app, client, tokens, change, field):
    answer = client.post("/api/v1/partners", json={**NEW, **change}, headers=bearer(tokens["aliya"]))
    assert answer.status_code == 400 and field in answer.json["message"]
    assert partners(app) == []
