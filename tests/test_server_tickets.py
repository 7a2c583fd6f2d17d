"""Fault tickets with a controllable clock: damping, one ticket per problem, SLA escalation at the
right minute, resolution and follow-up, relapse, flapping, inhibition, hand-registered tickets,
invalid transitions, the timeline and the dict round trip."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import count

import pytest

from checks.result import Item, Result
from checks.status import Status
from server import tickets as t
from server.faults import (
    AttachTicket,
    ConfirmByMonitoring,
    OpenTicket,
    Outcome,
    ReopenTicket,
    ResolveByMonitoring,
    UpdateTicket,
    apply_result,
)
from server.policy import MaintenanceWindow, Policy
from server.problems import (
    DeviceContext,
    Fingerprint,
    Observation,
    ProblemState,
    observations,
    unreachable_in,
)
from server.tickets import InvalidInput, InvalidTransition, Notify, State, Ticket

H = timedelta(hours=1)
M = timedelta(minutes=1)
T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)  # a Monday morning
ENGINEER = ("engineer",)
MANAGER = ("cs_manager",)
TOP = ("general_manager", "expert")

# The service terms of DESIGN.md, written out independently of the code under test.
CONTRACT = {
    ("urban", 1): (2 * H, 2 * H),
    ("urban", 2): (2 * H, 4 * H),
    ("urban", 3): (2 * H, 4 * H),
    ("urban", 4): (7 * 24 * H, None),
    ("suburban", 1): (4 * H, 4 * H),
    ("suburban", 2): (4 * H, 24 * H),
    ("suburban", 3): (4 * H, 24 * H),
    ("suburban", 4): (7 * 24 * H, None),
}
# How a result gets each level under the default policy: (status, criticality, inspection).
LEVEL_RECIPE = {
    1: (Status.CRITICAL, "high", False),
    2: (Status.CRITICAL, "medium", False),
    3: (Status.WARNING, "high", False),
    4: (Status.WARNING, "high", True),
}


@dataclass
class Desk:
    """An in-memory stand-in for the storage layer, following server.faults' caller protocol."""

    policy: Policy = field(default_factory=Policy)
    now: datetime = T0
    devices: dict[str, DeviceContext] = field(default_factory=dict)
    problems: dict[Fingerprint, ProblemState] = field(default_factory=dict)
    tickets: dict[str, Ticket] = field(default_factory=dict)
    sent: list[Notify] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    unreachable: dict[str, bool] = field(default_factory=dict)
    ids: count = field(default_factory=lambda: count(1))

    def device(
        self, name: str, zone: str = "urban", criticality: str = "medium", site: str = "hq"
    ) -> DeviceContext:
        self.devices[name] = DeviceContext(name, "bank", site, zone, criticality)
        return self.devices[name]

    def advance(self, delta: timedelta) -> datetime:
        self.now += delta
        return self.now

    def new_id(self) -> str:
        return f"T-{next(self.ids)}"

    def push(self, *results: Result, inspection: bool = False) -> list[Outcome]:
        """Ingest a batch: reachability first, then every observation of every result."""
        self.unreachable.update(unreachable_in(results))
        outcomes = []
        for result in sorted(results, key=lambda r: not r.check.endswith(".reachability")):
            ctx = self.devices[result.device]
            ctx = DeviceContext(
                ctx.name,
                ctx.customer,
                ctx.site,
                ctx.zone,
                ctx.criticality,
                unreachable=self.unreachable.get(result.device, False),
            )
            for obs in observations(result, inspection=inspection):
                outcomes.append(self.apply(obs, ctx))
        return outcomes

    def apply(self, obs: Observation, ctx: DeviceContext) -> Outcome:
        fp = obs.fingerprint
        problem = self.problems.get(fp) or ProblemState.new(fp)
        ticket = self.tickets.get(problem.ticket_id) if problem.ticket_id else None
        candidates = [x for x in self.tickets.values() if x.device == fp.device and not x.monitored]
        outcome = apply_result(
            problem,
            obs,
            ctx,
            self.policy,
            self.now,
            ticket=ticket,
            candidates=candidates,
            new_id=self.new_id,
        )
        self.problems[fp] = outcome.problem
        if outcome.ticket is not None:
            self.tickets[outcome.ticket.id] = outcome.ticket
        self.sent += outcome.notifications
        self.outcomes.append(outcome)
        return outcome

    def result(
        self,
        device: str,
        check: str,
        status: Status,
        summary: str = "",
        items: tuple[Item, ...] = (),
        level: int | None = None,
    ) -> Result:
        return Result(
            device=device,
            check=check,
            status=status,
            summary=summary or f"{check} {status}",
            items=list(items),
            observed_at=self.now,
            level=level,
        )

    def feed(self, device: str, check: str, statuses: str, every: timedelta = 5 * M) -> None:
        """One result per letter (O ok, W warning, C critical, U unknown), `every` apart."""
        letters = {"O": Status.OK, "W": Status.WARNING, "C": Status.CRITICAL, "U": Status.UNKNOWN}
        for letter in statuses:
            self.push(self.result(device, check, letters[letter]))
            self.advance(every)

    def tick(self) -> None:
        for ticket in list(self.tickets.values()):
            problem = self.problems.get(ticket.fingerprint) if ticket.fingerprint else None
            new, actions = t.tick(ticket, problem, self.policy, self.now)
            self.tickets[new.id] = new
            self.sent += actions

    def only_ticket(self) -> Ticket:
        (ticket,) = self.tickets.values()
        return ticket

    def do(self, fn, ticket_id: str, **kwargs) -> Ticket:  # type: ignore[no-untyped-def]
        new, actions = fn(self.tickets[ticket_id], now=self.now, **kwargs)
        self.tickets[ticket_id] = new
        self.sent += actions
        return new


@pytest.fixture
def desk() -> Desk:
    d = Desk()
    d.device("core-01", criticality="high")
    d.device("br-01", zone="suburban")
    return d


