"""The server's tables (SQLAlchemy Core), the same on SQLite and PostgreSQL.

The schema is created and changed only by the Alembic migrations in server/migrations/; this
metadata mirrors them (tests compare the two) and is what the services query.

Guarantees the database gives (relied on by several `serve` processes on one PostgreSQL):
    results.id (PK)                     a Result is stored once: ingest is idempotent
    problem_states PK (device, check, item)
                                        one damping/recovery state per problem; its row lock
                                        (SELECT ... FOR UPDATE) serialises every change to it
    uq_tickets_live_fingerprint         a partial unique index: at most ONE live (not yet
                                        confirmed) monitored ticket per (device, check, item)
    ck_tickets_monitored_problem        a monitored ticket names its device and check
    tickets.revision                    optimistic locking: UPDATE ... WHERE revision = loaded
    uq_tokens_hash                      a token hash maps to one token
    ck_tokens_role, ck_tokens_agent_customer   roles are known; an agent token has a customer
    leases PK (name)                    the scheduler's lease, taken by a conditional UPDATE

Times are stored in UTC (timestamptz on PostgreSQL, ISO text on SQLite) and always come back
timezone-aware (UTCDateTime).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ROLES = ("viewer", "engineer", "admin", "agent")
TICKET_STATES = ("open", "acknowledged", "dispatched", "on_site", "resolved", "confirmed")
OUTBOX_STATES = ("pending", "sending", "sent", "failed")


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """An aware datetime in, an aware UTC datetime out, on every dialect."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} cannot be stored (UTC is required)")
        value = value.astimezone(UTC)
        # SQLite keeps text: store naive UTC so that text order is time order.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


JSONType = sa.JSON().with_variant(JSONB(), "postgresql")
# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets 64 bits.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

results = sa.Table(
    "results",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("device", sa.String(200), nullable=False),
    sa.Column("check", sa.String(200), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("observed_at", UTCDateTime(), nullable=False),
    sa.Column("received_at", UTCDateTime(), nullable=False),
    sa.Column("payload", JSONType, nullable=False),
    sa.Index("ix_results_device_observed_at", "device", "observed_at"),
)

# The latest result of each check of each device (its items inside): the device view.
latest_checks = sa.Table(
    "latest_checks",
    metadata,
    sa.Column("device", sa.String(200), primary_key=True),
    sa.Column("check", sa.String(200), primary_key=True),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("summary", sa.Text(), nullable=False),
    sa.Column("observed_at", UTCDateTime(), nullable=False),
    sa.Column("result_id", sa.String(36), nullable=False),
    sa.Column("items", JSONType, nullable=False),
)

tickets = sa.Table(
    "tickets",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("number", sa.BigInteger(), nullable=False, unique=True),
    sa.Column("customer", sa.String(200), nullable=False),
    sa.Column("site", sa.String(200), nullable=False),
    sa.Column("zone", sa.String(20), nullable=False),
    sa.Column("device", sa.String(200), nullable=True),
    sa.Column("check", sa.String(200), nullable=True),
    # "" for a check-level problem: NULLs never collide in a unique index, "" does.
    sa.Column("item", sa.String(400), nullable=False, server_default=""),
    sa.Column("level", sa.SmallInteger(), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("monitored", sa.Boolean(), nullable=False),
    sa.Column("escalation_step", sa.SmallInteger(), nullable=False),
    sa.Column("opened_at", UTCDateTime(), nullable=False),
    sa.Column("response_due", UTCDateTime(), nullable=False),
    sa.Column("onsite_due", UTCDateTime(), nullable=True),
    sa.Column("resolved_at", UTCDateTime(), nullable=True),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.Column("revision", sa.Integer(), nullable=False),
    sa.Column("data", JSONType, nullable=False),  # Ticket.to_dict() without its events
    sa.CheckConstraint(
        "state IN ('open', 'acknowledged', 'dispatched', 'on_site', 'resolved', 'confirmed')",
        name="state",
    ),
    sa.CheckConstraint(
        'NOT monitored OR (device IS NOT NULL AND "check" IS NOT NULL)',
        name="monitored_problem",
    ),
    sa.CheckConstraint("level BETWEEN 1 AND 4", name="level"),
    sa.Index("ix_tickets_state", "state"),
    sa.Index("ix_tickets_device", "device"),
    sa.Index("ix_tickets_customer", "customer"),
    sa.Index(
        "uq_tickets_live_fingerprint",
        "device",
        "check",
        "item",
        unique=True,
        sqlite_where=sa.text("monitored AND state <> 'confirmed'"),
        postgresql_where=sa.text("monitored AND state <> 'confirmed'"),
    ),
)

ticket_events = sa.Table(
    "ticket_events",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column(
        "ticket_id",
        sa.String(32),
        sa.ForeignKey("tickets.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("note", sa.Text(), nullable=False),
    sa.Index("ix_ticket_events_ticket_id_id", "ticket_id", "id"),
    sa.Index("ix_ticket_events_kind", "kind"),
)

problem_states = sa.Table(
    "problem_states",
    metadata,
    sa.Column("device", sa.String(200), primary_key=True),
    sa.Column("check", sa.String(200), primary_key=True),
    sa.Column("item", sa.String(400), primary_key=True),
    sa.Column("consecutive", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("last_status", sa.String(10), nullable=True),
    sa.Column("last_summary", sa.Text(), nullable=False, server_default=""),
    sa.Column("last_seen_at", UTCDateTime(), nullable=True),
    sa.Column("failing_since", UTCDateTime(), nullable=True),
    sa.Column("ok_since", UTCDateTime(), nullable=True),
    sa.Column("ticket_id", sa.String(32), sa.ForeignKey("tickets.id"), nullable=True),
)

tokens = sa.Table(
    "tokens",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("token_hash", sa.String(64), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("customer", sa.String(200), nullable=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("revoked_at", UTCDateTime(), nullable=True),
    sa.UniqueConstraint("token_hash", name="uq_tokens_hash"),
    sa.CheckConstraint("role IN ('viewer', 'engineer', 'admin', 'agent')", name="role"),
    sa.CheckConstraint("role <> 'agent' OR customer IS NOT NULL", name="agent_customer"),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("ticket_id", sa.String(32), sa.ForeignKey("tickets.id"), nullable=False),
    # NULL: a message still to route to its roles' targets; else one delivery to that target.
    sa.Column("target", sa.String(500), nullable=True),
    sa.Column("reason", sa.String(32), nullable=False),
    sa.Column("roles", JSONType, nullable=False),
    sa.Column("subject", sa.Text(), nullable=False),
    sa.Column("body", sa.Text(), nullable=False),
    sa.Column("ticket", JSONType, nullable=True),  # the ticket right after the change
    sa.Column("state", sa.String(10), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("next_try_at", UTCDateTime(), nullable=False),
    sa.Column("claimed_until", UTCDateTime(), nullable=True),
    sa.Column("last_error", sa.Text(), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("sent_at", UTCDateTime(), nullable=True),
    sa.CheckConstraint("state IN ('pending', 'sending', 'sent', 'failed')", name="state"),
    sa.Index("ix_outbox_state_next_try_at", "state", "next_try_at"),
)

leases = sa.Table(
    "leases",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("holder", sa.String(200), nullable=True),
    sa.Column("expires_at", UTCDateTime(), nullable=False),
)

# Ticket numbers on SQLite (PostgreSQL uses the sequence ticket_number_seq, lock-free).
id_counters = sa.Table(
    "id_counters",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.BigInteger(), nullable=False),
)

TICKET_NUMBER_SEQUENCE = "ticket_number_seq"
SCHEDULER_LEASE = "scheduler"
