"""The optimisation and forecast cores are pure (DESIGN.md §1): no database, web or network code.

Two checks, because each misses what the other sees:

- statically, no ``import`` anywhere in ``zeropark/optimize/**`` or ``zeropark/forecast/**`` —
  top level, inside a function or under ``TYPE_CHECKING`` — names a shell package or library;
- at run time, importing every module of both packages in a fresh interpreter leaves none of them
  in ``sys.modules`` (this catches a shell module reached through another core module). One
  process suffices: ``sys.modules`` only grows, so a clean union means every module is clean.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import zeropark

SRC = Path(zeropark.__file__).parent
CORE_PACKAGES = ("optimize", "forecast", "roadmap", "market")
#: Shell packages of zeropark and I/O libraries the core must not import.
FORBIDDEN = (
    "zeropark.store",
    "zeropark.api",
    "zeropark.web",
    "zeropark.services",
    "zeropark.serving",
    "zeropark.commands",
    "zeropark.cli",
    "zeropark.app",
    "zeropark.ingest",
    "zeropark.reports",
    "sqlalchemy",
    "fastapi",
    "starlette",
    "paho",
    "psycopg",
    "httpx",
    "uvicorn",
)


#: Marks ``importlib.import_module(...)`` / ``__import__(...)``: what they load cannot be checked.
DYNAMIC = "<dynamic import>"


def _forbidden(name: str) -> bool:
    return any(name == f or name.startswith(f + ".") for f in FORBIDDEN)


def _core_files() -> list[Path]:
    return sorted(p for pkg in CORE_PACKAGES for p in (SRC / pkg).rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported_names(tree: ast.AST) -> list[tuple[int, str]]:
    names: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append((node.lineno, node.module))
            names += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
        elif isinstance(node, ast.Call) and (
            getattr(node.func, "attr", None) == "import_module"
            or getattr(node.func, "id", None) == "__import__"
        ):
            names.append((node.lineno, DYNAMIC))
    return names


@pytest.mark.parametrize("path", _core_files(), ids=lambda p: _module_name(p))
def test_no_shell_import_in_the_source(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bad = [f"line {n}: {name}" for n, name in _imported_names(tree) if _forbidden(name)]
    bad += [
        f"line {n}: a dynamic import hides what is imported"
        for n, name in _imported_names(tree)
        if name == DYNAMIC
    ]
    assert not bad, f"{path.relative_to(SRC.parent)} imports shell code: {bad}"


def test_importing_every_core_module_loads_no_shell_module() -> None:
    modules = [_module_name(p) for p in _core_files()]
    code = (
        "import importlib, json, sys\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module(m)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True
    )
    loaded = json.loads(done.stdout.splitlines()[-1])
    assert len(modules) >= 20 and all(m in loaded for m in modules)
    assert [m for m in loaded if _forbidden(m)] == []
