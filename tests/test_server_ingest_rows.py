"""Ingestion's problem rows, through POST /api/v1/results on SQLite and PostgreSQL, and the
PostgreSQL device locks (storage.lock_devices).

A problem (device + check + item) gets a problem_states row only once it is seen failing; all-OK
results about problems without a row create nothing. Every result of a (device, check) with a
stored problem or a failure in the batch is judged, so an OK after a failure in the SAME batch
resets the damping count. A problem never seen before counts as seen OK when its check's latest
stored result was observed, so a late, older failure is stale. A device whose reachability
failed holds back the other checks' failures even when those never failed before (no row).
lock_devices serialises two PostgreSQL transactions about the same device and only those.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from server import storage
from server.db import Database
from server.models import latest_checks, problem_states, results
from server.schemas import parse_body
from tests.server_support import Server, _empty_pg, make_server

MIN = timedelta(minutes=1)
DEVICES = ("hq-core", "hq-srv", "hq-sw", "br-core", "br-sw", "other-core")


def problem_rows(server: Server) -> list[dict[str, Any]]:
    with server.services.db.read() as conn:
        query = sa.select(problem_states).order_by(
            problem_states.c.device, problem_states.c.check, problem_states.c.item
        )
        return [dict(r._mapping) for r in conn.execute(query)]


def keys(rows: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(r["device"], r["check"], r["item"]) for r in rows]


def count(server: Server, table: sa.Table) -> int:
    with server.services.db.read() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def fans(*failing: str, total: int = 4) -> list[dict[str, Any]]:
    names = [f"FAN {n}" for n in range(1, total + 1)]
    return [
        {"item": n, "status": "CRITICAL" if n in failing else "OK", "detail": f"{n} speed"}
        for n in names
    ]


def healthy_batch(server: Server, at: datetime) -> list[dict[str, Any]]:
    out = []
    for device in DEVICES:
        out += [
            server.result(device, "snmp.reachability", "OK", at=at),
            server.result(device, "snmp.cpu", "OK", at=at),
            server.result(device, "huawei_vrp.fans", "OK", items=fans(), at=at),
            server.result(device, "huawei.alarms", "OK", at=at),  # a per-check (event) check
        ]
    return out


# --- (a)/(b) rows only for failures ---------------------------------------------------------


def test_a_healthy_batch_creates_no_problem_rows(server: Server) -> None:
    for _ in range(2):
        server.clock.advance(MIN)
        report = server.push(*healthy_batch(server, server.clock.now()))
        assert report == {"accepted": 4 * len(DEVICES), "duplicates": 0}
    assert problem_rows(server) == []
    assert server.tickets() == []
    # The results and the latest view are there all the same.
    assert count(server, results) == 2 * 4 * len(DEVICES)
    assert count(server, latest_checks) == 4 * len(DEVICES)


def test_one_failing_item_creates_exactly_one_row(server: Server) -> None:
    server.clock.advance(MIN)
    at = server.clock.now()
    batch = healthy_batch(server, at)
    batch.append(server.result("hq-srv", "imm.fans", "CRITICAL", items=fans("FAN 3"), at=at))
    server.push(*batch)
    (row,) = problem_rows(server)
    assert (row["device"], row["check"], row["item"]) == ("hq-srv", "imm.fans", "FAN 3")
    assert row["consecutive"] == 1 and row["last_status"] == "CRITICAL"
    assert row["last_seen_at"] == at and row["failing_since"] == at
    assert row["last_summary"] == "FAN 3 speed" and row["ticket_id"] is None

    # A second failure opens the ticket; the OK fans and the check itself still have no row.
    server.observe("hq-srv", "imm.fans", "CRITICAL", items=fans("FAN 3"))
    (ticket,) = server.tickets()
    assert ticket["item"] == "FAN 3"
    (row,) = problem_rows(server)
    assert row["consecutive"] == 2 and row["ticket_id"] == ticket["id"]

    # Recovery updates that row (it is a stored problem now) and creates none.
    server.observe("hq-srv", "imm.fans", "OK", items=fans())
    (row,) = problem_rows(server)
    assert row["last_status"] == "OK" and row["consecutive"] == 0
    assert row["ok_since"] == server.clock.now()
    assert server.ticket(ticket["id"])["state"] == "resolved"


def test_a_failing_check_level_result_creates_only_its_own_row(server: Server) -> None:
    # Without items the check itself is the problem; its device's other checks stay rowless,
    # and so do the OK items of a result whose failure is not explained by them.
    server.clock.advance(MIN)
    server.push(
        server.result("hq-core", "snmp.cpu", "WARNING"),
        server.result("hq-core", "snmp.reachability", "OK"),
        server.result("hq-core", "huawei_vrp.power", "CRITICAL", items=fans()),
    )
    assert keys(problem_rows(server)) == [
        ("hq-core", "huawei_vrp.power", ""),
        ("hq-core", "snmp.cpu", ""),
    ]


def test_a_per_check_event_check_has_one_row_whatever_its_items(server: Server) -> None:
    server.clock.advance(MIN)
    server.push(server.result("hq-core", "huawei.alarms", "CRITICAL", items=fans("FAN 1")))
    assert keys(problem_rows(server)) == [("hq-core", "huawei.alarms", "")]


# --- (c) an OK after a failure in the same batch resets the count ----------------------------


@pytest.mark.parametrize("listed", ["in-time-order", "ok-listed-first"])
def test_critical_then_ok_in_one_batch_resets_the_damping_count(
    server: Server, listed: str
) -> None:
    server.clock.advance(MIN)
    first = server.clock.now()
    batch = [
        server.result("hq-srv", "imm.health", "CRITICAL", at=first),
        server.result("hq-srv", "imm.health", "OK", at=first + MIN),
    ]
    if listed == "ok-listed-first":
        batch.reverse()  # the order of observation counts, not the order in the body
    server.clock.advance(MIN)
    server.push(*batch)
    (row,) = problem_rows(server)
    assert row["last_status"] == "OK" and row["consecutive"] == 0
    assert row["ok_since"] == first + MIN and row["failing_since"] is None

    server.observe("hq-srv", "imm.health", "CRITICAL")
    assert server.tickets() == []  # one failure in a row since the OK: below the damping
    (row,) = problem_rows(server)
    assert row["consecutive"] == 1


def test_critical_then_critical_in_one_batch_opens_the_ticket(server: Server) -> None:
    server.clock.advance(MIN)
    first = server.clock.now()
    server.clock.advance(MIN)
    server.push(
        server.result("hq-srv", "imm.health", "CRITICAL", at=first),
        server.result("hq-srv", "imm.health", "CRITICAL", at=first + MIN),
    )
    (ticket,) = server.tickets()
    assert ticket["check"] == "imm.health" and ticket["item"] is None
    (row,) = problem_rows(server)
    assert row["consecutive"] == 2 and row["failing_since"] == first


def test_an_item_failing_then_ok_in_one_batch_resets_its_count(server: Server) -> None:
    server.clock.advance(MIN)
    first = server.clock.now()
    server.clock.advance(MIN)
    server.push(
        server.result("hq-core", "huawei_vrp.fans", "CRITICAL", items=fans("FAN 2"), at=first),
        server.result("hq-core", "huawei_vrp.fans", "OK", items=fans(), at=first + MIN),
    )
    # Only the item that failed has a row; the OK of the later result was applied to it.
    (row,) = problem_rows(server)
    assert row["item"] == "FAN 2" and row["last_status"] == "OK" and row["consecutive"] == 0
    server.observe("hq-core", "huawei_vrp.fans", "CRITICAL", items=fans("FAN 2"))
    assert server.tickets() == []
    server.observe("hq-core", "huawei_vrp.fans", "CRITICAL", items=fans("FAN 2"))
    (ticket,) = server.tickets()
    assert ticket["item"] == "FAN 2"


def test_an_ok_of_another_check_in_the_batch_does_not_reset_a_failure(server: Server) -> None:
    server.clock.advance(MIN)
    first = server.clock.now()
    server.clock.advance(MIN)
    server.push(
        server.result("hq-srv", "imm.health", "CRITICAL", at=first),
        server.result("hq-srv", "imm.power", "OK", at=first + MIN),
    )
    server.observe("hq-srv", "imm.health", "CRITICAL")
    (ticket,) = server.tickets()
    assert ticket["check"] == "imm.health"
    assert keys(problem_rows(server)) == [("hq-srv", "imm.health", "")]


# --- (d) a problem never seen counts as seen OK at its check's latest result ----------------


@pytest.mark.parametrize("batches", ["one-batch", "two-batches"])
def test_failures_older_than_the_checks_latest_ok_are_stale(server: Server, batches: str) -> None:
    server.clock.advance(10 * MIN)
    ok_at = server.clock.now()
    server.push(server.result("hq-srv", "imm.health", "OK", at=ok_at))
    assert problem_rows(server) == []
    server.clock.advance(MIN)
    late = [
        server.result("hq-srv", "imm.health", "CRITICAL", at=ok_at - MIN),
        server.result("hq-srv", "imm.health", "CRITICAL", at=ok_at - timedelta(seconds=30)),
    ]
    if batches == "one-batch":
        server.push(*late)
    else:
        for result in late:
            server.push(result)
    assert server.tickets() == []
    for row in problem_rows(server):  # a row may exist, but it still says what was seen last
        assert row["last_status"] == "OK" and row["consecutive"] == 0
        assert row["last_seen_at"] == ok_at
    # The latest view still shows the OK.
    detail = server.client.get("/api/v1/devices/hq-srv", headers=server.headers()).json()
    assert [(c["check"], c["status"]) for c in detail["checks"]] == [("imm.health", "OK")]


def test_the_same_failures_observed_after_the_ok_open_a_ticket(server: Server) -> None:
    server.clock.advance(10 * MIN)
    ok_at = server.clock.now()
    server.push(server.result("hq-srv", "imm.health", "OK", at=ok_at))
    server.clock.advance(MIN)
    server.push(
        server.result("hq-srv", "imm.health", "CRITICAL", at=ok_at + timedelta(seconds=30)),
        server.result("hq-srv", "imm.health", "CRITICAL", at=ok_at + MIN),
    )
    (ticket,) = server.tickets()
    assert ticket["check"] == "imm.health"


def test_an_item_never_seen_is_stale_before_its_checks_latest_result(server: Server) -> None:
    # The latest result did not even list FAN 9: it was not failing then all the same.
    server.clock.advance(10 * MIN)
    ok_at = server.clock.now()
    server.push(server.result("hq-core", "huawei_vrp.fans", "OK", items=fans(), at=ok_at))
    server.clock.advance(MIN)
    for seconds in (90, 60):
        at = ok_at - timedelta(seconds=seconds)
        items = [{"item": "FAN 9", "status": "CRITICAL"}]
        server.push(server.result("hq-core", "huawei_vrp.fans", "CRITICAL", items=items, at=at))
    assert server.tickets() == []
    server.clock.advance(MIN)
    for _ in range(2):
        items = [{"item": "FAN 9", "status": "CRITICAL"}]
        server.observe("hq-core", "huawei_vrp.fans", "CRITICAL", items=items)
    (ticket,) = server.tickets()
    assert ticket["item"] == "FAN 9"


def test_a_first_result_ever_is_not_stale_whatever_its_age(server: Server) -> None:
    # No latest result for the check: nothing to be older than.
    server.clock.advance(60 * MIN)
    now = server.clock.now()
    server.push(
        server.result("br-sw", "snmp.cpu", "CRITICAL", at=now - 30 * MIN),
        server.result("br-sw", "snmp.cpu", "CRITICAL", at=now - 29 * MIN),
    )
    (ticket,) = server.tickets()
    assert ticket["device"] == "br-sw"


# --- (e) an unreachable device holds back checks that never failed ---------------------------


def test_an_unreachable_device_holds_back_checks_failing_in_a_later_batch(
    server: Server,
) -> None:
    for _ in range(2):
        server.observe("hq-core", "snmp.reachability", "CRITICAL", summary="no SNMP answer")
    (ticket,) = server.tickets()
    assert ticket["check"] == "snmp.reachability"
    assert keys(problem_rows(server)) == [("hq-core", "snmp.reachability", "")]
    # Later batches without a reachability result, about checks that never failed (no row):
    for _ in range(3):
        server.clock.advance(MIN)
        server.push(
            server.result("hq-core", "snmp.cpu", "CRITICAL"),
            server.result("hq-core", "huawei_vrp.fans", "CRITICAL", items=fans("FAN 1")),
        )
    assert [t["check"] for t in server.tickets()] == ["snmp.reachability"]
    # Reachable again: from then on they count.
    server.observe("hq-core", "snmp.reachability", "OK")
    for _ in range(2):
        server.clock.advance(MIN)
        server.push(
            server.result("hq-core", "snmp.cpu", "CRITICAL"),
            server.result("hq-core", "huawei_vrp.fans", "CRITICAL", items=fans("FAN 1")),
        )
    assert sorted((t["check"], t["item"] or "") for t in server.tickets()) == [
        ("huawei_vrp.fans", "FAN 1"),
        ("snmp.cpu", ""),
        ("snmp.reachability", ""),
    ]


def test_one_reachability_failure_already_holds_back_the_other_checks(server: Server) -> None:
    # Below its own damping threshold, but the device is unreachable all the same.
    server.observe("br-core", "snmp.reachability", "CRITICAL")
    for _ in range(3):
        server.observe("br-core", "snmp.cpu", "CRITICAL")
    assert server.tickets() == []
    # Another device is not affected.
    for _ in range(2):
        server.observe("br-sw", "snmp.cpu", "CRITICAL")
    assert [t["device"] for t in server.tickets()] == ["br-sw"]


def test_the_latest_reachability_result_decides_even_from_a_check_that_never_failed(
    server: Server,
) -> None:
    server.observe("hq-core", "snmp.reachability", "CRITICAL")
    server.observe("hq-core", "ssh.reachability", "OK")  # later: the device answers
    for _ in range(2):
        server.observe("hq-core", "snmp.cpu", "CRITICAL")
    assert [t["check"] for t in server.tickets()] == ["snmp.cpu"]


def test_the_latest_reachability_result_in_one_batch_decides(server: Server) -> None:
    # The same results as above in one batch: the latest reachability result (the OK) decides
    # (problems.wire_unreachable_in), so the CPU failures count.
    server.clock.advance(MIN)
    first = server.clock.now()
    server.clock.advance(3 * MIN)
    server.push(
        server.result("hq-core", "snmp.reachability", "CRITICAL", at=first),
        server.result("hq-core", "ssh.reachability", "OK", at=first + MIN),
        server.result("hq-core", "snmp.cpu", "CRITICAL", at=first + 2 * MIN),
        server.result("hq-core", "snmp.cpu", "CRITICAL", at=first + 3 * MIN),
    )
    assert [t["check"] for t in server.tickets()] == ["snmp.cpu"]


def test_the_next_batch_agrees_with_the_previous_one_about_reachability(server: Server) -> None:
    server.clock.advance(MIN)
    first = server.clock.now()
    server.clock.advance(2 * MIN)
    server.push(
        server.result("hq-core", "snmp.reachability", "CRITICAL", at=first),
        server.result("hq-core", "ssh.reachability", "OK", at=first + MIN),
        server.result("hq-core", "snmp.cpu", "CRITICAL", at=first + 2 * MIN),
    )
    server.observe("hq-core", "snmp.cpu", "CRITICAL")
    assert [t["check"] for t in server.tickets()] == ["snmp.cpu"]


# --- C: lock_devices --------------------------------------------------------------------------


@pytest.fixture
def pg_db(pg_schema_url: Callable[[], str]) -> Iterator[Database]:
    db = Database(pg_schema_url())
    yield db
    db.engine.dispose()


def _locker(
    db: Database,
    devices: list[str],
    got: threading.Event,
    done: threading.Event,
    pids: list[int] | None = None,
) -> threading.Thread:
    """A thread whose transaction takes lock_devices(devices): `got` once it has them, `done`
    once committed; its backend's pid is appended to `pids`."""

    def run() -> None:
        with db.write() as conn:
            conn.execute(sa.text("SET LOCAL lock_timeout = '10s'"))  # never hang the suite
            if pids is not None:
                pids.append(int(conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()))
            storage.lock_devices(conn, devices)
            got.set()
        done.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_lock_devices_serialises_transactions_about_the_same_device(pg_db: Database) -> None:
    b_got, b_done = threading.Event(), threading.Event()
    c_got, c_done = threading.Event(), threading.Event()
    d_got, d_done = threading.Event(), threading.Event()
    waiting: list[int] = []
    with pg_db.write() as conn:
        storage.lock_devices(conn, ["d1", "d3"])
        b = _locker(pg_db, ["d1"], b_got, b_done, waiting)
        c = _locker(pg_db, ["d2"], c_got, c_done)
        d = _locker(pg_db, ["d9", "d3", "d2"], d_got, d_done, waiting)  # one device in common
        assert c_got.wait(5), "a transaction about another device was blocked"
        assert not b_got.wait(0.5), "B took d1 while A held it"
        assert not d_got.is_set(), "D took d3 while A held it"
        assert _waiting_on_advisory_locks(pg_db, waiting, 2) == 2  # waiting, not just slow
    # A committed: B and D go on.
    assert b_got.wait(5) and d_got.wait(5)
    for thread in (b, c, d):
        thread.join(5)
    assert b_done.is_set() and c_done.is_set() and d_done.is_set()


