"""The command line loads each sub-command's module by name (zeropark.cli.COMMANDS).

A by-name table can rot without an error at import time (a renamed module, a summary that no
longer matches the command): these tests import every entry and compare it with what the module
registers, check that ``zeropark --help`` imports no command module, and that every command's own
``--help`` still works, also through ``python -m zeropark``.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.main import get_group
from typer.testing import CliRunner

import zeropark
from zeropark.cli import COMMANDS, app, load_command

SRC = Path(zeropark.__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
runner = CliRunner()


def _first_paragraph(help_text: str | None) -> str:
    """What ``zeropark --help`` shows of a command's help (typer's rich listing)."""
    return inspect.cleandoc(help_text or "").split("\n\n")[0].strip()


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_entry_loads_its_command_with_its_summary(name: str) -> None:
    command = load_command(name)
    assert command.name == name
    assert _first_paragraph(command.short_help or command.help) == COMMANDS[name].summary


def test_each_module_registers_exactly_its_entries() -> None:
    modules = {entry.module for entry in COMMANDS.values()}
    for module in sorted(modules):
        scratch = typer.Typer()
        importlib.import_module(module).register(scratch)
        registered = set(get_group(scratch).commands)
        assert registered == {n for n, e in COMMANDS.items() if e.module == module}, module


def test_every_command_module_is_in_the_table() -> None:
    # A sub-command module of a top-level command is named <command>_<sub> and attached by it
    # (commands/roadmap_pathway.py: `zeropark roadmap pathway|macc|budget|…`).
    on_disk = {
        f"zeropark.commands.{p.stem}"
        for p in (SRC / "zeropark" / "commands").glob("*.py")
        if p.stem not in ("__init__", "common") and not ("_" in p.stem and p.stem.split("_")[0] in COMMANDS)
    }
    assert on_disk == {entry.module for entry in COMMANDS.values()}, "add the new command to cli.COMMANDS"


def test_top_level_help_imports_no_command_module() -> None:
    code = (
        "import json, sys\n"
        "from zeropark.cli import app\n"
        "try:\n"
        "    app(['--help'])\n"
        "except SystemExit as exc:\n"
        "    assert exc.code == 0, exc.code\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=ENV, timeout=120, check=True
    )
    assert "account" in done.stdout and "optimize" in done.stdout  # the listing was printed
    loaded = json.loads(done.stdout.splitlines()[-1])
    assert [m for m in loaded if m.startswith("zeropark")] == ["zeropark", "zeropark.cli"]
    assert [m for m in ("sqlalchemy", "numpy", "pandas", "fastapi", "pint") if m in loaded] == []


def _paths() -> list[list[str]]:
    """Every command path: each top-level command and each sub-command of a group."""
    paths: list[list[str]] = []
    for name in COMMANDS:
        paths.append([name])
        command = load_command(name)
        if isinstance(command, typer.core.TyperGroup):
            paths += [[name, sub] for sub in command.commands]
    return paths


def test_every_command_shows_its_own_help() -> None:
    paths = _paths()
    assert len(paths) > 35
    for path in [[], ["version"], *paths]:
        result = runner.invoke(app, [*path, "--help"], terminal_width=100)
        assert result.exit_code == 0, (path, result.output)
        assert f"Usage: zeropark {' '.join(path)}".rstrip() in result.output, path


def test_a_mistyped_command_gets_a_suggestion() -> None:
    result = runner.invoke(app, ["factor"])
    assert result.exit_code == 2
    assert "Did you mean 'factors'?" in result.output


def test_python_dash_m_runs_the_same_command_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "zeropark", "version"],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=120,
        check=True,
    )
    assert done.stdout.strip() == zeropark.__version__
