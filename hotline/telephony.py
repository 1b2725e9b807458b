"""The telephony port: what the hotline asks of the phone network, in its words.

The services that act on the network (taking a caller, hanging up, a transfer,
the reconciler) take a `Telephony` as an argument; the app's own is
`app.extensions["telephony"]`, which `telephony/` builds (Twilio's REST API, or
the built-in simulator through the same client). Any failure of the network
(refused, unreachable, too slow) reaches the hotline as one `TelephonyError`:
nothing in `hotline/` knows Twilio's exceptions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from hotline.models.states import Progress


class TelephonyError(Exception):
    """The phone network refused a request or did not answer in time. The
    message names the request and the kind of failure, never a number."""


@dataclass(frozen=True)
class CallReport:
    """A call as the network reports it: `status` is its word (kept on the record),
    `progress` what that means to the hotline; `known` is False for a call the
    network has forgotten (reported finished)."""

    status: str
    progress: Progress
    duration: int | None
    known: bool = True


@dataclass(frozen=True)
class VoiceToken:
    """What a browser softphone registers with: an access token for `identity`."""

    token: str
    identity: str
    expires_in: int


class Telephony(Protocol):
    def put_through(self, call_sid: str, assignment_id: int) -> None:
        """Take a waiting caller out of the queue to the operator of `assignment_id`."""

    def requeue(self, call_sid: str) -> None:
        """Take a caller who is with an operator back into their (new) queue."""

    def hang_up(self, call_sid: str) -> None: ...

    def call_report(self, call_sid: str) -> CallReport: ...

    def voice_token(self, user_id: int) -> VoiceToken: ...

    def ring_for_callback(self, attempt_id: int, operator_id: int, phone: str | None) -> str:
        """Ring the operator of callback attempt `attempt_id`: their softphone, or
        `phone` (E.164); once they answer, the network asks the hotline what
        follows (the person is dialled). Returns the CallSid of this call."""

    def send_sms(self, to: str, body: str) -> None:
        """Send `body` to `to` (E.164) from the hotline's number."""

    def delete_recording(self, recording_sid: str) -> None:
        """Delete a recording at the network; one the network no longer has counts as deleted."""
