"""A shift under way, for tests that want a database with everything in it:
operators at work, callers waiting in four queues, an open offer, a call being
put through, a call being talked on, a call in wrap-up, a wrap-up saved, their
cases.

Built as it happens, never by writing rows: signed webhooks for the callers
(the simulated network knows each call, so the in-process telephony adapter
can redirect and hang them up), the API's own routes for the operators'
presence and their accepts. The app must have `tests.desk.in_process_telephony`
as its telephony.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from unittest import mock

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from hotline.accounts import auth, users
from hotline.extensions import db
from hotline.models import Call, Case, Role
from tests.support import desk
from tests.support.calls import TwilioWebhooks
from tests.support.database import empty

LEG_SID = "CA" + "f" * 32

# Who is at work: (username, role, queues, languages).
STAFF = (
    ("asel", Role.OPERATOR, ["legal", "medical"], ["ru", "kk"]),
    ("bolat", Role.OPERATOR, ["legal"], ["ru"]),
    ("dana", Role.OPERATOR, ["medical"], ["ru"]),
    ("erlan", Role.OPERATOR, ["legal", "psychologist", "general"], ["kk", "ru"]),
    ("saule", Role.SUPERVISOR, [], []),
)
OPERATORS = ("asel", "bolat", "dana", "erlan")
# The shift's calls, by what they are: `Shift.calls`'s names ("offered" is one of the waiting).
CALLS = (
    "wrapped_up",
    "wrap_up",
    "talking",
    "connecting",
    "offered",
    "waiting_legal",
    "waiting_medical",
    "waiting_crisis",
    "waiting_general",
    "waiting_psychologist",
)
OFFERS = ("open", "accepted")
# The shift's cases: `Shift.cases`'s names, and the call whose case each is.
CASES = {"talking_case": "talking", "wrap_up_case": "wrap_up"}
# The shift's plan steps: `Shift.steps`'s names (an open step of the talking case's person, bolat's).
STEPS = ("open_step",)
SUPERVISOR = "saule"
INTEGRATION = "wallboard"

# The menu's digits: language (1 kk, 2 ru), need (1 psychologist, 2 medical, 3 legal, 4 general, 9 crisis).
KK, RU = "1", "2"
PSYCHOLOGIST, MEDICAL, LEGAL, GENERAL, CRISIS = "1", "2", "3", "4", "9"


@dataclass(frozen=True)
class Shift:
    """What the shift holds, by what it is: `calls` and `offers` map a name
    (talking, wrap_up, offered, waiting_legal, …; open, accepted) to a CallSid
    or an offer's id, `cases` a case's name (talking_case, wrap_up_case:
    the case of that call) to its reference, `steps` a plan step's name to its id;
    `tokens` each user's API token, and the integration's."""

    tokens: dict[str, str]
    calls: dict[str, str]
    offers: dict[str, int]
    cases: dict[str, str]
    steps: dict[str, int]


class _Desk:
    """The shift's traffic: through one test client, as the network and the consoles send it."""

    def __init__(self, app) -> None:
        self.client = app.test_client()
        self.line = TwilioWebhooks(self.client)
        self.carrier = desk.network(app)
        self.tokens: dict[str, str] = {}

    def api(self, method: str, path: str, username: str, body: dict | None = None) -> dict:
        headers = {"Authorization": f"Bearer {self.tokens[username]}"}
        answer = self.client.open(f"/api/v1{path}", method=method, json=body, headers=headers)
        assert answer.status_code < 300, (method, path, answer.status_code, answer.get_data(as_text=True))
        return answer.json

    def available(self, username: str) -> None:
        self.api("PUT", "/me/presence", username, {"presence": "available"})

    def caller(self, need: str, language: str = RU, number: str | None = None) -> str:
        return desk.queued(self.line, self.carrier, language=language, need=need, number=number)

    def webhook(self, path: str, call_sid: str, **fields) -> None:
        answer = self.line.post(path, {"CallSid": call_sid, **fields})
        assert answer.status_code < 300, (path, answer.status_code, answer.get_data(as_text=True))

    def accepts(self, username: str, call_sid: str) -> tuple[int, int]:
        """`username` accepts the caller offered to them and the network dials
        them: the offer's and the assignment's id."""
        offer = self.api("GET", "/me/offer", username)["offer"]
        assert offer is not None and offer["call_sid"] == call_sid, offer
        assignment_id = self.api("POST", f"/offers/{offer['offer_id']}/accept", username)["assignment_id"]
        self.webhook("/telephony/voice/queue-result", call_sid, QueueResult="redirected", QueueTime="12")
        self.webhook(f"/telephony/voice/connect/{assignment_id}", call_sid)
        return offer["offer_id"], assignment_id

    def talks(self, username: str, call_sid: str) -> tuple[int, int]:
        """`username` accepts the caller offered to them, and answers."""
        offer_id, assignment_id = self.accepts(username, call_sid)
        self.webhook(
            f"/telephony/voice/operator-leg/{assignment_id}",
            LEG_SID,
            ParentCallSid=call_sid,
            CallStatus="in-progress",
        )
        return offer_id, assignment_id

    def ends(self, call_sid: str, assignment_id: int) -> None:
        """The caller hangs up: the conversation ends, the operator is in wrap-up."""
        self.webhook(
            f"/telephony/voice/dial-result/{assignment_id}",
            call_sid,
            DialCallStatus="completed",
            DialCallSid=LEG_SID,
            DialCallDuration="40",
        )
        self.webhook(
            "/telephony/voice/status", call_sid, CallStatus="completed", SequenceNumber="9", CallDuration="55"
        )


