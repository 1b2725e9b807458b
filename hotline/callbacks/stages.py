"""The callback's state machine: its one `transition()`.

The statuses and the table of allowed moves are in `hotline.models.states`
(`CallbackStatus`, `CALLBACK_TRANSITIONS`). Every change of a callback's status
is one conditional UPDATE (`hotline.core.moves`): only from a status the move
may come from, and while each further condition holds. Of two processes making
the same move (two accepts, a cancel and the sweep), exactly one changes the
row; the other writes nothing and learns it lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from hotline.core import moves
from hotline.extensions import db
from hotline.models import Callback, states
from hotline.models.states import CALLBACK_TRANSITIONS, CallbackStatus

CALLBACKS = Callback.__table__


class CallbackOutOfPlace(Exception):
    """A step that makes no sense for the callback's status (cancelling one that
    is being dialled, say): 409, nothing written."""

    def __init__(self, step: str, status: str) -> None:
        super().__init__(f"cannot {step} a callback that is {status}")
        self.step = step
        self.status = status


def transition(
    callback_id: int,
    to: CallbackStatus,
    *,
    allowed_from: Iterable[CallbackStatus] | None = None,
    where: Mapping[str, object] | None = None,
    **values,
) -> bool:
    """Move callback `callback_id` to `to`, setting `values` with it, if it is
    still in one of `allowed_from` (default: every status `to` may follow) and
    each column named in `where` still holds its value (None: is null). False,
    with nothing written, when it is not. Part of the caller's transaction."""
    froms = states.sources(CALLBACK_TRANSITIONS, to, allowed_from)
    return moves.carry_out(
        db.session.connection(),
        CALLBACKS,
        "status",
        callback_id,
        to.value,
        frozenset(s.value for s in froms),
        where or {},
        values,
    )
