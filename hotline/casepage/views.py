"""/cases/<reference>: the case page.

The same look as the API's (`cases.access.look`): the view is audited as
case.viewed (step `page`), a refusal as case.view_refused and answered with the
plain 403 page, an unknown reference with the 404 page. The page is no-store
like every page (hotline.web.security); the number shows masked, and only a
POST to the reveal API (hotline/static/js/case_page.js) brings the whole of it,
for a moment, never through a URL. The timeline is server-rendered 100 entries
a page (`?after=`, as the API's); notes are text, never HTML (Jinja escapes).
Notes and status moves are made by the page's script through the case API.
"""

from __future__ import annotations

from flask import abort, current_app, render_template, request, url_for
from flask_babel import get_locale, gettext
from flask_login import current_user, login_required

from hotline.casepage import bp, words
from hotline.casepage.entries import entries
from hotline.cases import access, lookup, reading
from hotline.core.parsing import LARGEST_ID, whole_number
from hotline.models import utcnow
from hotline.models.states import CASE_TRANSITIONS, CaseStatus
from hotline.operators import taxonomy
from hotline.operators.wrapup import NOTE_MAX_CHARS

# How long a revealed number stays on the screen.
REVEAL_SECONDS = 15


def _after() -> int | None:
    text = request.args.get("after")
    if not text:
        return None
    after = whole_number(text, max_digits=10)
    if after is None or after > LARGEST_ID:
        abort(400)
    return after


@bp.get("/cases/<reference>")
@login_required
def case_page(reference: str):
    after = _after()
    try:
        case = access.look(reference, current_user, current_user.username, utcnow(), step="page")
    except access.CaseRefused:
        abort(403)  # the layout's plain page, in the reader's language (hotline.web.errors)
    except lookup.UnknownCase:
        abort(404)
    shown = reading.shown(case, current_app.extensions["phone_vault"])
    timeline = shown["timeline"] if after is None else reading.timeline_page(case.id, after)
    language = str(get_locale())
    codes = taxonomy.every_label(language)
    moves = sorted(CASE_TRANSITIONS[CaseStatus(case.status)], key=list(CaseStatus).index)
    return render_template(
        "cases/case.html",
        case=shown,
        entries=entries(timeline["items"], shown, codes),
        older=url_for(".case_page", reference=case.reference, after=timeline["next"])
        if timeline["next"]
        else None,
        newest=url_for(".case_page", reference=case.reference) if after is not None else None,
        codes=codes,
        choices=taxonomy.active(language),
        moves=moves,
        may_reveal=access.may_reveal(current_user, case) and shown["masked_number"] != "withheld",
        statuses=words.status_labels(),
        risks=words.risk_labels(),
        steps=words.step_labels(),
        callback_statuses=words.callback_status_labels(),
        note_max=NOTE_MAX_CHARS,
        data=_page_data(case.reference, case.status),
    )


def _page_data(reference: str, status: str) -> dict:
    """What hotline/static/js/case_page.js needs, translated here."""
    return {
        "locale": str(get_locale()),
        "server_time": utcnow().isoformat(),
        "reference": reference,
        "status": status,
        "reveal_seconds": REVEAL_SECONDS,
        "labels": {
            **words.refusal_labels(),
            "revealing": gettext("Showing the number…"),
            "hidden_again": gettext("The number is hidden again."),
            "saved_note": gettext("The note is added."),
            "saved_status": gettext("The status is changed."),
            "correcting": gettext("You are correcting the note of %(when)s.", when="{when}"),
            "errors": {
                "400": gettext("That was not accepted. Check the form and try again."),
                "403": gettext("That is not yours to do."),
                "404": gettext("That case is no longer there."),
                "409": gettext("The case changed meanwhile. Reload the page and try again."),
                "other": gettext("Something went wrong. Try again."),
            },
        },
    }
