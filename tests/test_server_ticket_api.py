"""The ticket endpoints on SQLite and PostgreSQL: a whole manual lifecycle with charges and
satisfaction, 409 with the reason for a transition the state does not allow, 422 for unusable
input, 404, filters, and complaints going to the admin role."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from server.models import outbox
from server.problems import to_iso
from tests.server_support import Server


def open_ticket(server: Server, device: str = "hq-srv", check: str = "imm.health") -> dict:
    for _ in range(2):
        server.observe(device, check, "CRITICAL")
    return next(t for t in server.tickets() if t["device"] == device and t["check"] == check)


def test_a_whole_manual_lifecycle(server: Server) -> None:
    ticket = open_ticket(server)
    tid = ticket["id"]
    eta = to_iso(server.clock.now() + timedelta(hours=1))
    assert server.act(tid, "ack", {"note": "on it"}).json()["state"] == "acknowledged"
    dispatched = server.act(tid, "dispatch", {"engineer": "Wang Wei", "eta": eta}).json()
    assert dispatched["state"] == "dispatched"
    assert dispatched["dispatch"] == {"engineer": "Wang Wei", "eta": eta}
    server.clock.advance(minutes=50)
    assert server.act(tid, "arrive").json()["state"] == "on_site"
    resolved = server.act(
        tid,
        "resolve",
        {
            "notes": "replaced the system board",
            "parts": [{"name": "system board", "qty": 1, "price": 4200}],
            "labour_hours": 2.5,
        },
    ).json()
    assert resolved["state"] == "resolved"
    assert resolved["charges"]["parts"] == [{"name": "system board", "qty": 1, "price": 4200.0}]
    assert resolved["charges"]["labour_hours"] == 2.5
    assert server.act(tid, "comment", {"note": "customer informed"}).status_code == 200
    confirmed = server.act(tid, "confirm", {"satisfaction": 5, "note": "thanks"}).json()
    assert confirmed["state"] == "confirmed" and confirmed["satisfaction"] == 5
    timeline = server.ticket(tid)["events"]
    assert [e["kind"] for e in timeline] == [
        "opened",
        "acknowledged",
        "dispatched",
        "arrived",
        "resolved",
        "comment",
        "confirmed",
    ]
    assert {e["actor"] for e in timeline[1:]} == {"engineer-test"}
    assert all(set(e) == {"at", "kind", "actor", "note"} for e in timeline)


@pytest.mark.parametrize(
    ("action", "body", "reason"),
    [
        ("arrive", {}, "nobody was dispatched"),
        ("confirm", {}, "it is open"),
        ("satisfaction", {"satisfaction": 4}, "it is open"),
    ],
)
def test_an_invalid_transition_is_409_with_the_reason(
    server: Server, action: str, body: dict, reason: str
) -> None:
    ticket = open_ticket(server)
    response = server.act(ticket["id"], action, body)
    assert response.status_code == 409
    assert reason in response.json()["detail"]
    assert server.ticket(ticket["id"])["revision"] == ticket["revision"]


def test_acknowledging_twice_is_409(server: Server) -> None:
    ticket = open_ticket(server)
    assert server.act(ticket["id"], "ack").status_code == 200
    second = server.act(ticket["id"], "ack")
    assert second.status_code == 409
    assert "acknowledged" in second.json()["detail"]


@pytest.mark.parametrize(
    ("action", "body", "reason"),
    [
        ("resolve", {}, "notes"),
        ("resolve", {"notes": "x", "parts": [{"name": "fan", "qty": 0}]}, "qty"),
        ("confirm", {"satisfaction": 7}, "satisfaction"),
        ("dispatch", {"engineer": "Li", "eta": "2020-01-01T00:00:00Z"}, "in the past"),
        ("dispatch", {"engineer": "Li", "eta": "tomorrow"}, "eta"),
        ("comment", {"note": "x", "colour": "red"}, "colour"),
        ("comment", {}, "note"),
    ],
)
def test_unusable_input_is_422_with_the_reason(
    server: Server, action: str, body: dict, reason: str
) -> None:
    ticket = open_ticket(server)
    response = server.act(ticket["id"], action, body)
    assert response.status_code == 422, response.text
    assert reason in response.json()["detail"]


def test_an_unknown_ticket_is_404(server: Server) -> None:
    assert server.act("T-999", "ack").status_code == 404
    missing = server.client.get("/api/v1/tickets/T-999", headers=server.headers("viewer"))
    assert missing.status_code == 404


def test_a_complaint_is_recorded_and_sent_to_the_admin_role(server: Server) -> None:
    ticket = open_ticket(server)
    response = server.act(ticket["id"], "complaint", {"text": "nobody came within 4 hours"})
    assert response.status_code == 200
    assert response.json()["events"][-1]["kind"] == "complaint"
    with server.services.db.read() as conn:
        rows = conn.execute(sa.select(outbox.c.reason, outbox.c.roles)).all()
    assert ("complaint", ["admin"]) in [(r.reason, r.roles) for r in rows]


def test_escalating_by_hand_climbs_one_step_and_stops_at_the_top(server: Server) -> None:
    ticket = open_ticket(server)
    assert server.act(ticket["id"], "escalate", {"note": "need IBM"}).json()["escalation_step"] == 2
    assert server.act(ticket["id"], "escalate").json()["escalation_step"] == 3
    assert server.act(ticket["id"], "escalate").status_code == 409


def test_filters(server: Server) -> None:
    a = open_ticket(server, "hq-srv", "imm.health")
    b = open_ticket(server, "hq-core", "snmp.cpu")
    c = open_ticket(server, "other-core", "snmp.cpu")
    server.act(a["id"], "ack")

    def ids(**params: object) -> list[str]:
        return sorted(t["id"] for t in server.tickets(**params))

    assert ids(device="hq-srv") == [a["id"]]
    assert ids(customer="other") == [c["id"]]
    assert ids(state="acknowledged") == [a["id"]]
    assert ids(state="open") == sorted([b["id"], c["id"]])
    assert ids(state="active") == sorted([a["id"], b["id"], c["id"]])
    assert ids(level=1) == sorted([b["id"], c["id"]])
    assert ids(level=2) == [a["id"]]
    bad = server.client.get("/api/v1/tickets", params={"state": "lost"}, headers=server.headers())
    assert bad.status_code == 422 and "lost" in bad.json()["detail"]
    assert server.tickets()[0]["id"] == c["id"]  # newest first


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"reporter": {"name": "A"}, "symptom": "s", "channel": "phone"}, "device or the site"),
        (
            {"device": "nowhere", "reporter": {"name": "A"}, "symptom": "s", "channel": "phone"},
            "not in the inventory",
        ),
        (
            {"device": "hq-srv", "reporter": {"name": "A"}, "symptom": "s", "channel": "pigeon"},
            "channel",
        ),
        ({"device": "hq-srv", "reporter": {}, "symptom": "s", "channel": "web"}, "name"),
        (
            {
                "site": "hq",
                "check": "snmp.cpu",
                "reporter": {"name": "A"},
                "symptom": "s",
                "channel": "web",
            },
            "together with a device",
        ),
    ],
)
def test_registering_by_hand_with_unusable_input_is_422(
    server: Server, body: dict, reason: str
) -> None:
    response = server.client.post("/api/v1/tickets", json=body, headers=server.headers("engineer"))
    assert response.status_code == 422, response.text
    assert reason in response.json()["detail"]


def test_a_hand_ticket_with_a_level_keeps_it(server: Server) -> None:
    body = {
        "device": "hq-core",
        "reporter": {"name": "A", "email": "a@bank.example"},
        "symptom": "slow",
        "channel": "web",
        "level": 3,
    }
    ticket = server.client.post("/api/v1/tickets", json=body, headers=server.headers()).json()
    assert ticket["level"] == 3
    assert ticket["reporter"]["email"] == "a@bank.example"
    assert ticket["events"][0]["kind"] == "registered"


def test_every_ticket_answer_names_the_other_live_tickets_of_its_device(server: Server) -> None:
    fans = open_ticket(server, "hq-core", "huawei_vrp.fans")
    alarms = open_ticket(server, "hq-core", "huawei.alarms")
    other = open_ticket(server, "hq-srv", "imm.health")
    listed = {t["id"]: t["related"] for t in server.tickets()}
    assert listed == {fans["id"]: [alarms["id"]], alarms["id"]: [fans["id"]], other["id"]: []}
    assert server.ticket(fans["id"])["related"] == [alarms["id"]]
    acked = server.act(alarms["id"], "ack").json()
    assert acked["related"] == [fans["id"]]
    # Once resolved, a ticket is no longer live: the others stop naming it.
    server.act(alarms["id"], "resolve", {"notes": "the fan module was reseated"})
    assert server.ticket(fans["id"])["related"] == []
    assert server.ticket(alarms["id"])["related"] == [fans["id"]]
