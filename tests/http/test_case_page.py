"""The case page, /cases/<reference>: the case in the layout for those who may
see it (the view audited as the API's is), a plain 403 page in the reader's
language for others (the refusal audited), 404 for no such case; no-store;
notes as text with corrections struck through; the timeline 100 entries a page."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from hotline.cases import notes
from hotline.extensions import db
from hotline.models import AuditRecord, Case, User, utcnow
from tests.support.callbacks import ask
from tests.support.cases import NUMBER, audit_count, bearer, case_called, set_status, staff_tokens, steps_on
from tests.support.database import statements_run
from tests.support.pages import PASSWORD, log_in

SCRIPT = "<script>alert('x')</script>"


@pytest.fixture
def tokens(app):
    return staff_tokens(app)


def page_of(client, username, reference, query="", language="en"):
    if getattr(client, "logged_in_as", None) != username:
        assert log_in(client, username, PASSWORD).status_code == 302
        client.logged_in_as = username
    return client.get(f"/cases/{reference}{query}", headers={"Accept-Language": language})


def viewed(app, action="case.viewed"):
    with app.app_context():
        return [
            (record.actor, record.detail)
            for record in db.session.scalars(select(AuditRecord).where(AuditRecord.action == action))
        ]


def note(client, token, reference, body, corrects=None) -> int:
    answer = client.post(
        f"/api/v1/cases/{reference}/notes", json={"body": body, "corrects": corrects}, headers=bearer(token)
    )
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["id"]


def test_an_operator_of_the_queue_sees_the_case_page_masked_no_store_and_audited(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    answer = page_of(client, "aigerim", reference)
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    assert "script-src" not in answer.headers["Content-Security-Policy"]
    text = answer.get_data(as_text=True)
    assert f"Case {reference}" in text and "••••34" in text
    assert NUMBER[1:] not in text and NUMBER[-6:] not in text
    # Only the assigned operator and supervisors may reveal: aigerim gets no button.
    assert 'id="reveal"' not in text
    assert "<script>" not in text.replace('<script type="application/json"', "").replace(
        '<script type="module"', ""
    )
    assert viewed(app) == [("aigerim", {"reference": reference, "step": "page"})]


def test_a_supervisor_may_reveal_and_sees_the_status_moves(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    text = page_of(client, "boris", reference).get_data(as_text=True)
    assert 'id="reveal"' in text
    assert re.search(r'<option value="in_progress">In progress</option>', text)
    assert 'value="resolved"' not in text  # open → in_progress only


def test_someone_of_another_queue_gets_a_plain_403_page_in_their_language_and_it_is_audited(
    app, client, twilio, tokens
):
    reference = case_called(app, twilio)
    answer = page_of(client, "dana", reference, language="ru")
    assert answer.status_code == 403
    text = answer.get_data(as_text=True)
    assert '<html lang="ru">' in text and reference not in text
    assert viewed(app, "case.view_refused") == [("dana", {"reference": reference, "step": "page"})]
    assert audit_count(app, "case.viewed") == 0


@pytest.mark.parametrize("reference", ["HL-2026-999999", "nonsense"])
def test_no_case_of_that_reference_is_the_404_page(app, client, tokens, reference):
    answer = page_of(client, "boris", reference)
    assert answer.status_code == 404
    assert "Page not found" in answer.get_data(as_text=True)


def test_nobody_logged_in_goes_to_the_login_page(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    answer = client.get(f"/cases/{reference}")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    assert audit_count(app, "case.viewed") == 0


def test_notes_are_text_and_a_corrected_note_is_struck_through_with_a_link_to_its_correction(
    app, client, twilio, tokens
):
    reference = case_called(app, twilio)
    first = note(client, tokens["aigerim"], reference, SCRIPT)
    correction = note(client, tokens["aigerim"], reference, "put <b>right</b>", corrects=first)
    text = page_of(client, "aigerim", reference).get_data(as_text=True)
    assert SCRIPT not in text and "<b>right</b>" not in text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in text
    assert "put &lt;b&gt;right&lt;/b&gt;" in text
    struck = re.search(rf'<li id="note-{first}" class="note corrected".*?</li>', text, re.S).group(0)
    assert "<s>&lt;script&gt;" in struck
    assert f'href="#note-{correction}"' in struck
    kept = re.search(rf'<li id="note-{correction}" class="note".*?</li>', text, re.S).group(0)
    assert "<s>" not in kept and f'href="#note-{first}"' in kept
    assert f'data-note-id="{correction}"' in kept  # the correction may be corrected in turn


def test_the_timeline_pages_past_100_entries_newest_first(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    steps_on(app, reference, 228)
    pages, query = [], ""
    while True:
        text = page_of(client, "aigerim", reference, query).get_data(as_text=True)
        pages.append([int(found) for found in re.findall(r'data-entry-id="(\d+)"', text)])
        older = re.search(r'<a href="([^"]+)" id="timeline-older">', text)
        if older is None:
            break
        query = older.group(1).replace(f"/cases/{reference}", "").replace("&amp;", "&")
        assert "Newest entries" not in text or len(pages) > 1
    assert [len(page) for page in pages] == [100, 100, 30]
    ids = [entry for page in pages for entry in page]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 230
    assert text.count('data-kind="opened"') == 1
    assert page_of(client, "aigerim", reference, "?after=x").status_code == 400
    assert [detail["step"] for _, detail in viewed(app)] == ["page"] * 3  # the 400 is judged first


def test_a_call_shows_its_wait_talk_who_and_wrap_up_and_other_cases_are_listed(app, client, twilio, tokens):
    earlier = case_called(app, twilio)
    set_status(app, earlier, "closed", outcome="referred", category="housing")
    reference = case_called(app, twilio)
    with app.app_context():
        from hotline.models import Assignment, Call

        aigerim = db.session.scalar(select(User.id).where(User.username == "aigerim"))
        call = db.session.scalars(select(Call).join(Case).where(Case.reference == reference)).one()
        call.operator_id, call.wait_seconds, call.talk_seconds = aigerim, 12, 125
        db.session.add(
            Assignment(
                call_id=call.id, user_id=aigerim, status="done", outcome="support_given", category="documents"
            )
        )
        db.session.commit()
    text = page_of(client, "aigerim", reference).get_data(as_text=True)
    entry = re.search(r'<li class="entry" data-kind="call".*?</li>', text, re.S).group(0)
    assert "waited 0:12" in entry and "talked 2:05" in entry and "answered by aigerim" in entry
    other = re.search(r'<section class="other-cases".*?</section>', text, re.S).group(0)
    assert earlier in other and "Closed" in other


def test_the_open_callbacks_show_on_the_page_and_in_the_cases_json(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    asked = ask(client, tokens["aigerim"], reference)
    assert asked.status_code == 201, asked.get_json()
    [callback] = client.get(f"/api/v1/cases/{reference}", headers=bearer(tokens["aigerim"])).get_json()[
        "callbacks"
    ]
    assert (callback["status"], callback["queue"], callback["source"]) == ("scheduled", "legal", "operator")
    section = re.search(
        r'<section class="case-callbacks".*?</section>',
        page_of(client, "aigerim", reference).get_data(as_text=True),
        re.S,
    ).group(0)
    assert "Scheduled" in section and "Legal" in section


def test_the_page_costs_the_same_queries_whatever_the_case_holds(app, client, twilio, tokens):
    def statements_for(reference: str) -> int:
        count, answer = statements_run(app, lambda: page_of(client, "aigerim", reference))
        assert answer.status_code == 200
        return count

    def filled(number: str, size: int) -> str:
        reference = case_called(app, twilio, number=number)
        with app.app_context():
            case = db.session.scalars(select(Case).where(Case.reference == reference)).one()
            author = db.session.scalar(select(User.id).where(User.username == "aigerim"))
            for n in range(size):
                note_id = notes.add(case.id, db.session.get(User, author), f"note {n}", utcnow())
                if n % 2:
                    notes.add(case.id, db.session.get(User, author), f"fix {n}", utcnow(), corrects=note_id)
            db.session.commit()
        return reference

    small, large = filled("+77015550011", 2), filled("+77015550022", 20)
    page_of(client, "aigerim", small)  # logged in: the login's own statements are not counted
    assert statements_for(small) == statements_for(large)


@given(after=st.text(max_size=14) | st.integers(-5, 2**40).map(str))
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_any_after_is_a_page_or_a_400(app, client, twilio, tokens, after):
    reference = getattr(app, "reference_for_properties", None)
    if reference is None:
        reference = app.reference_for_properties = case_called(app, twilio)
    answer = page_of(client, "aigerim", reference, "?" + urlencode({"after": after}))
    assert answer.status_code in (200, 400), answer.status_code
    if answer.status_code == 200:
        assert after == "" or re.fullmatch(r"[0-9]+", after)


@pytest.mark.parametrize("part", ["offer", "assignment"])
def test_an_operator_of_another_queue_sees_the_case_of_a_caller_offered_to_them_or_on_their_line(
    app, client, twilio, tokens, part
):
    """A caller transferred to another queue keeps their case in its own: the
    operator they are offered to, or on the line with, reads it; once that is
    over, 403 again."""
    from hotline.models import Assignment, Call, Offer

    reference = case_called(app, twilio)
    api = {"headers": bearer(tokens["dana"])}
    assert client.get(f"/api/v1/cases/{reference}", **api).status_code == 403
    with app.app_context():
        dana = db.session.scalar(select(User.id).where(User.username == "dana"))
        call_id = db.session.scalar(select(Call.id).join(Case).where(Case.reference == reference))
        if part == "offer":
            row = Offer(call_id=call_id, user_id=dana, status="open", expires_at=utcnow())
        else:
            row = Assignment(call_id=call_id, user_id=dana, status="wrap_up")
        db.session.add(row)
        db.session.commit()
        row_id = row.id
    assert client.get(f"/api/v1/cases/{reference}", **api).status_code == 200
    assert page_of(client, "dana", reference).status_code == 200
    with app.app_context():
        row = db.session.get(Offer if part == "offer" else Assignment, row_id)
        row.status = "declined" if part == "offer" else "done"
        db.session.commit()
    assert client.get(f"/api/v1/cases/{reference}", **api).status_code == 403
    assert [actor for actor, _ in viewed(app, "case.view_refused")] == ["dana", "dana"]


def test_a_withheld_number_has_nothing_to_reveal_and_a_closed_case_offers_reopening(
    app, client, twilio, tokens
):
    reference = case_called(app, twilio, number=None)
    set_status(app, reference, "closed", outcome="referred", category="housing")
    text = page_of(client, "boris", reference, language="ru").get_data(as_text=True)
    assert 'id="reveal"' not in text and "скрыт" in text
    assert '<option value="open">Открыть снова</option>' in text
    assert "Закрыто" in text
