"""/telephony/voice/…: Twilio's webhooks. Each view checks the signature, reads
the form, calls a hotline service and answers TwiML.

POST /telephony/voice/incoming and /telephony/voice/status are what the
Twilio number is configured with; every other step is linked from the TwiML.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, current_app, request, url_for

from hotline import events
from hotline.callbacks import service as callbacks
from hotline.callbacks.policy import expectation
from hotline.callbacks.service import request_from_call
from hotline.calls import queues, routing
from hotline.calls import service as calls
from hotline.calls.incoming import CallNotRecorded, record_incoming
from hotline.cases import blocks
from hotline.cases.service import CaseConflict
from hotline.core import phones
from hotline.models import Call, QueueName, utcnow
from hotline.models.states import CallbackSource, CallStage, LeftQueue, StepOutOfPlace
from hotline.operators import departures, offers
from telephony import forms, line_settings, prompts, twiml, vocabulary
from telephony.security import twilio_signed

bp = Blueprint("telephony", __name__, url_prefix="/telephony/voice")


@bp.errorhandler(forms.BadWebhook)
def _bad_webhook(error: forms.BadWebhook):
    return _plain(400, f"400 Bad Request: {error}")


@bp.errorhandler(StepOutOfPlace)
def _step_out_of_place(error: StepOutOfPlace):
    return _plain(409, f"409 Conflict: {error}")


@bp.errorhandler(calls.ConcurrentChange)
@bp.errorhandler(CaseConflict)
@bp.errorhandler(CallNotRecorded)
def _kept_changing(_error: Exception):
    """Another process won every try: nothing of ours was written."""
    return _plain(409, "409 Conflict: the call changed meanwhile; try again")


@bp.errorhandler(calls.UnknownCall)
def _unknown_call(_error: calls.UnknownCall):
    return _plain(404, "404 Not Found: no call with that CallSid")


def _plain(status: int, message: str) -> Response:
    return Response(message + "\n", status=status, content_type="text/plain; charset=utf-8")


def _twiml(document: str) -> Response:
    return Response(document, content_type="application/xml")


@dataclass(frozen=True)
class Step:
    """The call a webhook is about, and the caller's language."""

    call: Call
    language: str


def _step(name: str, call: Call | None = None) -> Step:
    """The call this step is about (read now unless given), refused (409) if the
    step makes no sense for it."""
    if call is None:
        call = calls.get_call(forms.call_sid())
    calls.check_step(call, name)
    line = line_settings(current_app)
    return Step(call, call.language or line.languages[0])


def _url(endpoint: str, **values) -> str:
    return url_for(f"telephony.{endpoint}", **values)


# --- the flow ---------------------------------------------------------------


@bp.post("/incoming")
@twilio_signed
def incoming():
    call_sid = forms.call_sid()
    line = line_settings(current_app)
    only_language = line.languages[0] if len(line.languages) == 1 else None
    now = utcnow()
    language, created, maybe_blocked = record_incoming(
        call_sid, request.form.get("From"), current_app.extensions["phone_vault"], now, only_language
    )
    blocked = blocks.blocked_call(call_sid, now) if maybe_blocked else None
    if blocked is not None:
        if created:
            blocks.record_blocked_call(blocked, now)
        spoken = [blocked.language] if blocked.language in line.languages else line.languages
        return _twiml(twiml.blocked(line.speaker, spoken, action=_url("blocked_choice")))
    if language is None:
        return _language_menu(attempt=1, sorry=False)
    return _need_menu(language, attempt=1, notice=True, sorry=False)


def _menu(key: tuple, build) -> Response:
    """A menu's TwiML, built on first use: the same for every caller."""
    menus = line_settings(current_app).menus
    if key not in menus:
        menus[key] = build()
    return _twiml(menus[key])


def _language_menu(attempt: int, sorry: bool) -> Response:
    line = line_settings(current_app)
    return _menu(
        ("language", attempt, sorry),
        lambda: twiml.language_menu(
            line.speaker,
            line.languages,
            action=_url("language", attempt=attempt),
            retry=_url("language", attempt=attempt),
            sorry=sorry,
        ),
    )


def _need_menu(language: str, attempt: int, notice: bool, sorry: bool) -> Response:
    line = line_settings(current_app)
    return _menu(
        ("need", language, attempt, notice, sorry),
        lambda: twiml.need_menu(
            line.speaker,
            language,
            line.need_menu,
            action=_url("menu", attempt=attempt),
            retry=_url("menu", attempt=attempt),
            notice=notice,
            sorry=sorry,
        ),
    )


