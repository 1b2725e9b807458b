"""Full accompaniment: the person's social passport and their support route.

GET/PUT /api/v1/cases/<reference>/passport read and change the passport of the
case's person (each change a version); GET/POST …/plan read the person's route
and add a step; PATCH /api/v1/plan-steps/<id> moves a step on or writes its
result; GET /api/v1/me/plan-steps?due=week lists the user's open steps due by
the end of this week. Who may see a case may see and change these (the case's
access, audited there); a step's owner may also move it. The path is judged
(404, 403) before the body (400).
"""

from __future__ import annotations

import re
from datetime import date
from zoneinfo import ZoneInfo

from flask import abort, current_app, g, request

from hotline.api import bp
from hotline.api.access import session_or_token
from hotline.api.accompaniment_schemas import (
    PassportFieldsSchema,
    PassportSchema,
    PlanStepBodySchema,
    PlanStepPatchSchema,
    PlanStepSchema,
    PlanStepsSchema,
)
from hotline.api.bodies import load
from hotline.api.cases import REFUSALS, _actor
from hotline.api.offers import LARGEST_ID
from hotline.api.openapi import documented
from hotline.api.schemas import ErrorSchema
from hotline.callbacks import follow_ups
from hotline.cases import access, passport, plan, route
from hotline.models import utcnow
from hotline.models.states import PlanStepStatus
from hotline.operators import taxonomy

# The passport's version as its entity tag: GET answers it, PUT may send it back in If-Match.
VERSION_TAG = re.compile(r'"([0-9]{1,9})"')
DUE_QUERY = {"due": {"description": "`week`: due by Sunday (the overdue too)", "schema": {"enum": ["week"]}}}


def _today(now) -> date:
    return now.astimezone(ZoneInfo(current_app.config["HOTLINE_TIMEZONE"])).date()


def _categories() -> frozenset[str]:
    return taxonomy.active_codes(taxonomy.Kind.CATEGORY)


def _tagged(shown: dict):
    answer = PassportSchema().dump(shown)
    return answer, 200, {"ETag": f'"{shown["version"]}"'}


def _expected_version() -> int | None:
    """The version an If-Match names (None: no If-Match); a 400 for any other value."""
    tag = request.headers.get("If-Match")
    if tag is None:
        return None
    matched = VERSION_TAG.fullmatch(tag.strip())
    if matched is None:
        abort(400, description='invalid header: If-Match (the ETag of the passport read, "<version>")')
    return int(matched.group(1))


@bp.get("/cases/<reference>/passport")
@documented(
    "The social passport of the case's person, with its versions",
    {200: PassportSchema, **REFUSALS, 409: ErrorSchema},
)
@session_or_token
def case_passport(reference: str):
    case = access.look(reference, g.api_user, _actor(), utcnow(), step="passport")
    return _tagged(passport.shown(case))


@bp.put("/cases/<reference>/passport")
@documented(
    "Change the social passport of the case's person: the fields sent (null clears one), as a new "
    "version; with If-Match (the ETag read), only if no one changed it since (else 409)",
    {200: PassportSchema, **REFUSALS, 409: ErrorSchema},
    body=PassportFieldsSchema,
)
@session_or_token(write=True)
def case_passport_change(reference: str):
    now = utcnow()
    case = access.look(reference, g.api_user, _actor(), now, step="passport", action=None)
    expected = _expected_version()
    body = load(PassportFieldsSchema)
    passport.save(case, body, g.api_user, now, _today(now), expected, then=follow_ups.passport_saved)
    return _tagged(passport.shown(case))


@bp.get("/cases/<reference>/plan")
@documented("The support route of the case's person, by due date", {200: PlanStepsSchema, **REFUSALS})
@session_or_token
def case_plan(reference: str):
    now = utcnow()
    case = access.look(reference, g.api_user, _actor(), now, step="plan")
    return PlanStepsSchema().dump({"items": route.of_person(case, _today(now))})


@bp.post("/cases/<reference>/plan")
@documented(
    "Add a step to the support route of the case's person",
    {201: PlanStepSchema, **REFUSALS},
    body=PlanStepBodySchema,
)
@session_or_token(write=True)
def case_plan_step(reference: str):
    now = utcnow()
    case = access.look(reference, g.api_user, _actor(), now, step="plan", action=None)
    body = load(PlanStepBodySchema)
    step = plan.add(case, g.api_user, now, _today(now), _categories, **body)
    return PlanStepSchema().dump(step), 201


@bp.patch("/plan-steps/<int:step_id>")
@documented(
    "Move a plan step on (open → done | dropped) or write its result",
    {200: PlanStepSchema, **REFUSALS, 409: ErrorSchema},
    body=PlanStepPatchSchema,
)
@session_or_token(write=True)
def plan_step(step_id: int):
    now = utcnow()
    if step_id > LARGEST_ID:
        raise plan.UnknownPlanStep(step_id)
    reference, owner_id = plan.case_of(step_id)

    def may_move(user, case) -> bool:
        return access.may_see(user, case) or (user is not None and user.id == owner_id)

    access.look(reference, g.api_user, _actor(), now, step="plan_step", rule=may_move, action=None)
    body = load(PlanStepPatchSchema)
    status = PlanStepStatus(body["status"]) if body["status"] is not None else None
    step = plan.move(step_id, g.api_user, now, _today(now), status=status, result=body["result"])
    return PlanStepSchema().dump(step)


@bp.get("/me/plan-steps")
@documented(
    "Your open plan steps due by the end of this week (the overdue too)",
    {200: PlanStepsSchema, 403: ErrorSchema},
    query=DUE_QUERY,
)
@session_or_token
def my_plan_steps():
    if request.args.get("due", "week") != "week":
        abort(400, description="invalid query parameter: due")
    if g.api_user is None:
        abort(403, description="this token belongs to no user")
    today = _today(utcnow())
    return PlanStepsSchema().dump({"items": route.due_by(g.api_user.id, route.week_end(today), today)})
