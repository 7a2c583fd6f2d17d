"""`patrol-server`: serve the API, migrate the database, manage API tokens.

    patrol-server serve [--host 127.0.0.1] [--port 8080] [--config server.yaml] [--inventory F]
    patrol-server db upgrade [--config]          apply the Alembic migrations (creates ./var/)
    patrol-server db current [--config]          the database's revision and the code's
    patrol-server token create --role viewer|engineer|admin|agent [--customer ID] [--name N]
    patrol-server token list
    patrol-server token revoke ID

Operator mistakes (a bad server.yaml or inventory, a database not migrated, an unknown role)
are one clear message on stderr and exit status 2, never a traceback; an unreachable database
is exit status 1.
"""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer
from sqlalchemy.exc import OperationalError

from checks.inventory import InventoryError, load_inventory
from server.config import ConfigError, ServerConfig, load_config

T = TypeVar("T")

app = typer.Typer(
    help="Patrol's central server: ingest, device health, fault tickets, SLA and escalation.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="The database: migrations.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens (only their SHA-256 is stored).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="server.yaml (default: $PATROL_SERVER_CONFIG, else ./server.yaml when present)",
    ),
]
InventoryOption = Annotated[
    Path | None,
    typer.Option("--inventory", "-i", help="inventory.yaml (default: from server.yaml)"),
]


def _fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"patrol-server: {message}", err=True)
    raise typer.Exit(code)


def _config(path: Path | None, inventory: Path | None = None) -> ServerConfig:
    try:
        return load_config(path, inventory=inventory)
    except ConfigError as exc:
        lines = "\n".join(f"  {issue}" for issue in exc.issues)
        _fail(f"the configuration has {len(exc.issues)} problem(s):\n{lines}")


@contextmanager
def _database_errors(config: ServerConfig) -> Iterator[None]:
    from server.db import Busy
    from server.migrate import SchemaNotCurrent

    try:
        yield
    except SchemaNotCurrent as exc:
        _fail(str(exc))
    except ValueError as exc:  # an unsupported URL
        _fail(f"database_url: {exc}")
    except (OperationalError, Busy) as exc:
        reason = getattr(exc, "orig", None) or exc
        first = str(reason).strip().splitlines()[0] if str(reason).strip() else type(exc).__name__
        _fail(f"cannot use the database {_display(config.database_url)}: {first}", 1)


def _display(url: str) -> str:
    import sqlalchemy as sa

    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(unparsable URL)"


def _with_database(config: ServerConfig, work: Callable[[], T]) -> T:
    with _database_errors(config):
        return work()
    raise AssertionError("unreachable")


@app.command()
def serve(
    config_path: ConfigOption = None,
    inventory: InventoryOption = None,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port")] = 8080,
    log_level: Annotated[str, typer.Option(help="uvicorn log level")] = "info",
) -> None:
    """Serve the API (uvicorn), with the escalation scheduler and the notification sender.
    Several processes may serve one PostgreSQL database."""
    import uvicorn

    from server.app import create_app

    if log_level.lower() not in LOG_LEVELS:
        _fail(f"unknown --log-level {log_level!r}; one of: {', '.join(LOG_LEVELS)}")
    config = _config(config_path, inventory)
    try:
        inv = load_inventory(config.inventory)
    except InventoryError as exc:
        lines = "\n".join(f"  {issue}" for issue in exc.issues)
        _fail(f"the inventory has {len(exc.issues)} problem(s):\n{lines}")
    application = _with_database(
        config, lambda: create_app(config, inventory=inv, watch_inventory=True)
    )
    typer.echo(
        f"Patrol server on http://{host}:{port} (API docs at /docs); database "
        f"{_display(config.database_url)}; {len(inv.devices)} devices from {config.inventory}",
        err=True,
    )
    # Everything loaded so far lives as long as the process: keep the garbage collector from
    # walking it again and again under ingest (measured: ~25% more results/s, docs/benchmarks.md).
    gc.collect()
    gc.freeze()
    _patrol_logging(log_level)
    uvicorn.run(application, host=host, port=port, log_level=log_level)


LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")  # uvicorn's


