"""The evidence ledger (证据账本), read-only: the newest signed tree head and an inclusion proof.

``GET /ledger/head`` and ``GET /ledger/proof?kind=&id=`` answer :func:`zeropark.services.ledger.head`
and :func:`~zeropark.services.ledger.proof` — the same values as ``zeropark ledger head|proof
--format json``. Admin, verifier and park manager only (others 403). docs/ledger.md.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from zeropark.api.auth import ScopeDep
from zeropark.services import ledger

router = APIRouter(tags=["ledger 证据账本"])


@router.get("/ledger/head", response_model=dict[str, Any])
async def get_head(scope: ScopeDep) -> dict[str, Any]:
    """The newest signed tree head (RFC 6962 §3.5, Ed25519) and the public key. 签名树头."""
    th = await run_in_threadpool(ledger.head, scope)
    return {
        "tree_size": th.tree_size,
        "root_hash": th.root_hash,
        "timestamp_ms": th.timestamp_ms,
        "signature": th.signature,
        "key_id": th.key_id,
        "public_key": await run_in_threadpool(ledger.public_key),
    }


@router.get("/ledger/proof", response_model=dict[str, Any])
async def get_proof(
    scope: ScopeDep,
    kind: Annotated[str, Query(max_length=32)],
    object_id: Annotated[str, Query(alias="id", max_length=128)],
) -> dict[str, Any]:
    """The inclusion proof of an object's newest leaf in the newest signed head. 包含证明."""
    p = await run_in_threadpool(ledger.proof, scope, kind, object_id)
    return {
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
