"""Who may do what, on SQLite and PostgreSQL: no token 401, unknown or revoked token 401, a
role that may not 403, an agent posting for another customer's device or one not in the
inventory 403 (and nothing of the batch is stored)."""

from __future__ import annotations

import pytest

from tests.server_support import Server

READS = [
    ("GET", "/api/v1/devices"),
    ("GET", "/api/v1/devices/hq-core"),
    ("GET", "/api/v1/tickets"),
    ("GET", "/api/v1/tickets/T-1"),
    ("GET", "/metrics"),
]
WRITES = [("POST", "/api/v1/tickets/T-1/ack"), ("POST", "/api/v1/tickets")]
EVERY = [*READS, *WRITES, ("POST", "/api/v1/results"), ("GET", "/api/v1/agents/me/config")]


@pytest.mark.parametrize(("method", "path"), EVERY)
def test_no_token_is_401(server: Server, method: str, path: str) -> None:
    response = server.client.request(method, path, json=[])
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "token" in response.json()["detail"]


@pytest.mark.parametrize("header", ["Bearer patrol_nonsense", "Basic dXNlcjpwYXNz", "Bearer "])
def test_a_bad_token_is_401(server: Server, header: str) -> None:
    response = server.client.get("/api/v1/tickets", headers={"Authorization": header})
    assert response.status_code == 401


def test_a_revoked_token_is_401(server: Server) -> None:
    info, secret = server.services.tokens.create("viewer", None, "leaver")
    headers = {"Authorization": f"Bearer {secret}"}
    assert server.client.get("/api/v1/tickets", headers=headers).status_code == 200
    server.services.tokens.revoke(info.id)
    response = server.client.get("/api/v1/tickets", headers=headers)
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_only_a_hash_of_the_token_is_stored(server: Server) -> None:
    import sqlalchemy as sa

    from server.models import tokens

    _, secret = server.services.tokens.create("admin", None, "ops")
    with server.services.db.read() as conn:
        stored = conn.execute(sa.select(tokens)).all()
    assert all(secret not in str(tuple(row)) for row in stored)
    assert len(stored[0].token_hash) == 64


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_a_viewer_cannot_change_tickets(server: Server, method: str, path: str) -> None:
    response = server.client.request(method, path, json={}, headers=server.headers("viewer"))
    assert response.status_code == 403
    assert "viewer" in response.json()["detail"]


@pytest.mark.parametrize(("method", "path"), READS + WRITES)
def test_an_agent_can_neither_read_nor_change_tickets(
    server: Server, method: str, path: str
) -> None:
    headers = server.headers("agent", "bank")
    response = server.client.request(method, path, json={}, headers=headers)
    assert response.status_code == 403


def test_a_viewer_cannot_post_results_nor_read_an_agent_config(server: Server) -> None:
    result = server.result("hq-core", "snmp.uptime", "OK")
    assert server.post([result], role="viewer").status_code == 403
    staff = server.client.get("/api/v1/agents/me/config", headers=server.headers("admin"))
    assert staff.status_code == 403


@pytest.mark.parametrize("role", ["engineer", "admin"])
def test_staff_may_push_results_for_any_customer(server: Server, role: str) -> None:
    batch = [
        server.result("hq-core", "snmp.uptime", "OK"),
        server.result("other-core", "snmp.uptime", "OK"),
    ]
    assert server.post(batch, role=role).json() == {"accepted": 2, "duplicates": 0}


def test_an_agent_posts_for_its_own_customer(server: Server) -> None:
    batch = [
        server.result("hq-core", "snmp.uptime", "OK"),
        server.result("br-sw", "snmp.uptime", "OK"),
    ]
    response = server.post(batch, role="agent", customer="bank")
    assert response.json() == {"accepted": 2, "duplicates": 0}


def test_an_agent_posting_for_another_customer_is_403_and_nothing_is_stored(
    server: Server,
) -> None:
    mine = server.result("hq-core", "snmp.uptime", "OK")
    theirs = server.result("other-core", "snmp.uptime", "OK")
    response = server.post([mine, theirs], role="agent", customer="bank")
    assert response.status_code == 403
    assert "results[1]" in response.json()["detail"] and "other-core" in response.json()["detail"]
    assert server.post([mine], role="agent", customer="bank").json()["accepted"] == 1


@pytest.mark.parametrize("role", ["agent", "admin"])
def test_a_device_not_in_the_inventory_is_403(server: Server, role: str) -> None:
    result = server.result("rogue-01", "snmp.uptime", "OK")
    response = server.post([result], role=role, customer="bank" if role == "agent" else None)
    assert response.status_code == 403
    assert "not in the inventory" in response.json()["detail"]


def test_the_agent_config_lists_its_devices_without_secrets(server: Server) -> None:
    response = server.client.get(
        "/api/v1/agents/me/config", headers=server.headers("agent", "bank")
    )
    assert response.status_code == 200
    config = response.json()
    assert config["customer"] == "bank"
    assert config["schedule"] == {"poll_interval_s": 300, "push_interval_s": 60}
    devices = {d["name"]: d for d in config["devices"]}
    assert sorted(devices) == ["br-core", "br-sw", "hq-core", "hq-srv", "hq-sw"]
    core = devices["hq-core"]
    assert core["address"] == "127.0.9.1" and core["platform"] == "huawei_vrp"
    assert core["snmp"] == {"credential": "v2c", "type": "snmp_v2c", "port": 1161}
    assert core["ssh"] == {"credential": "ssh-ro", "type": "ssh", "port": 2222}
    assert devices["hq-srv"]["ssh"] is None
    text = response.text
    assert "PATROL_TEST_COMMUNITY" not in text and "password" not in text


def test_healthz_needs_no_token(server: Server) -> None:
    response = server.client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert server.client.get("/openapi.json").status_code == 200