def _patrol_logging(level: str) -> None:
    """Patrol's own messages (inventory reloads, failing scheduler passes, notifications) on
    stderr beside uvicorn's, at the same level."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("patrol")
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if level.lower() == "trace" else level.upper())
    root.propagate = False


@db_app.command("upgrade")
def db_upgrade(config_path: ConfigOption = None) -> None:
    """Create or update the schema (Alembic migrations up to the latest)."""
    from server.migrate import current_revision, upgrade

    config = _config(config_path)

    def work() -> tuple[str | None, str]:
        from server.db import make_engine

        engine = make_engine(config.database_url)
        try:
            before = current_revision(engine)
            return before, upgrade(engine)
        finally:
            engine.dispose()

    before, after = _with_database(config, work)
    where = _display(config.database_url)
    if before == after:
        typer.echo(f"{where}: already at revision {after}")
    else:
        typer.echo(f"{where}: upgraded from {before or 'an empty database'} to revision {after}")


@db_app.command("current")
def db_current(config_path: ConfigOption = None) -> None:
    """The database's schema revision, and the one this code needs."""
    from server.db import make_engine
    from server.migrate import current_revision, head_revision

    config = _config(config_path)

    def work() -> str | None:
        engine = make_engine(config.database_url)
        try:
            return current_revision(engine)
        finally:
            engine.dispose()

    current = _with_database(config, work)
    head = head_revision()
    state = "up to date" if current == head else "run `patrol-server db upgrade`"
    typer.echo(f"database: {current or 'empty'}; code: {head} ({state})")


def _tokens(config: ServerConfig):  # type: ignore[no-untyped-def]
    from server.auth import TokenStore
    from server.clock import SystemClock
    from server.db import Database
    from server.migrate import check_at_head

    db = Database(config.database_url)
    check_at_head(db.engine)
    return TokenStore(db, SystemClock())


@token_app.command("create")
def token_create(
    role: Annotated[str, typer.Option(help="viewer | engineer | admin | agent")],
    customer: Annotated[
        str | None, typer.Option(help="the customer id of an agent token (inventory.yaml)")
    ] = None,
    name: Annotated[str, typer.Option(help="who or what uses it (shown in timelines)")] = "",
    config_path: ConfigOption = None,
) -> None:
    """Create a token and print it once: only its SHA-256 is stored."""
    from server.auth import TokenError, TokenInfo

    config = _config(config_path)
    if role == "agent" and customer:
        try:
            inventory = load_inventory(config.inventory)
        except InventoryError:
            inventory = None  # cannot check; the server checks every result anyway
        if inventory is not None and customer not in {c.id for c in inventory.customers}:
            known = ", ".join(c.id for c in inventory.customers) or "none"
            _fail(f"no customer {customer!r} in {config.inventory} (customers: {known})")

    def work() -> tuple[TokenInfo, str]:
        return _tokens(config).create(role, customer, name)

    try:
        info, secret = _with_database(config, work)
    except TokenError as exc:
        _fail(exc.reason)
    typer.echo(secret)
    scope = f", customer {info.customer}" if info.customer else ""
    typer.echo(
        f"token {info.id} ({info.role}{scope}, {info.name}): shown once, store it now", err=True
    )


@token_app.command("list")
def token_list(config_path: ConfigOption = None) -> None:
    """Every token: id, role, customer, name, created, revoked (never the token itself)."""
    config = _config(config_path)
    tokens = _with_database(config, lambda: _tokens(config).list())
    if not tokens:
        typer.echo("no tokens yet: patrol-server token create --role admin --name you")
        return
    typer.echo(f"{'ID':>4}  {'ROLE':<9} {'CUSTOMER':<14} {'NAME':<24} {'CREATED':<20} REVOKED")
    for t in tokens:
        created = t.created_at.strftime("%Y-%m-%d %H:%M:%SZ")
        revoked = t.revoked_at.strftime("%Y-%m-%d %H:%M:%SZ") if t.revoked_at else "-"
        typer.echo(
            f"{t.id:>4}  {t.role:<9} {t.customer or '-':<14} {t.name:<24} {created:<20} {revoked}"
        )


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Argument(metavar="ID", help="from `token list`")],
    config_path: ConfigOption = None,
) -> None:
    """Revoke a token: requests with it are refused (401) from now on."""
    from server.auth import TokenError

    config = _config(config_path)
    try:
        info = _with_database(config, lambda: _tokens(config).revoke(token_id))
    except TokenError as exc:
        _fail(exc.reason)
    typer.echo(f"token {info.id} ({info.role}, {info.name}) revoked")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
