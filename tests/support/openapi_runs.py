"""schemathesis's cases aimed at a shift under way (tests/shift.py): who asks,
which real calls and offers the paths name, and a tally of what each operation
answered.

A path parameter is drawn either as schemathesis generates it or as the name
of one of the shift's targets ("@talking", "@open"), which the test turns into
the target's CallSid or offer id when it sends the case: the shift may have
been started afresh between drawing and sending. A wrap-up's body names real
codes (GET /api/v1/taxonomy): any other is refused with a 400 the document
cannot foresee, since the codes live in the database.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import unquote

from hypothesis import strategies as st
from schemathesis.core import NOT_SET
from schemathesis.hooks import HookContext, HookDispatcher, HookScope

from hotline.api.stats import LONGEST_RANGE_DAYS
from hotline.models import QueueName, utcnow
from tests.support import clock
from tests.support.shift import (
    CALLS,
    CASES,
    INTEGRATION,
    OFFERS,
    OPERATORS,
    STEPS,
    SUPERVISOR,
    Shift,
    restart_shift,
)

TARGET = "@"
TARGETS = {
    "call_sid": tuple(TARGET + name for name in CALLS),
    "offer_id": tuple(TARGET + name for name in OFFERS),
    "reference": tuple(TARGET + name for name in CASES),
    "step_id": tuple(TARGET + name for name in STEPS),
    "name": (*(queue.value for queue in QueueName), "crisis"),
}
WRAP_UP = ("POST", "/api/v1/calls/{call_sid}/wrap-up")
PRESENCE = ("PUT", "/api/v1/me/presence")
CASE_NOTE = ("POST", "/api/v1/cases/{reference}/notes")
CASE_STATUS = ("POST", "/api/v1/cases/{reference}/status")
CASE_REVEAL = ("POST", "/api/v1/cases/{reference}/reveal")
CASE_CALLBACK = ("POST", "/api/v1/cases/{reference}/callbacks")
PASSPORT = ("PUT", "/api/v1/cases/{reference}/passport")
PLAN = ("POST", "/api/v1/cases/{reference}/plan")
PLAN_STEP = ("PATCH", "/api/v1/plan-steps/{step_id}")
EMERGENCY_ACTION = ("POST", "/api/v1/cases/{reference}/emergency-actions")
CASE_RISK = ("POST", "/api/v1/cases/{reference}/risk")
CASE_BLOCK = ("POST", "/api/v1/cases/{reference}/block")
# Drawn with generated path parameters only: a callback's body holds what its
# schema cannot say (a number that is in use, an operator of the queue, a
# window's format, a due time within a year), refused with a 400 once the
# path names a real case. Its fitting case is carried out. Likewise an
# emergency action's moment (not in the future, within a year).
UNAIMED = frozenset({CASE_CALLBACK, EMERGENCY_ACTION})
# The stats' range is two days in order and at most LONGEST_RANGE_DAYS long: what
# the query's schema cannot say (each alone is a date), refused with a 400 otherwise.
STATS = ("GET", "/api/v1/stats")

# Whose tokens each run sends.
ASKERS = {"integration": (INTEGRATION,), "operator": OPERATORS, "supervisor": (SUPERVISOR,)}

# The writes each run must see carried out (2xx) at least once.
CARRIED_OUT = {
    "integration": frozenset(),
    "operator": frozenset(
        {
            ("POST", "/api/v1/offers/{offer_id}/accept"),
            ("POST", "/api/v1/offers/{offer_id}/decline"),
            ("POST", "/api/v1/calls/{call_sid}/accept"),
            ("POST", "/api/v1/calls/{call_sid}/hangup"),
            ("POST", "/api/v1/calls/{call_sid}/transfer"),
            WRAP_UP,
            PRESENCE,
            CASE_NOTE,
            CASE_STATUS,
            CASE_CALLBACK,
            PASSPORT,
            PLAN,
            PLAN_STEP,
            CASE_RISK,
            EMERGENCY_ACTION,
        }
    ),
    "supervisor": frozenset(
        {
            ("POST", "/api/v1/calls/{call_sid}/accept"),
            ("POST", "/api/v1/calls/{call_sid}/hangup"),
            ("POST", "/api/v1/calls/{call_sid}/transfer"),
            PRESENCE,
            CASE_NOTE,
            CASE_STATUS,
            CASE_REVEAL,
            CASE_CALLBACK,
            PASSPORT,
            PLAN,
            PLAN_STEP,
            CASE_RISK,
            EMERGENCY_ACTION,
            CASE_BLOCK,
        }
    ),
}


def key(operation) -> tuple[str, str]:
    return operation.method.upper(), operation.path


def fitting(run: str, outcome: str, category: str) -> dict[tuple[str, str], tuple[str, dict, object]]:
    """For each write `run` must see carried out, one case that should be:
    (who asks, path parameters, body), tried before the drawn ones."""
    due_at = clock.next_weekday_at(10).isoformat()
    step = {"goal": "find a room", "category": category, "due_date": "2026-12-31"}
    action = {"contacted": "relative", "at": utcnow().isoformat(), "result": "their sister is with them"}
    cases = {
        "operator": {
            ("POST", "/api/v1/offers/{offer_id}/accept"): ("asel", {"offer_id": "@open"}, {}),
            ("POST", "/api/v1/offers/{offer_id}/decline"): ("asel", {"offer_id": "@open"}, {}),
            ("POST", "/api/v1/calls/{call_sid}/accept"): ("asel", {"call_sid": "@waiting_medical"}, {}),
            ("POST", "/api/v1/calls/{call_sid}/hangup"): ("bolat", {"call_sid": "@talking"}, NOT_SET),
            ("POST", "/api/v1/calls/{call_sid}/transfer"): (
                "bolat",
                {"call_sid": "@talking"},
                {"queue": "medical"},
            ),
            WRAP_UP: ("dana", {"call_sid": "@wrap_up"}, {"outcome": outcome, "category": category}),
            PRESENCE: ("asel", {}, {"presence": "away"}),
            CASE_NOTE: ("bolat", {"reference": "@talking_case"}, {"body": "asked about documents"}),
            CASE_STATUS: ("dana", {"reference": "@wrap_up_case"}, {"status": "in_progress"}),
            CASE_CALLBACK: ("bolat", {"reference": "@talking_case"}, {"due_at": due_at}),
            PASSPORT: ("bolat", {"reference": "@talking_case"}, {"region": "astana"}),
            PLAN: ("bolat", {"reference": "@talking_case"}, step),
            PLAN_STEP: ("bolat", {"step_id": "@open_step"}, {"status": "done"}),
            CASE_RISK: ("bolat", {"reference": "@talking_case"}, {"level": "high"}),
            EMERGENCY_ACTION: ("bolat", {"reference": "@talking_case"}, action),
        },
        "supervisor": {
            ("POST", "/api/v1/calls/{call_sid}/accept"): (SUPERVISOR, {"call_sid": "@waiting_crisis"}, {}),
            ("POST", "/api/v1/calls/{call_sid}/hangup"): (SUPERVISOR, {"call_sid": "@talking"}, NOT_SET),
            ("POST", "/api/v1/calls/{call_sid}/transfer"): (
                SUPERVISOR,
                {"call_sid": "@talking"},
                {"queue": "general"},
            ),
            PRESENCE: (SUPERVISOR, {}, {"presence": "available"}),
            CASE_NOTE: (SUPERVISOR, {"reference": "@wrap_up_case"}, {"body": "followed up"}),
            CASE_STATUS: (SUPERVISOR, {"reference": "@talking_case"}, {"status": "in_progress"}),
            CASE_REVEAL: (SUPERVISOR, {"reference": "@talking_case"}, {}),
            CASE_CALLBACK: (SUPERVISOR, {"reference": "@talking_case"}, {"due_at": due_at}),
            PASSPORT: (SUPERVISOR, {"reference": "@wrap_up_case"}, {"documents_missing": ["passport"]}),
            PLAN: (SUPERVISOR, {"reference": "@wrap_up_case"}, step),
            PLAN_STEP: (SUPERVISOR, {"step_id": "@open_step"}, {"result": "the card is ready"}),
            CASE_RISK: (SUPERVISOR, {"reference": "@talking_case"}, {"level": "imminent"}),
            EMERGENCY_ACTION: (SUPERVISOR, {"reference": "@talking_case"}, action),
            CASE_BLOCK: (SUPERVISOR, {"reference": "@talking_case"}, {"hours": 1, "reason": "abusive calls"}),
        },
    }
    return cases.get(run, {})


def _a_range(first: object, last: object) -> dict:
    """The two days in order, at most the longest range apart (unchanged if not both dates)."""
    try:
        days = sorted(date.fromisoformat(str(day)) for day in (first, last))
    except ValueError:
        return {}
    if (days[1] - days[0]).days >= LONGEST_RANGE_DAYS:
        days[1] = days[0]
    return {"from": days[0].isoformat(), "to": days[1].isoformat()}


def aimed_at_the_shift(outcomes: list[str], categories: list[str]) -> HookDispatcher:
    """schemathesis hooks: path parameters drawn from the shift's targets or
    generated; a wrap-up's codes drawn from the real ones."""
    hooks = HookDispatcher(scope=HookScope.TEST)

    def flatmap_path_parameters(context: HookContext, generated: dict | None) -> st.SearchStrategy:
        names = list(generated or {})
        if not names or any(name not in TARGETS for name in names) or key(context.operation) in UNAIMED:
            return st.just(generated)
        aimed = st.fixed_dictionaries({name: st.sampled_from(TARGETS[name]) for name in names})
        return st.one_of(aimed, st.just(generated))

    def flatmap_body(context: HookContext, generated) -> st.SearchStrategy:
        if key(context.operation) not in (WRAP_UP, CASE_STATUS, CASE_NOTE, PLAN) or not isinstance(
            generated, dict
        ):
            return st.just(generated)
        if key(context.operation) == PLAN:
            # A step's category is a code of the taxonomy, its owner a user: both live in the database.
            real = st.sampled_from(categories).map(lambda code: {"category": code, "owner": None})
            return real.map(lambda codes: {**generated, **codes})
        if key(context.operation) == CASE_NOTE:
            # A note's id lives in the database: a drawn one names no note of the case.
            return st.just({name: value for name, value in generated.items() if name != "corrects"})
        real = st.fixed_dictionaries(
            {"outcome": st.sampled_from(outcomes), "category": st.sampled_from(categories)}
        )
        return real.map(lambda codes: {**generated, **codes})

    def flatmap_query(context: HookContext, generated) -> st.SearchStrategy:
        if key(context.operation) != STATS or not isinstance(generated, dict):
            return st.just(generated)
        return st.just({**generated, **_a_range(generated.get("from"), generated.get("to"))})

    hooks.register_hook_with_name(flatmap_path_parameters, "flatmap_path_parameters")
    hooks.register_hook_with_name(flatmap_query, "flatmap_query")
    hooks.register_hook_with_name(flatmap_body, "flatmap_body")
    return hooks


