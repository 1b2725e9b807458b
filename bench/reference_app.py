"""The hotline app plus two reference routes, served by the same gunicorn command:

    gunicorn -c config/gunicorn.py "bench.reference_app:create_app()"

- POST /bench/bare    a fixed TwiML document: what Flask under this gunicorn can do at most.
- POST /bench/insert  the least a webhook that records a call must do: check the
                      X-Twilio-Signature, insert one row with the ORM, commit.

Both are on the app that `hotline.create_app()` builds, so they share its
config, extensions, engine options (pool_pre_ping, SQLite pragmas) and worker.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Flask, Response, request
from twilio.twiml.voice_response import VoiceResponse

from bench.models import BenchHit
from hotline import create_app as create_hotline_app
from hotline.extensions import csrf, db
from telephony.security import twilio_signed


def _fixed_twiml() -> str:
    response = VoiceResponse()
    gather = response.gather(num_digits=1, action="/telephony/voice/menu?attempt=1", method="POST", timeout=6)
    gather.say(
        "Здравствуйте. Вы позвонили на горячую линию. Нажмите 1, 2, 3 или 4.",
        voice="Polly.Tatyana",
        language="ru-RU",
    )
    response.redirect("/telephony/voice/menu?attempt=1", method="POST")
    return str(response)


FIXED_TWIML = _fixed_twiml()


def create_app(config=None) -> Flask:
    app = create_hotline_app(config)
    # Signed as Twilio signs, like the webhooks they stand beside: no CSRF token
    # comes with them, so they are exempt as telephony/'s blueprints are.
    references = Blueprint("bench", __name__)
    csrf.exempt(references)

    @references.post("/bench/bare")
    def bench_bare():
        return Response(FIXED_TWIML, content_type="application/xml")

    @references.post("/bench/insert")
    @twilio_signed
    def bench_insert():
        db.session.add(BenchHit(call_sid=request.form.get("CallSid", ""), created_at=datetime.now(UTC)))
        db.session.commit()
        return Response(FIXED_TWIML, content_type="application/xml")

    app.register_blueprint(references)
    return app
