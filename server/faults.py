"""Faults -> tickets: what one observation does to its problem and its ticket.

PUBLIC API (used by the storage layer's ingestion and tests):
    apply_result(problem, observation, device, policy, now, *, ticket, candidates, new_id)
        -> Outcome(problem, ticket, actions, held_back)
    OpenTicket, AttachTicket, UpdateTicket, ResolveByMonitoring, ReopenTicket,
    ConfirmByMonitoring   what happened to the ticket (for metrics and logs), next to the
                          tickets.Notify actions to send
    is_live(ticket, observed_at, policy)   does a relapse observed then still belong to it?

The caller, per observation and inside one transaction: loads (or creates, ProblemState.new) the
problem state and its ticket, the hand-registered tickets of the device that may absorb it
(`candidates`), decides `device.unreachable` (problems.unreachable_in for the batch, else the
stored reachability state), calls apply_result, then writes Outcome.problem, Outcome.ticket
(inserted when an OpenTicket action is present) and queues the Notify actions. The database's
uniqueness of the live ticket per fingerprint settles two processes racing to open one: the
loser reloads and applies again, and then finds the winner's ticket.

Rules (docs/tickets.md): N consecutive non-OK (policy.damping_for) open one ticket per problem;
later failures update it only when something changes (status, a more severe level); OK resolves
it by monitoring; the follow-up confirms it; N failures after a resolution, while it is resolved
or within the follow-up window of an early confirmation, reopen it. A ticket that relapsed once
is flapping: monitoring no longer resolves it, a person does. While a device is unreachable or
in a maintenance window its non-OK results are held back: they neither count nor open tickets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from checks.status import Status
from server import tickets as t
from server.policy import Policy, is_reachability
from server.problems import DeviceContext, Observation, ProblemState, require_aware, to_iso
from server.tickets import Notify, State, Ticket


@dataclass(frozen=True)
class OpenTicket:
    ticket_id: str
    level: int
    summary: str
    response_due: datetime
    onsite_due: datetime | None


@dataclass(frozen=True)
class AttachTicket:
    ticket_id: str


@dataclass(frozen=True)
class UpdateTicket:
    ticket_id: str
    note: str


@dataclass(frozen=True)
class ResolveByMonitoring:
    ticket_id: str


@dataclass(frozen=True)
class ReopenTicket:
    ticket_id: str
    level: int


@dataclass(frozen=True)
class ConfirmByMonitoring:
    ticket_id: str


Action = (
    OpenTicket
    | AttachTicket
    | UpdateTicket
    | ResolveByMonitoring
    | ReopenTicket
    | ConfirmByMonitoring
    | Notify
)


@dataclass(frozen=True)
class Outcome:
    problem: ProblemState  # always write it back (unchanged when held back or stale)
    ticket: Ticket | None  # the ticket to write; None when no ticket changed
    actions: tuple[Action, ...] = ()
    held_back: str | None = None  # "unreachable", "maintenance" or "stale": nothing counted

    @property
    def notifications(self) -> list[Notify]:
        return [a for a in self.actions if isinstance(a, Notify)]


def is_live(ticket: Ticket, observed_at: datetime, policy: Policy) -> bool:
    """Does a failure observed at `observed_at` belong to this ticket (update or reopen it)
    rather than to a new one? Active and resolved tickets: yes. Confirmed: only within the
    follow-up window after its resolution (a person confirmed early)."""
    if ticket.active or ticket.state is State.RESOLVED:
        return True
    return ticket.resolved_at is not None and observed_at <= ticket.resolved_at + policy.follow_up


def apply_result(
    problem: ProblemState,
    observation: Observation,
    device: DeviceContext,
    policy: Policy,
    now: datetime,
    *,
    ticket: Ticket | None = None,
    candidates: Iterable[Ticket] = (),
    new_id: Callable[[], str],
) -> Outcome:
    """Apply one observation to its problem. `ticket` is the problem's ticket (problem.ticket_id)
    when it has one; `candidates` are hand-registered tickets of the same device that may absorb
    the problem; `new_id()` is called only when a ticket is opened."""
    require_aware(now)
    require_aware(observation.observed_at, "observation.observed_at")
    fingerprint = observation.fingerprint
    if problem.fingerprint != fingerprint:
        raise ValueError(
            f"observation of {fingerprint} applied to the state of {problem.fingerprint}"
        )
    if problem.ticket_id is not None and (ticket is None or ticket.id != problem.ticket_id):
        raise ValueError(f"problem {fingerprint} belongs to ticket {problem.ticket_id}: pass it")
    if ticket is not None and problem.ticket_id is None:
        raise ValueError(
            f"ticket {ticket.id} is not linked to {fingerprint}: pass it in candidates"
        )

    if problem.last_seen_at is not None and observation.observed_at <= problem.last_seen_at:
        return Outcome(problem, None, held_back="stale")
    if observation.status is not Status.OK:
        if device.unreachable and not is_reachability(fingerprint.check):
            return Outcome(problem, None, held_back="unreachable")
        if policy.in_maintenance(
            device.customer, device.site, device.name, observation.observed_at
        ):
            return Outcome(problem, None, held_back="maintenance")

    base = problem
    if (
        ticket is not None
        and ticket.resolved_at is not None
        and ticket.state in (State.RESOLVED, State.CONFIRMED)
        and (problem.last_seen_at is None or problem.last_seen_at < ticket.resolved_at)
    ):
        # A relapse is counted from the first result observed after the resolution: failures
        # from before a person's fix do not reopen the ticket on their own.
        base = replace(problem, consecutive=0)
    state = base.observed(observation)

    if observation.status is Status.OK:
        return _recovered(state, ticket, observation, policy, now)
    return _failing(problem, state, ticket, observation, device, policy, now, candidates, new_id)


def _recovered(
    state: ProblemState, ticket: Ticket | None, obs: Observation, policy: Policy, now: datetime
) -> Outcome:
    if ticket is None:
        return Outcome(state, None)
    if ticket.active and not ticket.flapping:
        new, notes = t.resolve_by_monitoring(
            ticket, note=f"check OK again: {obs.summary}", policy=policy, now=now
        )
        return Outcome(state, new, (ResolveByMonitoring(new.id), *notes))
    if ticket.state is State.RESOLVED and t.follow_up_complete(ticket, state, policy):
        end = t.follow_up_end(ticket, state, policy)
        new, notes = t.confirm_by_monitoring(
            ticket, note=f"OK through the follow-up window (until {to_iso(end)})", now=now
        )
        return Outcome(state, new, (ConfirmByMonitoring(new.id), *notes))
    return Outcome(state, None)


def _failing(
    before: ProblemState,
    state: ProblemState,
    ticket: Ticket | None,
    obs: Observation,
    device: DeviceContext,
    policy: Policy,
    now: datetime,
    candidates: Iterable[Ticket],
    new_id: Callable[[], str],
) -> Outcome:
    fingerprint = obs.fingerprint
    level = policy.level_for(
        status=obs.status,
        check=fingerprint.check,
        device=fingerprint.device,
        criticality=device.criticality,
        declared_level=obs.declared_level,
        inspection=obs.inspection,
    )
    assert level is not None
    threshold = policy.damping_for(fingerprint.check)
    crossed = state.consecutive >= threshold
    failures = f"{state.consecutive} non-OK result{'s' if state.consecutive > 1 else ''} in a row"

    if ticket is not None and is_live(ticket, obs.observed_at, policy):
        if ticket.active:
            return _update(before, state, ticket, obs, level, threshold, policy, now)
        assert ticket.resolved_at is not None
        if crossed and obs.observed_at > ticket.resolved_at:
            new, notes = t.reopen(
                ticket,
                level=level,
                note=f"relapse ({failures}) after the resolution: {obs.status}: {obs.summary}",
                policy=policy,
                now=now,
            )
            return Outcome(state, new, (ReopenTicket(new.id, new.level), *notes))
        return Outcome(state, None)

    if not crossed:
        return Outcome(state, None)
    summary = f"{fingerprint}: {obs.summary}"
    for candidate in candidates:
        if t.matches_problem(candidate, fingerprint):
            new, notes = t.attach(
                candidate, fingerprint, note=f"{failures}, {obs.status}: {obs.summary}", now=now
            )
            actions: list[Action] = [AttachTicket(new.id)]
            new, more = t.raise_level(
                new,
                level,
                reason=f"{obs.status}: {obs.summary}",
                policy=policy,
                now=now,
            )
            actions += notes + more
            return Outcome(replace(state, ticket_id=new.id), new, tuple(actions))
    new, notes = t.open_ticket(
        id=new_id(),
        fingerprint=fingerprint,
        level=level,
        summary=summary,
        device=device,
        policy=policy,
        now=now,
        note=f"{failures}: {obs.status}: {obs.summary}",
    )
    opened = OpenTicket(new.id, new.level, new.summary, new.response_due, new.onsite_due)
    return Outcome(replace(state, ticket_id=new.id), new, (opened, *notes))


def _update(
    before: ProblemState,
    state: ProblemState,
    ticket: Ticket,
    obs: Observation,
    level: int,
    threshold: int,
    policy: Policy,
    now: datetime,
) -> Outcome:
    """Later failures of a problem whose ticket is being handled: one event per change, not
    one per result (a check failing every minute would bury the timeline)."""
    actions: list[Action] = []
    new = ticket
    if level < ticket.level:
        new, notes = t.raise_level(
            new,
            level,
            reason=f"{obs.status}: {obs.summary}",
            policy=policy,
            now=now,
        )
        actions += [UpdateTicket(new.id, new.events[-1].note), *notes]
    elif before.last_status is not None and not before.ok and before.last_status is not obs.status:
        note = f"{obs.status} (was {before.last_status}): {obs.summary}"
        new, notes = t.note_update(new, note=note, now=now)
        actions += [UpdateTicket(new.id, note), *notes]
    elif state.consecutive == threshold:
        # Only after a recovery (the count restarted): a flapping ticket stays open through
        # recoveries, and each time it crosses the threshold again is one note.
        note = f"failing again ({state.consecutive} in a row): {obs.status}: {obs.summary}"
        new, notes = t.note_update(new, note=note, now=now)
        actions += [UpdateTicket(new.id, note), *notes]
    return Outcome(state, new if actions else None, tuple(actions))
