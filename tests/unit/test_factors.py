"""zeropark.factors: built-in data integrity, reference values, lookups, custom sets.

Reference values are computed by hand from ACCOUNTING.md §2 and §4 (arithmetic in comments).
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import re
from importlib import resources
from pathlib import Path

import pytest

from zeropark.errors import FactorNotFound, ValidationError
from zeropark.factors import (
    Confidence,
    FactorKind,
    FactorSet,
    GridCalibre,
    load_custom_csv,
    load_factor_set,
    parse_custom_csv,
    set_from_content,
)
from zeropark.factors.factorset import FACTOR_COLUMNS
from zeropark.factors.loader import is_official_url, parse_sources
from zeropark.model import FOSSIL_FUELS, Carrier

DATA = resources.files("zeropark.factors").joinpath("data")


@pytest.fixture(scope="module")
def fs() -> FactorSet:
    return load_factor_set()


def _data_rows(file: str) -> list[dict[str, str]]:
    with resources.as_file(DATA.joinpath(file)) as path, path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _factor_files() -> list[str]:
    return _data_rows("sets.csv")[0]["files"].split(";")


# --- source integrity (read the CSVs directly, independently of the loader) -------------------


def test_every_factor_row_cites_an_existing_source() -> None:
    source_ids = {r["id"] for r in _data_rows("sources.csv")}
    cited: set[str] = set()
    for file in _factor_files():
        rows = _data_rows(file)
        assert rows, f"{file} is empty"
        for line, row in enumerate(rows, start=2):
            assert list(row) == list(FACTOR_COLUMNS), f"{file}: header"
            assert row["source_id"] in source_ids, f"{file} row {line}: unknown source {row['source_id']}"
            cited.add(row["source_id"])
    # and no source is listed without being used
    assert source_ids == cited


def test_sources_are_complete() -> None:
    for row in _data_rows("sources.csv"):
        assert row["title"] and row["issuer"] and row["year"].isdigit(), row["id"]
        assert row["confidence"] in {"P", "S", "UNCERTAIN"}, row["id"]


#: Hosts of sites that re-post official documents (news aggregators, portals): never a citation.
REPOSTS = ("daydaynews.cc", "szcbn.com", "163.com", "reportify.ai", "sohu.com", "baidu.com", "tanpaifang.com")


def test_every_source_cites_the_official_document() -> None:
    """Issuer, document number, date of issue and where the issuer publishes it; no re-post."""
    for row in _data_rows("sources.csv"):
        sid = row["id"]
        assert row["issuer"] and row["published"], sid
        # only an [UNCERTAIN] source (stated so in every report) may still lack its number
        assert row["number"] or row["confidence"] == "UNCERTAIN", f"{sid}: no document number"
        assert re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", row["date"]), f"{sid}: date {row['date']!r}"
        assert not any(r in row["url"] for r in REPOSTS), f"{sid}: {row['url']} is a re-post"
        assert row["url"] == "" or is_official_url(row["url"]), f"{sid}: {row['url']}"


def test_grid_factors_cite_the_mee_announcements() -> None:
    """The grid factors (most of a park's total) cite each 公告 by number, date and its page on mee.gov.cn."""
    rows = {r["id"]: r for r in _data_rows("sources.csv")}
    expected = {
        "mee_grid_2021": ("公告2024年第12号", "2024-04-12"),
        "mee_grid_2022": ("公告2024年第33号", "2024-12-20"),
        "mee_grid_2023": ("公告2025年第47号", "2025-12-31"),
    }
    for sid, (number, date) in expected.items():
        row = rows[sid]
        assert (row["number"], row["date"]) == (number, date), sid
        assert row["issuer"].startswith("生态环境部 / 国家统计局"), sid
        assert row["url"].startswith("https://www.mee.gov.cn/xxgk2018/"), sid


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("number", "", "column 'number': empty number; give the document's number"),
        ("issuer", "", "column 'issuer': empty issuer; name the issuing body"),
        ("date", "", "column 'date': empty date"),
        ("date", "2024-13-01", "column 'date': date '2024-13-01' is not YYYY-MM-DD"),
        ("published", "", "column 'published': empty published"),
        ("url", "https://daydaynews.cc/zh-hant/finance/3899452.html", "not on an issuer's own site"),
    ],
)
def test_library_rejects_a_source_without_an_official_citation(column: str, value: str, message: str) -> None:
    good = {
        "id": "mee_grid_2021",
        "title": "关于发布2021年电力二氧化碳排放因子的公告",
        "issuer": "生态环境部 / 国家统计局",
        "number": "公告2024年第12号",
        "date": "2024-04-12",
        "published": "生态环境部网站",
        "year": "2024",
        "table": "",
        "url": "https://www.mee.gov.cn/xxgk2018/xxgk/xxgk01/202404/t20240412_1070565.html",
        "confidence": "P",
    }
    header = ",".join(good)
    assert (
        parse_sources(header + "\n" + ",".join(good.values()) + "\n")["mee_grid_2021"].number
        == "公告2024年第12号"
    )
    bad = good | {column: value}
    with pytest.raises(ValidationError, match=re.escape(message)):
        parse_sources(header + "\n" + ",".join(bad.values()) + "\n")


