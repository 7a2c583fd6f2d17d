"""Rows <-> the ticket domain: tickets with their timelines, problem states, the outbox, ticket
numbers, and the dialect-specific INSERT ... ON CONFLICT the services need.

PUBLIC API (used by server.ingest, server.ticket_service, server.scheduler):
    insert_for(conn, table)                   dialect insert() with on_conflict_do_* support
    next_ticket_id(conn) -> "T-<n>"           lock-free sequence on PostgreSQL, counter on SQLite
    load_tickets(conn, ids, lock=False) -> {id: Ticket}   events included, ordered
    query_tickets(conn, where..., limit, offset) -> list[Ticket]
    hand_candidates(conn, devices, lock) -> {device: [Ticket]}   live, not yet monitored
    insert_ticket(conn, ticket, now) / update_ticket(conn, before, after, now)
                                              update_ticket raises db.Conflict on a stale revision
    load_problem_states(conn, fingerprints, lock, create) -> {Fingerprint: ProblemState}
    save_problem_states(conn, states)
    stored_unreachable(conn, devices) -> {device: bool}
    queue_notifications(conn, notes, now)     outbox rows, in the caller's transaction
    add_event(conn, ticket_id, at, kind, actor, note)

Every function runs inside the caller's transaction (a Connection); none commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from checks.status import Status
from server.db import Conflict
from server.models import (
    TICKET_NUMBER_SEQUENCE,
    id_counters,
    outbox,
    problem_states,
    ticket_events,
    tickets,
)
from server.policy import is_reachability
from server.problems import Fingerprint, ProblemState, means_unreachable
from server.tickets import ACTIVE_ORDER, Event, Notify, Ticket

CHUNK = 500  # rows per statement: well under SQLite's and PostgreSQL's parameter limits
ACTIVE_STATES = tuple(s.value for s in ACTIVE_ORDER)


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def insert_for(conn: Connection, table: sa.Table) -> Any:
    """INSERT with .on_conflict_do_nothing / .on_conflict_do_update for this dialect."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


# --- tickets --------------------------------------------------------------------------------


def next_ticket_id(conn: Connection) -> str:
    if conn.dialect.name == "postgresql":
        number = conn.execute(sa.text(f"SELECT nextval('{TICKET_NUMBER_SEQUENCE}')")).scalar_one()
    else:
        number = conn.execute(
            sa.update(id_counters)
            .where(id_counters.c.name == "ticket")
            .values(value=id_counters.c.value + 1)
            .returning(id_counters.c.value)
        ).scalar_one()
    return f"T-{number}"


def ticket_number(ticket_id: str) -> int:
    return int(ticket_id.removeprefix("T-"))


def _row(ticket: Ticket, now: datetime) -> dict[str, Any]:
    data = ticket.to_dict()
    data.pop("events")
    return {
        "id": ticket.id,
        "number": ticket_number(ticket.id),
        "customer": ticket.customer,
        "site": ticket.site,
        "zone": ticket.zone,
        "device": ticket.device,
        "check": ticket.check,
        "item": ticket.item or "",
        "level": ticket.level,
        "state": ticket.state.value,
        "source": ticket.source,
        "monitored": ticket.monitored,
        "escalation_step": ticket.escalation_step,
        "opened_at": ticket.opened_at,
        "response_due": ticket.response_due,
        "onsite_due": ticket.onsite_due,
        "resolved_at": ticket.resolved_at,
        "updated_at": now,
        "revision": ticket.revision,
        "data": data,
    }


def _events_rows(ticket_id: str, events: Iterable[Event]) -> list[dict[str, Any]]:
    return [
        {"ticket_id": ticket_id, "at": e.at, "kind": e.kind, "actor": e.actor, "note": e.note}
        for e in events
    ]


def insert_ticket(conn: Connection, ticket: Ticket, now: datetime) -> None:
    conn.execute(sa.insert(tickets), [_row(ticket, now)])
    if ticket.events:
        conn.execute(sa.insert(ticket_events), _events_rows(ticket.id, ticket.events))


def update_ticket(conn: Connection, before: Ticket, after: Ticket, now: datetime) -> None:
    """Write `after` over `before` (as loaded); its new events are those past before's."""
    if after.revision == before.revision:
        return
    row = _row(after, now)
    row.pop("id")
    row.pop("number")
    done = conn.execute(
        sa.update(tickets)
        .where(tickets.c.id == after.id, tickets.c.revision == before.revision)
        .values(**row)
    )
    if done.rowcount != 1:
        raise Conflict(f"ticket {after.id} changed meanwhile (revision {before.revision})")
    new_events = after.events[len(before.events) :]
    if new_events:
        conn.execute(sa.insert(ticket_events), _events_rows(after.id, new_events))


