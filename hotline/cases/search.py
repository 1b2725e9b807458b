"""Finding cases: the list of /cases and GET /api/v1/cases, newest first, a page at a time.

Every filter is a condition in SQL, and so is who may see a case
(`access.visible`, the rule of `access.may_see`): an operator's list simply
lacks the cases of others' queues. A number is looked up by its keyed hash
(`Caller.number_hash`, unique), never compared as text. Pages are keyset on the
case's id (cases are numbered as they open, so by id is by opening): `next` is
the `after` of the page after, None on the last.

`accompanied`: the case's person is in full accompaniment, an active support
route (`cases.route.on_route`, an EXISTS on the person's open plan steps).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select

from hotline import audit
from hotline.cases import access, route
from hotline.core.phones import PhoneVault, mask_tail
from hotline.extensions import db
from hotline.models import Call, Caller, Case, User

PAGE_SIZE = 50
# Who looked a number up, and how many cases they found (never the number, nor its hash).
SEARCHED_BY_NUMBER = "cases.searched_by_number"


@dataclass(frozen=True)
class Filters:
    """What the list is narrowed to; None is no filter. `opened_from` and
    `opened_to` are moments (from inclusive, to exclusive); `number_hash` the
    keyed hash of the number asked for."""

    reference: str | None = None
    number_hash: str | None = None
    statuses: frozenset[str] | None = None
    queue: str | None = None
    operator: str | None = None
    category: str | None = None
    risk_levels: frozenset[str] | None = None
    opened_from: datetime | None = None
    opened_to: datetime | None = None
    accompanied: bool | None = None
    after: int | None = None
    # A name was asked for that no record could hold: nothing matches.
    nothing: bool = False


def _accompanied(wanted: bool) -> ColumnElement[bool]:
    """Cases of a person in full accompaniment (an active support route), or not."""
    return route.on_route(Case.caller_id) if wanted else ~route.on_route(Case.caller_id)


def _conditions(filters: Filters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.reference is not None:
        conditions.append(Case.reference == filters.reference)
    if filters.number_hash is not None:
        conditions.append(
            Case.caller_id
            == select(Caller.id).where(Caller.number_hash == filters.number_hash).scalar_subquery()
        )
    if filters.statuses is not None:
        conditions.append(Case.status.in_(sorted(filters.statuses)))
    if filters.queue is not None:
        conditions.append(Case.queue == filters.queue)
    if filters.operator is not None:
        conditions.append(
            Case.assigned_operator_id
            == select(User.id).where(User.username == filters.operator).scalar_subquery()
        )
    if filters.category is not None:
        conditions.append(Case.category == filters.category)
    if filters.risk_levels is not None:
        conditions.append(Case.risk_level.in_(sorted(filters.risk_levels)))
    if filters.opened_from is not None:
        conditions.append(Case.opened_at >= filters.opened_from)
    if filters.opened_to is not None:
        conditions.append(Case.opened_at < filters.opened_to)
    if filters.accompanied is not None:
        conditions.append(_accompanied(filters.accompanied))
    if filters.after is not None:
        conditions.append(Case.id < filters.after)
    return conditions


def page(filters: Filters, user: User | None, vault: PhoneVault, size: int | None = None) -> dict:
    """`{"items": [...], "next": …}`: the cases `user` may see that match, newest
    first, `size` (PAGE_SIZE) a page. Two queries whatever the page holds (the
    cases, their last calls)."""
    size = size or PAGE_SIZE
    if filters.nothing:
        return {"items": [], "next": None}
    rows = db.session.execute(
        select(Case, Caller.number_encrypted)
        .outerjoin(Caller, Caller.id == Case.caller_id)
        .where(access.visible(user), *_conditions(filters))
        .order_by(Case.id.desc())
        .limit(size + 1)
    ).all()
    shown = rows[:size]
    last_calls = _last_calls([case.id for case, _ in shown])
    items = [
        {
            "reference": case.reference,
            "status": case.status,
            "queue": case.queue,
            "priority": int(case.priority),
            "risk_level": case.risk_level,
            "opened_at": case.opened_at,
            "last_contact_at": last_calls.get(case.id),
            "masked_number": mask_tail(vault.decrypt(encrypted)[-2:]) if encrypted else mask_tail(None),
        }
        for case, encrypted in shown
    ]
    more = len(rows) > size
    return {"items": items, "next": shown[-1][0].id if more else None}


def find(filters: Filters, user: User | None, actor: str, now: datetime, vault: PhoneVault) -> dict:
    """The page, as `page`; a search by number is audited and committed."""
    found = page(filters, user, vault)
    if filters.number_hash is not None:
        entry = audit.values(actor, SEARCHED_BY_NUMBER, "search", "", found=len(found["items"]))
        db.session.connection().execute(audit.NEW_RECORD, {**entry, "at": now})
        db.session.commit()
    return found


def _last_calls(case_ids: list[int]) -> dict[int, datetime]:
    if not case_ids:
        return {}
    return dict(
        db.session.execute(
            select(Call.case_id, func.max(Call.started_at))
            .where(Call.case_id.in_(case_ids))
            .group_by(Call.case_id)
        ).all()
    )