def test_factor_ids_unique_across_files() -> None:
    ids = [r["id"] for f in _factor_files() for r in _data_rows(f)]
    assert len(ids) == len(set(ids))


def test_builtin_set_identity(fs: FactorSet) -> None:
    assert (fs.name, fs.version) == ("CN-park-2025", "2025.2")
    assert fs.sha256 == hashlib.sha256(fs.content_csv().encode("utf-8")).hexdigest()
    assert len(fs.factors) == sum(len(_data_rows(f)) for f in _factor_files())
    assert load_factor_set() is fs  # cached, immutable
    with pytest.raises(dataclasses.FrozenInstanceError):
        fs.version = "x"  # type: ignore[misc]


#: sha256 of each released CN-park-2025 version (2025.2: sources cite number, date and the issuer's own
#: site; values unchanged). Stored runs cite (name, version, sha256): when the data files change,
#: bump the version in factors/data/sets.csv, regenerate the tables of docs/factors.md, then update this.
PINNED = {
    "2025.1": "f52ecbd08900acb7d9c0bf123c28ca26b597ceb8f0c62fab60cf742d449de924",
    "2025.2": "9f7d314045f72566a7827402d743f7e44eec3503b703917fa81e774da696a901",
}


def test_builtin_version_pins_content(fs: FactorSet) -> None:
    assert fs.version in PINNED, f"new version {fs.version}: add its sha256 {fs.sha256} to PINNED"
    assert fs.sha256 == PINNED[fs.version], (
        f"the data of {fs.label} changed (sha256 {fs.sha256}); a released version is immutable — "
        "bump the version in factors/data/sets.csv"
    )


def test_every_fossil_fuel_has_parameters_and_coefficient(fs: FactorSet) -> None:
    for carrier in FOSSIL_FUELS:
        assert fs.fuel(carrier).ef_tco2_per_unit > 0, carrier
        assert fs.standard_coal(carrier).value > 0, carrier


# --- reference values ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("carrier", "ef_per_cited_unit", "per_canonical"),
    [
        # 389.31 GJ/10⁴Nm³ × 15.3e-3 tC/GJ × 0.99 × 44/12 = 21.6219 tCO2/10⁴Nm³ (ACCOUNTING.md §2.2)
        (Carrier.NATURAL_GAS, 21.6219, 1e4),
        # 42.652 × 20.2e-3 × 0.98 × 44/12 = 3.0959 tCO2/t
        (Carrier.DIESEL, 3.0959, 1.0),
        # 20.908 × 26.37e-3 × 0.94 × 44/12 = 1.9003 tCO2/t [UNCERTAIN]
        (Carrier.RAW_COAL, 1.9003, 1.0),
        # 28.435 × 29.5e-3 × 0.93 × 44/12 = 2.8604
        (Carrier.COKE, 2.8604, 1.0),
        # 41.816 × 20.1e-3 × 0.98 × 44/12 = 3.0202
        (Carrier.CRUDE_OIL, 3.0202, 1.0),
        # 41.816 × 21.1e-3 × 0.98 × 44/12 = 3.1705
        (Carrier.FUEL_OIL, 3.1705, 1.0),
        # 43.070 × 18.9e-3 × 0.98 × 44/12 = 2.9251
        (Carrier.GASOLINE, 2.9251, 1.0),
        # 50.179 × 17.2e-3 × 0.98 × 44/12 = 3.1013
        (Carrier.LPG, 3.1013, 1.0),
    ],
)
def test_fuel_emission_factors(
    fs: FactorSet, carrier: Carrier, ef_per_cited_unit: float, per_canonical: float
) -> None:
    assert fs.fuel(carrier).ef_tco2_per_unit * per_canonical == pytest.approx(ef_per_cited_unit, abs=5e-5)


