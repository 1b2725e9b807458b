"""SIMULATOR_OUTBOUND: how the numbers the simulator calls answer, call after call.

    SIMULATOR_OUTBOUND="+77015551234=no-answer,busy,answer;+77015550000=machine"

The n-th call the simulator places to a number named here (a REST-created call,
or a <Dial><Number> leg) gets the n-th outcome, the last one repeating; any
other number answers. The count lives in Redis, under the keyed hash of the
number (the app's phone vault), so every process counts the same calls and no
key names a number. The setting is read strictly when the app starts: a value
that is not exactly this grammar is a RuntimeError that names the setting and
the entry, never the number in it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from flask import current_app

from hotline.core.phones import InvalidNumber, normalise
from telephony.simulator import state

SETTING = "SIMULATOR_OUTBOUND"
ANSWER, NO_ANSWER, BUSY, FAILED, MACHINE = "answer", "no-answer", "busy", "failed", "machine"
OUTCOMES = (ANSWER, NO_ANSWER, BUSY, FAILED, MACHINE)
ANSWERED = frozenset({ANSWER, MACHINE})
GRAMMAR = f"NUMBER=OUTCOME[,OUTCOME…][;NUMBER=…], OUTCOME one of {', '.join(OUTCOMES)}"

_OUTCOME = "(?:" + "|".join(re.escape(outcome) for outcome in OUTCOMES) + ")"
# A number in E.164 (a plus and up to 15 ASCII digits), then its outcomes: the whole entry.
_ENTRY = re.compile(rf"(?P<number>\+[0-9]{{1,15}})=(?P<outcomes>{_OUTCOME}(?:,{_OUTCOME})*)")

Plan = Mapping[str, tuple[str, ...]]


def parse(text: str) -> Plan:
    """The outcomes for each number (E.164), in order; empty for an empty setting."""
    if text == "":
        return MappingProxyType({})
    plan: dict[str, tuple[str, ...]] = {}
    for position, entry in enumerate(text.split(";"), start=1):
        match = _ENTRY.fullmatch(entry)
        if match is None:
            raise RuntimeError(f"{SETTING}: entry {position} is not {GRAMMAR}")
        number = match["number"]
        try:
            canonical = normalise(number, "ZZ")  # "ZZ": no default region, the number names its own
        except InvalidNumber:
            canonical = None
        if canonical != number:
            raise RuntimeError(f"{SETTING}: entry {position} does not name a possible number in E.164 form")
        if number in plan:
            raise RuntimeError(f"{SETTING}: entry {position} names a number an earlier entry names")
        plan[number] = tuple(match["outcomes"].split(","))
    return MappingProxyType(plan)


def plan() -> Plan:
    """The app's plan, read at start-up (see `telephony.simulator.init_app`)."""
    return current_app.extensions["simulator_outbound"]


def next_outcome(to: str) -> str:
    """How the next call the simulator places to `to` goes: the plan's next outcome for
    that number (each call counted), or answer for a number the plan does not name."""
    number = _e164(to)
    outcomes = plan().get(number or "")
    if number is None or not outcomes:
        return ANSWER
    counter = f"{state.PREFIX}outbound:{current_app.extensions['phone_vault'].digest(number)}"
    pipe = state._redis().pipeline()
    pipe.incr(counter)
    pipe.expire(counter, state.TTL_SECONDS)
    calls, _ = pipe.execute()
    return outcomes[min(calls, len(outcomes)) - 1]


def _e164(to: str) -> str | None:
    try:
        return normalise(to, current_app.config["PHONE_DEFAULT_REGION"])
    except InvalidNumber:
        return None


# MachineDetection (a REST-created call's, or a <Number>'s machineDetection), and
# the AnsweredBy Twilio gives a machine for each: at once, or once its greeting ends.
MACHINE_DETECTION = {"Enable": "machine_start", "DetectMessageEnd": "machine_end_beep"}


def answered_by(outcome: str, machine_detection: str | None) -> str:
    """The AnsweredBy of a call answered with `outcome`; "" when no detection was asked."""
    if machine_detection not in MACHINE_DETECTION:
        return ""
    return MACHINE_DETECTION[machine_detection] if outcome == MACHINE else "human"
