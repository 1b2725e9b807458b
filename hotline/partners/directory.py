"""The directory of partners: adding, editing and deactivating them (admins,
through /admin/partners or POST /api/v1/partners), and searching them by
field, region and language (operators and up).

A partner's contacts are for the staff's eyes only: they are stored and shown
to those who may read the directory, never written to a log line or an audit
record (the audit says which fields changed, never their values).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select, update
from sqlalchemy.orm import selectinload

from hotline import audit
from hotline.extensions import db
from hotline.models import Partner, PartnerCode
from hotline.models.partners import FACET_CODES, Facet, PartnerKind

NAME_MAX_CHARS = 200
CONTACTS_MAX_CHARS = 2_000
# The directory's page, by id.
PAGE_SIZE = 100
PARTNERS = Partner.__table__


class PartnerRefused(ValueError):
    """A partner that cannot be saved as given (400): the message names the field."""

    def __init__(self, field: str) -> None:
        super().__init__(f"invalid or missing field(s): {field}")
        self.field = field


class UnknownPartner(LookupError):
    """404: no partner has that id."""


class PartnerInactive(RuntimeError):
    """409: the partner is deactivated already."""

    def __init__(self) -> None:
        super().__init__("this partner is deactivated already")


@dataclass(frozen=True)
class Entry:
    """What the directory says of a partner, as an admin gives it."""

    name: str
    kind: str
    fields: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    contacts: str = ""
    active: bool = True

    @property
    def codes(self) -> dict[Facet, tuple[str, ...]]:
        return {Facet.FIELD: self.fields, Facet.REGION: self.regions, Facet.LANGUAGE: self.languages}


def _text_fits(text: object, most: int, *, needed: bool) -> bool:
    if not isinstance(text, str) or len(text) > most or "\x00" in text:
        return False
    return bool(text.strip()) or not needed


def checked(entry: Entry) -> Entry:
    """`entry` as it is saved (the name stripped, each list of codes in the
    facet's order, once each); PartnerRefused naming the first field at fault."""
    if not _text_fits(entry.name, NAME_MAX_CHARS, needed=True):
        raise PartnerRefused("name")
    if entry.kind not in {kind.value for kind in PartnerKind}:
        raise PartnerRefused("kind")
    names = {Facet.FIELD: "fields", Facet.REGION: "regions", Facet.LANGUAGE: "languages"}
    ordered = {}
    for facet, codes in entry.codes.items():
        if isinstance(codes, str) or not set(codes) <= set(FACET_CODES[facet]):
            raise PartnerRefused(names[facet])
        ordered[names[facet]] = tuple(code for code in FACET_CODES[facet] if code in set(codes))
    if not ordered["fields"]:
        raise PartnerRefused("fields")
    if not _text_fits(entry.contacts, CONTACTS_MAX_CHARS, needed=False):
        raise PartnerRefused("contacts")
    return Entry(entry.name.strip(), entry.kind, contacts=entry.contacts, active=entry.active, **ordered)


def get(partner_id: int | None) -> Partner:
    partner = db.session.get(Partner, partner_id) if partner_id is not None else None
    if partner is None:
        raise UnknownPartner(partner_id)
    return partner


def _set_codes(partner: Partner, entry: Entry) -> list[str]:
    """Give `partner` the entry's codes; the names of the facets that changed."""
    changed = []
    for facet, codes in entry.codes.items():
        wanted, held = set(codes), {code.code for code in partner.codes if code.facet == facet}
        if wanted == held:
            continue
        changed.append(facet.value)
        partner.codes = [code for code in partner.codes if code.facet != facet or code.code in wanted]
        partner.codes.extend(PartnerCode(facet=facet.value, code=code) for code in codes if code not in held)
    return changed


def _codes_detail(entry: Entry) -> dict:
    return {"kind": entry.kind, "fields": list(entry.fields), "regions": list(entry.regions)}


def add(entry: Entry, actor: str, now: datetime) -> Partner:
    """Add a partner to the directory, audited (partner.added: its codes, not
    its contacts) and committed. PartnerRefused with nothing written."""
    entry = checked(entry)
    partner = Partner(
        name=entry.name,
        kind=entry.kind,
        contacts=entry.contacts,
        active=entry.active,
        created_at=now,
        updated_at=now,
    )
    _set_codes(partner, entry)
    db.session.add(partner)
    db.session.flush()
    audit.record(actor, "partner.added", "partner", partner.id, **_codes_detail(entry))
    db.session.commit()
    return partner


def edit(partner_id: int, entry: Entry, actor: str, now: datetime) -> Partner:
    """Change what the directory says of a partner (reactivating it too, when
    `entry.active`), audited (partner.edited: which fields changed) and
    committed. UnknownPartner or PartnerRefused with nothing written."""
    partner = get(partner_id)
    entry = checked(entry)
    changed = [
        name
        for name in ("name", "kind", "contacts", "active")
        if getattr(partner, name) != getattr(entry, name)
    ]
    for name in changed:
        setattr(partner, name, getattr(entry, name))
    changed += _set_codes(partner, entry)
    if changed:
        partner.updated_at = now
        audit.record(actor, "partner.edited", "partner", partner.id, changed=sorted(changed))
    db.session.commit()
    return partner


def deactivate(partner_id: int, actor: str, now: datetime) -> None:
    """Take a partner out of the directory's searches (their referrals stay
    readable), audited and committed; one conditional UPDATE, so of two
    admins at once one deactivates and the other hears PartnerInactive."""
    get(partner_id)
    changed = db.session.execute(
        update(PARTNERS)
        .where(PARTNERS.c.id == partner_id, PARTNERS.c.active.is_(True))
        .values(active=False, updated_at=now)
        .returning(PARTNERS.c.id)
    ).first()
    if changed is None:
        db.session.rollback()
        raise PartnerInactive()
    audit.record(actor, "partner.deactivated", "partner", partner_id)
    db.session.commit()


def search(
    *,
    field: str | None = None,
    region: str | None = None,
    language: str | None = None,
    active_only: bool = True,
    after: int | None = None,
    limit: int | None = PAGE_SIZE,
) -> list[Partner]:
    """The partners with each code asked for (None: any), by id, `limit` of them
    from after id `after`; their codes loaded with them (two queries in all)."""
    query = select(Partner).options(selectinload(Partner.codes)).order_by(Partner.id)
    for facet, code in ((Facet.FIELD, field), (Facet.REGION, region), (Facet.LANGUAGE, language)):
        if code is not None:
            query = query.where(_holds(facet, code))
    if active_only:
        query = query.where(Partner.active.is_(True))
    if after is not None:
        query = query.where(Partner.id > after)
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def _holds(facet: Facet, code: str):
    return exists().where(
        PartnerCode.partner_id == Partner.id, PartnerCode.facet == facet.value, PartnerCode.code == code
    )


def shown(partner: Partner) -> dict:
    """A partner as the API shows it, to the staff who may read the directory."""
    return {
        "id": partner.id,
        "name": partner.name,
        "kind": partner.kind,
        "fields": partner.codes_of(Facet.FIELD),
        "regions": partner.codes_of(Facet.REGION),
        "languages": partner.codes_of(Facet.LANGUAGE),
        "contacts": partner.contacts,
        "active": partner.active,
    }


def names(partner_ids: Iterable[int]) -> dict[int, str]:
    """The partners' names by id, in one query."""
    wanted = set(partner_ids)
    if not wanted:
        return {}
    return dict(db.session.execute(select(Partner.id, Partner.name).where(Partner.id.in_(wanted))).all())