def test_natural_gas_parameters_per_m3(fs: FactorSet) -> None:
    gas = fs.fuel(Carrier.NATURAL_GAS)
    assert gas.unit == "m3"
    assert gas.ncv_gj_per_unit == pytest.approx(0.038931, rel=1e-12)  # 389.31 GJ / 10 000 m³
    assert gas.cc_tc_per_gj == pytest.approx(0.0153)
    assert gas.oxidation == pytest.approx(0.99)
    # provenance: the factor keeps the value as the guideline prints it
    assert (gas.ncv.cited_value, gas.ncv.cited_unit) == (389.31, "GJ/10^4 Nm3")
    assert gas.ncv.source.id == "ndrc_guideline_defaults"
    assert [f.id for f in gas.factors] == [
        "fuel.natural_gas.ncv",
        "fuel.natural_gas.cc",
        "fuel.natural_gas.of",
    ]


def test_worked_example_energy_consumption(fs: FactorSet) -> None:
    """ACCOUNTING.md §4.2: 1 214.30 + 145.71 + 2 949.60 + 341.20 = 4 650.81 tce."""
    gas = 1_000_000 * fs.standard_coal(Carrier.NATURAL_GAS).value  # × 1.2143 kgce/m³
    diesel = 100 * fs.standard_coal(Carrier.DIESEL).value  # × 1.4571 tce/t
    power = 24_000_000 * fs.standard_coal(Carrier.ELECTRICITY).value  # × 0.1229 kgce/kWh
    steam = 10_000 * fs.standard_coal(Carrier.STEAM).value  # × 0.03412 tce/GJ
    assert (gas, diesel, power, steam) == pytest.approx((1_214.30, 145.71, 2_949.60, 341.20))
    assert gas + diesel + power + steam == pytest.approx(4_650.81)


def test_worked_example_park_emissions(fs: FactorSet) -> None:
    """ACCOUNTING.md §4.3 (gross-import variant): total 11 896.78 tCO2."""
    gas = 1_000_000 * fs.fuel(Carrier.NATURAL_GAS).ef_tco2_per_unit  # 100 × 21.6219 = 2 162.19
    diesel = 100 * fs.fuel(Carrier.DIESEL).ef_tco2_per_unit  # 309.59
    power = 10_000 * fs.grid_electricity(GridCalibre.FOSSIL, 2022).value  # 10 000 MWh × 0.8325
    steam = 10_000 * fs.heat().value  # 10 000 GJ × 0.11
    assert gas == pytest.approx(2_162.19, abs=0.005)
    assert diesel == pytest.approx(309.59, abs=0.005)
    assert power == pytest.approx(8_325.00)
    assert steam == pytest.approx(1_100.00)
    assert gas + diesel + power + steam == pytest.approx(11_896.78, abs=0.01)


