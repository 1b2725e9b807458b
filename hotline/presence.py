"""Operators' presence: away, available, busy (on a call), wrap_up.

Every change is one conditional UPDATE: the row changes only if the operator is
still in a state the change may come from (`PRESENCE_TRANSITIONS`), so a
system change and the operator's own click, or two web processes, never
overwrite each other blindly. `move` works inside the caller's transaction: the
audit record goes with it, and `presence.changed` goes out when it commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from hotline import audit, events
from hotline.extensions import db
from hotline.lifecycle import PRESENCE_TRANSITIONS, Presence
from hotline.models import User


def sources(to: Presence) -> frozenset[Presence]:
    """The states a move to `to` may come from."""
    return frozenset(state for state, targets in PRESENCE_TRANSITIONS.items() if to in targets)


def move(
    user: User,
    to: Presence,
    now: datetime,
    *,
    actor: str,
    reason: str,
    allowed_from: Iterable[Presence] | None = None,
    device: str | None = None,
) -> bool:
    """Move `user` to `to` if they are still in one of `allowed_from` (default:
    every state `to` may follow). False, with nothing written, if they are not.
    `reason` says why, for the audit log: chosen, accepted, lapsed, disconnected …"""
    froms = frozenset(allowed_from) if allowed_from is not None else sources(to)
    values: dict = {"presence": to, "presence_since": now}
    if device is not None:
        values["device"] = device
    changed = db.session.execute(
        update(User)
        .where(User.id == user.id, User.presence.in_([state.value for state in froms]))
        .values(**values)
        .returning(User.id)
        .execution_options(synchronize_session=False)
    ).first()
    if changed is None:
        return False
    for name, value in values.items():
        set_committed_value(user, name, value)
    audit.record(actor, "presence.changed", "user", user.username, presence=str(to), reason=reason)
    events.presence_changed(user.id, user.username, str(to), user.device, now)
    return True
