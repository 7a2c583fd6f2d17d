"""Tickets through the database: queries, manual transitions, hotline registration.

PUBLIC API:
    TicketService(db, policy, directory, clock)
    .get(ticket_id) -> Ticket | None
    .list(device=, customer=, states=, level=, limit=, offset=) -> list[Ticket]
    .register(place=..., reporter, symptom, channel, actor, level=None, check=None) -> Ticket
    .act(ticket_id, action, actor, **body) -> Ticket
        action: ack | dispatch | arrive | resolve | confirm | comment | complaint | escalate |
                satisfaction
    NotFound(reason); tickets.InvalidTransition (409) and InvalidInput (422) pass through.

Each transition is one transaction: the ticket row is locked (SELECT ... FOR UPDATE), the pure
transition of server.tickets applied, the row written back with its revision checked, its new
events appended, and its Notify actions queued in the outbox - all committed together.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from server import storage
from server import tickets as t
from server.clock import Clock
from server.db import Database
from server.directory import Directory
from server.policy import Policy
from server.problems import DeviceContext
from server.tickets import Change, InvalidInput, Ticket

ACTIONS = (
    "ack",
    "dispatch",
    "arrive",
    "resolve",
    "confirm",
    "comment",
    "complaint",
    "escalate",
    "satisfaction",
)


class NotFound(Exception):
    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


class TicketService:
    def __init__(self, db: Database, policy: Policy, directory: Directory, clock: Clock):
        self.db = db
        self.policy = policy
        self.directory = directory
        self.clock = clock

    # --- queries ---

    def get(self, ticket_id: str) -> Ticket | None:
        with self.db.read() as conn:
            return storage.load_tickets(conn, [ticket_id]).get(ticket_id)

    def list(
        self,
        *,
        device: str | None = None,
        customer: str | None = None,
        states: Sequence[str] | None = None,
        level: int | None = None,
        limit: int = 200,
        offset: int = 0,
    ) -> list[Ticket]:
        with self.db.read() as conn:
            return storage.query_tickets(
                conn,
                device=device,
                customer=customer,
                states=states,
                level=level,
                limit=limit,
                offset=offset,
            )

    def related(self, found: Sequence[Ticket]) -> dict[str, list[str]]:
        """For each ticket, the other live tickets of its device: several checks often see one
        fault (a failed fan: the fan sensor, the board, the alarm, the log), and one visit
        fixes them all."""
        devices = {t.device for t in found if t.device}
        if not devices:
            return {t.id: [] for t in found}
        with self.db.read() as conn:
            live = storage.live_tickets_of(conn, devices)
        return {
            t.id: [other for other in live.get(t.device or "", []) if other != t.id] for t in found
        }

    # --- registration by hand ---

    def register(
        self,
        *,
        device: str | None,
        site: str | None,
        reporter: Mapping[str, Any],
        symptom: str,
        channel: str,
        actor: str,
        level: int | None = None,
        check: str | None = None,
    ) -> Ticket:
        place = self._place(device, site)
        now = self.clock.now()

        def apply(conn: Connection) -> Ticket:
            ticket, notes = t.register(
                id=storage.next_ticket_id(conn),
                place=place,
                reporter=reporter,
                symptom=symptom,
                channel=channel,
                actor=actor,
                policy=self.policy,
                now=now,
                level=level,
                check=check,
            )
            storage.insert_ticket(conn, ticket, now)
            storage.queue_notifications(conn, notes, now, {ticket.id: ticket})
            return ticket

        return self.db.run(apply)

    def _place(self, device: str | None, site: str | None) -> DeviceContext:
        if device:
            found = self.directory.device(device)
            if found is None:
                raise InvalidInput(f"device {device!r} is not in the inventory")
            if site and site != found.site:
                raise InvalidInput(f"device {device!r} is at site {found.site!r}, not {site!r}")
            return DeviceContext.from_device(found)
        if site:
            info = self.directory.site(site)
            if info is None:
                raise InvalidInput(f"site {site!r} is not in the inventory")
            return DeviceContext(name=None, customer=info.customer, site=info.id, zone=info.zone)
        raise InvalidInput("name the device or the site the customer reported about")

    # --- transitions ---

    def act(self, ticket_id: str, action: str, *, actor: str, **body: Any) -> Ticket:
        if action not in ACTIONS:
            raise InvalidInput(f"unknown action {action!r}; one of {', '.join(ACTIONS)}")
        now = self.clock.now()
        transition = self._transition(action, actor, now, body)

        def apply(conn: Connection) -> Ticket:
            before = storage.load_tickets(conn, [ticket_id], lock=True).get(ticket_id)
            if before is None:
                raise NotFound(f"no ticket {ticket_id}")
            after, notes = transition(before)
            storage.update_ticket(conn, before, after, now)
            storage.queue_notifications(conn, notes, now, {after.id: after})
            return after

        return self.db.run(apply)

    def _transition(
        self, action: str, actor: str, now: datetime, body: Mapping[str, Any]
    ) -> Callable[[Ticket], Change]:
        policy = self.policy
        note = body.get("note") or ""
        if action == "ack":
            return lambda ticket: t.acknowledge(ticket, actor=actor, now=now, note=note)
        if action == "dispatch":
            return lambda ticket: t.dispatch(
                ticket,
                engineer=body.get("engineer") or "",
                eta=body["eta"],
                actor=actor,
                now=now,
                note=note,
            )
        if action == "arrive":
            return lambda ticket: t.arrive(ticket, actor=actor, now=now, note=note)
        if action == "resolve":
            return lambda ticket: t.resolve(
                ticket,
                by=actor,
                now=now,
                policy=policy,
                notes=body.get("notes") or "",
                parts=body.get("parts") or (),
                labour_hours=body.get("labour_hours") or 0.0,
                base_fee=body.get("base_fee"),
            )
        if action == "confirm":
            return lambda ticket: t.confirm(
                ticket, by=actor, now=now, satisfaction=body.get("satisfaction"), note=note
            )
        if action == "comment":
            return lambda ticket: t.comment(ticket, note=note, actor=actor, now=now)
        if action == "complaint":
            return lambda ticket: t.complaint(
                ticket, text=body.get("text") or "", actor=actor, policy=policy, now=now
            )
        if action == "escalate":
            return lambda ticket: t.escalate_manually(
                ticket, actor=actor, policy=policy, now=now, note=note
            )
        assert action == "satisfaction"
        return lambda ticket: t.record_satisfaction(
            ticket, satisfaction=body.get("satisfaction"), by=actor, now=now, note=note
        )
