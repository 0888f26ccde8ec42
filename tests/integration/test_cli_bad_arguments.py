"""No CLI command ends in a traceback for a user's mistake; each exits with a documented code.

The cases are generated from the command table (:data:`zeropark.cli.COMMANDS`, every group walked
down to its leaf commands), so a new command or option is covered without touching this file. For
each leaf command:

- ``unknown``: every required parameter given a well-formed value that names nothing (an id that
  does not exist, a file that does not exist, year 2025 of a park without such runs);
- one case per option or argument given a bad value of its own type: a number that is not one, an
  unknown id, an unknown choice, a file that does not exist, a directory where a file is wanted, a
  file that is not what it should be (binary garbage), a year outside any data (1800).

The documented exit codes (README): 0 ok, 2 usage, 3 input rejected, 4 not found, 5 accounting
error, 6 infeasible. A traceback is an uncaught exception (``CliRunner`` reports it as
``result.exception`` with exit code 1) or the word "Traceback" in the output. A value that is
wrong whatever the command does with it must not pass as success (exit ≠ 0): a number that is not
one, an unknown choice, year 1800, an unknown park, enterprise, meter or numbered record.
Filters that name nothing (an unknown quarantine reason) and output paths may succeed.

Commands that serve forever (web server, MQTT ingester, simulator, demo) are given only values their
argument parser rejects, so they never start.

A wrong setting is a user's mistake too: every command is run once more with a
``ZEROPARK_DATABASE_URL`` that cannot be opened (a directory that does not exist, a server that does
not answer, a driver zeropark does not ship, text that is not a URL).
"""

from __future__ import annotations

import enum
import typing
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from api_support import cli_database, cli_demo_copy
from typer.testing import CliRunner

from zeropark.cli import COMMANDS, load_command
from zeropark.cli import app as cli_app
from zeropark.commands import common

runner = CliRunner()

DOCUMENTED = {
    common.EXIT_OK,
    common.EXIT_USAGE,
    common.EXIT_DATA_ERROR,
    common.EXIT_NOT_FOUND,
    common.EXIT_ACCOUNTING_ERROR,
    common.EXIT_INFEASIBLE,
}
#: Commands that run until stopped: only values the parser rejects are tried.
LONG_RUNNING = {("serve",), ("ingest", "mqtt"), ("simulate",), ("demo",)}
LONG_RUNNING |= {("ingest", "nats")}  # scale-out (#20)
#: Parameters of those commands checked before anything starts: every bad value is tried on them.
CHECKED_FIRST = {("demo",): {"year", "enterprises", "days", "database_url"}}
#: Placeholders replaced by paths of the test's temporary directory.
MISSING, DIRECTORY, GARBAGE, ZIPPED = "<missing>", "<directory>", "<garbage>", "<zip-as-csv>"


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of a leaf command: its option name (None for an argument) and Python type."""

    flag: str | None
    name: str
    annotation: Any
    required: bool
    is_list: bool


def _base_type(annotation: Any) -> Any:
    """``int`` of ``int | None``, ``list[int]`` → ``int`` (the type a single value must have)."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (list, tuple) and args:
        return _base_type(args[0])
    if args and typing.get_origin(annotation) is not None and len(args) == 1:
        return _base_type(args[0])
    return annotation


def _params(command: Any) -> list[Param]:
    out = []
    for p in command.params:
        annotation = p.type_descriptor.annotation
        if typing.get_origin(annotation) is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        flag = (
            next((o for o in p.opts if o.startswith("--")), None) if p.param_type_name == "option" else None
        )
        is_list = typing.get_origin(annotation) in (list, tuple)
        out.append(Param(flag, p.name, _base_type(annotation), bool(p.required), is_list))
    return out


def _leaves(path: tuple[str, ...], command: Any) -> Iterator[tuple[tuple[str, ...], Any]]:
    subcommands = getattr(command, "commands", None)
    if subcommands:
        for name, sub in sorted(subcommands.items()):
            yield from _leaves((*path, name), sub)
    else:
        yield path, command


def _plain(p: Param) -> str | None:
    """A well-formed value that names nothing (None: a flag, left out)."""
    t = p.annotation
    if t is bool:
        return None
    if isinstance(t, type) and issubclass(t, enum.Enum):
        return str(next(iter(t)).value)
    if t is int:
        return "2025" if "year" in p.name else "999999"
    if t is float:
        return "1.5"
    if t is Path:
        return MISSING
    if "date" in (p.flag or p.name):
        return "2025-06-01"
    return f"no-such-{p.name.replace('_', '-')}"


def _bad_values(p: Param) -> list[str]:
    """Values of the parameter's own type that are wrong."""
    t = p.annotation
    if t is bool:
        return []
    if isinstance(t, type) and issubclass(t, enum.Enum):
        return ["no-such-choice"]
    if t is int:
        return ["not-a-number", "1800"] if "year" in p.name else ["not-a-number", "-1", "999999"]
    if t is float:
        return ["not-a-number", "-1", "nan"]
    if t is Path:
        return [MISSING, DIRECTORY, GARBAGE, ZIPPED]
    if "date" in (p.flag or p.name):
        return ["2025-13-45", "1800-01-01"]
    return [f"no-such-{p.name.replace('_', '-')}", ""]


#: Parameters whose value names a stored thing: an unknown one is an error, never an empty success.
ID_PARAMS = {"park", "parks", "as_user", "enterprise", "meter", "run_id", "alarm_id", "factor_id", "file"}


