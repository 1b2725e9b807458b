"""Presence races with real threads on the real database (SQLite, or PostgreSQL
with DATABASE_URL): the operator's click against the system's move, and two
tabs clicking at once. Each round's two sides wait at a barrier and go together."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from flask import Flask
from sqlalchemy import func, select, update

from hotline.accounts.users import create_user
from hotline.extensions import db
from hotline.models import AuditRecord, Role, User, utcnow
from hotline.models.states import Presence
from hotline.operators import presence
from tests.support.pages import PASSWORD

ROUNDS = 8


def together(app: Flask, *sides: Callable[[User], str]) -> list[str]:
    """Run each side in its own thread, app context and transaction, at once."""
    barrier = threading.Barrier(len(sides))

    def run(side: Callable[[User], str]) -> str:
        with app.app_context():
            user = db.session.scalars(select(User).where(User.username == "aigerim")).one()
            barrier.wait(5)
            try:
                return side(user)
            finally:
                db.session.remove()

    with ThreadPoolExecutor(len(sides)) as pool:
        return list(pool.map(run, sides))


def system_takes_them(user: User) -> str:
    moved = presence.move(
        user, Presence.BUSY, utcnow(), actor="system", reason="accepted", allowed_from={Presence.AVAILABLE}
    )
    db.session.commit()
    return "busy" if moved else "missed"


def operator_chooses(to: Presence) -> Callable[[User], str]:
    def side(user: User) -> str:
        try:
            presence.choose(user, to, None, utcnow())
        except presence.OnACall:
            db.session.rollback()
            return "refused"
        db.session.commit()
        return str(to)

    return side


def start_at(app: Flask, state: Presence) -> None:
    with app.app_context():
        db.session.execute(update(User).values(presence=state))
        db.session.execute(AuditRecord.__table__.delete().where(AuditRecord.action == "presence.changed"))
        db.session.commit()


def now_and_records(app: Flask) -> tuple[str, int]:
    with app.app_context():
        state = db.session.scalars(select(User.presence)).one()
        records = db.session.scalar(
            select(func.count()).select_from(AuditRecord).where(AuditRecord.action == "presence.changed")
        )
        return state, records


def test_the_operators_away_and_the_systems_busy_never_both_win(app):
    with app.app_context():
        create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"])
    for _round in range(ROUNDS):
        start_at(app, Presence.AVAILABLE)
        outcome = tuple(together(app, system_takes_them, operator_chooses(Presence.AWAY)))
        assert outcome in {("busy", "refused"), ("missed", "away")}
        assert now_and_records(app) == (outcome[0] if outcome[0] == "busy" else "away", 1)


def test_two_tabs_choosing_available_at_once_move_them_once(app):
    with app.app_context():
        create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"])
    for _round in range(ROUNDS):
        start_at(app, Presence.AWAY)
        chosen = operator_chooses(Presence.AVAILABLE)
        assert together(app, chosen, chosen) == ["available", "available"]
        assert now_and_records(app) == ("available", 1)
