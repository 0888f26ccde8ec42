"""Edit and delete of stored symbiosis entries: checked against the whole registry, audited, scoped.

One SQLite park with the example registry (test_symbiosis_service's fixture renaming); the service,
the API and the CLI edit the same rows.
"""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest
from api_support import ENT_A, ENT_B, PARK, make_api
from sqlalchemy import Engine, select
from test_symbiosis_service import _cli, _scope, _sources, park_example

from zeropark.commands import common
from zeropark.errors import EntryInUse, FlowExceedsSource, IncompatibleGrade, NotFound, PermissionDenied
from zeropark.services import symbiosis
from zeropark.store.db import transaction
from zeropark.store.schema import AuditLogRow, SymbiosisExchangeRow
from zeropark.store.scope import Role


def test_edit_and_delete_entries_through_every_door(sqlite_engine: Engine, tmp_path: Path) -> None:
    engine = sqlite_engine
    api = make_api(engine)
    manager = _scope(engine, Role.PARK_MANAGER)
    ent_a = _scope(engine, Role.ENTERPRISE, ENT_A)
    symbiosis.store_registry(manager, PARK, park_example(), file="example")
    steam = symbiosis.source_dict(symbiosis.park_registry(manager, PARK).sources[0])
    assert steam["id"] == "incinerator-steam" and steam["quantity"] == [3.0, 2.0]
    # X1 takes 2.5 GJ in period 0: the source cannot drop to 2.0 (named error, nothing changed)
    with pytest.raises(FlowExceedsSource, match="period 0"):
        symbiosis.update_entry(manager, PARK, "source", "incinerator-steam", steam | {"quantity": [2.0, 2.0]})
    # the paper dryer needing HP steam no longer takes the MP source of X1
    dryer = symbiosis.sink_dict(
        next(k for k in symbiosis.park_registry(manager, PARK).sinks if k.id == "paper-dryer")
    )
    with pytest.raises(IncompatibleGrade):
        symbiosis.update_entry(manager, PARK, "sink", "paper-dryer", dryer | {"grade": "HP"})
    with pytest.raises(NotFound, match="no source 'nope'"):
        symbiosis.update_entry(manager, PARK, "source", "nope", steam)
    # E-A edits its own source (a new name, the id taken from the path) but not E-B's, nor gives it away
    renamed = {k: v for k, v in steam.items() if k != "id"} | {"name": "余汽 2"}
    assert symbiosis.update_entry(ent_a, PARK, "source", "incinerator-steam", renamed).name == "余汽 2"
    slag = symbiosis.source_dict(
        next(s for s in symbiosis.park_registry(manager, PARK).sources if s.id == "steel-slag")
    )
    with pytest.raises(PermissionDenied):
        symbiosis.update_entry(ent_a, PARK, "source", "steel-slag", slag | {"name": "x"})
    with pytest.raises(PermissionDenied):
        symbiosis.update_entry(ent_a, PARK, "source", "incinerator-steam", steam | {"enterprise_id": ENT_B})
    # the source X1 uses cannot be deleted: EntryInUse names the exchange
    with pytest.raises(EntryInUse, match="X1"):
        symbiosis.delete_entry(manager, PARK, "source", "incinerator-steam")
    # through the API: X1 becomes 2.0 + 2.0 GJ, all to the supplier
    client = api.login("manager")
    base = f"/api/v1/parks/{PARK}/symbiosis"
    x1 = {"exchange": {"source": "incinerator-steam", "sink": "paper-dryer", "quantity": [2.0, 2.0],
                       "distance_km": 0.8, "loss_per_km": 0.01}, "allocation": "supplier"}  # fmt: skip
    r = client.put(f"{base}/exchanges/X1", json=x1)
    assert r.status_code == 200 and r.json()["exchange"]["id"] == "X1", r.text
    # hand value: Σ w q = 4380 × (2.0 + 2.0) = 17 520 GJ sent; delivered × 0.0616 tCO2/GJ with a loss
    # of 0.01/km × 0.8 km: 17 520 × 0.992 × 0.0616 = 1 070.598 tCO2/a, all claimed by E-A
    got = symbiosis.park_indicators(manager, PARK)
    assert got.avoided_t["X1"] == pytest.approx(1070.5981, abs=1e-3)
    assert [(c.enterprise_id, c.role) for c in got.claims if c.exchange_id == "X1"] == [(ENT_A, "supplier")]
    r = client.delete(f"{base}/sources/incinerator-steam")
    assert r.status_code == 422 and r.json()["error"] == "EntryInUse", r.text
    assert client.delete(f"{base}/exchanges/NOPE").status_code == 404
    assert api.login("ent_b").delete(f"{base}/exchanges/X1").status_code in (403, 404)
    # through the CLI: delete X1, then its source; a bad kind is refused by name
    code, _, err = _cli(engine, "delete", "exchange", "X1", "--park", PARK)
    assert code == 0, err
    code, _, err = _cli(engine, "delete", "pipe", "X1", "--park", PARK)
    assert code != 0 and "source, sink, exchange" in err
    entry = tmp_path / "steam.json"
    entry.write_text(json.dumps(steam | {"quantity": [1.0, 1.0]}), encoding="utf-8")
    code, out, err = _cli(engine, "edit", "source", "incinerator-steam", "--file", str(entry), "--park", PARK)
    assert code == 0, err
    assert json.loads(out[out.index("{") :])["quantity"] == [1.0, 1.0]
    code, _, err = _cli(engine, "delete", "source", "incinerator-steam", "--park", PARK)
    assert code == 0, err
    assert _sources(engine) == ["steel-slag", "wwtp-reclaimed"]
    code, _, err = _cli(engine, "delete", "source", "incinerator-steam", "--park", PARK)
    assert code == common.EXIT_NOT_FOUND, err
    with transaction(engine) as s:
        rows = list(s.execute(select(AuditLogRow.action, AuditLogRow.entity, AuditLogRow.entity_id,
                                     AuditLogRow.before, AuditLogRow.after)
                              .where(AuditLogRow.action.in_(("update", "delete")))
                              .order_by(AuditLogRow.id)))  # fmt: skip
        left = list(
            s.scalars(select(SymbiosisExchangeRow.exchange_id).order_by(SymbiosisExchangeRow.exchange_id))
        )
    assert left == ["X2", "X3"]
    assert [(a, e) for a, e, *_ in rows] == [
        ("update", "symbiosis_source"),  # E-A's new name
        ("update", "symbiosis_exchange"),  # API: X1
        ("delete", "symbiosis_exchange"),  # CLI: X1
        ("update", "symbiosis_source"),  # CLI: 1.0 + 1.0
        ("delete", "symbiosis_source"),
    ]
    _, _, _, before, after = rows[1]
    assert before["exchange"]["quantity"] == [2.5, 2.0] and after["exchange"]["quantity"] == [2.0, 2.0]
    assert rows[4][3]["quantity"] == [1.0, 1.0] and rows[4][4] is None
    # the page: a writer opens the entry's form, saves it, and is refused by name deleting what X2 uses
    html = client.get("/symbiosis", params={"edit": "source:steel-slag"}).text
    form = re.search(r"<textarea[^>]*data-sym-entry>([^<]+)</textarea>", html)
    assert form is not None and json.loads(unescape(form.group(1)))["id"] == "steel-slag"
    edited = json.loads(unescape(form.group(1))) | {"name": "钢渣（修改）"}
    r = client.post(
        "/symbiosis/source/steel-slag/edit", data={"entry": json.dumps(edited)}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    assert (
        symbiosis.source_dict(
            next(s for s in symbiosis.park_registry(manager, PARK).sources if s.id == "steel-slag")
        )["name"]
        == "钢渣（修改）"
    )
    r = client.post("/symbiosis/source/steel-slag/delete", follow_redirects=False)
    assert r.status_code == 422 and "X2" in r.text
    r = client.post("/symbiosis/source/steel-slag/edit", data={"entry": "{not json"}, follow_redirects=False)
    assert r.status_code == 422 and "not JSON" in r.text
    verifier = api.login("verifier")
    assert "data-sym-edit-link" not in verifier.get("/symbiosis").text
    assert verifier.post("/symbiosis/exchange/X2/delete", follow_redirects=False).status_code == 403
