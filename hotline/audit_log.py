"""The audit log as supervisors read it: GET /api/v1/audit, the /audit page and its CSV.

Newest first, a page at a time (keyset on the record's id), narrowed by case,
user, action and the hotline's local days. A record names its case when it
is about one: the case itself, or a call, callback or offer of it (one query
per kind a page holds). Records hold ids, codes and states, never a number or
a note's text, and so does everything read here. Reading the log is not a view
of any case: nothing here writes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, String, and_, cast, or_, select

from hotline.cases.lookup import REFERENCE
from hotline.cases.search_query import after_id, could_name, day_start
from hotline.core.parsing import whole_number
from hotline.extensions import db
from hotline.models import AuditRecord, Call, Callback, Case, Offer

PAGE_SIZE = 100
# The CSV is read this many records a query.
BATCH = 1000
NAME_MAX_CHARS = 64


@dataclass(frozen=True)
class Filters:
    case: str | None = None
    actor: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    after: int | None = None
    # A name was asked for that no record could hold: nothing matches.
    nothing: bool = False


def read(values: Mapping[str, str | None], timezone: ZoneInfo) -> Filters:
    """`case`, `user`, `action`, `from`, `to` (local days, inclusive), `after`;
    an empty value is no filter, a name no record could hold finds nothing
    (search_query.could_name); search_query.BadQuery naming the first other value at fault."""
    given = {name: values.get(name) or None for name in ("case", "user", "action", "from", "to", "after")}
    found: dict = {}
    names = {"case": ("case", REFERENCE), "user": ("actor", None), "action": ("action", None)}
    for name, (field, shape) in names.items():
        if (text := given[name]) is not None:
            found[field] = text
            found["nothing"] = found.get("nothing", False) or not could_name(text, NAME_MAX_CHARS, shape)
    if (text := given["from"]) is not None:
        found["since"] = day_start(text, "from", timezone)
    if (text := given["to"]) is not None:
        found["until"] = day_start(text, "to", timezone, days_later=1)
    if (text := given["after"]) is not None:
        found["after"] = after_id(text)
    return Filters(**found)


def _of_case(reference: str) -> ColumnElement[bool]:
    """The records about the case: itself, its calls, its callbacks, their offers."""
    case_id = select(Case.id).where(Case.reference == reference).scalar_subquery()
    calls = select(Call.id).where(Call.case_id == case_id)
    callbacks = select(Callback.id).where(Callback.case_id == case_id)
    offers = select(cast(Offer.id, String)).where(
        or_(Offer.call_id.in_(calls), Offer.callback_id.in_(callbacks))
    )
    kind, key = AuditRecord.object_type, AuditRecord.object_id
    return or_(
        and_(kind == "case", key == cast(case_id, String)),
        and_(kind == "call", key.in_(select(Call.call_sid).where(Call.case_id == case_id))),
        and_(
            kind == "callback", key.in_(select(cast(Callback.id, String)).where(Callback.case_id == case_id))
        ),
        and_(kind == "offer", key.in_(offers)),
    )


def _conditions(filters: Filters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.case is not None:
        conditions.append(_of_case(filters.case))
    if filters.actor is not None:
        conditions.append(AuditRecord.actor == filters.actor)
    if filters.action is not None:
        conditions.append(AuditRecord.action == filters.action)
    if filters.since is not None:
        conditions.append(AuditRecord.at >= filters.since)
    if filters.until is not None:
        conditions.append(AuditRecord.at < filters.until)
    if filters.after is not None:
        conditions.append(AuditRecord.id < filters.after)
    return conditions


def page(filters: Filters, size: int | None = None) -> dict:
    """`{"items": [...], "next": …}`, newest first, `size` (PAGE_SIZE) a page."""
    size = size or PAGE_SIZE
    if filters.nothing:
        return {"items": [], "next": None}
    records = db.session.scalars(
        select(AuditRecord).where(*_conditions(filters)).order_by(AuditRecord.id.desc()).limit(size + 1)
    ).all()
    shown = records[:size]
    return {"items": _items(shown), "next": shown[-1].id if len(records) > size else None}


def every(filters: Filters) -> Iterator[dict]:
    """Every record that matches, newest first, BATCH at a time (the CSV's)."""
    while True:
        found = page(filters, BATCH)
        yield from found["items"]
        if found["next"] is None:
            return
        filters = Filters(**{**filters.__dict__, "after": found["next"]})


def _items(records: list[AuditRecord]) -> list[dict]:
    cases = _cases_named(records)
    return [
        {
            "id": record.id,
            "at": record.at,
            "actor": record.actor,
            "action": record.action,
            "case": cases.get((record.object_type, record.object_id)),
            "object_type": record.object_type,
            "object_id": record.object_id,
        }
        for record in records
    ]


def _ids(records: list[AuditRecord], kind: str) -> list[int]:
    return [
        int(record.object_id)
        for record in records
        if record.object_type == kind and whole_number(record.object_id, max_digits=10) is not None
    ]


def _cases_named(records: list[AuditRecord]) -> dict[tuple[str, str], str]:
    """(object_type, object_id) → the reference of the case the record is about."""
    named: dict[tuple[str, str], str] = {}
    if ids := _ids(records, "case"):
        for case_id, reference in db.session.execute(select(Case.id, Case.reference).where(Case.id.in_(ids))):
            named[("case", str(case_id))] = reference
    if sids := [record.object_id for record in records if record.object_type == "call"]:
        rows = db.session.execute(
            select(Call.call_sid, Case.reference)
            .join(Case, Case.id == Call.case_id)
            .where(Call.call_sid.in_(sids))
        )
        named.update({("call", sid): reference for sid, reference in rows})
    if ids := _ids(records, "callback"):
        rows = db.session.execute(
            select(Callback.id, Case.reference)
            .join(Case, Case.id == Callback.case_id)
            .where(Callback.id.in_(ids))
        )
        named.update({("callback", str(callback_id)): reference for callback_id, reference in rows})
    if ids := _ids(records, "offer"):
        rows = db.session.execute(
            select(Offer.id, Case.reference)
            .outerjoin(Call, Call.id == Offer.call_id)
            .outerjoin(Callback, Callback.id == Offer.callback_id)
            .join(Case, or_(Case.id == Call.case_id, Case.id == Callback.case_id))
            .where(Offer.id.in_(ids))
        )
        named.update({("offer", str(offer_id)): reference for offer_id, reference in rows})
    return named
