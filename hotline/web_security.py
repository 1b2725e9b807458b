"""What every browser-facing response and request goes through: the
Content-Security-Policy and its companion headers, and the CSRF check.

CSRF is checked on every state-changing request except where no browser form
can reach: the telephony webhooks (signed by Twilio: their blueprint, and any
request carrying X-Twilio-Signature, which the route then checks), the
simulator's REST API and signalling (HTTP Basic auth), and API requests with a
Bearer token or without a logged-in session (nothing to forge: the token alone
decides, 401 without one). A cross-site form can set neither an Authorization header nor
X-Twilio-Signature (a custom header needs a CORS preflight, which this app never
grants), so none of these exemptions lets another site act for a logged-in user.
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_login import current_user

from hotline.extensions import csrf

CONTENT_SECURITY_POLICY = "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
SIGNED_BLUEPRINTS = ("telephony", "simulator", "simulator_network", "simulator_devices")


def init_app(app: Flask) -> None:
    # CSRFProtect's own before_request is turned off; _check_csrf runs it with the exemptions above.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    csrf.init_app(app)
    app.before_request(_check_csrf)
    app.after_request(_add_headers)


def exempt_signed_blueprints(app: Flask) -> None:
    """Call once the telephony blueprints are registered."""
    for name in SIGNED_BLUEPRINTS:
        if name in app.blueprints:
            csrf.exempt(app.blueprints[name])


def _api_request_without_session() -> bool:
    if not request.path.startswith("/api/"):
        return False
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return (scheme.lower() == "bearer" and bool(token.strip())) or not current_user.is_authenticated


def _check_csrf() -> None:
    if not (_api_request_without_session() or "X-Twilio-Signature" in request.headers):
        csrf.protect(apply_exemptions=True)


def _add_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers[name] = value
    return response
