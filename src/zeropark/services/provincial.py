"""The provincial view (省级视图) of many parks: ranking, totals, indicator distributions.

One function computes the view from per-park outcomes (:func:`province_view`: sorted by park id,
``math.fsum`` totals, so its bits do not depend on the order the parks were accounted in), and
every door reaches it through this module:

- ``zeropark province account`` accounts every park (serially or on Dask,
  :mod:`zeropark.services.province`) and prints the view of the fresh outcomes;
- :func:`stored_view` — the API (``GET /api/v1/province/view``), the 省级视图 page (``/province``)
  and ``zeropark province view`` — builds the same view from each park's latest stored run inside
  the caller's :class:`~zeropark.store.scope.Scope`: a provincial user gets its province's parks,
  an admin every park; other roles are refused (403, audited). Reading only: nothing is accounted.

The outcomes of a stored run are those of the run as accounted (the inventory is stored
losslessly), so the view of ``province account`` and the stored view agree to the bit (tested).
"""

from __future__ import annotations

import hashlib
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from zeropark.errors import NotFound, PermissionDenied
from zeropark.model import Method
from zeropark.services.inventory import latest_view
from zeropark.store.queries import parks as park_queries
from zeropark.store.queries.runs import RunView
from zeropark.store.scope import PROVINCE_ROLES, Scope

__all__ = [
    "ENTITY",
    "Distribution",
    "ParkOutcome",
    "ProvinceView",
    "StoredView",
    "outcome_of_run",
    "province_view",
    "stored_view",
]

ENTITY = "province_view"


@dataclass(frozen=True, slots=True)
class ParkOutcome:
    """One park's accounted run, as plain values (what a worker sends back)."""

    park_id: str
    run_id: int
    total_tco2e: float
    energy_tce: float
    input_fingerprint: str
    #: SHA-256 of the run's whole serialised inventory (``Inventory.to_json``)
    digest: str
    #: indicator code → value (None: not computable) of the park's indicator table
    indicators: tuple[tuple[str, float | None], ...]
    seconds: float
    #: the process that ran the task (host:pid)
    worker: str = ""

    def same_result(self, other: ParkOutcome) -> bool:
        """Whether two outcomes are the same accounting result, bit for bit (run ids aside)."""
        return (
            self.park_id == other.park_id
            and self.digest == other.digest
            and self.input_fingerprint == other.input_fingerprint
            and self.total_tco2e.hex() == other.total_tco2e.hex()
            and self.energy_tce.hex() == other.energy_tce.hex()
            and self.indicators == other.indicators
        )


@dataclass(frozen=True, slots=True)
class Distribution:
    """How one indicator is spread over the parks that have a value for it."""

    code: str
    n: int
    minimum: float
    p25: float
    median: float
    p75: float
    maximum: float


@dataclass(frozen=True, slots=True)
class ProvinceView:
    """省级视图: totals, a ranking by emissions and the distribution of each indicator."""

    year: int
    parks: tuple[ParkOutcome, ...]
    total_tco2e: float
    energy_tce: float
    #: (park id, tCO2) largest first, ties by park id
    ranking: tuple[tuple[str, float], ...]
    distributions: tuple[Distribution, ...]

    def same_result(self, other: ProvinceView) -> bool:
        """Bit identity of two views (run ids and timings aside)."""
        return (
            self.year == other.year
            and len(self.parks) == len(other.parks)
            and all(a.same_result(b) for a, b in zip(self.parks, other.parks, strict=True))
            and self.total_tco2e.hex() == other.total_tco2e.hex()
            and self.energy_tce.hex() == other.energy_tce.hex()
            and self.ranking == other.ranking
            and self.distributions == other.distributions
        )


def province_view(year: int, outcomes: Sequence[ParkOutcome]) -> ProvinceView:
    """Totals, ranking and indicator distributions of the parks, independent of their order."""
    parks = tuple(sorted(outcomes, key=lambda o: o.park_id))
    ranking = tuple(sorted(((o.park_id, o.total_tco2e) for o in parks), key=lambda r: (-r[1], r[0])))
    values: dict[str, list[float]] = {}
    for o in parks:
        for code, value in o.indicators:
            if value is not None and math.isfinite(value):
                values.setdefault(code, []).append(value)
    return ProvinceView(
        year=year,
        parks=parks,
        total_tco2e=math.fsum(o.total_tco2e for o in parks),
        energy_tce=math.fsum(o.energy_tce for o in parks),
        ranking=ranking,
        distributions=tuple(_distribution(code, values[code]) for code in sorted(values)),
    )


