"""Patrol's central server: ingest, device health, fault tickets, SLA and escalation.

The ticket domain is pure (no database, no HTTP, no threads; the clock is an argument):
    server.policy    the service contract as configurable policy (damping, levels, deadlines,
                     escalation ladder, follow-up, maintenance windows), loaded from server.yaml
    server.problems  what monitoring observes: problem fingerprints, observations, problem state
    server.tickets   the ticket, its lifecycle, manual transitions, escalation and follow-up
    server.faults    results -> tickets: damping, inhibition, open/update/resolve/reopen
Storage and HTTP live in their own modules and call these functions; see docs/tickets.md.
`server/` imports `checks/`, never `agent/` or `lab/`.
"""
