"""A local stand-in for Twilio, for development and tests.

The server side answers what the app asks of Twilio: the REST subset its client
calls (`rest`), over records kept in Redis (`state`), and a signalling channel
for the simulated phone (`network`), and one for simulated softphones (`devices`,
with `device.SimulatedDevice` as their client). The caller's side is a simulated phone
that plays a caller's part through signed webhooks (`phone`, which follows TwiML
with `player`), and `flask simulate-call` places such a call (`cli`).

Mounted only when TELEPHONY_SIMULATOR is on; it never talks to Twilio's servers.
"""

from __future__ import annotations

from flask import Flask

from telephony.simulator import devices, network, phone_page, rest
from telephony.simulator.cli import simulate_call


def init_app(app: Flask) -> None:
    app.register_blueprint(rest.bp)
    app.register_blueprint(network.bp)
    app.register_blueprint(phone_page.bp)
    app.register_blueprint(devices.bp)
    app.cli.add_command(simulate_call)
