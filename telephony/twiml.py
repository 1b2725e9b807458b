"""TwiML answers, one builder per step of the call. Pure functions of plain values."""

from __future__ import annotations

from dataclasses import dataclass, field

from twilio.twiml.voice_response import Gather, VoiceResponse

from hotline.core.phones import KEYED_MAX_DIGITS
from telephony import prompts

GATHER_TIMEOUT = 6


@dataclass(frozen=True)
class Speaker:
    """Says a prompt in the caller's language: a recording where there is one,
    otherwise speech, in Russian for a language Twilio cannot speak."""

    ru_voice: str
    recordings: dict[tuple[str, str], str] = field(default_factory=dict)
    static_url: str = "/static/"

    def speak(self, node: VoiceResponse | Gather, key: str, language: str, **values) -> None:
        recording = self.recordings.get((language, key))
        if recording is not None:
            node.play(self.static_url + recording)
            return
        if language not in prompts.SPOKEN:
            language = prompts.FALLBACK
        node.say(
            prompts.text(key, language, **values), voice=self.ru_voice, language=prompts.SPOKEN[language]
        )


def language_menu(speaker: Speaker, languages: list[str], action: str, retry: str, sorry: bool) -> str:
    response = VoiceResponse()
    gather = response.gather(num_digits=1, action=action, method="POST", timeout=GATHER_TIMEOUT)
    for position, language in enumerate(languages, start=1):
        if sorry:
            speaker.speak(gather, "not_understood", language)
        speaker.speak(gather, "language_option", language, digit=position, option=language)
    response.redirect(retry, method="POST")
    return str(response)


def need_menu(
    speaker: Speaker,
    language: str,
    menu: dict[str, str],
    action: str,
    retry: str,
    *,
    notice: bool,
    sorry: bool,
) -> str:
    response = VoiceResponse()
    gather = response.gather(num_digits=1, action=action, method="POST", timeout=GATHER_TIMEOUT)
    if notice:
        speaker.speak(gather, "notice", language)
    if sorry:
        speaker.speak(gather, "not_understood", language)
    for digit, need in menu.items():
        key = "crisis_option" if need == "crisis" else f"need_{need}"
        speaker.speak(gather, key, language, digit=digit)
    response.redirect(retry, method="POST")
    return str(response)


def enqueue(
    speaker: Speaker,
    language: str,
    queue: str,
    wait_url: str,
    action: str,
    *,
    crisis: bool,
    emergency_number: str,
) -> str:
    response = VoiceResponse()
    if crisis:
        speaker.speak(response, "emergency", language, number=" ".join(emergency_number))
    speaker.speak(response, "connecting", language)
    response.enqueue(queue, wait_url=wait_url, wait_url_method="POST", action=action, method="POST")
    return str(response)


def wait(speaker: Speaker, language: str, position: int, hold_audio: str, choice_url: str) -> str:
    """Played in a loop while the caller waits: position, hold audio, the offer of a callback."""
    response = VoiceResponse()
    speaker.speak(response, "position", language, position=position)
    gather = response.gather(num_digits=1, action=choice_url, method="POST", timeout=1)
    speaker.speak(gather, "offer_callback", language)
    gather.play(hold_audio)
    return str(response)


def hold(hold_audio: str) -> str:
    """A taken caller's last turn in the queue, until the redirect to their operator."""
    response = VoiceResponse()
    response.play(hold_audio)
    return str(response)


def keep_waiting(wait_url: str) -> str:
    response = VoiceResponse()
    response.redirect(wait_url, method="POST")
    return str(response)


def callback_number(
    speaker: Speaker, language: str, action: str, retry: str, *, own_number: bool, sorry: str | None
) -> str:
    """Which number to call back: 1 for the one calling (when it is known), or
    another keyed in and ended with the hash key. `sorry` is the prompt that
    says why the last answer did not do."""
    response = VoiceResponse()
    gather = response.gather(
        num_digits=KEYED_MAX_DIGITS,
        finish_on_key="#",
        action=action,
        method="POST",
        timeout=GATHER_TIMEOUT,
    )
    if sorry is not None:
        speaker.speak(gather, sorry, language)
    speaker.speak(gather, "callback_number" if own_number else "callback_number_withheld", language)
    response.redirect(retry, method="POST")
    return str(response)


