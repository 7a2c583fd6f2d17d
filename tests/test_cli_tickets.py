"""agent/cli_tickets.py: `patrol tickets ...` against a fake server on loopback (output, bodies
sent, exit codes 0/1/2/3, the token never printed), and push_reports (a sweep's results through
the spool, kept when the server is down, sent by the next push)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from agent import cli_tickets
from agent.api_client import ApiClient
from agent.cli_tickets import (
    flatten_results,
    format_span,
    parse_eta,
    parse_part,
    push_reports,
    sla_countdown,
    tickets_app,
)
from agent.spool import Spool
from checks.report import DeviceInfo, DeviceReport
from checks.result import Item
from checks.result import Result as CheckResult
from checks.status import Status
from tests.fake_patrol_server import NOW, FakePatrolServer

TOKEN = "tok-eng-do-not-print"
REPO_ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


@pytest.fixture
def fake() -> Iterator[FakePatrolServer]:
    server = FakePatrolServer(tokens={TOKEN: "engineer", "tok-view": "viewer"}).start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("PATROL_SERVER", "PATROL_TOKEN", "PATROL_INSECURE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setattr(cli_tickets, "_now", lambda: NOW + timedelta(minutes=30))


def run(server: FakePatrolServer | str | None, *args: str, token: str = TOKEN) -> Result:
    env = {"PATROL_TOKEN": token}
    if server is not None:
        env["PATROL_SERVER"] = server if isinstance(server, str) else server.url
    result = runner.invoke(tickets_app, list(args), env=env)
    assert TOKEN not in result.output  # never, whatever happened
    return result


def body_of(fake: FakePatrolServer, index: int = -1) -> Any:
    return fake.requests[index][2]


# --- option parsing -------------------------------------------------------------------------


def test_parse_eta() -> None:
    now = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
    assert parse_eta("+2h", now) == now + timedelta(hours=2)
    assert parse_eta("+1h30m", now) == now + timedelta(minutes=90)
    assert parse_eta("+1d", now) == now + timedelta(days=1)
    assert parse_eta("2025-03-03T10:00Z", now) == datetime(2025, 3, 3, 10, tzinfo=UTC)
    assert parse_eta("2025-03-03T18:00+08:00", now) == datetime(2025, 3, 3, 10, tzinfo=UTC)
    assert parse_eta("2025-03-03T10:00", now).tzinfo is not None  # local time
    for bad in ("soon", "+", "+2x", "2h"):
        with pytest.raises(ValueError, match="expected \\+2h"):
            parse_eta(bad, now)


def test_parse_part() -> None:
    assert parse_part("PSU 350W:1:1200") == {"name": "PSU 350W", "qty": 1, "price": 1200.0}
    assert parse_part("cable 10:30 LC:2:15.5") == {
        "name": "cable 10:30 LC",
        "qty": 2,
        "price": 15.5,
    }
    for bad in ("PSU", "PSU:1", ":1:2", "PSU:one:2", "PSU:0:2", "PSU:1:-3"):
        with pytest.raises(ValueError, match="--part"):
            parse_part(bad)


def test_sla_countdown() -> None:
    open_ticket = {
        "state": "open",
        "response_due": "2025-03-03T10:00:00Z",
        "onsite_due": "2025-03-03T12:00:00Z",
    }
    at = datetime(2025, 3, 3, 8, 48, tzinfo=UTC)
    assert str(sla_countdown(open_ticket, at)) == "response 1h12m"
    soon = sla_countdown(open_ticket, datetime(2025, 3, 3, 9, 45, tzinfo=UTC))
    assert (str(soon), soon.style) == ("response 15m", "yellow")
    late = sla_countdown(open_ticket, datetime(2025, 3, 3, 10, 25, tzinfo=UTC))
    assert (str(late), late.style) == ("response overdue 25m", "bold red")
    acked = open_ticket | {"state": "acknowledged"}
    assert str(sla_countdown(acked, at)) == "on-site 3h12m"
    assert str(sla_countdown(acked | {"responded_at": None}, at)) == "response 1h12m"
    assert str(sla_countdown(open_ticket | {"state": "on_site"}, at)) == "—"
    assert str(sla_countdown(open_ticket | {"state": "resolved"}, at)) == "—"
    assert str(sla_countdown(acked | {"onsite_due": None}, at)) == "—"
    assert format_span(timedelta(days=2, hours=3, minutes=5)) == "2d3h"


def test_the_other_live_tickets_of_the_device_are_shown() -> None:
    from io import StringIO

    from rich.console import Console

    from agent.cli_tickets import print_ticket, tickets_table

    ticket = {
        "id": "T-3",
        "level": 1,
        "state": "open",
        "device": "fz-hq-core-01",
        "check": "huawei.alarms",
        "summary": "fz-hq-core-01 huawei.alarms: 1 active alarm",
        "related": ["T-2", "T-4"],
    }
    out = StringIO()
    console = Console(file=out, width=200, color_system=None)
    console.print(
        tickets_table([ticket, {**ticket, "id": "T-9", "related": []}], datetime.now(UTC))
    )
    rows = [line for line in out.getvalue().splitlines() if line.startswith("T-")]
    assert rows[0].startswith("T-3 +2 ") and rows[1].startswith("T-9 ")
    shown = StringIO()
    print_ticket(Console(file=shown, width=200, color_system=None), ticket, datetime.now(UTC))
    lines = [" ".join(line.split()) for line in shown.getvalue().splitlines()]
    assert "same device T-2, T-4 (live: one visit may fix them all)" in lines


# --- commands -------------------------------------------------------------------------------


@pytest.mark.integration
class TestCommands:
    def test_list_table_with_sla(self, fake: FakePatrolServer) -> None:
        fake.add_ticket()
        fake.add_ticket(
            device="fz-br-acc-02",
            check="huawei_vrp.fans",
            item="FAN 2",
            level=2,
            summary="fan failed",
            response_due=(NOW + timedelta(minutes=10)).isoformat(),
        )
        result = run(fake, "list")
        assert result.exit_code == 0, result.output
        assert "T-1" in result.output and "T-2" in result.output
        assert "response 1h30m" in result.output  # due 2 h after NOW, now is NOW + 30 min
        assert "response overdue 20m" in result.output
        assert "huawei_vrp.fans [FAN 2]" in result.output
        assert "2 tickets" in result.output

    def test_list_filters_and_json(self, fake: FakePatrolServer) -> None:
        fake.add_ticket()
        fake.add_ticket(device="other", level=3)
        result = run(fake, "list", "--device", "other", "--level", "3", "--state", "open", "--json")
        assert result.exit_code == 0, result.output
        assert fake.requests[-1][1] == "/api/v1/tickets?device=other&state=open&level=3"
        assert [t["id"] for t in json.loads(result.output)] == ["T-2"]
        assert run(fake, "list", "--customer", "nobody").output.strip() == "no tickets match"

    def test_show_with_timeline(self, fake: FakePatrolServer) -> None:
        fake.add_ticket(
            breaches=[
                {
                    "kind": "response",
                    "due": "2025-03-03T10:00:00Z",
                    "at": "2025-03-03T10:00:30Z",
                    "step": 2,
                }
            ],
            events=[
                {"at": "2025-03-03T08:00:00Z", "kind": "opened", "actor": "monitoring", "note": ""},
                {
                    "at": "2025-03-03T10:00:30Z",
                    "kind": "escalated",
                    "actor": "scheduler",
                    "note": "response deadline passed",
                },
            ],
        )
        result = run(fake, "show", "T-1")
        assert result.exit_code == 0, result.output
        for text in (
            "T-1",
            "L1",
            "fz-hq-core-01",
            "snmp.reachability",
            "timeline",
            "escalated",
            "response deadline passed",
            "scheduler",
            "escalated to step 2",
        ):
            assert text in result.output
        as_json = run(fake, "show", "T-1", "--json")
        assert json.loads(as_json.output)["id"] == "T-1"

    def test_open_registers_a_hotline_ticket(self, fake: FakePatrolServer) -> None:
        result = run(
            fake,
            "open",
            "--device",
            "fz-hq-core-01",
            "--reporter-name",
            "Li Wei",
            "--org",
            "FZ Bank",
            "--phone",
            "+86 591 1234",
            "--symptom",
            "core switch beeping",
            "--channel",
            "phone",
            "--level",
            "2",
            "--check",
            "huawei_vrp.fans",
        )
        assert result.exit_code == 0, result.output
        assert result.output.startswith("registered T-1 L2 for fz-hq-core-01: response due")
        assert body_of(fake) == {
            "reporter": {
                "name": "Li Wei",
                "organisation": "FZ Bank",
                "phone": "+86 591 1234",
                "email": "",
            },
            "symptom": "core switch beeping",
            "channel": "phone",
            "device": "fz-hq-core-01",
            "level": 2,
            "check": "huawei_vrp.fans",
        }

    def test_open_needs_a_device_or_site(self, fake: FakePatrolServer) -> None:
        result = run(fake, "open", "--reporter-name", "Li", "--symptom", "x")
        assert result.exit_code == 2 and "--device" in result.output
        assert (
            run(
                fake,
                "open",
                "--site",
                "s",
                "--reporter-name",
                "Li",
                "--symptom",
                "x",
                "--level",
                "7",
            ).exit_code
            == 2
        )
        assert (
            run(
                fake,
                "open",
                "--site",
                "s",
                "--reporter-name",
                "Li",
                "--symptom",
                "x",
                "--channel",
                "pigeon",
            ).exit_code
            == 2
        )
        assert not fake.requests

    def test_lifecycle(self, fake: FakePatrolServer) -> None:
        fake.add_ticket()
        result = run(fake, "ack", "T-1", "--note", "looking")
        assert (result.exit_code, result.output.strip()) == (
            0,
            "T-1 acknowledged (now acknowledged): looking",
        )
        result = run(fake, "dispatch", "T-1", "--engineer", "Chen", "--eta", "+2h")
        assert result.exit_code == 0, result.output
        assert body_of(fake) == {"engineer": "Chen", "eta": "2025-03-03T10:30:00Z"}
        assert run(fake, "arrive", "T-1").exit_code == 0
        result = run(
            fake,
            "resolve",
            "T-1",
            "--notes",
            "replaced PSU 2",
            "--part",
            "PSU 350W:1:1200",
            "--part",
            "fuse:2:5",
            "--labour-hours",
            "1.5",
        )
        assert result.exit_code == 0, result.output
        assert body_of(fake) == {
            "notes": "replaced PSU 2",
            "parts": [
                {"name": "PSU 350W", "qty": 1, "price": 1200.0},
                {"name": "fuse", "qty": 2, "price": 5.0},
            ],
            "labour_hours": 1.5,
        }
        assert run(fake, "comment", "T-1", "customer informed").exit_code == 0
        assert body_of(fake) == {"note": "customer informed"}
        assert run(fake, "complaint", "T-1", "engineer was late").exit_code == 0
        assert body_of(fake) == {"text": "engineer was late"}
        assert run(fake, "escalate", "T-1").exit_code == 1  # resolved: no more climbing
        result = run(fake, "confirm", "T-1", "--satisfaction", "5", "--note", "thanks")
        assert result.exit_code == 0 and "confirmed" in result.output
        assert body_of(fake) == {"satisfaction": 5, "note": "thanks"}
        assert fake.tickets["T-1"]["state"] == "confirmed"
        assert run(fake, "satisfaction", "T-1", "--score", "4").exit_code == 0
        assert body_of(fake) == {"satisfaction": 4}

    def test_escalate_by_hand(self, fake: FakePatrolServer) -> None:
        fake.add_ticket()
        result = run(fake, "escalate", "T-1", "--note", "needs Huawei TAC")
        assert result.exit_code == 0 and "escalated" in result.output
        assert body_of(fake) == {"note": "needs Huawei TAC"}
        assert fake.tickets["T-1"]["escalation_step"] == 2
        assert run(fake, "satisfaction", "T-1", "--score", "9").exit_code == 2

    def test_409_exits_1_with_the_reason(self, fake: FakePatrolServer) -> None:
        fake.add_ticket()
        result = run(fake, "arrive", "T-1")
        assert result.exit_code == 1
        assert "cannot record an arrival on ticket T-1: nobody was dispatched" in result.output
        run(fake, "ack", "T-1")
        assert run(fake, "ack", "T-1").exit_code == 1

    def test_usage_errors_exit_2_before_any_request(self, fake: FakePatrolServer) -> None:
        fake.add_ticket()
        assert run(fake, "dispatch", "T-1", "--engineer", "Chen", "--eta", "soon").exit_code == 2
        assert run(fake, "resolve", "T-1", "--notes", "x", "--part", "PSU").exit_code == 2
        assert run(fake, "confirm", "T-1", "--satisfaction", "6").exit_code == 2
        assert run(fake, "confirm", "T-1").exit_code == 2
        assert not fake.requests

    def test_server_refusals(self, fake: FakePatrolServer) -> None:
        result = run(fake, "show", "T-99")
        assert (result.exit_code, "no ticket T-99" in result.output) == (1, True)
        result = run(fake, "list", token="wrong")
        assert result.exit_code == 2
        assert "the server refused the token (PATROL_TOKEN)" in result.output
        fake.add_ticket()
        result = run(fake, "ack", "T-1", token="tok-view")
        assert result.exit_code == 1 and "not allowed" in result.output
        # input the server rejects (422) is a usage error too
        result = run(fake, "resolve", "T-1", "--notes", "")
        assert result.exit_code == 2 and "notes: Field required" in result.output

    def test_unreachable_exits_3(self, fake: FakePatrolServer) -> None:
        url = fake.url
        fake.stop()
        result = run(url, "list")
        assert result.exit_code == 3
        assert f"cannot reach the Patrol server at {url}: connection refused" in result.output

    def test_token_never_printed(self, fake: FakePatrolServer) -> None:
        fake.add_ticket()
        for args in (["list"], ["show", "T-1"], ["ack", "T-1"], ["show", "T-9"]):
            result = run(fake, *args, token=TOKEN + "x")
            assert result.exit_code == 2 and TOKEN + "x" not in result.output


def test_no_configuration_exits_2() -> None:
    result = runner.invoke(tickets_app, ["list"])
    assert result.exit_code == 2
    assert "no Patrol server configured: set PATROL_SERVER" in result.output


def test_plain_http_refused_exits_2() -> None:
    result = run("http://10.9.9.9:8000", "list")
    assert result.exit_code == 2 and "PATROL_INSECURE=1" in result.output


@pytest.mark.integration
def test_server_option_and_config_file(fake: FakePatrolServer, tmp_path: Path) -> None:
    config = tmp_path / "config" / "patrol" / "config.yaml"
    config.parent.mkdir(parents=True)
    config.write_text(f"server: http://127.0.0.1:9\ntoken: {TOKEN}\n")
    config.chmod(0o644)
    result = runner.invoke(tickets_app, ["--server", fake.url, "list"])
    assert result.exit_code == 2 and f"chmod 600 {config}" in result.output
    assert TOKEN not in result.output
    config.chmod(0o600)
    result = runner.invoke(tickets_app, ["--server", fake.url, "list"])
    assert result.exit_code == 0, result.output
    assert fake.auth_headers[-1] == f"Bearer {TOKEN}"


# --- push_reports ---------------------------------------------------------------------------


def sweep_reports(tag: str) -> list[dict[str, Any]]:
    def report(name: str, status: Status) -> dict[str, Any]:
        checks = [
            CheckResult(name, "snmp.uptime", Status.OK, "up 3 days"),
            CheckResult(
                name, "huawei_vrp.fans", status, f"{tag} fans", items=[Item("FAN 1", status)]
            ),
        ]
        r = DeviceReport(DeviceInfo(name, "127.0.1.1"), checks, customer="fzbank", site="fz-hq")
        return r.to_dict() | {"customer": r.customer, "site": r.site}

    return [report("fz-hq-core-01", Status.CRITICAL), report("fz-hq-acc-01", Status.OK)]


def test_flatten_results() -> None:
    reports = sweep_reports("a")
    flat = flatten_results(reports)
    assert [(r["device"], r["check"]) for r in flat] == [
        ("fz-hq-core-01", "snmp.uptime"),
        ("fz-hq-core-01", "huawei_vrp.fans"),
        ("fz-hq-acc-01", "snmp.uptime"),
        ("fz-hq-acc-01", "huawei_vrp.fans"),
    ]
    assert flatten_results({"devices": reports}) == flat  # the sweep --json file works too


@pytest.mark.integration
def test_push_reports(fake: FakePatrolServer, tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    reports = sweep_reports("first")
    with ApiClient(fake.url, TOKEN) as client:
        outcome = push_reports(reports, client, spool)
    assert outcome.ok and outcome.exit_code == 0
    assert outcome.results == 4 and outcome.drain.accepted == 4
    assert outcome.describe() == f"pushed 4 results to {fake.url} (4 new, 0 already there)"
    assert sorted(fake.results) == sorted(r["id"] for r in flatten_results(reports))
    assert spool.pending() == 0


@pytest.mark.integration
def test_push_while_the_server_is_down_is_sent_by_the_next_push(
    fake: FakePatrolServer, tmp_path: Path
) -> None:
    spool = Spool(tmp_path / "spool")
    first, second = sweep_reports("first"), sweep_reports("second")
    url = fake.url
    fake.stop()
    with ApiClient(url, TOKEN, timeout=2) as client:
        outcome = push_reports(first, client, spool)
    assert not outcome.ok and outcome.exit_code == 3 and outcome.drain.unreachable
    assert outcome.describe() == (
        f"cannot reach the Patrol server at {url}: connection refused (is patrol-server "
        f"running?); 4 results wait in {spool.directory} (sent by the next push)"
    )
    back = FakePatrolServer(tokens={TOKEN: "engineer"}).start()
    try:
        with ApiClient(back.url, TOKEN) as client:
            outcome = push_reports(second, client, spool)
        assert outcome.ok and outcome.drain.accepted == 8
        expected = flatten_results(first) + flatten_results(second)
        assert sorted(back.results) == sorted(r["id"] for r in expected)
        assert back.posts[0] == [r["id"] for r in flatten_results(first)]  # oldest first
    finally:
        back.stop()


@pytest.mark.integration
def test_push_with_a_device_the_server_refuses(fake: FakePatrolServer, tmp_path: Path) -> None:
    fake.forbidden_devices = {"fz-hq-acc-01"}
    spool = Spool(tmp_path / "spool")
    with ApiClient(fake.url, TOKEN) as client:
        outcome = push_reports(sweep_reports("x"), client, spool)
    assert not outcome.ok and outcome.exit_code == 1
    assert outcome.drain.accepted == 2 and outcome.drain.rejected == 2
    assert "2 results refused by the server, kept in" in outcome.describe()
    assert "device fz-hq-acc-01 is not in the inventory" in outcome.describe()


# --- against the real server ----------------------------------------------------------------


@pytest.fixture
def real_server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """server/app.py on SQLite, served by uvicorn on a free loopback port in a thread; yields
    (url, engineer token). Skips while the server cannot be built (it is written in parallel)."""
    pytest.importorskip("uvicorn")
    try:
        import uvicorn

        from server import migrate
        from server.app import create_app
        from server.auth import TokenStore
        from server.clock import SystemClock
        from server.config import load_config
        from server.db import Database
    except ImportError as exc:
        pytest.skip(f"the server is not importable yet: {exc}")
    url = f"sqlite:///{tmp_path / 'patrol.db'}"
    config_file = tmp_path / "server.yaml"
    config_file.write_text(f"inventory: {REPO_ROOT / 'inventory.yaml'}\n")
    migrate.upgrade(url)
    config = load_config(config_file, database_url=url, environ={})
    db = Database(url)
    try:
        _, token = TokenStore(db, SystemClock()).create("engineer", name="test-engineer")
    finally:
        db.dispose()
    app = create_app(config, background=False)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", token
    finally:
        server.should_exit = True
        thread.join(30)


def fan_sweep(observed: datetime) -> list[dict[str, Any]]:
    """fz-hq-core-01 with a failed fan, fz-hq-core-02 healthy: one sweep's reports."""

    def report(name: str, fan: Status) -> dict[str, Any]:
        checks = [
            CheckResult(name, "snmp.uptime", Status.OK, "up 3 days", observed_at=observed),
            CheckResult(
                name,
                "huawei_vrp.fans",
                fan,
                "1 of 2 fans failed: FAN 2" if fan is not Status.OK else "2 fans OK",
                items=[Item("FAN 1", Status.OK), Item("FAN 2", fan)],
                observed_at=observed,
            ),
        ]
        return DeviceReport(DeviceInfo(name), checks).to_dict()

    return [report("fz-hq-core-01", Status.CRITICAL), report("fz-hq-core-02", Status.OK)]


