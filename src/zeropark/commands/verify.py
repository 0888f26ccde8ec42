"""``zeropark verify RUN_ID``: the verifier's check — recompute a stored run from the readings (复核)."""

from __future__ import annotations

from typing import Annotated

import typer

from zeropark.commands.common import EXIT_NOT_FOUND, console, engine, err_console
from zeropark.errors import NotFound
from zeropark.services.inventory import recompute
from zeropark.store.scope import system_scope

#: Exit code when the recomputation differs from the stored run.
EXIT_DIFFERS = 7


def verify(
    run_id: Annotated[int, typer.Argument(help="核算记录 Stored inventory run id (see `zeropark account`).")],
) -> None:
    """复核 Recompute a stored inventory run from the raw readings and compare it bit for bit.

    The readings are aggregated again (the stored month summaries are not used), the run's own
    options and factor-set version are applied, and the input fingerprint, totals and the whole
    inventory are compared. Exit 0 when identical, 7 when anything differs (each difference listed).
    """
    try:
        with console.status(f"复核中 recomputing run #{run_id} from the readings …"):
            res = recompute(system_scope(engine(), "cli"), run_id)
    except NotFound as exc:
        err_console.print(f"[red]{exc}[/]")
        raise typer.Exit(EXIT_NOT_FOUND) from None
    console.print(f"stored input fingerprint     {res.stored_fingerprint}")
    console.print(f"recomputed input fingerprint {res.recomputed_fingerprint}")
    if res.identical and res.fingerprint_match:
        console.print(f"[green]一致 run #{run_id} reproduces bit for bit from the readings.[/]")
        return
    console.print(f"[red]不一致 run #{run_id} does not reproduce:[/]")
    for d in res.differences:
        console.print(f"[red]• {d}[/]")
    raise typer.Exit(EXIT_DIFFERS)


def register(app: typer.Typer) -> None:
    """Attach ``zeropark verify``."""
    app.command("verify")(verify)
