"""The OpenAPI 3 document of the JSON API, GET /api/v1/openapi.json.

Made at run time from the app's own routes and the marshmallow schemas the
views answer with (apispec's MarshmallowPlugin turns them into JSON Schema):
a view joins the document by the `documented` decorator, which names what it
answers. Nothing here is kept by hand beside the code.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from http import HTTPStatus

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask, current_app, jsonify
from marshmallow import Schema

from hotline.api import bp
from hotline.api.schemas import ErrorSchema

BEARER = "bearer"
RULE_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
# apispec writes a nullable nested schema, in OpenAPI 3.0, as "any object or
# null, or the schema": any object at all would match. Null alone is meant.
ANY_OBJECT_OR_NULL = {"type": "object", "nullable": True}
NULL_ONLY = {"type": "object", "nullable": True, "enum": [None]}


def documented(
    summary: str,
    answers: dict[int, type[Schema]],
    *,
    token: bool = True,
    body: type[Schema] | None = None,
    query: dict[str, dict] | None = None,
    also: dict[str, dict] | None = None,
) -> Callable:
    """Describe a view for the document: `answers` maps each status it may send
    to the schema of that answer (a write view lists 403 with ErrorSchema);
    `token` views also answer 401 and need the bearer token; `body` is the
    schema of the JSON the view reads (`hotline.api.bodies.load`), which also
    answers 400 when the body does not match it; `query` maps each optional
    query parameter the view reads to its OpenAPI description (`schema`,
    `description`, `style` …), and such a view answers 400 too; `also` maps
    each other media type its 2xx answer may come in to that answer's schema."""

    def mark(view: Callable) -> Callable:
        listed = dict(answers)
        if body is not None or query:
            listed.setdefault(400, ErrorSchema)
        view.openapi = {
            "summary": summary,
            "answers": listed,
            "token": token,
            "body": body,
            "query": query,
            "also": also or {},
        }
        return view

    return mark


def _operation(endpoint: str, description: dict, arguments: list[str]) -> dict:
    answers = description["answers"]
    if description["token"]:
        answers.setdefault(401, ErrorSchema)
    operation = {
        "operationId": endpoint.replace(".", "_"),
        "summary": description["summary"],
        "responses": {
            str(status): {
                "description": HTTPStatus(status).phrase,
                "content": {
                    "application/json": {"schema": schema},
                    **(description["also"] if status < 300 else {}),
                },
            }
            for status, schema in sorted(answers.items())
        },
    }
    if description["body"] is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": description["body"]}},
        }
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}} for name in arguments
    ]
    parameters += [
        {"name": name, "in": "query", "required": False, **parameter}
        for name, parameter in (description["query"] or {}).items()
    ]
    if parameters:
        operation["parameters"] = parameters
    operation["security"] = [{BEARER: []}] if description["token"] else []
    return operation


def _null_or_nested(converter, field, ret: dict, **kwargs) -> dict:
    """A nullable Nested field: null, or an object of its schema."""
    if "anyOf" not in ret:
        return {}
    return {"anyOf": [NULL_ONLY if branch == ANY_OBJECT_OR_NULL else branch for branch in ret["anyOf"]]}


def build(app: Flask) -> dict:
    marshmallow = MarshmallowPlugin()
    spec = APISpec(
        title="Hotline API",
        version="1",
        openapi_version="3.0.3",
        plugins=[marshmallow],
        info={"description": "The hotline's JSON API. Never returns a phone number."},
    )
    marshmallow.converter.add_attribute_function(_null_or_nested)
    spec.components.security_scheme(
        BEARER, {"type": "http", "scheme": "bearer", "description": "an API token: flask create-token"}
    )
    spec.components.schema("Error", schema=ErrorSchema)
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        description = getattr(app.view_functions[rule.endpoint], "openapi", None)
        if description is None:
            continue
        operations = {
            method.lower(): _operation(rule.endpoint, description, list(rule.arguments))
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
        }
        spec.path(path=RULE_ARGUMENT.sub(r"{\1}", rule.rule), operations=operations)
    return spec.to_dict()


@bp.get("/openapi.json")
def openapi_document():
    if "openapi" not in current_app.extensions:
        current_app.extensions["openapi"] = build(current_app)
    return jsonify(current_app.extensions["openapi"])
