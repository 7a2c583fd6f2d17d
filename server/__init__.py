"""Patrol's central server: ingest, device health, fault tickets, SLA and escalation.

The ticket domain is pure (no database, no HTTP, no threads; the clock is an argument):
    server.policy    the service contract as configurable policy (damping, levels, deadlines,
                     escalation ladder, follow-up, maintenance windows), loaded from server.yaml
    server.problems  what monitoring observes: problem fingerprints, observations, problem state
    server.tickets   the ticket, its lifecycle, manual transitions, escalation and follow-up
    server.faults    results -> tickets: damping, inhibition, open/update/resolve/reopen
Storage, HTTP and the processes around them call these functions (docs/server.md):
    server.config    server.yaml (+ environment) -> ServerConfig
    server.db, server.models, server.migrate, server/migrations/
                     engine and transactions (SQLite WAL / PostgreSQL), tables, Alembic
    server.storage   rows <-> tickets, problem states, outbox
    server.ingest    a batch of Results -> stored once, latest checks, faults -> tickets
    server.ticket_service   manual transitions and hotline registration in transactions
    server.scheduler SLA escalation and follow-up under a lease; the outbox sender
    server.auth      API tokens (SHA-256 stored) and roles
    server.app, server.routes, server.schemas, server.metrics   the HTTP API
    server.cli       `patrol-server serve | db upgrade | token create/list/revoke`
    server.notify    webhook and e-mail delivery (docs/notifications.md)
`server/` imports `checks/`, never `agent/` or `lab/`.
"""
