"""State columns that partial indexes are conditioned on compare with their own
states as SQL constants: SQLite prepares a statement again on every execution
when a value bound to it might decide whether a partial index applies
(bench/README.md, the profile of 2026-12-03)."""

from __future__ import annotations

import re

from sqlalchemy import bindparam, event, select
from sqlalchemy.dialects import postgresql, sqlite

from hotline.extensions import db
from hotline.models import Callback, Case, Offer
from hotline.models.states import CallbackStatus, CaseStatus, OfferStatus
from tests.support.calls import ScriptedCall, twiml

# A state column compared with a bound parameter, as either database spells it.
BOUND_STATE = re.compile(
    r'\b(offer|assignment|callback|"case")\.status\s*(=|!=|IN\s*\(|NOT IN\s*\()\s*(\?|%\(|__\[POSTCOMPILE)'
)


def sql_of(statement, dialect) -> str:
    return str(statement.compile(dialect=dialect))


def test_a_state_is_written_in_the_sql_and_any_other_value_is_bound():
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        own = sql_of(select(Offer.id).where(Offer.status == OfferStatus.OPEN), dialect)
        assert "offer.status = 'open'" in own and not BOUND_STATE.search(own)
        listed = sql_of(
            select(Case.id).where(Case.status.in_([CaseStatus.OPEN, CaseStatus.WAITING])), dialect
        )
        assert "\"case\".status IN ('open', 'waiting')" in listed
        # Not one of the column's states (a typo, a user's input): bound, never written in.
        foreign = sql_of(select(Offer.id).where(Offer.status == "open'; DROP TABLE offer; --"), dialect)
        assert BOUND_STATE.search(foreign) and "DROP" not in foreign
        placeholder = sql_of(select(Callback.id).where(Callback.status == bindparam("status")), dialect)
        assert BOUND_STATE.search(placeholder)
        mixed = sql_of(
            select(Callback.id).where(Callback.status.in_([CallbackStatus.QUEUED, "later"])), dialect
        )
        assert "'queued'" in mixed and "'later'" not in mixed


def test_the_phone_line_binds_no_state_against_a_partial_index(twilio, app_context):
    seen: list[str] = []

    def record(_connection, _cursor, statement, *_rest):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        for number, need in (("+77015550301", "3"), ("+77015550302", "2")):
            call = ScriptedCall(twilio, number)
            call.to_queue(need=need)
            twiml(call.post("/telephony/voice/wait"))
        twiml(call.post("/telephony/voice/queue-result", QueueResult="hangup", QueueTime="30"))
        call.post("/telephony/voice/status", CallStatus="completed", CallDuration="40")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert seen, "the webhooks ran no statement"
    bound = [statement for statement in seen if BOUND_STATE.search(statement)]
    assert bound == []
