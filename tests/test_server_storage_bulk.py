"""The bulk statements of server/storage.py (one JSON parameter unpacked by the database) store
and load exactly what the portable per-row statements do, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa

from checks.status import Status
from server import storage
from server.db import Database
from server.models import latest_checks, problem_states, results
from server.problems import Fingerprint, ProblemState

EAST = timezone(timedelta(hours=8))
ODD = "Fan \"1\" \\ 风扇 {a,b} 'x'"  # quotes, backslash, braces, commas, non-ASCII


def _states(device: str) -> list[ProblemState]:
    base = datetime(2026, 1, 5, 10, 0, 0, 123456, tzinfo=EAST)
    return [
        ProblemState(device, "imm.fans", ODD, 2, Status.CRITICAL, "fan failed", base, base),
        ProblemState(
            device,
            "imm.fans",
            "",
            0,
            Status.OK,
            "all OK",
            base + timedelta(seconds=1),
            None,
            base - timedelta(days=400),
        ),
        ProblemState(device, "snmp.reachability", "", 0, None, "", None, None, None),
        ProblemState(device, "host.cpu", "", 7, Status.WARNING, "", base, base, None),
    ]


def _raw(db: Database, device: str) -> list[tuple[Any, ...]]:
    with db.read() as conn:
        rows = conn.execute(
            sa.select(
                problem_states.c.item,
                problem_states.c.check,
                sa.cast(problem_states.c.last_seen_at, sa.String),
                sa.cast(problem_states.c.failing_since, sa.String),
                sa.cast(problem_states.c.ok_since, sa.String),
                problem_states.c.consecutive,
                problem_states.c.last_status,
            )
            .where(problem_states.c.device == device)
            .order_by(problem_states.c.check, problem_states.c.item)
        ).all()
    return [tuple(r) for r in rows]


def _save_and_load(db: Database, states: list[ProblemState]) -> dict[Fingerprint, ProblemState]:
    with db.write() as conn:
        created = storage.load_problem_states(
            conn, [s.fingerprint for s in states], lock=True, create=True
        )
        assert set(created) == {s.fingerprint for s in states}
        assert all(s == ProblemState.new(s.fingerprint) for s in created.values())
        storage.save_problem_states(conn, states)
    with db.write() as conn:
        return storage.load_problem_states(conn, [s.fingerprint for s in states], lock=True)


def test_problem_states_round_trip_the_same_in_bulk_and_portably(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(db_url)
    try:
        with db.read() as conn:
            assert storage.bulk_supported(conn)
        bulk = _states("bulk-dev")
        loaded = _save_and_load(db, bulk)
        assert loaded == {s.fingerprint: s for s in bulk}
        assert all(s.last_seen_at is None or s.last_seen_at.tzinfo == UTC for s in loaded.values())

        monkeypatch.setattr(storage, "bulk_supported", lambda _conn: False)
        portable = _states("portable-dev")
        assert _save_and_load(db, portable) == {s.fingerprint: s for s in portable}
        # Byte for byte what the portable statements store (SQLite keeps times as text).
        assert _raw(db, "bulk-dev") == _raw(db, "portable-dev")
        # And each path reads what the other wrote.
        with db.read() as conn:
            assert storage.load_problem_states(conn, [s.fingerprint for s in bulk]) == loaded
        monkeypatch.undo()
        with db.read() as conn:
            again = storage.load_problem_states(conn, [s.fingerprint for s in portable])
        assert again == {s.fingerprint: s for s in portable}
    finally:
        db.dispose()


def test_only_missing_problem_rows_are_created(db_url: str) -> None:
    db = Database(db_url)
    try:
        states = _states("dev")
        _save_and_load(db, states)
        extra = Fingerprint("dev", "imm.fans", "Fan 9")
        with db.write() as conn:
            found = storage.load_problem_states(
                conn, [extra, *(s.fingerprint for s in states)], create=True
            )
        assert found[extra] == ProblemState.new(extra)
        assert {fp: found[fp] for fp in found if fp != extra} == {s.fingerprint: s for s in states}
    finally:
        db.dispose()


def _result_row(at: datetime, **payload: Any) -> dict[str, Any]:
    rid = str(uuid.uuid4())
    return {
        "id": rid,
        "device": "dev",
        "check": "imm.fans",
        "status": "OK",
        "observed_at": at,
        "received_at": at + timedelta(seconds=3),
        "payload": {"id": rid, "value": 0.30000000000000004, "big": 2**62, "text": ODD, **payload},
    }


def test_results_insert_returns_only_new_ids_and_keeps_payloads_exact(db_url: str) -> None:
    db = Database(db_url)
    at = datetime(2026, 1, 5, 10, 0, 0, 654321, tzinfo=EAST)
    try:
        first = [_result_row(at), _result_row(at + timedelta(minutes=5), nested={"a": [1, None]})]
        with db.write() as conn:
            assert storage.insert_results(conn, first) == {r["id"] for r in first}
        again = [first[0], _result_row(at)]
        with db.write() as conn:
            assert storage.insert_results(conn, again) == {again[1]["id"]}
            assert storage.insert_results(conn, []) == set()
        with db.read() as conn:
            stored = {
                r.id: r for r in conn.execute(sa.select(results)).all()
            }  # every column back through the table's types
        assert len(stored) == 3
        for row in [*first, again[1]]:
            got = stored[row["id"]]
            assert got.payload == row["payload"]
            assert got.observed_at == row["observed_at"]
            assert got.observed_at.tzinfo == UTC
            assert got.received_at == row["received_at"]
    finally:
        db.dispose()


def test_latest_checks_upsert_keeps_the_newest(db_url: str) -> None:
    db = Database(db_url)
    at = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)

    def row(check: str, when: datetime, status: str) -> dict[str, Any]:
        return {
            "device": "dev",
            "check": check,
            "status": status,
            "summary": f"{check} {status}",
            "observed_at": when,
            "result_id": str(uuid.uuid4()),
            "items": [{"item": ODD, "status": status, "detail": "1.0000000000000002"}],
        }

    try:
        with db.write() as conn:
            storage.upsert_latest_checks(conn, [row("a", at, "OK"), row("b", at, "OK")])
        with db.write() as conn:
            storage.upsert_latest_checks(
                conn,
                [
                    row("a", at + timedelta(minutes=5), "CRITICAL"),
                    row("b", at - timedelta(1), "WARNING"),
                ],
            )
        with db.read() as conn:
            stored = {r.check: r for r in conn.execute(sa.select(latest_checks)).all()}
        assert stored["a"].status == "CRITICAL"
        assert stored["a"].observed_at == at + timedelta(minutes=5)
        assert stored["a"].items == [
            {"item": ODD, "status": "CRITICAL", "detail": "1.0000000000000002"}
        ]
        assert stored["b"].status == "OK"  # an older result does not replace a newer one
    finally:
        db.dispose()


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 1, 5, 10, 0, tzinfo=UTC),
        datetime(2026, 1, 5, 10, 0, 0, 1, tzinfo=EAST),
        datetime(999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    ],
)
def test_bulk_sqlite_time_text_is_sqlalchemys(moment: datetime) -> None:
    from sqlalchemy.dialects import sqlite

    dialect = sqlite.dialect()
    column_type = problem_states.c.last_seen_at.type
    process = column_type.dialect_impl(dialect).bind_processor(dialect)
    assert process is not None
    assert storage._sqlite_time(moment) == process(moment)
    with pytest.raises(ValueError, match="naive"):
        storage._sqlite_time(moment.replace(tzinfo=None))
