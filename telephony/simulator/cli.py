"""`flask simulate-call`: play a caller's part against the running app, no Twilio account needed.

The call goes through real, signed HTTP webhooks to the app at --url, with the
account SID, auth token and hotline number of this app's settings. It prints
what the caller hears and presses, the CallSid, the queue and the case
reference. Put through to an operator, it stays on the line until either side
hangs up (or --talk seconds) and prints who answered. It never prints a number.
"""

from __future__ import annotations

import os
import re

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from hotline.calls import service as calls
from hotline.core.phones import is_withheld
from telephony.simulator.phone import IN_QUEUE, CallResult, Line, Script, SimulatedPhone, SimulatorError

SAMPLE_NUMBER = "+77015551234"
KEYPAD = re.compile(r"[0-9*#]*")


def _digits(_ctx, _param, value: str) -> tuple[str, ...]:
    items = tuple(item.strip() for item in value.split(",")) if value.strip() else ()
    if not all(KEYPAD.fullmatch(item) for item in items):
        raise click.BadParameter("use keypad keys (0-9, *, #), comma-separated")
    return items


@click.command("simulate-call")
@click.option(
    "--from",
    "from_number",
    default=SAMPLE_NUMBER,
    help='The caller\'s number (default: a sample Kazakh mobile); "anonymous" withholds it.',
)
@click.option(
    "--digits",
    default="",
    callback=_digits,
    help='Keypad input for each menu in turn, comma-separated: "2,3" is Russian, then legal. '
    "An empty item is no input.",
)
@click.option("--url", help="The running app (default: http://127.0.0.1:$HOTLINE_PORT, or port 5000).")
@click.option(
    "--then",
    "in_queue",
    type=click.Choice(IN_QUEUE),
    default="wait",
    show_default=True,
    help="In the queue: hang up at once, press 1 for a callback, or wait --wait-loops turns.",
)
@click.option(
    "--wait-loops",
    type=click.IntRange(1, 100),
    default=3,
    show_default=True,
    help="Turns of the hold music before a waiting caller hangs up.",
)
@click.option(
    "--hold",
    type=click.FloatRange(0, 120),
    default=5.0,
    show_default=True,
    help="Seconds one turn of the hold music lasts (time for an operator to take the call).",
)
@click.option(
    "--talk",
    type=click.FloatRange(0, 4 * 3600),
    default=None,
    help="Once put through to an operator, hang up after so many seconds "
    "(default: stay on the line until the other side hangs up).",
)
@with_appcontext
def simulate_call(
    from_number: str,
    digits: tuple[str, ...],
    url: str | None,
    in_queue: str,
    wait_loops: int,
    hold: float,
    talk: float | None,
) -> None:
    """Call the hotline from a simulated phone and print what the caller hears."""
    url = (url or f"http://127.0.0.1:{os.environ.get('HOTLINE_PORT', '5000')}").rstrip("/")
    withheld = is_withheld(from_number)
    phone = SimulatedPhone.for_app(current_app.config, url, listener=_echo_line)
    script = Script(
        digits=digits, in_queue=in_queue, wait_loops=wait_loops, hold_seconds=hold, talk_seconds=talk
    )
    caller = "a withheld number" if withheld else "the given number"
    click.echo(f"Calling the hotline at {url} from {caller}.")
    try:
        result = phone.call(None if withheld else from_number, script)
    except SimulatorError as error:
        raise click.ClickException(str(error)) from None
    _echo_summary(result)


def _echo_line(line: Line) -> None:
    """Each line as the caller hears it: a wait in the queue shows while it lasts."""
    if line.kind == "connected":
        who = "the operator's softphone" if line.text.startswith("client ") else line.text
        click.echo(f"  connected: {who}")
        return
    click.echo(f"  {line.kind:<10} {line.text}")


def _echo_summary(result: CallResult) -> None:
    click.echo(f"CallSid:   {result.call_sid}")
    if result.queue:
        click.echo(f"Queue:     {result.queue} (left: {result.queue_result or 'no'})")
    reference = _case_reference(result.call_sid)
    if reference:
        click.echo(f"Case:      {reference}")
    click.echo(f"Ended:     {result.outcome}; {result.status} after {result.duration} s")
    for problem in result.problems:
        click.echo(f"Problem:   {problem}")


def _case_reference(call_sid: str) -> str | None:
    """The case the call was attached to, when this app shares the running app's database."""
    try:
        call = calls.get_call(call_sid)
    except (calls.UnknownCall, SQLAlchemyError):
        return None
    return call.case.reference if call.case else None
