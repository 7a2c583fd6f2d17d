"""Fault tickets: the model, the lifecycle, and every transition as a pure function.

PUBLIC API (used by server.faults, the API/storage layers and tests). Every transition takes the
ticket and the clock (`now`, timezone-aware), returns `(new_ticket, actions)` - the input is never
modified - appends one Event {at, kind, actor, note} per change, and bumps `revision` (for
optimistic locking by the storage). Actions are Notify records for the notification sender.

    Ticket, Event, Breach, Charges, Part, Reporter, Dispatch, State, Notify, Escalation
    TicketError(reason) > InvalidTransition (wrong state: HTTP 409), InvalidInput (HTTP 422)
    open_ticket(...)          a ticket opened by monitoring (server.faults calls it)
    register(...)             a ticket registered by hand (hotline, e-mail, fax, web)
    acknowledge, dispatch, arrive, resolve, confirm, record_satisfaction, comment, complaint,
    escalate_manually         the manual transitions
    due_escalations(ticket, policy, now) / escalate(ticket, policy, now)    SLA breaches
    follow_up_end(ticket, problem, policy) / tick(ticket, problem, policy, now)
    matches_problem(ticket, fingerprint)   may this hand-registered ticket absorb that problem?
    attach, note_update, raise_level, resolve_by_monitoring, confirm_by_monitoring, reopen
                              the transitions monitoring drives (through server.faults)

Lifecycle: open -> acknowledged -> dispatched -> on_site -> resolved -> confirmed; any of the
first four may resolve directly (remote fix); a relapse reopens a resolved (or early-confirmed)
ticket back to open with fresh deadlines. `escalated` is an event, not a state. docs/tickets.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import Enum
from typing import Any

from server.policy import LEVEL_NAMES, Policy, format_duration
from server.problems import (
    DeviceContext,
    Fingerprint,
    ProblemState,
    from_iso,
    require_aware,
    to_iso,
)

MONITORING = "monitoring"  # the actor of result-driven transitions
SCHEDULER = "scheduler"  # the actor of clock-driven transitions (SLA escalation, follow-up)
CHANNELS = ("phone", "email", "fax", "web")
SOURCES = ("monitoring", "manual")
MAX_LABOUR_HOURS = 1000.0


class State(Enum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    DISPATCHED = "dispatched"
    ON_SITE = "on_site"
    RESOLVED = "resolved"
    CONFIRMED = "confirmed"

    def __str__(self) -> str:
        return self.value


ACTIVE_ORDER = (State.OPEN, State.ACKNOWLEDGED, State.DISPATCHED, State.ON_SITE)
ACTIVE = frozenset(ACTIVE_ORDER)


class TicketError(Exception):
    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


class InvalidTransition(TicketError):
    """The ticket's state does not allow this transition (HTTP 409 with the reason)."""


class InvalidInput(TicketError, ValueError):
    """A transition's input is unusable whatever the state (HTTP 422 with the reason)."""


@dataclass(frozen=True)
class Event:
    at: datetime
    kind: str  # opened, registered, attached, acknowledged, dispatched, arrived, resolved,
    # confirmed, reopened, escalated, level_raised, updated, comment, complaint,
    # satisfaction, follow_up_due
    actor: str
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"at": to_iso(self.at), "kind": self.kind, "actor": self.actor, "note": self.note}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Event:
        return cls(
            _at(data["at"]), str(data["kind"]), str(data["actor"]), str(data.get("note", ""))
        )


@dataclass(frozen=True)
class Breach:
    """A deadline that passed unanswered; (kind, due) is its identity."""

    kind: str  # response | onsite
    due: datetime
    at: datetime  # when it was recorded
    step: int  # the escalation step it led to

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "due": to_iso(self.due),
            "at": to_iso(self.at),
            "step": self.step,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Breach:
        return cls(str(data["kind"]), _at(data["due"]), _at(data["at"]), int(data["step"]))