@pytest.mark.parametrize(
    ("calibre", "year", "region", "expected"),
    [
        (GridCalibre.AVERAGE, 2021, "全国", 0.5568),
        (GridCalibre.EXCL_MARKET_NONFOSSIL, 2021, "全国", 0.5942),
        (GridCalibre.FOSSIL, 2021, "全国", 0.8426),
        (GridCalibre.AVERAGE, 2022, "全国", 0.5366),
        (GridCalibre.EXCL_MARKET_NONFOSSIL, 2022, "全国", 0.5856),
        (GridCalibre.FOSSIL, 2022, "全国", 0.8325),
        (GridCalibre.AVERAGE, 2023, "全国", 0.5306),
        (GridCalibre.EXCL_MARKET_NONFOSSIL, 2023, "全国", 0.6096),
        (GridCalibre.FOSSIL, 2023, "全国", 0.8273),
        (GridCalibre.AVERAGE, 2022, "华北", 0.6776),
        (GridCalibre.AVERAGE, 2023, "华东", 0.5500),
        (GridCalibre.AVERAGE, 2023, "西南", 0.2472),
        (GridCalibre.AVERAGE, 2022, "河北", 0.7252),
        (GridCalibre.AVERAGE, 2022, "云南", 0.1073),
    ],
)
def test_grid_factors(fs: FactorSet, calibre: GridCalibre, year: int, region: str, expected: float) -> None:
    factor = fs.grid_electricity(calibre, year, region)
    assert factor.value == pytest.approx(expected)
    assert factor.unit == "tCO2/MWh" and factor.cited_unit == "kgCO2/kWh"
    assert factor.source.id == f"mee_grid_{year}"
    assert factor.confidence is Confidence.PRIMARY


def test_grid_factor_default_region_is_national(fs: FactorSet) -> None:
    assert fs.grid_electricity(GridCalibre.FOSSIL, 2022).region == "全国"
    assert fs.grid_electricity("fossil", 2022).value == 0.8325  # type: ignore[arg-type]


def test_grid_factor_missing_year_lists_years(fs: FactorSet) -> None:
    with pytest.raises(FactorNotFound, match=r"year 2024 \(years available: 2021, 2022, 2023\)"):
        fs.grid_electricity(GridCalibre.FOSSIL, 2024)
    with pytest.raises(FactorNotFound, match="region '江苏'"):
        fs.grid_electricity(GridCalibre.AVERAGE, 2022, "江苏")


def test_standard_coal_bases(fs: FactorSet) -> None:
    assert fs.standard_coal(Carrier.ELECTRICITY).value == pytest.approx(0.0001229)  # 0.1229 kgce/kWh
    assert fs.standard_coal(Carrier.ELECTRICITY).unit == "tce/kWh"
    assert fs.standard_coal(Carrier.STEAM).value == pytest.approx(0.03412)  # tce/GJ
    assert fs.standard_coal(Carrier.NATURAL_GAS, variant="oilfield").value == pytest.approx(0.00133)
    # 等价值: 300.7 gce/kWh (2022 supply coal rate) = 0.0003007 tce/kWh, an UNCERTAIN option
    eq = fs.standard_coal(Carrier.ELECTRICITY, "equal_value", 2022)
    assert eq.value == pytest.approx(0.0003007)
    assert eq.is_uncertain
    # the 当量值 row has no year: any year gives it
    assert fs.standard_coal(Carrier.ELECTRICITY, year=2025).id == "sc.electricity"
    with pytest.raises(FactorNotFound, match=r"equal_value.*year 2019 \(years available: 2020, 2021, 2022\)"):
        fs.standard_coal(Carrier.ELECTRICITY, "equal_value", 2019)
    with pytest.raises(FactorNotFound):
        fs.standard_coal(Carrier.WATER)


def test_heat_gwp_process(fs: FactorSet) -> None:
    assert fs.heat().value == 0.11 and fs.heat().unit == "tCO2/GJ"
    assert fs.gwp("CH4").value == 27.9  # AR6 default
    assert fs.gwp("CH4_fossil").value == 29.8
    assert fs.gwp("SF6", "SAR").value == 23_900
    assert fs.gwp("N2O", "AR5").value == 265
    assert fs.gwp("N2O", "AR4").value == 298
    assert fs.gwp("CO2", "AR6").value == 1
    with pytest.raises(FactorNotFound, match="gwp 'HFC-23'"):
        fs.gwp("HFC-23")
    # CaCO3 → CaO + CO2: M(CO2)/M(CaCO3) = 44.0095 / 100.0869 = 0.43971 (IPCC 2006 Vol.3 Table 2.1)
    assert fs.process("process.calcite.ipcc").value == pytest.approx(44.0095 / 100.0869, abs=5e-6)
    # CaMg(CO3)2: 2 × 44.0095 / 184.4008 = 0.47732
    assert fs.process("process.dolomite.ipcc").value == pytest.approx(2 * 44.0095 / 184.4008, abs=5e-6)
    assert fs.process("process.limestone.cn").value == 0.440
    with pytest.raises(FactorNotFound, match="process factors held: .*process.limestone.cn"):
        fs.process("fuel.diesel.ncv")
    assert fs.steam_heat_content().value == pytest.approx(3.763)  # 3 763 MJ/t
    # clinker Tier 1: 0.65 × 44.01/56.08 × 1.02 = 0.5203 → 0.52, an [UNCERTAIN] recalled default
    clinker = fs.process("process.clinker.ipcc_tier1")
    assert clinker.value == pytest.approx(round(0.65 * 44.01 / 56.08 * 1.02, 2))
    assert clinker.is_uncertain


