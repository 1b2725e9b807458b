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

from sqlalchemy.orm.attributes import set_committed_value

from hotline.core import moves
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
    compared, columns = moves.shape(where, values)
    statement = moves.statement(
        CALLS,
        "stage",
        to.value,
        frozenset(s.value for s in froms),
        compared,
        columns,
        "version",
        bump="version",
    )
    version = db.session.connection().scalar(statement, moves.parameters(call.id, where, values))
    if version is None:
        return False
    for name, value in {"stage": to.value, "version": version, **values}.items():
        set_committed_value(call, name, value)
    return True


def step(call: Call, to: CallStage) -> None:
    """Move a loaded call to `to` inside `service.conditional`; StepOutOfPlace
    (409, nothing written) when the table allows no such move."""
    if to not in TRANSITIONS[CallStage(call.stage)]:
        raise StepOutOfPlace(f"moving to {to}", call.stage)
    call.stage = to
