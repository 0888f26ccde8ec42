"""Helpers shared by CLI commands: the engine from settings, the console, exit codes.

:func:`guarded` is the CLI's last line against a traceback: every command the command table loads
(``zeropark.cli.load_command``) runs inside it, so a user's mistake that a command does not catch
itself (an unknown id, a rejected file, a path that cannot be read or written) still ends with its
message and the documented exit code.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy import Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from zeropark.errors import (
    AccountingError,
    DataError,
    Infeasible,
    NotFound,
    OptimizationError,
    PermissionDenied,
    RunFrozen,
    ZeroparkError,
)
from zeropark.security import use_profile
from zeropark.settings import get_settings
from zeropark.store import repo
from zeropark.store.db import make_engine
from zeropark.store.migrate import upgrade

console = Console()
err_console = Console(stderr=True)

#: Exit codes scripts can rely on.
EXIT_OK = 0
EXIT_USAGE = 2
EXIT_DATA_ERROR = 3  # input rejected (validation errors printed)
EXIT_NOT_FOUND = 4
EXIT_ACCOUNTING_ERROR = 5
EXIT_INFEASIBLE = 6

#: Reporting years the CLI accepts, as the API and the pages do (``Field(ge=2000, le=2100)``).
YEAR_MIN = 2000
YEAR_MAX = 2100

#: The exit code of each kind of user error, most specific first (README "Exit codes").
ERROR_EXIT_CODES: tuple[tuple[type[ZeroparkError], int], ...] = (
    (NotFound, EXIT_NOT_FOUND),
    (Infeasible, EXIT_INFEASIBLE),
    (DataError, EXIT_DATA_ERROR),
    (RunFrozen, EXIT_DATA_ERROR),
    (PermissionDenied, EXIT_DATA_ERROR),
    (AccountingError, EXIT_ACCOUNTING_ERROR),
    (OptimizationError, EXIT_ACCOUNTING_ERROR),
    (ZeroparkError, EXIT_DATA_ERROR),
)


def exit_code_of(exc: ZeroparkError) -> int:
    """The documented exit code of a zeropark error (:data:`ERROR_EXIT_CODES`)."""
    return next(code for kind, code in ERROR_EXIT_CODES if isinstance(exc, kind))


def guarded(callback: Callable[..., Any]) -> Callable[..., Any]:
    """``callback`` with every zeropark error and file-system error turned into message + exit code.

    A zeropark error prints its message (it says what to fix) and exits with :func:`exit_code_of`;
    an ``OSError`` (a path that does not exist, is a directory, may not be read or written) prints
    the path and the reason and exits :data:`EXIT_USAGE`. Anything else is a bug and is not hidden.
    """

    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return callback(*args, **kwargs)
        except ZeroparkError as exc:
            err_console.print(f"[red]{escape(str(exc))}[/]")
            raise typer.Exit(exit_code_of(exc)) from None
        except OSError as exc:
            where = f" {exc.filename}" if exc.filename else ""
            err_console.print(
                f"[red]cannot use the file{escape(str(where))}: {escape(exc.strerror or str(exc))}; "
                "check the path (a file, not a directory) and its permissions[/]"
            )
            raise typer.Exit(EXIT_USAGE) from None

    return run


def check_park(park_id: str | None) -> str | None:
    """``park_id`` if it names a park (None passes: no filter).

    Raises
    ------
    NotFound
        No such park (the message lists none; ``zeropark runs list`` and the API list parks).
    """
    if park_id is not None:
        repo.get_park(engine(), park_id)
    return park_id


def check_choice(value: str | None, choices: tuple[str, ...], option: str) -> str | None:
    """``value`` if it is one of ``choices`` (None passes), else a usage error naming them (exit 2)."""
    if value is not None and value not in choices:
        raise typer.BadParameter(f"'{value}' is not one of {', '.join(choices)}", param_hint=option)
    return value


@lru_cache(maxsize=1)
def engine() -> Engine:
    """The engine of ``ZEROPARK_DATABASE_URL`` with the schema migrated to head.

    A URL that is not one, names a driver zeropark does not ship, or a database that cannot be
    opened (no such directory, server down, wrong credentials) ends the command with the URL
    (password hidden), the reason and what to write instead: exit :data:`EXIT_USAGE`. The argon2
    profile ``ZEROPARK_PASSWORD_HASH_PROFILE`` is applied here too (every command that stores a
    password or key opens the database first); an unknown one is a usage error naming the known.
    """
    settings = get_settings()
    try:
        use_profile(settings.password_hash_profile)
    except ValueError as exc:
        err_console.print(f"[red]ZEROPARK_PASSWORD_HASH_PROFILE: {escape(str(exc))}[/]")
        raise typer.Exit(EXIT_USAGE) from None
    return open_engine(settings.database_url, "ZEROPARK_DATABASE_URL")


#: The databases zeropark runs on (SQLAlchemy backend names).
STORES = ("sqlite", "postgresql")


def open_engine(url: str, where: str = "--database-url") -> Engine:
    """The engine of ``url`` with the schema migrated to head (see :func:`engine` for errors).

    ``where`` names where the URL came from in the message (the setting or an option).
    """
    try:
        backend = make_url(url).get_backend_name()
        if backend not in STORES:
            raise ValueError(f"zeropark stores its data in {' or '.join(STORES)}, not {backend}")
        eng = make_engine(url)
        upgrade(eng)
    except (ArgumentError, NoSuchModuleError, OperationalError, ValueError) as exc:
        shown = _hidden_password(url)
        reason = str(exc.orig) if isinstance(exc, OperationalError) else str(exc)
        err_console.print(
            f"[red]cannot open the database {where}={escape(shown)}: "
            f"{escape(reason.strip().splitlines()[0] if reason.strip() else type(exc).__name__)}; "
            "write sqlite:///PATH/zeropark.db (an existing directory) or "
            "postgresql+psycopg://USER@HOST:PORT/DATABASE of a running server[/]"
        )
        raise typer.Exit(EXIT_USAGE) from None
    return eng


def _hidden_password(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url
