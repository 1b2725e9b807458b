"""A case's notes, append-only: a note corrects at most one note of its own
case and has one correction at most; the text never reaches the timeline's
data or the audit log; the wrap-up's note is the first note of its call."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hotline.cases import notes
from hotline.cases.lookup import case_id_of
from hotline.extensions import db
from hotline.models import AuditRecord, CaseEvent, CaseNote, User, utcnow
from tests.support.cases import case_called, staff_tokens

PRIVATE = "zx-private-note-4471"


@pytest.fixture
def tokens(app):
    return staff_tokens(app)


def write(app, reference, body, corrects=None, username="aigerim"):
    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == username)).one()
        return notes.write(case_id_of(reference), user, body, utcnow(), corrects=corrects)


def test_a_note_is_added_and_corrected_once(app, twilio, tokens):
    reference = case_called(app, twilio)
    first = write(app, reference, PRIVATE)
    correction = write(app, reference, "put right", corrects=first)
    with pytest.raises(notes.CorrectedAlready):
        write(app, reference, "again", corrects=first, username="boris")
    again = write(app, reference, "put right again", corrects=correction)
    with app.app_context():
        rows = db.session.execute(select(CaseNote.id, CaseNote.corrects_id).order_by(CaseNote.id)).all()
        assert [tuple(row) for row in rows] == [(first, None), (correction, first), (again, correction)]
        events = db.session.scalars(select(CaseEvent).where(CaseEvent.kind == "note_added")).all()
        assert [event.data for event in events] == [
            {"note_id": first},
            {"note_id": correction, "corrects": first},
            {"note_id": again, "corrects": correction},
        ]
        records = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "case.note_added")).all()
        assert [record.actor for record in records] == ["aigerim"] * 3
        everything = (
            db.session.scalars(select(AuditRecord)).all() + db.session.scalars(select(CaseEvent)).all()
        )
        assert all(PRIVATE not in str(getattr(row, "detail", None) or row.data) for row in everything)


@pytest.mark.parametrize("body", ["", "   \n\t ", "x" * (notes.NOTE_MAX_CHARS + 1), "a\x00b"])
def test_a_note_that_is_no_note_is_refused(app, twilio, tokens, body):
    reference = case_called(app, twilio)
    with pytest.raises(notes.NoteRefused) as refused:
        write(app, reference, body)
    assert refused.value.field == "body"
    with app.app_context():
        assert db.session.scalars(select(CaseNote)).all() == []


def test_a_note_corrects_only_a_note_of_its_own_case(app, twilio, tokens):
    legal = case_called(app, twilio)
    medical = case_called(app, twilio, queue="medical", number="+77015550000")
    other = write(app, medical, "of the other case")
    for corrects in (other, 987654):
        with pytest.raises(notes.NoteRefused) as refused:
            write(app, legal, "put right", corrects=corrects)
        assert refused.value.field == "corrects"
    with app.app_context():
        assert db.session.scalar(select(CaseNote.id).where(CaseNote.corrects_id.is_not(None))) is None


def test_the_largest_note_is_kept_whole(app, twilio, tokens):
    reference = case_called(app, twilio)
    note_id = write(app, reference, "я" * notes.NOTE_MAX_CHARS)
    with app.app_context():
        assert len(db.session.get(CaseNote, note_id).body) == notes.NOTE_MAX_CHARS
