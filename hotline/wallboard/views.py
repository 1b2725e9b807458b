"""/wallboard: every queue's live figures and the open imminent-risk alerts, for a
wall screen (large type, high contrast, nothing to click). Supervisors and admins
only: anyone else the 403 page.

The page renders the snapshot (`snapshot.live`, the API's) on the server;
static/js/wallboard.js loads GET /api/v1/stats/live on every (re)connect and
then follows `wallboard.queue` and the risk events. A queue turns red when its
longest wait passes the service level's T (HOTLINE_SERVICE_LEVEL_SECONDS, the
hotline's for every queue until the targets' slice sets them per queue) or its
service level today is under HOTLINE_SERVICE_LEVEL_TARGET.
"""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import get_locale, gettext

from hotline.accounts.auth import role_required
from hotline.console.labels import queue_labels
from hotline.models import Role, utcnow
from hotline.wallboard import bp, snapshot


def alarming(queue: dict, threshold_seconds: int, target: float) -> bool:
    """Red on the wall: the longest wait past T, or today's service level under target."""
    level = queue["service_level_today"]
    return queue["longest_wait_seconds"] > threshold_seconds or (level is not None and level < target)


@bp.get("/wallboard")
@role_required(Role.SUPERVISOR, Role.ADMIN)
def wallboard():
    now = utcnow()
    config = current_app.config
    threshold, target = config["HOTLINE_SERVICE_LEVEL_SECONDS"], config["HOTLINE_SERVICE_LEVEL_TARGET"]
    live = snapshot.live(now, config)
    return render_template(
        "wallboard/wallboard.html",
        live=live,
        threshold=threshold,
        target=target,
        alarming=lambda queue: alarming(queue, threshold, target),
        data={
            "locale": str(get_locale()),
            "timezone": config["HOTLINE_TIMEZONE"],
            "server_time": now.isoformat(),
            "threshold_seconds": threshold,
            "target": target,
            "labels": _labels(),
        },
    )


def _labels() -> dict:
    return {
        "queues": queue_labels(),
        "acknowledged": gettext("Acknowledged"),
        "not_acknowledged": gettext("Not acknowledged"),
        "no_alert": gettext("No open imminent-risk alert."),
        "live": gettext("Live"),
        "offline": gettext("Offline: reconnecting…"),
        "alarm": gettext("Needs attention"),
        "seconds": gettext("s"),
    }
