"""Ingesting a batch of Results: stored once, the device view updated, faults -> tickets, all in
one transaction.

PUBLIC API:
    Ingestor(db, policy, directory, clock)
    Ingestor.authorize(results, customer=None)   raises Forbidden (device outside the agent's
                                                 customer, or not in the inventory)
    Ingestor.ingest(results) -> IngestReport     accepted, duplicates, opened/changed tickets
    Forbidden(reason)

The results come in their validated wire form (server.schemas.ResultWire, what POST
/api/v1/results parses); Result objects are converted first.

Before the transaction (so, in the server, while another batch holds the writer): the rows to
insert are made ready (payload JSON, stored time text) and the batch indexed by check.

One transaction per batch (Database.run, retried from scratch when it lost a race):
  1. INSERT the results ON CONFLICT (id) DO NOTHING RETURNING id: a result already stored (or
     twice in the batch) is a duplicate and changes nothing else; replaying a batch is harmless.
  2. Faults. A problem (device + check + item) has a row once it has been seen failing; most
     results report nothing but OK about problems that never failed, and those change nothing,
     so they cost no row and no rule. The batch's devices are locked first (PostgreSQL advisory
     locks, in name order: two processes never judge the same device at once, which also
     covers problems that have no row yet), then their stored problems (SELECT ... FOR UPDATE).
     Every result of a check with a stored problem or a failure in the batch becomes
     observations; those of stored problems and the failures are judged, the missing rows
     created (a problem never seen before counts as seen OK when its check's latest stored
     result was observed, so a late, older failure is stale as it would have been with a row).
     Reachability results are applied first; each observation goes through
     server.faults.apply_result with DeviceContext.unreachable from the batch's latest
     reachability result (problems.wire_unreachable_in) or else the device's latest stored one
     (latest_checks: a reachability check that never failed has no row); the changed problems
     and tickets are written (ticket UPDATE checks the revision), new tickets inserted (the
     partial unique index uq_tickets_live_fingerprint refuses a second live ticket for a
     problem: the loser retries and finds the winner's), Notify actions go to the outbox.
  3. Upsert latest_checks (device, check) with the newest result of each check (after step 2,
     which reads the latest stored before this batch).
Nothing is committed piecemeal: the API answers 200 only after the commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from checks.result import Result
from checks.status import Status
from server import faults, storage
from server.clock import Clock
from server.db import Database
from server.directory import Directory
from server.models import results
from server.policy import Policy, is_reachability
from server.problems import (
    Fingerprint,
    Observation,
    ProblemState,
    wire_all_ok,
    wire_observations,
    wire_unreachable_in,
)
from server.schemas import ResultWire, wire_of
from server.tickets import Notify, Ticket


class Forbidden(Exception):
    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


@dataclass
class IngestReport:
    accepted: int = 0
    duplicates: int = 0
    opened: list[str] = field(default_factory=list)  # ticket ids opened by this batch
    changed: list[str] = field(default_factory=list)  # existing tickets changed
    held_back: dict[str, int] = field(default_factory=dict)  # reason -> observations
    notifications: int = 0


@dataclass(frozen=True)
class _Prepared:
    batch: list[ResultWire]  # without the duplicates within it
    results: storage.ResultsInsert
    latest: storage.LatestUpsert
    devices: list[str]  # sorted
    by_check: dict[tuple[str, str], list[ResultWire]]  # (device, check) -> its results
    failing: list[ResultWire]  # the results that report something not OK
    reachability: list[ResultWire]  # the *.reachability results


def _wire(batch: Sequence[ResultWire | Result]) -> list[ResultWire]:
    return [wire_of(r) if isinstance(r, Result) else r for r in batch]


class Ingestor:
    def __init__(self, db: Database, policy: Policy, directory: Directory, clock: Clock):
        self.db = db
        self.policy = policy
        self.directory = directory
        self.clock = clock

    def authorize(self, batch: Sequence[ResultWire | Result], customer: str | None = None) -> None:
        """Every result must be about a device of the inventory, of the agent's customer when
        the caller is an agent."""
        for index, result in enumerate(_wire(batch)):
            name = result["device"]
            device = self.directory.device(name)
            if device is None:
                raise Forbidden(f"results[{index}]: device {name!r} is not in the inventory")
            if customer is not None and device.customer != customer:
                raise Forbidden(
                    f"results[{index}]: device {name!r} does not belong to customer {customer!r}"
                )

    def ingest(self, batch: Sequence[ResultWire | Result]) -> IngestReport:
        now = self.clock.now()
        unique: dict[str, ResultWire] = {}
        for result in _wire(batch):
            unique.setdefault(result["id"], result)
        in_batch_duplicates = len(batch) - len(unique)
        prepared = self._prepare(list(unique.values()), now)
        report = self.db.run(lambda conn: self._apply(conn, prepared, now))
        report.duplicates += in_batch_duplicates
        return report

    def _prepare(self, batch: list[ResultWire], now: datetime) -> _Prepared:
        """What does not need the database, done before the transaction: in the server this
        runs while another batch holds the writer, so the two overlap."""
        dialect = self.db.dialect
        results = storage.ResultsInsert(
            dialect,
            [
                {
                    "id": r["id"],
                    "device": r["device"],
                    "check": r["check"],
                    "status": r["status"],
                    "observed_at": r["observed_at"],
                    "received_at": now,
                    "payload": r,
                }
                for r in batch
            ],
        )
        by_check: dict[tuple[str, str], list[ResultWire]] = {}
        for r in batch:
            by_check.setdefault((r["device"], r["check"]), []).append(r)
        # The newest result of each check (of equals, the last sent). A duplicate among them is
        # harmless: the stored latest row is that result already, or a newer one.
        newest = [
            max(reversed(same_check), key=lambda r: r["observed_at"])
            for _, same_check in sorted(by_check.items())
        ]
        latest = storage.LatestUpsert(
            dialect,
            [
                {
                    "device": r["device"],
                    "check": r["check"],
                    "status": r["status"],
                    "summary": r["summary"],
                    "observed_at": r["observed_at"],
                    "result_id": r["id"],
                    "items": r["items"],
                }
                for r in newest
            ],
        )
        return _Prepared(
            batch,
            results,
            latest,
            devices=sorted({r["device"] for r in batch}),
            by_check=by_check,
            failing=[r for r in batch if not wire_all_ok(r)],
            reachability=[r for r in batch if is_reachability(r["check"])],
        )

    # --- the transaction ---

    def _apply(self, conn: Connection, prepared: _Prepared, now: datetime) -> IngestReport:
        report = IngestReport()
        inserted = prepared.results.run(conn)
        report.accepted = len(inserted)
        report.duplicates = len(prepared.batch) - len(inserted)
        if inserted:
            self._faults(conn, prepared, inserted, now, report)
            prepared.latest.run(conn)  # after the faults: they read the latest stored before
        return report

    def _judged(
        self, prepared: _Prepared, inserted: set[str], known: dict[Fingerprint, ProblemState]
    ) -> list[Observation]:
        """The observations that can change something, in the order they are applied: those of
        stored problems and the failures. Every result of a check with either is turned into
        observations (an OK after a failure in the same batch must count). Only the results
        just stored count (a duplicate was applied when it first came)."""
        hot = {(fp.device, fp.check) for fp in known}
        hot.update((r["device"], r["check"]) for r in prepared.failing if r["id"] in inserted)
        chosen = [r for key in hot for r in prepared.by_check.get(key, ()) if r["id"] in inserted]
        # Reachability first (it decides what the other results of the device may do), then in
        # the order the devices were observed: a result older than its problem's last one is
        # ignored as stale by the domain.
        chosen.sort(
            key=lambda r: (
                not is_reachability(r["check"]),
                r["observed_at"],
                r["device"],
                r["check"],
            )
        )
        per_check = {check: self.policy.per_check(check) for check in {r["check"] for r in chosen}}
        pending = [o for r in chosen for o in wire_observations(r, per_check=per_check[r["check"]])]
        failing = {o.fingerprint for o in pending if o.status is not Status.OK}
        return [o for o in pending if o.fingerprint in known or o.fingerprint in failing]

    def _faults(
        self,
        conn: Connection,
        prepared: _Prepared,
        inserted: set[str],
        now: datetime,
        report: IngestReport,
    ) -> None:
        # (the devices of the whole batch: one whose results were all duplicates is locked
        # and read for nothing, which is harmless)
        storage.lock_devices(conn, prepared.devices)
        known = storage.device_problem_states(conn, prepared.devices, lock=True)
        pending = self._judged(prepared, inserted, known)
        if not pending:
            return
        states = dict(known)
        missing = {o.fingerprint for o in pending} - states.keys()
        if missing:
            states.update(storage.load_problem_states(conn, missing, lock=True, create=True))
        self._first_seen(conn, states)
        before_states = dict(known)

        judged = {o.fingerprint for o in pending}
        ticket_ids = {s.ticket_id for fp, s in states.items() if s.ticket_id and fp in judged}
        # Without their timelines: the rules only append events (update_ticket writes those).
        tickets = storage.load_tickets(conn, ticket_ids, lock=True, events=False)
        judged_devices = sorted({o.fingerprint.device for o in pending})
        failing_devices = sorted(
            {o.fingerprint.device for o in pending if o.status is not Status.OK}
        )
        candidates = storage.hand_candidates(conn, failing_devices, lock=True, events=False)
        for listed in candidates.values():
            for ticket in listed:
                tickets.setdefault(ticket.id, ticket)
        loaded: dict[str, Ticket] = dict(tickets)

        # The device's latest reachability result decides: this batch's, else the latest stored
        # (latest_checks, not yet updated by this batch; a reachability check that never
        # failed has no problem row, but its OK counts).
        in_batch = wire_unreachable_in(r for r in prepared.reachability if r["id"] in inserted)
        unreachable = storage.stored_unreachable(
            conn, [d for d in judged_devices if d not in in_batch]
        )
        unreachable.update(in_batch)
        contexts = {}
        for device in judged_devices:
            context = self.directory.context(device, unreachable=unreachable.get(device, False))
            if context is None:  # authorize() let it in; the inventory changed under us
                raise ValueError(f"device {device!r} is not in the inventory")
            contexts[device] = context

        opened: list[str] = []
        notes: list[Notify] = []
        for obs in pending:
            fp: Fingerprint = obs.fingerprint
            problem: ProblemState = states[fp]
            ticket = tickets.get(problem.ticket_id) if problem.ticket_id else None
            hand = [tickets[t.id] for t in candidates.get(fp.device, [])]
            outcome = faults.apply_result(
                problem,
                obs,
                contexts[fp.device],
                self.policy,
                now,
                ticket=ticket,
                candidates=[t for t in hand if not t.monitored],
                new_id=lambda: storage.next_ticket_id(conn),
            )
            states[fp] = outcome.problem
            if outcome.held_back:
                report.held_back[outcome.held_back] = report.held_back.get(outcome.held_back, 0) + 1
            if outcome.ticket is not None:
                tickets[outcome.ticket.id] = outcome.ticket
                if any(isinstance(a, faults.OpenTicket) for a in outcome.actions):
                    opened.append(outcome.ticket.id)
            notes.extend(outcome.notifications)

        for ticket_id in opened:
            storage.insert_ticket(conn, tickets[ticket_id], now)
        changed = [
            tid
            for tid, ticket in tickets.items()
            if tid in loaded and ticket.revision != loaded[tid].revision
        ]
        for ticket_id in sorted(changed):
            storage.update_ticket(conn, loaded[ticket_id], tickets[ticket_id], now)
        storage.save_problem_states(
            conn, [s for fp, s in states.items() if s != before_states.get(fp)]
        )
        storage.queue_notifications(conn, notes, now, tickets)
        report.opened = opened
        report.changed = sorted(changed)
        report.notifications = len(notes)

    def _first_seen(self, conn: Connection, states: dict[Fingerprint, ProblemState]) -> None:
        """A problem never observed counts as seen OK when its check's latest stored result
        (before this batch) was observed: it was not failing then, or it would have a row. So
        a failure older than that result is stale, as it would be for a problem with a row."""
        fresh = [fp for fp, s in states.items() if s.last_seen_at is None]
        if not fresh:
            return
        seen = storage.latest_observed(conn, {(fp.device, fp.check) for fp in fresh})
        for fp in fresh:
            at = seen.get((fp.device, fp.check))
            if at is not None:
                states[fp] = replace(states[fp], last_status=Status.OK, last_seen_at=at)


def result_rows_for(conn: Connection, device: str, limit: int) -> list[dict[str, Any]]:
    """The device's most recent results, newest first (its history)."""
    rows = conn.execute(
        sa.select(
            results.c.id,
            results.c.check,
            results.c.status,
            results.c.observed_at,
            results.c.payload,
        )
        .where(results.c.device == device)
        .order_by(results.c.observed_at.desc(), results.c.id)
        .limit(limit)
    ).all()
    return [
        {
            "id": r.id,
            "check": r.check,
            "status": r.status,
            "summary": r.payload.get("summary", ""),
            "observed_at": r.observed_at,
        }
        for r in rows
    ]
