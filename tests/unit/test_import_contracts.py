"""The import contracts of pyproject.toml ([tool.importlinter]) hold, and they bite.

``make test`` runs ``lint-imports`` before pytest; these tests run it too, so a plain ``pytest``
catches a broken contract, and they check the contracts themselves:

- every package of zeropark is named by the contracts (a new package must be placed in a layer);
- a copy of the source with one rule broken on purpose fails ``lint-imports``, naming the contract
  (so a contract that silently matches nothing — a renamed package, a typo — is caught).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

import zeropark

SRC = Path(zeropark.__file__).resolve().parent.parent
ROOT = SRC.parent
PYPROJECT = ROOT / "pyproject.toml"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _contracts() -> dict[str, dict[str, Any]]:
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["importlinter"]
    return {c["id"]: c for c in config["contracts"]}


def _lint(src: Path, *contracts: str) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` with the project's contracts (or only ``contracts``) on the package in ``src``."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), os.environ.get("PYTHONPATH", "")])}
    only = [arg for c in contracts for arg in ("--contract", c)]
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", *only, str(PYPROJECT)],
        capture_output=True,
        text=True,
        env=env,
        cwd=src,
        timeout=120,
    )


def _names(layer: str) -> set[str]:
    return {m.strip() for part in layer.split("|") for m in part.split(":")}


def test_the_contracts_are_kept() -> None:
    done = _lint(SRC)
    assert done.returncode == 0, done.stdout + done.stderr
    assert " 0 broken" in done.stdout


def test_every_package_is_placed_by_the_contracts() -> None:
    """Each module or package directly under zeropark is core or sits in a shell layer."""
    contracts = _contracts()
    core = set(contracts["core-pure"]["source_modules"])
    layered = {n for layer in contracts["shell-layers"]["layers"] for n in _names(layer)}
    core_layered = {n for layer in contracts["core-layers"]["layers"] for n in _names(layer)}
    children = {
        f"zeropark.{p.stem if p.suffix == '.py' else p.name}"
        for p in (SRC / "zeropark").iterdir()
        if (p.suffix == ".py" and p.stem not in ("__init__", "__main__"))
        or (p.is_dir() and (p / "__init__.py").exists())
    }
    assert core == core_layered, "core-pure and core-layers must name the same core"
    assert core.isdisjoint(layered)
    assert children - core - layered == set(), "place each new package in a layer of pyproject.toml"
    assert (core | layered) - children == set(), "a contract names a package that does not exist"
    assert set(contracts["core-pure"]["forbidden_modules"]) == layered


#: (module to edit, the line added to it, the contract that must break)
VIOLATIONS = [
    ("zeropark/units.py", "import zeropark.store.db", "core-pure"),
    ("zeropark/accounting/engine.py", "from zeropark.settings import get_settings", "core-pure"),
    ("zeropark/timeseries.py", "import sqlalchemy", "core-no-io"),
    ("zeropark/factors/loader.py", "import zeropark.accounting", "core-layers"),
    ("zeropark/store/repo.py", "import zeropark.services.inventory", "shell-layers"),
    ("zeropark/ingest/pipeline.py", "import zeropark.monitoring.rollups", "shell-layers"),
    ("zeropark/api/deps.py", "import zeropark.web.pages", "doors-apart"),
    ("zeropark/web/pages/reports.py", "import zeropark.reports.pdf", "reports-through-services"),
    ("zeropark/reports/data.py", "import zeropark.serving.charts", "reports-no-doors"),
    ("zeropark/web/pages/overview.py", "from zeropark.store.schema import ParkRow", "doors-no-rows"),
    ("zeropark/api/routers/meters.py", "from zeropark.store.schema import MeterRow", "writers-only"),
]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the package's Python files (what import analysis reads)."""
    dst = tmp_path_factory.mktemp("src")
    shutil.copytree(
        SRC / "zeropark",
        dst / "zeropark",
        ignore=shutil.ignore_patterns("__pycache__", "templates", "static", "data", "migrations"),
    )
    return dst


@pytest.mark.parametrize(
    ("module", "line", "contract"), VIOLATIONS, ids=[f"{v[2]}:{v[0]}" for v in VIOLATIONS]
)
def test_breaking_a_rule_fails_lint_imports(
    pristine: Path, tmp_path: Path, module: str, line: str, contract: str
) -> None:
    src = tmp_path / "src"
    shutil.copytree(pristine, src)
    path = src / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}  # broken on purpose\n", encoding="utf-8")
    assert _lint(pristine, contract).returncode == 0
    done = _lint(src, contract)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Contracts: 0 kept, 1 broken." in done.stdout, done.stdout
    assert module.removesuffix(".py").replace("/", ".") in done.stdout, done.stdout
