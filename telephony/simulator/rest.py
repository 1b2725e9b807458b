"""Placeholder for the simulated Twilio REST API (being written)."""

from flask import Blueprint

bp = Blueprint("simulator", __name__, url_prefix="/simulator")
