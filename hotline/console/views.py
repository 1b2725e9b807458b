"""/console: the user's queues with who waits in them, and their presence
(which they choose here: available or away, softphone or own phone).

An operator sees only the queues they serve; supervisors and admins all four.
No phone number reaches this page: the waiting list carries none. The page is
rendered whole on the server; hotline/static/js/console.js keeps it live
(desk.js: offers, the call, its wrap-up; softphone.js: the browser's phone), with
the words they need translated here and carried in the page's console-data block.
"""

from __future__ import annotations

from flask import current_app, render_template, url_for
from flask_babel import get_locale, gettext, ngettext
from flask_login import current_user, login_required

from hotline.accounts import users
from hotline.callbacks.listing import OVERDUE_AFTER
from hotline.casepage import words as case_words
from hotline.cases.priority import Priority
from hotline.console import bp
from hotline.console.callback_labels import callbacks_labels
from hotline.console.labels import language_labels, queue_labels
from hotline.console.waiting import LIST_LIMIT, waiting_list
from hotline.models import QueueName, utcnow
from hotline.models.states import Device, Presence
from hotline.operators import taxonomy
from hotline.operators.legs import SUPERVISING
from hotline.operators.wrapup import NOTE_MAX_CHARS

# Loaded by the softphone module only in production (hotline/static/vendor/VENDOR.md).
TWILIO_SDK = "vendor/twilio-voice-sdk-2.18.5/twilio.min.js"

# A number no list reaches, replaced by a placeholder once the sentence is translated.
STAND_IN = 987654321
# One number of each plural form in kk, ru and en (CLDR: one, few, many, other).
PLURAL_SAMPLES = (0, 1, 2, 5, 21, 22, 25, 101)


@bp.get("/console")
@login_required
def console():
    now = utcnow()
    served = [waiting_list(name, now) for name in current_user.queue_names]
    return render_template(
        "console/console.html",
        queues=served,
        phone=users.masked_phone(current_user),
        limit=LIST_LIMIT,
        live=_live_data(now),
        presence_labels=presence_labels(),
        devices=Device,
        all_queues=[queue.value for queue in QueueName],
        supervising=current_user.role in SUPERVISING,
    )


@bp.app_template_filter("clock")
def clock(seconds: int) -> str:
    """Time waiting as the console ticks it: 4:07, 1:02:03."""
    minutes, seconds = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def presence_labels() -> dict[str, str]:
    return {
        Presence.AVAILABLE: gettext("Available"),
        Presence.AWAY: gettext("Away"),
        Presence.BUSY: gettext("On a call"),
        Presence.WRAP_UP: gettext("Wrapping up"),
    }


def _live_data(now) -> dict:
    locale = get_locale()
    waiting_forms: dict[str, str] = {}
    for number in PLURAL_SAMPLES:
        text = ngettext("%(num)d waiting", "%(num)d waiting", number)
        waiting_forms.setdefault(locale.plural_form(number), text.replace(str(number), "{n}"))
    more = gettext("Showing the first %(shown)d of %(total)d.", shown=LIST_LIMIT, total=STAND_IN)
    return {
        "locale": str(locale),
        "username": current_user.username,
        "role": current_user.role,
        "timezone": current_app.config["HOTLINE_TIMEZONE"],
        "server_time": now.isoformat(),
        "limit": LIST_LIMIT,
        "callbacks_overdue_seconds": int(OVERDUE_AFTER.total_seconds()),
        "queues": current_user.queue_names,
        "priorities": {
            "callback_return": Priority.CALLBACK_RETURN,
            "repeat_caller": Priority.REPEAT_CALLER_OPEN_CASE,
        },
        "presence": {
            "url": url_for("api.choose_presence"),
            "heartbeat_seconds": max(1, current_app.config["HOTLINE_PRESENCE_GRACE_SECONDS"] / 3),
        },
        "softphone": {
            "simulator": bool(current_app.config.get("TELEPHONY_SIMULATOR")),
            "token_url": url_for("api.voice_token"),
            "devices_url": "/simulator/devices",
            "sdk_url": url_for("static", filename=TWILIO_SDK),
        },
        "wrap_up_note_max": NOTE_MAX_CHARS,
        "labels": {
            **desk_labels(),
            "presence": presence_labels(),
            "presence_failed": gettext("Your status could not be changed. Try again."),
            "languages": language_labels(),
            "no_language": gettext("not chosen"),
            "crisis": gettext("Crisis"),
            "callback_return": gettext("Callback return"),
            "repeat_caller": gettext("Repeat caller"),
            "waiting": waiting_forms,
            "more": more.replace(str(STAND_IN), "{total}"),
            "callbacks": callbacks_labels(),
            "case_panel": case_panel_labels(str(locale)),
            "live": gettext("Live"),
            "offline": gettext("Offline: reconnecting…"),
        },
    }