@bp.post("/language")
@twilio_signed
def language():
    step = _step("language")
    line = line_settings(current_app)
    attempt = forms.attempt()
    chosen = routing.choose_language(forms.digits(), line.languages)
    if chosen is None and attempt < line.menu_attempts:
        return _language_menu(attempt=attempt + 1, sorry=bool(request.form.get("Digits")))
    calls.set_language(step.call, chosen or line.languages[0])
    return _need_menu(step.call.language, attempt=1, notice=True, sorry=False)


@bp.post("/menu")
@twilio_signed
def menu():
    line = line_settings(current_app)
    attempt = forms.attempt()
    choice = routing.choose_queue(forms.digits(), line.need_menu)
    if choice is None and attempt < line.menu_attempts:
        step = _step("menu")
        return _need_menu(step.language, attempt=attempt + 1, notice=False, sorry=True)
    return _routed(choice or routing.fallback_choice())


BLOCKED_CRISIS_DIGIT = "9"


@bp.post("/blocked")
@twilio_signed
def blocked_choice():
    """A blocked caller's one digit: 9 is the crisis path, as from the menu;
    anything else, or nothing, ends the call."""
    if forms.digits() != BLOCKED_CRISIS_DIGIT:
        _step("blocked")
        return _twiml(twiml.hang_up())
    return _routed(routing.Choice(QueueName.PSYCHOLOGIST, crisis=True))


def _routed(choice: routing.Choice) -> Response:
    """Put the call in the queue `choice` names (or after hours), and answer the TwiML."""
    line = line_settings(current_app)
    call, open_case = calls.get_call_and_open_case(forms.call_sid(), choice.queue)
    step = _step("menu", call)
    now = utcnow()
    case = calls.route(call, choice, now, line.hours.timezone, line.hours.is_open(now), open_case)
    if call.stage == CallStage.AFTER_HOURS:
        return _after_hours(step, attempt=1, sorry=False)
    if case is not None:
        # repeat_caller is known from the case just attached; the position would
        # cost a count of the callers ahead (growing with the queue): consoles
        # place the caller in their own list, which is in answer order.
        events.caller_joined(calls.waiting_caller(call, case.reference, repeat_caller=case.attached))
        offers.offer_caller(call.id, now)
    return _twiml(
        twiml.enqueue(
            line.speaker,
            step.language,
            call.queue,
            wait_url=_url("wait"),
            action=_url("queue_result"),
            crisis=call.crisis,
            emergency_number=line.emergency_number,
        )
    )


@bp.post("/wait")
@twilio_signed
def wait():
    step = _step("wait")
    line = line_settings(current_app)
    if step.call.stage == CallStage.CONNECTED:
        return _twiml(twiml.hold(line.hold_audio))
    position = queues.position_of(step.call)
    return _twiml(
        twiml.wait(line.speaker, step.language, position, line.hold_audio, choice_url=_url("wait_choice"))
    )


@bp.post("/wait/choice")
@twilio_signed
def wait_choice():
    step = _step("wait_choice")
    line = line_settings(current_app)
    if step.call.stage == CallStage.CONNECTED:
        return _twiml(twiml.hold(line.hold_audio))
    if forms.digits() == "1":
        return _callback_number(step, "wait_number", attempt=1, sorry=None)
    return _twiml(twiml.keep_waiting(_url("wait")))


@bp.post("/wait/number")
@twilio_signed
def wait_number():
    """The caller waiting chose the number to be called back on; they keep their
    place in the queue until the request is made."""
    step = _step("wait_number")
    line = line_settings(current_app)
    if step.call.stage == CallStage.CONNECTED:
        return _twiml(twiml.hold(line.hold_audio))
    number, sorry = _number_to_call(step)
    if sorry is not None:
        attempt = forms.attempt()
        if attempt < line.menu_attempts:
            return _callback_number(step, "wait_number", attempt=attempt + 1, sorry=sorry)
        return _twiml(twiml.keep_waiting(_url("wait")))
    return _callback_requested(step, CallbackSource.IVR, number, waiting=True)


def _callback_number(step: Step, endpoint: str, attempt: int, sorry: str | None) -> Response:
    line = line_settings(current_app)
    url = _url(endpoint, attempt=attempt)
    return _twiml(
        twiml.callback_number(
            line.speaker,
            step.language,
            action=url,
            retry=url,
            own_number=not step.call.caller.withheld,
            sorry=sorry,
        )
    )


