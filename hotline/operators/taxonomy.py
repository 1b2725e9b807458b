"""The wrap-up's words: the outcomes and categories a call may be closed with.

They are Disposition rows (seeded by migration 0004, kept by admins), each with
a label per console language. Reports count codes; people read labels. A code
that is no longer active stays on the wrap-ups that used it but cannot be
chosen again.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import select

from hotline.extensions import db
from hotline.models import Disposition

# The language every seeded label has: used when the reader's is missing.
FALLBACK_LANGUAGE = "en"


class Kind(enum.StrEnum):
    OUTCOME = "outcome"
    CATEGORY = "category"


@dataclass(frozen=True)
class Code:
    code: str
    label: str


def label_of(labels: dict, language: str | None) -> str | None:
    """The label in `language`, else in FALLBACK_LANGUAGE, else None."""
    return (language and labels.get(language)) or labels.get(FALLBACK_LANGUAGE)


def active(language: str | None) -> dict[Kind, list[Code]]:
    """The codes that may be chosen now, of each kind in their order, labelled in
    `language` (English where that label is missing, the code itself where no
    label is)."""
    rows = db.session.execute(
        select(Disposition.kind, Disposition.code, Disposition.labels)
        .where(Disposition.active.is_(True))
        .order_by(Disposition.kind, Disposition.position, Disposition.code)
    ).all()
    chosen: dict[Kind, list[Code]] = {kind: [] for kind in Kind}
    for kind, code, labels in rows:
        if kind in chosen:
            chosen[Kind(kind)].append(Code(code, label_of(labels or {}, language) or code))
    return chosen


def active_codes(kind: Kind) -> frozenset[str]:
    """The codes of `kind` that may be chosen now. Compared in Python, so a value
    from a request never reaches the query (PostgreSQL refuses text with NUL)."""
    return frozenset(
        db.session.scalars(
            select(Disposition.code).where(Disposition.kind == kind, Disposition.active.is_(True))
        )
    )


def every_label(language: str | None) -> dict[str, dict[str, str]]:
    """Every code of each kind, active or not, with its label in `language`: a
    case resolved with a code since deactivated still reads in words."""
    rows = db.session.execute(select(Disposition.kind, Disposition.code, Disposition.labels)).all()
    labels: dict[str, dict[str, str]] = {kind.value: {} for kind in Kind}
    for kind, code, texts in rows:
        if kind in labels:
            labels[kind][code] = label_of(texts or {}, language) or code
    return labels
