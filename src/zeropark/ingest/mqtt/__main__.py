"""``python -m zeropark.ingest.mqtt``: the MQTT ingester as a process, without loading the whole CLI.

An entry point, like the CLI: it reads the settings, migrates the database and runs the ingester
that :func:`zeropark.services.ingestion.mqtt_ingester` builds, so it gets the same after-commit
wiring (rollups) as ``zeropark ingest mqtt``. The set-up every backend shares is
:mod:`zeropark.ingest.process`. Nothing imports this module; importing :mod:`zeropark.ingest.mqtt`
does not load it.
"""

from __future__ import annotations

import argparse
import logging
import socket

from sqlalchemy import Engine

from zeropark.ingest.batching import BatchIngester
from zeropark.ingest.mqtt.ingester import DEFAULT_TOPIC, IngesterConfig, parse_mqtt_url
from zeropark.ingest.process import add_batch_options, run_process
from zeropark.services.ingestion import mqtt_ingester
from zeropark.settings import Settings

log = logging.getLogger("zeropark.ingest.mqtt")


def main(argv: list[str] | None = None) -> int:
    """Run the ingester until SIGTERM/SIGINT; the options are those of ``zeropark ingest mqtt``.

    The database is ``ZEROPARK_DATABASE_URL`` and the broker ``ZEROPARK_MQTT_URL`` unless ``--url``
    is given. Returns the exit code (0 after a clean shutdown).
    """
    p = argparse.ArgumentParser(prog="python -m zeropark.ingest.mqtt", description=main.__doc__)
    p.add_argument("--url", default=None)
    p.add_argument("--topic", default=DEFAULT_TOPIC)
    p.add_argument("--share-group", "--shared", dest="share_group", default=None)
    p.add_argument("--client-id", default="")
    add_batch_options(p)
    args = p.parse_args(argv)

    def build(engine: Engine, settings: Settings) -> BatchIngester:
        host, port = parse_mqtt_url(args.url or settings.mqtt_url)
        return mqtt_ingester(
            engine,
            IngesterConfig(
                host=host,
                port=port,
                topic=args.topic,
                share_group=args.share_group,
                client_id=args.client_id or f"zeropark-ingest-{socket.gethostname()}",
                batch_rows=args.batch_rows,
                max_delay_s=args.max_delay,
                notify_every_s=args.rollup_every,
                earliest_year=args.earliest_year or settings.earliest_reading_year,
            ),
        )

    return run_process(log, build)


if __name__ == "__main__":
    raise SystemExit(main())
