"""Readable requests: text that is UTF-8 and holds no lone surrogate, JSON
nested no deeper than MAX_JSON_DEPTH. Anything else is a 400 with a plain
message before any view runs, so no view, form or service ever holds text
that cannot be stored (a lone surrogate, U+D800 to U+DFFF, is no character:
UTF-8 cannot encode it, and the database refuses it at commit) or a structure
that recursion chokes on, and nothing is half written.

JSON makes such text from an escape ("\\ud800") or from raw surrogate bytes
(its decoder lets them pass): every JSON body is read here, once, through the
app's JSON provider (the one `request.get_json` uses, its result cached for
the view), whether the view reads it or not. A form, query or path makes none
(Werkzeug keeps bytes that are no UTF-8 percent-quoted, or drops the form),
but then the text a view gets is not what was sent: those are refused too.
Multipart parts are decoded with replacement characters, so they make none.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote_to_bytes

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest

from hotline.web.limits import FORM

MAX_JSON_DEPTH = 32
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class UnreadableText(BadRequest):
    """A body, form, query or path holding text that is no UTF-8, or a lone surrogate."""

    description = (
        "the request holds text that is not UTF-8, or a lone surrogate (U+D800 to U+DFFF), "
        "which is no character"
    )


class TooDeep(BadRequest):
    description = f"the JSON body is nested more than {MAX_JSON_DEPTH} deep"


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing what `UnreadableText` and `TooDeep` describe.

    Their errors are HTTP errors, not ValueErrors, so that `get_json(silent=True)`
    does not swallow them as it does a syntax error."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            data = super().loads(s, **kwargs)
        except RecursionError:  # the C decoder recurses once per level
            raise TooDeep() from None
        refuse_unreadable(data)
        return data


def refuse_unreadable(data: Any) -> None:
    """Raise UnreadableText or TooDeep if `data` (parsed JSON) holds a lone
    surrogate, in a key or a value, or is nested deeper than MAX_JSON_DEPTH.
    Walked without recursion, so any depth the decoder allows is safe here."""
    pending: list[tuple[Any, int]] = [(data, 0)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            if LONE_SURROGATE.search(value):
                raise UnreadableText()
        elif isinstance(value, dict | list):
            if depth >= MAX_JSON_DEPTH:
                raise TooDeep()
            items = [*value, *value.values()] if isinstance(value, dict) else value
            pending.extend((item, depth + 1) for item in items)


def init_app(app: Flask) -> None:
    app.json = BoundedJSONProvider(app)
    app.before_request(_read_the_request)


def _read_the_request() -> None:
    path = request.environ.get("PATH_INFO", "").encode("latin-1", "replace")  # decoded by the server
    sent = [path, unquote_to_bytes(request.query_string)]
    if request.mimetype == FORM:
        sent.append(unquote_to_bytes(request.get_data(cache=True)))
    if not all(_utf8(text) for text in sent):
        raise UnreadableText()
    if request.is_json:
        request.get_json(silent=True)  # a syntax error is left to the view: None, as before


def _utf8(sent: bytes) -> bool:
    try:
        sent.decode("utf-8")
    except UnicodeDecodeError:  # surrogates' bytes too: strict UTF-8 refuses them
        return False
    return True