@dataclass(frozen=True)
class Part:
    name: str
    qty: int
    price: float  # per unit

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "qty": self.qty, "price": self.price}

    @classmethod
    def parse(cls, data: Part | Mapping[str, Any], where: str = "part") -> Part:
        """A validated part from a Part or a JSON object; InvalidInput names what is wrong."""
        if isinstance(data, Part):
            name, qty, price = data.name, data.qty, data.price
        elif isinstance(data, Mapping):
            unknown = set(data) - {"name", "qty", "price"}
            if unknown:
                raise InvalidInput(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
            name, qty, price = data.get("name"), data.get("qty", 1), data.get("price", 0)
        else:
            raise InvalidInput(f"{where}: expected {{name, qty, price}}, got {data!r}")
        if not isinstance(name, str) or not name.strip():
            raise InvalidInput(f"{where}: name is required")
        if not isinstance(qty, int) or isinstance(qty, bool) or qty < 1:
            raise InvalidInput(f"{where}: qty must be a whole number of 1 or more, got {qty!r}")
        if not isinstance(price, int | float) or isinstance(price, bool) or price < 0:
            raise InvalidInput(f"{where}: price must be 0 or more, got {price!r}")
        return cls(name.strip(), qty, float(price))


@dataclass(frozen=True)
class Charges:
    """Base repair fee plus parts; labour hours are recorded (priced by the invoicing side)."""

    base_fee: float = 0.0
    parts: tuple[Part, ...] = ()
    labour_hours: float = 0.0
    currency: str = "CNY"

    @property
    def parts_total(self) -> float:
        return sum(p.qty * p.price for p in self.parts)

    @property
    def total(self) -> float:
        return self.base_fee + self.parts_total

    def to_dict(self) -> dict[str, Any]:
        return {
            "base_fee": self.base_fee,
            "parts": [p.to_dict() for p in self.parts],
            "labour_hours": self.labour_hours,
            "currency": self.currency,
            "total": self.total,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Charges:
        return cls(
            base_fee=float(data.get("base_fee", 0.0)),
            parts=tuple(Part.parse(p) for p in data.get("parts", [])),
            labour_hours=float(data.get("labour_hours", 0.0)),
            currency=str(data.get("currency", "CNY")),
        )


@dataclass(frozen=True)
class Reporter:
    """Who called or wrote in about a hand-registered ticket."""

    name: str
    organisation: str = ""
    phone: str = ""
    email: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "organisation": self.organisation,
            "phone": self.phone,
            "email": self.email,
        }

    @classmethod
    def parse(cls, data: Reporter | Mapping[str, Any]) -> Reporter:
        if isinstance(data, Reporter):
            data = data.to_dict()
        if not isinstance(data, Mapping):
            raise InvalidInput(
                f"reporter: expected {{name, organisation, phone, email}}, got {data!r}"
            )
        unknown = set(data) - {"name", "organisation", "phone", "email"}
        if unknown:
            raise InvalidInput(f"reporter: unknown field(s) {', '.join(sorted(unknown))}")
        values = {k: data.get(k) or "" for k in ("name", "organisation", "phone", "email")}
        for key, value in values.items():
            if not isinstance(value, str):
                raise InvalidInput(f"reporter.{key}: expected text, got {value!r}")
        if not values["name"].strip():
            raise InvalidInput("reporter.name is required")
        return cls(**{k: v.strip() for k, v in values.items()})


@dataclass(frozen=True)
class Dispatch:
    engineer: str
    eta: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"engineer": self.engineer, "eta": to_iso(self.eta)}


