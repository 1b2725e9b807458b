"""A hotline in a known state for the wallboard's figures, built through the
webhooks and services at moments of a local day the test chooses (the clock
fixture's `local`), and the staff who read them."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import time_machine
from sqlalchemy import update

from hotline.accounts import auth
from hotline.extensions import db
from hotline.models import Role, User
from hotline.models.states import Presence
from tests.support.callbacks import queued_callback
from tests.support.calls import ScriptedCall
from tests.support.clock import local
from tests.support.pages import PASSWORD
from tests.support.risk import acknowledge, set_risk
from tests.support.stats import left

# Who works where, and in which state the built hotline leaves them.
STAFF = {
    "aigerim": (["legal"], Presence.AVAILABLE),
    "dana": (["legal", "medical"], Presence.BUSY),
    "erlan": (["legal"], Presence.WRAP_UP),
    "farida": (["medical"], Presence.AWAY),
}


def staff() -> dict[str, str]:
    """The operators of STAFF (all away for now), boris the supervisor, and
    tokens: each user's, and the wallboard's own (no user, read-only)."""
    for name, (queues, _presence) in STAFF.items():
        auth.create_user(name, Role.OPERATOR, PASSWORD, queues=queues, languages=["ru"])
    auth.create_user("boris", Role.SUPERVISOR, PASSWORD)
    tokens = {name: auth.create_token(name, name) for name in (*STAFF, "boris")}
    tokens["wallboard"] = auth.create_token("wallboard")
    return tokens


def waiting_since(twilio, at: datetime, need: str, number: str) -> ScriptedCall:
    call = ScriptedCall(twilio, from_number=number)
    with time_machine.travel(at, tick=False):
        call.to_queue(need=need)
    return call


def built(client, twilio, tokens: dict[str, str], day: date) -> dict[str, ScriptedCall]:
    """The day's state at noon (local): see test_stats_live for the figures it makes."""
    # Today's calls in legal: one abandoned after 40 s, one bridged by the network after 10 s.
    left(twilio, local(day, 10), 40, "hangup")
    left(twilio, local(day, 10, 5), 10, "bridged")
    # Yesterday's abandon counts on no figure of today.
    left(twilio, local(day - timedelta(days=1), 23, 59, 50), 40, "hangup")
    calls = {
        "legal_60": waiting_since(twilio, local(day, 11, 59, 0), "3", "+77015557001"),
        "legal_20": waiting_since(twilio, local(day, 11, 59, 40), "3", "+77015557002"),
        "medical_10": waiting_since(twilio, local(day, 11, 59, 50), "2", "+77015557003"),
    }
    # Callbacks of legal queued (due) at 11:45 (15 minutes late at noon), 11:49:59
    # (10 min 1 s: overdue) and 11:50:00 (10 minutes exactly: not yet).
    for second, number in (
        (local(day, 11, 45), "+77015558001"),
        (local(day, 11, 49, 59), "+77015558002"),
        (local(day, 11, 50), "+77015558003"),
    ):
        with time_machine.travel(second, tick=False):
            queued_callback(number)
    with time_machine.travel(local(day, 11, 30), tick=False):
        for key, token in (("legal_60", "boris"), ("medical_10", "boris")):
            reference = calls[key].record().case.reference
            assert set_risk(client, tokens[token], reference, "imminent").status_code == 200
        medical = calls["medical_10"].record().case.reference
        assert acknowledge(client, tokens["boris"], medical).status_code == 200
    for name, (_queues, presence) in STAFF.items():
        db.session.execute(update(User).where(User.username == name).values(presence=presence))
    db.session.commit()
    return calls
