"""Any query at GET /api/v1/cases, GET /api/v1/audit and the /cases and /audit
pages: a 200 or a 400, never a 5xx; the API's 400 names a parameter and never
repeats what was sent; nothing is written but a search by number's audit record."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from hotline.cases.search import SEARCHED_BY_NUMBER
from hotline.extensions import db
from hotline.models import AuditRecord
from tests.support.cases import NUMBER, bearer, case_called, staff_tokens
from tests.support.pages import PASSWORD, csrf_token, log_in

PROPERTIES = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
# Text a URL can carry (no lone surrogates: the client cannot encode them).
texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
values = (
    texts
    | st.sampled_from(["", "open", "open,resolved", "legal", "true", "false", "documents", "high,none"])
    | st.sampled_from(["2026-01-01", "2026-02-30", "9999-12-31", "0001-01-01", "HL-2026-000001", "HL-2026-1"])
    | st.sampled_from([NUMBER, "8 701 555 12 34", "+7-701-555-12-34", "anonymous", "٣٣٣", "\x00", "1" * 33])
    | st.integers(-5, 2**40).map(str)
)
CASE_PARAMETERS = [
    "reference", "number", "status", "queue", "operator", "category", "risk",
    "opened_from", "opened_to", "accompanied", "after", "other",
]  # fmt: skip
AUDIT_PARAMETERS = ["case", "user", "action", "from", "to", "after", "other"]


def queries(names):
    return st.dictionaries(st.sampled_from(names), values, max_size=5)


@pytest.fixture
def tokens(app, twilio):
    made = staff_tokens(app)
    case_called(app, twilio)
    return made


def written(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).where(AuditRecord.action != SEARCHED_BY_NUMBER))


def check(answer, query, before, app):
    assert answer.status_code in (200, 400), (query, answer.get_data(as_text=True)[:300])
    text = answer.get_data(as_text=True)
    # The number is never shown back: only what a page's other fields were sent is (a reference, a user).
    assert NUMBER[1:] not in text or any(
        NUMBER[1:] in value for name, value in query.items() if name != "number"
    )
    if answer.status_code == 400 and answer.is_json:
        message = answer.get_json()["message"]
        assert message.startswith("invalid query parameter: ")
        assert message.removeprefix("invalid query parameter: ") in query
    assert written(app) == before


@pytest.mark.parametrize(
    ("path", "names"), [("/api/v1/cases", CASE_PARAMETERS), ("/api/v1/audit", AUDIT_PARAMETERS)]
)
def test_any_query_at_the_api_is_a_200_or_a_400(app, client, tokens, path, names):
    @given(query=queries(names), who=st.sampled_from(["aigerim", "boris"]))
    @PROPERTIES
    def answers(query, who):
        before = written(app)
        answer = client.get(path, query_string=query, headers=bearer(tokens[who]))
        if path == "/api/v1/audit" and who == "aigerim":
            assert answer.status_code == 403
        else:
            check(answer, query, before, app)

    answers()


def test_any_query_or_form_at_the_pages_is_a_200_a_303_or_a_400(app, client, tokens):
    assert log_in(client, "boris", PASSWORD).status_code == 302
    token = csrf_token(client, "/cases")

    @given(
        query=queries([name for name in CASE_PARAMETERS if name != "number"]), audit=queries(AUDIT_PARAMETERS)
    )
    @PROPERTIES
    def pages(query, audit):
        before = written(app)
        check(client.get("/cases", query_string=query), query, before, app)
        check(client.get("/audit", query_string=audit), audit, before, app)
        answer = client.post("/cases", data={**query, "csrf_token": token})
        if answer.status_code != 303:
            check(answer, query, before, app)

    pages()
