"""Rows <-> the ticket domain: tickets with their timelines, problem states, the outbox, ticket
numbers, and the dialect-specific INSERT ... ON CONFLICT the services need.

PUBLIC API (used by server.ingest, server.ticket_service, server.scheduler):
    insert_for(conn, table)                   dialect insert() with on_conflict_do_* support
    next_ticket_id(conn) -> "T-<n>"           lock-free sequence on PostgreSQL, counter on SQLite
    load_tickets(conn, ids, lock=False) -> {id: Ticket}   events included, ordered
    query_tickets(conn, where..., limit, offset) -> list[Ticket]
    hand_candidates(conn, devices, lock) -> {device: [Ticket]}   live, not yet monitored
    live_tickets_of(conn, devices) -> {device: [ticket id]}     live, oldest first
    insert_ticket(conn, ticket, now) / update_ticket(conn, before, after, now)
                                              update_ticket raises db.Conflict on a stale revision
    load_problem_states(conn, fingerprints, lock, create) -> {Fingerprint: ProblemState}
    device_problem_states(conn, devices, lock) -> {Fingerprint: ProblemState}   all their rows
    lock_devices(conn, devices)               serialise batches about the same devices
    insert_results(conn, rows) -> inserted ids; upsert_latest_checks(conn, rows)
    ResultsInsert(dialect, rows), LatestUpsert(dialect, rows)   the same, parameters made
                                              ready before the transaction; .run(conn)
    latest_observed(conn, [(device, check)]) -> {(device, check): observed_at}
    save_problem_states(conn, states)
    stored_unreachable(conn, devices) -> {device: bool}
    queue_notifications(conn, notes, now)     outbox rows, in the caller's transaction
    add_event(conn, ticket_id, at, kind, actor, note)

Every function runs inside the caller's transaction (a Connection); none commits.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any

import pydantic_core
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from checks.status import Status
from server.db import Conflict
from server.models import (
    TICKET_NUMBER_SEQUENCE,
    id_counters,
    latest_checks,
    outbox,
    problem_states,
    results,
    ticket_events,
    tickets,
)
from server.problems import Fingerprint, ProblemState, latest_reachability
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
    data = replace(ticket, events=()).to_dict()  # (the timeline has its own table)
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


def _tickets_from_rows(
    conn: Connection, rows: Sequence[Any], *, events: bool = True
) -> list[Ticket]:
    if not rows:
        return []
    if not events:
        return [Ticket.from_dict({**r.data, "events": []}) for r in rows]
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


def load_tickets(
    conn: Connection, ids: Iterable[str], *, lock: bool = False, events: bool = True
) -> dict[str, Ticket]:
    """The tickets with these ids; without `events` their timelines are left empty (enough to
    apply a change and write it: update_ticket writes the events added since loading)."""
    wanted = sorted(set(ids))
    rows: list[Any] = []
    for part in chunks(wanted):
        query = sa.select(tickets.c.id, tickets.c.data).where(tickets.c.id.in_(part))
        query = query.order_by(tickets.c.id)
        if lock:
            query = query.with_for_update()
        rows.extend(conn.execute(query).all())
    return {t.id: t for t in _tickets_from_rows(conn, rows, events=events)}


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


def live_tickets_of(conn: Connection, devices: Iterable[str]) -> dict[str, list[str]]:
    """The live (open .. on_site) tickets of these devices, oldest first, by device."""
    out: dict[str, list[str]] = {}
    for part in chunks(sorted(set(devices))):
        query = (
            sa.select(tickets.c.device, tickets.c.id)
            .where(tickets.c.device.in_(part), tickets.c.state.in_(ACTIVE_STATES))
            .order_by(tickets.c.number)
        )
        for device, ticket_id in conn.execute(query):
            out.setdefault(device, []).append(ticket_id)
    return out


def hand_candidates(
    conn: Connection, devices: Iterable[str], *, lock: bool = False, events: bool = True
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
    for ticket in sorted(
        _tickets_from_rows(conn, rows, events=events), key=lambda t: (t.opened_at, t.id)
    ):
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


# --- bulk statements --------------------------------------------------------------------------
#
# A batch touches thousands of rows. They are bound as ONE parameter, a JSON array of rows
# (serialised in one call), and unpacked by the database (PostgreSQL: jsonb_array_elements,
# SQLite: json_each): each statement stays short and constant, so the driver parses (and
# PostgreSQL plans) it once, and the per-row work is the database's. `IN ((a, b, c), ...)`
# with thousands of rows or a multi-row VALUES is new SQL every time (parsed, compiled and its
# parameters processed one by one in Python), and so are PostgreSQL arrays of text (escaped in
# Python by the driver).
#
# Column kinds: "text", "integer", "timestamptz" (the value already in its stored form, see
# _time_binder) and "json" (an object or array, nested as it is in the JSON row: SQLite stores
# its text, PostgreSQL its jsonb). The rows are encoded by pydantic-core's encoder in one call
# (datetimes inside a JSON value become ISO 8601 text).

_STATE_KEY = (("device", "text"), ("check", "text"), ("item", "text"))
_STATE_VALUES = (
    ("consecutive", "integer"),
    ("last_status", "text"),
    ("last_summary", "text"),
    ("last_seen_at", "timestamptz"),
    ("failing_since", "timestamptz"),
    ("ok_since", "timestamptz"),
    ("ticket_id", "text"),
)
_PG_FIELD = {
    "text": "v->>{i}",
    "integer": "CAST(v->>{i} AS integer)",
    "timestamptz": "CAST(v->>{i} AS timestamptz)",
    "json": "v->{i}",
}


def _q(name: str) -> str:
    return f'"{name}"'


def bulk_supported(conn: Connection) -> bool:
    """PostgreSQL, or SQLite with row values, UPDATE ... FROM and JSON built in (3.38+; Debian
    12 has 3.40): otherwise the portable statements below are used."""
    if conn.dialect.name == "postgresql":
        return True
    import sqlite3

    return conn.dialect.name == "sqlite" and sqlite3.sqlite_version_info >= (3, 38)


def bulk_source(
    conn: Connection | str,
    alias: str,
    columns: Sequence[tuple[str, str]],
    rows: Sequence[Sequence[Any]],
) -> tuple[str, dict[str, Any]]:
    """SQL for a derived table `alias(columns...)` holding `rows` (tuples in the order of
    `columns`, (name, kind) pairs), and its one parameter (`conn`: a connection or the name
    of its dialect)."""
    if _dialect(conn) == "postgresql":
        fields = ", ".join(
            f"{_PG_FIELD[kind].format(i=i)} AS {_q(name)}" for i, (name, kind) in enumerate(columns)
        )
        # jsonb: parsed once into its binary form; with json, each nested value taken out
        # was parsed again (twice the database's CPU for a batch of results).
        source = f"(SELECT {fields} FROM jsonb_array_elements(CAST(:{alias} AS jsonb)) AS e(v))"
    else:
        fields = ", ".join(
            f"json_extract(value, '$[{i}]') AS {_q(name)}" for i, (name, _) in enumerate(columns)
        )
        source = f"(SELECT {fields} FROM json_each(:{alias}))"
    return f"{source} AS {alias}", {alias: pydantic_core.to_json(rows).decode()}


_RESULT_COLUMNS = (
    ("id", "text"),
    ("device", "text"),
    ("check", "text"),
    ("status", "text"),
    ("observed_at", "timestamptz"),
    ("received_at", "timestamptz"),
    ("payload", "json"),
)
_LATEST_COLUMNS = (
    ("device", "text"),
    ("check", "text"),
    ("status", "text"),
    ("summary", "text"),
    ("observed_at", "timestamptz"),
    ("result_id", "text"),
    ("items", "json"),
)


class ResultsInsert:
    """INSERT of `results` rows ON CONFLICT (id) DO NOTHING, its parameters made ready at
    construction, before the transaction (so, in the server, outside the writer's lock while
    another batch is being written); run(conn) -> the ids actually inserted (the others were
    stored already)."""

    def __init__(self, dialect: str, rows: Sequence[Mapping[str, Any]]):
        self.dialect = dialect
        self.rows = rows
        self.ids = [r["id"] for r in rows]
        time = _time_binder(dialect)
        if dialect == "sqlite":
            # SQLite runs in this process: unpacking one JSON parameter (json_each, then
            # json_extract rendering each payload again) cost twice what the sqlite3 module's
            # executemany of ready tuples does.
            fresh: dict[str, tuple[Any, ...]] = {}
            for r in rows:
                fresh.setdefault(
                    r["id"],
                    (
                        r["id"],
                        r["device"],
                        r["check"],
                        r["status"],
                        time(r["observed_at"]),
                        time(r["received_at"]),
                        pydantic_core.to_json(r["payload"]).decode(),
                    ),
                )
            self.tuples = fresh
        elif dialect == "postgresql":
            self.source, self.params = bulk_source(
                dialect,
                "r",
                _RESULT_COLUMNS,
                [
                    (
                        r["id"],
                        r["device"],
                        r["check"],
                        r["status"],
                        time(r["observed_at"]),
                        time(r["received_at"]),
                        r["payload"],
                    )
                    for r in rows
                ],
            )

    def run(self, conn: Connection) -> set[str]:
        if not self.rows:
            return set()
        names = ", ".join(_q(name) for name, _ in _RESULT_COLUMNS)
        if not bulk_supported(conn):
            # One cached statement, many parameter sets (insertmanyvalues).
            query = (
                insert_for(conn, results)
                .on_conflict_do_nothing(index_elements=["id"])
                .returning(results.c.id)
            )
            rows = [{**r, "payload": _plain(r["payload"])} for r in self.rows]
            return set(conn.execute(query, rows).scalars())
        if conn.dialect.name == "sqlite":
            # One writer at a time: the ids found stored cannot change before the INSERT.
            stored = set(
                conn.exec_driver_sql(
                    "SELECT id FROM results WHERE id IN (SELECT value FROM json_each(?))",
                    (json.dumps(self.ids),),
                ).scalars()
            )
            fresh = [row for rid, row in self.tuples.items() if rid not in stored]
            if fresh:
                conn.exec_driver_sql(
                    f"INSERT INTO results ({names}) VALUES (?, ?, ?, ?, ?, ?, ?)", fresh
                )
            return {row[0] for row in fresh}
        query = sa.text(
            f"WITH ins AS (INSERT INTO results ({names}) SELECT {names} FROM {self.source} "
            # WHERE true: SQLite would read ON CONFLICT as a join constraint without it.
            "WHERE true ON CONFLICT (id) DO NOTHING RETURNING id) "
            # One row back, not one per result.
            "SELECT coalesce(array_agg(id), '{}') FROM ins"
        )
        return set(conn.execute(query, self.params).scalar_one())


def insert_results(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> set[str]:
    """INSERT the results rows (the `results` columns) ON CONFLICT (id) DO NOTHING: the ids
    actually inserted (the others were stored already)."""
    return ResultsInsert(conn.dialect.name, rows).run(conn)


def _plain(value: Any) -> Any:
    """A JSON value with its datetimes as ISO 8601 text (what the bulk encoder writes)."""
    return json.loads(pydantic_core.to_json(value))


class LatestUpsert:
    """Each row (the `latest_checks` columns, one per (device, check)) replaces the stored one
    unless that one was observed later; parameters made ready at construction, as
    ResultsInsert."""

    def __init__(self, dialect: str, rows: Sequence[Mapping[str, Any]]):
        self.rows = rows
        time = _time_binder(dialect)
        names = ", ".join(_q(name) for name, _ in _LATEST_COLUMNS)
        updates = ", ".join(f"{_q(n)} = excluded.{_q(n)}" for n, _ in _LATEST_COLUMNS[2:])
        conflict = (
            f'ON CONFLICT (device, "check") DO UPDATE SET {updates} '
            "WHERE latest_checks.observed_at <= excluded.observed_at"
        )
        if dialect == "sqlite":
            # (as ResultsInsert: ready tuples beat unpacking JSON in this process)
            self.statement = (
                f"INSERT INTO latest_checks ({names}) VALUES (?, ?, ?, ?, ?, ?, ?) {conflict}"
            )
            self.tuples = [
                (
                    r["device"],
                    r["check"],
                    r["status"],
                    r["summary"],
                    time(r["observed_at"]),
                    r["result_id"],
                    pydantic_core.to_json(r["items"]).decode(),
                )
                for r in rows
            ]
        elif dialect == "postgresql":
            source, self.params = bulk_source(
                dialect,
                "l",
                _LATEST_COLUMNS,
                [
                    (
                        r["device"],
                        r["check"],
                        r["status"],
                        r["summary"],
                        time(r["observed_at"]),
                        r["result_id"],
                        r["items"],
                    )
                    for r in rows
                ],
            )
            self.statement = (
                f"INSERT INTO latest_checks ({names}) SELECT {names} FROM {source} "
                f"WHERE true {conflict}"
            )

    def run(self, conn: Connection) -> None:
        if not self.rows:
            return
        if not bulk_supported(conn):
            insert = insert_for(conn, latest_checks)
            excluded = insert.excluded
            conn.execute(
                insert.on_conflict_do_update(
                    index_elements=["device", "check"],
                    set_={
                        "status": excluded.status,
                        "summary": excluded.summary,
                        "observed_at": excluded.observed_at,
                        "result_id": excluded.result_id,
                        "items": excluded["items"],
                    },
                    where=latest_checks.c.observed_at <= excluded.observed_at,
                ),
                list(self.rows),
            )
        elif conn.dialect.name == "sqlite":
            conn.exec_driver_sql(self.statement, self.tuples)
        else:
            conn.execute(sa.text(self.statement), self.params)


def upsert_latest_checks(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Each row (the `latest_checks` columns, one per (device, check)) replaces the stored one
    unless that one was observed later."""
    LatestUpsert(conn.dialect.name, rows).run(conn)


