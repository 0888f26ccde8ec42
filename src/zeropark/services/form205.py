"""205-1 表《工业企业能源购进、消费与库存》: an enterprise's form from its latest national run.

And the check of a filled-in form (the same file read back).

Every door (today the CLI, ``zeropark form205``) calls these functions. The figures are the
accounted ones (:func:`zeropark.accounting.form205.form_205_1`); the layout is
:mod:`zeropark.reports.form205`.
"""

from __future__ import annotations

from dataclasses import dataclass

from zeropark.accounting.form205 import Form205Row, form_205_1
from zeropark.errors import NotFound
from zeropark.model import Method
from zeropark.reports.form205 import read_205_1, write_205_1
from zeropark.services import inventory
from zeropark.store import repo
from zeropark.store.scope import Scope

__all__ = ["Form205", "check_form_205_1", "form_205_1_of"]


@dataclass(frozen=True, slots=True)
class Form205:
    """An enterprise's form: its rows, the workbook, and the run the figures come from."""

    enterprise_id: str
    year: int
    run_id: int
    rows: tuple[Form205Row, ...]
    xlsx: bytes


def form_205_1_of(scope: Scope, park_id: str, year: int, enterprise_id: str) -> Form205:
    """The 205-1 form of ``enterprise_id`` for ``year`` from its latest national run (scope-checked)."""
    view = inventory.latest_view(scope, park_id, year, Method.NATIONAL, enterprise_id=enterprise_id)
    if view is None:
        raise NotFound(
            f"enterprise '{enterprise_id}' has no national run for {year}; account it first: "
            f"`zeropark account --method national --year {year} --enterprise {enterprise_id}`"
        )
    ent = repo.get_enterprise(scope.engine, enterprise_id, scope=scope.enterprise_id)
    rows = form_205_1(view.inventory.lines, enterprise_id)
    xlsx = write_205_1(rows, enterprise=ent.name, uscc=ent.uscc, year=year)
    return Form205(enterprise_id, year, view.summary.id, tuple(rows), xlsx)


def check_form_205_1(data: bytes, name: str) -> list[Form205Row]:
    """The rows of a (filled-in) 205-1 workbook, its arithmetic checked (ValidationError names each)."""
    return read_205_1(data, name)