def add_event(
    conn: Connection, ticket_id: str, at: datetime, kind: str, actor: str, note: str
) -> None:
    conn.execute(
        sa.insert(ticket_events).values(
            ticket_id=ticket_id, at=at, kind=kind, actor=actor, note=note
        )
    )


def _tickets_from_rows(conn: Connection, rows: Sequence[Any]) -> list[Ticket]:
    if not rows:
        return []
    ids = [r.id for r in rows]
    events: dict[str, list[Event]] = {i: [] for i in ids}
    for part in chunks(ids):
        for e in conn.execute(
            sa.select(
                ticket_events.c.ticket_id,
                ticket_events.c.at,
                ticket_events.c.kind,
                ticket_events.c.actor,
                ticket_events.c.note,
            )
            .where(ticket_events.c.ticket_id.in_(part))
            .order_by(ticket_events.c.id)
        ):
            events[e.ticket_id].append(Event(e.at, e.kind, e.actor, e.note))
    out = []
    for r in rows:
        ticket = Ticket.from_dict({**r.data, "events": []})
        out.append(replace(ticket, events=tuple(events[r.id])))
    return out


def load_tickets(conn: Connection, ids: Iterable[str], *, lock: bool = False) -> dict[str, Ticket]:
    wanted = sorted(set(ids))
    rows: list[Any] = []
    for part in chunks(wanted):
        query = sa.select(tickets.c.id, tickets.c.data).where(tickets.c.id.in_(part))
        query = query.order_by(tickets.c.id)
        if lock:
            query = query.with_for_update()
        rows.extend(conn.execute(query).all())
    return {t.id: t for t in _tickets_from_rows(conn, rows)}


