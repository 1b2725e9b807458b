"""Twilio's words for a call's progress (`CallStatus`) and for why a caller left
a queue (`QueueResult`), and what each means in the hotline's own lifecycle
(`hotline/lifecycle.py`). Only `telephony/` reads Twilio's words.
"""

from __future__ import annotations

from hotline.models.states import DialOutcome, LeftQueue, Progress

FINAL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})

PROGRESS: dict[str, Progress] = {
    "queued": Progress.STARTED,
    "initiated": Progress.STARTED,
    "ringing": Progress.RINGING,
    "in-progress": Progress.ANSWERED,
    "answered": Progress.ANSWERED,
    **dict.fromkeys(FINAL_STATUSES, Progress.FINISHED),
}
CALL_STATUSES = frozenset(PROGRESS)

BRIDGED_RESULTS = frozenset({"bridged", "bridging-in-process", "redirected-from-bridged"})
LEFT_QUEUE: dict[str, LeftQueue] = {
    **dict.fromkeys(BRIDGED_RESULTS, LeftQueue.ANSWERED),
    "hangup": LeftQueue.HUNG_UP,
    # Our TwiML says <Leave> only for a caller who asked to be called back.
    "leave": LeftQueue.CALLBACK,
    "redirected": LeftQueue.REDIRECTED,
    "queue-full": LeftQueue.FAILED,
    "error": LeftQueue.FAILED,
    "system-error": LeftQueue.FAILED,
}
QUEUE_RESULTS = frozenset(LEFT_QUEUE)

# How a <Dial> to an operator ended (`DialCallStatus`, posted to the Dial's action URL).
DIAL_OUTCOME: dict[str, DialOutcome] = {
    "completed": DialOutcome.ANSWERED,
    "answered": DialOutcome.ANSWERED,
    "busy": DialOutcome.NOT_ANSWERED,
    "no-answer": DialOutcome.NOT_ANSWERED,
    "failed": DialOutcome.NOT_ANSWERED,
    "canceled": DialOutcome.NOT_ANSWERED,
}
DIAL_STATUSES = frozenset(DIAL_OUTCOME)

# An operator's leg (the <Dial>'s child call) that reached one of these was answered:
# a leg never answered ends no-answer, busy, failed or canceled, never completed.
LEG_ANSWERED = frozenset({"in-progress", "answered", "completed"})

# Who answered a call placed with machine detection (`AnsweredBy`, Twilio's words).
ANSWERED_BY = frozenset(
    {
        "human",
        "unknown",
        "fax",
        "machine_start",
        "machine_end_beep",
        "machine_end_silence",
        "machine_end_other",
    }
)
