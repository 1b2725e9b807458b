"""A local stand-in for Twilio: a REST subset the app's client can call, and a
simulated phone that plays a caller's part through signed webhooks."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from telephony.simulator.rest import bp

    app.register_blueprint(bp)