@pytest.mark.integration
def test_against_the_real_server(real_server: tuple[str, str], tmp_path: Path) -> None:
    """Two sweeps push a failed fan (damping 2): one ticket opens for that fan and none for
    the healthy device; the CLI lists it, acknowledges it, and gets the server's 409."""
    url, token = real_server
    spool = Spool(tmp_path / "spool")
    now = datetime.now(UTC)
    first, second = fan_sweep(now - timedelta(minutes=2)), fan_sweep(now - timedelta(minutes=1))
    with ApiClient(url, token) as client:
        assert push_reports(first, client, spool).ok
        outcome = push_reports(second, client, spool)
        assert outcome.ok and outcome.drain.accepted == 4
        again = client.post_results(flatten_results(second))
        assert again == {"accepted": 0, "duplicates": 4}
        tickets = client.tickets()
    assert [(t["device"], t["check"], t["item"]) for t in tickets] == [
        ("fz-hq-core-01", "huawei_vrp.fans", "FAN 2")
    ]
    ticket_id = tickets[0]["id"]

    result = run(url, "list", token=token)
    assert result.exit_code == 0, result.output
    assert ticket_id in result.output and "huawei_vrp.fans [FAN 2]" in result.output
    assert "fz-hq-core-02" not in result.output
    result = run(url, "ack", ticket_id, "--note", "looking", token=token)
    assert result.exit_code == 0, result.output
    assert "acknowledged" in result.output
    result = run(url, "arrive", ticket_id, token=token)
    assert result.exit_code == 1 and "nobody was dispatched" in result.output
    result = run(url, "show", ticket_id, token=token)
    assert result.exit_code == 0 and "acknowledged" in result.output and "looking" in result.output
    # A result the server refuses (observed in the future: a skewed clock) is set aside alone,
    # by the index the server's 422 names; the rest of its batch goes in.
    skewed = fan_sweep(now + timedelta(hours=1))
    skewed[1]["results"] = fan_sweep(now)[1]["results"]
    with ApiClient(url, token) as client:
        outcome = push_reports(skewed, client, spool)
    assert (outcome.drain.accepted, outcome.drain.rejected) == (2, 2)
    assert "is in the future" in outcome.describe()
    assert [
        r["device"] for b in spool.rejected() for r in json.loads(b.path.read_text())["results"]
    ] == [
        "fz-hq-core-01",
        "fz-hq-core-01",
    ]

    result = run(url, "list", token=token + "-revoked")
    assert result.exit_code == 2 and "the server refused the token (PATROL_TOKEN)" in result.output
    assert token not in result.output


def test_list_summary_drops_what_the_other_columns_show() -> None:
    from agent.cli_tickets import short_summary

    ticket = {"device": "sw1", "check": "huawei.fans", "item": "FAN 0/2"}
    assert short_summary({**ticket, "summary": "sw1 huawei.fans FAN 0/2: abnormal, 0%"}) == (
        "abnormal, 0%"
    )
    assert short_summary({**ticket, "item": "", "summary": "sw1 huawei.fans: 1 of 2 failed"}) == (
        "1 of 2 failed"
    )
    assert short_summary({**ticket, "summary": "customer called: fan noise"}) == (
        "customer called: fan noise"
    )
