"""Ingesting a batch of Results: stored once, the device view updated, faults -> tickets, all in
one transaction.

PUBLIC API:
    Ingestor(db, policy, directory, clock)
    Ingestor.authorize(results, customer=None)   raises Forbidden (device outside the agent's
                                                 customer, or not in the inventory)
    Ingestor.ingest(results) -> IngestReport     accepted, duplicates, opened/changed tickets
    Forbidden(reason)

One transaction per batch (Database.run, retried from scratch when it lost a race):
  1. INSERT the results ON CONFLICT (id) DO NOTHING RETURNING id: a result already stored (or
     twice in the batch) is a duplicate and changes nothing else; replaying a batch is harmless.
  2. Upsert latest_checks (device, check) with the newest result of each check.
  3. Faults: the problem rows of every observation are created if missing and locked
     (SELECT ... FOR UPDATE, sorted: PostgreSQL serialises concurrent batches about the same
     problem; SQLite serialises every writer anyway), then their tickets and the device's live
     hand-registered tickets are locked; reachability results are applied first; each
     observation goes through server.faults.apply_result with DeviceContext.unreachable from
     the batch (problems.unreachable_in) or else the stored reachability state; the changed
     problems and tickets are written (ticket UPDATE checks the revision), new tickets inserted
     (the partial unique index uq_tickets_live_fingerprint refuses a second live ticket for a
     problem: the loser retries and finds the winner's), Notify actions go to the outbox.
Nothing is committed piecemeal: the API answers 200 only after the commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from checks.result import Result
from server import faults, storage
from server.clock import Clock
from server.db import Database
from server.directory import Directory
from server.models import results
from server.policy import Policy, is_reachability
from server.problems import Fingerprint, Observation, ProblemState, observations, unreachable_in
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


class Ingestor:
    def __init__(self, db: Database, policy: Policy, directory: Directory, clock: Clock):
        self.db = db
        self.policy = policy
        self.directory = directory
        self.clock = clock

    def authorize(self, batch: Sequence[Result], customer: str | None = None) -> None:
        """Every result must be about a device of the inventory, of the agent's customer when
        the caller is an agent."""
        for index, result in enumerate(batch):
            device = self.directory.device(result.device)
            if device is None:
                raise Forbidden(
                    f"results[{index}]: device {result.device!r} is not in the inventory"
                )
            if customer is not None and device.customer != customer:
                raise Forbidden(
                    f"results[{index}]: device {result.device!r} does not belong to customer "
                    f"{customer!r}"
                )

    def ingest(self, batch: Sequence[Result]) -> IngestReport:
        now = self.clock.now()
        unique: dict[str, Result] = {}
        for result in batch:
            unique.setdefault(result.id, result)
        in_batch_duplicates = len(batch) - len(unique)
        report = self.db.run(lambda conn: self._apply(conn, list(unique.values()), now))
        report.duplicates += in_batch_duplicates
        return report

    # --- the transaction ---

    def _apply(self, conn: Connection, batch: list[Result], now: datetime) -> IngestReport:
        report = IngestReport()
        stored = self._store(conn, batch, now)
        report.accepted = len(stored)
        report.duplicates = len(batch) - len(stored)
        if stored:
            self._update_latest(conn, stored)
            self._faults(conn, stored, now, report)
        return report

    def _store(self, conn: Connection, batch: list[Result], now: datetime) -> list[Result]:
        rows = [
            {
                "id": r.id,
                "device": r.device,
                "check": r.check,
                "status": r.status.value,
                "observed_at": r.observed_at,
                "received_at": now,
                "payload": r.to_dict(),
            }
            for r in batch
        ]
        inserted = storage.insert_results(conn, rows)
        return [r for r in batch if r.id in inserted]

    def _update_latest(self, conn: Connection, stored: list[Result]) -> None:
        newest: dict[tuple[str, str], Result] = {}
        for r in stored:
            key = (r.device, r.check)
            if key not in newest or r.observed_at >= newest[key].observed_at:
                newest[key] = r
        rows = [
            {
                "device": r.device,
                "check": r.check,
                "status": r.status.value,
                "summary": r.summary,
                "observed_at": r.observed_at,
                "result_id": r.id,
                "items": [i.to_dict() for i in r.items],
            }
            for r in sorted(newest.values(), key=lambda r: (r.device, r.check))
        ]
        storage.upsert_latest_checks(conn, rows)

    def _faults(
        self, conn: Connection, stored: list[Result], now: datetime, report: IngestReport
    ) -> None:
        # Reachability first (it decides what the other results of the device may do), then in
        # the order the devices were observed: a result older than its problem's last one is
        # ignored as stale by the domain.
        ordered = sorted(
            stored, key=lambda r: (not is_reachability(r.check), r.observed_at, r.device)
        )
        per_check = {check: self.policy.per_check(check) for check in {r.check for r in stored}}
        pending: list[Observation] = [
            o for r in ordered for o in observations(r, per_check=per_check[r.check])
        ]
        devices = sorted({r.device for r in stored})

        states = storage.load_problem_states(
            conn, (o.fingerprint for o in pending), lock=True, create=True
        )
        before_states = dict(states)
        ticket_ids = {s.ticket_id for s in states.values() if s.ticket_id}
        tickets = storage.load_tickets(conn, ticket_ids, lock=True)
        candidates = storage.hand_candidates(conn, devices, lock=True)
        for listed in candidates.values():
            for ticket in listed:
                tickets.setdefault(ticket.id, ticket)
        loaded: dict[str, Ticket] = dict(tickets)

        in_batch = unreachable_in(stored)
        unreachable = storage.stored_unreachable(conn, [d for d in devices if d not in in_batch])
        unreachable.update(in_batch)
        contexts = {}
        for device in devices:
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
