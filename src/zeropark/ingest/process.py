"""What the ``python -m zeropark.ingest.mqtt|nats`` processes share: options, set-up, the run.

An ingester process reads the settings, configures logging, opens and migrates the database,
builds its backend's ingester, runs it until SIGTERM/SIGINT and logs its totals. Only the backend's
own options and its configuration differ; they stay in each ``__main__``.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable

from sqlalchemy import Engine

from zeropark.ingest.batching import BatchIngester
from zeropark.settings import Settings, get_settings
from zeropark.store.db import make_engine
from zeropark.store.migrate import upgrade

__all__ = ["add_batch_options", "run_process"]


def add_batch_options(parser: argparse.ArgumentParser) -> None:
    """The options every backend shares (rows per batch, seconds, the earliest year)."""
    parser.add_argument("--batch-rows", type=int, default=20_000)
    parser.add_argument("--max-delay", type=float, default=0.25)
    parser.add_argument("--rollup-every", type=float, default=10.0)
    parser.add_argument("--earliest-year", type=int, default=None)


def run_process(log: logging.Logger, build: Callable[[Engine, Settings], BatchIngester]) -> int:
    """Set up logging and the database, run the ingester ``build`` makes, log its totals.

    Returns the exit code (0 after a clean shutdown).
    """
    settings = get_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    engine = make_engine(settings.database_url)
    upgrade(engine)
    ingester = build(engine, settings)
    ingester.install_signal_handlers()
    totals = ingester.run()
    log.info(
        "stopped: received %d, stored %d, duplicates %d, conflicts %d, quarantined %d",
        totals.received,
        totals.stored,
        totals.duplicates,
        totals.conflicts,
        totals.quarantined,
    )
    return 0
