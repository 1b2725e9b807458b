"""Retention: a case closed longer ago than HOTLINE_RETENTION_DAYS loses what
is personal in it; its figures stay.

A case is due when it is `closed`, its `closed_at` (set by `workflow.move`,
cleared when it is reopened) is older than the retention period, and it is not
anonymised yet (`anonymised_at`). Anonymising it:

1. reads the recording SIDs of its calls and deletes each at the network
   through the port (`Telephony.delete_recording`; one the network no longer has
   counts as deleted), with no transaction open;
2. then, in one short transaction that begins with a conditional UPDATE of the
   case (still closed, still not anonymised, still closed before the cut-off):
   the calls' recording SID and URL cleared; the notes' bodies emptied (the rows
   stay, so the timeline's entries, their corrections' links and every count of
   notes still read as before, with no text); the case's other free texts
   emptied (referral reasons, plan-step goals and results, emergency-action
   results, block reasons); the numbers of its finished callbacks removed; and
   when the person has no case left that is not anonymised, their number
   (hash and ciphertext), their finished callbacks' numbers and their social
   passport with its versions. A timeline event `anonymised` and its audit
   record (actor "retention": ids and counts only).

A failure at the network leaves the case as it was for the next run; a second
run finds nothing due. Calls' times, waits, queues, outcomes, categories and the
stats rollups are not touched, so `flask stats verify` agrees before and after.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update

from hotline.cases import timeline
from hotline.extensions import db
from hotline.models import (
    Call,
    Callback,
    Caller,
    CallerBlock,
    Case,
    CaseNote,
    EmergencyAction,
    PassportVersion,
    PlanStep,
    Referral,
    SocialPassport,
)
from hotline.models.states import OPEN_CALLBACK, CaseStatus
from hotline.telephony import Telephony, TelephonyError

log = logging.getLogger(__name__)

ACTOR = "retention"
# Cases anonymised by one run at most: a first run over years of data is many
# short runs, one a day, never one long lock.
BATCH = 200
OPEN_CALLBACKS = tuple(status.value for status in OPEN_CALLBACK)


@dataclass(frozen=True)
class Run:
    anonymised: list[str]
    left: list[str]


def cut_off(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)


def due(now: datetime, days: int, limit: int = BATCH) -> list[int]:
    """The ids of the cases due, oldest first, at most `limit`."""
    rows = db.session.scalars(
        select(Case.id)
        .where(
            Case.status == CaseStatus.CLOSED,
            Case.closed_at < cut_off(now, days),
            Case.anonymised_at.is_(None),
        )
        .order_by(Case.id)
        .limit(limit)
    ).all()
    db.session.rollback()
    return list(rows)


def run(now: datetime, days: int, telephony: Telephony, limit: int = BATCH) -> Run:
    """Anonymise up to `limit` due cases, each on its own; days 0: nothing."""
    done: list[str] = []
    left: list[str] = []
    if days <= 0:
        return Run(done, left)
    for case_id in due(now, days, limit):
        reference = db.session.scalar(select(Case.reference).where(Case.id == case_id))
        db.session.rollback()
        (done if anonymise(case_id, now, days, telephony) else left).append(reference)
    return Run(done, left)


def anonymise(case_id: int, now: datetime, days: int, telephony: Telephony) -> bool:
    """Anonymise one due case (see the module); False, with nothing written, when the
    network refused a deletion or the case is no longer due."""
    recordings = list(
        db.session.scalars(
            select(Call.recording_sid).where(Call.case_id == case_id, Call.recording_sid.is_not(None))
        )
    )
    db.session.rollback()
    for recording_sid in recordings:
        try:
            telephony.delete_recording(recording_sid)
        except TelephonyError as error:
            log.warning("retention: case id %s left for the next run: %s", case_id, error)
            return False
    marked = db.session.execute(
        update(Case)
        .where(
            Case.id == case_id,
            Case.status == CaseStatus.CLOSED,
            Case.closed_at < cut_off(now, days),
            Case.anonymised_at.is_(None),
        )
        .values(anonymised_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not marked:
        db.session.rollback()
        return False
    db.session.execute(
        update(Call)
        .where(Call.case_id == case_id, Call.recording_sid.in_(recordings))
        .values(recording_sid=None, recording_url=None, version=Call.version + 1)
        .execution_options(synchronize_session=False)
    )
    if db.session.scalar(
        select(func.count()).where(Call.case_id == case_id, Call.recording_sid.is_not(None))
    ):
        # A recording came after the look: the next run deletes it first.
        db.session.rollback()
        return False
    notes = _empty(CaseNote, CaseNote.case_id == case_id, body="")
    _empty(Referral, Referral.case_id == case_id, reason="")
    _empty(PlanStep, PlanStep.case_id == case_id, goal="", result=None)
    _empty(EmergencyAction, EmergencyAction.case_id == case_id, result="")
    _empty(CallerBlock, CallerBlock.case_id == case_id, reason="")
    _forget_numbers(Callback.case_id == case_id)
    caller_id = db.session.scalar(select(Case.caller_id).where(Case.id == case_id))
    person = caller_id is not None and _forget_person(caller_id)
    timeline.record(
        case_id,
        "anonymised",
        actor=ACTOR,
        at=now,
        notes=notes,
        recordings=len(recordings),
        person=person,
    )
    db.session.commit()
    return True


def _empty(model, condition, **values) -> int:
    return db.session.execute(
        update(model).where(condition).values(**values).execution_options(synchronize_session=False)
    ).rowcount


def _forget_numbers(condition) -> None:
    _empty(
        Callback,
        condition & Callback.status.not_in(OPEN_CALLBACKS),
        number_hash=None,
        number_encrypted=None,
        number_tail=None,
    )


def _forget_person(caller_id: int) -> bool:
    """The person's number and passport removed once every case of theirs is anonymised."""
    kept = db.session.scalar(
        select(func.count()).where(Case.caller_id == caller_id, Case.anonymised_at.is_(None))
    )
    if kept:
        return False
    _empty(Caller, Caller.id == caller_id, number_hash=None, number_encrypted=None)
    _forget_numbers(Callback.caller_id == caller_id)
    passports = select(SocialPassport.id).where(SocialPassport.caller_id == caller_id)
    db.session.execute(
        delete(PassportVersion)
        .where(PassportVersion.passport_id.in_(passports))
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        delete(SocialPassport)
        .where(SocialPassport.caller_id == caller_id)
        .execution_options(synchronize_session=False)
    )
    return True
