"""The park's symbiosis registry in the database: scoped reads and writes, all-or-nothing import, audit.

SQLite and PostgreSQL. The registry is the 示例数据 of ``zeropark symbiosis example`` with its
enterprises renamed to the fixture park's two (E01, E03 → E-A; E02, E04 → E-B).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from api_support import ENT_A, ENT_B, PARK, invoke_cli, make_api
from sqlalchemy import Engine, select

from zeropark.commands import common
from zeropark.errors import FlowExceedsSource, IncompatibleGrade, NotFound, PermissionDenied, SymbiosisError
from zeropark.services import symbiosis
from zeropark.store.db import transaction
from zeropark.store.schema import AuditLogRow, SymbiosisSourceRow
from zeropark.store.scope import Principal, Role, Scope, system_scope

RENAME = {"E01": ENT_A, "E03": ENT_A, "E02": ENT_B, "E04": ENT_B}


def park_example() -> dict[str, Any]:
    """The example registry with the fixture park's enterprises."""
    reg = symbiosis.example_registry()
    for item in (*reg["sources"], *reg["sinks"]):
        if item.get("enterprise_id"):
            item["enterprise_id"] = RENAME[item["enterprise_id"]]
    return reg


def _scope(engine: Engine, role: Role, enterprise: str | None = None) -> Scope:
    return Scope(Principal(99, f"t-{role}", role, PARK, enterprise, "session"), engine, None)


def _cli(engine: Engine, *args: str) -> tuple[int, str, str]:
    res = invoke_cli(engine, "symbiosis", *args)
    return res.exit_code, res.stdout, res.stderr


def _x(source: str, sink: str, quantity: list[float]) -> dict[str, Any]:
    return {"exchange": {"id": "X9", "source": source, "sink": sink, "quantity": quantity}}


def _sources(engine: Engine) -> list[str]:
    with transaction(engine) as s:
        return list(s.scalars(select(SymbiosisSourceRow.source_id).order_by(SymbiosisSourceRow.source_id)))