def query_tickets(
    conn: Connection,
    *,
    device: str | None = None,
    customer: str | None = None,
    states: Sequence[str] | None = None,
    level: int | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[Ticket]:
    query = sa.select(tickets.c.id, tickets.c.data)
    if device is not None:
        query = query.where(tickets.c.device == device)
    if customer is not None:
        query = query.where(tickets.c.customer == customer)
    if states:
        query = query.where(tickets.c.state.in_(list(states)))
    if level is not None:
        query = query.where(tickets.c.level == level)
    query = query.order_by(tickets.c.number.desc()).limit(limit).offset(offset)
    return _tickets_from_rows(conn, conn.execute(query).all())


def hand_candidates(
    conn: Connection, devices: Iterable[str], *, lock: bool = False
) -> dict[str, list[Ticket]]:
    """Live hand-registered tickets not yet linked to a problem, per device, oldest first."""
    wanted = sorted(set(devices))
    rows: list[Any] = []
    for part in chunks(wanted):
        query = (
            sa.select(tickets.c.id, tickets.c.data)
            .where(
                tickets.c.device.in_(part),
                tickets.c.monitored.is_(False),
                tickets.c.state.in_(ACTIVE_STATES),
            )
            .order_by(tickets.c.id)
        )
        if lock:
            query = query.with_for_update()
        rows.extend(conn.execute(query).all())
    out: dict[str, list[Ticket]] = {}
    for ticket in sorted(_tickets_from_rows(conn, rows), key=lambda t: (t.opened_at, t.id)):
        assert ticket.device is not None
        out.setdefault(ticket.device, []).append(ticket)
    return out


# --- problem states -------------------------------------------------------------------------


def _state_from_row(row: Any) -> ProblemState:
    return ProblemState(
        device=row.device,
        check=row.check,
        item=row.item,
        consecutive=row.consecutive,
        last_status=Status(row.last_status) if row.last_status else None,
        last_summary=row.last_summary,
        last_seen_at=row.last_seen_at,
        failing_since=row.failing_since,
        ok_since=row.ok_since,
        ticket_id=row.ticket_id,
    )


def _state_values(state: ProblemState) -> dict[str, Any]:
    return {
        "consecutive": state.consecutive,
        "last_status": state.last_status.value if state.last_status else None,
        "last_summary": state.last_summary,
        "last_seen_at": state.last_seen_at,
        "failing_since": state.failing_since,
        "ok_since": state.ok_since,
        "ticket_id": state.ticket_id,
    }


def load_problem_states(
    conn: Connection,
    fingerprints: Iterable[Fingerprint],
    *,
    lock: bool = False,
    create: bool = False,
) -> dict[Fingerprint, ProblemState]:
    """The states of these problems; `create` inserts the missing ones first (so that they can
    be locked too), `lock` takes their row locks in a fixed (sorted) order."""
    wanted = sorted(set(fingerprints))
    out: dict[Fingerprint, ProblemState] = {}
    key = sa.tuple_(problem_states.c.device, problem_states.c.check, problem_states.c.item)
    if create and wanted:
        # executemany of one cached statement (not .values(rows), compiled anew each time).
        conn.execute(
            insert_for(conn, problem_states).on_conflict_do_nothing(),
            [
                {"device": f.device, "check": f.check, "item": f.item, "last_summary": ""}
                for f in wanted
            ],
        )
    for part in chunks(wanted):
        query = (
            sa.select(problem_states)
            .where(key.in_([(f.device, f.check, f.item) for f in part]))
            .order_by(problem_states.c.device, problem_states.c.check, problem_states.c.item)
        )
        if lock:
            query = query.with_for_update()
        for row in conn.execute(query):
            state = _state_from_row(row)
            out[state.fingerprint] = state
    return out


def save_problem_states(conn: Connection, states: Iterable[ProblemState]) -> None:
    rows = [
        {
            "b_device": s.device,
            "b_check": s.check,
            "b_item": s.item,
            **_state_values(s),
        }
        for s in states
    ]
    if not rows:
        return
    conn.execute(
        sa.update(problem_states)
        .where(
            problem_states.c.device == sa.bindparam("b_device"),
            problem_states.c.check == sa.bindparam("b_check"),
            problem_states.c.item == sa.bindparam("b_item"),
        )
        .values({k: sa.bindparam(k) for k in _state_values(ProblemState("", ""))}),
        rows,
    )


def problem_state(conn: Connection, fingerprint: Fingerprint) -> ProblemState | None:
    return load_problem_states(conn, [fingerprint]).get(fingerprint)


def stored_unreachable(conn: Connection, devices: Iterable[str]) -> dict[str, bool]:
    """Per device: is its latest stored reachability problem CRITICAL? (absent: no state)."""
    wanted = sorted(set(devices))
    latest: dict[str, ProblemState] = {}
    for part in chunks(wanted):
        query = sa.select(problem_states).where(
            problem_states.c.device.in_(part),
            problem_states.c.item == "",
            sa.or_(
                problem_states.c.check == "reachability",
                problem_states.c.check.like("%.reachability"),
            ),
            problem_states.c.last_seen_at.is_not(None),
        )
        for row in conn.execute(query):
            state = _state_from_row(row)
            if not is_reachability(state.check) or state.last_status is None:
                continue
            seen = latest.get(state.device)
            assert state.last_seen_at is not None
            if seen is None or (seen.last_seen_at and state.last_seen_at >= seen.last_seen_at):
                latest[state.device] = state
    return {
        device: means_unreachable(s.check, s.last_status)  # type: ignore[arg-type]
        for device, s in latest.items()
    }


# --- outbox ---------------------------------------------------------------------------------


def queue_notifications(
    conn: Connection,
    notes: Sequence[Notify],
    now: datetime,
    tickets_by_id: Mapping[str, Ticket] | None = None,
) -> None:
    """Notifications to send, written in the same transaction as the ticket change that
    caused them; the sender loop routes and delivers them later (never on the request path).
    `tickets_by_id` gives the ticket as it is after the change (the message's facts)."""
    if not notes:
        return

    def snapshot(ticket_id: str) -> dict[str, Any] | None:
        ticket = (tickets_by_id or {}).get(ticket_id)
        if ticket is None:
            return None
        data = ticket.to_dict()
        data.pop("events")
        return data

    conn.execute(
        sa.insert(outbox),
        [
            {
                "ticket_id": n.ticket_id,
                "target": None,
                "reason": n.reason,
                "roles": list(n.roles),
                "subject": n.subject,
                "body": n.body,
                "ticket": snapshot(n.ticket_id),
                "state": "pending",
                "attempts": 0,
                "next_try_at": now,
                "created_at": now,
            }
            for n in notes
        ],
    )


def ticket_ids_in_states(conn: Connection, states: Sequence[str]) -> list[str]:
    return list(
        conn.execute(
            sa.select(tickets.c.id).where(tickets.c.state.in_(list(states))).order_by(tickets.c.id)
        ).scalars()
    )


def as_mapping(row: Any) -> Mapping[str, Any]:
    return dict(row._mapping)