def test_lock_devices_is_released_by_a_rollback(pg_db: Database) -> None:
    got, done = threading.Event(), threading.Event()
    with pg_db.engine.connect() as conn:
        txn = conn.begin()
        storage.lock_devices(conn, ["d1"])
        thread = _locker(pg_db, ["d1"], got, done)
        assert not got.wait(0.5)
        txn.rollback()
        assert got.wait(5)
    thread.join(5)
    assert done.is_set()


def test_lock_devices_is_the_same_lock_in_the_same_transaction(pg_db: Database) -> None:
    # Taken twice (two batches' worth) by one transaction: no self-deadlock, and duplicates
    # in the list are fine.
    with pg_db.write() as conn:
        storage.lock_devices(conn, ["d1", "d1", "d2"])
        storage.lock_devices(conn, ["d2", "d1"])
        storage.lock_devices(conn, [])


@pytest.fixture
def pg_server(pg_session_url: str) -> Iterator[Server]:
    _empty_pg(pg_session_url)
    yield from make_server(pg_session_url)


def test_ingestion_waits_for_the_lock_of_its_devices(pg_server: Server) -> None:
    # The wiring: a batch, even an all-OK one, takes its devices' locks; another device's
    # batch goes through meanwhile.
    server = pg_server
    ingestor = server.services.ingestor

    def wire(device: str) -> Any:
        raw = json_body([server.result(device, "snmp.cpu", "OK")])
        return parse_body(raw, 10)

    same, other = wire("hq-srv"), wire("br-sw")
    reports: dict[str, Any] = {}

    def ingest(name: str, batch: Any) -> threading.Thread:
        thread = threading.Thread(
            target=lambda: reports.setdefault(name, ingestor.ingest(batch)), daemon=True
        )
        thread.start()
        return thread

    with server.services.db.write() as conn:
        storage.lock_devices(conn, ["hq-srv"])
        blocked = ingest("same", same)
        free = ingest("other", other)
        free.join(5)
        assert "other" in reports, "a batch about another device waited"
        blocked.join(0.5)
        assert "same" not in reports, "a batch about a locked device went through"
    blocked.join(5)
    assert reports["same"].accepted == 1 and reports["other"].accepted == 1


def json_body(results: list[dict[str, Any]]) -> bytes:
    return json.dumps(results).encode()


def _waiting_on_advisory_locks(db: Database, pids: list[int], expected: int) -> int:
    """How many of these backends wait for an advisory lock (polled for up to 5 s until
    `expected` of them registered and wait)."""
    query = sa.text(
        "SELECT count(DISTINCT pid) FROM pg_locks "
        "WHERE locktype = 'advisory' AND NOT granted AND pid = ANY(:pids)"
    )
    found = 0
    for _ in range(50):
        with db.read() as conn:
            found = int(conn.execute(query, {"pids": list(pids)}).scalar_one())
        if found == expected:
            break
        threading.Event().wait(0.1)
    return found


def test_lock_devices_does_nothing_on_sqlite(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        with db.write() as conn:
            storage.lock_devices(conn, ["d1", "d2"])  # one writer at a time: nothing to take
    finally:
        db.engine.dispose()
