"""Master data, activity records and API tokens as use cases (services/parks.py, activity.py, users.py).

Called directly, as the CLI or another door would: who may write, what is audited (user, role,
address, before/after), and that a refusal stores nothing. Park P1 with enterprises ENT-A and
ENT-B and zone Z1; park P2 with enterprise ENT-P2 and zone Z9.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import Engine, func, select

from zeropark.errors import DataError, NotFound, PermissionDenied, ValidationError
from zeropark.model import ActivityRecord, Carrier, Enterprise, Flow, Park, Role, Zone
from zeropark.security import verify_password
from zeropark.services import activity, parks, users
from zeropark.store import repo
from zeropark.store.db import transaction
from zeropark.store.queries import tokens
from zeropark.store.schema import ActivityRecordRow, ApiTokenRow, AuditLogRow, EnterpriseRow
from zeropark.store.scope import Principal, Scope, system_scope


@pytest.fixture
def db(engine: Engine) -> Engine:
    for park_id, zone_id in (("P1", "Z1"), ("P2", "Z9")):
        repo.add_park(engine, Park(park_id, f"园区 {park_id}", "江苏", "华东", 31.3, 120.6))
        repo.add_zone(engine, Zone(zone_id, park_id, f"片区 {zone_id}"))
    repo.add_enterprise(engine, Enterprise("ENT-A", "P1", "甲公司", "91320412MA1NJ3K5XA", "2651"))
    repo.add_enterprise(engine, Enterprise("ENT-B", "P1", "乙公司", "91320412MA1NJ3K5XB", "2651"))
    repo.add_enterprise(engine, Enterprise("ENT-P2", "P2", "丙公司", "91320412MA1NJ3K5XC", "2651"))
    return engine


def _scope(engine: Engine, role: Role, *, user_id: int = 7, enterprise_id: str | None = None) -> Scope:
    return Scope(Principal(user_id, f"{role}-user", role, "P1", enterprise_id, "session"), engine, "10.0.0.7")


def _audit(engine: Engine, action: str) -> list[AuditLogRow]:
    with engine.connect() as c:
        stmt = select(AuditLogRow).where(AuditLogRow.action == action).order_by(AuditLogRow.id)
        return list(c.execute(stmt).all())  # type: ignore[arg-type]


def _gas(enterprise_id: str | None = None, record_id: str = "") -> ActivityRecord:
    return ActivityRecord(
        record_id,
        enterprise_id,
        Carrier.NATURAL_GAS,
        Flow.COMBUSTION,
        date(2025, 2, 1),
        date(2025, 2, 28),
        500,
        "m3",
    )


def test_the_cli_creates_a_park_zone_and_enterprise_audited_as_itself(db: Engine) -> None:
    cli = system_scope(db, "cli")
    park = parks.create_park(cli, Park("P3", "新园区", "江苏", "华东", 31.0, 120.0))
    zone = parks.create_zone(cli, Zone("Z3", "P3", "一区"))
    ent = parks.create_enterprise(
        cli, Enterprise("ENT-C", "P3", "丁公司", "91320412MA1NJ3K5XD", "C30", zone_id="Z3")
    )
    assert (park.id, zone.park_id, ent.zone_id) == ("P3", "P3", "Z3")
    created = _audit(db, "create")
    assert [(a.entity, a.entity_id, a.user, a.role, a.ip) for a in created] == [
        ("park", "P3", "cli", "admin", None),
        ("zone", "Z3", "cli", "admin", None),
        ("enterprise", "ENT-C", "cli", "admin", None),
    ]
    assert created[-1].after["uscc"] == "91320412MA1NJ3K5XD"


@pytest.mark.parametrize(
    ("enterprise", "field"),
    [
        (Enterprise("ENT-A", "P1", "重名", "91320412MA1NJ3K5XE", "C30"), "id"),  # a known id
        (Enterprise("ENT-D", "P1", "重码", "91320412MA1NJ3K5XA", "C30"), "uscc"),  # ENT-A's USCC
        (
            Enterprise("ENT-D", "P1", "他区", "91320412MA1NJ3K5XE", "C30", zone_id="Z9"),
            "zone_id",
        ),  # P2's zone
    ],
)
def test_a_bad_enterprise_names_the_field_and_stores_nothing(
    db: Engine, enterprise: Enterprise, field: str
) -> None:
    with pytest.raises(ValidationError) as err:
        parks.create_enterprise(_scope(db, Role.PARK_MANAGER), enterprise)
    assert err.value.errors[0].field == field
    with db.connect() as c:
        assert c.scalar(select(func.count()).select_from(EnterpriseRow)) == 3
    assert _audit(db, "create") == []


def test_only_admins_create_parks_and_managers_only_in_their_park(db: Engine) -> None:
    manager = _scope(db, Role.PARK_MANAGER)
    with pytest.raises(PermissionDenied, match="may not create parks"):
        parks.create_park(manager, Park("P4", "x", "江苏", "华东", 1, 1))
    with pytest.raises(NotFound, match="park 'P2' not found"):
        parks.create_zone(manager, Zone("Z4", "P2", "他园"))
    with pytest.raises(PermissionDenied):
        parks.create_zone(_scope(db, Role.VERIFIER), Zone("Z4", "P1", "一区"))
    assert [a.entity for a in _audit(db, "denied")] == ["park", "park", "zone"]
    assert _audit(db, "create") == []


def test_update_enterprise_clears_the_zone_and_keeps_what_is_not_given(db: Engine) -> None:
    manager = _scope(db, Role.PARK_MANAGER)
    parks.update_enterprise(manager, "ENT-A", {"zone_id": "Z1", "value_added_10k_cny": 12.5})
    row = parks.update_enterprise(manager, "ENT-A", {"zone_id": None, "name": None})
    assert (row.zone_id, row.name, row.value_added_10k_cny) == (None, "甲公司", 12.5)
    last = _audit(db, "update")[-1]
    assert (
        last.before["zone_id"] == "Z1" and last.after["zone_id"] is None and last.user == "park_manager-user"
    )
    with pytest.raises(ValidationError) as err:
        parks.update_enterprise(manager, "ENT-A", {"zone_id": "Z9"})
    assert err.value.errors[0].field == "zone_id"
    with pytest.raises(NotFound):  # another tenant's enterprise is unknown to an enterprise user
        parks.update_enterprise(_scope(db, Role.ENTERPRISE, enterprise_id="ENT-A"), "ENT-B", {"name": "x"})
    with pytest.raises(TypeError, match="uscc"):
        parks.update_enterprise(manager, "ENT-A", {"uscc": "91320412MA1NJ3K5XF"})


def test_an_enterprise_user_adds_its_own_record_and_no_one_elses(db: Engine) -> None:
    ent_a = _scope(db, Role.ENTERPRISE, enterprise_id="ENT-A")
    row = activity.create_activity(ent_a, "P1", _gas())
    assert row.enterprise_id == "ENT-A" and row.id.startswith("AR-") and len(row.id) == 15
    with pytest.raises(NotFound):
        activity.create_activity(ent_a, "P1", _gas("ENT-B"))
    with pytest.raises(PermissionDenied, match="read-only"):
        activity.create_activity(_scope(db, Role.VERIFIER), "P1", _gas("ENT-A"))
    with pytest.raises(ValidationError) as err:  # a park user naming an enterprise of another park
        activity.create_activity(_scope(db, Role.PARK_MANAGER), "P1", _gas("ENT-P2"))
    assert err.value.errors[0].field == "enterprise_id"
    with pytest.raises(DataError, match="kWh"):
        activity.create_activity(ent_a, "P1", replace(_gas(), unit="kWh"))
    with db.connect() as c:
        assert c.scalar(select(func.count()).select_from(ActivityRecordRow)) == 1
    assert [a.entity for a in _audit(db, "denied")] == ["activity_record", "activity_record"]


def test_activity_update_and_delete_are_audited_with_before_and_after(db: Engine) -> None:
    manager = _scope(db, Role.PARK_MANAGER)
    activity.create_activity(manager, "P1", _gas("ENT-A", "AR-1"))
    row = activity.update_activity(
        manager, "AR-1", {"quantity": 600.0, "carrier": Carrier.DIESEL, "unit": "t"}
    )
    assert (row.quantity, row.carrier, row.unit) == (600.0, "diesel", "t")
    with pytest.raises(ValidationError) as err:
        activity.update_activity(manager, "AR-1", {"quantity": None})
    assert err.value.errors[0].field == "quantity"
    with pytest.raises(ValidationError) as err:
        activity.update_activity(manager, "AR-1", {"period_end": date(2025, 1, 1)})
    assert err.value.errors[0].field == "period_end"
    activity.delete_activity(manager, "AR-1")
    update, delete = _audit(db, "update")[-1], _audit(db, "delete")[-1]
    assert update.before["quantity"] == 500 and update.after["quantity"] == 600
    assert delete.entity_id == "AR-1" and delete.before["quantity"] == 600 and delete.after is None
    with pytest.raises(NotFound, match="activity record 'AR-1' not found"):
        activity.delete_activity(manager, "AR-1")


def test_tokens_are_created_listed_and_revoked_only_by_their_owner_or_an_admin(db: Engine) -> None:
    with transaction(db) as session:
        owner_id = users.create_user(
            session, username="owner", password="secret-123", role=Role.PARK_MANAGER
        ).id
        other_id = users.create_user(session, username="other", password="secret-123", role=Role.VERIFIER).id
    owner = _scope(db, Role.PARK_MANAGER, user_id=owner_id)
    new = users.create_token(owner, "script")
    stored = tokens.tokens(owner)
    assert [(t.id, t.name, t.prefix, t.revoked) for t in stored] == [(new.id, "script", new.prefix, False)]
    assert new.token.startswith(f"zp_{new.prefix}_") and verify_password(stored[0].token_hash, new.token)
    assert tokens.tokens(_scope(db, Role.VERIFIER, user_id=other_id)) == []
    with pytest.raises(NotFound, match=f"api token {new.id} not found"):
        users.revoke_token(_scope(db, Role.VERIFIER, user_id=other_id), new.id)
    assert [(a.entity, a.after["reason"]) for a in _audit(db, "denied")] == [
        ("api_token", "token of another user")
    ]
    users.revoke_token(_scope(db, Role.ADMIN, user_id=other_id), new.id)
    assert tokens.tokens(owner)[0].revoked
    created, revoked = _audit(db, "create")[-1], _audit(db, "update")[-1]
    assert "token_hash" not in created.after and created.ip == "10.0.0.7"
    assert (
        revoked.before["revoked"] is False
        and revoked.after["revoked"] is True
        and revoked.user == "admin-user"
    )
    with db.connect() as c:
        assert c.scalar(select(func.count()).select_from(ApiTokenRow)) == 1
