"""The case page's words for the case's codes, in the reader's language: its
statuses, risk levels, timeline steps and callbacks' states, for the template
and (the same dicts) for the page's script."""

from __future__ import annotations

from flask_babel import gettext


def status_labels() -> dict[str, str]:
    return {
        "open": gettext("Open"),
        "in_progress": gettext("In progress"),
        "waiting": gettext("Waiting"),
        "resolved": gettext("Resolved"),
        "closed": gettext("Closed"),
    }


def risk_labels() -> dict[str, str]:
    return {
        "none": gettext("None"),
        "low": gettext("Low"),
        "medium": gettext("Medium"),
        "high": gettext("High"),
        "imminent": gettext("Imminent"),
    }


def step_labels() -> dict[str, str]:
    """A timeline entry's kind in words; a kind not listed shows its code."""
    return {
        "opened": gettext("Case opened"),
        "call": gettext("Call"),
        "offered": gettext("Offered to an operator"),
        "accepted": gettext("Taken by an operator"),
        "connected": gettext("Operator on the line"),
        "transferred": gettext("Transferred"),
        "returned_to_queue": gettext("Back in the queue"),
        "left_queue": gettext("Left the queue"),
        "ended_while_queued": gettext("Hung up while waiting"),
        "wrap_up": gettext("Wrap-up saved"),
        "wrap_up_missed": gettext("Wrap-up not saved in time"),
        "note_added": gettext("Note added"),
        "status_changed": gettext("Status changed"),
        "callback_requested": gettext("Callback asked for"),
        "callback_queued": gettext("Callback due"),
        "callback_accepted": gettext("Callback taken by an operator"),
        "callback_returned": gettext("Callback back in the list"),
        "callback_impossible": gettext("No callback possible"),
        "voice_message": gettext("Voice message left"),
    }


def callback_status_labels() -> dict[str, str]:
    """An open callback's status (the console's callbacks panel says them so too)."""
    return {
        "scheduled": gettext("Scheduled"),
        "queued": gettext("Waiting in the list"),
        "dialling": gettext("Being called"),
    }


def refusal_labels() -> dict:
    """The case API's refusals a person can act on, in words (hotline/static/js/case_words.js)."""
    return {
        "statuses": status_labels(),
        "moved_refused": gettext(
            "A case that is %(current)s cannot become %(to)s.", current="{current}", to="{to}"
        ),
        "another_active": gettext(
            "This person has another active case in this queue: work on that one, "
            "or resolve it before reopening this one."
        ),
        "corrected_already": gettext("That note has been corrected already: correct its correction instead."),
        "needs": {
            "outcome": gettext("Choose an outcome to resolve the case."),
            "category": gettext("Choose a category to resolve the case."),
            "body": gettext("Write the note: up to 10,000 characters, not only spaces."),
            "corrects": gettext("That note cannot be corrected here."),
        },
    }
