"""The scheduler lease, the notification outbox and its sender, /metrics, and the background
loops of a serving app, on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa

from server.models import outbox
from tests.server_support import Server, make_server


def open_ticket(server: Server, device: str = "hq-srv") -> dict:
    for _ in range(2):
        server.observe(device, "imm.health", "CRITICAL")
    (ticket,) = [t for t in server.tickets() if t["device"] == device]
    return ticket


def rows(server: Server) -> list[dict]:
    with server.services.db.read() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(outbox).order_by(outbox.c.id))]


def notify_events(server: Server, ticket_id: str) -> list[dict]:
    return [e for e in server.ticket(ticket_id)["events"] if e["actor"] == "notifier"]


def test_a_new_ticket_is_routed_and_delivered_and_the_attempt_is_on_the_ticket(
    server: Server,
) -> None:
    ticket = open_ticket(server)
    assert server.notifier.sent == []  # nothing is sent on the ingest path
    report = server.send()
    assert (report.routed, report.sent, report.failed) == (1, 1, 0)
    (label, message) = server.notifier.sent[0]
    assert label == "webhook:engineer"
    assert message.ticket_id == ticket["id"] and message.reason == "opened"
    assert message.key and message.ticket["device"] == "hq-srv"
    (event,) = notify_events(server, ticket["id"])
    assert event["kind"] == "notified" and "webhook:engineer" in event["note"]
    assert [r["state"] for r in rows(server)] == ["sent", "sent"]
    assert server.send().routed == 0  # nothing left


def test_a_failing_receiver_is_retried_with_backoff_then_succeeds(server: Server) -> None:
    server.notifier.fail["webhook:engineer"] = 1
    ticket = open_ticket(server)
    first = server.send()
    assert (first.sent, first.failed) == (0, 1)
    (failed,) = notify_events(server, ticket["id"])
    assert failed["kind"] == "notify_failed" and "HTTP 503" in failed["note"]
    assert "next try" in failed["note"]
    server.clock.advance(seconds=29)
    assert server.send().sent == 0  # not due yet
    server.clock.advance(seconds=1)
    assert server.send().sent == 1
    assert [e["kind"] for e in notify_events(server, ticket["id"])] == [
        "notify_failed",
        "notified",
    ]


def test_the_sender_gives_up_after_the_last_attempt(server: Server) -> None:
    server.notifier.fail["webhook:engineer"] = 99
    ticket = open_ticket(server)
    for _ in range(3):
        server.send()
        server.clock.advance(minutes=5)
    events = notify_events(server, ticket["id"])
    assert len(events) == 3 and "giving up" in events[-1]["note"]
    assert rows(server)[-1]["state"] == "failed"
    server.clock.advance(hours=5)
    assert server.send().failed == 0


def test_a_role_without_a_target_is_said_on_the_ticket(server: Server) -> None:
    ticket = open_ticket(server)
    server.clock.advance(hours=5)  # response and on-site breaches: cs_manager, then GM/expert
    server.tick()
    server.send()
    notes = [e["note"] for e in notify_events(server, ticket["id"]) if e["kind"] == "notify_failed"]
    assert any("general_manager, expert" in n for n in notes), notes
    assert any(label == "webhook:cs_manager" for label, _ in server.notifier.sent)


def test_a_claim_left_by_a_dead_sender_is_taken_again(server: Server) -> None:
    open_ticket(server)
    claimed = server.services.sender._claim(server.clock.now())  # a sender that then died
    assert len(claimed) == 1
    assert server.send().routed == 0
    server.clock.advance(minutes=6)
    assert server.send().routed == 1


@pytest.fixture
def second(db_url: str) -> Iterator[Server]:
    yield from make_server(db_url)


def test_one_scheduler_holds_the_lease_until_it_expires(server: Server, second: Server) -> None:
    second.clock.set(server.clock.now())
    assert server.tick().ran is True
    assert second.tick().ran is False
    assert server.tick().ran is True  # the holder renews it
    second.clock.advance(minutes=2)
    assert second.tick().ran is True  # expired (90 s): taken over
    assert server.tick().ran is False


def test_two_schedulers_record_a_breach_once(server: Server, second: Server) -> None:
    ticket = open_ticket(server)
    second.clock.set(server.clock.now() + timedelta(hours=2, minutes=30))
    server.clock.set(second.clock.now())
    assert server.services.scheduler.tick_ticket(ticket["id"]) is True
    assert second.services.scheduler.tick_ticket(ticket["id"]) is False
    assert [b["kind"] for b in server.ticket(ticket["id"])["breaches"]] == ["response"]


def test_metrics(server: Server) -> None:
    open_ticket(server, "hq-srv")
    open_ticket(server, "hq-core")
    server.push(server.result("hq-sw", "snmp.uptime", "OK"))
    text = server.client.get("/metrics", headers=server.headers("viewer")).text
    assert "patrol_results_ingested_total 5.0" in text
    assert 'patrol_tickets_open{level="1"} 1.0' in text
    assert 'patrol_tickets_open{level="2"} 1.0' in text
    assert 'patrol_tickets_open{level="3"} 0.0' in text
    assert "patrol_sla_breaches_total 0.0" in text
    assert "patrol_ingest_seconds_count 5.0" in text


def test_a_serving_app_runs_its_loops_and_stops_them(db_url: str) -> None:
    for srv in make_server(
        db_url, "scheduler: {interval_s: 0.1, send_interval_s: 0.1}\n", background=True
    ):
        srv.clock.advance(minutes=1)
        srv.push(srv.result("hq-srv", "imm.health", "CRITICAL"))
        srv.clock.advance(minutes=1)
        srv.push(srv.result("hq-srv", "imm.health", "CRITICAL"))
        deadline = time.monotonic() + 10
        while not srv.notifier.sent and time.monotonic() < deadline:
            time.sleep(0.05)
        assert srv.notifier.sent, "the sender loop delivered nothing"
