"""A local stand-in for Twilio, for development and tests.

The server side answers what the app asks of Twilio: the REST subset its client
calls (`rest`), over records kept in Redis (`state`), and a signalling channel
for the simulated phone (`network`), and one for simulated softphones (`devices`,
with `device.SimulatedDevice` as their client). The caller's side is a simulated phone
that plays a caller's part through signed webhooks (`phone`, which follows TwiML
with `player`), and `flask simulate-call` places such a call (`cli`). The far end
of a call the app places is played too (`callee`): a softphone, the person at
/simulator/phone, or a person or machine as SIMULATOR_OUTBOUND says (`outbound`).

Mounted only when TELEPHONY_SIMULATOR is on; it never talks to Twilio's servers.
"""

from __future__ import annotations

from flask import Flask

from telephony.simulator import devices, network, outbound, phone_page, rest
from telephony.simulator.cli import simulate_call

SECONDS = ("SIMULATOR_ANSWER_SECONDS", "SIMULATOR_RING_SECONDS", "SIMULATOR_TALK_SECONDS")


def init_app(app: Flask) -> None:
    """Mount the simulator; its settings are read here, so a wrong one stops the app starting."""
    app.extensions["simulator_outbound"] = outbound.parse(app.config["SIMULATOR_OUTBOUND"])
    for name in SECONDS:
        seconds = app.config[name]
        if seconds is not None and not 0 <= seconds <= 3600:
            raise RuntimeError(f"{name} must be 0 to 3600 seconds")
    app.register_blueprint(rest.bp)
    app.register_blueprint(network.bp)
    app.register_blueprint(phone_page.bp)
    app.register_blueprint(devices.bp)
    app.cli.add_command(simulate_call)
