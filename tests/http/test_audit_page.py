"""/audit and /audit.csv: the audit log for supervisors and admins (operators the
403 page), filtered by case, user, action and day, paged by links; the CSV
holds every record the filters match, formula-looking cells defused; reading
the log writes nothing; never a number or a note."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import func, select

from hotline import audit_log
from hotline.extensions import db
from hotline.models import AuditRecord
from tests.support.cases import NUMBER, bearer, case_called, staff_tokens
from tests.support.pages import PASSWORD, csrf_token, log_in

NOTE = "zx-private-note-7731"
ROW = re.compile(r'<tr data-record-id="([0-9]+)">')


@pytest.fixture
def tokens(app):
    return staff_tokens(app)


def as_user(client, username):
    assert log_in(client, username, PASSWORD).status_code == 302


def total(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditRecord))


def test_a_supervisor_reads_the_log_by_case_and_action_without_a_number_or_a_note(
    app, client, twilio, tokens
):
    reference = case_called(app, twilio)
    client.post(f"/api/v1/cases/{reference}/notes", json={"body": NOTE}, headers=bearer(tokens["aigerim"]))
    client.get(f"/api/v1/cases/{reference}", headers=bearer(tokens["dana"]))
    as_user(client, "boris")
    before = total(app)
    answer = client.get("/audit", query_string={"case": reference}, headers={"Accept-Language": "en"})
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    text = answer.get_data(as_text=True)
    assert "<code>case.note_added</code>" in text and "<code>case.view_refused</code>" in text
    assert f'<a href="/cases/{reference}">{reference}</a>' in text
    assert "user.created" not in text
    assert NOTE not in text and NUMBER[1:] not in text
    refused = client.get("/audit", query_string={"action": "case.view_refused"}).get_data(as_text=True)
    assert len(ROW.findall(refused)) == 1 and "dana" in refused
    assert total(app) == before  # reading the log writes nothing


def test_the_csv_holds_every_record_the_filters_match(app, client, twilio, tokens, monkeypatch):
    monkeypatch.setattr(audit_log, "BATCH", 2)
    reference = case_called(app, twilio)
    client.get(f"/api/v1/cases/{reference}", headers=bearer(tokens["aigerim"]))
    as_user(client, "boris")
    page = client.get("/audit", query_string={"case": reference}).get_data(as_text=True)
    link = re.search(r'href="([^"]+)" id="audit-csv"', page).group(1).replace("&amp;", "&")
    assert link == f"/audit.csv?case={reference}"
    answer = client.get(link)
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert answer.headers["Cache-Control"] == "no-store"
    assert "attachment" in answer.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert [row["action"] for row in rows] == ["case.viewed", "case.call", "case.opened"]
    assert {row["case"] for row in rows} == {reference}
    assert (
        len(list(csv.reader(io.StringIO(client.get("/audit.csv").get_data(as_text=True))))) == total(app) + 1
    )


def test_a_cell_a_spreadsheet_would_read_as_a_formula_is_defused(app, client, tokens):
    client.post(
        "/login", data={"username": "=HYPERLINK(1)", "password": "x", "csrf_token": csrf_token(client)}
    )
    as_user(client, "boris")
    text = client.get("/audit.csv", query_string={"action": "user.login_failed"}).get_data(as_text=True)
    assert "'=HYPERLINK(1)" in text and "\n=HYPERLINK" not in text


def test_pages_by_links(app, client, twilio, tokens, monkeypatch):
    monkeypatch.setattr(audit_log, "PAGE_SIZE", 4)
    case_called(app, twilio)
    as_user(client, "boris")
    seen, path = [], "/audit?user=system"
    while path:
        text = client.get(path).get_data(as_text=True)
        seen += ROW.findall(text)
        found = re.search(r'href="([^"]+)" id="audit-older"', text)
        path = found.group(1).replace("&amp;", "&") if found else None
    with app.app_context():
        assert seen == [
            str(record_id)
            for record_id in db.session.scalars(
                select(AuditRecord.id).where(AuditRecord.actor == "system").order_by(AuditRecord.id.desc())
            )
        ]


def test_operators_get_the_403_page_and_a_refused_value_is_a_400(app, client, tokens):
    as_user(client, "aigerim")
    assert client.get("/audit").status_code == 403
    assert client.get("/audit.csv").status_code == 403
    supervisor = app.test_client()
    as_user(supervisor, "boris")
    answer = supervisor.get("/audit", query_string={"from": "31.12.2026"}, headers={"Accept-Language": "en"})
    assert answer.status_code == 400
    assert 'aria-describedby="audit-from-errors"' in answer.get_data(as_text=True)
    assert supervisor.get("/audit.csv", query_string={"to": "x"}).status_code == 400


def test_the_page_in_russian_and_kazakh(app, client, tokens):
    as_user(client, "boris")
    assert "Журнал аудита" in client.get("/audit", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Аудит журналы" in client.get("/audit", headers={"Accept-Language": "kk"}).get_data(as_text=True)
