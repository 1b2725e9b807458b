"""The words of the console's callbacks panel (hotline/static/js/callbacks.js),
carried in the page's console-data block under `labels.callbacks`."""

from __future__ import annotations

from flask_babel import gettext


def callbacks_labels() -> dict:
    """The words of the console's callbacks panel (hotline/static/js/callbacks.js)."""
    case = {"case": "{case}"}
    return {
        "statuses": {
            "scheduled": gettext("Scheduled"),
            "queued": gettext("Waiting in the list"),
            "dialling": gettext("Being called"),
            "completed": gettext("Completed"),
            "failed": gettext("Failed"),
            "cancelled": gettext("Cancelled"),
        },
        "outcomes": {
            "answered": gettext("answered"),
            "no-answer": gettext("no answer"),
            "busy": gettext("busy"),
            "failed": gettext("did not go through"),
            "machine": gettext("answering machine"),
            "pending": gettext("in progress"),
        },
        "overdue": gettext("Overdue"),
        "no_attempts": gettext("none yet"),
        "attempt": gettext("%(number)s: %(outcome)s", number="{number}", outcome="{outcome}"),
        "cancel": gettext("Cancel"),
        "cancel_named": gettext("Cancel the callback of %(case)s", **case),
        "sure": gettext("Cancel this callback?"),
        "confirm_cancel": gettext("Yes, cancel it"),
        "keep": gettext("Keep"),
        "reschedule": gettext("Reschedule"),
        "reschedule_named": gettext("Reschedule the callback of %(case)s", **case),
        "new_time": gettext("New time"),
        "save_time": gettext("Move"),
        "cancelled": gettext("The callback is cancelled."),
        "rescheduled": gettext("The callback is moved."),
        "bad_time": gettext("Choose a date and a time."),
    }
