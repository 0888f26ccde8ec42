"""``zeropark ledger``: the tamper-evident evidence ledger — verify, export, prove, show the head.

Every door calls :mod:`zeropark.services.ledger`; see docs/ledger.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import Progress

from zeropark.commands.common import check_choice, console, engine
from zeropark.ledger.entry import KINDS
from zeropark.services import ledger
from zeropark.store.scope import system_scope

__all__ = ["register"]

#: Exit code when the ledger check finds an altered or removed object.
EXIT_TAMPERED = 7
FORMATS = ("table", "json")

ledger_app = typer.Typer(
    name="ledger",
    help="证据账本 Tamper-evident evidence ledger: verify it against the database, export it, prove entries.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)


def _print_json(value: Any) -> None:
    console.out(json.dumps(value, ensure_ascii=False, indent=1))


@ledger_app.command("verify")
def verify(
    fmt: Annotated[str, typer.Option("--format", help="table | json")] = "table",
) -> None:
    """核验 Re-hash every recorded object from the database and check it, the tree heads and their signatures.

    Names every altered or removed object (kind, id, leaf, what differs). Exit 0 when nothing
    changed, 7 otherwise.
    """
    check_choice(fmt, FORMATS, "--format")
    scope = system_scope(engine(), "cli")
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("核验中 re-hashing the recorded objects …", total=None)
        check = ledger.verify(
            scope, progress=lambda done, total: bar.update(task, completed=done, total=total)
        )
    if fmt == "json":
        _print_json(
            {
                "ok": check.ok,
                "tree_size": check.tree_size,
                "root_hash": check.root_hash,
                "leaves_checked": check.leaves_checked,
                "objects_checked": check.objects_checked,
                "heads_checked": check.heads_checked,
                "problems": [
                    {"kind": p.kind, "id": p.object_id, "leaf_index": p.leaf_index, "what": p.what}
                    for p in check.problems
                ],
            }
        )
    else:
        console.print(
            f"{check.leaves_checked} leaves · {check.objects_checked} objects · "
            f"{check.heads_checked} signed heads · root {check.root_hash}"
        )
        for p in check.problems:
            console.print(f"[red]✗ {p}[/]", markup=True, highlight=False)
        if check.ok:
            console.print("[green]一致 nothing recorded was altered or removed.[/]")
    if not check.ok:
        raise typer.Exit(EXIT_TAMPERED)


@ledger_app.command("export")
def export(
    out: Annotated[
        Path, typer.Option("--out", help="JSON file to write (for `python -m zeropark.ledger.offline`).")
    ],
) -> None:
    """导出 Write leaves, signed heads, consistency proofs, the public key and the objects' hashes as JSON."""
    doc = ledger.export(system_scope(engine(), "cli"))
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    console.print(f"{len(doc['leaves'])} leaves, {len(doc['heads'])} heads → {out}")
    console.print(f"check it anywhere: python -m zeropark.ledger.offline {out}")


@ledger_app.command("proof")
def proof(
    kind: Annotated[str, typer.Option("--kind", help=f"One of: {', '.join(KINDS)}.")],
    object_id: Annotated[str, typer.Option("--id", help="The object's id (a run id, NAME@VERSION, …).")],
    fmt: Annotated[str, typer.Option("--format", help="table | json")] = "table",
) -> None:
    """证明 The inclusion proof (RFC 6962 audit path) of an object's newest leaf in the newest signed head."""
    check_choice(fmt, FORMATS, "--format")
    p = ledger.proof(system_scope(engine(), "cli"), kind, object_id)
    doc = {
        "kind": p.kind,
        "id": p.object_id,
        "leaf_index": p.leaf_index,
        "content_sha256": p.content_sha256,
        "created_at": p.created_at,
        "leaf_hash": p.leaf_hash,
        "audit_path": list(p.audit_path),
        "tree_size": p.head.tree_size,
        "root_hash": p.head.root_hash,
        "timestamp_ms": p.head.timestamp_ms,
        "signature": p.head.signature,
    }
    if fmt == "json":
        _print_json(doc)
        return
    for k, v in doc.items():
        console.print(f"{k:15} {v}", highlight=False)


@ledger_app.command("head")
def head(
    fmt: Annotated[str, typer.Option("--format", help="table | json")] = "table",
) -> None:
    """树头 Sign the log as appended so far and show the newest signed tree head and the public key."""
    check_choice(fmt, FORMATS, "--format")
    th = ledger.head(system_scope(engine(), "cli"))
    doc = {
        "tree_size": th.tree_size,
        "root_hash": th.root_hash,
        "timestamp_ms": th.timestamp_ms,
        "signature": th.signature,
        "key_id": th.key_id,
        "public_key": ledger.public_key(),
    }
    if fmt == "json":
        _print_json(doc)
        return
    for k, v in doc.items():
        console.print(f"{k:13} {v}", highlight=False)


@ledger_app.command("check-file")
def check_file(
    batch_id: Annotated[int, typer.Option("--import", help="The import batch id the file was imported as.")],
    path: Annotated[
        Path, typer.Argument(help="The file you hold (the original workbook or readings export).")
    ],
) -> None:
    """核对文件 Check that a file is byte for byte the one imported as a batch (EvidenceChanged if not)."""
    digest = ledger.check_import_file(system_scope(engine(), "cli"), batch_id, path.read_bytes())
    console.print(f"[green]一致 {path.name} is the file imported as batch {batch_id} (SHA-256 {digest}).[/]")


def register(app: typer.Typer) -> None:
    """Attach ``zeropark ledger …``."""
    app.add_typer(ledger_app, name="ledger")
