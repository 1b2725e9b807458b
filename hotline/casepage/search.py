"""/cases: the list of cases and their search, for everyone logged in.

The list is the API's (`cases.search`): the cases the reader may see, newest
first, 50 a page; its filters are the API's parameters, read by the same
reader. The form POSTs: a search without a number is sent on to the GET list
(303), whose address holds the filters and pages by links; a search by number
is answered in place, never through a URL, and its further pages are POSTs
carrying the number's keyed hash (`person`), not the number. The number field
is always drawn empty. A search by number is audited (cases.search.find).
"""

from __future__ import annotations

import dataclasses
import re
from zoneinfo import ZoneInfo

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required

from hotline.casepage import bp, words
from hotline.casepage.forms import CaseSearchForm
from hotline.cases import search, search_query
from hotline.models import utcnow
from hotline.operators import taxonomy

FILTERS = tuple(name for name in search_query.PARAMETERS if name not in ("number", "after"))
NUMBER_HASH = re.compile(r"[0-9a-f]{64}")


def _read(values: dict, form: CaseSearchForm, person: str | None) -> search.Filters | None:
    """The filters, or None with the refusal next to its field."""
    try:
        filters = search_query.read(
            values, current_app.extensions["phone_vault"], ZoneInfo(current_app.config["HOTLINE_TIMEZONE"])
        )
    except search_query.BadQuery as refusal:
        form.refuse(refusal.name)
        return None
    return dataclasses.replace(filters, number_hash=person) if person else filters


@bp.route("/cases", methods=["GET", "POST"])
@login_required
def case_list():
    posted = request.method == "POST"
    if not posted and "number" in request.args:
        abort(400)  # the page never puts a number in an address
    form = CaseSearchForm(formdata=request.form if posted else request.args, meta={"csrf": False})
    given = {name: (form[name].data or "").strip() for name in FILTERS}
    person = request.form.get("person", "") if posted else ""
    if person and not NUMBER_HASH.fullmatch(person):
        abort(400)
    number = (form.number.data or "").strip() if posted else ""
    if posted and not number and not person:
        return redirect(url_for(".case_list", **{k: v for k, v in given.items() if v}), 303)
    values = {**given, "number": number, "after": (request.form if posted else request.args).get("after")}
    filters = _read(values, form, person or None)
    found = {"items": [], "next": None}
    if filters is not None:
        vault = current_app.extensions["phone_vault"]
        found = search.find(filters, current_user, current_user.username, utcnow(), vault)
    kept = {name: value for name, value in given.items() if value}
    by_number = filters is not None and filters.number_hash is not None
    return render_template(
        "cases/list.html",
        form=form,
        found=found,
        kept=kept,
        by_number=by_number,
        person=filters.number_hash if by_number else None,
        older=url_for(".case_list", **kept, after=found["next"]) if found["next"] and not by_number else None,
        newest=url_for(".case_list", **kept) if values["after"] and not by_number else None,
        statuses=words.status_labels(),
        risks=words.risk_labels(),
        categories=taxonomy.every_label(str(get_locale()))["category"],
    ), (200 if filters is not None else 400)
