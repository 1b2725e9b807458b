"""The callbacks' API in tests: its users and their tokens, a case opened by a
phone call, a request for a callback from it."""

from __future__ import annotations

from hotline.accounts import auth
from hotline.models import Role
from tests.support import clock
from tests.support.calls import ScriptedCall
from tests.support.pages import PASSWORD

NUMBER = "+77015551234"
OTHER_NUMBER = "+77017778899"
# The callback hours the tests run with, every day.
HOURS = "09:00-20:00"
# A need menu's digit for each queue.
NEEDS = {"psychologist": "1", "medical": "2", "legal": "3", "general": "4"}


def staff_tokens(app) -> dict[str, str]:
    """API tokens: aigerim serves legal, dana medical, boris supervises; the
    wallboard's belongs to no user and only reads. Passwords PASSWORD."""
    with app.app_context():
        auth.create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["ru"])
        auth.create_user("dana", Role.OPERATOR, PASSWORD, queues=["medical"], languages=["ru"])
        auth.create_user("boris", Role.SUPERVISOR, PASSWORD)
        made = {name: auth.create_token(name, name) for name in ("aigerim", "dana", "boris")}
        made["wallboard"] = auth.create_token("wallboard")
        return made


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def case_called(app, twilio, queue: str = "legal", number: str | None = NUMBER) -> str:
    """The reference of the case a phone call to `queue` opened."""
    call = ScriptedCall(twilio, from_number=number)
    call.to_queue(need=NEEDS[queue])
    with app.app_context():
        return call.record().case.reference


def ask(client, token: str, reference: str, **body):
    """POST /api/v1/cases/<reference>/callbacks; due on a working day at 10:00 unless told."""
    body.setdefault("due_at", clock.next_weekday_at(10).isoformat())
    return client.post(f"/api/v1/cases/{reference}/callbacks", json=body, headers=bearer(token))


def queued_callback(
    number: str = NUMBER,
    queue: str = "legal",
    waiting_since=None,
    language: str | None = "ru",
    asked_at=None,
    **more,
) -> int:
    """A callback asked for on the web, due now: queued at once when callback
    hours are open (HOTLINE_CALLBACK_HOURS=always), placed by `waiting_since`;
    or, asked for a later `asked_at`, scheduled then. Needs an app context;
    returns its id."""
    from hotline.callbacks import service
    from hotline.extensions import db
    from hotline.models import Caller, utcnow
    from hotline.models.states import CallbackSource

    policy, vault = service.settings()
    caller = Caller(number_hash=vault.digest(number), number_encrypted=vault.encrypt(number))
    db.session.add(caller)
    db.session.commit()
    request = service.Request(
        caller_id=caller.id,
        queue=queue,
        source=CallbackSource.WEB,
        asked_at=asked_at or utcnow(),
        language=language,
        waiting_since=waiting_since,
        **more,
    )
    return service.record(request, utcnow(), policy, vault, actor="web").callback_id


def accepted_callback(
    username: str = "aigerim", number: str = "+77012220002", phone: str | None = None
) -> tuple[int, int]:
    """`username` (legal, ru; on their own `phone` when given, else the softphone)
    becomes available, is offered a callback queued for `number` and accepts it:
    the attempt's id and the callback's. Needs an app context, callback hours open."""
    from sqlalchemy import select

    from hotline.extensions import db
    from hotline.models import Offer, User, utcnow
    from hotline.models.states import Device, Presence
    from hotline.operators import desk, offers

    auth.create_user(username, Role.OPERATOR, PASSWORD, queues=["legal"], languages=["ru"], phone=phone)
    user = db.session.scalars(select(User).where(User.username == username)).one()
    desk.choose_presence(user, Presence.AVAILABLE, Device.PHONE if phone else None, utcnow())
    callback_id = queued_callback(number)
    offers.distribute(utcnow())
    offer_id = db.session.scalars(select(Offer.id).where(Offer.callback_id == callback_id)).one()
    return desk.take_callback(offer_id, user, utcnow()).attempt_id, callback_id
