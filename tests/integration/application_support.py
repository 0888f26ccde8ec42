"""Helpers of the application-workspace tests: approve the fixture park's year and account it again."""

from __future__ import annotations

from api_support import ENT_A, ENT_B, PARK
from sqlalchemy import Engine

from zeropark.accounting import AccountingOptions
from zeropark.model import Method
from zeropark.services import approval
from zeropark.services.inventory import account_year
from zeropark.store.scope import system_scope


def approve_year(engine: Engine, year: int = 2025) -> None:
    """Submit, review and approve E-A's and E-B's data of ``year`` (the data approval, 数据审核)."""
    scope = system_scope(engine, "manager")
    for ent in (ENT_A, ENT_B):
        approval.submit(scope, PARK, ent, year)
        approval.review(scope, PARK, ent, year)
        approval.approve(scope, PARK, ent, year)


def account(engine: Engine, year: int = 2025) -> int:
    """Account the park's ``year`` (national method); the new run's id."""
    made = account_year(
        system_scope(engine, "test"), PARK, year, AccountingOptions(method=Method.NATIONAL), "CN-park-2025"
    )
    return made.run.id
