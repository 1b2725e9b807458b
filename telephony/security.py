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


def twilio_signed(view):
    """Refuse (403, nothing written) a request whose signature is missing or wrong.

    The URL checked is the one Twilio called: `request.url`, which honours
    X-Forwarded-Proto/Host only when TRUSTED_PROXIES says a proxy is there.
    """

    @wraps(view)
    def wrapper(*args, **kwargs):
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature:
            log.warning("refused %s: no %s", request.path, SIGNATURE_HEADER)
            abort(403, description=f"missing {SIGNATURE_HEADER}")
        if not signature_valid(request.url, request.form, signature, current_app.config["TWILIO_AUTH_TOKEN"]):
            log.warning("refused %s: invalid %s", request.path, SIGNATURE_HEADER)
            abort(403, description=f"invalid {SIGNATURE_HEADER}")
        return view(*args, **kwargs)

    return wrapper
