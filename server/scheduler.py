"""What the clock drives: SLA escalation and the follow-up (Scheduler), and the notification
outbox (Sender); plus the asyncio loops that run both inside every `serve` process.

PUBLIC API:
    Scheduler(db, policy, clock, holder=..., lease_s=...)
        .run_once() -> TickReport          one pass, if this process holds the lease
        .tick_ticket(ticket_id) -> bool    one ticket, in its own transaction
    Sender(db, notifier, clock, holder=...)
        .run_once() -> SendReport          route due messages to targets, deliver due attempts
    BackgroundLoops(scheduler, sender, interval_s, send_interval_s)   .start() / await .stop()
    process_holder() -> "host:pid:random"

Safe with several processes on one database:
- The scheduler pass runs where the lease row `leases.scheduler` was taken, by a conditional
  UPDATE (... WHERE expires_at <= now OR holder = me): one process at a time; a dead holder's
  lease expires and another takes over. Each ticket is then ticked in its own transaction under
  its row lock (FOR UPDATE SKIP LOCKED: a ticket someone is changing right now is ticked on the
  next pass), and server.tickets.tick is idempotent (a breach is identified by (kind, due)), so
  even two schedulers at once would record each breach once.
- The sender claims due outbox rows with FOR UPDATE SKIP LOCKED (PostgreSQL) and marks them
  `sending` until `claimed_until`, delivers outside any transaction (a slow SMTP server holds no
  lock), then records the attempt: `notified` or `notify_failed` on the ticket's timeline, and
  the next try from server.notify.next_retry_at. A message (target NULL) is first routed: one
  delivery row per target of its roles. A sender that died mid-delivery leaves rows whose claim
  expires and are tried again (a webhook receiver may see a message twice; its key, the row id,
  lets it drop the duplicate).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from server import storage
from server import tickets as t
from server.clock import Clock
from server.db import Database
from server.models import SCHEDULER_LEASE, leases, outbox
from server.policy import Policy
from server.tickets import ACTIVE_ORDER, Notify, State

log = logging.getLogger("patrol.scheduler")

TICKING_STATES = tuple(s.value for s in (*ACTIVE_ORDER, State.RESOLVED))
SENDER_ACTOR = "notifier"


def process_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class TickReport:
    ran: bool = False  # False: another process holds the lease
    ticked: int = 0
    changed: list[str] = field(default_factory=list)
    notifications: int = 0


class Scheduler:
    def __init__(
        self,
        db: Database,
        policy: Policy,
        clock: Clock,
        *,
        holder: str | None = None,
        lease_s: float = 90.0,
    ):
        self.db = db
        self.policy = policy
        self.clock = clock
        self.holder = holder or process_holder()
        self.lease = timedelta(seconds=lease_s)

    def take_lease(self, now: datetime) -> bool:
        def apply(conn: Connection) -> bool:
            done = conn.execute(
                sa.update(leases)
                .where(
                    leases.c.name == SCHEDULER_LEASE,
                    sa.or_(leases.c.expires_at <= now, leases.c.holder == self.holder),
                )
                .values(holder=self.holder, expires_at=now + self.lease)
            )
            return done.rowcount == 1

        return self.db.run(apply)

    def release_lease(self) -> None:
        def apply(conn: Connection) -> None:
            conn.execute(
                sa.update(leases)
                .where(leases.c.name == SCHEDULER_LEASE, leases.c.holder == self.holder)
                .values(holder=None, expires_at=self.clock.now())
            )

        self.db.run(apply)

    def run_once(self) -> TickReport:
        now = self.clock.now()
        report = TickReport()
        if not self.take_lease(now):
            return report
        report.ran = True
        with self.db.read() as conn:
            ids = storage.ticket_ids_in_states(conn, TICKING_STATES)
        for ticket_id in ids:
            report.ticked += 1
            notes = self._tick(ticket_id, now)
            if notes is not None:
                report.changed.append(ticket_id)
                report.notifications += notes
        return report

    def tick_ticket(self, ticket_id: str) -> bool:
        return self._tick(ticket_id, self.clock.now()) is not None

    def _tick(self, ticket_id: str, now: datetime) -> int | None:
        """Tick one ticket; the number of notifications queued, None when nothing changed."""

        def apply(conn: Connection) -> int | None:
            before = _lock_ticket(conn, ticket_id)
            if before is None:
                return None
            fingerprint = before.fingerprint
            problem = storage.problem_state(conn, fingerprint) if fingerprint else None
            after, notes = t.tick(before, problem, self.policy, now)
            if after.revision == before.revision:
                return None
            storage.update_ticket(conn, before, after, now)
            storage.queue_notifications(conn, notes, now, {after.id: after})
            return len(notes)

        return self.db.run(apply)


def _lock_ticket(conn: Connection, ticket_id: str) -> t.Ticket | None:
    from server.models import tickets

    query = sa.select(tickets.c.id).where(tickets.c.id == ticket_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    if conn.execute(query).first() is None:
        return None
    return storage.load_tickets(conn, [ticket_id]).get(ticket_id)


# --- the outbox -----------------------------------------------------------------------------


@dataclass
class SendReport:
    routed: int = 0
    sent: int = 0
    failed: int = 0  # attempts that failed (retried later or given up)
    given_up: int = 0


class Sender:
    def __init__(
        self,
        db: Database,
        notifier: Any,
        clock: Clock,
        *,
        holder: str | None = None,
        claim_s: float = 300.0,
        batch: int = 20,
        next_retry_at: Callable[..., datetime | None] | None = None,
    ):
        self.db = db
        self.notifier = notifier
        self.clock = clock
        self.holder = holder or process_holder()
        self.claim = timedelta(seconds=claim_s)
        self.batch = batch
        if next_retry_at is None:
            from server.notify import next_retry_at as default_next

            next_retry_at = default_next
        self._next_retry_at = next_retry_at

    def run_once(self, rounds: int = 5) -> SendReport:
        """Claim and handle due rows until none is due (at most `rounds` batches)."""
        report = SendReport()
        for _ in range(rounds):
            rows = self._claim(self.clock.now())
            if not rows:
                break
            for row in rows:
                if row["target"] is None:
                    self._route(row, report)
                else:
                    self._deliver(row, report)
        return report

    def _claim(self, now: datetime) -> list[dict[str, Any]]:
        def apply(conn: Connection) -> list[dict[str, Any]]:
            query = (
                sa.select(outbox)
                .where(
                    sa.or_(
                        sa.and_(outbox.c.state == "pending", outbox.c.next_try_at <= now),
                        sa.and_(outbox.c.state == "sending", outbox.c.claimed_until <= now),
                    )
                )
                .order_by(outbox.c.id)
                .limit(self.batch)
            )
            if conn.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = [dict(r._mapping) for r in conn.execute(query)]
            if rows:
                conn.execute(
                    sa.update(outbox)
                    .where(outbox.c.id.in_([r["id"] for r in rows]))
                    .values(state="sending", claimed_until=now + self.claim)
                )
            return rows

        return self.db.run(apply)

    def _message(self, row: dict[str, Any]) -> Any:
        from server.notify import Message

        notify = Notify(
            roles=tuple(row["roles"]),
            subject=row["subject"],
            body=row["body"],
            ticket_id=row["ticket_id"],
            reason=row["reason"],
        )
        message = self.notifier.message(notify, row["ticket"])
        return Message.from_dict({**message.to_dict(), "key": f"patrol-{row['id']}"})

    def _route(self, row: dict[str, Any], report: SendReport) -> None:
        message = self._message(row)
        targets = self.notifier.targets_for(message)
        unrouted = self.notifier.unrouted_roles(message)
        now = self.clock.now()

        def apply(conn: Connection) -> None:
            if targets:
                conn.execute(
                    sa.insert(outbox),
                    [
                        {
                            **{
                                k: row[k]
                                for k in ("ticket_id", "reason", "roles", "subject", "body")
                            },
                            "ticket": row["ticket"],
                            "target": target.label,
                            "state": "pending",
                            "attempts": 0,
                            "next_try_at": now,
                            "created_at": now,
                        }
                        for target in targets
                    ],
                )
            conn.execute(
                sa.update(outbox)
                .where(outbox.c.id == row["id"])
                .values(state="sent", sent_at=now, claimed_until=None)
            )
            if unrouted:
                storage.add_event(
                    conn,
                    row["ticket_id"],
                    now,
                    "notify_failed",
                    SENDER_ACTOR,
                    f"{row['reason']}: nobody to notify for role(s) {', '.join(unrouted)} "
                    f"(no target in notifications.roles)",
                )

        self.db.run(apply)
        report.routed += 1

    def _deliver(self, row: dict[str, Any], report: SendReport) -> None:
        message = self._message(row)
        target = self.notifier.target(row["target"])
        if target is None:
            attempt_ok, error, at = False, "target no longer in notifications.roles", None
        else:
            attempt = self.notifier.deliver(message, target)
            attempt_ok, error, at = attempt.ok, attempt.error, attempt.at
        now = self.clock.now()
        at = at or now
        attempts = int(row["attempts"]) + 1
        retry = None
        if not attempt_ok and target is not None:
            retry = self._next_retry_at(attempts, now, getattr(self.notifier, "config", None))

        def apply(conn: Connection) -> None:
            values: dict[str, Any] = {"attempts": attempts, "claimed_until": None}
            label = f"{row['reason']} to {row['target']}"
            if attempt_ok:
                values.update(state="sent", sent_at=at, last_error=None)
                note = f"{label} (attempt {attempts})"
                kind = "notified"
            elif retry is not None:
                values.update(state="pending", next_try_at=retry, last_error=error)
                note = f"{label} failed (attempt {attempts}): {error}; next try {_iso(retry)}"
                kind = "notify_failed"
            else:
                values.update(state="failed", last_error=error)
                note = f"{label} failed (attempt {attempts}): {error}; giving up"
                kind = "notify_failed"
            done = conn.execute(
                sa.update(outbox)
                .where(outbox.c.id == row["id"], outbox.c.state == "sending")
                .values(**values)
            )
            if done.rowcount == 1:
                storage.add_event(conn, row["ticket_id"], at, kind, SENDER_ACTOR, note)

        self.db.run(apply)
        if attempt_ok:
            report.sent += 1
        else:
            report.failed += 1
            if retry is None:
                report.given_up += 1


def _iso(moment: datetime) -> str:
    from server.problems import to_iso

    return to_iso(moment) or ""


# --- background loops -----------------------------------------------------------------------


class BackgroundLoops:
    """The scheduler and the sender as asyncio tasks of the serving process. The database
    work runs in threads (it is blocking); a failing pass is logged and the loop goes on."""

    def __init__(
        self,
        scheduler: Scheduler | None,
        sender: Sender | None,
        interval_s: float,
        send_interval_s: float,
        *,
        also: Sequence[tuple[str, Callable[[], Any], float]] = (),
    ):
        self.scheduler = scheduler
        self.sender = sender
        self.interval_s = interval_s
        self.send_interval_s = send_interval_s
        self.also = list(also)  # more (name, work, every seconds), e.g. the inventory watcher
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        if self.scheduler is not None:
            self._tasks.append(
                asyncio.create_task(
                    self._loop("scheduler", self.scheduler.run_once, self.interval_s)
                )
            )
        if self.sender is not None:
            self._tasks.append(
                asyncio.create_task(
                    self._loop("sender", self.sender.run_once, self.send_interval_s)
                )
            )
        for name, work, every in self.also:
            self._tasks.append(asyncio.create_task(self._loop(name, work, every)))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self.scheduler is not None:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self.scheduler.release_lease)

    @staticmethod
    async def _loop(name: str, work: Callable[[], Any], every: float) -> None:
        while True:
            try:
                await asyncio.to_thread(work)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s pass failed; trying again in %.0f s", name, every)
            await asyncio.sleep(every)
