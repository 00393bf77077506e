import pytest
import sqlalchemy as sa

from exchange.accounts.models import AccountRole, User
from exchange.admin import operations as ops
from exchange.auth import Actor
from exchange.errors import PermissionDenied
from exchange.organisations.models import Organisation
from tests import factories


def test_admin_registers_a_centre_and_its_staff(app, db, sign_in):
    admin = factories.user(db, "admin")
    client = sign_in(admin)
    response = client.post("/admin/organisations", data={"name": "Алмалы ауданы ХЖО", "kato_code": factories.ALMATY_DISTRICT})
    assert response.status_code == 302
    centre = db.scalar(sa.select(Organisation).where(Organisation.name == "Алмалы ауданы ХЖО"))
    assert centre.kind.value == "centre"
    response = client.post(
        f"/admin/centres/{centre.id}/staff",
        data={"full_name": "Гүлнар Оспанова", "email": "gulnar@centre.kz", "password": "centre-pass-2026", "manager": "1"},
    )
    assert response.status_code == 302
    staff = db.scalar(sa.select(User).where(User.email == "gulnar@centre.kz"))
    assert staff.role == AccountRole.CENTRE
    staff_client = app.test_client()
    assert staff_client.post("/sign-in", data={"email": "gulnar@centre.kz", "password": "centre-pass-2026"}).status_code == 302
    assert staff_client.get("/cabinet/seekers/centre").status_code == 200


def test_a_centre_must_serve_a_district_not_a_region(db, client, sign_in):
    sign_in(factories.user(db, "admin"))
    response = client.post("/admin/organisations", data={"name": "Region", "kato_code": "750000000"})
    assert response.status_code == 422
    assert 'id="kato_code-error"' in response.get_data(as_text=True)


def test_only_admins_administer(db, client, sign_in):
    sign_in(factories.user(db, "employer"))
    assert client.get("/admin/organisations").status_code == 403
    _, employer = factories.employer(db)
    with pytest.raises(PermissionDenied):
        ops.counts(db, employer)


def test_deactivated_accounts_cannot_sign_in(app, db):
    person = factories.user(db)
    ops.set_active(db, Actor.system("test"), person.id, False)
    db.flush()
    response = app.test_client().post("/sign-in", data={"email": person.email, "password": factories.PASSWORD})
    assert response.status_code == 401
