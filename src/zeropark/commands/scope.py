"""The CLI's principal (命令行身份): who ``zeropark`` acts as when it calls a service.

The API and the web pages build a :class:`~zeropark.store.scope.Scope` from the logged-in user;
the command line has no login. Whoever runs ``zeropark`` on the server already holds
``ZEROPARK_DATABASE_URL`` (and could change any row with ``psql``), so the CLI is not a tenant
boundary: it acts as the system principal ``cli`` with the admin role over all parks. Services
audit its writes like any other (:mod:`zeropark.store.audit`): ``user = "cli"``, ``role = "admin"``,
``ip`` empty — so an audit reader tells a run made at the console from one made through the API.
"""

from __future__ import annotations

from sqlalchemy import Engine

from zeropark.model import Role
from zeropark.store.scope import Principal, Scope

#: The principal of every CLI command (id 0 is never a stored user's id).
CLI_PRINCIPAL = Principal(
    id=0,
    username="cli",
    role=Role.ADMIN,
    park_id=None,
    enterprise_id=None,
    via="cli",
    display_name="命令行 command line",
)


def cli_scope(engine: Engine) -> Scope:
    """The scope of a CLI command on ``engine`` (admin over all parks, audited as ``cli``)."""
    return Scope(user=CLI_PRINCIPAL, engine=engine, ip=None)
