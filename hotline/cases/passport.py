"""A person's social passport: what the hotline knows of their situation after
release, kept per person (the caller), read and changed through any of their
cases (GET/PUT /api/v1/cases/<reference>/passport).

Every change is a new version: who, when, through which case, which fields —
their names, never their values — and is on the case's timeline and in the
audit log the same way. The values are the person's private matter: they go to
the passport's row and to those who may see the case, never into a log line,
an event or an audit record.

Two changes at once: each is an UPDATE … WHERE version = the version it read
(the first one an INSERT, one passport per person by a unique index), so of two
at once one writes version n + 1 and the other is refused (409) with nothing
written; the versions' (passport, version) is unique too. A client that says
which version it changed (`expected`, the API's If-Match) is refused when the
passport is no longer at that version, however far apart the two changes come.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from hotline.cases import timeline
from hotline.core.transactions import savepoint
from hotline.extensions import db
from hotline.models import Case, PassportVersion, SocialPassport, User

# The contract's names (the API is public: keep them).
REGIONS = ("astana", "karaganda", "akmola", "other")
DOCUMENTS = ("identity_card", "registration", "passport", "birth_certificate", "military_id", "other")
TEXTS = ("housing", "work", "education", "disability", "family")
DATES = ("release_date", "supervision_ends", "follow_up_consent_date")
FLAGS = ("health_insurance", "follow_up_consent")
LISTS = ("documents_held", "documents_missing")
FIELDS = (
    "region",
    "release_date",
    "documents_held",
    "documents_missing",
    "housing",
    "work",
    "education",
    "health_insurance",
    "disability",
    "family",
    "supervision_ends",
    "follow_up_consent",
    "follow_up_consent_date",
)
TEXT_MAX_CHARS = 2_000
PASSPORTS = SocialPassport.__table__


class NoPerson(LookupError):
    """409: the case has no person on record (a call that never reached the menu's end)."""

    def __init__(self) -> None:
        super().__init__("this case has no person on record to keep a social passport for")


class PassportRefused(ValueError):
    """400: the passport would not make sense as asked; the message names the field."""

    def __init__(self, field: str) -> None:
        super().__init__(f"invalid or missing field(s): {field}")
        self.field = field


class PassportChanged(RuntimeError):
    """409: someone else changed the passport first: nothing written."""

    def __init__(self) -> None:
        super().__init__("the social passport changed meanwhile: read it again and make your change")


def blank() -> dict:
    """A passport with nothing known yet."""
    return {field: ([] if field in LISTS else None) for field in FIELDS}


def _row(caller_id: int) -> SocialPassport | None:
    return db.session.scalars(
        select(SocialPassport).where(SocialPassport.caller_id == caller_id)
    ).one_or_none()


def _caller_of(case: Case) -> int:
    if case.caller_id is None:
        raise NoPerson()
    return case.caller_id


def shown(case: Case) -> dict:
    """The passport of the case's person (blank when none yet), its version number
    (0: none yet) and its versions, newest first."""
    passport = _row(_caller_of(case))
    if passport is None:
        return {**blank(), "version": 0, "versions": []}
    rows = db.session.execute(
        select(PassportVersion, User.username)
        .join(User, User.id == PassportVersion.actor_id)
        .where(PassportVersion.passport_id == passport.id)
        .order_by(PassportVersion.version.desc())
    ).all()
    versions = [
        {"version": row.version, "at": row.at, "actor": username, "changed": list(row.changed)}
        for row, username in rows
    ]
    values = {field: getattr(passport, field) for field in FIELDS}
    return {**values, "version": passport.version, "versions": versions}


def _normal(values: dict) -> dict:
    """The values as kept: lists in the contract's order without repeats, text
    trimmed (only spaces: nothing)."""
    kept = {}
    for field, value in values.items():
        if field in LISTS:
            value = [code for code in DOCUMENTS if code in set(value or ())]
        elif field in TEXTS and value is not None:
            value = value.strip() or None
        kept[field] = value
    return kept


def _check(passport: dict) -> None:
    """What the schema of the API's body says too, for every other caller; PassportRefused names the field."""
    for field in TEXTS:
        if passport[field] is not None and (
            len(passport[field]) > TEXT_MAX_CHARS or "\x00" in passport[field]
        ):
            raise PassportRefused(field)
    for field in DATES:
        if passport[field] is not None and not isinstance(passport[field], date):
            raise PassportRefused(field)


# What else a change does in its transaction (the follow-ups planned: the view
# hands `hotline.callbacks.follow_ups.passport_saved` in, since cases import no callbacks).
Then = Callable[[Case, dict, list[str], datetime], None]


def save(
    case: Case,
    values: dict,
    user: User,
    now: datetime,
    today: date,
    expected: int | None = None,
    then: Then | None = None,
) -> int:
    """Set the passport's fields named in `values` (those left out keep theirs)
    for the case's person, as a new version by `user`, committed, on the case's
    timeline and in the audit log; the passport's version number (unchanged
    when nothing changed: no version is written). With `expected`, only if the
    passport is still at that version (0: none yet). Consent given with no
    date is dated `today` (the hotline's date). NoPerson, PassportRefused,
    PassportChanged, with nothing written. `then(case, passport, changed, now)`
    runs in the transaction once the version is written."""
    caller_id = _caller_of(case)
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise PassportRefused(unknown[0])
    row = _row(caller_id)
    if expected is not None and expected != (row.version if row is not None else 0):
        db.session.rollback()
        raise PassportChanged()
    current = {field: getattr(row, field) for field in FIELDS} if row is not None else blank()
    wanted = {**current, **_normal(values)}
    if wanted["follow_up_consent"] and wanted["follow_up_consent_date"] is None:
        wanted["follow_up_consent_date"] = today
    _check(wanted)
    changed = [field for field in FIELDS if wanted[field] != current[field]]
    if not changed:
        db.session.rollback()
        return row.version if row is not None else 0
    try:
        passport_id, version = _write(row, caller_id, {field: wanted[field] for field in changed})
        db.session.execute(
            insert(PassportVersion).values(
                passport_id=passport_id,
                version=version,
                case_id=case.id,
                actor_id=user.id,
                changed=changed,
                at=now,
            )
        )
    except (PassportChanged, IntegrityError):
        db.session.rollback()
        raise PassportChanged() from None
    timeline.record(
        case.id,
        "passport_changed",
        actor=user.username,
        actor_id=user.id,
        at=now,
        version=version,
        fields=changed,
    )
    if then is not None:
        then(case, wanted, changed, now)
    db.session.commit()
    return version


def _write(row: SocialPassport | None, caller_id: int, values: dict) -> tuple[int, int]:
    """The passport's new version written: (its id, the version). IntegrityError
    when another first version was written meanwhile, PassportChanged when
    another version was."""
    connection = db.session.connection()
    if row is None:
        full = {**blank(), **values}
        with savepoint():
            passport_id = connection.scalar(
                insert(PASSPORTS).values(caller_id=caller_id, version=1, **full).returning(PASSPORTS.c.id)
            )
        return passport_id, 1
    version = connection.scalar(
        update(PASSPORTS)
        .where(PASSPORTS.c.id == row.id, PASSPORTS.c.version == row.version)
        .values(version=PASSPORTS.c.version + 1, **values)
        .returning(PASSPORTS.c.version)
    )
    if version is None:
        raise PassportChanged()
    return row.id, version
