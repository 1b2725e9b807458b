"""The simulator's stand-in for Twilio's REST API (2010-04-01): the part the app calls.

`telephony.client.Telephony` reaches /simulator/2010-04-01/… through the real
twilio-python client: calls (create, fetch, update), queues and their members,
messages, and a recording's audio. It answers what Twilio answers: the same JSON
shapes, HTTP Basic auth with the account SID and auth token, Twilio-style errors
(code, message, status, more_info).

Here: the blueprint, its auth and errors, and what every resource shares; each
resource is a module beside this one.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, request

from telephony.forms import whole_number
from telephony.simulator import state
from telephony.simulator.ids import API_VERSION

bp = Blueprint("simulator", __name__, url_prefix="/simulator")

ACCOUNT = f"/{API_VERSION}/Accounts/<account_sid>"


def twilio_error(status: int, code: int, message: str) -> Response:
    response = jsonify(
        code=code, message=message, more_info=f"https://www.twilio.com/docs/errors/{code}", status=status
    )
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
    return response


def not_found() -> Response:
    return twilio_error(404, 20404, f"The requested resource {request.path} was not found")


@bp.before_request
def authenticate():
    """HTTP Basic with the account SID and auth token, as Twilio asks; the account
    in the path must be that account. Recording media is public, as on Twilio."""
    if request.endpoint == "simulator.recording_media":
        return None
    config = current_app.config
    auth = request.authorization
    if (
        auth is None
        or auth.type != "basic"
        or not hmac.compare_digest((auth.username or "").encode(), config["TWILIO_ACCOUNT_SID"].encode())
        or not hmac.compare_digest((auth.password or "").encode(), config["TWILIO_AUTH_TOKEN"].encode())
    ):
        return twilio_error(401, 20003, "Authenticate")
    if (request.view_args or {}).get("account_sid", config["TWILIO_ACCOUNT_SID"]) != auth.username:
        return not_found()
    return None


@bp.route("/<path:_anything>", methods=["GET", "POST", "DELETE"])
def _anything_else(_anything: str):
    return not_found()


# --- what every resource shares -------------------------------------------------


def account_uri() -> str:
    return f"/{API_VERSION}/Accounts/{current_app.config['TWILIO_ACCOUNT_SID']}"


def fetch_json(kind: str, sid: str, to_json: Callable[[dict[str, str]], dict]) -> Response:
    """A record as its resource's JSON; Twilio's 404 when there is none."""
    record = state.load(kind, sid)
    return not_found() if record is None else jsonify(to_json(record))


def resource_json(collection: str, sid: str, subresources: tuple[str, ...]) -> dict:
    """What a call and a message have in common: SID, account, API version, price (none yet), URIs."""
    uri = f"{account_uri()}/{collection}/{sid}"
    return {
        "sid": sid,
        "account_sid": current_app.config["TWILIO_ACCOUNT_SID"],
        "api_version": API_VERSION,
        "price": None,
        "price_unit": "USD",
        "uri": uri + ".json",
        "subresource_uris": {name.lower(): f"{uri}/{name}.json" for name in subresources},
    }


def date(epoch: str | None) -> str | None:
    """Twilio writes dates in RFC 2822, in UTC."""
    return format_datetime(datetime.fromtimestamp(float(epoch), UTC)) if epoch else None


def absolute_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


MAX_PAGE_SIZE = 1000  # Twilio's


def page(key: str, records: list[dict]) -> Response:
    """A list resource's page (Page, from 0; PageSize, default 50), with the paging
    fields Twilio sends: its next_page_uri keeps the query's filters."""
    number = whole_number(request.args.get("Page", "0"))
    size = whole_number(request.args.get("PageSize", "50"))
    if number is None or size is None or not 1 <= size <= MAX_PAGE_SIZE:
        return twilio_error(400, 20001, f"Page must be a whole number and PageSize 1 to {MAX_PAGE_SIZE}")
    first = number * size
    shown = records[first : first + size]

    def uri(at: int) -> str:
        query = {**request.args.to_dict(), "Page": str(at), "PageSize": str(size)}
        query.pop("PageToken", None)
        if at:
            query["PageToken"] = f"PA{at * size}"
        return f"{request.path.removeprefix(bp.url_prefix or '')}?{urlencode(query)}"

    return jsonify(
        {
            key: shown,
            "page": number,
            "page_size": size,
            "start": first,
            "end": first + max(0, len(shown) - 1),
            "uri": uri(number),
            "first_page_uri": uri(0),
            "next_page_uri": uri(number + 1) if first + size < len(records) else None,
            "previous_page_uri": uri(number - 1) if number > 0 else None,
        }
    )


# The resources' routes join `bp` as their modules load.
from telephony.simulator.rest import calls, messages, queues  # noqa: E402, F401
