"""The whole fault lifecycle through the API, the scheduler and the database, with a
controllable clock, on SQLite and PostgreSQL: damping, one ticket per problem, escalation at the
right minute per zone and level, resolution by monitoring, the 24 h follow-up, relapse,
flapping, unreachable inhibition, hotline tickets absorbing automatic failures.

The pure domain (test_server_tickets.py) proves the rules exhaustively; these tests prove the
wiring: that storage, locking, the scheduler pass and the API carry them out."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from server.models import outbox
from tests.server_support import Server

MIN = timedelta(minutes=1)


def kinds(ticket: dict) -> list[str]:
    return [e["kind"] for e in ticket["events"] if e["actor"] != "notifier"]


def outbox_rows(server: Server) -> list[dict]:
    with server.services.db.read() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(outbox).order_by(outbox.c.id))]


def test_two_failures_open_one_ticket_and_later_failures_update_it(server: Server) -> None:
    server.observe("hq-srv", "imm.health", "CRITICAL", summary="board fault")
    assert server.tickets() == []
    server.observe("hq-srv", "imm.health", "CRITICAL", summary="board fault")
    (ticket,) = server.tickets()
    assert ticket["device"] == "hq-srv" and ticket["check"] == "imm.health"
    assert ticket["level"] == 2 and ticket["state"] == "open"
    assert ticket["customer"] == "bank" and ticket["site"] == "hq" and ticket["zone"] == "urban"
    for _ in range(5):
        server.observe("hq-srv", "imm.health", "CRITICAL", summary="board fault")
    server.observe("hq-srv", "imm.health", "WARNING", summary="board degraded")
    (again,) = server.tickets()
    assert again["id"] == ticket["id"]
    assert kinds(server.ticket(ticket["id"])) == ["opened", "updated"]
    opened = [r for r in outbox_rows(server) if r["reason"] == "opened"]
    assert len(opened) == 1 and opened[0]["roles"] == ["engineer"]


def test_each_failed_item_is_its_own_problem(server: Server) -> None:
    fans = [
        {"item": "FAN 1", "status": "CRITICAL", "detail": "FAN 1 failed"},
        {"item": "FAN 2", "status": "CRITICAL", "detail": "FAN 2 failed"},
        {"item": "FAN 3", "status": "OK"},
    ]
    for _ in range(2):
        server.observe("hq-core", "huawei_vrp.fans", "CRITICAL", items=fans)
    tickets = server.tickets()
    assert sorted(t["item"] for t in tickets) == ["FAN 1", "FAN 2"]
    assert {t["level"] for t in tickets} == {1}


# device, status, declared level -> zone, level, response and on-site deadlines in minutes
ESCALATION_CASES = [
    ("hq-core", "CRITICAL", None, 1, 120, 120),
    ("hq-srv", "CRITICAL", None, 2, 120, 240),
    ("hq-srv", "WARNING", None, 3, 120, 240),
    ("hq-srv", "WARNING", 4, 4, 7 * 24 * 60, None),
    ("br-core", "CRITICAL", None, 1, 240, 240),
    ("br-sw", "CRITICAL", None, 2, 240, 24 * 60),
    ("br-sw", "WARNING", None, 3, 240, 24 * 60),
]


@pytest.mark.parametrize(
    ("device", "status", "declared", "level", "response_min", "onsite_min"),
    ESCALATION_CASES,
    ids=[f"{c[0]}-L{c[3]}" for c in ESCALATION_CASES],
)
def test_the_scheduler_escalates_at_the_right_minute(
    server: Server,
    device: str,
    status: str,
    declared: int | None,
    level: int,
    response_min: int,
    onsite_min: int | None,
) -> None:
    server.observe(device, "snmp.health", status, level=declared)
    server.observe(device, "snmp.health", status, level=declared)
    opened_at = server.clock.now()
    (ticket,) = server.tickets()
    assert ticket["level"] == level
    assert ticket["zone"] == ("urban" if device.startswith("hq") else "suburban")

    def step_at(minutes: int) -> int:
        server.clock.set(opened_at + timedelta(minutes=minutes))
        server.tick()
        return server.ticket(ticket["id"])["escalation_step"]

    assert step_at(response_min - 1) == 1
    both = onsite_min == response_min
    assert step_at(response_min) == (3 if both else 2)
    assert step_at(response_min) == (3 if both else 2)  # a second pass the same minute: no-op
    if onsite_min is not None and not both:
        assert step_at(onsite_min - 1) == 2
        assert step_at(onsite_min) == 3
    final = server.ticket(ticket["id"])
    expected = ["response"] + (["onsite"] if onsite_min is not None else [])
    assert [b["kind"] for b in final["breaches"]] == expected
    assert final["breaches"][0]["due"] == final["response_due"]
    escalations = [r for r in outbox_rows(server) if r["reason"] == "escalated"]
    assert escalations[0]["roles"] == ["cs_manager"]
    if onsite_min is not None:
        assert escalations[1]["roles"] == ["general_manager", "expert"]
    metrics = server.client.get("/metrics", headers=server.headers("viewer")).text
    assert f"patrol_sla_breaches_total {len(expected)}.0" in metrics


def test_an_acknowledged_ticket_does_not_escalate_for_the_response(server: Server) -> None:
    for _ in range(2):
        server.observe("hq-srv", "imm.health", "CRITICAL")
    (ticket,) = server.tickets()
    assert server.act(ticket["id"], "ack", {"note": "looking"}).status_code == 200
    server.clock.advance(hours=3)
    server.tick()
    after = server.ticket(ticket["id"])
    assert after["escalation_step"] == 1 and after["breaches"] == []
    server.clock.advance(hours=1)
    server.tick()
    assert [b["kind"] for b in server.ticket(ticket["id"])["breaches"]] == ["onsite"]


def test_recovery_resolves_and_24_hours_ok_confirm(server: Server) -> None:
    for _ in range(2):
        server.observe("hq-srv", "imm.health", "CRITICAL")
    server.observe("hq-srv", "imm.health", "OK")
    (ticket,) = server.tickets()
    assert ticket["state"] == "resolved" and ticket["resolved_by"] == "monitoring"
    resolved_at = server.clock.now()
    server.observe("hq-srv", "imm.health", "OK", every=timedelta(hours=12))
    server.tick()
    assert server.ticket(ticket["id"])["state"] == "resolved"
    server.clock.set(resolved_at + timedelta(hours=24))
    server.push(server.result("hq-srv", "imm.health", "OK"))
    confirmed = server.ticket(ticket["id"])
    assert confirmed["state"] == "confirmed"
    assert kinds(confirmed) == ["opened", "resolved", "confirmed"]
    assert confirmed["events"][-1]["actor"] == "monitoring"


def test_the_scheduler_confirms_once_the_window_is_covered(server: Server) -> None:
    for _ in range(2):
        server.observe("hq-srv", "imm.health", "CRITICAL")
    (ticket,) = server.tickets()
    response = server.act(ticket["id"], "resolve", {"notes": "reseated the board"})
    assert response.status_code == 200 and response.json()["state"] == "resolved"
    server.observe("hq-srv", "imm.health", "OK")
    # The result that covers the window arrives first; the scheduler pass then confirms.
    server.clock.advance(hours=25)
    server.push(server.result("hq-srv", "imm.health", "OK"))
    server.tick()
    assert server.ticket(ticket["id"])["state"] == "confirmed"


def test_a_relapse_reopens_the_same_ticket(server: Server) -> None:
    for _ in range(2):
        server.observe("hq-srv", "imm.health", "CRITICAL")
    server.observe("hq-srv", "imm.health", "OK")
    server.observe("hq-srv", "imm.health", "CRITICAL")
    (ticket,) = server.tickets()
    assert ticket["state"] == "resolved"  # one failure is below the damping threshold
    server.observe("hq-srv", "imm.health", "CRITICAL")
    (reopened,) = server.tickets()
    assert reopened["id"] == ticket["id"]
    assert reopened["state"] == "open" and reopened["reopened"] == 1
    assert kinds(reopened)[-1] == "reopened"
    assert [r["reason"] for r in outbox_rows(server)] == ["opened", "resolved", "reopened"]


def test_flapping_below_the_threshold_opens_nothing(server: Server) -> None:
    for _ in range(6):
        server.observe("hq-srv", "imm.health", "CRITICAL")
        server.observe("hq-srv", "imm.health", "OK")
    assert server.tickets() == []


def test_flapping_across_the_threshold_keeps_one_ticket(server: Server) -> None:
    for _ in range(4):
        server.observe("hq-srv", "imm.health", "CRITICAL")
        server.observe("hq-srv", "imm.health", "CRITICAL")
        server.observe("hq-srv", "imm.health", "OK")
    (ticket,) = server.tickets()
    assert ticket["reopened"] == 1
    assert ticket["state"] == "open"  # flapping: monitoring no longer resolves it
    reasons = [r["reason"] for r in outbox_rows(server)]
    assert reasons == ["opened", "resolved", "reopened"]


def test_an_unreachable_device_is_one_ticket_not_one_per_check(server: Server) -> None:
    for _ in range(3):
        server.clock.advance(MIN)
        server.push(
            server.result("hq-core", "snmp.reachability", "CRITICAL", summary="no SNMP answer"),
            server.result("hq-core", "huawei_vrp.fans", "UNKNOWN"),
            server.result("hq-core", "snmp.cpu", "UNKNOWN"),
        )
    (ticket,) = server.tickets()
    assert ticket["check"] == "snmp.reachability" and ticket["level"] == 1
    # A later batch without a reachability result: the stored state still holds them back.
    for _ in range(2):
        server.observe("hq-core", "snmp.cpu", "CRITICAL")
    assert len(server.tickets()) == 1
    # Reachable again: the CPU problem counts from now on.
    server.observe("hq-core", "snmp.reachability", "OK")
    for _ in range(2):
        server.observe("hq-core", "snmp.cpu", "CRITICAL")
    assert sorted(t["check"] for t in server.tickets()) == ["snmp.cpu", "snmp.reachability"]


def test_a_hotline_ticket_absorbs_the_later_automatic_failure(server: Server) -> None:
    body = {
        "device": "hq-srv",
        "reporter": {"name": "Ms Lin", "organisation": "Test Bank", "phone": "+86 591 1234"},
        "symptom": "server beeping in the machine room",
        "channel": "phone",
    }
    response = server.client.post("/api/v1/tickets", json=body, headers=server.headers("engineer"))
    assert response.status_code == 201, response.text
    hand = response.json()
    assert hand["source"] == "manual" and hand["monitored"] is False
    assert hand["level"] == 2  # proposed from the device's criticality (medium)
    for _ in range(2):
        server.observe("hq-srv", "imm.power", "CRITICAL", summary="PSU 2 failed")
    (ticket,) = server.tickets()
    assert ticket["id"] == hand["id"]
    assert ticket["monitored"] is True and ticket["check"] == "imm.power"
    assert kinds(ticket) == ["registered", "attached"]
    # It absorbed one problem; a second failing check opens its own ticket.
    for _ in range(2):
        server.observe("hq-srv", "imm.fans", "CRITICAL")
    assert len(server.tickets()) == 2
    # And monitoring now resolves it.
    server.observe("hq-srv", "imm.power", "OK")
    assert server.ticket(hand["id"])["state"] == "resolved"


def test_a_site_ticket_absorbs_nothing_and_is_reminded_for_follow_up(server: Server) -> None:
    body = {
        "site": "branch",
        "reporter": {"name": "Mr Chen"},
        "symptom": "the whole branch is offline",
        "channel": "email",
    }
    hand = server.client.post("/api/v1/tickets", json=body, headers=server.headers()).json()
    assert hand["device"] is None and hand["zone"] == "suburban"
    for _ in range(2):
        server.observe("br-sw", "snmp.cpu", "CRITICAL")
    assert len(server.tickets()) == 2
    resolved = server.act(hand["id"], "resolve", {"notes": "ISP line repaired"})
    assert resolved.status_code == 200
    server.clock.advance(hours=24)
    server.tick()
    server.tick()
    assert kinds(server.ticket(hand["id"]))[-1] == "follow_up_due"
    assert kinds(server.ticket(hand["id"])).count("follow_up_due") == 1
