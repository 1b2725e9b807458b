"""X-Twilio-Signature: every /telephony/ request must prove it comes from Twilio."""

from __future__ import annotations

import logging
from functools import wraps

from flask import abort, current_app, request
from twilio.request_validator import RequestValidator

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Twilio-Signature"


def signature_valid(url: str, form, signature: str, auth_token: str) -> bool:
    return RequestValidator(auth_token).validate(url, form, signature)


def requested_url() -> str:
    """The URL as Twilio wrote it on the request line, which is what it signed.

    `request.url` is rebuilt from the decoded path and query (`from=a%2Fb` comes back
    as `from=a/b`), so it can differ from what was signed. The path and query are
    taken as sent (RAW_URI from gunicorn, REQUEST_URI from Werkzeug's servers),
    else the raw QUERY_STRING; the scheme and host are the request's, which
    X-Forwarded-* changes only behind TRUSTED_PROXIES (ProxyFix in create_app).
    """
    environ = request.environ
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or ""
    if raw.startswith("/"):
        return request.host_url[:-1] + raw
    query = environ.get("QUERY_STRING", "")
    return request.base_url + (f"?{query}" if query else "")


def twilio_signed(view):
    """Refuse (403, nothing written) a request whose signature is missing or wrong."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature:
            log.warning("refused %s: no %s", request.path, SIGNATURE_HEADER)
            abort(403, description=f"missing {SIGNATURE_HEADER}")
        token = current_app.config["TWILIO_AUTH_TOKEN"]
        if not signature_valid(requested_url(), request.form, signature, token):
            log.warning("refused %s: invalid %s", request.path, SIGNATURE_HEADER)
            abort(403, description=f"invalid {SIGNATURE_HEADER}")
        return view(*args, **kwargs)

    return wrapper
