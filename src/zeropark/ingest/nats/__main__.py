"""``python -m zeropark.ingest.nats``: the NATS JetStream ingester as a process, without the CLI.

An entry point, like ``python -m zeropark.ingest.mqtt``: it reads the settings, migrates the
database and runs the ingester :func:`zeropark.services.ingestion.nats_ingester` builds (the
shared set-up is :mod:`zeropark.ingest.process`). Nothing imports this module; importing
:mod:`zeropark.ingest.nats` does not load it.
"""

from __future__ import annotations

import argparse
import logging

from sqlalchemy import Engine

from zeropark.ingest.batching import BatchIngester
from zeropark.ingest.nats.ingester import DEFAULT_DURABLE, DEFAULT_STREAM, DEFAULT_SUBJECT, NatsConfig
from zeropark.ingest.process import add_batch_options, run_process
from zeropark.services.ingestion import nats_ingester
from zeropark.settings import Settings

log = logging.getLogger("zeropark.ingest.nats")


def main(argv: list[str] | None = None) -> int:
    """Run the ingester until SIGTERM/SIGINT; the options are those of ``zeropark ingest nats``.

    The database is ``ZEROPARK_DATABASE_URL`` and the server ``ZEROPARK_NATS_URL`` unless ``--url``
    is given. Returns the exit code (0 after a clean shutdown).
    """
    p = argparse.ArgumentParser(prog="python -m zeropark.ingest.nats", description=main.__doc__)
    p.add_argument("--url", default=None)
    p.add_argument("--stream", default=DEFAULT_STREAM)
    p.add_argument(
        "--subject",
        default=DEFAULT_SUBJECT,
        help="the devices' MQTT topic prefix with '.' for '/', then '.>' (zp/east → zp.east.>)",
    )
    p.add_argument("--durable", default=DEFAULT_DURABLE)
    p.add_argument("--ack-wait", type=float, default=30.0)
    p.add_argument("--fetch-batch", type=int, default=500)
    add_batch_options(p)
    args = p.parse_args(argv)

    def build(engine: Engine, settings: Settings) -> BatchIngester:
        return nats_ingester(
            engine,
            NatsConfig(
                url=args.url or settings.nats_url,
                stream=args.stream,
                subject=args.subject,
                durable=args.durable,
                ack_wait_s=args.ack_wait,
                fetch_batch=args.fetch_batch,
                batch_rows=args.batch_rows,
                max_delay_s=args.max_delay,
                notify_every_s=args.rollup_every,
                earliest_year=args.earliest_year or settings.earliest_reading_year,
            ),
        )

    return run_process(log, build)


if __name__ == "__main__":
    raise SystemExit(main())
