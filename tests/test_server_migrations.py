"""The schema comes from the Alembic migrations, on SQLite and PostgreSQL: up from an empty
database, down and up again, identical to the tables the code queries; the database itself
refuses a second live ticket for one problem; the app refuses a database not at head."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.exc import IntegrityError

from server.db import make_engine
from server.migrate import (
    SchemaNotCurrent,
    check_at_head,
    current_revision,
    downgrade,
    head_revision,
    upgrade,
)
from server.models import metadata, tickets

TABLES = {
    "results",
    "latest_checks",
    "tickets",
    "ticket_events",
    "problem_states",
    "tokens",
    "outbox",
    "leases",
    "id_counters",
}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    make: Callable[[], str] = request.getfixturevalue("pg_schema_url")
    return make()


def tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_up_from_empty_down_and_up_again(empty_url: str) -> None:
    engine = make_engine(empty_url)
    try:
        assert current_revision(engine) is None
        with pytest.raises(SchemaNotCurrent, match="db upgrade"):
            check_at_head(engine)
    finally:
        engine.dispose()
    assert upgrade(empty_url) == head_revision()
    assert tables(empty_url) == TABLES
    assert downgrade(empty_url, "base") == "base"
    assert tables(empty_url) == set()
    upgrade(empty_url)
    engine = make_engine(empty_url)
    try:
        check_at_head(engine)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
        assert diff == [], diff
    finally:
        engine.dispose()


def _ticket(number: int, state: str = "open", item: str = "") -> dict:
    now = datetime(2025, 1, 6, tzinfo=UTC)
    return {
        "id": f"T-{number}",
        "number": number,
        "customer": "bank",
        "site": "hq",
        "zone": "urban",
        "device": "hq-core",
        "check": "snmp.cpu",
        "item": item,
        "level": 2,
        "state": state,
        "source": "monitoring",
        "monitored": True,
        "escalation_step": 1,
        "opened_at": now,
        "response_due": now,
        "updated_at": now,
        "revision": 1,
        "data": {},
    }


def test_the_database_refuses_a_second_live_ticket_for_one_problem(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.insert(tickets), [_ticket(1, "confirmed"), _ticket(2, "resolved")])
            conn.execute(sa.insert(tickets), [_ticket(3, item="cpu 1")])  # another problem
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(sa.insert(tickets), [_ticket(4, "open")])
        with engine.begin() as conn:  # once confirmed, a new fault may open a new ticket
            conn.execute(sa.update(tickets).where(tickets.c.id == "T-2").values(state="confirmed"))
            conn.execute(sa.insert(tickets), [_ticket(4, "open")])
    finally:
        engine.dispose()


def test_the_app_refuses_a_database_that_is_not_at_head(empty_url: str) -> None:
    from dataclasses import replace

    from server.app import create_app
    from server.config import ServerConfig
    from tests.server_support import inventory

    config = replace(ServerConfig(), database_url=empty_url)
    with pytest.raises(SchemaNotCurrent, match="patrol-server db upgrade"):
        create_app(config, inventory=inventory(), background=False)
