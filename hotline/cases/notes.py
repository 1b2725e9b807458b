"""A case's notes: only ever added. A mistake is put right by a new note that
corrects it (`corrects`), at most one correction per note (a unique index), so
what was written stays readable and who changed their mind, and when, too.

The text is the person's private matter: it goes to the case_note row and to
those who may read the case, never into a log line, an event's data or an
audit record (they say a note was added, with its id).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from hotline.cases import timeline
from hotline.core.transactions import savepoint
from hotline.extensions import db
from hotline.models import Call, CaseNote, User

NOTE_MAX_CHARS = 10_000
_NEW_NOTE = insert(CaseNote).returning(CaseNote.id)


class NoteRefused(ValueError):
    """A note that cannot be added as it is (400): the message names the field."""

    def __init__(self, field: str) -> None:
        super().__init__(f"invalid or missing field(s): {field}")
        self.field = field


class CorrectedAlready(RuntimeError):
    """The note corrected has a correction already (409): correct that one instead."""

    def __init__(self) -> None:
        super().__init__("this note has been corrected already: correct its correction instead")


def usable(body: str | None) -> bool:
    """Whether `body` is a note: some text that is not only spaces, no NUL, not too long."""
    return body is not None and bool(body.strip()) and len(body) <= NOTE_MAX_CHARS and "\x00" not in body


def add(
    case_id: int,
    author: User,
    body: str,
    now: datetime,
    *,
    call: Call | None = None,
    corrects: int | None = None,
) -> int:
    """Add `author`'s note to the case, on its timeline (the note's id, never its
    text), correcting note `corrects` of the same case if given; its id. Part
    of the caller's transaction. NoteRefused (body or corrects) or
    CorrectedAlready, with nothing written."""
    if not usable(body):
        raise NoteRefused("body")
    if corrects is not None:
        of_case = db.session.scalar(select(CaseNote.case_id).where(CaseNote.id == corrects))
        if of_case != case_id:
            raise NoteRefused("corrects")
    values = {
        "case_id": case_id,
        "call_id": call.id if call is not None else None,
        "author_id": author.id,
        "body": body,
        "corrects_id": corrects,
        "created_at": now,
    }
    try:
        with savepoint():
            note_id = db.session.connection().scalar(_NEW_NOTE, values)
    except IntegrityError:
        raise CorrectedAlready() from None
    data = {"note_id": note_id}
    if corrects is not None:
        data["corrects"] = corrects
    timeline.record(
        case_id, "note_added", actor=author.username, actor_id=author.id, call=call, at=now, **data
    )
    return note_id


def write(case_id: int, author: User, body: str, now: datetime, corrects: int | None = None) -> int:
    """`add`, as one step of its own: committed (nothing written when refused)."""
    try:
        note_id = add(case_id, author, body, now, corrects=corrects)
    except (NoteRefused, CorrectedAlready):
        db.session.rollback()
        raise
    db.session.commit()
    return note_id
