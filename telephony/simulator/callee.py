"""The far end of a call the app placed through the REST API (POST …/Calls.json),
played by the simulator in a background thread of the process that took the request.

Who answers was decided as the call was placed (`rest.calls`): To client:<identity>
rings the simulated device registered under that identity (`devices`), and once it
accepts, the simulator follows the call's TwiML on the operator's behalf; a number
the /simulator/phone page answers for rings there (`web_phone`), and the page's
person follows it; any other number is answered as SIMULATOR_OUTBOUND says
(`outbound`): after SIMULATOR_ANSWER_SECONDS by a person (who hangs up after
SIMULATOR_TALK_SECONDS once put through, if set) or a machine; busy or no-answer
after SIMULATOR_RING_SECONDS; failed at once.

The call goes queued → ringing → in-progress, or ends busy, no-answer (also at its
Timeout), failed or canceled (the REST API hung it up first); the status callback
hears each event the call asked for (StatusCallbackEvent; completed by default) as
Twilio posts them. With MachineDetection every request carries AnsweredBy: human,
or machine_start (machine_end_beep with DetectMessageEnd) for a machine, which then
hears whatever TwiML comes back. What the far end hears is the call's transcript
(`handset`): `handset.heard(redis, CallSid)`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import threading
import time
from collections.abc import Mapping

from redis import Redis

from telephony.simulator import handset, outbound, state, web_phone
from telephony.simulator.carrier import Carrier
from telephony.simulator.errors import Refused, SimulatorError
from telephony.simulator.player import Player
from telephony.simulator.script import Line, Script
from telephony.vocabulary import FINAL_STATUSES

log = logging.getLogger(__name__)

POLL_SECONDS = 0.05
MAX_CALLS = 200  # at once in one process; past it a call fails, as on a network out of capacity
SETTINGS = (
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "REDIS_URL",
    "SIMULATOR_ANSWER_SECONDS",
    "SIMULATOR_RING_SECONDS",
    "SIMULATOR_TALK_SECONDS",
)

_live = threading.BoundedSemaphore(MAX_CALLS)


def start(config: Mapping, base_url: str, call_sid: str) -> bool:
    """Play the far end of call `call_sid` in a background thread, through the app at
    `base_url`; False when this process plays MAX_CALLS already."""
    if not _live.acquire(blocking=False):
        log.warning(
            "simulator: call %s failed: %d calls are ringing or going on already", call_sid, MAX_CALLS
        )
        return False
    settings = {name: config[name] for name in SETTINGS}
    thread = threading.Thread(
        target=_run, args=(settings, base_url, call_sid), name=f"simulator-callee-{call_sid}", daemon=True
    )
    try:
        thread.start()
    except RuntimeError:
        _live.release()
        return False
    return True


def _run(settings: dict, base_url: str, call_sid: str) -> None:
    redis = Redis.from_url(
        settings["REDIS_URL"], socket_timeout=web_phone.KEYPAD_SECONDS + 5, socket_connect_timeout=5
    )
    handset.open_call(redis, call_sid)

    def note(line: Line) -> None:
        handset.append(redis, call_sid, line)

    carrier = Carrier(
        base_url,
        account_sid=settings["TWILIO_ACCOUNT_SID"],
        auth_token=settings["TWILIO_AUTH_TOKEN"],
        listener=note,
    )
    try:
        FarEnd(carrier, redis, settings, call_sid).run()
    except SimulatorError as error:
        note(Line("note", str(error)))
        log.warning("simulator: call %s ended in error: %s", call_sid, type(error).__name__)
    except Exception as error:  # a thread's error would go unseen; the page must learn the call is over
        log.error("simulator: call %s failed: %s", call_sid, type(error).__name__)
    finally:
        handset.close_call(redis, call_sid)
        redis.close()
        _live.release()


class FarEnd:
    """One call's far end, from ringing to its end."""

    def __init__(self, carrier: Carrier, redis: Redis, settings: dict, call_sid: str) -> None:
        self.carrier = carrier
        self.redis = redis
        self.settings = settings
        self.call_sid = call_sid

    def run(self) -> None:
        reply = self.carrier.network(self.call_sid, "ringing")
        call, placed, far_end = reply["call"], reply["request"], reply["far_end"]
        params = {"From": call["from"], "To": call["to"], "Direction": "outbound-api"}
        events = frozenset(far_end["status_callback_event"].split())
        status_url = (placed["status_callback"], placed["status_callback_method"])
        player = Player(
            self.carrier, self.call_sid, params, self._script(far_end), *status_url, events=events
        )
        if call["status"] in FINAL_STATUSES:  # hung up through the REST API before it rang
            player.send_status(call["status"], 0)
            return
        player.send_event("initiated", "initiated")
        if far_end["outcome"] != outbound.FAILED:
            player.send_event("ringing", "ringing")
        status, placed = self._answered(far_end, placed)
        if status != "in-progress":
            player.note("ended", f"not answered ({status})")
            player.send_status(status, 0)
            return
        answered_by = self._record("answered_by")
        if answered_by:
            player.params["AnsweredBy"] = answered_by
        player.started = time.monotonic()  # its duration counts from the answer
        player.note("connected", "the hotline")
        player.send_event("answered", "in-progress")
        if placed["url"]:
            player.play(placed["url"], placed["method"] or "POST", first_status="in-progress")
        else:
            player.play_twiml(placed["twiml"] or "<Response/>")

    def _script(self, far_end: dict) -> Script:
        """How the far end behaves once answered: as a person at the page does, for the
        page's; else with no keys (waiting in a queue as long as the page's person would),
        the person the simulator plays hanging up after SIMULATOR_TALK_SECONDS."""
        script = web_phone.page_script(self.redis, self.call_sid)
        if far_end["answerer"] == "page":
            return script
        talk = self.settings["SIMULATOR_TALK_SECONDS"] if far_end["answerer"] == "simulator" else None
        return dataclasses.replace(script, digits=(), talk_seconds=talk)

    def _answered(self, far_end: dict, placed: dict) -> tuple[str, dict]:
        """The call's status once the far end has answered ("in-progress") or it ended
        unanswered, and what the app asked of it by then (a redirect may have changed it)."""
        if far_end["answerer"] == "simulator":
            return self._as_planned(far_end, placed)
        deadline = float(far_end["deadline"])
        while True:  # the device or the page answers, declines, or lets it ring out
            status = self._record("status")
            if status == "in-progress":
                return status, self.carrier.network(self.call_sid, "look")["request"]
            if status in FINAL_STATUSES or status is None:
                return status or "failed", placed
            if time.time() >= deadline:
                self._decline("no-answer")
            else:
                time.sleep(POLL_SECONDS)

    def _as_planned(self, far_end: dict, placed: dict) -> tuple[str, dict]:
        """As SIMULATOR_OUTBOUND says; a far end that would answer after the call's
        Timeout is no-answer then, as Twilio gives up on it."""
        outcome, settings = far_end["outcome"], self.settings
        if outcome == outbound.FAILED:
            delay = 0.0
        elif outcome in outbound.ANSWERED:
            delay = settings["SIMULATOR_ANSWER_SECONDS"]
        else:
            delay = settings["SIMULATOR_RING_SECONDS"]
        deadline = float(far_end["deadline"])
        due = min(time.time() + delay, deadline)
        while time.time() < due:  # the REST API may hang it up while it rings
            status = self._record("status")
            if status in FINAL_STATUSES or status is None:
                return status or "failed", placed
            time.sleep(POLL_SECONDS)
        if outcome in outbound.ANSWERED and due >= deadline:
            outcome = outbound.NO_ANSWER
        if outcome not in outbound.ANSWERED:
            return self._decline(outcome), placed
        try:
            reply = self.carrier.network(self.call_sid, "answer", answered_by=far_end["detects"])
        except Refused:
            return self._record("status") or "failed", placed
        return "in-progress", reply["request"]

    def _decline(self, status: str) -> str:
        """End the call unanswered, unless something else ended or answered it first; its status now."""
        with contextlib.suppress(Refused):
            self.carrier.network(self.call_sid, "decline", status=status)
        return self._record("status") or status

    def _record(self, field: str) -> str | None:
        """A plain field of the call's record, read straight from Redis (no number is plain)."""
        raw = self.redis.hget(state.key("call", self.call_sid), field)
        return raw.decode() if raw else None