def kinds(ticket: Ticket) -> list[str]:
    return [e.kind for e in ticket.events]


# --- damping: N consecutive non-OK open ONE ticket ------------------------------------------


def test_a_failure_sequence_opens_exactly_one_ticket(desk: Desk) -> None:
    desk.feed("core-01", "huawei_vrp.cpu", "C")
    assert desk.tickets == {}
    assert desk.problems[Fingerprint("core-01", "huawei_vrp.cpu")].consecutive == 1
    desk.feed("core-01", "huawei_vrp.cpu", "C")
    ticket = desk.only_ticket()
    assert ticket.state is State.OPEN and ticket.level == 1 and ticket.monitored
    assert (ticket.device, ticket.check, ticket.item) == ("core-01", "huawei_vrp.cpu", None)
    assert ticket.opened_at == T0 + 5 * M
    assert ticket.summary == "core-01 huawei_vrp.cpu: huawei_vrp.cpu CRITICAL"
    assert [n.roles for n in desk.sent] == [ENGINEER]
    assert desk.sent[0].reason == "opened" and desk.sent[0].subject.startswith("[L1] opened:")
    desk.feed("core-01", "huawei_vrp.cpu", "CCCCCCCCCC")
    assert len(desk.tickets) == 1
    assert kinds(desk.only_ticket()) == ["opened"]  # an unchanged failure adds nothing
    opened = [a for o in desk.outcomes for a in o.actions if isinstance(a, OpenTicket)]
    assert len(opened) == 1 and opened[0].ticket_id == ticket.id
    assert desk.problems[Fingerprint("core-01", "huawei_vrp.cpu")].ticket_id == ticket.id


def test_unknown_and_warning_count_as_non_ok(desk: Desk) -> None:
    desk.feed("br-01", "snmp.uptime", "UW")
    assert desk.only_ticket().level == 3


def test_damping_per_check(desk: Desk) -> None:
    desk.policy = Policy(damping={"snmp.interfaces": 3, "huawei_vrp.": 1})
    desk.feed("br-01", "snmp.interfaces", "CC")
    assert desk.tickets == {}
    desk.feed("br-01", "snmp.interfaces", "C")
    assert len(desk.tickets) == 1
    desk.feed("br-01", "huawei_vrp.fans", "C")
    assert len(desk.tickets) == 2


def test_later_failures_update_only_on_change(desk: Desk) -> None:
    desk.feed("br-01", "huawei_vrp.temperature", "WW", every=H)
    ticket = desk.only_ticket()
    assert ticket.level == 3
    assert ticket.response_due == T0 + 1 * H + 4 * H
    assert ticket.onsite_due == T0 + 1 * H + 24 * H
    desk.feed("br-01", "huawei_vrp.temperature", "W")
    assert desk.only_ticket() == ticket
    desk.feed("br-01", "huawei_vrp.temperature", "C")  # at T0+3h: level 3 -> 2
    raised = desk.only_ticket()
    assert raised.level == 2 and kinds(raised) == ["opened", "level_raised"]
    assert raised.response_due == ticket.response_due  # the old one is sooner
    assert raised.onsite_due == ticket.onsite_due  # 3h + 24h is later than 1h + 24h
    assert desk.sent[-1].reason == "level_raised"
    desk.feed("br-01", "huawei_vrp.temperature", "U")
    assert kinds(desk.only_ticket())[-1] == "updated"
    assert "UNKNOWN (was CRITICAL)" in desk.only_ticket().events[-1].note
    assert desk.only_ticket().level == 2  # never lowered by monitoring
    update = desk.outcomes[-1].actions[0]
    assert isinstance(update, UpdateTicket) and update.ticket_id == ticket.id


def test_a_raised_level_tightens_unmet_deadlines(desk: Desk) -> None:
    desk.feed("core-01", "huawei_vrp.temperature", "WW", every=10 * M)
    ticket = desk.only_ticket()  # level 3, opened at T0+10m: on site by T0+4h10m
    desk.feed("core-01", "huawei_vrp.temperature", "C")  # T0+20m: level 1 on a high device
    raised = desk.only_ticket()
    assert raised.level == 1
    assert raised.response_due == ticket.response_due  # T0+2h10m < T0+20m+2h
    assert raised.onsite_due == T0 + 20 * M + 2 * H


# --- escalation at the right minute: zone x level -------------------------------------------


def open_at_level(desk: Desk, zone: str, level: int) -> Ticket:
    """A ticket of `level` opened by monitoring at exactly T0 at a site of `zone`."""
    status, criticality, inspection = LEVEL_RECIPE[level]
    desk.device("dev", zone=zone, criticality=criticality)
    desk.now = T0 - 5 * M
    desk.push(desk.result("dev", "huawei_vrp.temperature", status), inspection=inspection)
    desk.now = T0
    desk.push(desk.result("dev", "huawei_vrp.temperature", status), inspection=inspection)
    ticket = desk.only_ticket()
    assert (ticket.level, ticket.opened_at) == (level, T0)
    desk.sent.clear()
    return ticket


@pytest.mark.parametrize(("zone", "level"), sorted(CONTRACT))
def test_deadlines_follow_zone_and_level(zone: str, level: int) -> None:
    ticket = open_at_level(Desk(), zone, level)
    response, onsite = CONTRACT[(zone, level)]
    assert ticket.response_due == T0 + response
    assert ticket.onsite_due == (T0 + onsite if onsite else None)


