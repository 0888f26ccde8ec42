"""Park measures beside the built-in library: service, API, CLI and page (SQLite and PostgreSQL).

A park manager adds measures (one, or a CSV all or nothing), checked like the library; an
enterprise user reads but cannot add; the API, the CLI's JSON and the page show the same figures.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from api_support import OTHER_PARK, PARK, invoke_cli, make_api
from sqlalchemy import Engine, func, select

from zeropark.commands import common
from zeropark.errors import NotFound, PermissionDenied
from zeropark.formatting import sig
from zeropark.roadmap.measures import (
    MEASURE_COLUMNS,
    SOURCE_COLUMNS,
    MeasureError,
    builtin_measures,
    measure_row,
)
from zeropark.services import measures as service
from zeropark.store.db import transaction
from zeropark.store.schema import AuditLogRow, ParkMeasureRow
from zeropark.store.scope import Principal, Role, Scope, system_scope

#: A supplier's heat-pump offer (figures of the test, not of a document): 205.5 m³ gas less per
#: kW_th and year, 3.244 kWh per m³, 1 400 CNY/kW_th.
HEAT_PUMP = {
    "id": "park_hp_offer",
    "name_zh": "园区热泵报价",
    "name_en": "Heat pump (park offer)",
    "pathway": "electrification",
    "mechanism": "fuel_switch",
    "carrier": "natural_gas",
    "to_carrier": "electricity",
    "ratio": "3.244",
    "unit": "kW_th",
    "effect_per_unit": "205.5",
    "capex_cny_per_unit": "1400",
    "opex_cny_per_unit_year": "28",
    "lifetime_years": "15",
    "source_id": "boiler_1638",
    "industries": "26;33",
    "note": "supplier quote 2025",
}


def _scope(engine: Engine, role: Role, enterprise: str | None = None) -> Scope:
    return Scope(Principal(99, f"t-{role}", role, PARK, enterprise, "session"), engine, None)


def _stored(engine: Engine) -> int:
    with transaction(engine) as s:
        return int(s.scalar(select(func.count()).select_from(ParkMeasureRow)) or 0)


def _csv(*rows: dict[str, str]) -> str:
    lines = [",".join(MEASURE_COLUMNS)]
    lines += [",".join(r.get(c, "") for c in MEASURE_COLUMNS) for r in rows]
    return "\n".join(lines) + "\n"


def _cli(engine: Engine, *args: str) -> tuple[int, str, str]:
    res = invoke_cli(engine, "roadmap", "measures", *args)
    return res.exit_code, res.stdout, res.stderr


def test_manager_adds_lists_and_deletes_a_park_measure(engine: Engine) -> None:
    make_api(engine)
    manager = _scope(engine, Role.PARK_MANAGER)
    view = service.add_measure(manager, PARK, HEAT_PUMP)
    assert not view.builtin and view.created_by == "t-park_manager"
    assert view.measure.effect_per_unit == 205.5 and view.measure.industries == ("26", "33")
    listed = service.list_measures(manager, PARK)
    assert len(listed) == len(builtin_measures()) + 1
    assert [v.measure.id for v in listed if not v.builtin] == ["park_hp_offer"]
    assert [v.measure.id for v in service.list_measures(manager, PARK, pathway="electrification")][-1] == (
        "park_hp_offer"
    )
    # the same id again, or a built-in id: named, nothing more stored
    with pytest.raises(MeasureError) as exc:
        service.add_measure(manager, PARK, HEAT_PUMP)
    assert [(e.field, "already has" in e.message) for e in exc.value.errors] == [("id", True)]
    with pytest.raises(MeasureError, match="built-in measure's id"):
        service.add_measure(manager, PARK, HEAT_PUMP | {"id": "pv_rooftop_ci"})
    assert _stored(engine) == 1
    service.delete_measure(manager, PARK, "park_hp_offer")
    assert _stored(engine) == 0
    with pytest.raises(NotFound, match="built-in"):
        service.delete_measure(manager, PARK, "pv_rooftop_ci")
    with transaction(engine) as s:
        actions = s.scalars(
            select(AuditLogRow.action).where(AuditLogRow.entity == "park_measure").order_by(AuditLogRow.id)
        ).all()
    assert list(actions) == ["create", "delete"]


def test_bad_measures_are_named_and_nothing_is_half_stored(engine: Engine) -> None:
    make_api(engine)
    manager = _scope(engine, Role.PARK_MANAGER)
    with pytest.raises(MeasureError) as exc:
        service.add_measure(manager, PARK, HEAT_PUMP | {"lifetime_years": "-3", "source_id": ""})
    assert {e.field for e in exc.value.errors} == {"lifetime_years", "source_id"}
    good = HEAT_PUMP | {"id": "ok_one"}
    bad = HEAT_PUMP | {"id": "bad_one", "mechanism": "fuel_switch", "to_carrier": ""}
    with pytest.raises(MeasureError) as exc:
        service.import_measures(manager, PARK, _csv(good, bad), file="park.csv")
    assert [(e.file, e.row, e.field) for e in exc.value.errors] == [("park.csv", 3, "to_carrier")]
    assert _stored(engine) == 0
    views = service.import_measures(manager, PARK, _csv(good, HEAT_PUMP), file="park.csv")
    assert [v.measure.id for v in views] == ["ok_one", "park_hp_offer"] and _stored(engine) == 2
    # a second import repeating an id: the row named, nothing of the file stored
    with pytest.raises(MeasureError) as exc:
        service.import_measures(manager, PARK, _csv(HEAT_PUMP | {"id": "new_one"}, good), file="again.csv")
    assert [(e.row, e.field) for e in exc.value.errors] == [(3, "id")]
    assert _stored(engine) == 2


def test_enterprise_user_reads_but_cannot_add(engine: Engine) -> None:
    api = make_api(engine)
    ent = _scope(engine, Role.ENTERPRISE, "E-A")
    assert len(service.list_measures(ent, PARK)) == len(builtin_measures())
    with pytest.raises(PermissionDenied):
        service.add_measure(ent, PARK, HEAT_PUMP)
    client = api.login("ent_a")
    assert client.get(f"/api/v1/parks/{PARK}/measures").status_code == 200
    body = {k: v for k, v in HEAT_PUMP.items() if k != "industries"}
    r = client.post(f"/api/v1/parks/{PARK}/measures", json=body)
    assert r.status_code == 403, r.text
    r = api.login("verifier").post(f"/api/v1/parks/{PARK}/measures", json=body)
    assert r.status_code == 403
    assert _stored(engine) == 0
    # the enterprise page shows the library without the form
    page = client.get("/roadmap/measures")
    assert page.status_code == 200 and "data-measure-form" not in page.text
    assert client.post("/roadmap/measures", data={**HEAT_PUMP}).status_code in (403, 400)
    assert _stored(engine) == 0


def test_api_rejects_a_negative_lifetime_naming_the_field(engine: Engine) -> None:
    api = make_api(engine)
    client = api.login("manager")
    body: dict[str, object] = {**HEAT_PUMP, "industries": ["26"], "lifetime_years": -1}
    r = client.post(f"/api/v1/parks/{PARK}/measures", json=body)
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["lifetime_years"]
    assert _stored(engine) == 0
    r = client.post(f"/api/v1/parks/{PARK}/measures", json={**body, "lifetime_years": 15})
    assert r.status_code == 201, r.text
    assert r.json()["builtin"] is False and r.json()["effect_unit"] == "m3/a per kW_th"
    assert client.delete(f"/api/v1/parks/{PARK}/measures/park_hp_offer").status_code == 204
    assert client.get(f"/api/v1/parks/{PARK}/measures/park_hp_offer").status_code == 404


def test_api_cli_and_page_show_the_same_figures(engine: Engine, tmp_path: Path) -> None:
    api = make_api(engine)
    service.add_measure(system_scope(engine, "cli"), PARK, HEAT_PUMP)
    client = api.login("manager")
    for mid in ("heat_pump_air_for_gas", "park_hp_offer"):
        from_api = client.get(f"/api/v1/parks/{PARK}/measures/{mid}").json()
        code, out, err = _cli(engine, "show", mid, "--park", PARK, "--format", "json")
        assert code == 0, err
        assert json.loads(out) == from_api
        page = client.get("/roadmap/measures", params={"pathway": "electrification"}).text
        row = page.split(f'data-measure="{mid}"', 1)[1].split("</tr>", 1)[0]
        shown = dict(re.findall(r"data-(effect|capex|opex|lifetime)>([^<]*)<", row))
        assert shown == {
            "effect": sig(from_api["effect_per_unit"]),
            "capex": sig(from_api["capex_cny_per_unit"]),
            "opex": sig(from_api["opex_cny_per_unit_year"]),
            "lifetime": str(from_api["lifetime_years"]),
        }
        assert from_api["effect_unit"] in row
    # the built-in heat pump: 7.2 GJ / (0.038931 GJ/m³ × 0.9) = 205.49 m³ gas per kW_th and year
    assert client.get(f"/api/v1/parks/{PARK}/measures/heat_pump_air_for_gas").json()["effect_per_unit"] == (
        pytest.approx(205.5, rel=1e-3)
    )
    code, out, _ = _cli(engine, "list", "--park", PARK, "--format", "json")
    assert code == 0 and len(json.loads(out)) == len(builtin_measures()) + 1
    # CLI import: all or nothing, exit 3 naming the row
    bad = tmp_path / "bad.csv"
    bad.write_text(_csv(HEAT_PUMP | {"id": "x1"}, HEAT_PUMP | {"id": "x2", "lifetime_years": "-1"}), "utf-8")
    code, out, err = _cli(engine, "import", str(bad), "--park", PARK)
    assert code == common.EXIT_DATA_ERROR and "row 3" in out + err and "lifetime_years" in out + err
    assert _stored(engine) == 1
    good = tmp_path / "good.csv"
    good.write_text(_csv(HEAT_PUMP | {"id": "x1"}), "utf-8")
    assert _cli(engine, "import", str(good), "--park", PARK)[0] == 0
    assert _cli(engine, "delete", "x1", "--park", PARK)[0] == 0
    assert _stored(engine) == 1


def test_page_form_shows_field_errors_and_saves(engine: Engine) -> None:
    api = make_api(engine)
    client = api.login("manager")
    csrf = client.headers["X-CSRF-Token"]
    r = client.post("/roadmap/measures", data={**HEAT_PUMP, "lifetime_years": "-2", "csrf_token": csrf})
    assert r.status_code == 422
    assert 'data-field-error="lifetime_years"' in r.text and "寿命须为大于0的整数年" in r.text
    assert _stored(engine) == 0
    r = client.post("/roadmap/measures", data={**HEAT_PUMP, "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert _stored(engine) == 1
    assert (
        measure_row(service.get_measure(system_scope(engine, "t"), PARK, "park_hp_offer").measure)[
            "effect_per_unit"
        ]
        == "205.5"
    )


def test_a_park_measure_cites_the_parks_own_document(engine: Engine) -> None:
    api = make_api(engine)
    manager = _scope(engine, Role.PARK_MANAGER)
    quote = {
        "source_id": "quote_hp_2025",
        "source_title": "空气源热泵报价单",
        "source_issuer": "某热泵供应商",
        "source_date": "2025-03-01",
    }
    view = service.add_measure(manager, PARK, HEAT_PUMP | quote)
    assert view.source.title == "空气源热泵报价单" and view.uncertain  # a quote is UNCERTAIN
    # a second measure cites it by id alone; a CSV may too
    second = service.add_measure(manager, PARK, HEAT_PUMP | {"id": "hp_2", "source_id": "quote_hp_2025"})
    assert second.source == view.source
    (third,) = service.import_measures(
        manager, PARK, _csv(HEAT_PUMP | {"id": "hp_3", "source_id": "quote_hp_2025"}), file="p.csv"
    )
    assert third.source == view.source
    # redefining the id is refused; deleting the first keeps the others' citation
    with pytest.raises(MeasureError) as exc:
        service.add_measure(manager, PARK, HEAT_PUMP | quote | {"id": "hp_4", "source_title": "其他"})
    assert [e.field for e in exc.value.errors] == ["source_id"]
    service.delete_measure(manager, PARK, "park_hp_offer")
    assert service.get_measure(manager, PARK, "hp_2").source.title == "空气源热泵报价单"
    body = api.login("manager").get(f"/api/v1/parks/{PARK}/measures/hp_3").json()
    assert body["source"]["title"] == "空气源热泵报价单" and body["uncertain"] is True
    # another park has none of them; a user of this park cannot read the other park's
    assert set(service.park_sources(manager, PARK)) == {"quote_hp_2025"}
    assert service.park_sources(system_scope(engine, "t"), OTHER_PARK) == {}
    assert [
        v.measure.id for v in service.list_measures(system_scope(engine, "t"), OTHER_PARK) if not v.builtin
    ] == []
    with pytest.raises(NotFound):
        service.list_measures(manager, OTHER_PARK)


def test_a_concurrent_add_of_the_same_id_is_a_named_error(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_api(engine)
    manager = _scope(engine, Role.PARK_MANAGER)
    service.add_measure(manager, PARK, HEAT_PUMP)
    # another request's row is not yet visible to this one's check: the unique index refuses it
    monkeypatch.setattr(service.queries, "park_measures", lambda scope, park_id: [])
    with pytest.raises(MeasureError) as exc:
        service.add_measure(manager, PARK, HEAT_PUMP)
    assert [e.field for e in exc.value.errors] == ["id"]
    assert _stored(engine) == 1


def test_an_exported_csv_is_imported_back_with_new_ids(engine: Engine, tmp_path: Path) -> None:
    make_api(engine)
    manager = _scope(engine, Role.PARK_MANAGER)
    quote = {"source_id": "q1", "source_title": "报价单", "source_issuer": "供应商", "source_date": "2025-03"}
    service.add_measure(manager, PARK, HEAT_PUMP | quote)
    code, out, err = _cli(engine, "list", "--park", PARK, "--format", "csv")
    assert code == 0, err
    assert out.splitlines()[0].split(",")[-6:] == list(SOURCE_COLUMNS)
    assert len(out.splitlines()) == 1 + len(builtin_measures()) + 1
    own_row = [line for line in out.splitlines() if line.startswith("park_hp_offer,")]
    assert own_row and "报价单" in own_row[0]
    # the park's row under a new id: the same document passes, the measure is stored
    (copy,) = service.import_measures(
        manager,
        PARK,
        out.splitlines()[0] + "\n" + own_row[0].replace("park_hp_offer,", "hp_copy,", 1),
        file="x.csv",
    )
    assert copy.source.title == "报价单" and copy.measure.effect_per_unit == 205.5
    # a built-in row exported and imported unchanged is refused by its id, naming the row
    builtin_row = [line for line in out.splitlines() if line.startswith("pv_rooftop_ci,")][0]
    with pytest.raises(MeasureError, match="built-in measure's id"):
        service.import_measures(manager, PARK, out.splitlines()[0] + "\n" + builtin_row, file="y.csv")