def _distribution(code: str, values: list[float]) -> Distribution:
    xs = sorted(values)
    if len(xs) == 1:
        q25 = q50 = q75 = xs[0]
    else:
        q25, q50, q75 = statistics.quantiles(xs, n=4, method="inclusive")
    return Distribution(code, len(xs), xs[0], q25, q50, q75, xs[-1])


def outcome_of_run(view: RunView) -> ParkOutcome:
    """A park's outcome from its stored run (the same values :func:`account_park` returns)."""
    inv = view.inventory
    table = view.indicators
    return ParkOutcome(
        park_id=view.summary.park_id,
        run_id=view.summary.id,
        total_tco2e=inv.total_tco2e,
        energy_tce=inv.energy_tce,
        input_fingerprint=inv.input_fingerprint,
        digest=hashlib.sha256(inv.to_json().encode()).hexdigest(),
        indicators=tuple((r.code, r.value) for r in table.rows) if table is not None else (),
        seconds=0.0,
    )


@dataclass(frozen=True, slots=True)
class StoredView:
    """The provincial view of the latest stored runs, and the parks in scope without a run."""

    view: ProvinceView
    method: Method
    #: parks inside the scope with no run of the method for the year (not in the view)
    missing: tuple[str, ...]
    #: park id → park name, for every park of the view and of ``missing``
    names: dict[str, str]
    #: indicator code → (label zh, label en, unit), from the parks' indicator tables
    labels: dict[str, tuple[str, str, str]]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: totals [tCO2, tce], ranking, distributions, the parks without a run."""
        v = self.view
        by_id = {o.park_id: o for o in v.parks}
        return {
            "year": v.year,
            "method": self.method.value,
            "parks": len(v.parks),
            "total_tco2e": v.total_tco2e,
            "energy_tce": v.energy_tce,
            "ranking": [
                {
                    "rank": i,
                    "park_id": pid,
                    "name": self.names.get(pid, pid),
                    "run_id": by_id[pid].run_id,
                    "total_tco2e": t,
                    "energy_tce": by_id[pid].energy_tce,
                    "digest": by_id[pid].digest,
                }
                for i, (pid, t) in enumerate(v.ranking, start=1)
            ],
            "distributions": [
                {
                    "code": d.code,
                    "label_zh": self.labels.get(d.code, (d.code, d.code, ""))[0],
                    "label_en": self.labels.get(d.code, (d.code, d.code, ""))[1],
                    "unit": self.labels.get(d.code, (d.code, d.code, ""))[2],
                    "n": d.n,
                    "min": d.minimum,
                    "p25": d.p25,
                    "median": d.median,
                    "p75": d.p75,
                    "max": d.maximum,
                }
                for d in v.distributions
            ],
            "missing": list(self.missing),
        }


def stored_view(
    scope: Scope, year: int, *, method: Method = Method.NATIONAL, park_ids: Sequence[str] = ()
) -> StoredView:
    """省级视图 of the latest stored runs of every park ``scope`` sees (or of ``park_ids``).

    Raises
    ------
    PermissionDenied
        The user is neither a provincial user nor an admin (audited ``denied``).
    NotFound
        A park of ``park_ids`` outside the scope or unknown (audited).
    """
    if scope.user.role not in PROVINCE_ROLES:
        scope.deny(ENTITY, str(year), f"role '{scope.user.role}' may not see the provincial view")
        raise PermissionDenied(
            f"role '{scope.user.role}' may not see the provincial view; it is for provincial users"
        )
    names = {p.id: p.name for p in park_queries.parks(scope)}
    if park_ids:
        for p in park_ids:
            scope.check_park(p)
            if p not in names:  # an admin's scope admits any id: the park must also exist
                raise NotFound(f"park '{p}' not found; see `zeropark park show` for the stored parks")
        wanted = sorted(set(park_ids))
    else:
        wanted = list(names)
    outcomes: list[ParkOutcome] = []
    missing: list[str] = []
    labels: dict[str, tuple[str, str, str]] = {}
    for park_id in wanted:
        found = latest_view(scope, park_id, year, method)
        if found is None:
            missing.append(park_id)
            continue
        outcomes.append(outcome_of_run(found))
        for r in found.indicators.rows if found.indicators is not None else ():
            labels.setdefault(r.code, (r.label_zh, r.label_en, r.unit))
    return StoredView(province_view(year, outcomes), method, tuple(missing), names, labels)