@pytest.mark.parametrize(("zone", "level"), sorted(CONTRACT))
def test_response_deadline_escalates_at_the_minute(zone: str, level: int) -> None:
    desk = Desk()
    ticket = open_at_level(desk, zone, level)
    response, onsite = CONTRACT[(zone, level)]
    desk.now = T0 + response - M
    assert t.due_escalations(ticket, desk.policy, desk.now) == []
    desk.tick()
    assert desk.sent == [] and desk.only_ticket().escalation_step == 1

    desk.now = T0 + response
    desk.tick()
    ticket = desk.only_ticket()
    first = ticket.breaches[0]
    assert (first.kind, first.due, first.at, first.step) == ("response", T0 + response, desk.now, 2)
    assert desk.sent[0].roles == MANAGER and desk.sent[0].reason == "escalated"
    # Level 1 has the same on-site and response deadline: both pass in the same minute.
    both = onsite == response
    assert len(ticket.breaches) == len(desk.sent) == (2 if both else 1)
    assert ticket.escalation_step == (3 if both else 2)
    if both:
        assert ticket.breaches[1].kind == "onsite" and desk.sent[1].roles == TOP
    assert kinds(ticket).count("escalated") == len(ticket.breaches)
    assert all(e.actor == "scheduler" for e in ticket.events if e.kind == "escalated")

    desk.tick()  # the same minute again (another server process): nothing more
    desk.advance(M)
    desk.tick()
    assert desk.only_ticket() == ticket and len(desk.sent) == len(ticket.breaches)


@pytest.mark.parametrize(("zone", "level"), sorted(CONTRACT))
def test_onsite_deadline_escalates_at_the_minute(zone: str, level: int) -> None:
    desk = Desk()
    ticket = open_at_level(desk, zone, level)
    desk.now = T0 + 10 * M
    desk.do(t.acknowledge, ticket.id, actor="li.wei")  # the response is in time
    _, onsite = CONTRACT[(zone, level)]
    if onsite is None:  # level 4: no on-site visit, nothing escalates
        desk.now = T0 + 60 * 24 * H
        desk.tick()
        assert desk.sent == [] and desk.only_ticket().breaches == ()
        return
    desk.now = T0 + onsite - M
    desk.tick()
    assert desk.sent == []
    desk.now = T0 + onsite
    desk.tick()
    ticket = desk.only_ticket()
    (breach,) = ticket.breaches
    assert (breach.kind, breach.due, breach.step) == ("onsite", T0 + onsite, 2)
    assert ticket.escalation_step == 2
    assert [n.roles for n in desk.sent] == [MANAGER]
    desk.tick()
    assert len(desk.sent) == 1


def test_both_deadlines_missed_climb_to_the_top_step(desk: Desk) -> None:
    ticket = open_at_level(desk, "suburban", 2)  # response 4h, on site 24h
    desk.now = T0 + 5 * H
    desk.tick()
    desk.do(t.dispatch, ticket.id, engineer="wang.fang", eta=T0 + 30 * H, actor="zhao.min")
    assert desk.only_ticket().escalation_step == 2
    assert "after the on-site deadline" in desk.only_ticket().events[-1].note
    desk.now = T0 + 24 * H
    desk.tick()
    ticket = desk.only_ticket()
    assert ticket.escalation_step == 3
    assert [(b.kind, b.step) for b in ticket.breaches] == [("response", 2), ("onsite", 3)]
    assert [n.roles for n in desk.sent] == [MANAGER, TOP]
    assert "nobody on site" in desk.sent[-1].body


def test_a_late_scheduler_escalates_once_and_records_when(desk: Desk) -> None:
    ticket = open_at_level(desk, "urban", 3)
    desk.now = T0 + 3 * H  # response due at 2h: the scheduler ran an hour late
    new, actions = t.escalate(ticket, desk.policy, desk.now)
    (breach,) = new.breaches
    assert (breach.due, breach.at) == (T0 + 2 * H, T0 + 3 * H)
    assert len(actions) == 1
    assert t.escalate(new, desk.policy, desk.now) == (new, [])


def test_arrival_and_resolution_meet_the_deadlines(desk: Desk) -> None:
    ticket = open_at_level(desk, "urban", 2)
    desk.now = T0 + 30 * M
    desk.do(t.dispatch, ticket.id, engineer="wang.fang", eta=T0 + 3 * H, actor="zhao.min")
    desk.now = T0 + 3 * H
    desk.do(t.arrive, ticket.id, actor="wang.fang")
    desk.now = T0 + 30 * H
    desk.tick()
    assert desk.only_ticket().breaches == () and desk.sent == []
    other = open_at_level(Desk(), "urban", 1)
    resolved, _ = t.resolve(
        other, by="li.wei", notes="reseated the card", now=T0 + H, policy=Policy()
    )
    assert t.due_escalations(resolved, Policy(), T0 + 100 * H) == []


def test_a_breach_at_the_top_step_tells_the_top_step_again(desk: Desk) -> None:
    ticket = open_at_level(desk, "urban", 1)
    desk.now = T0 + 2 * H
    desk.tick()
    assert desk.only_ticket().escalation_step == 3
    desk.now = T0 + 3 * H
    desk.feed("dev", "huawei_vrp.temperature", "O")  # recovery
    desk.feed("dev", "huawei_vrp.temperature", "CC")  # relapse: reopened, fresh deadlines
    ticket = desk.only_ticket()
    assert ticket.state is State.OPEN and ticket.escalation_step == 3
    desk.sent.clear()
    desk.now = ticket.response_due
    desk.tick()
    ticket = desk.only_ticket()
    assert ticket.escalation_step == 3 and len(ticket.breaches) == 4
    assert [n.roles for n in desk.sent] == [TOP, TOP]


def test_manual_escalation(desk: Desk) -> None:
    ticket = open_at_level(desk, "urban", 2)
    new = desk.do(
        t.escalate_manually, ticket.id, actor="wang.fang", policy=desk.policy, note="vendor needed"
    )
    assert new.escalation_step == 2 and new.breaches == ()
    assert desk.sent[-1].roles == MANAGER and "vendor needed" in new.events[-1].note
    desk.do(t.escalate_manually, ticket.id, actor="wang.fang", policy=desk.policy)
    with pytest.raises(InvalidTransition, match="already at the top step"):
        desk.do(t.escalate_manually, ticket.id, actor="wang.fang", policy=desk.policy)


