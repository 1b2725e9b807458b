"""A callback asked for on the hotline's public web page.

The page parses the form; this finds or makes the person's caller row by the
keyed hash of the number (the number kept encrypted only) and records the
request like every other source, opening or joining a case in the topic's queue.
"""

from __future__ import annotations

from datetime import datetime

from hotline.callbacks import service
from hotline.callbacks.policy import Window
from hotline.calls.incoming import caller_for_number
from hotline.models.states import CallbackSource

ACTOR = "web"


def request_callback(
    e164: str, queue: str, window: Window | None, language: str | None, now: datetime
) -> service.Requested:
    """Record the web request to be called on `e164` about `queue`. Committed.

    The same number asking twice for one queue joins the open callback."""
    policy, vault = service.settings()
    caller_id = caller_for_number(e164, vault, now)
    request = service.Request(
        caller_id=caller_id,
        queue=queue,
        source=CallbackSource.WEB,
        asked_at=now,
        number=e164,
        window=window,
        language=language,
    )
    return service.record(request, now, policy, vault, actor=ACTOR)