def test_uncertain_rows_are_flagged(fs: FactorSet) -> None:
    assert fs.fuel(Carrier.RAW_COAL).ncv.is_uncertain
    assert fs.fuel(Carrier.COKE).cc.is_uncertain
    assert not fs.fuel(Carrier.DIESEL).ncv.is_uncertain
    assert fs.heat().is_uncertain  # [UNCERTAIN for the park method]
    assert all(f.uncertainty_pct is not None for f in fs.factors)


def test_labels(fs: FactorSet) -> None:
    f = fs.get("fuel.natural_gas.ncv")
    assert (f.label_zh, f.label_en) == ("天然气 低位发热量", "natural gas NCV")
    assert fs.get("sc.electricity.equal_value.2022").label_zh == "电力 等价值"
    with pytest.raises(FactorNotFound, match="id 'nope'.*CN-park-2025@2025.2"):
        fs.get("nope")


def test_content_round_trip(fs: FactorSet) -> None:
    again = set_from_content(fs.content_csv(), name=fs.name, version=fs.version, sha256=fs.sha256)
    assert again.sha256 == fs.sha256
    assert again.factors == fs.factors
    tampered = fs.content_csv().replace("0.8325", "0.5325")
    with pytest.raises(ValidationError, match="differs from the recorded"):
        set_from_content(tampered, name=fs.name, version=fs.version, sha256=fs.sha256)


# --- custom sets --------------------------------------------------------------------------

HEADER = ",".join(FACTOR_COLUMNS)
INLINE = HEADER + ",source_title,source_issuer,source_year,source_table,source_url,source_confidence"