# The shift's users work with API tokens, never log in: a cheap hash keeps a (re)start quick.
CHEAP_HASH = partial(generate_password_hash, method="pbkdf2:sha256:1")


def restart_shift(app) -> Shift:
    """Empty the app's database and Redis, and start the shift afresh."""
    with app.app_context():
        db.session.remove()
    empty(app.config["SQLALCHEMY_DATABASE_URI"], app.config["REDIS_URL"])
    return start_shift(app)


def start_shift(app) -> Shift:
    """Build the shift in the app's (empty) database, through the app."""
    shift = _Desk(app)
    with app.app_context(), mock.patch.object(users, "generate_password_hash", CHEAP_HASH):
        for username, role, queues, languages in STAFF:
            users.create_user(username, role, desk.PASSWORD, queues=queues, languages=languages)
            shift.tokens[username] = auth.create_token(f"{username}'s console", username)
        shift.tokens[INTEGRATION] = auth.create_token(INTEGRATION)
    calls: dict[str, str] = {}
    offers: dict[str, int] = {}

    # dana talked with a medical caller who rang before, wrapped up; they rang again and she is in wrap-up.
    shift.available("dana")
    calls["wrapped_up"] = shift.caller(MEDICAL, number="+77015550101")
    _, earlier = shift.talks("dana", calls["wrapped_up"])
    shift.ends(calls["wrapped_up"], earlier)
    codes = shift.api("GET", "/taxonomy", "dana")
    wrapped = {
        "outcome": codes["outcomes"][0]["code"],
        "category": codes["categories"][0]["code"],
        "note": "wants a call back on Monday",
    }
    shift.api("POST", f"/calls/{calls['wrapped_up']}/wrap-up", "dana", wrapped)
    calls["wrap_up"] = shift.caller(MEDICAL, number="+77015550101")
    shift.ends(calls["wrap_up"], shift.talks("dana", calls["wrap_up"])[1])

    # bolat is talking with a legal caller.
    shift.available("bolat")
    calls["talking"] = shift.caller(LEGAL, number="+77015550202")
    offers["accepted"], _ = shift.talks("bolat", calls["talking"])

    # erlan's softphone rings with a psychologist's caller.
    shift.available("erlan")
    calls["connecting"] = shift.caller(PSYCHOLOGIST, language=KK, number="+77015550808")
    shift.accepts("erlan", calls["connecting"])

    # Callers wait in every queue; nobody is free for them yet.
    calls["waiting_legal"] = shift.caller(LEGAL, number="+77015550303")
    calls["waiting_medical"] = shift.caller(MEDICAL, language=KK, number="+77015550404")
    calls["waiting_crisis"] = shift.caller(CRISIS, number="+77015550505")
    calls["waiting_general"] = shift.caller(GENERAL, language=KK, number="+77015550606")
    calls["waiting_psychologist"] = shift.caller(PSYCHOLOGIST, number="+77015550707")

    # asel comes to work and is offered the caller who waited longest in her queues.
    shift.available("asel")
    offer = shift.api("GET", "/me/offer", "asel")["offer"]
    calls["offered"], offers["open"] = offer["call_sid"], offer["offer_id"]
    assert set(calls) == set(CALLS) and set(offers) == set(OFFERS)
    with app.app_context():
        cases = {
            name: db.session.scalar(select(Case.reference).join(Call).where(Call.call_sid == calls[call]))
            for name, call in CASES.items()
        }
    step = {"goal": "restore the identity card", "category": wrapped["category"], "due_date": "2026-12-31"}
    steps = {"open_step": shift.api("POST", f"/cases/{cases['talking_case']}/plan", "bolat", step)["id"]}
    return Shift(shift.tokens, calls, offers, cases, steps)