# --- recovery, follow-up, relapse -----------------------------------------------------------


def test_recovery_resolves_and_24h_of_ok_confirms(desk: Desk) -> None:
    desk.feed("core-01", "huawei_vrp.fans", "CC")
    recovered_at = desk.now
    desk.feed("core-01", "huawei_vrp.fans", "O", every=H)
    ticket = desk.only_ticket()
    assert ticket.state is State.RESOLVED and ticket.resolved_by == "monitoring"
    assert ticket.resolved_at == recovered_at
    assert isinstance(desk.outcomes[-1].actions[0], ResolveByMonitoring)
    assert desk.sent[-1].reason == "resolved"
    problem = desk.problems[ticket.fingerprint]  # type: ignore[index]
    assert t.follow_up_end(ticket, problem, desk.policy) == recovered_at + 24 * H
    desk.feed("core-01", "huawei_vrp.fans", "O" * 23, every=H)  # the last one at +23h
    desk.tick()
    assert desk.only_ticket().state is State.RESOLVED
    desk.now = recovered_at + 24 * H - M
    desk.feed("core-01", "huawei_vrp.fans", "O", every=M)
    assert desk.only_ticket().state is State.RESOLVED
    desk.feed("core-01", "huawei_vrp.fans", "O")  # observed exactly 24h after the recovery
    ticket = desk.only_ticket()
    assert ticket.state is State.CONFIRMED and ticket.confirmed_at == recovered_at + 24 * H
    assert ticket.events[-1].actor == "monitoring"
    assert isinstance(desk.outcomes[-1].actions[0], ConfirmByMonitoring)


def test_tick_confirms_when_the_evidence_is_there_and_not_on_silence() -> None:
    ticket = open_at_level(Desk(), "urban", 2)
    resolved, _ = t.resolve(ticket, by="monitoring", now=T0 + H, policy=Policy())
    fp = resolved.fingerprint
    assert fp is not None
    seen_ok = ProblemState(
        fp.device, fp.check, last_status=Status.OK, ok_since=T0 + H, last_seen_at=T0 + 20 * H
    )
    late = T0 + 100 * H
    assert t.tick(resolved, seen_ok, Policy(), late)[0].state is State.RESOLVED  # silence
    enough = ProblemState(
        fp.device, fp.check, last_status=Status.OK, ok_since=T0 + H, last_seen_at=T0 + 25 * H
    )
    confirmed, actions = t.tick(resolved, enough, Policy(), late)
    assert confirmed.state is State.CONFIRMED and actions == []
    assert t.tick(resolved, None, Policy(), late)[0].state is State.RESOLVED


def test_a_blip_below_the_threshold_restarts_the_follow_up(desk: Desk) -> None:
    desk.feed("br-01", "huawei_vrp.fans", "CCO", every=H)
    assert desk.only_ticket().state is State.RESOLVED
    desk.feed("br-01", "huawei_vrp.fans", "OOOOC", every=H)  # one failure 5h later
    assert desk.only_ticket().state is State.RESOLVED  # not reopened: below the threshold
    ok_again = desk.now
    desk.feed("br-01", "huawei_vrp.fans", "O" * 24, every=H)
    assert desk.only_ticket().state is State.RESOLVED  # 23h since the blip
    desk.feed("br-01", "huawei_vrp.fans", "O")
    ticket = desk.only_ticket()
    assert ticket.state is State.CONFIRMED and ticket.confirmed_at == ok_again + 24 * H
    assert len(desk.tickets) == 1


def test_a_relapse_within_the_follow_up_reopens_the_same_ticket(desk: Desk) -> None:
    desk.feed("br-01", "huawei_vrp.psu", "CC")
    first = desk.only_ticket()
    desk.now += 30 * M
    desk.do(t.acknowledge, first.id, actor="li.wei")
    desk.feed("br-01", "huawei_vrp.psu", "O", every=H)
    desk.feed("br-01", "huawei_vrp.psu", "C", every=H)
    assert desk.only_ticket().state is State.RESOLVED
    reopened_at = desk.now
    desk.feed("br-01", "huawei_vrp.psu", "C")
    ticket = desk.only_ticket()
    assert ticket.id == first.id and ticket.state is State.OPEN and ticket.reopened == 1
    assert ticket.opened_at == first.opened_at and ticket.raised_at == reopened_at
    assert ticket.response_due == reopened_at + 4 * H  # suburban level 2, counted afresh
    assert ticket.responded_at is None and ticket.resolved_at is None
    assert kinds(ticket) == ["opened", "acknowledged", "resolved", "reopened"]
    reopen = desk.outcomes[-1].actions[0]
    assert isinstance(reopen, ReopenTicket) and reopen.ticket_id == first.id
    assert desk.sent[-1].reason == "reopened" and desk.sent[-1].roles == ENGINEER


def test_a_relapse_after_an_early_confirmation(desk: Desk) -> None:
    desk.feed("br-01", "huawei_vrp.psu", "CCO", every=H)
    ticket = desk.only_ticket()
    desk.do(t.confirm, ticket.id, by="li.wei", satisfaction=5, note="customer happy")
    desk.feed("br-01", "huawei_vrp.psu", "CC", every=H)  # within 24h of the resolution
    assert desk.only_ticket().state is State.OPEN and desk.only_ticket().confirmed_at is None
    desk.feed("br-01", "huawei_vrp.psu", "O", every=H)
    # After a relapse the ticket is flapping: the recovery no longer resolves it by itself.
    assert desk.only_ticket().state is State.OPEN and desk.only_ticket().flapping
    desk.do(t.resolve, ticket.id, by="li.wei", notes="replaced PSU 2", policy=desk.policy)
    desk.do(t.confirm, ticket.id, by="li.wei")
    desk.now = desk.tickets[ticket.id].resolved_at + 25 * H  # type: ignore[operator]
    desk.feed("br-01", "huawei_vrp.psu", "CC")  # long after: a new fault, a new ticket
    assert len(desk.tickets) == 2
    assert desk.tickets[ticket.id].state is State.CONFIRMED
    assert desk.problems[Fingerprint("br-01", "huawei_vrp.psu")].ticket_id == "T-2"


