"""The audit log: every change and every view of a case leaves a record."""

from __future__ import annotations

from sqlalchemy import insert

from hotline.extensions import db
from hotline.models import AuditRecord

# Run on the session's connection, not added to the unit of work: a flush of
# a new object costs several times the INSERT itself, and every step writes one.
NEW_RECORD = insert(AuditRecord)

SYSTEM = "system"
TELEPHONY = "telephony"


def record(actor: str, action: str, object_type: str, object_id: object, **detail) -> None:
    """Write an audit record in the current transaction. `detail` must hold no
    number and no note: ids, states and references only."""
    db.session.connection().execute(NEW_RECORD, values(actor, action, object_type, object_id, **detail))


def values(actor: str, action: str, object_type: str, object_id: object, **detail) -> dict:
    """An audit record's columns, for NEW_RECORD."""
    return {
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "detail": detail,
    }
