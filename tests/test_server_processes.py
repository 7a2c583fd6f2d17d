"""Two real `patrol-server serve` processes (uvicorn) on one PostgreSQL, eight clients posting
the same failing problem at the same moment: exactly one ticket. The database, not a lock in
one process, guarantees it.

Checked by sabotage while writing it: with the problem row locks (FOR UPDATE), the
latest_checks upsert (which also locks the check's row) and uq_tickets_live_fingerprint all
disabled, this test fails every run (several tickets); any one of the three alone keeps it
green, so each is a sufficient guarantee and the test does exercise the race."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from server.problems import to_iso
from tests.server_support import TEST_INVENTORY

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(url: str, workdir: Path, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """One serve process on a free port, once its /healthz answers."""
    for _ in range(3):
        port = free_port()
        with open(log, "ab") as out:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "server.cli",
                    "serve",
                    "--port",
                    str(port),
                    "--config",
                    "server.yaml",
                    "--inventory",
                    "inventory.yaml",
                    "--log-level",
                    "warning",
                ],
                cwd=workdir,
                env={
                    **os.environ,
                    "PYTHONPATH": str(REPO),
                    "PATROL_DATABASE_URL": url,
                    "PATROL_TEST_COMMUNITY": "x",
                    "PATROL_TEST_SSH_PASSWORD": "x",
                },
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    return proc, base
            except httpx.HTTPError:
                time.sleep(0.1)
        proc.kill()
        proc.wait()
    raise RuntimeError(f"serve did not start:\n{log.read_text()[-3000:]}")


@pytest.fixture
def two_servers(
    pg_schema_url: Callable[[], str], tmp_path: Path
) -> Iterator[tuple[list[str], str, str]]:
    from server.auth import TokenStore
    from server.clock import SystemClock
    from server.db import Database
    from server.migrate import upgrade

    url = pg_schema_url()
    upgrade(url)
    db = Database(url)
    store = TokenStore(db, SystemClock())
    _, token = store.create("agent", "bank", "agent-bank")
    _, viewer = store.create("viewer", None, "viewer")
    db.dispose()
    (tmp_path / "inventory.yaml").write_text(TEST_INVENTORY)
    (tmp_path / "server.yaml").write_text(
        "scheduler: {interval_s: 1, send_interval_s: 1, inventory_check_s: 0.2}\n"
    )
    procs: list[subprocess.Popen[bytes]] = []
    bases: list[str] = []
    try:
        for n in range(2):
            proc, base = start(url, tmp_path, tmp_path / f"serve-{n}.log")
            procs.append(proc)
            bases.append(base)
        yield bases, token, viewer
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_eight_clients_two_processes_one_ticket(
    two_servers: tuple[list[str], str, str],
) -> None:
    bases, token, viewer = two_servers
    headers = {"Authorization": f"Bearer {token}"}
    start_at = datetime.now(UTC) - timedelta(minutes=1)
    # The check was seen OK beforehand, so the problem has no row yet (rows come with the first
    # failure): every racing batch would create it; the device locks serialise them.
    healthy = {
        "id": str(uuid.uuid4()),
        "device": "hq-srv",
        "check": "imm.health",
        "status": "OK",
        "observed_at": to_iso(start_at - timedelta(minutes=1)),
        "items": [{"item": "PSU 2", "status": "OK"}],
    }
    first = httpx.post(f"{bases[0]}/api/v1/results", json=[healthy], headers=headers, timeout=30)
    assert first.json() == {"accepted": 1, "duplicates": 0}
    barrier = threading.Barrier(8)
    answers: list[tuple[int, int, dict]] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        with httpx.Client(base_url=bases[n % 2], headers=headers, timeout=60) as http:
            barrier.wait()
            for round_no in range(3):
                # Each batch crosses the damping threshold (2) on its own: every client that
                # reads the problem before another commits would open a ticket, unless the
                # database serialises them.
                batch = [
                    {
                        "id": str(uuid.uuid4()),
                        "device": "hq-srv",
                        "check": "imm.health",
                        "status": "CRITICAL",
                        "summary": "system board fault",
                        "observed_at": to_iso(
                            start_at + timedelta(milliseconds=100 * round_no + 10 * n + k)
                        ),
                        "items": [
                            {"item": "PSU 2", "status": "CRITICAL", "detail": "PSU 2 failed"}
                        ],
                    }
                    for k in range(2)
                ]
                response = http.post("/api/v1/results", json=batch)
                with lock:
                    answers.append((n, response.status_code, response.json()))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(answers) == 24
    assert {status for _, status, _ in answers} == {200}, answers
    assert sum(body["accepted"] for _, _, body in answers) == 48
    for base in bases:
        tickets = httpx.get(
            f"{base}/api/v1/tickets", headers={"Authorization": f"Bearer {viewer}"}, timeout=10
        ).json()
        assert [(t["device"], t["check"], t["item"]) for t in tickets] == [
            ("hq-srv", "imm.health", "PSU 2")
        ], tickets
        assert [e["kind"] for e in tickets[0]["events"] if e["actor"] != "notifier"] == ["opened"]


def test_both_processes_reload_a_changed_inventory_and_refuse_a_broken_one(
    two_servers: tuple[list[str], str, str], tmp_path: Path
) -> None:
    bases, token, _ = two_servers
    headers = {"Authorization": f"Bearer {token}"}

    def post(base: str, device: str) -> int:
        result = {
            "id": str(uuid.uuid4()),
            "device": device,
            "check": "snmp.uptime",
            "status": "OK",
            "observed_at": to_iso(datetime.now(UTC) - timedelta(seconds=5)),
        }
        return httpx.post(
            f"{base}/api/v1/results", json=[result], headers=headers, timeout=30
        ).status_code

    assert [post(base, "hq-new") for base in bases] == [403, 403]
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(TEST_INVENTORY.replace("zone: urban", "zone: downtown"))
    logs = [tmp_path / f"serve-{n}.log" for n in range(2)]
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not all(
        "still serving the previous one" in log.read_text() for log in logs
    ):
        time.sleep(0.1)
    assert all("still serving the previous one" in log.read_text() for log in logs)
    assert [post(base, "hq-core") for base in bases] == [200, 200]  # the old one, served

    anchor = "platform: cisco_ios, criticality: low,\n             snmp: {credential: v2c}}"
    added = "\n          - {name: hq-new, address: 127.0.9.9, snmp: {credential: v2c}}"
    inventory.write_text(TEST_INVENTORY.replace(anchor, anchor + added, 1))
    deadline = time.monotonic() + 15
    answers: list[int] = []
    while time.monotonic() < deadline:
        answers = [post(base, "hq-new") for base in bases]
        if answers == [200, 200]:
            break
        time.sleep(0.2)
    assert answers == [200, 200]
