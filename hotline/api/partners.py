"""The directory of partners: GET /api/v1/partners?field=&region=&language=
(operators and up: the contacts are the staff's), POST /api/v1/partners
(admins). The codes are those of the admin's page and its filters
(hotline.models.partners.FACET_CODES)."""

from __future__ import annotations

from typing import NoReturn

from flask import abort, g, request
from marshmallow import Schema, fields, validate

from hotline.api import bp
from hotline.api.access import session_or_token
from hotline.api.bodies import load
from hotline.api.cases import NO_NUL, SOME_TEXT
from hotline.api.offers import LARGEST_ID
from hotline.api.openapi import documented
from hotline.api.partner_schemas import FIELDS, KINDS, LANGUAGES, REGIONS, PartnerSchema, PartnersSchema
from hotline.api.schemas import ErrorSchema
from hotline.core.parsing import whole_number
from hotline.models import Role, User, utcnow
from hotline.models.partners import FACET_CODES, Facet
from hotline.partners import directory

READERS = frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN})
FILTERS = {"field": Facet.FIELD, "region": Facet.REGION, "language": Facet.LANGUAGE}
QUERY = {
    **{
        name: {
            "description": f"only partners with this {name}",
            "schema": {"type": "string", "enum": list(FACET_CODES[facet])},
        }
        for name, facet in FILTERS.items()
    },
    "after": {
        "description": "the `next` of the page before",
        "schema": {"type": "integer", "minimum": 0, "maximum": LARGEST_ID},
    },
}


class PartnerBodySchema(Schema):
    """A partner for the directory."""

    name = fields.String(
        required=True, validate=[validate.Length(min=1, max=directory.NAME_MAX_CHARS), SOME_TEXT]
    )
    kind = fields.String(required=True, validate=KINDS)
    fields_ = fields.List(
        fields.String(validate=FIELDS),
        required=True,
        validate=validate.Length(min=1),
        data_key="fields",
        attribute="fields",
    )
    regions = fields.List(fields.String(validate=REGIONS), load_default=list)
    languages = fields.List(fields.String(validate=LANGUAGES), load_default=list)
    contacts = fields.String(
        load_default="",
        validate=[validate.Length(max=directory.CONTACTS_MAX_CHARS), NO_NUL],
        metadata={"description": "how to reach them: for the staff only, never logged"},
    )
    active = fields.Boolean(load_default=True)


def _reader() -> User:
    if g.api_user is None or g.api_user.role not in READERS:
        abort(403, description="the directory is for the hotline's staff")
    return g.api_user


def _bad(name: str) -> NoReturn:
    abort(400, description=f"invalid query parameter: {name}")


def _filters() -> dict:
    wanted: dict[str, object] = {}
    for name, facet in FILTERS.items():
        code = request.args.get(name) or None
        if code is not None and code not in FACET_CODES[facet]:
            _bad(name)
        wanted[name] = code
    if text := request.args.get("after"):
        after = whole_number(text, max_digits=10)
        if after is None or after > LARGEST_ID:
            _bad("after")
        wanted["after"] = after
    return wanted


@bp.get("/partners")
@documented(
    "The directory of partners, searched by field, region and language (active ones, by id)",
    {200: PartnersSchema, 403: ErrorSchema},
    query=QUERY,
)
@session_or_token
def partner_list():
    _reader()
    wanted = _filters()
    found = directory.search(**wanted, limit=directory.PAGE_SIZE + 1)
    items = [directory.shown(partner) for partner in found[: directory.PAGE_SIZE]]
    more = len(found) > directory.PAGE_SIZE
    return PartnersSchema().dump({"items": items, "next": items[-1]["id"] if more else None})


@bp.post("/partners")
@documented(
    "Add a partner to the directory (admins)", {201: PartnerSchema, 403: ErrorSchema}, body=PartnerBodySchema
)
@session_or_token(write=True)
def partner_add():
    if g.api_user.role != Role.ADMIN:
        abort(403, description="only admins edit the directory")
    body = load(PartnerBodySchema)
    entry = directory.Entry(
        name=body["name"],
        kind=body["kind"],
        fields=tuple(body["fields"]),
        regions=tuple(body["regions"]),
        languages=tuple(body["languages"]),
        contacts=body["contacts"],
        active=body["active"],
    )
    partner = directory.add(entry, g.api_user.username, utcnow())
    return PartnerSchema().dump(directory.shown(partner)), 201
