"""The shape of the ingest shell: what ``zeropark.ingest`` may import, no cycles, no hidden imports.

Promises of the shell issue ("one shell around the core"), checked on the source:

- ingest knows nothing of what is derived from readings: importing every ingest module loads no
  ``zeropark.monitoring``, ``zeropark.services`` or door (api, web, reports, commands, cli) — the
  rollups are wired by ``services/ingestion.py`` through the after-commit hooks;
- the modules of ``zeropark.ingest`` import each other without a cycle (``pipeline`` uses
  ``quarantine``; re-processing sits above both);
- no function-local import of a zeropark module, no ``importlib``, no ``except ImportError`` in
  ingest and in the doors and use cases of ingest and imports.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import zeropark.ingest.workbook

SRC = Path(zeropark.ingest.workbook.__file__).resolve().parents[3]
INGEST = SRC / "zeropark" / "ingest"

#: Files of the ingest shell and of the doors and use cases that drive it.
SHELL_FILES = [
    *sorted(INGEST.rglob("*.py")),
    *(
        SRC / "zeropark" / rel
        for rel in (
            "services/ingestion.py",
            "services/imports.py",
            "commands/data.py",
            "commands/ingest.py",
            "api/routers/imports.py",
            "api/routers/ingest.py",
            "web/pages/imports.py",
        )
    ),
]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def test_importing_ingest_loads_no_monitoring_services_or_doors() -> None:
    code = (
        "import importlib, pkgutil, sys\n"
        "import zeropark.ingest as pkg\n"
        "for m in pkgutil.walk_packages(pkg.__path__, 'zeropark.ingest.'):\n"
        "    if not m.name.endswith('__main__'):\n"
        "        importlib.import_module(m.name)\n"
        "print('\\n'.join(sorted(n for n in sys.modules if n.startswith('zeropark'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = set(out.split())
    assert "zeropark.ingest.mqtt.ingester" in loaded and "zeropark.ingest.workbook.store" in loaded
    forbidden = ("monitoring", "services", "api", "web", "reports", "commands", "cli", "demo")
    leaked = sorted(n for n in loaded if n.partition(".")[2].split(".")[0] in forbidden)
    assert leaked == [], f"importing zeropark.ingest loaded {leaked}"


def _imports(path: Path) -> list[tuple[ast.Import | ast.ImportFrom, str | None]]:
    """Every import statement of ``path`` with the function it is in (None: module level)."""
    found: list[tuple[ast.Import | ast.ImportFrom, str | None]] = []

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, function or child.name)
            elif isinstance(child, ast.Import | ast.ImportFrom):
                found.append((child, function))
            else:
                visit(child, function)

    visit(ast.parse(path.read_text(encoding="utf-8")), None)
    return found


def _targets(node: ast.Import | ast.ImportFrom, known: set[str]) -> set[str]:
    """The zeropark modules an import statement loads (a ``from pkg import submodule`` included)."""
    if isinstance(node, ast.Import):
        return {a.name for a in node.names if a.name.startswith("zeropark")}
    base = node.module or ""
    if not base.startswith("zeropark"):
        return set()
    return {base} | {f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in known}


def test_ingest_modules_import_each_other_without_a_cycle() -> None:
    paths = {_module_name(p): p for p in INGEST.rglob("*.py") if p.stem != "__main__"}
    known = set(paths)
    graph = {
        name: {t for node, _ in _imports(path) for t in _targets(node, known) if t in known and t != name}
        for name, path in paths.items()
    }
    assert "zeropark.ingest.pipeline" not in graph["zeropark.ingest.quarantine"]
    assert (
        "zeropark.ingest.reprocess"
        not in graph["zeropark.ingest.pipeline"] | graph["zeropark.ingest.quarantine"]
    )

    state: dict[str, int] = {}  # 1 = on the path, 2 = done

    def walk(name: str, path: list[str]) -> None:
        state[name] = 1
        for nxt in sorted(graph[name]):
            assert state.get(nxt) != 1, f"import cycle: {' → '.join([*path, name, nxt])}"
            if nxt not in state:
                walk(nxt, [*path, name])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            walk(name, [])


def test_no_hidden_imports_in_the_ingest_shell_and_its_doors() -> None:
    problems: list[str] = []
    for path in SHELL_FILES:
        rel = path.relative_to(SRC / "zeropark").as_posix()
        text = path.read_text(encoding="utf-8")
        if "importlib" in text:
            problems.append(f"{rel}: importlib")
        for node, function in _imports(path):
            if function is None:
                continue
            names = _targets(node, set())
            if names:
                problems.append(f"{rel}:{node.lineno}: {function}() imports {', '.join(sorted(names))}")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ExceptHandler) and node.type is not None:
                if "ImportError" in ast.unparse(node.type):
                    problems.append(f"{rel}:{node.lineno}: except ImportError")
    assert problems == []


def test_workbook_package_exports_its_public_api() -> None:
    """``from zeropark.ingest import workbook`` offers what the single module offered."""
    for name in zeropark.ingest.workbook.__all__:
        assert hasattr(zeropark.ingest.workbook, name), name
    assert {"import_workbook", "write_template", "workbook_enterprise", "SHEETS", "SHEET_ENERGY"} <= set(
        zeropark.ingest.workbook.__all__
    )
