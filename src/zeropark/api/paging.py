"""Pagination (分页): ``limit``/``offset`` query parameters and numeric path ids.

A route reads a page through its read model (:mod:`zeropark.store.queries`, which returns a
:class:`~zeropark.store.queries.paging.Slice`: the items and the total) and wraps it in its own
``Page[Model]``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

Limit = Annotated[int, Query(ge=1, le=1000, description="page size")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="rows to skip")]


#: A numeric id in a path: positive and within 64 bits (the databases' BIGINT).
IntId = Annotated[int, Path(ge=1, le=2**63 - 1, description="numeric id")]
