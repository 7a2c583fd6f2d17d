"""The audit log: one JSON line per command sent, append-only, rotated, multi-process safe."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agent.audit import (
    FIELDS,
    AuditLog,
    audit_files,
    default_audit_path,
    default_operator,
    read_audit,
)


def _record(log: AuditLog, n: int, device: str = "fz-hq-core-01", **extra: object) -> dict:
    fields: dict = {
        "operator": "alice",
        "device": device,
        "address": "127.0.1.1",
        "platform": "huawei_vrp",
        "command": f"display version {n}",
        "ok": True,
        "error": None,
        "nbytes": 1000 + n,
        "duration_ms": 12,
    }
    fields.update(extra)
    return log.record(**fields)


def test_each_record_is_one_json_line_with_the_contract_fields(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "state" / "audit.jsonl")
    _record(log, 1)
    _record(log, 2, ok=False, error="timed out after 10 s waiting for the prompt", nbytes=0)
    lines = log.path.read_text().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert tuple(first) == FIELDS
    assert first["command"] == "display version 1"
    assert first["ok"] is True and first["error"] is None
    assert first["bytes"] == 1001 and first["duration_ms"] == 12
    assert first["time"].endswith("Z")
    assert datetime.fromisoformat(first["time"].replace("Z", "+00:00")).tzinfo is not None
    assert second["ok"] is False
    assert second["error"] == "timed out after 10 s waiting for the prompt"


def test_files_are_private(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "new" / "audit.jsonl")
    _record(log, 1)
    assert stat.S_IMODE(log.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.path.parent.stat().st_mode) == 0o700


def test_appends_never_rewrite_earlier_lines(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    _record(log, 1)
    before = log.path.read_bytes()
    _record(log, 2)
    assert log.path.read_bytes().startswith(before)


def test_rotation_by_size_keeps_n_backups(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl", max_bytes=1000, backups=2)
    for n in range(40):
        _record(log, n)
    files = audit_files(log.path)
    assert [f.name for f in files] == ["audit.jsonl.2", "audit.jsonl.1", "audit.jsonl"]
    assert not (tmp_path / "audit.jsonl.3").exists()
    assert all(f.stat().st_size <= 1000 for f in files)
    numbers = [int(e["command"].split()[-1]) for e in read_audit(log.path)]
    # What is kept is the most recent part of the log, oldest first, with no gap.
    assert numbers == list(range(40 - len(numbers), 40))
    assert len(numbers) > 10


def test_without_backups_the_log_starts_over(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl", max_bytes=600, backups=0)
    for n in range(20):
        _record(log, n)
    assert audit_files(log.path) == [log.path]
    assert [e["command"] for e in read_audit(log.path)][-1] == "display version 19"


def _writer(path: str, worker: int, count: int) -> None:
    log = AuditLog(path, max_bytes=8_000, backups=100)
    for n in range(count):
        _record(log, n, device=f"dev-{worker}", command=f"show version {worker}:{n}")


def test_several_processes_append_and_rotate_without_losing_or_tearing_lines(
    tmp_path: Path,
) -> None:
    path = tmp_path / "audit.jsonl"
    ctx = multiprocessing.get_context("fork")
    workers = [ctx.Process(target=_writer, args=(str(path), w, 150)) for w in range(4)]
    for proc in workers:
        proc.start()
    for proc in workers:
        proc.join(60)
        assert proc.exitcode == 0
    raw_lines = [line for f in audit_files(path) for line in f.read_bytes().splitlines()]
    assert all(json.loads(line)["command"].startswith("show version") for line in raw_lines)
    assert len(audit_files(path)) > 5  # it did rotate, under contention
    seen: dict[int, list[int]] = {}
    for entry in read_audit(path):
        worker, n = entry["command"].split()[-1].split(":")
        seen.setdefault(int(worker), []).append(int(n))
    # Every line of every process is there exactly once, in each process's own order.
    assert {w: sorted(ns) for w, ns in seen.items()} == {w: list(range(150)) for w in range(4)}
    assert all(ns == sorted(ns) for ns in seen.values())


def test_read_filters_by_device_and_time(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    now = datetime.now(UTC)
    for hours, device in ((50, "a"), (30, "b"), (5, "a"), (1, "b")):
        when = (now - timedelta(hours=hours)).isoformat().replace("+00:00", "Z")
        log.append({"time": when, "device": device, "command": f"{device}-{hours}"})
    assert [e["command"] for e in read_audit(log.path)] == ["a-50", "b-30", "a-5", "b-1"]
    assert [e["command"] for e in read_audit(log.path, device="a")] == ["a-50", "a-5"]
    since = now - timedelta(hours=24)
    assert [e["command"] for e in read_audit(log.path, since=since)] == ["a-5", "b-1"]
    naive_since = since.replace(tzinfo=None)  # naive means UTC
    assert [e["command"] for e in read_audit(log.path, device="b", since=naive_since)] == ["b-1"]


def test_reading_skips_foreign_lines_and_missing_files(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    assert list(read_audit(path)) == []
    log = AuditLog(path)
    _record(log, 1)
    with path.open("a") as handle:
        handle.write("not json\n[1, 2]\n")
    _record(log, 2)
    assert [e["command"] for e in read_audit(path)] == ["display version 1", "display version 2"]


def test_secrets_never_reach_the_log(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    secret = "s3cr3t-Pa55"
    entry = _record(
        log,
        1,
        ok=False,
        error=f"connection lost: server said 'bad password {secret}'",
        secrets=[secret],
    )
    assert secret not in log.path.read_text()
    assert "***" in entry["error"]


def test_default_path_and_operator(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATROL_AUDIT_LOG", str(tmp_path / "x.jsonl"))
    assert default_audit_path() == tmp_path / "x.jsonl"
    assert AuditLog().path == tmp_path / "x.jsonl"
    monkeypatch.delenv("PATROL_AUDIT_LOG")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert default_audit_path() == tmp_path / "state" / "patrol" / "audit.jsonl"
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_audit_path() == tmp_path / "home" / ".local/state/patrol/audit.jsonl"
    assert default_operator()
    assert os.sep not in default_operator()
