"""Partners and referrals in tests: a partner of the directory, a referral of a
case to one, and what the steps left behind."""

from __future__ import annotations

from sqlalchemy import func, select

from hotline.accounts import auth
from hotline.extensions import db
from hotline.models import AuditRecord, CaseEvent, Referral, ReferralMove, Role, utcnow
from hotline.partners import directory
from tests.support.cases import bearer, staff_tokens

CONTACTS = "+7 7172 55 00 11, help@example.org"


def tokens_with_an_admin(app) -> dict[str, str]:
    """tests.support.cases.staff_tokens, and aliya's, an admin's."""
    made = staff_tokens(app)
    with app.app_context():
        auth.create_user("aliya", Role.ADMIN)
        made["aliya"] = auth.create_token("aliya", "aliya")
    return made


def a_partner(app, name: str = "Adal Zher", **overrides) -> int:
    """A partner added to the directory (legal help in Astana, in kk and ru unless told); its id."""
    values = {
        "name": name,
        "kind": "organisation",
        "fields": ("legal", "documents"),
        "regions": ("astana",),
        "languages": ("kk", "ru"),
        "contacts": CONTACTS,
        **overrides,
    }
    with app.app_context():
        return directory.add(directory.Entry(**values), "admin", utcnow()).id


def refer(client, token: str, reference: str, partner_id: int, reason: str = "needs a new identity card"):
    return client.post(
        f"/api/v1/cases/{reference}/referrals",
        json={"partner_id": partner_id, "reason": reason},
        headers=bearer(token),
    )


def move(client, token: str, referral_id: int, status: str):
    return client.post(
        f"/api/v1/referrals/{referral_id}/status", json={"status": status}, headers=bearer(token)
    )


def trail(app) -> tuple:
    """Referrals (id, status), their moves, the referral events and their audit records."""
    with app.app_context():
        db.session.expire_all()
        return (
            tuple(db.session.execute(select(Referral.id, Referral.status).order_by(Referral.id)).all()),
            db.session.scalar(select(func.count()).select_from(ReferralMove)),
            db.session.scalar(select(func.count()).where(CaseEvent.kind.like("referral%"))),
            db.session.scalar(select(func.count()).where(AuditRecord.action.like("case.referral%"))),
        )