def _write(tmp_path: Path, text: str, name: str = "custom.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_custom_set_overrides_and_adds(tmp_path: Path, fs: FactorSet) -> None:
    rows = [
        # supplier-specific grid factor with its own source (inline source columns)
        "grid.supplier.2024,grid_electricity,electricity,average,0.4512,kgCO2/kWh,华东,2024,"
        "supplier_2024,3,supplier-specific,售电公司排放因子证明,某售电公司,2025,p.2,,S",
        # measured NCV: new id, same lookup key as fuel.natural_gas.ncv
        "ng.measured,fuel,natural_gas,ncv,36.2,MJ/m3,,,lab_2025,2,measured 实测,"
        "天然气热值检测报告,某检测院,2025,X-1,,P",
        # same id as a base row, citing a known source
        "grid.fossil.cn.2022,grid_electricity,electricity,fossil,0.8325,kgCO2/kWh,全国,2022,"
        "mee_grid_2022,2,same value narrower interval,,,,,,",
    ]
    path = _write(tmp_path, INLINE + "\n" + "\n".join(rows) + "\n")
    custom = load_custom_csv(path, name="my-park", base=fs)
    assert custom.name == "my-park"
    assert custom.version == f"2025.2+{custom.sha256[:12]}"
    assert custom.base == "CN-park-2025@2025.2"
    # measured NCV (new id, same lookup key) replaces the default; same id replaces too
    assert custom.overrides == ("fuel.natural_gas.ncv", "grid.fossil.cn.2022")
    assert custom.fuel(Carrier.NATURAL_GAS).ncv_gj_per_unit == pytest.approx(0.0362)  # 36.2 MJ/m³
    assert custom.fuel(Carrier.NATURAL_GAS).ncv.source.title == "天然气热值检测报告"
    assert custom.grid_electricity(GridCalibre.AVERAGE, 2024, "华东").value == pytest.approx(0.4512)
    assert custom.grid_electricity(GridCalibre.FOSSIL, 2022).uncertainty_pct == 2
    assert len(custom.factors) == len(fs.factors) + 1
    # the base set is untouched and the custom version is deterministic
    assert fs.fuel(Carrier.NATURAL_GAS).ncv_gj_per_unit == pytest.approx(0.038931)
    assert load_custom_csv(path, name="my-park", base=fs).sha256 == custom.sha256
    assert custom.sha256 != fs.sha256


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (
            "g1,grid_electricity,electricity,average,0.5,kgCO2/kWh,全国,2024,no_such_source,,",
            "source_id",
            "unknown source_id 'no_such_source'; use an id of the base set's sources",
        ),
        (
            "g1,grid_electricity,electricity,average,zero point five,kgCO2/kWh,全国,2024,mee_grid_2022,,",
            "value",
            "value 'zero point five' is not a non-negative number",
        ),
        (
            "g1,grid_electricity,electricity,average,0.5,kg,全国,2024,mee_grid_2022,,",
            "unit",
            "unit 'kg' does not convert to 'tCO2/MWh'",
        ),
        (
            "g1,grid_electricity,electricity,average,0.5,bananas/kWh,全国,2024,mee_grid_2022,,",
            "unit",
            "unit 'bananas/kWh' does not convert",
        ),
        (
            "f1,fuel,petrol,ncv,43,GJ/t,,,ndrc_guideline_defaults,,",
            "key",
            "unknown carrier 'petrol'; use one of: electricity, natural_gas",
        ),
        (
            "f1,fuels,diesel,ncv,43,GJ/t,,,ndrc_guideline_defaults,,",
            "kind",
            "unknown kind 'fuels'; use one of: standard_coal, fuel, grid_electricity",
        ),
        (
            "f1,fuel,diesel,lhv,43,GJ/t,,,ndrc_guideline_defaults,,",
            "parameter",
            "parameter 'lhv' is not valid for kind fuel; use one of: cc, ncv, of",
        ),
        (
            "g1,grid_electricity,electricity,average,0.5,kgCO2/kWh,全国,,mee_grid_2022,,",
            "year",
            "needs the data year",
        ),
        (
            "g1,grid_electricity,electricity,average,0.5,kgCO2/kWh,全国,2024,mee_grid_2022,about 5,",
            "uncertainty_pct",
            "'about 5' is not a non-negative number of percent",
        ),
        (
            "g1,grid_electricity,electricity,average,-0.5,kgCO2/kWh,全国,2024,mee_grid_2022,,",
            "value",
            "value -0.5 is negative; factors are ≥ 0",
        ),
        (
            "g1,grid_electricity,electricity,average,inf,kgCO2/kWh,全国,2024,mee_grid_2022,,",
            "value",
            "value 'inf' is not a finite number",
        ),
    ],
)
def test_custom_row_errors(tmp_path: Path, fs: FactorSet, row: str, column: str, message: str) -> None:
    path = _write(tmp_path, HEADER + "\n" + row + "\n", "supplier.csv")
    with pytest.raises(ValidationError) as info:
        load_custom_csv(path, name="x", base=fs)
    errors = [e for e in info.value.errors if e.field == column]
    assert errors, info.value.errors
    assert errors[0].file == "supplier.csv" and errors[0].row == 2
    assert message in errors[0].message
    assert str(errors[0]).startswith(f"supplier.csv, row 2, column '{column}': ")


def test_custom_equivalent_with_year_serves_year_less_lookup(fs: FactorSet) -> None:
    # a park that measured its own gas heat value for 2025: 36 000 kJ/m³ ÷ 29 307.6 = 1.2284 kgce/m³
    text = HEADER + "\nsc.ng.2025,standard_coal,natural_gas,equivalent,1.2284,kgce/m3,,2025,gbt2589_2020,2,\n"
    custom = parse_custom_csv(text, file="sc.csv", name="x", base=fs)
    assert custom.standard_coal(Carrier.NATURAL_GAS).value == pytest.approx(0.0012143)  # year-less row kept
    assert custom.standard_coal(Carrier.NATURAL_GAS, year=2025).value == pytest.approx(0.0012284)


