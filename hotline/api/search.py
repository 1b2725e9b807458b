"""Finding cases: GET /api/v1/cases, newest first, a page at a time.

People only (an integration's token gets 403: a case is a person's matter).
An operator gets the cases they may see (`cases.access.visible`, the rule of
`may_see`), another queue's case simply absent; supervisors and admins all. A
number in any usual form is looked up by its keyed hash; a search by number
is audited (who, how many found; never the number). The number is a query
parameter here, as the contract has it: the /cases page sends it in a POST
body instead, so no URL a browser keeps holds it. Every answer is no-store.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import abort, current_app, g, request

from hotline.api import bp
from hotline.api.access import session_or_token
from hotline.api.cases import TIMELINE_QUERY
from hotline.api.openapi import documented
from hotline.api.schemas import ErrorSchema, FoundCasesSchema
from hotline.cases import search, search_query
from hotline.core.phones import TYPED_MAX_CHARS
from hotline.models import User, utcnow


def codes(known: frozenset[str]) -> dict:
    """A parameter of one or more of `known`, separated by commas."""
    schema = {"type": "array", "items": {"type": "string", "enum": sorted(known)}, "maxItems": len(known)}
    return {"schema": schema, "style": "form", "explode": False}


# Kazakhstan's usual forms: +7 and ten digits, or 8 7 and nine, with spaces, dashes, brackets.
NUMBER_PATTERN = r"^(\+7[ -]?\(?[0-9]{3}|8[ -]?\(?7[0-9]{2})\)?[ -]?[0-9]{3}[ -]?[0-9]{2}[ -]?[0-9]{2}$"
# A name (a reference, a username, a code): one no record could hold finds nothing.
NAME = {"type": "string", "description": "a name no record could hold finds nothing"}
SEARCH_QUERY = {
    "reference": {
        "description": "a case's reference, HL-<year>-<number>",
        "schema": NAME,
    },
    "number": {
        "description": "the caller's number in any usual form (+7 701 …, 8 701…, with spaces, dashes or "
        "brackets), looked up by its keyed hash; the pattern says Kazakhstan's, and any number in E.164 "
        "is read too; text that is no phone number is a 400",
        "schema": {"type": "string", "maxLength": TYPED_MAX_CHARS, "pattern": NUMBER_PATTERN},
    },
    "status": {
        "description": "one or more statuses, separated by commas",
        **codes(search_query.STATUSES),
    },
    "queue": {
        "description": "the case's queue",
        "schema": {"type": "string", "enum": sorted(search_query.QUEUES)},
    },
    "operator": {"description": "the assigned operator's username", "schema": NAME},
    "category": {"description": "the category code the case was resolved with", "schema": NAME},
    "risk": {
        "description": "one or more risk levels, separated by commas",
        **codes(search_query.RISK_LEVELS),
    },
    "opened_from": {
        "description": "the first local day opened on",
        "schema": {"type": "string", "format": "date"},
    },
    "opened_to": {
        "description": "the last local day opened on",
        "schema": {"type": "string", "format": "date"},
    },
    "accompanied": {
        "description": "in full accompaniment (an active support route) or not; no route exists yet, "
        "so `true` finds no case and `false` every case",
        "schema": {"type": "string", "enum": ["true", "false"]},
    },
    "after": TIMELINE_QUERY["after"],
}


def person() -> User:
    if g.api_user is None:
        abort(403, description="this token belongs to no user")
    return g.api_user


def filters(values) -> search.Filters:
    """The search `values` ask for (a query string, a form): BadQuery (400) naming a bad one."""
    return search_query.read(
        values, current_app.extensions["phone_vault"], ZoneInfo(current_app.config["HOTLINE_TIMEZONE"])
    )


@bp.get("/cases")
@documented(
    "The cases you may see that match, newest first, 50 a page",
    {200: FoundCasesSchema, 403: ErrorSchema},
    query=SEARCH_QUERY,
)
@session_or_token
def case_search():
    user = person()
    found = search.find(
        filters(request.args), user, user.username, utcnow(), current_app.extensions["phone_vault"]
    )
    return FoundCasesSchema().dump(found)
