"""Property: whatever a signed request carries to the webhooks of a call placed to
call someone back, the answer is never a 5xx and the callback stays whole: one
status of the six, at most one attempt open, attempts counted no more than made."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from hotline.accounts.users import create_user
from hotline.extensions import db
from hotline.models import Callback, CallbackAttempt, Role
from hotline.models.states import CallbackStatus
from telephony import vocabulary
from tests.live.test_flow_callback import PERSON, callback_waiting, offered_and_accepted, placed
from tests.support import surrogates
from tests.support.calls import Http, TwilioWebhooks
from tests.support.flow import desks
from tests.support.live_server import serve
from tests.support.pages import PASSWORD

ENDPOINTS = ["operator", "screen", "dialled", "status"]
anything = st.text(max_size=30) | surrogates.with_surrogates


def fields(call_sid: str):
    sids = st.sampled_from([call_sid, "CA" + "0" * 32, "", "CA1"]) | anything
    return st.fixed_dictionaries(
        {},
        optional={
            "CallSid": sids,
            "ParentCallSid": sids,
            "AnsweredBy": st.sampled_from(sorted(vocabulary.ANSWERED_BY)) | anything,
            "DialCallStatus": st.sampled_from(sorted(vocabulary.DIAL_STATUSES)) | anything,
            "DialBridged": st.sampled_from(["true", "false", ""]) | anything,
            "CallStatus": st.sampled_from(sorted(vocabulary.CALL_STATUSES)) | anything,
            "CallDuration": st.sampled_from(["0", "12", "-1", "٣", "9" * 30]) | anything,
            "SequenceNumber": st.sampled_from(["0", "1", "99"]) | anything,
        },
    )


def test_no_request_to_a_call_backs_webhooks_breaks_it(make_app):
    with (
        serve(
            make_app, SIMULATOR_ANSWER_SECONDS=0, SIMULATOR_RING_SECONDS=60, HOTLINE_CALLBACK_HOURS="always"
        ) as live,
        live.app.app_context(),
    ):
        create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["ru"])
        callback_id = callback_waiting(PERSON)
        with desks(live, "aigerim") as [desk]:
            desk.softphone()
            desk.available()
            offered_and_accepted(desk, callback_id)
            call_sid = placed(callback_id)
            attempt_id = db.session.scalar(
                select(CallbackAttempt.id).where(CallbackAttempt.call_sid == call_sid)
            )
            twilio = TwilioWebhooks(Http(live.url), base_url=live.url)

            @settings(
                max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
            )
            @given(
                endpoint=st.sampled_from(ENDPOINTS),
                form=fields(call_sid),
                attempt=st.sampled_from([attempt_id, 999]),
            )
            def post(endpoint, form, attempt):
                answer = twilio.post(f"/telephony/voice/callbacks/{attempt}/{endpoint}", form)
                assert answer.status_code < 500, answer.text
                db.session.expire_all()
                callback = db.session.get(Callback, callback_id)
                assert callback.status in set(CallbackStatus)
                attempts = db.session.scalars(
                    select(CallbackAttempt).where(CallbackAttempt.callback_id == callback_id)
                ).all()
                assert sum(attempt.ended_at is None for attempt in attempts) <= 1
                assert callback.attempts <= sum(attempt.dialled for attempt in attempts)
                assert db.session.scalar(select(func.count()).select_from(Callback)) == 1

            post()
