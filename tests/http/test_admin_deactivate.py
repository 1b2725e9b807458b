"""Deactivating a user from the admin page: their session ends at once, their API
tokens are revoked, both recorded as the admin's doing; an admin cannot
deactivate themselves."""

from __future__ import annotations

from sqlalchemy import select

from hotline.accounts import auth
from hotline.extensions import db
from hotline.models import ApiToken, AuditRecord, Role, User
from tests.support.admin import counts, signed_in
from tests.support.pages import PASSWORD, csrf_token, log_in


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_deactivating_ends_the_session_and_revokes_the_tokens(app):
    admin = signed_in(app, "aliya", Role.ADMIN)
    operator = signed_in(app, "aigerim", Role.OPERATOR)
    with app.app_context():
        aigerim = auth.user_named("aigerim").id
        tokens = [auth.create_token("console", "aigerim"), auth.create_token("phone", "aigerim")]
        wallboard = auth.create_token("wallboard")
    assert operator.get("/console").status_code == 200
    assert operator.get("/api/v1/queues", headers=bearer(tokens[0])).status_code == 200

    token = csrf_token(admin, f"/admin/users/{aigerim}")
    response = admin.post(f"/admin/users/{aigerim}/deactivate", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/users"

    assert operator.get("/console").headers["Location"].startswith("/login")
    for revoked in tokens:
        assert operator.get("/api/v1/queues", headers=bearer(revoked)).status_code == 401
    assert admin.get("/api/v1/queues", headers=bearer(wallboard)).status_code == 200
    with app.app_context():
        assert db.session.get(User, aigerim).active is False
        assert all(
            t.revoked_at for t in db.session.scalars(select(ApiToken).where(ApiToken.user_id == aigerim))
        )
        records = db.session.scalars(select(AuditRecord).order_by(AuditRecord.id)).all()
        trail = [(r.actor, r.action) for r in records if r.action in ("user.deactivated", "token.revoked")]
    assert trail == [("aliya", "user.deactivated"), ("aliya", "token.revoked"), ("aliya", "token.revoked")]
    page = admin.get("/admin/users", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<td>no</td>" in page.split(f'data-user-id="{aigerim}"')[1].split("</tr>")[0]
    assert log_in(app.test_client(), "aigerim", PASSWORD).status_code == 200  # refused: the form again


def test_an_admin_cannot_deactivate_themselves(app):
    admin = signed_in(app, "aliya", Role.ADMIN)
    with app.app_context():
        own_id = auth.user_named("aliya").id
    before = counts(app)
    page = admin.get(f"/admin/users/{own_id}").get_data(as_text=True)
    assert f"/admin/users/{own_id}/deactivate" not in page
    token = csrf_token(admin, "/admin/users")
    response = admin.post(
        f"/admin/users/{own_id}/deactivate", data={"csrf_token": token}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 400
    assert "You cannot deactivate yourself." in response.get_data(as_text=True)
    assert counts(app) == before
    assert admin.get("/admin/users").status_code == 200


def test_deactivating_twice_is_a_409_and_records_once(app):
    admin = signed_in(app, "aliya", Role.ADMIN)
    with app.app_context():
        aigerim = auth.create_user("aigerim", Role.OPERATOR, PASSWORD)[0].id
    token = csrf_token(admin, "/admin/users")
    assert admin.post(f"/admin/users/{aigerim}/deactivate", data={"csrf_token": token}).status_code == 302
    before = counts(app)
    response = admin.post(
        f"/admin/users/{aigerim}/deactivate", data={"csrf_token": token}, headers={"Accept-Language": "kk"}
    )
    assert response.status_code == 409
    assert "Бұл пайдаланушы әлдеқашан өшірілген." in response.get_data(as_text=True)
    assert counts(app) == before