def test_failures_from_before_a_persons_fix_do_not_reopen(desk: Desk) -> None:
    desk.feed("br-01", "huawei_vrp.psu", "CCC")
    ticket = desk.only_ticket()
    desk.do(t.resolve, ticket.id, by="li.wei", notes="replaced PSU 2", policy=desk.policy)
    desk.feed("br-01", "huawei_vrp.psu", "C")  # the first result after the fix still fails
    assert desk.only_ticket().state is State.RESOLVED
    desk.feed("br-01", "huawei_vrp.psu", "C")
    assert desk.only_ticket().state is State.OPEN  # two in a row after the fix: it relapsed


# --- flapping -------------------------------------------------------------------------------


def test_flapping_below_the_threshold_never_opens_a_ticket(desk: Desk) -> None:
    desk.feed("br-01", "snmp.interfaces", "CO" * 30)
    assert desk.tickets == {}
    assert desk.problems[Fingerprint("br-01", "snmp.interfaces")].consecutive == 0


def test_flapping_across_the_threshold_keeps_one_ticket_open(desk: Desk) -> None:
    desk.feed("br-01", "snmp.interfaces", "CCO")
    assert desk.only_ticket().state is State.RESOLVED
    desk.feed("br-01", "snmp.interfaces", "CCO" * 10)
    ticket = desk.only_ticket()
    assert ticket.state is State.OPEN and ticket.reopened == 1 and ticket.flapping
    assert kinds(ticket).count("reopened") == 1
    assert kinds(ticket).count("resolved") == 1
    # each later crossing is one timeline note, no notification
    assert kinds(ticket).count("updated") == 9
    assert [n.reason for n in desk.sent] == ["opened", "resolved", "reopened"]
    desk.do(t.resolve, ticket.id, by="li.wei", notes="replaced the SFP", policy=desk.policy)
    desk.feed("br-01", "snmp.interfaces", "O" * 300)  # 25h of OK
    assert desk.only_ticket().state is State.CONFIRMED


# --- inhibition: an unreachable device is one problem ---------------------------------------


def test_unreachable_device_is_one_ticket_and_holds_back_the_others(desk: Desk) -> None:
    desk.feed("br-01", "huawei_vrp.cpu", "C")  # one failure before the outage
    cpu = Fingerprint("br-01", "huawei_vrp.cpu")
    for _ in range(6):
        desk.push(
            desk.result("br-01", "snmp.reachability", Status.CRITICAL, "no SNMP answer"),
            desk.result("br-01", "huawei_vrp.cpu", Status.UNKNOWN),
            desk.result("br-01", "huawei_vrp.fans", Status.CRITICAL),
        )
        desk.advance(5 * M)
    ticket = desk.only_ticket()
    assert (ticket.check, ticket.level) == ("snmp.reachability", 2)
    assert desk.problems[cpu].consecutive == 1  # frozen: held back, neither counted nor reset
    assert desk.problems[Fingerprint("br-01", "huawei_vrp.fans")].consecutive == 0
    held = {o.held_back for o in desk.outcomes if o.held_back}
    assert held == {"unreachable"}
    # back again: the reachability ticket resolves, other checks count from where they were
    desk.push(
        desk.result("br-01", "snmp.reachability", Status.OK),
        desk.result("br-01", "huawei_vrp.cpu", Status.CRITICAL),
    )
    assert desk.tickets[ticket.id].state is State.RESOLVED
    assert desk.problems[cpu].consecutive == 2 and len(desk.tickets) == 2


def test_unreachable_on_a_high_device_is_level_1(desk: Desk) -> None:
    desk.feed("core-01", "snmp.reachability", "CC")
    assert desk.only_ticket().level == 1


def test_unreachable_is_decided_from_the_batch() -> None:
    d = Desk()
    d.device("a")
    d.device("b")
    early = d.result("a", "snmp.reachability", Status.CRITICAL)
    d.advance(M)
    batch = [
        early,
        d.result("a", "snmp.reachability", Status.OK),
        d.result("b", "snmp.reachability", Status.CRITICAL),
        d.result("b", "x.cpu", Status.OK),
    ]
    assert unreachable_in(batch) == {"a": False, "b": True}


# --- tickets registered by hand -------------------------------------------------------------


def register(desk: Desk, device: str | None, **kw: object) -> Ticket:
    place = desk.devices[device] if device else DeviceContext(None, "bank", "hq", "urban")
    args: dict[str, object] = {
        "reporter": {"name": "Chen Jing", "organisation": "Bank HQ IT", "phone": "+86 591 0000"},
        "symptom": "core switch alarms, branch links slow",
        "channel": "phone",
        "actor": "hotline.zhou",
    }
    args.update(kw)
    ticket, actions = t.register(
        id=desk.new_id(), place=place, policy=desk.policy, now=desk.now, **args
    )  # type: ignore[arg-type]
    desk.tickets[ticket.id] = ticket
    desk.sent += actions
    return ticket


def test_a_hotline_ticket_follows_the_same_rules(desk: Desk) -> None:
    ticket = register(desk, "core-01")
    assert ticket.level == 1  # proposed from the device's criticality (high)
    assert (ticket.source, ticket.monitored, ticket.channel) == ("manual", False, "phone")
    assert ticket.response_due == T0 + 2 * H and ticket.onsite_due == T0 + 2 * H
    assert desk.sent[-1].roles == ENGINEER and "Chen Jing" in desk.sent[-1].body
    assert register(desk, "br-01").level == 2
    assert register(desk, "br-01", level=3).onsite_due == T0 + 24 * H
    site_only = register(desk, None)
    assert site_only.device is None and site_only.level == 2
    desk.now = T0 + 2 * H
    desk.tick()
    assert desk.tickets[ticket.id].escalation_step == 3  # L1 urban: both deadlines at 2h


