"""/console: the user's queues with who waits in them, and their presence.

An operator sees only the queues they serve; supervisors and admins all four.
No phone number reaches this page: the waiting list carries none.
"""

from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required

from hotline import queues, users
from hotline.console import bp
from hotline.models import utcnow
from hotline.routing import Priority

LIST_LIMIT = 50


@bp.get("/console")
@login_required
def console():
    now = utcnow()
    totals = {figures.name: figures.waiting for figures in queues.figures(now)}
    served = []
    for name in current_user.queue_names:
        waiting = queues.waiting_in(name, limit=LIST_LIMIT)
        for position, caller in enumerate(waiting, start=1):
            caller["position"] = position
            caller["wait_seconds"] = queues.seconds_between(caller["enqueued_at"], now) or 0
            caller["callback_return"] = caller["priority"] == Priority.CALLBACK_RETURN
            caller["repeat_caller"] = caller["priority"] == Priority.REPEAT_CALLER_OPEN_CASE
        served.append({"name": name, "waiting": waiting, "total": totals.get(name, 0)})
    return render_template(
        "console/console.html", queues=served, phone=users.masked_phone(current_user), limit=LIST_LIMIT
    )
