"""A state machine's one move as a conditional UPDATE, built once per kind of move.

A record's state changes only while it is in a state the move may come from
(and each further column still holds its value): of two transactions making
the same move, exactly one changes the row. Building the statement costs more
than running it, and the phone line makes one on every step, so each kind of
move (target, sources, conditions, columns set) is built once and cached.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from sqlalchemy import Table, Update, bindparam, update


def parameters(key: object, where: Mapping[str, object], values: Mapping[str, object]) -> dict:
    """The bound values of a statement made by `statement` for one move."""
    params = {"key": key, **{f"set_{name}": value for name, value in values.items()}}
    params.update({f"where_{name}": value for name, value in where.items() if value is not None})
    return params


def shape(where: Mapping[str, object], values: Mapping[str, object]) -> tuple[tuple, tuple]:
    """What makes two moves the same kind: which columns are compared (and to
    null or a value) and which are set."""
    return tuple((name, where[name] is None) for name in sorted(where)), tuple(sorted(values))


@lru_cache(maxsize=128)
def statement(
    table: Table,
    state: str,
    to: str,
    froms: frozenset[str],
    where: tuple[tuple[str, bool], ...],
    columns: tuple[str, ...],
    returning: str,
    bump: str | None = None,
) -> Update:
    """UPDATE `table` SET `state` = `to`, the `columns` (and `bump` + 1) WHERE the
    primary key is :key, `state` is one of `froms` and each of `where` holds
    (`(name, True)`: is null); RETURNING `returning`, so no row means no move."""
    conditions = [
        table.c.id == bindparam("key"),
        table.c[state].in_(sorted(froms)),
    ]
    for name, is_null in where:
        column = table.c[name]
        conditions.append(
            column.is_(None) if is_null else column == bindparam(f"where_{name}", type_=column.type)
        )
    changes = {name: bindparam(f"set_{name}", type_=table.c[name].type) for name in columns}
    if bump is not None:
        changes[bump] = table.c[bump] + 1
    return update(table).where(*conditions).values({state: to, **changes}).returning(table.c[returning])


def carry_out(
    connection,
    table: Table,
    state: str,
    key: object,
    to: str,
    froms: frozenset[str],
    where: Mapping[str, object],
    values: Mapping[str, object],
) -> bool:
    """Make one move of the record `key` of `table` (primary key `id`) on
    `connection`: True when the row changed, False (nothing written) when it
    was no longer in one of `froms` or a condition of `where` failed."""
    compared, columns = shape(where, values)
    built = statement(table, state, to, froms, compared, columns, "id")
    return connection.scalar(built, parameters(key, where, values)) is not None