def test_a_later_automatic_failure_attaches_to_the_hotline_ticket(desk: Desk) -> None:
    ticket = register(desk, "core-01", level=2)
    desk.advance(10 * M)
    desk.do(t.acknowledge, ticket.id, actor="li.wei")
    desk.feed("core-01", "huawei_vrp.fans", "CCC")
    assert len(desk.tickets) == 1
    attached = desk.only_ticket()
    assert attached.monitored and attached.check == "huawei_vrp.fans"
    assert attached.state is State.ACKNOWLEDGED
    assert attached.level == 1  # monitoring found it more severe on a high device
    assert kinds(attached) == ["registered", "acknowledged", "attached", "level_raised"]
    assert any(isinstance(a, AttachTicket) for o in desk.outcomes for a in o.actions)
    assert desk.problems[Fingerprint("core-01", "huawei_vrp.fans")].ticket_id == ticket.id
    desk.feed("core-01", "huawei_vrp.cpu", "CC")  # another problem: its own ticket
    assert len(desk.tickets) == 2
    desk.feed("core-01", "huawei_vrp.fans", "O")
    assert desk.tickets[ticket.id].state is State.RESOLVED


def test_a_hotline_ticket_naming_a_check_absorbs_only_that_check(desk: Desk) -> None:
    ticket = register(desk, "br-01", check="snmp.reachability")
    desk.feed("br-01", "huawei_vrp.cpu", "CC")
    assert len(desk.tickets) == 2
    desk.feed("br-01", "snmp.reachability", "CC")
    assert len(desk.tickets) == 2 and desk.tickets[ticket.id].monitored
    site_only = register(desk, None)
    assert not t.matches_problem(site_only, Fingerprint("br-01", "x.fans"))


def test_a_hand_ticket_without_monitoring_gets_a_follow_up_reminder(desk: Desk) -> None:
    ticket = register(desk, "br-01")
    desk.advance(H)
    desk.do(t.resolve, ticket.id, by="li.wei", notes="reset the modem remotely", policy=desk.policy)
    desk.sent.clear()
    desk.advance(24 * H - M)
    desk.tick()
    assert desk.sent == []
    desk.advance(M)
    desk.tick()
    desk.tick()
    assert [n.reason for n in desk.sent] == ["follow_up_due"]
    assert desk.tickets[ticket.id].state is State.RESOLVED  # a person confirms it
    desk.do(t.confirm, ticket.id, by="hotline.zhou", satisfaction=4)
    assert desk.tickets[ticket.id].satisfaction == 4


# --- manual transitions: the timeline and the invalid ones ----------------------------------


def test_every_transition_is_in_the_timeline_with_actor_and_time(desk: Desk) -> None:
    ticket = register(desk, "br-01")
    steps = [
        (t.acknowledge, {"actor": "li.wei", "note": "calling the branch"}),
        (t.comment, {"actor": "li.wei", "note": "branch confirms the fan noise"}),
        (t.dispatch, {"engineer": "wang.fang", "eta": T0 + 3 * H, "actor": "zhao.min"}),
        (t.arrive, {"actor": "wang.fang"}),
        (
            t.resolve,
            {
                "by": "wang.fang",
                "notes": "replaced FAN 2",
                "policy": desk.policy,
                "parts": [{"name": "FAN-2 module", "qty": 1, "price": 420.0}],
                "labour_hours": 1.5,
                "base_fee": 300,
            },
        ),
        (
            t.complaint,
            {"actor": "hotline.zhou", "text": "engineer arrived late", "policy": desk.policy},
        ),
        (t.confirm, {"by": "hotline.zhou", "satisfaction": 4, "note": "customer ok"}),
        (t.record_satisfaction, {"by": "hotline.zhou", "satisfaction": 5}),
    ]
    times = []
    for fn, kwargs in steps:
        desk.advance(20 * M)
        times.append(desk.now)
        ticket = desk.do(fn, ticket.id, **kwargs)
    assert kinds(ticket) == [
        "registered",
        "acknowledged",
        "comment",
        "dispatched",
        "arrived",
        "resolved",
        "complaint",
        "confirmed",
        "satisfaction",
    ]
    assert [e.at for e in ticket.events[1:]] == times
    assert [e.actor for e in ticket.events] == [
        "hotline.zhou",
        "li.wei",
        "li.wei",
        "zhao.min",
        "wang.fang",
        "wang.fang",
        "hotline.zhou",
        "hotline.zhou",
        "hotline.zhou",
    ]
    assert ticket.revision == len(ticket.events)
    assert ticket.charges.total == 720.0 and ticket.charges.labour_hours == 1.5
    assert ticket.satisfaction == 5 and ticket.state is State.CONFIRMED
    assert ticket.dispatch == t.Dispatch("wang.fang", T0 + 3 * H)
    complaint = next(n for n in desk.sent if n.reason == "complaint")
    assert complaint.roles == ("admin",) and "arrived late" in complaint.body


def test_transitions_do_not_modify_their_input(desk: Desk) -> None:
    ticket = register(desk, "br-01")
    before = ticket.to_dict()
    t.acknowledge(ticket, actor="li.wei", now=desk.now)
    assert ticket.to_dict() == before


