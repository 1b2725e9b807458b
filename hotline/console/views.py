"""/console: the user's queues with who waits in them, and their presence.

An operator sees only the queues they serve; supervisors and admins all four.
No phone number reaches this page: the waiting list carries none. The page is
rendered whole on the server; console.js keeps it live from then on.
"""

from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required

from hotline import users
from hotline.console import bp
from hotline.console.waiting import LIST_LIMIT, waiting_list
from hotline.models import utcnow


@bp.get("/console")
@login_required
def console():
    now = utcnow()
    served = [waiting_list(name, now) for name in current_user.queue_names]
    return render_template(
        "console/console.html", queues=served, phone=users.masked_phone(current_user), limit=LIST_LIMIT
    )