def latest_observed(
    conn: Connection, checks: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], datetime]:
    """When the stored latest result of each (device, check) was observed (absent: none)."""
    wanted = sorted(set(checks))
    if not wanted:
        return {}
    reader = _time_reader(conn)
    out: dict[tuple[str, str], datetime] = {}
    if bulk_supported(conn):
        source, params = bulk_source(conn, "c", _STATE_KEY[:2], wanted)
        query = sa.text(
            'SELECT l.device, l."check", l.observed_at FROM latest_checks AS l JOIN '
            f'{source} ON l.device = c.device AND l."check" = c."check"'
        )
        for device, check, observed in conn.execute(query, params):
            out[(device, check)] = reader(observed)
        return out
    key = sa.tuple_(latest_checks.c.device, latest_checks.c.check)
    for part in chunks(wanted):
        query = sa.select(
            latest_checks.c.device, latest_checks.c.check, latest_checks.c.observed_at
        ).where(key.in_(list(part)))
        for row in conn.execute(query):
            out[(row.device, row.check)] = row.observed_at
    return out


def _iso_aware(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r} cannot be stored (UTC is required)")
    return value.isoformat()


def _sqlite_time(value: datetime) -> str:
    """What UTCDateTime + SQLAlchemy's SQLite DATETIME store: naive UTC text to the
    microsecond, "2026-01-05 02:00:00.123456" (tests compare the two)."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r} cannot be stored (UTC is required)")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _memo(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """convert, remembering its answers for one call of the caller: the rows of a batch share
    a handful of times (every item of a result was observed at the same moment)."""
    seen: dict[Any, Any] = {}

    def get(value: Any) -> Any:
        try:
            return seen[value]
        except KeyError:
            seen[value] = answer = convert(value)
            return answer

    return get


def _dialect(conn: Connection | str) -> str:
    return conn if isinstance(conn, str) else conn.dialect.name


def _time_binder(conn: Connection | str) -> Callable[[datetime], str]:
    """datetime -> its text in a bulk row (SQLite: the text SQLAlchemy writes, so that text
    order stays time order; PostgreSQL: ISO 8601 with the offset, parsed as timestamptz)."""
    return _memo(_iso_aware if _dialect(conn) == "postgresql" else _sqlite_time)


def _time_reader(conn: Connection) -> Callable[[Any], datetime]:
    """A raw driver value -> an aware UTC datetime (what UTCDateTime returns)."""
    if conn.dialect.name == "postgresql":
        return _memo(lambda value: value.astimezone(UTC))
    return _memo(lambda text: datetime.fromisoformat(text).replace(tzinfo=UTC))


_STATUSES = {s.value: s for s in Status}
_fingerprint_order = attrgetter("device", "check", "item")  # Fingerprint's own order, in C


def load_problem_states(
    conn: Connection,
    fingerprints: Iterable[Fingerprint],
    *,
    lock: bool = False,
    create: bool = False,
) -> dict[Fingerprint, ProblemState]:
    """The states of these problems; `create` inserts the missing ones first (so that they can
    be locked too), `lock` takes their row locks in a fixed (sorted) order."""
    wanted = sorted(set(fingerprints), key=_fingerprint_order)
    if not wanted:
        return {}
    if bulk_supported(conn):
        return _load_problem_states_bulk(conn, wanted, lock=lock, create=create)
    out: dict[Fingerprint, ProblemState] = {}
    key = sa.tuple_(problem_states.c.device, problem_states.c.check, problem_states.c.item)
    if create:
        # executemany of one cached statement (not .values(rows), compiled anew each time).
        conn.execute(
            insert_for(conn, problem_states).on_conflict_do_nothing(),
            [
                {"device": f.device, "check": f.check, "item": f.item, "last_summary": ""}
                for f in wanted
            ],
        )
    for part in chunks(wanted):
        out.update(_states_where(conn, key.in_([(f.device, f.check, f.item) for f in part]), lock))
    return out


def _states_where(conn: Connection, condition: Any, lock: bool) -> dict[Fingerprint, ProblemState]:
    """The portable way: problem rows matching `condition`, in (device, check, item) order."""
    query = (
        sa.select(problem_states)
        .where(condition)
        .order_by(problem_states.c.device, problem_states.c.check, problem_states.c.item)
    )
    if lock:
        query = query.with_for_update()
    out: dict[Fingerprint, ProblemState] = {}
    for row in conn.execute(query):
        state = _state_from_row(row)
        out[state.fingerprint] = state
    return out


def _load_problem_states_bulk(
    conn: Connection, wanted: list[Fingerprint], *, lock: bool, create: bool
) -> dict[Fingerprint, ProblemState]:
    keys = [(f.device, f.check, f.item) for f in wanted]
    source, params = bulk_source(conn, "k", _STATE_KEY, keys)
    if create:
        conn.execute(
            sa.text(
                'INSERT INTO problem_states (device, "check", item, last_summary) '
                f"SELECT k.device, k.\"check\", k.item, '' FROM {source} "
                # WHERE true: SQLite would read ON CONFLICT as a join constraint without it.
                'WHERE true ORDER BY k.device, k."check", k.item ON CONFLICT DO NOTHING'
            ),
            params,
        )
    columns = ", ".join(f"p.{_q(name)}" for name, _ in _STATE_KEY + _STATE_VALUES)
    query = sa.text(
        f"SELECT {columns} FROM problem_states AS p JOIN {source} "
        'ON p.device = k.device AND p."check" = k."check" AND p.item = k.item '
        'ORDER BY p.device, p."check", p.item'
        + (" FOR UPDATE OF p" if lock and conn.dialect.name == "postgresql" else "")
    )
    return _states_from_raw(conn, conn.execute(query, params))


def _states_from_raw(conn: Connection, rows: Iterable[Any]) -> dict[Fingerprint, ProblemState]:
    # Raw driver rows, converted here: SQLAlchemy's per-value result processing was a third
    # of the loading's cost.
    time = _time_reader(conn)
    out: dict[Fingerprint, ProblemState] = {}
    for (
        device,
        check,
        item,
        consecutive,
        status,
        summary,
        seen,
        failing,
        ok,
        ticket,
    ) in rows:
        state = ProblemState(
            device=device,
            check=check,
            item=item,
            consecutive=consecutive,
            last_status=_STATUSES[status] if status else None,
            last_summary=summary,
            last_seen_at=None if seen is None else time(seen),
            failing_since=None if failing is None else time(failing),
            ok_since=None if ok is None else time(ok),
            ticket_id=ticket,
        )
        out[Fingerprint(device, check, item)] = state
    return out


def device_problem_states(
    conn: Connection, devices: Iterable[str], *, lock: bool = False
) -> dict[Fingerprint, ProblemState]:
    """Every stored problem of these devices (a problem has a row once it was seen failing),
    row-locked in (device, check, item) order when `lock`."""
    wanted = sorted(set(devices))
    if not wanted:
        return {}
    if not bulk_supported(conn):
        out: dict[Fingerprint, ProblemState] = {}
        for part in chunks(wanted):
            out.update(_states_where(conn, problem_states.c.device.in_(part), lock))
        return out
    source, params = bulk_source(conn, "d", _STATE_KEY[:1], [(d,) for d in wanted])
    columns = ", ".join(f"p.{_q(name)}" for name, _ in _STATE_KEY + _STATE_VALUES)
    query = sa.text(
        f"SELECT {columns} FROM problem_states AS p WHERE p.device IN "
        f"(SELECT d.device FROM {source}) "
        'ORDER BY p.device, p."check", p.item'
        + (" FOR UPDATE OF p" if lock and conn.dialect.name == "postgresql" else "")
    )
    return _states_from_raw(conn, conn.execute(query, params))


def lock_devices(conn: Connection, devices: Iterable[str]) -> None:
    """Serialise the transactions about these devices across processes until commit
    (PostgreSQL: transaction-scoped advisory locks, taken in name order so that two batches
    cannot deadlock; SQLite has one writer at a time anyway). Ingestion needs it because a
    problem that has never failed has no row to lock."""
    wanted = sorted(set(devices))
    if conn.dialect.name != "postgresql" or not wanted:
        return
    conn.execute(
        sa.text(
            "SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtextextended(d, 0) AS k "
            "FROM json_array_elements_text(CAST(:d AS json)) AS t(d) ORDER BY k) AS s"
        ),
        {"d": pydantic_core.to_json(wanted).decode()},
    )


def save_problem_states(conn: Connection, states: Iterable[ProblemState]) -> None:
    if bulk_supported(conn):
        _save_problem_states_bulk(conn, list(states))
        return
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


def _save_problem_states_bulk(conn: Connection, states: list[ProblemState]) -> None:
    if not states:
        return
    time = _time_binder(conn)
    rows = [
        (
            s.device,
            s.check,
            s.item,
            s.consecutive,
            s.last_status.value if s.last_status else None,
            s.last_summary,
            None if s.last_seen_at is None else time(s.last_seen_at),
            None if s.failing_since is None else time(s.failing_since),
            None if s.ok_since is None else time(s.ok_since),
            s.ticket_id,
        )
        for s in states
    ]
    source, params = bulk_source(conn, "u", _STATE_KEY + _STATE_VALUES, rows)
    assignments = ", ".join(f"{_q(name)} = u.{_q(name)}" for name, _ in _STATE_VALUES)
    conn.execute(
        sa.text(
            f"UPDATE problem_states SET {assignments} FROM {source} "
            'WHERE problem_states.device = u.device AND problem_states."check" = u."check" '
            "AND problem_states.item = u.item"
        ),
        params,
    )


def problem_state(conn: Connection, fingerprint: Fingerprint) -> ProblemState | None:
    return load_problem_states(conn, [fingerprint]).get(fingerprint)


def stored_unreachable(conn: Connection, devices: Iterable[str]) -> dict[str, bool]:
    """Per device: is its latest stored reachability result (of any `*.reachability` check,
    from latest_checks) CRITICAL? Devices without one are absent."""
    readings: list[tuple[str, str, datetime, Status]] = []
    for part in chunks(sorted(set(devices))):
        query = sa.select(
            latest_checks.c.device,
            latest_checks.c.check,
            latest_checks.c.observed_at,
            latest_checks.c.status,
        ).where(
            latest_checks.c.device.in_(part),
            sa.or_(
                latest_checks.c.check == "reachability",
                latest_checks.c.check.like("%.reachability"),
            ),
        )
        readings.extend(
            (device, check, observed, _STATUSES[status])
            for device, check, observed, status in conn.execute(query)
        )
    return latest_reachability(readings)


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
        data = replace(ticket, events=()).to_dict()
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