@pytest.mark.parametrize(
    ("prepare", "fn", "kwargs", "reason"),
    [
        ([], t.arrive, {"actor": "a"}, "nobody was dispatched"),
        (
            ["acknowledge"],
            t.acknowledge,
            {"actor": "a"},
            "cannot acknowledge ticket T-1: it is acknowledged (only possible when it is open)",
        ),
        ([], t.confirm, {"by": "a"}, "cannot confirm ticket T-1: it is open"),
        ([], t.record_satisfaction, {"by": "a", "satisfaction": 3}, "it is open"),
        (
            ["resolve", "confirm"],
            t.resolve,
            {"by": "a", "notes": "x", "policy": Policy()},
            "cannot resolve ticket T-1: it is confirmed",
        ),
        (
            ["dispatch", "arrive"],
            t.dispatch,
            {"engineer": "b", "eta": T0 + H, "actor": "a"},
            "it is on_site",
        ),
        (["resolve"], t.escalate_manually, {"actor": "a", "policy": Policy()}, "it is resolved"),
    ],
)
def test_invalid_transitions_say_why(prepare, fn, kwargs, reason) -> None:  # type: ignore[no-untyped-def]
    desk = Desk()
    desk.device("br-01")
    ticket = register(desk, "br-01")
    setup = {
        "acknowledge": lambda x: t.acknowledge(x, actor="a", now=T0),
        "dispatch": lambda x: t.dispatch(x, engineer="b", eta=T0 + H, actor="a", now=T0),
        "arrive": lambda x: t.arrive(x, actor="b", now=T0),
        "resolve": lambda x: t.resolve(x, by="a", notes="fixed", now=T0, policy=Policy()),
        "confirm": lambda x: t.confirm(x, by="a", now=T0),
    }
    for step in prepare:
        ticket, _ = setup[step](ticket)
    with pytest.raises(InvalidTransition) as caught:
        fn(ticket, now=T0, **kwargs)
    assert reason in caught.value.reason


@pytest.mark.parametrize(
    ("fn", "kwargs", "reason"),
    [
        (
            t.confirm,
            {"by": "a", "satisfaction": 6},
            "satisfaction must be a whole number from 1 to 5",
        ),
        (t.confirm, {"by": "a", "satisfaction": True}, "satisfaction must be"),
        (t.acknowledge, {"actor": " "}, "actor is required"),
        (t.comment, {"actor": "a", "note": ""}, "note is required"),
        (
            t.resolve,
            {"by": "a", "policy": Policy()},
            "notes (how the fault was handled) is required",
        ),
        (
            t.resolve,
            {"by": "a", "notes": "x", "policy": Policy(), "parts": [{"name": "fan", "qty": 0}]},
            "parts[0]: qty must be a whole number of 1 or more",
        ),
        (
            t.resolve,
            {"by": "a", "notes": "x", "policy": Policy(), "parts": [{"name": "fan", "cost": 1}]},
            "parts[0]: unknown field(s) cost",
        ),
        (
            t.resolve,
            {"by": "a", "notes": "x", "policy": Policy(), "labour_hours": -1},
            "labour_hours must be from 0",
        ),
        (t.dispatch, {"engineer": "b", "eta": T0 - H, "actor": "a"}, "is in the past"),
        (
            t.dispatch,
            {"engineer": "b", "eta": datetime(2025, 1, 6, 12), "actor": "a"},
            "eta must be a date and time with its time zone",
        ),
    ],
)
def test_invalid_input_says_what(fn, kwargs, reason) -> None:  # type: ignore[no-untyped-def]
    desk = Desk()
    desk.device("br-01")
    ticket = register(desk, "br-01")
    if fn is t.confirm:
        ticket, _ = t.resolve(ticket, by="a", notes="fixed", now=T0, policy=Policy())
    with pytest.raises(InvalidInput) as caught:
        fn(ticket, now=T0, **kwargs)
    assert reason in caught.value.reason


def test_registration_input_is_validated(desk: Desk) -> None:
    with pytest.raises(InvalidInput, match="channel must be one of phone, email, fax, web"):
        register(desk, "br-01", channel="pigeon")
    with pytest.raises(InvalidInput, match=r"reporter\.name is required"):
        register(desk, "br-01", reporter={"phone": "1"})
    with pytest.raises(InvalidInput, match="level must be 1, 2, 3 or 4"):
        register(desk, "br-01", level=0)
    with pytest.raises(InvalidInput, match="symptom is required"):
        register(desk, "br-01", symptom=" ")
    with pytest.raises(InvalidInput, match="only be named together with a device"):
        register(desk, None, check="x.cpu")
    with pytest.raises(ValueError, match="timezone-aware"):
        t.acknowledge(register(desk, "br-01"), actor="a", now=datetime(2025, 1, 6, 9))


# --- observations, stale results, maintenance -----------------------------------------------


def test_a_result_is_one_observation_per_item_plus_the_check() -> None:
    result = Result(
        device="br-01",
        check="huawei_vrp.fans",
        status=Status.CRITICAL,
        summary="FAN 2 failed",
        items=[Item("FAN 1", Status.OK), Item("FAN 2", Status.CRITICAL, "fan stopped")],
        observed_at=T0,
        level=2,
    )
    obs = {o.fingerprint.item: o for o in observations(result)}
    assert set(obs) == {"FAN 1", "FAN 2", ""}
    assert obs["FAN 2"].status is Status.CRITICAL and obs["FAN 2"].summary == "fan stopped"
    assert obs["FAN 2"].declared_level == 2 and obs["FAN 1"].declared_level is None
    assert obs[""].status is Status.OK  # the items explain the result
    hot = Result(
        device="br-01",
        check="huawei_vrp.temperature",
        status=Status.WARNING,
        summary="board 1 at 61 C",
        items=[Item("board 1", Status.OK)],
        observed_at=T0,
    )
    assert {o.fingerprint.item: o.status for o in observations(hot)}[""] is Status.WARNING


def test_per_item_problems_get_their_own_tickets(desk: Desk) -> None:
    for _ in range(2):
        desk.push(
            desk.result(
                "br-01",
                "huawei_vrp.fans",
                Status.CRITICAL,
                "2 fans failed",
                items=(
                    Item("FAN 1", Status.CRITICAL),
                    Item("FAN 2", Status.CRITICAL),
                    Item("FAN 3", Status.OK),
                ),
                level=2,
            )
        )
        desk.advance(5 * M)
    assert sorted(x.item for x in desk.tickets.values()) == ["FAN 1", "FAN 2"]
    assert {x.level for x in desk.tickets.values()} == {2}


