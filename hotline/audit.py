"""The audit log: every change and every view of a case leaves a record."""

from __future__ import annotations

from hotline.extensions import db
from hotline.models import AuditRecord

SYSTEM = "system"
TELEPHONY = "telephony"


def record(actor: str, action: str, object_type: str, object_id: object, **detail) -> AuditRecord:
    """Add an audit record to the current transaction. `detail` must hold no
    number and no note: ids, states and references only."""
    entry = AuditRecord(**values(actor, action, object_type, object_id, **detail))
    db.session.add(entry)
    return entry


def values(actor: str, action: str, object_type: str, object_id: object, **detail) -> dict:
    """An audit record's columns, for a statement run on the connection where
    the unit of work would cost too much (the phone line's busiest steps)."""
    return {
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "detail": detail,
    }
