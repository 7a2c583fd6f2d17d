"""POST /api/v1/results on SQLite and PostgreSQL: idempotent by result id, counted duplicates,
413 over the batch limit, 422 with readable reasons, and the device view it feeds."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.server_support import Server, make_server


def test_a_batch_is_accepted_and_a_replay_is_all_duplicates(server: Server) -> None:
    batch = [
        server.result("hq-core", "snmp.uptime", "OK"),
        server.result("hq-srv", "imm.fans", "OK", items=[{"item": "Fan 1", "status": "OK"}]),
    ]
    assert server.post(batch).json() == {"accepted": 2, "duplicates": 0}
    assert server.post(batch).json() == {"accepted": 0, "duplicates": 2}
    # Half new, half replayed, and one id twice in the same batch.
    fresh = server.result("hq-sw", "snmp.uptime", "OK")
    assert server.post([batch[0], fresh, fresh]).json() == {"accepted": 1, "duplicates": 2}


def test_a_replayed_failure_does_not_count_twice_toward_damping(server: Server) -> None:
    failing = server.result("hq-srv", "imm.health", "CRITICAL")
    for _ in range(3):
        server.post([failing])
    assert server.tickets() == []
    server.clock.advance(minutes=1)
    server.push(server.result("hq-srv", "imm.health", "CRITICAL"))
    assert len(server.tickets()) == 1


def test_the_uuid_is_the_identity_whatever_its_case(server: Server) -> None:
    result = server.result("hq-core", "snmp.uptime", "OK")
    upper = {**result, "id": result["id"].upper()}
    assert server.post([result]).json()["accepted"] == 1
    assert server.post([upper]).json() == {"accepted": 0, "duplicates": 1}


def test_the_device_view_shows_the_latest_result_of_each_check_and_the_history(
    server: Server,
) -> None:
    fans = [{"item": "FAN 1", "status": "OK"}, {"item": "FAN 2", "status": "CRITICAL"}]
    server.push(server.result("hq-core", "huawei_vrp.fans", "CRITICAL", items=fans))
    server.clock.advance(minutes=1)
    later = server.result("hq-core", "huawei_vrp.fans", "OK", items=[fans[0]])
    older = server.result("hq-core", "snmp.uptime", "OK", at=server.clock.now().replace(year=2024))
    server.push(later, older)
    detail = server.client.get("/api/v1/devices/hq-core", headers=server.headers("viewer")).json()
    checks = {c["check"]: c for c in detail["checks"]}
    assert checks["huawei_vrp.fans"]["status"] == "OK"
    assert checks["huawei_vrp.fans"]["items"] == [{"item": "FAN 1", "status": "OK", "detail": ""}]
    assert detail["status"] == "OK"
    assert [h["check"] for h in detail["history"]] == [
        "huawei_vrp.fans",
        "huawei_vrp.fans",
        "snmp.uptime",
    ]
    listing = server.client.get("/api/v1/devices", headers=server.headers("viewer")).json()
    by_name = {d["name"]: d for d in listing}
    assert by_name["hq-core"]["status"] == "OK"
    assert by_name["hq-srv"]["status"] is None
    assert len(listing) == 6
    bank = server.client.get(
        "/api/v1/devices", params={"customer": "other"}, headers=server.headers("viewer")
    ).json()
    assert [d["name"] for d in bank] == ["other-core"]
    assert (
        server.client.get("/api/v1/devices/nowhere", headers=server.headers("viewer")).status_code
        == 404
    )


def test_an_older_result_does_not_replace_the_latest_one(server: Server) -> None:
    now = server.result("hq-core", "snmp.cpu", "OK")
    server.clock.advance(minutes=-5)
    before = server.result("hq-core", "snmp.cpu", "CRITICAL")
    server.push(now)
    server.push(before)
    detail = server.client.get("/api/v1/devices/hq-core", headers=server.headers()).json()
    assert detail["checks"][0]["status"] == "OK"


@pytest.fixture
def small_batches(db_url: str) -> Iterator[Server]:
    yield from make_server(db_url, "ingest: {max_batch: 3}\n")


def test_more_results_than_the_limit_is_413_and_nothing_is_stored(small_batches: Server) -> None:
    server = small_batches
    batch = [server.result("hq-core", "snmp.uptime", "OK") for _ in range(4)]
    response = server.post(batch)
    assert response.status_code == 413
    assert "limit is 3" in response.json()["detail"]
    assert server.post(batch[:3]).json() == {"accepted": 3, "duplicates": 0}


def test_a_body_over_the_byte_limit_is_413_before_it_is_parsed(small_batches: Server) -> None:
    server = small_batches
    response = server.client.post(
        "/api/v1/results",
        content=b"[" + b" " * (4 * 1024 * 1024) + b"]",
        headers={**server.headers(), "Content-Type": "application/json"},
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda r: r.update(status="BROKEN"), "results[0].status"),
        (lambda r: r.pop("device"), "results[0].device: Field required"),
        (lambda r: r.update(observed_at="2025-01-06T01:00:00"), "results[0].observed_at"),
        (lambda r: r.update(id="not-a-uuid"), "results[0].id: must be a UUID"),
        (lambda r: r.update(items=[{"item": "x", "status": "RED"}]), "results[0].items[0].status"),
        (lambda r: r.update(summary="a\x00b"), "NUL"),
        (lambda r: r.update(level=7), "results[0].level"),
        (lambda r: r.update(observed_at="2099-01-01T00:00:00Z"), "in the future"),
    ],
)
def test_malformed_results_are_422_with_a_readable_reason(
    server: Server, mutate: object, reason: str
) -> None:
    result = server.result("hq-core", "snmp.uptime", "OK")
    mutate(result)  # type: ignore[operator]
    response = server.post([result])
    assert response.status_code == 422, response.text
    assert reason in response.json()["detail"]
    assert server.post([server.result("hq-core", "snmp.uptime", "OK")]).json()["accepted"] == 1


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "not valid JSON"),
        (b'{"id": 1}', "expected a JSON array"),
        (b"[NaN]", "not valid JSON"),
        (b'"text"', "expected a JSON array"),
    ],
)
def test_a_body_that_is_not_an_array_of_results_is_422(
    server: Server, body: bytes, reason: str
) -> None:
    response = server.client.post(
        "/api/v1/results",
        content=body,
        headers={**server.headers(), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert reason in response.json()["detail"]


def test_an_empty_batch_is_fine(server: Server) -> None:
    assert server.post([]).json() == {"accepted": 0, "duplicates": 0}


def test_a_result_carries_its_declared_level_and_metrics_through(server: Server) -> None:
    result = server.result("hq-srv", "imm.power", "CRITICAL", level=3)
    result["metrics"] = [{"name": "temperature", "value": 41.5, "unit": "C", "warn": 50}]
    server.push(result)
    server.clock.advance(minutes=1)
    server.push(server.result("hq-srv", "imm.power", "CRITICAL", level=3))
    (ticket,) = server.tickets()
    assert ticket["level"] == 3
    body = json.dumps(result)
    assert "temperature" in body