def test_stale_and_repeated_results_change_nothing(desk: Desk) -> None:
    result = desk.result("br-01", "huawei_vrp.cpu", Status.CRITICAL)
    desk.push(result)
    desk.push(result)  # the same result again
    desk.now -= H
    desk.push(desk.result("br-01", "huawei_vrp.cpu", Status.CRITICAL))  # older than the last
    assert desk.problems[Fingerprint("br-01", "huawei_vrp.cpu")].consecutive == 1
    assert [o.held_back for o in desk.outcomes] == [None, "stale", "stale"]


def test_maintenance_holds_back_faults_and_pauses_the_clock(desk: Desk) -> None:
    window = MaintenanceWindow(start=T0, end=T0 + 2 * H, device="br-*", reason="upgrade")
    desk.policy = Policy(maintenance=(window,))
    desk.device("br-02")
    desk.feed("br-01", "huawei_vrp.cpu", "CCCC", every=30 * M)
    assert desk.tickets == {}
    assert {o.held_back for o in desk.outcomes} == {"maintenance"}
    # A ticket opened 1h before the window: its clocks stop for the window's 2h.
    desk.now = T0 - 65 * M
    desk.feed("br-02", "huawei_vrp.cpu", "CC")
    ticket = desk.tickets["T-1"]
    assert ticket.opened_at == T0 - H
    assert ticket.response_due == T0 - H + 2 * H + 2 * H
    assert ticket.onsite_due == T0 - H + 4 * H + 2 * H
    desk.now = T0 + 3 * H - M
    desk.tick()
    assert desk.tickets["T-1"].breaches == ()
    desk.now = T0 + 3 * H
    desk.tick()
    assert [b.kind for b in desk.tickets["T-1"].breaches] == ["response"]


def test_apply_result_refuses_a_mismatched_ticket(desk: Desk) -> None:
    desk.feed("br-01", "huawei_vrp.cpu", "CC")
    fp = Fingerprint("br-01", "huawei_vrp.cpu")
    obs = Observation(fp, Status.CRITICAL, "x", desk.now)
    with pytest.raises(ValueError, match="pass it"):
        apply_result(
            desk.problems[fp], obs, desk.devices["br-01"], desk.policy, desk.now, new_id=desk.new_id
        )
    with pytest.raises(ValueError, match="applied to the state of"):
        apply_result(
            ProblemState.new(Fingerprint("x", "y")),
            obs,
            desk.devices["br-01"],
            desk.policy,
            desk.now,
            new_id=desk.new_id,
        )


# --- serialisation --------------------------------------------------------------------------


def test_ticket_and_problem_round_trip_through_json(desk: Desk) -> None:
    ticket = register(desk, "core-01", check="huawei_vrp.fans")
    desk.feed("core-01", "huawei_vrp.fans", "CC")
    desk.do(t.dispatch, ticket.id, engineer="wang.fang", eta=desk.now + H, actor="zhao.min")
    desk.now = T0 + 3 * H
    desk.tick()
    desk.do(t.arrive, ticket.id, actor="wang.fang")
    desk.do(
        t.resolve,
        ticket.id,
        by="wang.fang",
        notes="new fan",
        policy=desk.policy,
        parts=[t.Part("fan", 2, 99.5)],
        labour_hours=2,
    )
    ticket = desk.tickets[ticket.id]
    assert ticket.breaches and ticket.reporter and ticket.dispatch and ticket.charges.parts
    data = json.loads(json.dumps(ticket.to_dict()))
    assert Ticket.from_dict(data) == ticket
    assert data["state"] == "resolved" and data["opened_at"] == "2025-01-06T09:00:00Z"
    assert set(data) >= {
        "id",
        "customer",
        "site",
        "device",
        "check",
        "item",
        "level",
        "state",
        "summary",
        "opened_at",
        "response_due",
        "onsite_due",
        "escalation_step",
        "breaches",
        "events",
        "charges",
        "satisfaction",
    }
    assert data["events"][0] == {
        "at": "2025-01-06T09:00:00Z",
        "kind": "registered",
        "actor": "hotline.zhou",
        "note": "phone from Chen Jing, Bank HQ IT: core switch alarms, branch links slow",
    }
    assert data["charges"]["parts"] == [{"name": "fan", "qty": 2, "price": 99.5}]
    for problem in desk.problems.values():
        assert ProblemState.from_dict(json.loads(json.dumps(problem.to_dict()))) == problem
    odd = ProblemState("d", "c", last_seen_at=T0 + timedelta(microseconds=7))
    assert ProblemState.from_dict(odd.to_dict()) == odd


def test_resolve_by_monitoring_through_resolve(desk: Desk) -> None:
    ticket = open_at_level(desk, "urban", 2)
    new, actions = t.resolve(ticket, by="monitoring", now=T0 + H, policy=desk.policy)
    assert (new.state, new.resolved_by, new.events[-1].actor) == (
        State.RESOLVED,
        "monitoring",
        "monitoring",
    )
    assert new.charges.total == 0.0 and [a.reason for a in actions] == ["resolved"]


def test_apply_result_leaves_its_inputs_alone(desk: Desk) -> None:
    desk.feed("br-01", "huawei_vrp.cpu", "C")
    fp = Fingerprint("br-01", "huawei_vrp.cpu")
    problem = desk.problems[fp]
    before = problem.to_dict()
    obs = Observation(fp, Status.CRITICAL, "x", desk.now)
    outcome = apply_result(
        problem, obs, desk.devices["br-01"], desk.policy, desk.now, new_id=lambda: "T-77"
    )
    assert problem.to_dict() == before and outcome.problem.ticket_id == "T-77"
    calls: list[int] = []
    apply_result(
        ProblemState.new(fp),
        obs,
        desk.devices["br-01"],
        desk.policy,
        desk.now,
        new_id=lambda: str(calls.append(1)),
    )
    assert calls == []  # no id is taken unless a ticket opens
