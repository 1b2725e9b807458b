"""The audit log's page, /audit, and its CSV, /audit.csv: for supervisors and admins."""

from flask import Blueprint

bp = Blueprint("auditpage", __name__)

from hotline.auditpage import views  # noqa: E402,F401
