"""Operators' presence: away, available, busy (on a call), wrap_up.

Every change is one conditional UPDATE: the row changes only if the operator is
still in a state the change may come from (`PRESENCE_TRANSITIONS`), so a
system change and the operator's own click, or two web processes, never
overwrite each other blindly. `move` works inside the caller's transaction: the
audit record goes with it, and `presence.changed` goes out when it commits.

The operator chooses available or away (`choose`, PUT /api/v1/me/presence);
the system sets the rest. An available operator whose consoles all went quiet
(no heartbeat within HOTLINE_PRESENCE_GRACE_SECONDS) becomes away through the
sweep's rule `away_when_gone`: heartbeats, not a list of open connections,
so a tab's connect and disconnect may be handled in any order.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from hotline import audit, events
from hotline.extensions import db
from hotline.models import OperatorSkill, QueueName, User, states
from hotline.models.states import CHOSEN_PRESENCE, PRESENCE_TRANSITIONS, Device, Presence

log = logging.getLogger(__name__)


def sources(to: Presence) -> frozenset[Presence]:
    """The states a move to `to` may come from."""
    return states.sources(PRESENCE_TRANSITIONS, to)


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
    """The presence's one transition: move `user` to `to` if they are still in
    one of `allowed_from` (default: every state `to` may follow; never one the
    table does not allow). False, with nothing written, if they are not.
    `reason` says why, for the audit log: chosen, accepted, lapsed, disconnected …"""
    froms = states.sources(PRESENCE_TRANSITIONS, to, allowed_from)
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


class PresenceRefused(Exception):
    """A presence the operator may not choose now: refused with 409, nothing written."""


class NoPhone(PresenceRefused):
    def __init__(self) -> None:
        super().__init__("add a phone number to your account before taking calls on your own phone")


class OnACall(PresenceRefused):
    def __init__(self) -> None:
        super().__init__("you are on a call or in wrap-up: your status changes when it ends")


def choose(user: User, to: Presence, device: Device | None, now: datetime) -> bool:
    """The operator chooses `to` (available or away) and, optionally, where they
    take calls. Choosing the state they are in already keeps `presence_since`
    (their place among the available) and only changes the device. Raises
    NoPhone or OnACall; the caller commits. True when the presence changed
    (False: they were in `to` already)."""
    if to not in CHOSEN_PRESENCE:
        raise ValueError(f"{to} is set by the system, not chosen")
    if device is Device.PHONE and user.phone_encrypted is None:
        raise NoPhone()
    chosen = device.value if device is not None else None
    if move(
        user,
        to,
        now,
        actor=user.username,
        reason="chosen",
        allowed_from=CHOSEN_PRESENCE - {to},
        device=chosen,
    ):
        return True
    if not _keep(user, to, chosen, now):
        raise OnACall()
    return False


def _keep(user: User, presence: Presence, device: str | None, now: datetime) -> bool:
    """Still `presence`: set the device only. False if the operator is elsewhere."""
    kept = db.session.execute(
        update(User)
        .where(User.id == user.id, User.presence == presence.value)
        .values(device=device if device is not None else User.device)
        .returning(User.device, User.presence_since)
        .execution_options(synchronize_session=False)
    ).first()
    if kept is None:
        return False
    if kept.device != user.device:
        audit.record(
            user.username,
            "presence.changed",
            "user",
            user.username,
            presence=str(presence),
            device=kept.device,
            reason="device",
        )
        since = kept.presence_since or now
        events.presence_changed(user.id, user.username, str(presence), kept.device, since)
    set_committed_value(user, "device", kept.device)
    set_committed_value(user, "presence", presence.value)
    return True


# Heartbeats of the consoles: one sorted set, member = user id, score = when one of
# their consoles was last heard from (Unix time). Connect and `console.alive` only
# ever raise a score, so a tab's connect and disconnect may run in any order.
CONSOLES = "hotline:consoles"
# When the sweep first found the set gone (Redis new or flushed): those never seen
# since then are given the grace from that moment, not sent away at once.
CONSOLES_SINCE = "hotline:consoles:since"


def seen(redis: Redis, user_id: int, now: datetime) -> None:
    """One of the user's consoles is open now."""
    redis.zadd(CONSOLES, {str(user_id): now.timestamp()}, gt=True)


def away_when_gone(now: datetime) -> list[int]:
    """The sweep's rule: an available operator none of whose consoles was heard
    from for HOTLINE_PRESENCE_GRACE_SECONDS becomes away ("disconnected"). A
    reload reconnects well within the grace and changes nothing. When Redis does
    not answer, nobody's consoles can be known: the rule does nothing this time.
    Returns the ids of those moved."""
    available = db.session.scalars(select(User).where(User.presence == Presence.AVAILABLE.value)).all()
    if not available:
        return []
    redis: Redis = current_app.extensions["redis"]
    try:
        with redis.pipeline(transaction=False) as pipe:
            pipe.set(CONSOLES_SINCE, now.timestamp(), nx=True)
            pipe.get(CONSOLES_SINCE)
            for user in available:
                pipe.zscore(CONSOLES, str(user.id))
            _set, since, *scores = pipe.execute()
    except RedisError as error:
        log.warning("presence sweep skipped: Redis failed (%s)", type(error).__name__)
        return []
    cutoff = now.timestamp() - current_app.config["HOTLINE_PRESENCE_GRACE_SECONDS"]
    moved = []
    for user, score in zip(available, scores, strict=True):
        last = score if score is not None else float(since)
        if last < cutoff and move(
            user,
            Presence.AWAY,
            now,
            actor=audit.SYSTEM,
            reason="disconnected",
            allowed_from={Presence.AVAILABLE},
        ):
            moved.append(user.id)
    db.session.commit()
    return moved


def counts() -> dict[str, dict[str, int]]:
    """How many active users serving each queue (a skill in it) are in each
    presence state: {queue: {presence: count}}, every queue and state present.
    One grouped query; an operator of two queues counts in both."""
    found = {queue.value: dict.fromkeys((state.value for state in Presence), 0) for queue in QueueName}
    rows = db.session.execute(
        select(OperatorSkill.queue, User.presence, func.count())
        .join(User, User.id == OperatorSkill.user_id)
        .where(User.active.is_(True))
        .group_by(OperatorSkill.queue, User.presence)
    ).all()
    for queue, presence, count in rows:
        if queue in found and presence in found[queue]:
            found[queue][presence] = count
    return found
