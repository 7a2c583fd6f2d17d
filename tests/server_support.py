"""Fixtures for the server tests: every database test runs on SQLite AND PostgreSQL.

    db_url            a freshly migrated, empty database, parametrised ["sqlite", "postgresql"]
    pg_url            the PostgreSQL base URL ($PATROL_TEST_PG_URL), skipped (or failed, with
                      PATROL_TEST_PG_REQUIRED=1 as .ci/run sets) when unset or unreachable
    pg_schema_url()   factory: a URL whose search_path is a new empty schema (dropped after)
    server            a Patrol app on `db_url` with a FakeClock, driven in-process (TestClient)
    TEST_INVENTORY    the inventory the server tests use (two customers, urban and suburban)

The schema always comes from the Alembic migrations, never metadata.create_all: SQLite tests
copy a database migrated once per session; PostgreSQL tests share a schema migrated once per
session and emptied (TRUNCATE) before each test. `make test` prints whether the PostgreSQL
tests ran (pytest_report_header / pytest_terminal_summary, wired in conftest.py).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

PG_ENV = "PATROL_TEST_PG_URL"
PG_REQUIRED_ENV = "PATROL_TEST_PG_REQUIRED"

TEST_INVENTORY = """
credentials:
  v2c: {type: snmp_v2c, community: {env: PATROL_TEST_COMMUNITY}}
  ssh-ro: {type: ssh, username: patrol, password: {env: PATROL_TEST_SSH_PASSWORD}}
customers:
  - id: bank
    name: Test Bank
    sites:
      - id: hq
        name: Head office
        zone: urban
        devices:
          - {name: hq-core, address: 127.0.9.1, platform: huawei_vrp, role: core-switch,
             criticality: high, snmp: {credential: v2c, port: 1161},
             ssh: {credential: ssh-ro, port: 2222}, tags: [core]}
          - {name: hq-srv, address: 127.0.9.2, platform: ibm_imm, criticality: medium,
             snmp: {credential: v2c}}
          - {name: hq-sw, address: 127.0.9.3, platform: cisco_ios, criticality: low,
             snmp: {credential: v2c}}
      - id: branch
        name: Suburban branch
        zone: suburban
        devices:
          - {name: br-core, address: 127.0.9.11, platform: huawei_vrp, criticality: high,
             snmp: {credential: v2c}}
          - {name: br-sw, address: 127.0.9.12, platform: cisco_ios, criticality: medium,
             snmp: {credential: v2c}}
  - id: other
    name: Other Bank
    sites:
      - id: other-hq
        name: Other head office
        zone: urban
        devices:
          - {name: other-core, address: 127.0.9.21, platform: cisco_xe, criticality: high,
             snmp: {credential: v2c}}