def test_custom_duplicate_id_names_both_rows(tmp_path: Path, fs: FactorSet) -> None:
    row = "g1,grid_electricity,electricity,average,0.5,kgCO2/kWh,全国,2024,mee_grid_2022,,"
    path = _write(tmp_path, f"{HEADER}\n{row}\n{row}\n")
    with pytest.raises(ValidationError, match=r"row 3, column 'id': duplicate id 'g1' \(first on row 2\)"):
        load_custom_csv(path, name="x", base=fs)


def test_custom_collects_all_errors(tmp_path: Path, fs: FactorSet) -> None:
    rows = [
        "a,fuel,diesel,ncv,x,GJ/t,,,ndrc_guideline_defaults,,",
        "b,fuel,diesel,ncv,43,GJ/t,,,nowhere,,",
        "c,heat,heat,ef,0.09,tCO2/GJ,,,ndrc_guideline_heat,,",
    ]
    path = _write(tmp_path, HEADER + "\n" + "\n".join(rows) + "\n")
    with pytest.raises(ValidationError, match="2 row\\(s\\) rejected") as info:
        load_custom_csv(path, name="x", base=fs)
    assert [(e.row, e.field) for e in info.value.errors] == [(2, "value"), (3, "source_id")]


def test_custom_missing_columns_and_empty(tmp_path: Path, fs: FactorSet) -> None:
    path = _write(tmp_path, "id,kind,value\ng1,heat,0.1\n")
    with pytest.raises(ValidationError, match="row 1: missing column\\(s\\) key, parameter, unit"):
        load_custom_csv(path, name="x", base=fs)
    path = _write(tmp_path, HEADER + "\n")
    with pytest.raises(ValidationError, match="no factor rows"):
        load_custom_csv(path, name="x", base=fs)
    with pytest.raises(ValidationError, match="file not found"):
        load_custom_csv(tmp_path / "absent.csv", name="x", base=fs)


def test_custom_inline_source_cannot_reuse_an_id(fs: FactorSet) -> None:
    text = INLINE + "\nh1,heat,heat,ef,0.09,tCO2/GJ,,,mee_grid_2022,5,,My supplier letter,Supplier,2025,,,S\n"
    with pytest.raises(ValidationError, match="source id 'mee_grid_2022' already names another document"):
        parse_custom_csv(text, file="h.csv", name="x", base=fs)


def test_custom_inline_source_bad_confidence(fs: FactorSet) -> None:
    text = INLINE + "\nh1,heat,heat,ef,0.09,tCO2/GJ,,,letter,5,,My supplier letter,Supplier,2025,,,maybe\n"
    with pytest.raises(ValidationError, match="column 'source_confidence': confidence 'maybe' is unknown"):
        parse_custom_csv(text, file="h.csv", name="x", base=fs)


def test_kinds_cover_all_rows(fs: FactorSet) -> None:
    kinds = {f.kind for f in fs.factors}
    assert kinds == set(FactorKind)


def test_docs_tables_match_data(fs: FactorSet) -> None:
    """docs/factors.md shows every factor with its cited value and unit (regenerate it when data change)."""
    docs = (Path(__file__).resolve().parents[2] / "docs" / "factors.md").read_text(encoding="utf-8")
    lines = {line.split("|")[1].strip(): line for line in docs.splitlines() if line.startswith("| `")}
    for f in fs.factors:
        assert f"`{f.id}`" in lines, f"{f.id} missing from docs/factors.md"
        assert f"| {f.cited_value:g} {f.cited_unit} |" in lines[f"`{f.id}`"], f.id
    assert "CN-park-2025" in docs and fs.version in docs


def test_public_surface() -> None:
    import zeropark.factors as factors

    assert set(factors.__all__) >= {
        "FactorSet",
        "Factor",
        "Source",
        "FuelParameters",
        "GridCalibre",
        "load_factor_set",
        "load_custom_csv",
    }
    for name in factors.__all__:
        assert hasattr(factors, name), name
