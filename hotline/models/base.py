"""What every record shares: UTC times, states, the queues' names, Alembic's view of the column types."""

from __future__ import annotations

import enum
import re
from datetime import UTC, datetime

from sqlalchemy import DateTime, String, literal_column
from sqlalchemy.sql import operators

from hotline.extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(db.TypeDecorator):
    """Timezone-aware UTC datetimes on every database (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


_STATE_WORD = re.compile(r"[a-z_]{1,32}")
_COMPARISONS = (operators.eq, operators.ne)
_MEMBERSHIPS = (operators.in_op, operators.not_in_op)


class State(String):
    """A record's state, one of `states`' values, in a column that partial indexes
    are conditioned on. Compared with one of its own states, the state is
    written into the SQL as a constant (`status = 'open'`), never bound as a
    parameter: SQLite cannot tell whether `status = ?` matches a partial
    index's `status = 'open'`, so it prepares such a statement again every time
    a value is bound — every execution (the profile in bench/README.md). Any
    other value is bound as usual."""

    cache_ok = True

    def __init__(self, states: type[enum.StrEnum] | frozenset[str], length: int = 16) -> None:
        super().__init__(length)
        # A copy of the type (SQLAlchemy makes them) is given the values themselves.
        self.states = frozenset(str(state) for state in states)
        if not all(_STATE_WORD.fullmatch(state) for state in self.states):
            raise ValueError(f"{sorted(self.states)}: a state must be a lowercase word")

    class comparator_factory(String.Comparator):
        def operate(self, op, *other, **kwargs):
            if op in _COMPARISONS:
                other = tuple(self._constant(value) for value in other)
            elif op in _MEMBERSHIPS and isinstance(other[0], list | tuple | set | frozenset):
                other = ([self._constant(value) for value in other[0]], *other[1:])
            return super().operate(op, *other, **kwargs)

        def _constant(self, value):
            if isinstance(value, str) and value in self.type.states:
                return literal_column(f"'{value}'", String)
            return value


class QueueName(enum.StrEnum):
    PSYCHOLOGIST = "psychologist"
    MEDICAL = "medical"
    LEGAL = "legal"
    GENERAL = "general"


def render_migration_type(type_: str, obj, _autogen_context):
    """Alembic autogenerate: write UTCDateTime as the plain column type it stores."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, State):
        return f"sa.String(length={obj.length})"
    return False