def test_import_scoped_reads_and_writes(engine: Engine, tmp_path: Path) -> None:
    make_api(engine)
    path = tmp_path / "reg.json"
    path.write_text(json.dumps(park_example()), encoding="utf-8")
    manager = _scope(engine, Role.PARK_MANAGER)
    ent_a = _scope(engine, Role.ENTERPRISE, ENT_A)
    with pytest.raises(PermissionDenied):
        symbiosis.import_registry(ent_a, PARK, path)
    added = symbiosis.import_registry(manager, PARK, path)
    assert (len(added.sources), len(added.sinks), len(added.exchanges)) == (3, 2 + 1, 3)
    # the stored registry is the file's: the same indicators
    # (X1 + X2 + X3 = 1 773.36 tCO2/a, computed in test_symbiosis_cli)
    got = symbiosis.park_indicators(manager, PARK)
    assert got.total_avoided_t == pytest.approx(1204.4230 + 438.0 + 130.9335, abs=1e-3)
    # again: every id taken, nothing more stored
    with pytest.raises(SymbiosisError, match="already has a source 'incinerator-steam'"):
        symbiosis.import_registry(manager, PARK, path)
    assert _sources(engine) == ["incinerator-steam", "steel-slag", "wwtp-reclaimed"]
    # E-A sees its own source and sink, the exchange X1 it is party to (both ends are its own)
    reg = symbiosis.park_registry(ent_a, PARK)
    assert [s.id for s in reg.sources] == ["incinerator-steam"]
    assert [k.id for k in reg.sinks] == ["paper-dryer"]
    assert [a.exchange.id for a in reg.exchanges] == ["X1"]
    # E-B: slag, cooling tower, cement mill; X2 (its own both ends) and X3 (the park WWTP's water to it)
    reg_b = symbiosis.park_registry(_scope(engine, Role.ENTERPRISE, ENT_B), PARK)
    assert [a.exchange.id for a in reg_b.exchanges] == ["X2", "X3"]
    assert [s.id for s in reg_b.sources] == ["steel-slag", "wwtp-reclaimed"]
    # an enterprise registers its own source, not another's
    own = {"id": "a-hot-water", "kind": "hot_water", "grade": "MT", "quantity": [1.0, 1.0],
           "enterprise_id": ENT_A, "location": {"x_km": 0.1, "y_km": 0.0}}  # fmt: skip
    symbiosis.add_source(ent_a, PARK, own)
    with pytest.raises(PermissionDenied, match="own enterprise"):
        symbiosis.add_source(ent_a, PARK, own | {"id": "b-hot-water", "enterprise_id": ENT_B})
    with pytest.raises(PermissionDenied):  # read-only role
        symbiosis.add_source(_scope(engine, Role.VERIFIER), PARK, own | {"id": "v"})
    # an exchange of another party's streams: refused; one of its own beyond the source: named error
    with pytest.raises(PermissionDenied):
        symbiosis.add_exchange(ent_a, PARK, _x("steel-slag", "cement-mill", [0.1, 0.1]))
    # X1 takes 2.5 of 3.0 GJ in period 0: 0.6 more exceeds the source (3.1 > 3.0)
    with pytest.raises(FlowExceedsSource):
        symbiosis.add_exchange(manager, PARK, _x("incinerator-steam", "paper-dryer", [0.6, 0.0]))
    with pytest.raises(IncompatibleGrade):
        symbiosis.add_exchange(manager, PARK, _x("a-hot-water", "paper-dryer", [0.1, 0.1]))
    with pytest.raises(SymbiosisError, match="3 periods"):
        symbiosis.add_sink(manager, PARK, {"id": "k3", "kind": "steam", "grade": "LP", "demand": [1, 1, 1]})
    assert _sources(engine) == ["a-hot-water", "incinerator-steam", "steel-slag", "wwtp-reclaimed"]
    with transaction(engine) as s:
        audited = list(s.scalars(select(AuditLogRow.entity).where(AuditLogRow.action == "create")))
    # 3 sources + 3 sinks + 3 exchanges of the import, then E-A's own source
    assert sorted(audited).count("symbiosis_source") == 4 and audited.count("symbiosis_exchange") == 3
    with pytest.raises(NotFound):
        symbiosis.park_registry(_scope(engine, Role.ENTERPRISE, ENT_A), "P2")


def test_cli_import_match_and_latest(sqlite_engine: Engine, tmp_path: Path) -> None:
    engine = sqlite_engine
    make_api(engine)
    path = tmp_path / "reg.json"
    reg = park_example()
    reg["exchanges"][0]["exchange"]["sink"] = "cement-mill"  # incompatible: nothing stored
    path.write_text(json.dumps(reg), encoding="utf-8")
    code, _, err = _cli(engine, "import", str(path), "--park", PARK)
    assert code == common.EXIT_DATA_ERROR and "incompatible grade" in err
    assert _sources(engine) == []
    path.write_text(json.dumps(park_example()), encoding="utf-8")
    code, out, err = _cli(engine, "import", str(path), "--park", PARK)
    assert code == 0, err
    code, out, err = _cli(engine, "match", "--park", PARK, "--format", "json")
    assert code == 0, err
    stored = json.loads(out)
    from_file = symbiosis.result_dict(symbiosis.match_registry(symbiosis.load_registry(path)))
    assert stored["co2_avoided_t_per_year"] == pytest.approx(from_file["co2_avoided_t_per_year"])
    latest = symbiosis.latest_match(system_scope(engine, "t"), PARK)
    assert latest is not None and latest["exchanges"] == stored["exchanges"]
    # E-A sees only suggestions touching its own source/sink
    mine = symbiosis.latest_match(_scope(engine, Role.ENTERPRISE, ENT_A), PARK)
    assert mine is not None
    assert {(x["source"], x["sink"]) for x in mine["exchanges"]} <= {("incinerator-steam", "paper-dryer")}
    code, out, err = _cli(engine, "contract", "--exchange", "X1", "--out", str(tmp_path / "x1.docx"),
                     "--park", PARK)  # fmt: skip
    assert code == 0, err
    assert (tmp_path / "x1.docx").stat().st_size > 1000
