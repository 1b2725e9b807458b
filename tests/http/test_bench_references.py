"""The bench's reference routes answer as the webhooks beside them do: signed, 200,
never refused for want of a CSRF token (else the bench compares with refusals)."""

from __future__ import annotations

from sqlalchemy import func, select

from bench import reference_app
from bench.models import BenchBase, BenchHit
from hotline.extensions import db
from tests.support.calls import TwilioWebhooks


def test_both_references_answer_a_signed_request_and_the_insert_writes(database_url, redis_url):
    app = reference_app.create_app({"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": redis_url})
    with app.app_context():
        BenchBase.metadata.create_all(db.engine)
        try:
            twilio = TwilioWebhooks(app.test_client())
            call_sid = twilio.new_call_sid()
            for path in ("/bench/bare", "/bench/insert"):
                answer = twilio.post(path, {"CallSid": call_sid})
                assert (path, answer.status_code) == (path, 200)
            assert db.session.scalar(select(func.count()).select_from(BenchHit)) == 1
        finally:
            db.session.remove()
            BenchBase.metadata.drop_all(db.engine)
