import re

import pytest
import sqlalchemy as sa

from exchange.accounts import operations as ops
from exchange.accounts.models import AccountRole, User
from exchange.errors import ValidationFailed
from exchange.outbox import OutboxEvent
from tests import factories


def _signup(client, **overrides):
    data = {"role": "seeker", "full_name": "Айгерім Серікқызы", "email": "aigerim@example.kz", "password": "qazaqstan-2026"}
    data.update(overrides)
    return client.post("/sign-up", data=data)


def test_sign_up_signs_in_and_records_an_event(client, db):
    response = _signup(client)
    assert response.status_code == 302
    user = db.scalar(sa.select(User).where(User.email == "aigerim@example.kz"))
    assert user.role == AccountRole.SEEKER
    assert user.password_hash != "qazaqstan-2026"
    assert db.scalar(sa.select(OutboxEvent).where(OutboxEvent.topic == "account.created", OutboxEvent.aggregate_id == user.id))
    assert client.get("/cabinet").status_code == 200


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"password": "short1"}, "password"),
        ({"password": "onlyletterspassword"}, "password"),
        ({"role": "admin"}, "role"),
        ({"role": "wizard"}, "role"),
        ({"phone": "12"}, "phone"),
        ({"full_name": ""}, "full_name"),
    ],
)
def test_sign_up_refuses_bad_input_with_a_field_error(client, db, overrides, field):
    response = _signup(client, **overrides)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page or "role-" in page
    assert db.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_duplicate_email_is_refused(client, db):
    factories.user(db, email="dup@example.kz")
    response = _signup(client, email="DUP@example.kz")
    assert response.status_code == 422
    assert db.scalar(sa.select(sa.func.count()).select_from(User).where(User.email == "dup@example.kz")) == 1


def test_sign_in_and_out(client, db, sign_in):
    person = factories.user(db)
    sign_in(person)
    assert client.get("/cabinet").status_code == 200
    client.post("/sign-out")
    assert client.get("/cabinet").status_code == 302


def test_wrong_password_is_refused_without_saying_which_part(client, db):
    person = factories.user(db)
    wrong = client.post("/sign-in", data={"email": person.email, "password": "nope-nope-nope"})
    unknown = client.post("/sign-in", data={"email": "ghost@example.kz", "password": "nope-nope-nope"})
    assert wrong.status_code == unknown.status_code == 401


def test_next_parameter_cannot_leave_the_site(client, db):
    person = factories.user(db)
    response = client.post("/sign-in?next=//evil.example/x", data={"email": person.email, "password": factories.PASSWORD})
    assert response.headers["Location"] == "/cabinet"


def test_password_reset_flow(app, client, db):
    person = factories.user(db)
    response = client.post("/password/forgot", data={"email": person.email})
    assert response.status_code == 302
    assert db.scalar(sa.select(OutboxEvent).where(OutboxEvent.topic == "account.password_reset_requested"))
    token = ops.make_reset_token(person, app.config["SECRET_KEY"])
    assert client.post(f"/password/reset/{token}", data={"password": "new-password-2026"}).status_code == 302
    db.expire_all()  # the request changed the row through its own session
    assert ops.authenticate(db, person.email, "new-password-2026") is not None
    # A used link cannot be used again.
    again = client.post(f"/password/reset/{token}?lang=en", data={"password": "another-password-77"})
    assert again.status_code == 422
    assert "already been used" in again.get_data(as_text=True)


def test_reset_with_forged_or_expired_token(app, db):
    person = factories.user(db)
    with pytest.raises(ValidationFailed) as forged:
        ops.reset_password(db, "forged.token", "new-password-2026", app.config["SECRET_KEY"], 3600)
    assert "token" in forged.value.fields
    token = ops.make_reset_token(person, app.config["SECRET_KEY"])
    with pytest.raises(ValidationFailed):
        ops.reset_password(db, token, "new-password-2026", app.config["SECRET_KEY"], -1)


def test_forgot_password_does_not_reveal_accounts(client, db):
    response = client.post("/password/forgot", data={"email": "nobody@example.kz"})
    assert response.status_code == 302


def test_password_change_signs_out_other_sessions(app, db):
    person = factories.user(db)
    first, second = app.test_client(), app.test_client()
    for c in (first, second):
        assert c.post("/sign-in", data={"email": person.email, "password": factories.PASSWORD}).status_code == 302
    response = first.post("/account/password", data={"current_password": factories.PASSWORD, "password": "brand-new-pass-1"})
    assert response.status_code == 302
    assert first.get("/cabinet").status_code == 200
    assert second.get("/cabinet").status_code == 302


def test_csrf_is_enforced_when_enabled(app, db):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = app.test_client().post("/sign-in", data={"email": "a@b.kz", "password": "x"})
        assert response.status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_sign_in_is_rate_limited(app, db):
    from exchange.security import limiter

    person = factories.user(db)
    client = app.test_client()
    app.config["RATELIMIT_ENABLED"] = True
    original = app.config["BIRZHA"].values["LOGIN_RATE_LIMIT"]
    app.config["BIRZHA"].values["LOGIN_RATE_LIMIT"] = "3 per minute"
    limiter.reset()
    try:
        codes = [client.post("/sign-in", data={"email": person.email, "password": "wrong-wrong-1"}).status_code for _ in range(5)]
    finally:
        app.config["BIRZHA"].values["LOGIN_RATE_LIMIT"] = original
        limiter.reset()
    assert codes[:3] == [401, 401, 401]
    assert codes[3] == 429


def test_session_cookie_flags(client, db):
    person = factories.user(db)
    response = client.post("/sign-in", data={"email": person.email, "password": factories.PASSWORD})
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and re.search("SameSite=Lax", cookie)
