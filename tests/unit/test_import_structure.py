"""No hidden dependencies anywhere under ``src/zeropark``: what a module uses, it imports at the top.

The import contracts (test_import_contracts.py) can only guard the imports they see. These checks
keep the graph visible, on the source of every module:

- no function-local import of a zeropark module (a deferred import hides a dependency and, before
  this rule, hid two import cycles);
- no ``importlib`` or ``__import__`` (by-name imports), except the command line's table of
  sub-commands, which a test of its own checks entry by entry (test_cli.py);
- no ``try: import … except ImportError`` — every dependency is declared, so none is optional;
- a function-local import of a third-party library says why on its line (start-up time, as a rule);
- no ``getattr(obj, "name", default)`` probing: read the attribute of the type you hold;
- no namespace package: a directory of modules without ``__init__.py`` is invisible to lint-imports;
- the session that commits (``transaction``, ``session_factory``) is opened by the writers: store,
  services, ingest, monitoring and demo.

Each allow-list below names its files and functions and says why; shrink it, never grow it quietly.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import zeropark

PKG = Path(zeropark.__file__).resolve().parent
FILES = sorted(p for p in PKG.rglob("*.py") if "migrations" not in p.relative_to(PKG).parts)

#: By-name imports: (file) → why.
BY_NAME_ALLOWED = {
    "cli.py": "sub-commands load by name so `zeropark --help` imports none of them (cli.COMMANDS)",
}

#: getattr(obj, "name", default) where obj is not ours or the default is the point: (file, function).
GETATTR_ALLOWED = {
    ("optimize/solve.py", "_mip_gap"): "linopy sets solver_model only after a direct solver run",
    ("forecast/features.py", "_check_known"): "chinese_calendar may lack __version__",
    ("web/sitemap.py", "page_routes"): "FastAPI's included-router entry is private and may change",
}

#: Packages whose modules open committing sessions.
WRITERS = ("store", "services", "ingest", "monitoring", "demo")

#: Modules outside WRITERS that open one: file → why.
WRITES_NOT_YET = {
    "web/context.py": "the request's session (session_factory) for page-level queries",
    "web/pages/users.py": "services.users takes the caller's session",
    "commands/serve.py": "services.users takes the caller's session (zeropark users add)",
    "commands/demo.py": "the demo build's fingerprint, recorded as an import batch",
}


def _rel(path: Path) -> str:
    return path.relative_to(PKG).as_posix()


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _walk(node: ast.AST, function: str | None = None) -> Iterator[tuple[ast.AST, str | None]]:
    """Every node below ``node`` with the outermost function it is in (None: module level)."""
    for child in ast.iter_child_nodes(node):
        inner = function
        if function is None and isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            inner = child.name
        yield child, inner
        yield from _walk(child, inner)


def _imported(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    return [node.module or ""] if node.level == 0 else ["."]


def _is_ours(name: str) -> bool:
    return name == "zeropark" or name.startswith("zeropark.") or name == "."


def _is_stdlib(name: str) -> bool:
    return name.partition(".")[0] in sys.stdlib_module_names or name == "__future__"


def test_source_files_found() -> None:
    assert len(FILES) > 150 and PKG / "cli.py" in FILES


def test_no_function_local_import_of_zeropark() -> None:
    found = {
        (_rel(p), fn): f"line {node.lineno}: {ast.unparse(node)}"
        for p in FILES
        for node, fn in _walk(_tree(p))
        if fn is not None
        and isinstance(node, ast.Import | ast.ImportFrom)
        and any(_is_ours(n) for n in _imported(node))
    }
    assert found == {}, "import zeropark modules at the top of the module"


def test_no_import_by_name() -> None:
    found = set()
    for p in FILES:
        for node, _ in _walk(_tree(p)):
            if isinstance(node, ast.Import | ast.ImportFrom) and any(
                n == "importlib" or n.startswith("importlib.") for n in _imported(node)
            ):
                found.add((_rel(p), node.lineno))
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "__import__"
            ):
                found.add((_rel(p), node.lineno))
    assert {f for f, _ in found} <= set(BY_NAME_ALLOWED), sorted(found)


def test_no_optional_import() -> None:
    found = [
        f"{_rel(p)}:{node.lineno}"
        for p in FILES
        for node, _ in _walk(_tree(p))
        if isinstance(node, ast.ExceptHandler)
        and node.type is not None
        and any(name in ast.unparse(node.type) for name in ("ImportError", "ModuleNotFoundError"))
    ]
    assert found == [], "a dependency is declared in pyproject.toml, not probed"


def test_deferred_third_party_imports_say_why() -> None:
    found = {}
    for p in FILES:
        lines = p.read_text(encoding="utf-8").splitlines()
        for node, fn in _walk(_tree(p)):
            if fn is None or not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            names = _imported(node)
            if all(_is_ours(n) or _is_stdlib(n) for n in names):
                continue
            if "#" not in lines[node.lineno - 1]:
                found[(_rel(p), fn)] = lines[node.lineno - 1].strip()
    assert found == {}, "say why on the line: `import pvlib  # ≈ 0.6 s: only the demo build needs it`"


def test_no_getattr_probing() -> None:
    found = {
        (_rel(p), fn): f"line {node.lineno}: {ast.unparse(node)}"
        for p in FILES
        for node, fn in _walk(_tree(p))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "getattr"
        and len(node.args) == 3
        and isinstance(node.args[1], ast.Constant)
    }
    assert {k: v for k, v in found.items() if k not in GETATTR_ALLOWED} == {}


def test_no_namespace_package() -> None:
    dirs = {p.parent for p in FILES}
    assert [d for d in dirs if not (d / "__init__.py").exists()] == []


def test_only_writers_open_committing_sessions() -> None:
    found = [
        f"{_rel(p)}:{node.lineno}: {a.name}"
        for p in FILES
        if _rel(p).split("/")[0] not in WRITERS and _rel(p) not in WRITES_NOT_YET
        for node, _ in _walk(_tree(p))
        if isinstance(node, ast.ImportFrom) and node.module == "zeropark.store.db"
        for a in node.names
        if a.name in ("transaction", "session_factory")
    ]
    assert found == [], "write through a use case of zeropark.services"


def test_allow_lists_name_existing_places() -> None:
    """An allow-list entry whose file is gone must go too."""
    rels = {_rel(p) for p in FILES}
    entries = [
        *BY_NAME_ALLOWED,
        *(f for f, _ in GETATTR_ALLOWED),
        *WRITES_NOT_YET,
    ]
    assert [f for f in entries if f not in rels] == []
