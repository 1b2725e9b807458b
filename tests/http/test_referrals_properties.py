"""Any body at the referral and partner endpoints, any query at the
directory: a 2xx, a 400 or a 409 (a 404 for a partner not in the directory), never a 5xx; a
refused one leaves everything as it was (no referral, no move, no event, no
audit record, no partner); text with a lone surrogate is a 400."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from hotline.extensions import db
from hotline.models import AuditRecord, Partner, PartnerCode
from hotline.models.partners import FACET_CODES, Facet
from tests.support.bodies import check_answers, json_values, objects
from tests.support.cases import bearer, case_called
from tests.support.partners import a_partner, refer, tokens_with_an_admin, trail

PROPERTIES = settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
STATUSES = ["made", "accepted", "declined", "withdrawn", "service_received", "service_not_received", "done"]
codes = {facet: st.sampled_from([*FACET_CODES[facet], "x", "", "LEGAL"]) for facet in Facet}
partner_fields = {
    "name": st.text(max_size=30) | st.sampled_from(["", " ", "x" * 201, "a\x00b"]) | json_values,
    "kind": st.sampled_from(["organisation", "expert", "mentor", "friend"]) | json_values,
    "fields": st.lists(codes[Facet.FIELD], max_size=3) | json_values,
    "regions": st.lists(codes[Facet.REGION], max_size=3) | json_values,
    "languages": st.lists(codes[Facet.LANGUAGE], max_size=3) | json_values,
    "contacts": st.text(max_size=30) | st.sampled_from(["x" * 2001, "\x00"]) | json_values,
    "active": st.booleans() | json_values,
}
partner_bodies = objects(partner_fields) | st.fixed_dictionaries(
    {
        "name": st.text(min_size=1, max_size=20),
        "kind": st.sampled_from(["organisation", "expert", "mentor"]),
        "fields": st.lists(st.sampled_from(FACET_CODES[Facet.FIELD]), min_size=1, max_size=3),
    },
    optional={"regions": st.lists(st.sampled_from(FACET_CODES[Facet.REGION]), max_size=2)},
)
status_bodies = objects({"status": st.sampled_from(STATUSES) | json_values}) | st.fixed_dictionaries(
    {"status": st.sampled_from(STATUSES)}
)


@pytest.fixture
def tokens(app):
    return tokens_with_an_admin(app)


def directory_written(app) -> tuple:
    with app.app_context():
        db.session.expire_all()
        return (
            tuple(db.session.execute(select(Partner.id, Partner.name, Partner.kind, Partner.contacts)).all()),
            tuple(
                db.session.execute(select(PartnerCode.partner_id, PartnerCode.facet, PartnerCode.code)).all()
            ),
            db.session.scalar(select(func.count()).select_from(AuditRecord)),
        )


def test_any_partner_body_is_answered_and_leaves_no_half_partner(app, client, tokens):
    def one_more(before, after):
        assert len(after[0]) == len(before[0]) + 1 and after[2] == before[2] + 1
        assert len(after[1]) > len(before[1])

    seen = check_answers(
        client,
        "/api/v1/partners",
        bearer(tokens["aliya"]),
        partner_bodies,
        "name",
        201,
        lambda: directory_written(app),
        one_more,
    )
    assert {201, 400} <= seen


def test_any_referral_body_is_answered_and_leaves_no_half_referral(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    partner = a_partner(app)
    bodies = objects(
        {
            "partner_id": st.sampled_from([partner, partner + 1, 0, -1, 2**31]) | json_values,
            "reason": st.text(max_size=30) | st.sampled_from(["", "  ", "\x00", "x" * 10_001]) | json_values,
        }
    ) | st.fixed_dictionaries({"partner_id": st.just(partner), "reason": st.text(min_size=1, max_size=30)})

    def one_more(before, after):
        assert (len(after[0]), after[1:]) == (
            len(before[0]) + 1,
            (before[1] + 1, before[2] + 1, before[3] + 1),
        )

    path = f"/api/v1/cases/{reference}/referrals"
    headers = bearer(tokens["aigerim"])
    seen = check_answers(
        client, path, headers, bodies, "reason", 201, lambda: trail(app), one_more, (400, 404)
    )
    assert {201, 400} <= seen


def test_any_status_body_is_answered_and_leaves_no_half_move(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    partner = a_partner(app)
    referral = refer(client, tokens["aigerim"], reference, partner).json["id"]

    def one_move(before, after):
        assert after[1:] == (before[1] + 1, before[2] + 1, before[3] + 1)

    path = f"/api/v1/referrals/{referral}/status"
    seen = check_answers(
        client, path, bearer(tokens["aigerim"]), status_bodies, "status", 200, lambda: trail(app), one_move
    )
    assert {400, 409} <= seen


queries = st.dictionaries(
    st.sampled_from(["field", "region", "language", "after", "other"]),
    st.sampled_from(
        [*FACET_CODES[Facet.FIELD], *FACET_CODES[Facet.REGION], "kk", "1", "-1", "", "x" * 40, "\x00"]
    )
    | st.text(max_size=12),
    max_size=4,
)


def test_any_directory_query_is_answered_with_the_partners_it_names_or_a_400(app, client, tokens):
    legal = a_partner(app, "Adal Zher")
    housing = a_partner(app, "Uy", fields=("housing",), regions=("karaganda",), languages=("ru",))
    holds = {
        legal: {"field": {"legal", "documents"}, "region": {"astana"}, "language": {"kk", "ru"}},
        housing: {"field": {"housing"}, "region": {"karaganda"}, "language": {"ru"}},
    }

    @given(query=queries)
    @PROPERTIES
    def answered(query):
        answer = client.get("/api/v1/partners", query_string=query, headers=bearer(tokens["dana"]))
        assert answer.status_code in (200, 400), answer.get_data(as_text=True)
        if answer.status_code == 400:
            return
        asked = {
            name: code for name, code in query.items() if name in ("field", "region", "language") and code
        }
        after = int(query["after"]) if query.get("after") else 0
        wanted = [
            partner
            for partner, held in holds.items()
            if partner > after and all(code in held[name] for name, code in asked.items())
        ]
        assert [item["id"] for item in answer.json["items"]] == wanted

    answered()