def _number_to_call(step: Step) -> tuple[str | None, str | None]:
    """(number, None) for the number keyed in, None for the caller's own one (1);
    (None, the prompt saying why) when the keys give no number to call. The digits
    are never logged nor spoken back."""
    digits = forms.digits()
    if not digits:
        return None, "not_understood"
    if digits == "1" and not step.call.caller.withheld:
        return None, None
    try:
        return phones.keyed_number(digits, current_app.extensions["phone_vault"].default_region), None
    except phones.InvalidNumber:
        return None, "number_not_callable"


def _callback_requested(step: Step, source: CallbackSource, number: str | None, *, waiting: bool) -> Response:
    """Record the request, then tell the caller when to expect the call."""
    line = line_settings(current_app)
    policy, vault = callbacks.settings()
    now = utcnow()
    requested = request_from_call(step.call, source, now, policy, vault, number=number)
    expected = prompts.expected_call(expectation(policy, requested.due_at, now))
    return _twiml(twiml.callback_expected(line.speaker, step.language, expected, waiting=waiting))


@bp.post("/queue-result")
@twilio_signed
def queue_result():
    step = _step("queue_result")
    line = line_settings(current_app)
    result = forms.choice("QueueResult", vocabulary.QUEUE_RESULTS)
    reason = vocabulary.LEFT_QUEUE[result]
    now = utcnow()
    departures.left_queue(step.call, result, reason, forms.count("QueueTime"), now)
    if reason == LeftQueue.CALLBACK:
        return _twiml(twiml.goodbye(line.speaker, step.language, "callback_confirmed"))
    if reason == LeftQueue.FAILED:
        return _twiml(twiml.goodbye(line.speaker, step.language, "sorry_error"))
    return _twiml(twiml.hang_up())


def _after_hours(step: Step, attempt: int, sorry: bool) -> Response:
    line = line_settings(current_app)
    return _twiml(
        twiml.after_hours(
            line.speaker,
            step.language,
            prompts.spoken_hours(line.hours, step.language),
            action=_url("after_hours", attempt=attempt),
            retry=_url("after_hours", attempt=attempt),
            crisis=step.call.crisis and attempt == 1 and not sorry,
            emergency_number=line.emergency_number,
            sorry=sorry,
        )
    )


@bp.post("/after-hours")
@twilio_signed
def after_hours():
    step = _step("after_hours")
    line = line_settings(current_app)
    attempt = forms.attempt()
    digits = forms.digits()
    if digits == "1":
        return _callback_number(step, "after_hours_number", attempt=1, sorry=None)
    if digits == "2":
        return _twiml(
            twiml.record_message(
                line.speaker, step.language, _url("voice_message"), line.voice_message_max_seconds
            )
        )
    if attempt < line.menu_attempts:
        return _after_hours(step, attempt=attempt + 1, sorry=True)
    return _twiml(twiml.goodbye(line.speaker, step.language))


@bp.post("/after-hours/number")
@twilio_signed
def after_hours_number():
    """After hours, the number to call back on: the callback is due at the next
    opening of the callback hours."""
    step = _step("after_hours_number")
    line = line_settings(current_app)
    number, sorry = _number_to_call(step)
    if sorry is not None:
        attempt = forms.attempt()
        if attempt < line.menu_attempts:
            return _callback_number(step, "after_hours_number", attempt=attempt + 1, sorry=sorry)
        return _twiml(twiml.goodbye(line.speaker, step.language))
    return _callback_requested(step, CallbackSource.AFTER_HOURS, number, waiting=False)


@bp.post("/message")
@twilio_signed
def voice_message():
    recording_sid = request.form.get("RecordingSid", "")
    recording_url = request.form.get("RecordingUrl", "")
    seconds = forms.count("RecordingDuration")
    if recording_sid:
        if not forms.RECORDING_SID.fullmatch(recording_sid):
            raise forms.BadWebhook("RecordingSid is malformed")
        if not recording_url.startswith(("https://", "http://")):
            raise forms.BadWebhook("RecordingUrl must be a URL")
    step = _step("message")
    line = line_settings(current_app)
    if recording_sid:
        calls.record_voice_message(step.call, recording_sid, recording_url, seconds)
        return _twiml(twiml.goodbye(line.speaker, step.language, "message_saved"))
    return _twiml(twiml.goodbye(line.speaker, step.language))


@bp.post("/status")
@twilio_signed
def status():
    call_sid = forms.call_sid()
    call_status = forms.choice("CallStatus", vocabulary.CALL_STATUSES)
    sequence = forms.count("SequenceNumber")
    duration = forms.count("CallDuration")
    now = utcnow()
    progress = vocabulary.PROGRESS[call_status]
    departures.status_reported(
        call_sid, call_status, progress, sequence, duration, now, current_app.extensions["telephony"]
    )
    return Response(status=204)
