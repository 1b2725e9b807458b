"""A local stand-in for Twilio, for development and tests: the REST subset the app's
client calls (`rest`), a simulated phone that plays a caller's part through signed
webhooks (`phone`), and `flask simulate-call` to place such a call (`cli`).

Mounted only when TELEPHONY_SIMULATOR is on; it never talks to Twilio's servers.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from telephony.simulator.cli import simulate_call
    from telephony.simulator.rest import bp

    app.register_blueprint(bp)
    app.cli.add_command(simulate_call)
