"""The FastAPI application: services wired to the database, routes, error answers, and the
scheduler/sender loops of each serving process.

PUBLIC API:
    create_app(config, *, clock=None, inventory=None, notifier=None, background=True,
               check_schema=True, watch_inventory=None) -> FastAPI
        refuses (raises migrate.SchemaNotCurrent) a database that is not at the migrations'
        head; loads the inventory named by the config unless one is given (InventoryError),
        and then (or with watch_inventory=True) reloads it when that file changes
        (server.inventory_watch, every scheduler.inventory_check_s with the background loops);
        `background=False` leaves the scheduler and sender to the caller (tests call
        app.state.services.scheduler.run_once()).
    Services        what the routes use: db, config, clock, directory, ingestor, tickets,
                    tokens, scheduler, sender, metrics, inventory_watcher

Errors are JSON `{"detail": "<readable reason>"}`: 401 no/bad/revoked token, 403 role or
customer, 404, 409 invalid transition, 413 batch too large, 422 invalid input (with `errors`
for field-level problems), 503 database busy (Retry-After).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError

from checks.inventory import Inventory, load_inventory
from server.auth import TokenStore
from server.clock import Clock, SystemClock
from server.config import ServerConfig
from server.db import Busy, Database
from server.directory import Directory
from server.ingest import Forbidden, Ingestor
from server.inventory_watch import InventoryWatcher
from server.metrics import Metrics
from server.migrate import check_at_head
from server.scheduler import BackgroundLoops, Scheduler, Sender, process_holder
from server.schemas import readable
from server.ticket_service import NotFound, TicketService
from server.tickets import InvalidInput, InvalidTransition

log = logging.getLogger("patrol.server")

API_DESCRIPTION = """Patrol's central server: results in, device health and fault tickets out.

Every endpoint but `/healthz` needs `Authorization: Bearer <token>` (`patrol-server token
create`). Roles: `viewer` (read), `engineer` (+ ticket actions, hotline tickets, results),
`admin` (everything), `agent` (POST results for its customer's devices, GET its configuration).
"""


@dataclass
class Services:
    db: Database
    config: ServerConfig
    clock: Clock
    directory: Directory
    ingestor: Ingestor
    tickets: TicketService
    tokens: TokenStore
    scheduler: Scheduler
    sender: Sender | None
    metrics: Metrics
    inventory_watcher: InventoryWatcher | None = None


def create_app(
    config: ServerConfig,
    *,
    clock: Clock | None = None,
    inventory: Inventory | None = None,
    notifier: Any = None,
    background: bool = True,
    check_schema: bool = True,
    watch_inventory: bool | None = None,
) -> FastAPI:
    clock = clock or SystemClock()
    if inventory is None:
        inventory = load_inventory(config.inventory)
        watch_inventory = watch_inventory is None or watch_inventory
    db = Database(config.database_url)
    try:
        if check_schema:
            check_at_head(db.engine)
    except Exception:
        db.dispose()
        raise
    directory = Directory(inventory)
    watcher = InventoryWatcher(config.inventory, directory) if watch_inventory else None
    holder = process_holder()
    if notifier is None:
        from server.notify import Notifier

        notifier = Notifier(config.notifications, clock=clock.now)
    services = Services(
        db=db,
        config=config,
        clock=clock,
        directory=directory,
        ingestor=Ingestor(db, config.policy, directory, clock),
        tickets=TicketService(db, config.policy, directory, clock),
        tokens=TokenStore(db, clock),
        scheduler=Scheduler(
            db,
            config.policy,
            clock,
            holder=holder,
            lease_s=max(60.0, 3 * config.scheduler_interval_s),
        ),
        sender=Sender(db, notifier, clock, holder=holder),
        metrics=Metrics(db),
        inventory_watcher=watcher,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        loops = None
        if background:
            loops = BackgroundLoops(
                services.scheduler,
                services.sender,
                config.scheduler_interval_s,
                config.send_interval_s,
                also=(
                    [("inventory", watcher.check, config.inventory_check_s)]
                    if watcher is not None
                    else []
                ),
            )
            loops.start()
        try:
            yield
        finally:
            if loops is not None:
                await loops.stop()
            db.dispose()

    app = FastAPI(
        title="Patrol",
        version="1",
        description=API_DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.services = services
    _errors(app)

    from server.routes import agents, devices, results, system, tickets

    app.include_router(system.router)
    app.include_router(results.router, prefix="/api/v1")
    app.include_router(devices.router, prefix="/api/v1")
    app.include_router(tickets.router, prefix="/api/v1")
    app.include_router(agents.router, prefix="/api/v1")

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = results.publish_schemas(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _errors(app: FastAPI) -> None:
    def detail(status: int, reason: str, **extra: Any) -> JSONResponse:
        return JSONResponse({"detail": reason, **extra}, status_code=status)

    @app.exception_handler(InvalidTransition)
    async def _conflict(_request: Request, exc: InvalidTransition) -> JSONResponse:
        return detail(409, exc.reason)

    @app.exception_handler(InvalidInput)
    async def _invalid(_request: Request, exc: InvalidInput) -> JSONResponse:
        return detail(422, exc.reason)

    @app.exception_handler(NotFound)
    async def _not_found(_request: Request, exc: NotFound) -> JSONResponse:
        return detail(404, exc.reason)

    @app.exception_handler(Forbidden)
    async def _forbidden(_request: Request, exc: Forbidden) -> JSONResponse:
        return detail(403, exc.reason)

    @app.exception_handler(Busy)
    async def _busy(_request: Request, exc: Busy) -> JSONResponse:
        response = detail(503, str(exc))
        response.headers["Retry-After"] = "1"
        return response

    @app.exception_handler(DataError)
    async def _data(_request: Request, exc: DataError) -> JSONResponse:
        # A value the database refuses (out of range...): the input's fault, not a crash.
        log.info("database refused a value: %s", exc.orig)
        return detail(422, "a value is out of the range the server can store")

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        reasons = readable(list(exc.errors()))
        errors = [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg"))} for e in exc.errors()]
        return detail(422, "; ".join(reasons) or "invalid request", errors=errors)
