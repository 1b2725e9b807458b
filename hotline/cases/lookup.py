"""Finding a case by its reference, for every step that names one."""

from __future__ import annotations

import re

from sqlalchemy import select

from hotline.extensions import db
from hotline.models import Case

# HL-<year>-<number> (cases.service.next_reference): a path of another shape
# names no case, and never reaches the database.
REFERENCE = re.compile(r"HL-[0-9]{4}-[0-9]{6,20}")


class UnknownCase(LookupError):
    """404: no case has that reference."""


def case_id_of(reference: str) -> int:
    """The id of the case with `reference`; UnknownCase when there is none."""
    if not REFERENCE.fullmatch(reference):
        raise UnknownCase(reference)
    case_id = db.session.scalar(select(Case.id).where(Case.reference == reference))
    if case_id is None:
        raise UnknownCase(reference)
    return case_id


def get_case(reference: str) -> Case:
    """The case with `reference`; UnknownCase when there is none."""
    return db.session.get(Case, case_id_of(reference))
