"""The call's state machine: its one `transition()`.

The stages and the table of allowed moves are in `hotline.models.states`
(`CallStage`, `TRANSITIONS`). Every change of a call's stage goes through
here, in one of two ways, both conditional:

- `transition` is one UPDATE that changes the row only while it is in a
  stage the move may come from (and any further condition holds): of two
  transactions moving one call, exactly one changes it. The loaded object is
  brought up to date without a read.
- `step` checks a move on a loaded call inside `service.conditional`, whose
  versioned UPDATE makes it conditional (the second writer retries on a fresh
  read and decides anew).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache

from sqlalchemy import Update, bindparam, update
from sqlalchemy.orm.attributes import set_committed_value

from hotline.extensions import db
from hotline.models import Call, states
from hotline.models.states import TRANSITIONS, CallStage, StepOutOfPlace

CALLS = Call.__table__


def sources(to: CallStage) -> frozenset[CallStage]:
    """The stages a move to `to` may come from."""
    return states.sources(TRANSITIONS, to)


def transition(
    call: Call,
    to: CallStage,
    *,
    allowed_from: Iterable[CallStage] | None = None,
    where: Mapping[str, object] | None = None,
    **values,
) -> bool:
    """Move `call` to `to`, setting `values` with it, if it is still in one of
    `allowed_from` (default: every stage `to` may follow) and each column named
    in `where` still holds its value there (None: is null). False, with nothing
    written, when it is not. Part of the caller's transaction."""
    froms = states.sources(TRANSITIONS, to, allowed_from)
    where = where or {}
    statement = _move(
        to, froms, tuple((name, where[name] is None) for name in sorted(where)), tuple(sorted(values))
    )
    params = {"call_id": call.id, **{f"set_{name}": value for name, value in values.items()}}
    params.update({f"where_{name}": value for name, value in where.items() if value is not None})
    version = db.session.connection().scalar(statement, params)
    if version is None:
        return False
    for name, value in {"stage": to.value, "version": version, **values}.items():
        set_committed_value(call, name, value)
    return True


@lru_cache(maxsize=64)
def _move(
    to: CallStage, froms: frozenset[CallStage], where: tuple[tuple[str, bool], ...], columns: tuple[str, ...]
) -> Update:
    """The conditional UPDATE of one kind of move, built once: the phone line's
    every step makes one, and building it costs more than running it."""
    conditions = [
        CALLS.c.id == bindparam("call_id"),
        CALLS.c.stage.in_(sorted(stage.value for stage in froms)),
    ]
    for name, is_null in where:
        column = CALLS.c[name]
        conditions.append(
            column.is_(None) if is_null else column == bindparam(f"where_{name}", type_=column.type)
        )
    changes = {name: bindparam(f"set_{name}", type_=CALLS.c[name].type) for name in columns}
    return (
        update(CALLS)
        .where(*conditions)
        .values(stage=to.value, version=CALLS.c.version + 1, **changes)
        .returning(CALLS.c.version)
    )


def step(call: Call, to: CallStage) -> None:
    """Move a loaded call to `to` inside `service.conditional`; StepOutOfPlace
    (409, nothing written) when the table allows no such move."""
    if to not in TRANSITIONS[CallStage(call.stage)]:
        raise StepOutOfPlace(f"moving to {to}", call.stage)
    call.stage = to
