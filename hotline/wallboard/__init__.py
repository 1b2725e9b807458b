"""The supervisors' live wallboard: its figures (`snapshot`, for the API, the
page and the every-second job that emits `wallboard.queue`) and its page, /wallboard."""

from flask import Blueprint

bp = Blueprint("wallboard", __name__)

from hotline.wallboard import views  # noqa: E402,F401
