"""Provincial time-of-use tariffs (分时电价: 尖峰/峰/平/谷) and the demand charge (需量电费).

Tariffs are cited data in ``optimize/data/*.csv`` (one row per period block or price, each naming a
``source_id`` in ``tariff_sources.csv`` and a confidence ``P``/``S``/``UNCERTAIN``). A user replaces
them by pointing :func:`load_tariffs` at a directory with the same four files, or by
:meth:`Tariff.with_overrides` (e.g. this month's 代理购电 prices from the bill).

Period blocks are resolved on a 15-minute grid of the local day (Asia/Shanghai): rows are applied
in file order, so a later row (e.g. a seasonal 尖峰 hour) overrides the base block it falls in.
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from zeropark.errors import RowError, TariffDataError, ValidationError
from zeropark.optimize.frames import local_index, parse_times

SLOTS_PER_DAY = 96  # 15-minute slots
_SLOT_MIN = 15
_FILES = ("tariffs.csv", "tou_periods.csv", "tou_prices.csv", "tariff_sources.csv")
#: The bundled tariff tables, shipped beside this module.
_DATA_DIR = Path(__file__).with_name("data")


class TouPeriod(StrEnum):
    """分时时段: the time-of-use block an interval falls in."""

    CRITICAL = "critical"  # 尖峰
    PEAK = "peak"  # 峰 / 高峰
    FLAT = "flat"  # 平
    VALLEY = "valley"  # 谷 / 低谷
    DEEP_VALLEY = "deep_valley"  # 深谷


TOU_LABEL_ZH: dict[TouPeriod, str] = {
    TouPeriod.CRITICAL: "尖峰",
    TouPeriod.PEAK: "峰",
    TouPeriod.FLAT: "平",
    TouPeriod.VALLEY: "谷",
    TouPeriod.DEEP_VALLEY: "深谷",
}


@dataclass(frozen=True, slots=True)
class TariffSource:
    """Where a tariff figure comes from, with its confidence (P, S or UNCERTAIN)."""

    id: str
    title: str
    issuer: str
    year: int | None
    url: str
    confidence: str
    note: str


@dataclass(frozen=True, slots=True)
class Tariff:
    """A large-user time-of-use tariff with its monthly demand charge.

    Attributes
    ----------
    period_by_month : Mapping[int, tuple[TouPeriod, ...]]
        For each month 1–12, the period of each of the 96 quarter-hours of the local day.
    prices_cny_per_kwh : Mapping[TouPeriod, float]
        Energy price of each period [CNY/kWh].
    demand_charge_cny_per_kw_month : float
        需量电价 on the month's maximum import demand [CNY/(kW·month)].
    export_price_cny_per_kwh : float
        Price received for exported electricity [CNY/kWh].
    confidence : Mapping[str, str]
        Confidence of each figure (``"prices"``, ``"periods"``, ``"demand_charge"``, ``"export"``).
    """

    id: str
    province: str
    name_zh: str
    period_by_month: Mapping[int, tuple[TouPeriod, ...]]
    prices_cny_per_kwh: Mapping[TouPeriod, float]
    demand_charge_cny_per_kw_month: float
    capacity_charge_cny_per_kva_month: float
    export_price_cny_per_kwh: float
    sources: tuple[TariffSource, ...] = ()
    confidence: Mapping[str, str] = field(default_factory=dict)

    def period_at(self, month: int, hour: int, minute: int = 0) -> TouPeriod:
        """The TOU period of a local wall-clock time (month 1–12, hour 0–23, minute 0–59)."""
        return self.period_by_month[month][(hour * 60 + minute) // _SLOT_MIN]

    def price_at(self, month: int, hour: int, minute: int = 0) -> float:
        """Energy price [CNY/kWh] at a local wall-clock time."""
        return self.prices_cny_per_kwh[self.period_at(month, hour, minute)]

    def periods(self, index_local: pd.DatetimeIndex) -> list[TouPeriod]:
        """The TOU period of each timestamp (interval start, local time)."""
        return [self.period_at(ts.month, ts.hour, ts.minute) for ts in index_local]

    def prices(self, index_local: pd.DatetimeIndex) -> npt.NDArray[np.float64]:
        """Energy price [CNY/kWh] of each interval starting at ``index_local`` (local time)."""
        table = np.array(
            [[self.prices_cny_per_kwh[p] for p in self.period_by_month[m]] for m in range(1, 13)]
        )
        months = np.asarray(index_local.month, dtype=np.int64) - 1
        slots = (np.asarray(index_local.hour) * 60 + np.asarray(index_local.minute)) // _SLOT_MIN
        return np.asarray(table[months, slots], dtype=np.float64)

    def with_overrides(
        self,
        *,
        prices_cny_per_kwh: Mapping[TouPeriod | str, float] | None = None,
        demand_charge_cny_per_kw_month: float | None = None,
        export_price_cny_per_kwh: float | None = None,
    ) -> Tariff:
        """A copy with some figures replaced (e.g. this month's 代理购电 prices from the bill).

        Overridden figures get the confidence ``"user"``.
        """
        prices = dict(self.prices_cny_per_kwh)
        conf = dict(self.confidence)
        if prices_cny_per_kwh:
            for key, value in prices_cny_per_kwh.items():
                prices[TouPeriod(key)] = float(value)
            conf["prices"] = "user"
        changes: dict[str, object] = {"prices_cny_per_kwh": prices, "confidence": conf}
        if demand_charge_cny_per_kw_month is not None:
            changes["demand_charge_cny_per_kw_month"] = float(demand_charge_cny_per_kw_month)
            conf["demand_charge"] = "user"
        if export_price_cny_per_kwh is not None:
            changes["export_price_cny_per_kwh"] = float(export_price_cny_per_kwh)
            conf["export"] = "user"
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


#: The four tables of a tariff set and their required columns.
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "tariffs.csv": (
        "tariff_id",
        "province",
        "name_zh",
        "demand_charge_cny_per_kw_month",
        "export_price_cny_per_kwh",
        "source_id",
        "confidence",
    ),
    "tou_periods.csv": ("tariff_id", "months", "start", "end", "period", "source_id", "confidence"),
    "tou_prices.csv": ("tariff_id", "period", "price_cny_per_kwh", "source_id", "confidence"),
    "tariff_sources.csv": ("source_id", "title", "issuer", "year", "confidence"),
}


def _read_rows(directory: Path | None, name: str) -> tuple[str, list[dict[str, str]]]:
    if directory is None:
        text = (_DATA_DIR / name).read_text(encoding="utf-8")
        label = f"zeropark/optimize/data/{name}"
    else:
        path = directory / name
        if not path.exists():
            raise TariffDataError([RowError(str(path), None, None, None, "file missing")])
        text = path.read_text(encoding="utf-8-sig")
        label = str(path)
    return label, list(csv.DictReader(text.splitlines()))


def read_tariff_tables(
    directory: str | Path | None = None,
) -> tuple[dict[str, list[dict[str, str]]], dict[str, str]]:
    """The four tables of the bundled data (or of ``directory``) as rows, with each file's label.

    Raises
    ------
    TariffDataError
        A file is missing or lacks a required column (named).
    """
    base = Path(directory) if directory is not None else None
    tables: dict[str, list[dict[str, str]]] = {}
    labels: dict[str, str] = {}
    errors: list[RowError] = []
    for name, needed in TABLE_COLUMNS.items():
        label, rows = _read_rows(base, name)
        labels[name], tables[name] = label, rows
        present = set(rows[0]) if rows else set(needed)
        for col in needed:
            if col not in present:
                errors.append(RowError(label, None, 1, col, "column missing from the header"))
    if errors:
        raise TariffDataError(errors)
    return tables, labels


def _months(spec: str) -> list[int]:
    months: list[int] = []
    for part in spec.replace("，", ",").split(","):
        part = part.strip()
        if "-" in part:
            lo, hi = (int(x) for x in part.split("-"))
            months.extend(range(lo, hi + 1))
        elif part:
            months.append(int(part))
    if not months or any(m < 1 or m > 12 for m in months):
        raise ValueError(f"months must be 1-12 (e.g. '1-12' or '7,8'), '{spec}' was given")
    return months


def _slot(hhmm: str) -> int:
    hours, minutes = (int(x) for x in hhmm.strip().split(":"))
    total = hours * 60 + minutes
    if total % _SLOT_MIN or not 0 <= total <= 24 * 60:
        raise ValueError(f"time must be HH:MM on a 15-minute boundary between 00:00 and 24:00, '{hhmm}'")
    return total // _SLOT_MIN


def load_tariffs(directory: str | Path | None = None) -> dict[str, Tariff]:
    """Load every tariff of the bundled data, or of ``directory`` holding the same four CSV files.

    Raises
    ------
    TariffDataError
        As :func:`tariffs_from_tables`.
    """
    tables, labels = read_tariff_tables(directory)
    return tariffs_from_tables(tables, labels)


def tariffs_from_tables(
    tables: Mapping[str, Sequence[Mapping[str, str]]], labels: Mapping[str, str] | None = None
) -> dict[str, Tariff]:
    """The tariffs of four tables of rows (the CSV files, or a stored tariff version).

    A period block may not overlap an earlier block of the same tariff and month unless its
    ``override`` column says ``yes`` (a seasonal 尖峰 hour replacing part of a base block).

    Raises
    ------
    TariffDataError
        Naming file (or stored tariff), row and column of each bad figure: a period block with a
        bad time, overlapping blocks, a month whose quarter-hours are not all covered, a period
        without a price, a negative price or charge.
    """
    labels = labels or {name: name for name in TABLE_COLUMNS}
    errors: list[RowError] = []
    src_rows = tables.get("tariff_sources.csv", [])
    sources = {
        r["source_id"]: TariffSource(
            r["source_id"],
            r["title"],
            r["issuer"],
            int(r["year"]) if r["year"] else None,
            r.get("url", ""),
            r["confidence"],
            r.get("note", ""),
        )
        for r in src_rows
    }
    t_label, t_rows = labels["tariffs.csv"], tables.get("tariffs.csv", [])
    p_label, p_rows = labels["tou_periods.csv"], tables.get("tou_periods.csv", [])
    c_label, c_rows = labels["tou_prices.csv"], tables.get("tou_prices.csv", [])
    owner: dict[tuple[str, int, int], int] = {}

    grids: dict[str, dict[int, list[TouPeriod | None]]] = {}
    conf_periods: dict[str, str] = {}
    used_sources: dict[str, set[str]] = {}
    for i, r in enumerate(p_rows, start=2):
        tid = r["tariff_id"]
        col = "months"
        try:
            months = _months(r["months"])
            col = "start"
            start = _slot(r["start"])
            col = "end"
            end = _slot(r["end"])
            if end <= start:
                raise ValueError(f"end {r['end']} must be after start {r['start']}")
            col = "period"
            period = TouPeriod(r["period"])
        except (ValueError, AttributeError) as exc:
            errors.append(RowError(p_label, None, i, col, str(exc)))
            continue
        if r["source_id"] not in sources:
            errors.append(RowError(p_label, None, i, "source_id", f"unknown source '{r['source_id']}'"))
        grid = grids.setdefault(tid, {m: [None] * SLOTS_PER_DAY for m in range(1, 13)})
        override = str(r.get("override") or "").strip().lower() in ("yes", "y", "true", "1", "是")
        clash = None
        for m in months:
            for k in range(start, end):
                prev = owner.get((tid, m, k))
                if prev is not None and not override and clash is None:
                    clash = (m, k, prev)
                owner[(tid, m, k)] = i
        if clash is not None:
            m, k, prev = clash
            errors.append(
                RowError(
                    p_label,
                    None,
                    i,
                    "start",
                    f"block {r['start']}-{r['end']} ({r['period']}) overlaps the block of row {prev} "
                    f"in month "
                    f"{m} at {k * 15 // 60:02d}:{k * 15 % 60:02d}; fix the hours, or set override=yes if "
                    "it is meant to replace that part (e.g. a seasonal 尖峰 hour)",
                )
            )
            continue
        for m in months:
            grid[m][start:end] = [period] * (end - start)
        used_sources.setdefault(tid, set()).add(r["source_id"])
        conf_periods[tid] = _weakest(conf_periods.get(tid), r["confidence"])

    prices: dict[str, dict[TouPeriod, float]] = {}
    conf_prices: dict[str, str] = {}
    for i, r in enumerate(c_rows, start=2):
        try:
            value = float(r["price_cny_per_kwh"])
            if value < 0:
                raise ValueError(f"price must be ≥ 0, {value} was given")
            prices.setdefault(r["tariff_id"], {})[TouPeriod(r["period"])] = value
        except ValueError as exc:
            errors.append(RowError(c_label, None, i, "price_cny_per_kwh", str(exc)))
            continue
        used_sources.setdefault(r["tariff_id"], set()).add(r["source_id"])
        conf_prices[r["tariff_id"]] = _weakest(conf_prices.get(r["tariff_id"]), r["confidence"])

    tariffs: dict[str, Tariff] = {}
    for i, r in enumerate(t_rows, start=2):
        tid = r["tariff_id"]
        tgrid = grids.get(tid)
        if tgrid is None:
            errors.append(RowError(t_label, None, i, "tariff_id", f"no period rows for '{tid}' in {p_label}"))
            continue
        by_month: dict[int, tuple[TouPeriod, ...]] = {}
        for m, slots in tgrid.items():
            missing = [k for k, p in enumerate(slots) if p is None]
            if missing:
                k = missing[0]
                errors.append(
                    RowError(
                        p_label,
                        None,
                        None,
                        None,
                        f"tariff '{tid}' month {m}: {k * 15 // 60:02d}:{k * 15 % 60:02d} "
                        "is in no period block",
                    )
                )
                continue
            by_month[m] = tuple(p for p in slots if p is not None)
        tprices = prices.get(tid, {})
        for needed in {p for row in by_month.values() for p in row} - set(tprices):
            errors.append(
                RowError(c_label, None, None, "period", f"tariff '{tid}' has no price for '{needed}'")
            )
        figures: dict[str, float] = {}
        for col in (
            "demand_charge_cny_per_kw_month",
            "capacity_charge_cny_per_kva_month",
            "export_price_cny_per_kwh",
        ):
            text = str(r.get(col) or "0").strip()
            try:
                figures[col] = float(text)
            except ValueError:
                errors.append(RowError(t_label, None, i, col, f"'{text}' is not a number (CNY, with a dot)"))
                continue
            if figures[col] < 0 or figures[col] != figures[col]:
                errors.append(RowError(t_label, None, i, col, f"must be ≥ 0, {text} was given"))
        if len(figures) < 3:
            continue
        demand = figures["demand_charge_cny_per_kw_month"]
        capacity = figures["capacity_charge_cny_per_kva_month"]
        export = figures["export_price_cny_per_kwh"]
        ids = used_sources.get(tid, set()) | {r["source_id"], r.get("export_source_id", "")}
        tariffs[tid] = Tariff(
            id=tid,
            province=r["province"],
            name_zh=r["name_zh"],
            period_by_month=by_month,
            prices_cny_per_kwh=tprices,
            demand_charge_cny_per_kw_month=demand,
            capacity_charge_cny_per_kva_month=capacity,
            export_price_cny_per_kwh=export,
            sources=tuple(sources[s] for s in sorted(ids) if s in sources),
            confidence={
                "periods": conf_periods.get(tid, "UNCERTAIN"),
                "prices": conf_prices.get(tid, "UNCERTAIN"),
                "demand_charge": r["confidence"],
                "export": _source_confidence(sources, r.get("export_source_id", ""), r["confidence"]),
            },
        )
    if errors:
        raise TariffDataError(errors)
    return tariffs


def _source_confidence(sources: Mapping[str, TariffSource], source_id: str, default: str) -> str:
    src = sources.get(source_id)
    return src.confidence if src is not None else default


_RANK = {"P": 0, "S": 1, "UNCERTAIN": 2, "user": 0}


def _weakest(a: str | None, b: str) -> str:
    if a is None:
        return b
    return a if _RANK.get(a, 2) >= _RANK.get(b, 2) else b


def load_tariff(
    tariff_id: str = "CN-JS-large-industry-1-10kV", directory: str | Path | None = None
) -> Tariff:
    """One tariff by id (see :func:`load_tariffs`).

    Raises
    ------
    KeyError
        Naming the tariffs that exist.
    """
    tariffs = load_tariffs(directory)
    if tariff_id not in tariffs:
        raise KeyError(f"no tariff '{tariff_id}'; known: {', '.join(sorted(tariffs))}")
    return tariffs[tariff_id]


def flat_tariff(
    price_cny_per_kwh: float,
    *,
    demand_charge_cny_per_kw_month: float = 0.0,
    export_price_cny_per_kwh: float = 0.0,
) -> Tariff:
    """A one-price tariff (all hours FLAT), for tests and what-if runs."""
    day = tuple([TouPeriod.FLAT] * SLOTS_PER_DAY)
    return Tariff(
        id="flat",
        province="",
        name_zh="单一电价",
        period_by_month=dict.fromkeys(range(1, 13), day),
        prices_cny_per_kwh={TouPeriod.FLAT: price_cny_per_kwh},
        demand_charge_cny_per_kw_month=demand_charge_cny_per_kw_month,
        capacity_charge_cny_per_kva_month=0.0,
        export_price_cny_per_kwh=export_price_cny_per_kwh,
        confidence={"prices": "user", "periods": "user", "demand_charge": "user", "export": "user"},
    )


def price_series_from_frame(frame: pd.DataFrame, *, label: str) -> pd.Series:
    """An hourly (or finer) import price series from ``time,price_cny_per_kwh`` rows [CNY/kWh].

    ``time`` is the start of the step in local time (Asia/Shanghai; an offset is converted); the
    series replaces the TOU energy prices of a tariff (:attr:`GridConnection.energy_price_cny_per_kwh`).
    Negative prices are kept (spot markets have them).

    Raises
    ------
    ValidationError
        Naming the file (``label``), row and column of a missing column, a bad time or number, or a
        time given twice.
    """
    times, errors = parse_times(frame, label=label, required=("time", "price_cny_per_kwh"))
    price = pd.to_numeric(frame["price_cny_per_kwh"], errors="coerce").to_numpy(dtype=float)
    for i in np.flatnonzero(~np.isfinite(price)).tolist():
        errors.append(
            RowError(
                label,
                None,
                int(i) + 2,
                "price_cny_per_kwh",
                f"'{frame['price_cny_per_kwh'].iloc[i]}' is not a number (CNY/kWh, with a dot)",
            )
        )
    if errors:
        raise ValidationError(errors)
    index = local_index(times)
    dup = np.flatnonzero(index.duplicated()).tolist()
    if dup:
        raise ValidationError(
            [
                RowError(
                    label,
                    None,
                    dup[0] + 2,
                    "time",
                    f"{index[dup[0]]} is given twice; give one price per step",
                )
            ]
        )
    return pd.Series(price, index=index, name="price_cny_per_kwh").sort_index()


def prices_on(series: pd.Series, index_local: pd.DatetimeIndex, *, label: str) -> npt.NDArray[np.float64]:
    """The price of each step of ``index_local`` from ``series`` [CNY/kWh] (exact times).

    Raises
    ------
    ValidationError
        Naming the first steps the file has no price for.
    """
    aligned = series.reindex(index_local)
    missing = index_local[aligned.isna().to_numpy()]
    if len(missing):
        shown = ", ".join(str(t) for t in missing[:3])
        raise ValidationError(
            [
                RowError(
                    label,
                    None,
                    None,
                    "time",
                    f"no price for {len(missing)} of the run's {len(index_local)} steps (first: {shown}); "
                    "give one row per step of the horizon",
                )
            ]
        )
    return np.asarray(aligned.to_numpy(dtype=float), dtype=np.float64)


__all__: Sequence[str] = [
    "TOU_LABEL_ZH",
    "Tariff",
    "TariffSource",
    "TouPeriod",
    "flat_tariff",
    "TABLE_COLUMNS",
    "load_tariff",
    "load_tariffs",
    "read_tariff_tables",
    "tariffs_from_tables",
    "price_series_from_frame",
    "prices_on",
]
