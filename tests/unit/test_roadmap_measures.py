"""The measures library as data: parse, reject bad rows with file/row/column, cover every pathway."""

from __future__ import annotations

import pytest

from zeropark.factors.loader import load_factor_set
from zeropark.model import Carrier
from zeropark.roadmap.measures import (
    MEASURE_COLUMNS,
    Measure,
    MeasureError,
    Mechanism,
    Pathway,
    builtin_measures,
    builtin_sources,
    effect_unit,
    measure_row,
    measures_csv,
    parse_measures,
)

HEADER = ",".join(MEASURE_COLUMNS)
GOOD = (
    "pv_x,屋顶光伏,Rooftop PV,energy_structure,onsite_generation,electricity,,,,kW,1100,3000,30,25,0,0.3,,,"
    "dpv_2025_7,true,recalled"
)
SOURCES = {"dpv_2025_7", "gb18613_2020"}


def _row(**changes: str) -> str:
    fields = dict(zip(MEASURE_COLUMNS, GOOD.split(","), strict=True)) | changes
    return ",".join(fields[c] for c in MEASURE_COLUMNS)


def _errors(*rows: str) -> list[tuple[int | None, str | None]]:
    with pytest.raises(MeasureError) as exc:
        parse_measures("\n".join([HEADER, *rows]), "park.csv", SOURCES)
    assert all(e.file == "park.csv" for e in exc.value.errors)
    return [(e.row, e.field) for e in exc.value.errors]


def test_a_good_row_parses_with_every_field() -> None:
    (m,) = parse_measures(f"{HEADER}\n{GOOD}\n", "park.csv", SOURCES)
    assert m == Measure(
        id="pv_x",
        name_zh="屋顶光伏",
        name_en="Rooftop PV",
        pathway=Pathway.ENERGY_STRUCTURE,
        mechanism=Mechanism.ONSITE_GENERATION,
        carrier=Carrier.ELECTRICITY,
        unit="kW",
        effect_per_unit=1100.0,
        capex_cny_per_unit=3000.0,
        opex_cny_per_unit_year=30.0,
        lifetime_years=25,
        source_id="dpv_2025_7",
        max_share=0.3,
        uncertain=True,
        note="recalled",
    )
    assert effect_unit(m) == "kWh/a per kW"


def test_negative_lifetime_is_named_with_row_and_column() -> None:
    assert _errors(_row(lifetime_years="-5")) == [(2, "lifetime_years")]


def test_missing_source_is_named() -> None:
    assert (2, "source_id") in _errors(_row(source_id=""))
    assert _errors(_row(source_id="no_such_doc")) == [(2, "source_id")]


def test_fuel_switch_without_to_carrier_is_named() -> None:
    row = _row(mechanism="fuel_switch", carrier="natural_gas", ratio="3.2", to_carrier="")
    assert _errors(row) == [(2, "to_carrier")]


def test_unknown_carrier_is_named() -> None:
    assert _errors(_row(carrier="unobtainium")) == [(2, "carrier")]


def test_duplicate_id_names_the_second_row_and_nothing_is_returned() -> None:
    assert _errors(GOOD, GOOD) == [(3, "id")]


def test_every_bad_row_is_reported_together() -> None:
    errors = _errors(_row(id="a", lifetime_years="0"), _row(id="b", effect_per_unit="x"), _row(id="c"))
    assert errors == [(2, "lifetime_years"), (3, "effect_per_unit")]


def test_missing_columns_and_empty_file() -> None:
    with pytest.raises(MeasureError, match="missing column"):
        parse_measures("id,name_zh\nx,y\n", "park.csv", SOURCES)
    with pytest.raises(MeasureError, match="no measure rows"):
        parse_measures(HEADER + "\n", "park.csv", SOURCES)


def test_bad_industry_prefix_is_named() -> None:
    assert _errors(_row(industries="C30")) == [(2, "industries")]


def test_csv_round_trip_of_the_library() -> None:
    library = builtin_measures()
    assert parse_measures(measures_csv(library), "export.csv", builtin_sources()) == library
    assert measure_row(library[0])["id"] == library[0].id


def test_library_size_and_coverage() -> None:
    library = builtin_measures()
    assert len(library) >= 45
    assert {m.pathway for m in library} == set(Pathway)
    assert {m.mechanism for m in library} == set(Mechanism)
    assert len({m.id for m in library}) == len(library)


def test_library_cites_roadmap_sources_disjoint_from_factor_sources() -> None:
    factor_ids = {s.id for s in load_factor_set().sources}
    sources = builtin_sources()
    own = set(sources) - factor_ids
    assert own, "the roadmap sources table is read"
    assert {m.source_id for m in builtin_measures()} <= own
    # every roadmap source is used by a measure (no unused citation)
    assert own <= {m.source_id for m in builtin_measures()}


def test_uncertain_source_forces_the_flag() -> None:
    sources = builtin_sources()
    for m in builtin_measures():
        if sources[m.source_id].confidence.value == "UNCERTAIN":
            assert m.uncertain, m.id
        if m.uncertain:
            assert "[UNCERTAIN" in m.note, m.id


def test_process_measures_name_a_factor_of_the_library() -> None:
    fs = load_factor_set()
    for m in builtin_measures():
        if m.mechanism is Mechanism.PROCESS:
            assert m.factor_id is not None
            assert fs.process(m.factor_id).value > 0


def test_derived_figures_by_hand() -> None:
    by_id = {m.id: m for m in builtin_measures()}
    # heat pump for gas: 2 000 kWh_th = 7.2 GJ; gas 7.2 / (0.038931 × 0.9) = 205.49 m³;
    # electricity 2 000 / 3 = 666.67 kWh → ratio 3.2443 kWh per m³
    hp = by_id["heat_pump_air_for_gas"]
    assert hp.effect_per_unit == pytest.approx(205.5, rel=1e-3)
    assert hp.ratio == pytest.approx(3.244, rel=1e-3)
    assert (hp.carrier, hp.to_carrier) == (Carrier.NATURAL_GAS, Carrier.ELECTRICITY)
    # motor: (0.75/0.887 − 0.75/0.933) × 5 000 h = 208.4 kWh/a per kW
    assert by_id["motor_gb18613_grade1"].effect_per_unit == pytest.approx(208.4, rel=1e-3)
    # condensate: 0.6 × 6 000 × 70 × 4.1868e-3 = 1 055.07 GJ/a per t/h
    assert by_id["steam_condensate_recovery"].effect_per_unit == pytest.approx(1055.07, rel=1e-3)