class ShiftUnderTest:
    """The shift the cases are sent to, started afresh when a case took what
    another case would need (a caller, an offer, a call, a wrap-up): up to
    RESTARTS times per operation, since a restart costs a second; after that
    the cases meet what was taken, and are refused."""

    RESTARTS = 3

    def __init__(self, app) -> None:
        self.app = app
        self.now: Shift = restart_shift(app)
        self.restarts: Counter = Counter()

    def restart(self) -> None:
        self.now = restart_shift(self.app)

    def after(self, operation, status: int) -> None:
        """Restart if the answer says the case took something, and restarts are left."""
        took = operation.method.upper() != "GET" and key(operation) != PRESENCE and status < 300
        if took and self.restarts[key(operation)] < self.RESTARTS:
            self.restarts[key(operation)] += 1
            self.restart()

    def aim(self, path_parameters: dict) -> dict:
        """The path parameters with each target's name replaced by its id in this shift."""
        return {name: self._resolved(value) for name, value in path_parameters.items()}

    def _resolved(self, value):
        # schemathesis has percent-encoded the drawn path parameters by now.
        if not isinstance(value, str) or not unquote(value).startswith(TARGET):
            return value
        name = unquote(value)[len(TARGET) :]
        if name in self.now.calls:
            return self.now.calls[name]
        if name in self.now.offers:
            return str(self.now.offers[name])
        if name in self.now.cases:
            return self.now.cases[name]
        if name in self.now.steps:
            return str(self.now.steps[name])
        return value


@dataclass
class Tally:
    """What each operation answered in a run: counts by 2xx, 4xx, …"""

    answers: dict[tuple[str, str], Counter] = field(default_factory=lambda: defaultdict(Counter))

    def add(self, operation, status: int) -> None:
        self.answers[key(operation)][f"{status // 100}xx"] += 1

    def never_carried_out(self, writes: frozenset[tuple[str, str]]) -> dict:
        return {write: dict(self.answers[write]) for write in writes if not self.answers[write]["2xx"]}

    def never_refused(self) -> dict:
        """The writes no case of the run was refused (4xx): their refusals went untried."""
        writes = [write for write in self.answers if write[0] != "GET"]
        return {write: dict(self.answers[write]) for write in writes if not self.answers[write]["4xx"]}

    def carried_out(self) -> set[tuple[str, str]]:
        return {write for write, counts in self.answers.items() if write[0] != "GET" and counts["2xx"]}