def _must_fail(p: Param, value: str) -> bool:
    """Whether ``value`` for ``p`` is wrong whatever the command does with it (exit must be ≠ 0)."""
    if value in ("not-a-number", "no-such-choice", MISSING):
        return p.annotation is not Path or p.name in ID_PARAMS  # a missing output path is fine
    if value == "1800":
        return "year" in p.name
    if p.name == "database_url":
        return True
    return p.name in ID_PARAMS and (value.startswith("no-such-") or value == "999999")


def _argv(path: tuple[str, ...], params: list[Param], override: tuple[str, str] | None) -> list[str]:
    argv = list(path)
    for p in params:
        if override is not None and p.name == override[0]:
            value: str | None = override[1]
        elif p.required:
            value = _plain(p)
        else:
            continue
        if value is None:
            continue
        argv += [p.flag, value] if p.flag else [value]
    return argv


def _cases() -> list[Any]:
    cases = []
    for name in COMMANDS:
        for path, command in _leaves((name,), load_command(name)):
            params = _params(command)
            serving = path in LONG_RUNNING
            if not serving:
                strict = any(p.required and _must_fail(p, _plain(p) or "") for p in params)
                argv = _argv(path, params, None)
                cases.append(pytest.param(argv, strict, id=f"{' '.join(path)}:unknown"))
            for p in params:
                for bad in _bad_values(p):
                    parser_rejects = bad in ("not-a-number", "no-such-choice")
                    if serving and not parser_rejects and p.name not in CHECKED_FIRST.get(path, ()):
                        continue
                    argv = _argv(path, params, (p.name, bad))
                    strict = _must_fail(p, bad) or any(
                        q.required and q.name != p.name and _must_fail(q, _plain(q) or "") for q in params
                    )
                    case_id = f"{' '.join(path)}:{p.name}={bad or '<empty>'}"
                    cases.append(pytest.param(argv, strict, id=case_id))
    return cases


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A small demo park (six enterprises, seven days of readings) in a SQLite file."""
    url = cli_demo_copy(tmp_path_factory, "bad-args")  # `zeropark demo --enterprises 6 --days 7`'s park
    with cli_database(url):
        yield Path(url.removeprefix("sqlite:///")).parent


@pytest.mark.parametrize(("argv", "must_fail"), _cases())
def test_bad_argument_gives_a_documented_exit_code_and_no_traceback(
    demo_db: Path, argv: list[str], must_fail: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # files a command writes by default land here, one directory per case
    (tmp_path / "a-directory").mkdir()
    (tmp_path / "garbage.bin").write_bytes(bytes(range(256)) * 8)
    with zipfile.ZipFile(tmp_path / "workbook-saved-as.csv", "w") as z:  # an xlsx named .csv
        z.writestr("xl/workbook.xml", "<workbook/>")
    places = {
        MISSING: str(tmp_path / "no-such-file.csv"),
        DIRECTORY: str(tmp_path / "a-directory"),
        GARBAGE: str(tmp_path / "garbage.bin"),
        ZIPPED: str(tmp_path / "workbook-saved-as.csv"),
    }
    args = [places.get(a, a) for a in argv]
    res = runner.invoke(cli_app, args, input="")
    assert res.exception is None or isinstance(res.exception, SystemExit), (
        f"zeropark {' '.join(args)} raised {res.exception!r}\n{res.output}"
    )
    assert "Traceback" not in res.output, res.output
    assert res.exit_code in DOCUMENTED, f"zeropark {' '.join(args)} exited {res.exit_code}\n{res.output}"
    if must_fail:
        assert res.exit_code != common.EXIT_OK, f"zeropark {' '.join(args)} passed as success\n{res.output}"
    if res.exit_code != common.EXIT_OK:
        assert res.output.strip(), f"zeropark {' '.join(args)} failed without a word"


BAD_DATABASE_URLS = {
    "no-directory": "sqlite:////no-such-directory/zeropark.db",
    "server-down": "postgresql+psycopg://postgres@127.0.0.1:1/zeropark",
    "no-driver": "mysql://user@127.0.0.1/zeropark",
    "not-a-url": "zeropark.db",
}


def _setting_cases() -> list[Any]:
    cases = []
    for name in COMMANDS:
        for path, command in _leaves((name,), load_command(name)):
            if path in LONG_RUNNING:
                continue
            argv = _argv(path, _params(command), None)
            cases += [
                pytest.param(argv, url, id=f"{' '.join(path)}:{key}")
                for key, url in BAD_DATABASE_URLS.items()
            ]
    return cases


@pytest.mark.parametrize(("argv", "url"), _setting_cases())
def test_unusable_database_url_gives_a_documented_exit_code_and_no_traceback(
    argv: list[str], url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with cli_database(url):
        args = [str(tmp_path / "no-such-file.csv") if a == MISSING else a for a in argv]
        res = runner.invoke(cli_app, args, input="")
    assert res.exception is None or isinstance(res.exception, SystemExit), (
        f"zeropark {' '.join(args)} raised {res.exception!r}\n{res.output}"
    )
    assert "Traceback" not in res.output, res.output
    assert res.exit_code in DOCUMENTED, f"zeropark {' '.join(args)} exited {res.exit_code}\n{res.output}"
    if res.exit_code == common.EXIT_USAGE and "ZEROPARK_DATABASE_URL" in res.output:
        assert "zeropark.db" in res.output  # says what to write instead
