"""Province fan-out (#20): 3 simulated parks accounted and re-verified serially and on a Dask
LocalCluster (a real scheduler, two worker processes) against PostgreSQL — the same results to the
last bit; the CLI door prints the service's provincial view."""

from __future__ import annotations

import math
import os

import pytest
from api_support import cli_database
from sqlalchemy import Engine
from typer.testing import CliRunner

from zeropark.cli import app as cli
from zeropark.commands import common
from zeropark.demo.province import write_province
from zeropark.model import Method
from zeropark.services import province
from zeropark.settings import get_settings
from zeropark.store import runs

pytestmark = pytest.mark.postgres


def test_dask_and_serial_agree_to_the_bit(
    pg_engine: Engine, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    parks = write_province(pg_engine, 3, n_enterprises=2, days=7)
    assert parks == ["PRV-001", "PRV-002", "PRV-003"]
    fs = get_settings().factor_set
    serial = province.account_province(pg_url, parks, 2025, factor_set=fs, fanout=province.SerialFanout())
    with province.dask_fanout(workers=2) as fan:
        fanned = province.account_province(pg_url, parks, 2025, factor_set=fs, fanout=fan)
        checks = province.verify_province(pg_url, parks, [o.run_id for o in fanned.parks], fanout=fan)
    assert fanned.same_result(serial)
    # new runs, made in the worker processes, not here
    assert {o.run_id for o in fanned.parks}.isdisjoint({o.run_id for o in serial.parks})
    assert all(o.worker and not o.worker.endswith(f":{os.getpid()}") for o in fanned.parks)
    assert all(o.worker.endswith(f":{os.getpid()}") for o in serial.parks)
    assert [c.identical and c.fingerprint_match for c in checks] == [True, True, True]
    assert [c.digest for c in checks] == [o.digest for o in fanned.parks]
    # the provincial total is the exact sum of the stored park runs, the ranking is by it
    stored = [runs.get_run(pg_engine, o.run_id).inventory.total_tco2e for o in serial.parks]
    assert serial.total_tco2e == math.fsum(stored)
    assert [t for _p, t in serial.ranking] == sorted(stored, reverse=True)
    assert serial.distributions and all(d.n == 3 for d in serial.distributions if d.code == "core_intensity")

    # the CLI door: the same service, serially; its total is the service's
    with cli_database(pg_url):
        res = CliRunner().invoke(cli, ["province", "account", "2025", "--prefix", "PRV"])
        assert res.exit_code == 0, res.output
        assert f"{serial.total_tco2e:,.3f} tCO2" in res.output
        ver = CliRunner().invoke(cli, ["province", "verify", "2025", "--prefix", "PRV"])
        assert ver.exit_code == 0 and "一致" in ver.output, ver.output
        latest = province.latest_park_runs(pg_engine, parks, 2025, Method.NATIONAL)
        assert len(set(latest)) == 3
        bad = CliRunner().invoke(cli, ["province", "account", "2025", "--scheduler", "not an address"])
        assert bad.exit_code == common.EXIT_USAGE
