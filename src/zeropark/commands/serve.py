"""``zeropark init`` (the database), ``zeropark serve`` (web app and HTTP API) and ``zeropark users``."""

from __future__ import annotations

import getpass
import ipaddress
from typing import Annotated

import typer
import uvicorn
from rich.table import Table

from zeropark.commands.common import EXIT_DATA_ERROR, EXIT_USAGE, check_park, console, engine, err_console
from zeropark.errors import ValidationError
from zeropark.model import Role
from zeropark.services import logins
from zeropark.services.users import NewUser, new_user, split_parks
from zeropark.settings import get_settings
from zeropark.store.queries import users as user_queries
from zeropark.store.scope import system_scope

users_app = typer.Typer(
    name="users",
    help="用户 Users: add and list accounts (roles: admin, park_manager, enterprise, verifier, device, "
    "province, group).",
    no_args_is_help=True,
    rich_markup_mode="rich",
)


def init() -> None:
    """Create or migrate the database at ZEROPARK_DATABASE_URL. 初始化/升级数据库."""
    eng = engine()
    console.print(f"database ready: {eng.url.render_as_string(hide_password=True)}")


def serve(
    host: Annotated[str, typer.Option(help="监听地址 Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口 Port.")] = 8000,
    workers: Annotated[int, typer.Option(help="进程数 Worker processes.")] = 1,
    reload: Annotated[
        bool, typer.Option(help="开发模式自动重载 Reload on code changes (development).")
    ] = False,
    proxy_headers: Annotated[
        bool, typer.Option(help="信任反向代理头 Trust X-Forwarded-* (https detection behind a proxy).")
    ] = True,
) -> None:
    """Serve the web pages and the HTTP API (/api/v1, docs at /api/v1/docs). 启动 Web 服务与 API."""
    settings = get_settings()
    try:
        settings.check_production()
    except ValueError as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(EXIT_USAGE) from exc
    eng = engine()  # migrate once before the workers start
    console.print(
        f"zeropark on http://{host}:{port}  (API docs: http://{host}:{port}/api/v1/docs)  "
        f"database: {eng.url.render_as_string(hide_password=True)}"
    )
    uvicorn.run(
        "zeropark.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        proxy_headers=proxy_headers,
        log_level=settings.log_level.lower(),
    )


@users_app.command("add")
def add_user(
    username: Annotated[str, typer.Argument(help="用户名 Username.")],
    role: Annotated[Role, typer.Option(help="角色 Role.")],
    enterprise: Annotated[
        str | None, typer.Option(help="企业编号 Enterprise id (required for role enterprise).")
    ] = None,
    park: Annotated[str | None, typer.Option(help="园区编号 Park id the user is confined to.")] = None,
    province: Annotated[
        str | None, typer.Option(help="省份 Province whose parks a provincial user reads (role province).")
    ] = None,
    parks: Annotated[
        str | None,
        typer.Option(help="园区组 Park ids a group user reads, comma-separated: P1,P2 (role group)."),
    ] = None,
    display_name: Annotated[str, typer.Option(help="显示名 Display name.")] = "",
    password: Annotated[
        str | None,
        typer.Option(help="密码 Password (prompted when omitted; avoid passing it on the command line)."),
    ] = None,
) -> None:
    """Add a user (password hashed with argon2). 新增用户.

    A provincial user (``--role province --province 江苏``) reads every park of its province, a
    group user (``--role group --parks P1,P2``) exactly the parks named; neither writes. An
    unknown park (``--park``, ``--parks``) or enterprise ends with exit 4 naming it.
    """
    group = split_parks(parks) if parks is not None else ()
    for p in (*([park] if park is not None else []), *group):
        check_park(p)  # NotFound naming the park: exit 4
    if password is None:
        try:
            password = getpass.getpass("password 密码: ")
            again = getpass.getpass("again 再次输入: ")
        except EOFError:  # no terminal and nothing on standard input
            err_console.print(
                "[red]no password was typed (end of input); type it when asked, "
                "or give --password 密码; nothing stored[/red]"
            )
            raise typer.Exit(EXIT_USAGE) from None
        if again != password:
            err_console.print("[red]passwords differ; nothing stored[/red]")
            raise typer.Exit(EXIT_USAGE)
    new = NewUser(
        username,
        password,
        role,
        display_name,
        park_id=park,
        enterprise_id=enterprise,
        province=province,
        parks=group,
    )
    try:
        row = new_user(system_scope(engine(), "cli"), new)  # argon2 hash, audited as ``cli``
    except ValidationError as exc:
        err_console.print(f"[red]{'; '.join(e.message for e in exc.errors) or exc}[/red]")
        raise typer.Exit(EXIT_DATA_ERROR) from exc
    console.print(f"user '{username}' ({role}) added, id {row.id}")


@users_app.command("list")
def list_users() -> None:
    """List users (never passwords). 用户列表."""
    table = Table(
        "id",
        "用户名 username",
        "角色 role",
        "园区 park",
        "企业 enterprise",
        "省份/园区组 province/parks",
        "状态 state",
    )
    scope = system_scope(engine(), "cli")
    found = user_queries.users(scope)
    groups = user_queries.group_parks(scope, (u.id for u in found))
    for u in found:
        state = "active" if u.active else "inactive"
        if u.locked_until is not None:
            state += f", locked until {u.locked_until:%Y-%m-%d %H:%M} UTC"
        reads = u.province or ", ".join(groups.get(u.id, []))
        table.add_row(str(u.id), u.username, u.role, u.park_id or "", u.enterprise_id or "", reads, state)
    console.print(table)


@users_app.command("unlock-address")
def unlock_address(
    ip: Annotated[
        str, typer.Argument(help="被封锁的地址 The blocked client address (as the server sees it).")
    ],
) -> None:
    """Lift the login block of an address now (audited). 解除地址登录封锁.

    For when every admin is behind the blocked address; otherwise ``POST /api/v1/users/unlock-address``.
    """
    try:
        address = str(ipaddress.ip_address(ip))
    except ValueError as exc:
        err_console.print(f"[red]'{ip}' is not an IPv4 or IPv6 address[/red]")
        raise typer.Exit(EXIT_USAGE) from exc
    logins.unlock_address(system_scope(engine(), "cli"), address)
    console.print(f"address {address} unlocked: its earlier failed logins no longer count")


def register(app: typer.Typer) -> None:
    """Attach ``init``, ``serve`` and ``users`` to the ``zeropark`` CLI."""
    app.command("init")(init)
    app.command("serve")(serve)
    app.add_typer(users_app)
