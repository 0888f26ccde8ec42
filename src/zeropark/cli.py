"""``zeropark`` command line (typer). Each area's commands live in ``zeropark.commands.<area>``."""

from __future__ import annotations

import typer

from zeropark import __version__

app = typer.Typer(
    name="zeropark",
    help="zeropark 零碳园区能碳管理平台 — measure, account, plan and prove a park's way to zero carbon.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)


@app.command()
def version() -> None:
    """Print the zeropark version. 打印版本号."""
    typer.echo(__version__)


@app.command()
def init() -> None:
    """Create or migrate the database at ZEROPARK_DATABASE_URL. 初始化/升级数据库."""
    from zeropark.commands.common import console, engine

    eng = engine()
    console.print(f"database ready: {eng.url.render_as_string(hide_password=True)}")


def _register() -> None:
    """Attach each area's sub-commands."""
    from zeropark.commands import (
        account,
        data,
        demo,
        factors,
        forecast,
        ingest,
        optimize,
        runs,
        serve,
        verify,
    )

    for module in (factors, account, runs, verify, data, demo, ingest, serve, optimize, forecast):
        module.register(app)


_register()
