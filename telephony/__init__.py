"""The Twilio edge: webhooks in, REST calls out. Nothing else speaks Twilio."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask

from hotline.calls.routing import parse_need_menu
from hotline.core.hours import WorkingHours, parse_hours
from hotline.extensions import csrf
from telephony import prompts
from telephony.twiml import Speaker

SIGNED_BLUEPRINTS = ("telephony", "simulator", "simulator_network", "simulator_devices")


@dataclass(frozen=True)
class LineSettings:
    """The phone line as configured, read once at start-up."""

    speaker: Speaker
    languages: list[str]
    need_menu: dict[str, str]
    hours: WorkingHours
    emergency_number: str
    menu_attempts: int
    hold_audio: str
    voice_message_max_seconds: int
    # The menus' TwiML depends only on the settings above: built once per app.
    menus: dict[tuple, str] = field(default_factory=dict)


def line_settings(app: Flask) -> LineSettings:
    return app.extensions["line"]


def init_app(app: Flask) -> None:
    from telephony import callbacks, operators  # noqa: F401  (their webhooks join bp)
    from telephony.client import TwilioTelephony
    from telephony.webhooks import bp

    languages = app.config["HOTLINE_LANGUAGES"]
    unknown = [code for code in languages if code not in prompts.LANGUAGES]
    if unknown:
        raise RuntimeError(f"HOTLINE_LANGUAGES has languages with no prompts: {', '.join(unknown)}")
    static = Path(app.static_folder)
    # The missing ones are reported by the web process as it starts (telephony/recordings.py).
    recordings = prompts.find_recordings(static, languages)
    static_url = (app.static_url_path or "/static") + "/"
    app.extensions["line"] = LineSettings(
        speaker=Speaker(app.config["HOTLINE_VOICE_RU"], recordings, static_url),
        languages=languages,
        need_menu=parse_need_menu(app.config["HOTLINE_NEED_MENU"]),
        hours=parse_hours(app.config["HOTLINE_HOURS"], app.config["HOTLINE_TIMEZONE"]),
        emergency_number=app.config["HOTLINE_EMERGENCY_NUMBER"],
        menu_attempts=app.config["HOTLINE_MENU_ATTEMPTS"],
        hold_audio=static_url + app.config["HOTLINE_HOLD_AUDIO"],
        voice_message_max_seconds=app.config["HOTLINE_VOICE_MESSAGE_MAX_SECONDS"],
    )
    app.extensions["telephony"] = TwilioTelephony.from_config(app.config)
    # twilio-python logs each request's query string at INFO; a list filtered by
    # number would put that number in the log.
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
    app.register_blueprint(bp)
    if app.config["TELEPHONY_SIMULATOR"]:
        from telephony.simulator import init_app as init_simulator

        init_simulator(app)
    # Twilio signs the webhooks; the simulator's API and signalling take HTTP Basic
    # auth: no browser form reaches them, and no CSRF token could come with them.
    for name in SIGNED_BLUEPRINTS:
        if name in app.blueprints:
            csrf.exempt(app.blueprints[name])
