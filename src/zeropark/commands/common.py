"""Helpers shared by CLI commands: the engine from settings, the console, exit codes."""

from __future__ import annotations

from functools import lru_cache

from rich.console import Console
from sqlalchemy import Engine

from zeropark.settings import get_settings
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


@lru_cache(maxsize=1)
def engine() -> Engine:
    """The engine of ``ZEROPARK_DATABASE_URL`` with the schema migrated to head."""
    eng = make_engine(get_settings().database_url)
    upgrade(eng)
    return eng
