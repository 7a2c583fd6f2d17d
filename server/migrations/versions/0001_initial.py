"""Initial schema: results, latest checks, problem states, tickets and their events, tokens,
the notification outbox, the scheduler lease and ticket numbering.

Revision ID: 0001
Revises:
Create Date: 2025-01-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server.models import JSONType, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
LIVE = "monitored AND state <> 'confirmed'"


def upgrade() -> None:
    op.create_table(
        "results",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("device", sa.String(200), nullable=False),
        sa.Column("check", sa.String(200), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("observed_at", UTCDateTime(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("payload", JSONType, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_results"),
    )
    op.create_index("ix_results_device_observed_at", "results", ["device", "observed_at"])

    op.create_table(
        "latest_checks",
        sa.Column("device", sa.String(200), nullable=False),
        sa.Column("check", sa.String(200), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("observed_at", UTCDateTime(), nullable=False),
        sa.Column("result_id", sa.String(36), nullable=False),
        sa.Column("items", JSONType, nullable=False),
        sa.PrimaryKeyConstraint("device", "check", name="pk_latest_checks"),
    )

    op.create_table(
        "tickets",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.Column("customer", sa.String(200), nullable=False),
        sa.Column("site", sa.String(200), nullable=False),
        sa.Column("zone", sa.String(20), nullable=False),
        sa.Column("device", sa.String(200), nullable=True),
        sa.Column("check", sa.String(200), nullable=True),
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
        sa.Column("data", JSONType, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tickets"),
        sa.UniqueConstraint("number", name="uq_tickets_number"),
        sa.CheckConstraint(
            "state IN ('open', 'acknowledged', 'dispatched', 'on_site', 'resolved', 'confirmed')",
            name="ck_tickets_state",
        ),
        sa.CheckConstraint(
            'NOT monitored OR (device IS NOT NULL AND "check" IS NOT NULL)',
            name="ck_tickets_monitored_problem",
        ),
        sa.CheckConstraint("level BETWEEN 1 AND 4", name="ck_tickets_level"),
    )
    op.create_index("ix_tickets_state", "tickets", ["state"])
    op.create_index("ix_tickets_device", "tickets", ["device"])
    op.create_index("ix_tickets_customer", "tickets", ["customer"])
    # THE guarantee: one live monitored ticket per problem, whatever the number of processes.
    op.create_index(
        "uq_tickets_live_fingerprint",
        "tickets",
        ["device", "check", "item"],
        unique=True,
        sqlite_where=sa.text(LIVE),
        postgresql_where=sa.text(LIVE),
    )

    op.create_table(
        "ticket_events",
        sa.Column("id", BigId, nullable=False, autoincrement=True),
        sa.Column("ticket_id", sa.String(32), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ticket_events"),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name="fk_ticket_events_ticket_id_tickets",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_ticket_events_ticket_id_id", "ticket_events", ["ticket_id", "id"])
    op.create_index("ix_ticket_events_kind", "ticket_events", ["kind"])

    op.create_table(
        "problem_states",
        sa.Column("device", sa.String(200), nullable=False),
        sa.Column("check", sa.String(200), nullable=False),
        sa.Column("item", sa.String(400), nullable=False),
        sa.Column("consecutive", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_status", sa.String(10), nullable=True),
        sa.Column("last_summary", sa.Text(), nullable=False, server_default=""),
        sa.Column("last_seen_at", UTCDateTime(), nullable=True),
        sa.Column("failing_since", UTCDateTime(), nullable=True),
        sa.Column("ok_since", UTCDateTime(), nullable=True),
        sa.Column("ticket_id", sa.String(32), nullable=True),
        sa.PrimaryKeyConstraint("device", "check", "item", name="pk_problem_states"),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name="fk_problem_states_ticket_id_tickets"
        ),
    )

    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("customer", sa.String(200), nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_tokens_hash"),
        sa.CheckConstraint(
            "role IN ('viewer', 'engineer', 'admin', 'agent')", name="ck_tokens_role"
        ),
        sa.CheckConstraint(
            "role <> 'agent' OR customer IS NOT NULL", name="ck_tokens_agent_customer"
        ),
    )

    op.create_table(
        "outbox",
        sa.Column("id", BigId, nullable=False, autoincrement=True),
        sa.Column("ticket_id", sa.String(32), nullable=False),
        sa.Column("target", sa.String(500), nullable=True),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("roles", JSONType, nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("ticket", JSONType, nullable=True),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_try_at", UTCDateTime(), nullable=False),
        sa.Column("claimed_until", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name="fk_outbox_ticket_id_tickets"),
        sa.CheckConstraint(
            "state IN ('pending', 'sending', 'sent', 'failed')", name="ck_outbox_state"
        ),
    )
    op.create_index("ix_outbox_state_next_try_at", "outbox", ["state", "next_try_at"])

    op.create_table(
        "leases",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("holder", sa.String(200), nullable=True),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_leases"),
    )
    op.create_table(
        "id_counters",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_id_counters"),
    )
    epoch = "1970-01-01 00:00:00"
    op.execute(
        f"INSERT INTO leases (name, holder, expires_at) VALUES ('scheduler', NULL, '{epoch}')"
    )
    op.execute("INSERT INTO id_counters (name, value) VALUES ('ticket', 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE ticket_number_seq START 1")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE IF EXISTS ticket_number_seq")
    for table in (
        "id_counters",
        "leases",
        "outbox",
        "tokens",
        "problem_states",
        "ticket_events",
        "tickets",
        "latest_checks",
        "results",
    ):
        op.drop_table(table)
