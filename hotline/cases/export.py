"""One person's data, for a subject-access request (`flask export-person`).

`person(reference, vault)` answers a dict that json.dumps writes as is, with
stable keys: each record is its table's columns by their names (dates ISO 8601
in UTC), with these parts:

- `format` (1), `exported_at`, `case` (the reference asked about);
- `caller`: the person (`id`, `number` in full, E.164, decrypted: it is their
  own data; null when withheld or removed by retention, `language`, `created_at`);
- `cases`: every case of theirs, oldest first, each with `calls`, `notes`,
  `referrals` (each with its `moves`), `callbacks` (each with its `attempts`;
  `number` decrypted in place of its hash and ciphertext), `risk_alerts`,
  `emergency_actions`, `blocks`;
- `passport` (null when none) with its `versions`; `plan_steps`.

Reading it writes only its audit record (`person.exported`, on the case: who
and which case), which `export` commits.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import inspect, select

from hotline import audit
from hotline.cases.lookup import get_case
from hotline.core.phones import PhoneVault
from hotline.extensions import db
from hotline.models import (
    Call,
    Callback,
    CallbackAttempt,
    Caller,
    CallerBlock,
    Case,
    CaseNote,
    EmergencyAction,
    PassportVersion,
    PlanStep,
    Referral,
    ReferralMove,
    RiskAlert,
    SocialPassport,
    utcnow,
)

FORMAT = 1
HIDDEN = frozenset({"number_hash", "number_encrypted"})


def _value(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _row(record, vault: PhoneVault | None = None) -> dict:
    columns = inspect(type(record)).columns
    out = {column.key: _value(getattr(record, column.key)) for column in columns if column.key not in HIDDEN}
    if vault is not None and "number_encrypted" in columns:
        token = record.number_encrypted
        out["number"] = vault.decrypt(token) if token else None
    return out


def _rows(model, *conditions, vault: PhoneVault | None = None) -> list[dict]:
    records = db.session.scalars(select(model).where(*conditions).order_by(model.id))
    return [_row(record, vault) for record in records]


def person(reference: str, vault: PhoneVault) -> dict:
    """Raises UnknownCase for a reference no case has."""
    asked = get_case(reference)
    caller = db.session.get(Caller, asked.caller_id) if asked.caller_id is not None else None
    cases = (
        [asked]
        if caller is None
        else list(db.session.scalars(select(Case).where(Case.caller_id == caller.id).order_by(Case.id)))
    )
    passport = None
    plan_steps: list[dict] = []
    if caller is not None:
        found = db.session.scalar(select(SocialPassport).where(SocialPassport.caller_id == caller.id))
        if found is not None:
            passport = {
                **_row(found),
                "versions": _rows(PassportVersion, PassportVersion.passport_id == found.id),
            }
        plan_steps = _rows(PlanStep, PlanStep.caller_id == caller.id)
    return {
        "format": FORMAT,
        "exported_at": utcnow().isoformat(),
        "case": reference,
        "caller": None if caller is None else _row(caller, vault),
        "cases": [_case(case, vault) for case in cases],
        "passport": passport,
        "plan_steps": plan_steps,
    }


def _case(case: Case, vault: PhoneVault) -> dict:
    referrals = _rows(Referral, Referral.case_id == case.id)
    for referral in referrals:
        referral["moves"] = _rows(ReferralMove, ReferralMove.referral_id == referral["id"])
    callbacks = _rows(Callback, Callback.case_id == case.id, vault=vault)
    for callback in callbacks:
        callback["attempts"] = _rows(CallbackAttempt, CallbackAttempt.callback_id == callback["id"])
    return {
        **_row(case),
        "calls": _rows(Call, Call.case_id == case.id),
        "notes": _rows(CaseNote, CaseNote.case_id == case.id),
        "referrals": referrals,
        "callbacks": callbacks,
        "risk_alerts": _rows(RiskAlert, RiskAlert.case_id == case.id),
        "emergency_actions": _rows(EmergencyAction, EmergencyAction.case_id == case.id),
        "blocks": _rows(CallerBlock, CallerBlock.case_id == case.id),
    }


def export(reference: str, vault: PhoneVault, actor: str) -> dict:
    """`person`, with its audit record committed: `actor` exported the case's person."""
    data = person(reference, vault)
    audit.record(actor, "person.exported", "case", get_case(reference).id, reference=reference)
    db.session.commit()
    return data
