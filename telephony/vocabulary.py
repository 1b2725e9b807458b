"""Twilio's words for a call's progress: `CallStatus` and `QueueResult`.

Only `telephony/` reads these; the hotline's own lifecycle is in
`hotline/lifecycle.py`, and the webhooks map one onto the other.
"""

from __future__ import annotations

# CallStatus values, in the order a call moves through them.
FINAL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
STATUS_RANK = {"queued": 0, "initiated": 0, "ringing": 1, "in-progress": 2, "answered": 2}
STATUS_RANK.update(dict.fromkeys(FINAL_STATUSES, 3))
CALL_STATUSES = frozenset(STATUS_RANK)

# <Enqueue action> QueueResult values.
QUEUE_RESULTS = frozenset(
    {
        "bridged",
        "bridging-in-process",
        "hangup",
        "leave",
        "redirected",
        "redirected-from-bridged",
        "queue-full",
        "error",
        "system-error",
    }
)
BRIDGED_RESULTS = frozenset({"bridged", "bridging-in-process", "redirected-from-bridged"})