def callback_expected(speaker: Speaker, language: str, expected: tuple[str, dict], *, waiting: bool) -> str:
    """When the call will come; then a waiting caller leaves the queue (its result
    says goodbye), one who called after hours hears goodbye and the line ends."""
    key, values = expected
    response = VoiceResponse()
    speaker.speak(response, key, language, **values)
    if waiting:
        response.leave()
    else:
        speaker.speak(response, "goodbye", language)
        response.hangup()
    return str(response)


def goodbye(speaker: Speaker, language: str, key: str = "goodbye") -> str:
    response = VoiceResponse()
    speaker.speak(response, key, language)
    response.hangup()
    return str(response)


def blocked(speaker: Speaker, languages: list[str], action: str) -> str:
    """A blocked caller: the short message in each of `languages` (theirs, when
    known), one digit for the crisis path; nothing pressed, the line ends."""
    response = VoiceResponse()
    gather = response.gather(num_digits=1, action=action, method="POST", timeout=GATHER_TIMEOUT)
    for language in languages:
        speaker.speak(gather, "blocked", language)
    response.hangup()
    return str(response)


def hang_up() -> str:
    response = VoiceResponse()
    response.hangup()
    return str(response)


def after_hours(
    speaker: Speaker,
    language: str,
    hours: str,
    action: str,
    retry: str,
    *,
    crisis: bool,
    emergency_number: str,
    sorry: bool,
) -> str:
    """Closed: the hours, then a callback or a voice message."""
    response = VoiceResponse()
    if crisis:
        speaker.speak(response, "emergency", language, number=" ".join(emergency_number))
    gather = response.gather(num_digits=1, action=action, method="POST", timeout=GATHER_TIMEOUT)
    if sorry:
        speaker.speak(gather, "not_understood", language)
    else:
        speaker.speak(gather, "closed", language, hours=hours)
    speaker.speak(gather, "after_hours_options", language)
    response.redirect(retry, method="POST")
    return str(response)


def record_message(speaker: Speaker, language: str, action: str, max_seconds: int) -> str:
    response = VoiceResponse()
    speaker.speak(response, "record_message", language)
    response.record(action=action, method="POST", max_length=max_seconds, finish_on_key="#", play_beep=True)
    speaker.speak(response, "goodbye", language)
    response.hangup()
    return str(response)


def dial_operator(
    speaker: Speaker,
    language: str,
    *,
    client: str | None = None,
    number: str | None = None,
    action: str,
    leg_callback: str,
    timeout: int = 20,
) -> str:
    """Put the caller through to an operator: their browser's softphone (`client`)
    or their own phone (`number`). The caller hears "connecting you" first. The
    Dial's result goes to `action`; the operator's leg reports ringing, answered
    and completed to `leg_callback`."""
    response = VoiceResponse()
    speaker.speak(response, "connecting", language)
    dial = response.dial(action=action, method="POST", timeout=timeout)
    callbacks = {
        "status_callback": leg_callback,
        "status_callback_event": "ringing answered completed",
        "status_callback_method": "POST",
    }
    if client is not None:
        dial.client(client, **callbacks)
    else:
        dial.number(number, **callbacks)
    return str(response)


def dial_person(
    number: str,
    *,
    caller_id: str,
    action: str,
    screen: str,
    timeout: int = 30,
) -> str:
    """Call back: the operator, who has answered, hears the person's phone ring.
    Machine detection screens the answer (`screen` is asked with AnsweredBy
    before the two are put through); the Dial's result goes to `action`. The
    operator hears nothing before it: their console says whom they call."""
    response = VoiceResponse()
    dial = response.dial(caller_id=caller_id, action=action, method="POST", timeout=timeout)
    dial.number(number, machine_detection="Enable", url=screen, method="POST")
    return str(response)


def pause_and_retry(url: str, seconds: int = 1) -> str:
    """Wait a moment and ask again at `url` (the hotline is still recording the call)."""
    response = VoiceResponse()
    response.pause(length=seconds)
    response.redirect(url, method="POST")
    return str(response)