def case_panel_labels(language: str) -> dict:
    """The words of the caller's case on the desk (hotline/static/js/case_panel.js)."""
    codes = taxonomy.every_label(language)
    return {
        **case_words.refusal_labels(),
        "risks": case_words.risk_labels(),
        "callbacks": case_words.callback_status_labels(),
        "outcomes": codes["outcome"],
        "categories": codes["category"],
        "nobody": gettext("nobody"),
        "note_added": gettext("The note is added to the case."),
        "unreadable": gettext("The caller's case could not be shown."),
    }


def desk_labels() -> dict:
    """The words the console's call desk (offers, the call, its wrap-up) shows."""
    return {
        "queues": queue_labels(),
        "withdrawn": {
            "lapsed": gettext("The offer ran out: the caller goes to the next operator."),
            "taken": gettext("Another operator took this caller."),
            "left": gettext("The caller hung up."),
            "declined": gettext("You declined the caller."),
        },
        "call_state": {
            "connecting": gettext("Putting the caller through to you…"),
            "talking": gettext("On the line"),
            "calling_back": gettext("Calling back %(case)s…", case="{case}"),
        },
        "callback": gettext("Callback"),
        "asked_at": gettext("asked for at %(time)s", time="{time}"),
        "callback_offer": gettext("Call back"),
        "callback_offer_arrived": gettext("A callback is offered to you: accept or decline."),
        "withdrawn_callback": {
            "lapsed": gettext("The offer ran out: the callback goes to the next operator."),
            "taken": gettext("Another operator took this callback."),
            "left": gettext("The callback was cancelled or moved."),
            "declined": gettext("You declined the callback."),
        },
        "callback_missed": {
            "not_answered": gettext(
                "Your phone did not answer: the callback went back to the list and you are away."
            ),
            "not_placed": gettext(
                "The call could not be placed: the callback went back to the list. You are available."
            ),
        },
        "not_reached": {
            "no-answer": gettext("The person did not answer: %(then)s You are available.", then="{then}"),
            "busy": gettext("The person's line was busy: %(then)s You are available.", then="{then}"),
            "failed": gettext(
                "The call to the person did not go through: %(then)s You are available.", then="{then}"
            ),
            "machine": gettext(
                "An answering machine answered and heard nothing: %(then)s You are available.",
                then="{then}",
            ),
            "then": {
                "scheduled": gettext("the callback is scheduled again."),
                "failed": gettext("that was the last attempt, the person will get a text message."),
            },
        },
        "call_back_time": gettext("Choose when to call the person back."),
        "call_back_asked": gettext("The callback is asked for."),
        "call_back_failed": gettext("The callback was not asked for: %(error)s", error="{error}"),
        "missed": gettext(
            "Your softphone did not answer: the caller went back to the queue and you are away."
        ),
        "done": gettext("The call is finished. Thank you."),
        "offer_arrived": gettext("A caller is offered to you: accept or decline."),
        "saved": gettext("Wrap-up saved."),
        "wrap_up_over": gettext("The wrap-up time is over."),
        "withheld": gettext("withheld"),
        "offered": gettext("Offered"),
        "connected": gettext("Being answered"),
        "take": gettext("Take"),
        "take_named": gettext("Take caller %(place)s", place="{place}"),
        "mute": gettext("Mute"),
        "unmute": gettext("Unmute"),
        "hung_up": gettext("Hanging up…"),
        "transferred": gettext("The caller was transferred."),
        "choose": gettext("Choose…"),
        "required": gettext("Choose an outcome and a category."),
        "softphone_failed": gettext(
            "Your softphone could not connect. Reload the page, or choose your own phone."
        ),
        "softphone_error": gettext(
            "Your softphone reported a problem: calls may not ring here. "
            "Reload the page, or choose your own phone."
        ),
        "errors": {
            "400": gettext("That was not accepted. Check the form and try again."),
            "403": gettext("That is not yours to do."),
            "404": gettext("That caller or offer is no longer there."),
            "409": gettext("Too late: that changed meanwhile (taken, ended or expired)."),
            "502": gettext("The phone network did not answer. Try again."),
            "other": gettext("Something went wrong. Try again."),
        },
    }