@dataclass(frozen=True)
class Notify:
    """Tell the people holding these roles (the sender maps roles to webhooks and e-mail)."""

    roles: tuple[str, ...]
    subject: str
    body: str
    ticket_id: str
    reason: str  # opened, registered, escalated, level_raised, reopened, resolved, complaint,
    # follow_up_due

    def to_dict(self) -> dict[str, Any]:
        return {
            "roles": list(self.roles),
            "subject": self.subject,
            "body": self.body,
            "ticket_id": self.ticket_id,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Escalation:
    kind: str  # response | onsite | manual
    due: datetime | None
    to_step: int
    roles: tuple[str, ...]


@dataclass(frozen=True)
class Ticket:
    id: str
    customer: str
    site: str
    zone: str  # the site's zone the deadlines were computed for
    device: str | None  # None: a hand-registered ticket about a whole site
    check: str | None
    item: str | None
    level: int
    state: State
    summary: str
    opened_at: datetime
    raised_at: datetime  # opened_at, or the last reopening: the deadlines count from here
    response_due: datetime
    onsite_due: datetime | None  # None: no on-site deadline (level 4 by default)
    source: str = "monitoring"  # monitoring | manual
    monitored: bool = True  # a monitoring problem (device, check, item) is linked to it
    escalation_step: int = 1
    breaches: tuple[Breach, ...] = ()
    events: tuple[Event, ...] = ()
    charges: Charges = field(default_factory=Charges)
    satisfaction: int | None = None
    reporter: Reporter | None = None
    channel: str | None = None
    dispatch: Dispatch | None = None
    responded_at: datetime | None = None
    arrived_at: datetime | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    confirmed_at: datetime | None = None
    reopened: int = 0  # relapses so far; a ticket that relapsed is flapping (docs/tickets.md)
    revision: int = 1

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    @property
    def fingerprint(self) -> Fingerprint | None:
        """The monitoring problem this ticket tracks (None while nothing is linked)."""
        if not self.monitored or self.device is None or self.check is None:
            return None
        return Fingerprint(self.device, self.check, self.item or "")

    @property
    def flapping(self) -> bool:
        return self.reopened > 0

    def breached(self, kind: str, due: datetime) -> bool:
        return any(b.kind == kind and b.due == due for b in self.breaches)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "customer": self.customer,
            "site": self.site,
            "zone": self.zone,
            "device": self.device,
            "check": self.check,
            "item": self.item,
            "level": self.level,
            "state": self.state.value,
            "summary": self.summary,
            "opened_at": to_iso(self.opened_at),
            "raised_at": to_iso(self.raised_at),
            "response_due": to_iso(self.response_due),
            "onsite_due": to_iso(self.onsite_due),
            "source": self.source,
            "monitored": self.monitored,
            "escalation_step": self.escalation_step,
            "breaches": [b.to_dict() for b in self.breaches],
            "events": [e.to_dict() for e in self.events],
            "charges": self.charges.to_dict(),
            "satisfaction": self.satisfaction,
            "reporter": self.reporter.to_dict() if self.reporter else None,
            "channel": self.channel,
            "dispatch": self.dispatch.to_dict() if self.dispatch else None,
            "responded_at": to_iso(self.responded_at),
            "arrived_at": to_iso(self.arrived_at),
            "resolved_at": to_iso(self.resolved_at),
            "resolved_by": self.resolved_by,
            "confirmed_at": to_iso(self.confirmed_at),
            "reopened": self.reopened,
            "revision": self.revision,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Ticket:
        reporter = data.get("reporter")
        dispatched = data.get("dispatch")
        return cls(
            id=str(data["id"]),
            customer=str(data["customer"]),
            site=str(data["site"]),
            zone=str(data["zone"]),
            device=data.get("device"),
            check=data.get("check"),
            item=data.get("item"),
            level=int(data["level"]),
            state=State(data["state"]),
            summary=str(data["summary"]),
            opened_at=_at(data["opened_at"]),
            raised_at=_at(data.get("raised_at") or data["opened_at"]),
            response_due=_at(data["response_due"]),
            onsite_due=from_iso(data.get("onsite_due")),
            source=str(data.get("source", "monitoring")),
            monitored=bool(data.get("monitored", True)),
            escalation_step=int(data.get("escalation_step", 1)),
            breaches=tuple(Breach.from_dict(b) for b in data.get("breaches", [])),
            events=tuple(Event.from_dict(e) for e in data.get("events", [])),
            charges=Charges.from_dict(data.get("charges") or {}),
            satisfaction=data.get("satisfaction"),
            reporter=Reporter.parse(reporter) if reporter else None,
            channel=data.get("channel"),
            dispatch=(
                Dispatch(str(dispatched["engineer"]), _at(dispatched["eta"]))
                if dispatched
                else None
            ),
            responded_at=from_iso(data.get("responded_at")),
            arrived_at=from_iso(data.get("arrived_at")),
            resolved_at=from_iso(data.get("resolved_at")),
            resolved_by=data.get("resolved_by"),
            confirmed_at=from_iso(data.get("confirmed_at")),
            reopened=int(data.get("reopened", 0)),
            revision=int(data.get("revision", 1)),
        )


Change = tuple[Ticket, list[Notify]]


# --- helpers --------------------------------------------------------------------------------


def _at(text: str) -> datetime:
    moment = from_iso(text)
    assert moment is not None
    return moment


def _actor(actor: str, what: str = "actor") -> str:
    if not isinstance(actor, str) or not actor.strip():
        raise InvalidInput(f"{what} is required (who does this)")
    return actor.strip()


def _text(value: str, what: str, required: bool = True) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{what}: expected text, got {value!r}")
    if required and not value.strip():
        raise InvalidInput(f"{what} is required")
    return value.strip()


def _level(level: object) -> int:
    if not isinstance(level, int) or isinstance(level, bool) or level not in LEVEL_NAMES:
        raise InvalidInput(f"level must be 1, 2, 3 or 4, got {level!r}")
    return level


def _satisfaction(score: object) -> int:
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise InvalidInput(f"satisfaction must be a whole number from 1 to 5, got {score!r}")
    return score


def _changed(
    ticket: Ticket, now: datetime, kind: str, actor: str, note: str = "", **fields: Any
) -> Ticket:
    """The ticket with `fields` changed and one more event in its timeline."""
    event = Event(at=now, kind=kind, actor=actor, note=note)
    return replace(ticket, events=(*ticket.events, event), revision=ticket.revision + 1, **fields)


def _require(ticket: Ticket, allowed: Iterable[State], doing: str) -> None:
    allowed = tuple(allowed)
    if ticket.state not in allowed:
        names = ", ".join(s.value for s in allowed)
        raise InvalidTransition(
            f"cannot {doing} ticket {ticket.id}: it is {ticket.state.value} "
            f"(only possible when it is {names})"
        )


def _label(ticket: Ticket) -> str:
    where = ticket.device or f"site {ticket.site}"
    what = " ".join(p for p in (ticket.check, ticket.item) if p)
    return f"{where} {what}".strip()


def _notify(
    ticket: Ticket, roles: Sequence[str], reason: str, headline: str, policy: Policy
) -> Notify:
    step = policy.step(ticket.escalation_step)
    onsite = f"due {to_iso(ticket.onsite_due)}" if ticket.onsite_due else "not required"
    lines = [
        headline,
        "",
        f"Ticket:     {ticket.id} ({ticket.state.value})",
        f"Level:      {ticket.level} {LEVEL_NAMES[ticket.level]}",
        f"Customer:   {ticket.customer} / site {ticket.site} ({ticket.zone})",
        f"Problem:    {_label(ticket)}",
        f"Summary:    {ticket.summary}",
        f"Response:   due {to_iso(ticket.response_due)}",
        f"On site:    {onsite}",
        f"Escalation: step {ticket.escalation_step} of {policy.top_step}, {step.name}",
    ]
    if ticket.reporter:
        r = ticket.reporter
        contact = ", ".join(x for x in (r.organisation, r.phone, r.email) if x)
        lines.append(f"Reporter:   {r.name}" + (f" ({contact})" if contact else ""))
    subject = f"[L{ticket.level}] {reason.replace('_', ' ')}: {ticket.summary} ({ticket.id})"
    return Notify(tuple(roles), subject, "\n".join(lines), ticket.id, reason)


def _deadlines(
    policy: Policy,
    level: int,
    zone: str,
    raised_at: datetime,
    place: tuple[str | None, str | None, str | None],
) -> tuple[datetime, datetime | None]:
    """Due dates, the clocks paused by the maintenance windows covering (customer, site,
    device)."""
    return policy.due_dates(level, zone, raised_at, policy.windows_for(*place))


# --- opening --------------------------------------------------------------------------------


def open_ticket(
    *,
    id: str,
    fingerprint: Fingerprint,
    level: int,
    summary: str,
    device: DeviceContext,
    policy: Policy,
    now: datetime,
    note: str = "",
) -> Change:
    """A ticket opened by monitoring for a problem; notifies step 1 of the ladder."""
    require_aware(now)
    level = _level(level)
    response_due, onsite_due = _deadlines(
        policy, level, device.zone, now, (device.customer, device.site, fingerprint.device)
    )
    ticket = Ticket(
        id=id,
        customer=device.customer,
        site=device.site,
        zone=device.zone,
        device=fingerprint.device,
        check=fingerprint.check,
        item=fingerprint.item or None,
        level=level,
        state=State.OPEN,
        summary=summary,
        opened_at=now,
        raised_at=now,
        response_due=response_due,
        onsite_due=onsite_due,
        source="monitoring",
        monitored=True,
        events=(Event(now, "opened", MONITORING, note or summary),),
        charges=Charges(currency=policy.currency),
    )
    return ticket, [
        _notify(ticket, policy.step(1).roles, "opened", f"New fault: {summary}", policy)
    ]


def register(
    *,
    id: str,
    place: DeviceContext,
    reporter: Reporter | Mapping[str, Any],
    symptom: str,
    channel: str,
    actor: str,
    policy: Policy,
    now: datetime,
    level: int | None = None,
    check: str | None = None,
) -> Change:
    """A ticket registered by hand (a customer calls the hotline or writes in).

    `place` is the device, or the site (name None). Without a level the policy proposes one from
    the device's criticality. Same deadlines, ladder and follow-up as monitoring's tickets.
    """
    require_aware(now)
    actor = _actor(actor)
    symptom = _text(symptom, "symptom")
    if channel not in CHANNELS:
        raise InvalidInput(f"channel must be one of {', '.join(CHANNELS)}, got {channel!r}")
    if check is not None and place.name is None:
        raise InvalidInput("a check can only be named together with a device")
    parsed = Reporter.parse(reporter)
    proposed = policy.proposed_level(device=place.name, criticality=place.criticality, check=check)
    level = proposed if level is None else _level(level)
    response_due, onsite_due = _deadlines(
        policy, level, place.zone, now, (place.customer, place.site, place.name)
    )
    how = f"{channel} from {parsed.name}" + (
        f", {parsed.organisation}" if parsed.organisation else ""
    )
    ticket = Ticket(
        id=id,
        customer=place.customer,
        site=place.site,
        zone=place.zone,
        device=place.name,
        check=check,
        item=None,
        level=level,
        state=State.OPEN,
        summary=symptom,
        opened_at=now,
        raised_at=now,
        response_due=response_due,
        onsite_due=onsite_due,
        source="manual",
        monitored=False,
        reporter=parsed,
        channel=channel,
        events=(Event(now, "registered", actor, f"{how}: {symptom}"),),
        charges=Charges(currency=policy.currency),
    )
    notify = _notify(ticket, policy.step(1).roles, "registered", f"Fault reported by {how}", policy)
    return ticket, [notify]


def matches_problem(ticket: Ticket, fingerprint: Fingerprint) -> bool:
    """May this hand-registered ticket absorb that monitoring problem?

    Yes when it is live, has no problem linked yet, is about the same device, and names no
    check or the same check. Site-only tickets absorb nothing (a device failure is more precise).
    """
    return (
        ticket.active
        and not ticket.monitored
        and ticket.device == fingerprint.device
        and (ticket.check is None or ticket.check == fingerprint.check)
    )


# --- manual transitions ---------------------------------------------------------------------


def acknowledge(ticket: Ticket, *, actor: str, now: datetime, note: str = "") -> Change:
    """Someone at the service centre has taken the fault in hand (the response)."""
    require_aware(now)
    actor = _actor(actor)
    _require(ticket, [State.OPEN], "acknowledge")
    return _changed(
        ticket,
        now,
        "acknowledged",
        actor,
        _text(note, "note", False),
        state=State.ACKNOWLEDGED,
        responded_at=now,
    ), []


def dispatch(
    ticket: Ticket, *, engineer: str, eta: datetime, actor: str, now: datetime, note: str = ""
) -> Change:
    """Send an engineer on site (again, to replace the one sent before)."""
    require_aware(now)
    actor = _actor(actor)
    engineer = _text(engineer, "engineer")
    if not isinstance(eta, datetime) or eta.tzinfo is None:
        raise InvalidInput(f"eta must be a date and time with its time zone, got {eta!r}")
    if eta < now:
        raise InvalidInput(f"eta {to_iso(eta)} is in the past")
    _require(ticket, [State.OPEN, State.ACKNOWLEDGED, State.DISPATCHED], "dispatch an engineer for")
    text = f"{engineer}, expected on site {to_iso(eta)}"
    if ticket.onsite_due is not None and eta > ticket.onsite_due and ticket.arrived_at is None:
        text += f" (after the on-site deadline {to_iso(ticket.onsite_due)})"
    if note.strip():
        text += f": {note.strip()}"
    return _changed(
        ticket,
        now,
        "dispatched",
        actor,
        text,
        state=State.DISPATCHED,
        dispatch=Dispatch(engineer, eta),
        responded_at=ticket.responded_at or now,
    ), []


def arrive(ticket: Ticket, *, actor: str, now: datetime, note: str = "") -> Change:
    """The dispatched engineer is on site."""
    require_aware(now)
    actor = _actor(actor)
    if ticket.state in (State.OPEN, State.ACKNOWLEDGED):
        raise InvalidTransition(
            f"cannot record an arrival on ticket {ticket.id}: nobody was dispatched "
            f"(dispatch an engineer first)"
        )
    _require(ticket, [State.DISPATCHED], "record an arrival on")
    return _changed(
        ticket,
        now,
        "arrived",
        actor,
        _text(note, "note", False),
        state=State.ON_SITE,
        arrived_at=now,
    ), []


def resolve(
    ticket: Ticket,
    *,
    by: str,
    now: datetime,
    policy: Policy,
    notes: str = "",
    parts: Iterable[Part | Mapping[str, Any]] = (),
    labour_hours: float = 0.0,
    base_fee: float | None = None,
) -> Change:
    """The fault is fixed: by a person (notes say how; parts and labour for the charges) or by
    monitoring (`by="monitoring"`, the check is OK again). The 24 h follow-up starts."""
    require_aware(now)
    by = _actor(by, "by")
    if by == MONITORING:
        return resolve_by_monitoring(ticket, note=notes or "check OK again", policy=policy, now=now)
    notes = _text(notes, "notes (how the fault was handled)")
    parsed = tuple(Part.parse(p, f"parts[{i}]") for i, p in enumerate(parts))
    if (
        not isinstance(labour_hours, int | float)
        or isinstance(labour_hours, bool)
        or not 0 <= labour_hours <= MAX_LABOUR_HOURS
    ):
        raise InvalidInput(
            f"labour_hours must be from 0 to {MAX_LABOUR_HOURS:g}, got {labour_hours!r}"
        )
    fee = policy.base_fee if base_fee is None else base_fee
    if not isinstance(fee, int | float) or isinstance(fee, bool) or fee < 0:
        raise InvalidInput(f"base_fee must be 0 or more, got {fee!r}")
    _require(ticket, ACTIVE_ORDER, "resolve")
    # A ticket resolved again after a relapse adds its parts and labour to the first visit's.
    charges = replace(
        ticket.charges,
        base_fee=float(fee),
        parts=ticket.charges.parts + parsed,
        labour_hours=ticket.charges.labour_hours + float(labour_hours),
    )
    new = _changed(
        ticket,
        now,
        "resolved",
        by,
        notes,
        state=State.RESOLVED,
        resolved_at=now,
        resolved_by=by,
        charges=charges,
        responded_at=ticket.responded_at or now,
    )
    roles = policy.roles_up_to(new.escalation_step)
    return new, [_notify(new, roles, "resolved", f"Resolved by {by}: {notes}", policy)]


def confirm(
    ticket: Ticket, *, by: str, now: datetime, satisfaction: int | None = None, note: str = ""
) -> Change:
    """A person confirms the fix (before the follow-up window ends), with the customer's score."""
    require_aware(now)
    by = _actor(by, "by")
    score = None if satisfaction is None else _satisfaction(satisfaction)
    _require(ticket, [State.RESOLVED], "confirm")
    text = _text(note, "note", False)
    if score is not None:
        text = f"satisfaction {score}/5" + (f": {text}" if text else "")
    return _changed(
        ticket,
        now,
        "confirmed",
        by,
        text,
        state=State.CONFIRMED,
        confirmed_at=now,
        satisfaction=score if score is not None else ticket.satisfaction,
    ), []


def record_satisfaction(
    ticket: Ticket, *, satisfaction: int, by: str, now: datetime, note: str = ""
) -> Change:
    """The customer survey's score, kept on a resolved or confirmed ticket (the survey often
    comes after monitoring confirmed the fix)."""
    require_aware(now)
    by = _actor(by, "by")
    score = _satisfaction(satisfaction)
    _require(ticket, [State.RESOLVED, State.CONFIRMED], "record satisfaction on")
    text = f"satisfaction {score}/5" + (f": {note.strip()}" if note.strip() else "")
    return _changed(ticket, now, "satisfaction", by, text, satisfaction=score), []


def comment(ticket: Ticket, *, note: str, actor: str, now: datetime) -> Change:
    """A remark in the timeline; allowed in every state."""
    require_aware(now)
    actor = _actor(actor)
    return _changed(ticket, now, "comment", actor, _text(note, "note")), []


def complaint(ticket: Ticket, *, text: str, actor: str, policy: Policy, now: datetime) -> Change:
    """The customer's complaint (e.g. a missed deadline): recorded and sent to the admin role."""
    require_aware(now)
    actor = _actor(actor)
    text = _text(text, "complaint text")
    new = _changed(ticket, now, "complaint", actor, text)
    notify = _notify(
        new, policy.complaint_roles, "complaint", f"Customer complaint: {text}", policy
    )
    return new, [notify]


def escalate_manually(
    ticket: Ticket, *, actor: str, policy: Policy, now: datetime, note: str = ""
) -> Change:
    """Climb one step by hand (the engineer on site needs the experts); not a breach."""
    require_aware(now)
    actor = _actor(actor)
    _require(ticket, ACTIVE_ORDER, "escalate")
    if ticket.escalation_step >= policy.top_step:
        raise InvalidTransition(
            f"cannot escalate ticket {ticket.id}: it is already at the top step "
            f"({policy.top_step}, {policy.step(policy.top_step).name})"
        )
    step = policy.step(ticket.escalation_step + 1)
    text = f"step {step.step}: {step.name}" + (f": {note.strip()}" if note.strip() else "")
    new = _changed(ticket, now, "escalated", actor, text, escalation_step=step.step)
    return new, [
        _notify(new, step.roles, "escalated", f"Escalated by {actor} to {step.name}", policy)
    ]


# --- SLA escalation (clock-driven) ----------------------------------------------------------


def due_escalations(ticket: Ticket, policy: Policy, now: datetime) -> list[Escalation]:
    """The deadlines that have passed unanswered and are not yet recorded as breaches.

    Response: no acknowledgement (nor dispatch, arrival or resolution) by `response_due`.
    On-site: nobody on site (and not resolved) by `onsite_due`. Each breach climbs one step;
    at the top step a breach is still recorded and the top step is told again.
    """
    require_aware(now)
    if not ticket.active:
        return []
    pending: list[tuple[datetime, str]] = []
    response_missed = ticket.responded_at is None and now >= ticket.response_due
    if response_missed and not ticket.breached("response", ticket.response_due):
        pending.append((ticket.response_due, "response"))
    onsite_missed = (
        ticket.onsite_due is not None and ticket.arrived_at is None and now >= ticket.onsite_due
    )
    if onsite_missed and ticket.onsite_due and not ticket.breached("onsite", ticket.onsite_due):
        pending.append((ticket.onsite_due, "onsite"))
    out: list[Escalation] = []
    step = ticket.escalation_step
    # Same minute: the response breach comes first (it is the earlier promise on the ladder).
    for due, kind in sorted(pending, key=lambda p: (p[0], p[1] != "response")):
        step = min(step + 1, policy.top_step)
        out.append(Escalation(kind, due, step, policy.step(step).roles))
    return out


_MISSED = {"response": "no response", "onsite": "nobody on site"}


def escalate(ticket: Ticket, policy: Policy, now: datetime) -> Change:
    """Record every due breach, climb one step per breach, notify each new step's roles.

    Idempotent: a breach is identified by (kind, due), so a second call - in the same minute or
    from another server process that loaded the same ticket - finds nothing due.
    """
    actions: list[Notify] = []
    for escalation in due_escalations(ticket, policy, now):
        assert escalation.due is not None
        step = policy.step(escalation.to_step)
        breach = Breach(escalation.kind, escalation.due, now, step.step)
        text = (
            f"{escalation.kind} deadline {to_iso(escalation.due)} passed with "
            f"{_MISSED[escalation.kind]}; step {step.step}: {step.name}"
        )
        ticket = _changed(
            ticket,
            now,
            "escalated",
            SCHEDULER,
            text,
            escalation_step=step.step,
            breaches=(*ticket.breaches, breach),
        )
        actions.append(_notify(ticket, step.roles, "escalated", f"SLA breach: {text}", policy))
    return ticket, actions


# --- transitions driven by monitoring -------------------------------------------------------


def attach(ticket: Ticket, fingerprint: Fingerprint, *, note: str, now: datetime) -> Change:
    """Link a hand-registered ticket to the monitoring problem that confirms it."""
    require_aware(now)
    if not matches_problem(ticket, fingerprint):
        raise InvalidTransition(f"ticket {ticket.id} cannot absorb problem {fingerprint}")
    new = _changed(
        ticket,
        now,
        "attached",
        MONITORING,
        f"{fingerprint}: {note}",
        check=fingerprint.check,
        item=fingerprint.item or None,
        monitored=True,
    )
    return new, []


def note_update(ticket: Ticket, *, note: str, now: datetime) -> Change:
    """Monitoring saw the problem change (status) while the ticket is being handled."""
    require_aware(now)
    return _changed(ticket, now, "updated", MONITORING, note), []


def raise_level(
    ticket: Ticket,
    level: int,
    *,
    reason: str,
    policy: Policy,
    now: datetime,
) -> Change:
    """A more severe level (lower number); unmet deadlines tighten to the new level's, counted
    from now, when that is sooner. Never lowers a level (a person decides that)."""
    require_aware(now)
    level = _level(level)
    if level >= ticket.level:
        return ticket, []
    response, onsite = _deadlines(
        policy, level, ticket.zone, now, (ticket.customer, ticket.site, ticket.device)
    )
    response_due = ticket.response_due
    if ticket.responded_at is None:
        response_due = min(response_due, response)
    onsite_due = ticket.onsite_due
    if ticket.arrived_at is None and onsite is not None:
        onsite_due = onsite if onsite_due is None else min(onsite_due, onsite)
    text = f"level {ticket.level} -> {level} ({LEVEL_NAMES[level]}): {reason}"
    new = _changed(
        ticket,
        now,
        "level_raised",
        MONITORING,
        text,
        level=level,
        response_due=response_due,
        onsite_due=onsite_due,
    )
    roles = policy.roles_up_to(new.escalation_step)
    return new, [_notify(new, roles, "level_raised", f"Level raised: {text}", policy)]


def resolve_by_monitoring(ticket: Ticket, *, note: str, policy: Policy, now: datetime) -> Change:
    """The problem's check is OK again: resolved, pending the follow-up confirmation."""
    require_aware(now)
    _require(ticket, ACTIVE_ORDER, "resolve")
    new = _changed(
        ticket,
        now,
        "resolved",
        MONITORING,
        note,
        state=State.RESOLVED,
        resolved_at=now,
        resolved_by=MONITORING,
    )
    roles = policy.roles_up_to(new.escalation_step)
    return new, [_notify(new, roles, "resolved", f"Recovered: {note}", policy)]


def confirm_by_monitoring(ticket: Ticket, *, note: str, now: datetime) -> Change:
    require_aware(now)
    _require(ticket, [State.RESOLVED], "confirm")
    return _changed(
        ticket, now, "confirmed", MONITORING, note, state=State.CONFIRMED, confirmed_at=now
    ), []


def reopen(
    ticket: Ticket,
    *,
    level: int,
    note: str,
    policy: Policy,
    now: datetime,
) -> Change:
    """A relapse: back to open with deadlines counted from now, at the more severe of the old
    and new levels; the escalation step stays where it was (nobody is un-told)."""
    require_aware(now)
    _require(ticket, [State.RESOLVED, State.CONFIRMED], "reopen")
    level = min(ticket.level, _level(level))
    response_due, onsite_due = _deadlines(
        policy, level, ticket.zone, now, (ticket.customer, ticket.site, ticket.device)
    )
    new = _changed(
        ticket,
        now,
        "reopened",
        MONITORING,
        note,
        state=State.OPEN,
        level=level,
        raised_at=now,
        response_due=response_due,
        onsite_due=onsite_due,
        responded_at=None,
        arrived_at=None,
        dispatch=None,
        resolved_at=None,
        resolved_by=None,
        confirmed_at=None,
        reopened=ticket.reopened + 1,
    )
    roles = policy.roles_up_to(new.escalation_step)
    return new, [_notify(new, roles, "reopened", f"Relapse: {note}", policy)]


# --- follow-up ------------------------------------------------------------------------------


def follow_up_end(ticket: Ticket, problem: ProblemState | None, policy: Policy) -> datetime | None:
    """When the follow-up window of a resolved ticket ends.

    Monitored ticket: 24 h (policy.follow_up) after the later of the resolution and the start of
    the problem's current OK run; None while the problem is not OK (the window restarts at the
    next OK). Ticket without a problem: 24 h after the resolution.
    """
    if ticket.state is not State.RESOLVED or ticket.resolved_at is None:
        return None
    if not ticket.monitored:
        return ticket.resolved_at + policy.follow_up
    if problem is None or not problem.ok or problem.ok_since is None:
        return None
    return max(problem.ok_since, ticket.resolved_at) + policy.follow_up


def follow_up_complete(ticket: Ticket, problem: ProblemState | None, policy: Policy) -> bool:
    """A monitored, resolved ticket whose problem was seen OK at the end of the window, with no
    non-OK result in between: silence is not evidence, a result is."""
    end = follow_up_end(ticket, problem, policy)
    return (
        ticket.monitored
        and end is not None
        and problem is not None
        and problem.last_seen_at is not None
        and problem.last_seen_at >= end
    )


def tick(ticket: Ticket, problem: ProblemState | None, policy: Policy, now: datetime) -> Change:
    """Everything the clock decides, for the scheduler: SLA escalations, then the follow-up.

    A monitored ticket whose problem stayed OK through the window is confirmed by monitoring;
    a ticket without a problem (registered by hand) cannot be confirmed by monitoring: when its
    window ends the service centre is reminded once to confirm with the customer.
    """
    require_aware(now)
    ticket, actions = escalate(ticket, policy, now)
    if ticket.state is not State.RESOLVED:
        return ticket, actions
    end = follow_up_end(ticket, problem, policy)
    if ticket.monitored:
        if follow_up_complete(ticket, problem, policy):
            assert end is not None
            ticket, more = confirm_by_monitoring(
                ticket, note=f"OK through the follow-up window (until {to_iso(end)})", now=now
            )
            actions += more
        return ticket, actions
    assert end is not None and ticket.resolved_at is not None
    reminded = any(e.kind == "follow_up_due" and e.at >= ticket.resolved_at for e in ticket.events)
    if now >= end and not reminded:
        text = (
            f"resolved {format_duration(policy.follow_up)} ago and not confirmed: "
            f"confirm with the customer"
        )
        ticket = _changed(ticket, now, "follow_up_due", SCHEDULER, text)
        actions.append(
            _notify(ticket, policy.step(1).roles, "follow_up_due", f"Follow-up: {text}", policy)
        )
    return ticket, actions