"""

_pg_state: dict[str, str] = {}  # "status": ran | skipped | failed, "detail": ...

TABLES = (
    "outbox",
    "ticket_events",
    "problem_states",
    "tickets",
    "latest_checks",
    "results",
    "tokens",
)


# --- PostgreSQL availability ------------------------------------------------------------------


def _pg_problem(url: str) -> str | None:
    import sqlalchemy as sa

    engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:
        text = str(getattr(exc, "orig", exc)).strip().splitlines()
        return text[0] if text else type(exc).__name__
    finally:
        engine.dispose()
    return None


def pg_availability() -> tuple[str | None, str]:
    """(url, why not) — url None when the PostgreSQL tests cannot run."""
    if "checked" in _pg_state:
        return _pg_state.get("url") or None, _pg_state.get("why", "")
    url = os.environ.get(PG_ENV, "").strip()
    why = ""
    if not url:
        why = f"{PG_ENV} is not set"
    else:
        problem = _pg_problem(url)
        if problem:
            why = f"PostgreSQL at {_display(url)} is unreachable: {problem}"
            url = ""
    _pg_state.update(checked="1", url=url, why=why)
    return url or None, why


def _display(url: str) -> str:
    import sqlalchemy as sa

    return sa.engine.make_url(url).render_as_string(hide_password=True)


def report_header() -> str:
    url, why = pg_availability()
    if url:
        return f"server tests: SQLite and PostgreSQL ({_display(url)})"
    return f"server tests: SQLite only; PostgreSQL tests SKIPPED ({why})"


def terminal_summary(reporter: Any) -> None:
    if "used" not in _pg_state:
        return
    url, why = pg_availability()
    reporter.write_sep("-", "Patrol server tests")
    if url:
        reporter.write_line(f"PostgreSQL server tests ran against {_display(url)}")
    else:
        reporter.write_line(f"PostgreSQL server tests were SKIPPED: {why}", yellow=True, bold=True)
        reporter.write_line(
            f"  set {PG_ENV}=postgresql+psycopg://postgres@127.0.0.1:5432/test to run them"
        )


@pytest.fixture(scope="session")
def pg_url() -> str:
    _pg_state["used"] = "1"
    url, why = pg_availability()
    if url is None:
        if os.environ.get(PG_REQUIRED_ENV):
            pytest.fail(f"PostgreSQL tests are required ({PG_REQUIRED_ENV}) but {why}")
        pytest.skip(f"PostgreSQL tests skipped: {why}")
    return url


def with_search_path(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture
def pg_schema_url(pg_url: str) -> Iterator[Callable[[], str]]:
    """Factory: a URL on a new, empty PostgreSQL schema (dropped at the end of the test)."""
    import sqlalchemy as sa

    made: list[str] = []

    def make() -> str:
        schema = f"patrol_t_{uuid.uuid4().hex[:12]}"
        engine = sa.create_engine(pg_url)
        with engine.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        engine.dispose()
        made.append(schema)
        return with_search_path(pg_url, schema)

    yield make
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        for schema in made:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


# --- migrated databases ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from server.migrate import upgrade

    path = tmp_path_factory.mktemp("patrol-db") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_session_url(pg_url: str) -> Iterator[str]:
    import sqlalchemy as sa

    from server.migrate import upgrade

    schema = f"patrol_s_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = with_search_path(pg_url, schema)
    upgrade(url)
    yield url
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def _empty_pg(url: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
        conn.execute(sa.text("ALTER SEQUENCE ticket_number_seq RESTART WITH 1"))
        conn.execute(sa.text("UPDATE id_counters SET value = 0"))
        conn.execute(
            sa.text("UPDATE leases SET holder = NULL, expires_at = '1970-01-01 00:00:00+00'")
        )
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database at the migrations' head, on each dialect."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "patrol.db"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_session_url")
    _empty_pg(url)
    return url


# --- the server, in-process -----------------------------------------------------------------


def inventory() -> Any:
    from checks.inventory import parse_inventory

    return parse_inventory(TEST_INVENTORY, "test-inventory.yaml")


class FakeNotifier:
    """server.notify.Notifier's interface with scripted outcomes: every role has one webhook
    target `webhook:<role>`; `fail` maps a target label to how many attempts fail first."""

    def __init__(self, roles: tuple[str, ...] = ("engineer", "cs_manager", "admin")):
        from server.notify import NotificationsConfig, RetryPolicy

        self.roles = roles
        self.fail: dict[str, int] = {}
        self.sent: list[tuple[str, Any]] = []
        self.config = NotificationsConfig(retry=RetryPolicy(max_attempts=3, base_s=30, max_s=60))

    def message(self, notify: Any, ticket_dict: Any = None) -> Any:
        from server.notify import Message

        return Message.from_notify(notify, ticket_dict)

    def targets_for(self, message: Any) -> list[Any]:
        return [_Target(f"webhook:{r}") for r in message.roles if r in self.roles]

    def unrouted_roles(self, message: Any) -> tuple[str, ...]:
        return tuple(r for r in message.roles if r not in self.roles)

    def target(self, label: str) -> Any:
        role = label.removeprefix("webhook:")
        return _Target(label) if role in self.roles else None

    def deliver(self, message: Any, target: Any) -> Any:
        from datetime import UTC

        from server.notify import DeliveryAttempt

        at = datetime.now(UTC)
        if self.fail.get(target.label, 0) > 0:
            self.fail[target.label] -= 1
            return DeliveryAttempt(target.label, False, "HTTP 503 from the receiver", at, 503)
        self.sent.append((target.label, message))
        return DeliveryAttempt(target.label, True, None, at, 200)


@dataclass(frozen=True)
class _Target:
    label: str


@dataclass
class Server:
    """An app on a test database with a controllable clock, and helpers to drive it."""

    app: Any
    client: Any
    clock: Any
    notifier: FakeNotifier
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def services(self) -> Any:
        return self.app.state.services

    def token(self, role: str, customer: str | None = None) -> str:
        key = f"{role}:{customer}"
        if key not in self.tokens:
            _, secret = self.services.tokens.create(role, customer, f"{role}-test")
            self.tokens[key] = secret
        return self.tokens[key]

    def headers(self, role: str = "admin", customer: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, customer)}"}

    def result(
        self,
        device: str,
        check: str,
        status: str,
        *,
        items: list[dict[str, Any]] | None = None,
        summary: str = "",
        at: datetime | None = None,
        level: int | None = None,
    ) -> dict[str, Any]:
        from server.problems import to_iso

        out: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "device": device,
            "check": check,
            "status": status,
            "summary": summary or f"{check} {status}",
            "observed_at": to_iso(at or self.clock.now()),
            "duration_ms": 12.5,
            "metrics": [],
            "items": items or [],
        }
        if level is not None:
            out["level"] = level
        return out

    def post(
        self, results: list[dict[str, Any]], role: str = "admin", customer: str | None = None
    ) -> Any:
        return self.client.post(
            "/api/v1/results", json=results, headers=self.headers(role, customer)
        )

    def push(self, *results: dict[str, Any]) -> dict[str, Any]:
        response = self.post(list(results))
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def observe(
        self,
        device: str,
        check: str,
        status: str,
        every: timedelta = timedelta(minutes=1),
        **kw: Any,
    ) -> dict[str, Any]:
        """Move the clock on by `every`, then push one result observed now."""
        self.clock.advance(every)
        return self.push(self.result(device, check, status, **kw))

    def tickets(self, **params: Any) -> list[dict[str, Any]]:
        response = self.client.get("/api/v1/tickets", params=params, headers=self.headers())
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def ticket(self, ticket_id: str) -> dict[str, Any]:
        response = self.client.get(f"/api/v1/tickets/{ticket_id}", headers=self.headers())
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def act(
        self, ticket_id: str, action: str, body: dict[str, Any] | None = None, **kw: Any
    ) -> Any:
        return self.client.post(
            f"/api/v1/tickets/{ticket_id}/{action}",
            json=body if body is not None else {},
            headers=self.headers(kw.get("role", "engineer")),
        )

    def tick(self) -> Any:
        return self.services.scheduler.run_once()

    def send(self) -> Any:
        return self.services.sender.run_once()


def make_server(db_url: str, config_text: str = "", **kwargs: Any) -> Iterator[Server]:
    import warnings

    with warnings.catch_warnings():
        # Starlette >= 1.x would rather have httpx2; httpx's client works the same here.
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from server.app import create_app
    from server.clock import FakeClock
    from server.config import parse_config

    config = parse_config(config_text, "test-server.yaml", environ={})
    config = _with_url(config, db_url)
    clock = FakeClock()
    notifier = FakeNotifier()
    kwargs.setdefault("background", False)
    app = create_app(config, clock=clock, inventory=inventory(), notifier=notifier, **kwargs)
    with TestClient(app) as client:
        yield Server(app=app, client=client, clock=clock, notifier=notifier)


def _with_url(config: Any, url: str) -> Any:
    from dataclasses import replace

    return replace(config, database_url=url)


@pytest.fixture
def server(db_url: str) -> Iterator[Server]:
    yield from make_server(db_url)
