"""The SSH transport end to end against a tiny real SSH server: exec (AIX/Linux style) and
netmiko (Cisco/Huawei style) sessions, refusals that never leave the machine, the audit trail,
timeouts that never hang, host keys, and the `patrol exec / ssh trust / audit` commands."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import paramiko
import pytest
import typer
from typer.testing import CliRunner

from agent import ssh
from agent.audit import AuditLog, read_audit
from agent.cli_ssh import parse_since, register
from agent.hostkeys import KnownHosts, fingerprint
from agent.ssh import SshConfigError, SshTarget, collect_cli, run_commands, ssh_target_from_device
from checks.clidata import CliData
from checks.inventory import Device, Secret, SshAccess, SshCredential
from tests.sshserver import TinySSHServer

pytestmark = pytest.mark.integration

PASSWORD = "test-password"

REFUSED_LINUX = [
    "rm -rf /",
    "reboot",
    "shutdown -r now",
    "uptime; reboot",
    "uptime && reboot",
    "uptime\nreboot",
    "uptime `reboot`",
    "cat /etc/shadow",
    "df -P | tee /tmp/x",
    "df -P > /tmp/x",
]
REFUSED_CISCO = [
    "reload",
    "rel",
    "conf t",
    "wr",
    "show ver; reload",
    "sh run",
    "sh ver | tee flash:x",
    "show version\nreload",
    "debug all",
    "clear counters",
]


@pytest.fixture
def env(tmp_path: Path) -> dict:
    return {
        "audit": AuditLog(tmp_path / "audit.jsonl"),
        "known_hosts": KnownHosts(tmp_path / "known_hosts"),
        "operator": "alice",
        "device_name": "dev-01",
    }


def _serve(srv: TinySSHServer, env: dict, platform: str, trust: bool = True) -> SshTarget:
    host, port = srv.start()
    if trust:
        env["known_hosts"].add(host, port, srv.host_key)
    return SshTarget(host, port, platform, "patrol", PASSWORD, timeout=5)


def _run(target: SshTarget, commands: list[str], env: dict, timeout: float = 5) -> CliData:
    """run_commands in a thread, so a hang fails the test instead of stalling the suite."""
    box: list[CliData] = []
    thread = threading.Thread(
        target=lambda: box.append(run_commands(target, commands, timeout=timeout, **env)),
        daemon=True,
    )
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), "run_commands hung"
    return box[0]


def _before_logout(received: list[str]) -> list[str]:
    return [line for line in received if line not in ("exit", "quit")]


def _audit(env: dict) -> list[dict]:
    return list(read_audit(env["audit"].path))


@pytest.fixture
def linux() -> Iterator[TinySSHServer]:
    srv = TinySSHServer(
        {
            "uptime": " 10:00:00 up 12 days,  2 users,  load average: 0.10, 0.20, 0.30\n",
            "df -P": "Filesystem 1024-blocks Used Available Capacity Mounted on\n"
            "/dev/sda1 100 50 50 50% /\n",
            "cat /proc/loadavg": "0.10 0.20 0.30 1/200 12345\n",
            "free -b": "Mem: 100 50 50\n",
        },
        hang={"df -P -k": "Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sd"},
        failures={"uname -a": (f"uname: cannot read: {PASSWORD}\n", 2)},
    )
    yield srv
    srv.stop()


@pytest.fixture
def cisco() -> Iterator[TinySSHServer]:
    srv = TinySSHServer(
        {
            "show version": "Cisco IOS XE Software, Version 17.03.04a\nR1 uptime is 3 weeks",
            "show logging": "Log Buffer (4096 bytes):\n*Mar  1 00:00:01: %SYS-5-RESTART",
            "show interfaces": "GigabitEthernet0/1 is up, line protocol is up",
        },
        hang={"show environment": "SYSTEM POWER SUPPLY\nPS1 is"},
        banner="\nUser Access Verification\n",
    )
    yield srv
    srv.stop()


# ---------------------------------------------------------------- exec sessions


def test_exec_runs_allowed_commands_in_one_connection(linux: TinySSHServer, env: dict) -> None:
    target = _serve(linux, env, "linux")
    data = _run(target, ["uptime", "df -P", "cat /proc/loadavg"], env)
    assert data.errors == {}
    assert data.output("uptime").startswith(" 10:00:00 up 12 days")
    assert data.output("cat /proc/loadavg") == "0.10 0.20 0.30 1/200 12345\n"
    assert linux.connections == 1  # one session per device, one channel per command
    assert linux.received == ["uptime", "df -P", "cat /proc/loadavg"]


def test_refused_commands_never_reach_the_device(linux: TinySSHServer, env: dict) -> None:
    target = _serve(linux, env, "linux")
    data = _run(target, ["uptime", *REFUSED_LINUX, "free -b"], env)
    assert linux.received == ["uptime", "free -b"]
    for command in REFUSED_LINUX:
        assert data.error_for(command).startswith("refused: "), command
    assert set(data.outputs) == {"uptime", "free -b"}
    # One audit line per command sent, none for the refused ones.
    assert [e["command"] for e in _audit(env)] == ["uptime", "free -b"]


def test_only_refused_commands_open_no_connection(linux: TinySSHServer, env: dict) -> None:
    target = _serve(linux, env, "linux")
    data = _run(target, REFUSED_LINUX, env)
    assert set(data.errors) == set(REFUSED_LINUX)
    assert linux.connections == 0
    assert _audit(env) == []


def test_the_canonical_form_is_what_is_sent(linux: TinySSHServer, env: dict) -> None:
    target = _serve(linux, env, "linux")
    data = _run(target, ["df   -P", "df -P"], env)
    assert linux.received == ["df -P"]  # two spellings of one command: sent once
    assert data.output("df   -P") == data.output("df -P")


def test_audit_line_per_command_with_its_outcome(linux: TinySSHServer, env: dict) -> None:
    target = _serve(linux, env, "linux")
    data = _run(target, ["uptime", "uname -a"], env)
    assert data.error_for("uname -a") == "exit status 2: uname: cannot read: ***"
    lines = _audit(env)
    assert [(e["command"], e["ok"]) for e in lines] == [("uptime", True), ("uname -a", False)]
    first = lines[0]
    assert first["operator"] == "alice" and first["device"] == "dev-01"
    assert first["address"] == "127.0.0.1" and first["platform"] == "linux"
    assert first["bytes"] == len(linux.responses["uptime"].encode())
    assert isinstance(first["duration_ms"], int)
    assert lines[1]["error"] == "exit status 2: uname: cannot read: ***"
    # The password appeared in the device's error text; it reaches neither the log nor results.
    assert PASSWORD not in env["audit"].path.read_text()
    assert PASSWORD not in json.dumps(data.errors)


def test_a_device_that_stops_mid_output_times_out(linux: TinySSHServer, env: dict) -> None:
    target = _serve(linux, env, "linux")
    data = _run(target, ["uptime", "df -kP", "free -b"], env, timeout=0.5)
    assert data.output("uptime") is not None
    assert data.error_for("df -kP") == "timed out after 0.5 s waiting for the end of the output"
    assert data.error_for("free -b").startswith("not run: the session was abandoned")
    assert linux.received == ["uptime", "df -P -k"]
    assert [(e["command"], e["ok"]) for e in _audit(env)] == [("uptime", True), ("df -P -k", False)]
    assert _audit(env)[1]["bytes"] > 0  # what arrived before the device went silent


def test_no_audit_no_further_command(linux: TinySSHServer, env: dict, tmp_path: Path) -> None:
    (tmp_path / "not-a-dir").write_text("")
    env["audit"] = AuditLog(tmp_path / "not-a-dir" / "audit.jsonl")
    target = _serve(linux, env, "linux")
    data = _run(target, ["uptime", "df -P", "free -b"], env)
    assert linux.received == ["uptime"]
    for command in ("uptime", "df -P", "free -b"):
        assert "the audit log cannot be written" in data.error_for(command)


def test_unknown_host_key_is_refused_before_login(linux: TinySSHServer, env: dict) -> None:
    target = _serve(linux, env, "linux", trust=False)
    data = _run(target, ["uptime", "df -P"], env)
    for command in ("uptime", "df -P"):
        reason = data.error_for(command)
        assert fingerprint(linux.host_key) in reason
        assert "`patrol ssh trust dev-01`" in reason
    assert linux.auth_attempts == [] and linux.received == []
    assert _audit(env) == []


def test_changed_host_key_is_refused_before_login(linux: TinySSHServer, env: dict) -> None:
    target = _serve(linux, env, "linux", trust=False)
    env["known_hosts"].add(target.address, target.port, paramiko.ECDSAKey.generate())
    data = _run(target, ["uptime"], env)
    assert "HAS CHANGED" in data.error_for("uptime")
    assert linux.auth_attempts == [] and linux.received == []


def test_wrong_password_is_reported_without_the_password(linux: TinySSHServer, env: dict) -> None:
    host, port = linux.start()
    env["known_hosts"].add(host, port, linux.host_key)
    target = SshTarget(host, port, "linux", "patrol", "wrong-secret", timeout=5)
    data = _run(target, ["uptime"], env)
    assert data.error_for("uptime") == (
        "authentication as 'patrol' failed on 127.0.0.1 (password refused)"
    )
    assert linux.received == [] and _audit(env) == []


def test_nobody_listening(env: dict) -> None:
    srv = TinySSHServer()
    host, port = srv.start()
    srv.stop()  # the port is closed now
    data = _run(SshTarget(host, port, "linux", "patrol", PASSWORD, timeout=2), ["uptime"], env)
    assert data.error_for("uptime").startswith(f"cannot connect to 127.0.0.1 port {port}")


def test_a_platform_without_allowlist_sends_nothing(env: dict) -> None:
    data = run_commands(SshTarget("127.0.0.1", 9, "ibm_imm"), ["show version"], **env)
    assert data.error_for("show version").startswith("refused: no read-only allowlist")


# ---------------------------------------------------------------- netmiko sessions


def test_netmiko_session_on_a_cisco_style_cli(cisco: TinySSHServer, env: dict) -> None:
    target = _serve(cisco, env, "cisco_ios")
    data = _run(target, ["sh ver", "show logging", "sh int", "show inventory"], env)
    assert data.output("sh ver") == (
        "Cisco IOS XE Software, Version 17.03.04a\nR1 uptime is 3 weeks"
    )
    assert data.output("show logging").endswith("%SYS-5-RESTART")
    assert data.error_for("show inventory") == (
        "the device refused the command: % Invalid input detected at '^' marker."
    )
    assert cisco.connections == 1
    sent = ["show version", "show logging", "show interfaces", "show inventory"]
    assert [c for c in _before_logout(cisco.received) if not c.startswith("terminal")] == sent
    # netmiko's own set-up and logout lines are on record too, each as it was sent.
    assert [(e["command"], e["ok"]) for e in _audit(env)] == [
        ("terminal width 511", True),
        ("terminal length 0", True),
        ("show version", True),
        ("show logging", True),
        ("show interfaces", True),
        ("show inventory", False),
        ("exit", True),
    ]


def test_netmiko_refusals_never_reach_the_device(cisco: TinySSHServer, env: dict) -> None:
    target = _serve(cisco, env, "cisco_ios")
    data = _run(target, [*REFUSED_CISCO, "show version"], env)
    for command in REFUSED_CISCO:
        assert data.error_for(command).startswith("refused: "), command
    assert _before_logout(cisco.received) == [
        "terminal width 511",
        "terminal length 0",
        "show version",
    ]
    assert "show version" in [e["command"] for e in _audit(env)]
    assert not {e["command"] for e in _audit(env)} & set(REFUSED_CISCO)


def test_netmiko_device_that_stops_mid_output_times_out(cisco: TinySSHServer, env: dict) -> None:
    target = _serve(cisco, env, "cisco_ios")
    data = _run(target, ["show version", "show environment", "show logging"], env, timeout=0.5)
    assert data.output("show version") is not None
    assert data.error_for("show environment") == "timed out after 0.5 s waiting for the prompt"
    assert data.error_for("show logging").startswith("not run: the session was abandoned")
    assert "show logging" not in cisco.received
    assert ("show environment", False) in [(e["command"], e["ok"]) for e in _audit(env)]


def test_netmiko_device_that_never_prints_its_prompt_times_out(env: dict) -> None:
    with TinySSHServer({"show version": "x"}, no_prompt=True) as srv:
        srv_target = SshTarget(*srv.address, "cisco_ios", "patrol", PASSWORD, timeout=5)
        env["known_hosts"].add(*srv.address, srv.host_key)
        data = _run(srv_target, ["show version", "show logging"], env, timeout=0.5)
    assert data.error_for("show version") == "timed out after 0.5 s waiting for the prompt"
    assert data.error_for("show logging") == "timed out after 0.5 s waiting for the prompt"
    assert "show version" not in srv.received


def test_netmiko_may_not_answer_a_login_question_on_its_own(env: dict) -> None:
    """VRP asks to save the configuration at login; netmiko would answer "Y". Never sent."""
    question = (
        "\r\nWarning: There are security risks in the configuration file. Please save the "
        "configuration immediately. Continue? [y/n]:"
    )
    with TinySSHServer(prompt="<SW1>", login_question=question) as srv:
        target = SshTarget(*srv.address, "huawei_vrp", "patrol", PASSWORD, timeout=5)
        env["known_hosts"].add(*srv.address, srv.host_key)
        data = _run(target, ["display version"], env, timeout=2)
    assert "netmiko was about to send 'Y'" in data.error_for("display version")
    assert srv.received == []


def test_netmiko_refuses_unknown_host_keys_before_login(cisco: TinySSHServer, env: dict) -> None:
    target = _serve(cisco, env, "cisco_ios", trust=False)
    data = _run(target, ["show version"], env)
    assert fingerprint(cisco.host_key) in data.error_for("show version")
    assert "`patrol ssh trust dev-01`" in data.error_for("show version")
    assert cisco.auth_attempts == [] and _audit(env) == []


def test_netmiko_refuses_changed_host_keys_before_login(cisco: TinySSHServer, env: dict) -> None:
    target = _serve(cisco, env, "cisco_ios", trust=False)
    recorded = paramiko.ECDSAKey.generate()
    env["known_hosts"].add(target.address, target.port, recorded)
    data = _run(target, ["show version"], env)
    assert "HAS CHANGED" in data.error_for("show version")
    assert fingerprint(recorded) in data.error_for("show version")
    assert cisco.auth_attempts == []


def test_huawei_style_session(env: dict) -> None:
    with TinySSHServer(
        {"display version": "VRP (R) software, Version 5.170"}, prompt="<SW1>"
    ) as srv:
        target = SshTarget(*srv.address, "huawei_vrp", "patrol", PASSWORD, timeout=5)
        env["known_hosts"].add(*srv.address, srv.host_key)
        data = _run(target, ["dis ver", "dis cur"], env)
    assert data.output("dis ver") == "VRP (R) software, Version 5.170"
    assert data.error_for("dis cur").startswith("refused: 'display current-configuration'")
    # The logout line may be cut off by the closing connection: compare what came before it.
    assert _before_logout(srv.received) == ["screen-length 0 temporary", "display version"]
    assert [e["command"] for e in _audit(env)] == [
        "screen-length 0 temporary",
        "display version",
        "quit",
    ]


# ---------------------------------------------------------------- concurrency


async def test_collect_cli_runs_devices_concurrently(linux: TinySSHServer, env: dict) -> None:
    target = _serve(linux, env, "linux")
    results = await asyncio.gather(
        *(collect_cli(target, ["uptime", "free -b"], **env) for _ in range(6))
    )
    assert all(r.errors == {} and r.output("free -b") == "Mem: 100 50 50\n" for r in results)
    assert linux.connections == 6
    assert len(_audit(env)) == 12


async def test_collect_cli_bounds_sessions_in_flight(monkeypatch: pytest.MonkeyPatch) -> None:
    lock, state = threading.Lock(), {"now": 0, "max": 0}

    def fake_run(target: SshTarget, commands: list[str], **_: object) -> CliData:
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        time.sleep(0.05)
        with lock:
            state["now"] -= 1
        return CliData(outputs={c: target.address for c in commands})

    monkeypatch.setattr(ssh, "run_commands", fake_run)
    limiter = ssh.cli_limiter(3)
    targets = [SshTarget(f"127.0.0.{n}") for n in range(1, 11)]
    results = await asyncio.gather(
        *(
            collect_cli(
                t,
                ["uptime"],
                audit=None,  # type: ignore[arg-type]
                operator="x",
                device_name=t.address,
                known_hosts=None,  # type: ignore[arg-type]
                limiter=limiter,
            )
            for t in targets
        )
    )
    assert [r.output("uptime") for r in results] == [t.address for t in targets]
    assert state["max"] == 3  # more than one at once, never more than the limiter allows


async def test_collect_cli_has_a_default_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    lock, state = threading.Lock(), {"now": 0, "max": 0}

    def fake_run(target: SshTarget, commands: list[str], **_: object) -> CliData:
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        time.sleep(0.05)
        with lock:
            state["now"] -= 1
        return CliData()

    monkeypatch.setattr(ssh, "run_commands", fake_run)
    monkeypatch.setattr(ssh, "DEFAULT_CONCURRENCY", 4)
    jobs = [
        collect_cli(
            SshTarget("127.0.0.1"),
            ["uptime"],
            audit=None,  # type: ignore[arg-type]
            operator="x",
            device_name=str(n),
            known_hosts=None,  # type: ignore[arg-type]
        )
        for n in range(12)
    ]
    await asyncio.gather(*jobs)
    assert state["max"] == 4


def test_the_watchdog_closes_a_session_that_overruns_its_budget() -> None:
    closed = threading.Event()
    watchdog = ssh._Watchdog(0.01)
    watchdog.watch(lambda: 1 / 0)  # a closer that fails does not stop the others
    watchdog.watch(closed.set)
    watchdog.start()
    assert closed.wait(10)
    assert watchdog.fired.is_set()


# ---------------------------------------------------------------- targets from the inventory


def _device(platform: str | None = "linux", password: Secret | None = None) -> Device:
    credential = SshCredential("pw", "patrol", password or Secret(env="PATROL_TEST_SSH_PW"))
    return Device(
        name="fz-hq-aix-01",
        address="127.0.1.6",
        customer="fzbank",
        site="fz-hq",
        zone="urban",
        platform=platform,
        ssh=SshAccess(credential, port=2222, timeout=7.0),
    )


def test_ssh_target_from_device_reveals_the_secret_but_never_shows_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATROL_TEST_SSH_PW", "hunter2-secret")
    target = ssh_target_from_device(_device("ibm_aix"))
    assert (target.address, target.port, target.platform) == ("127.0.1.6", 2222, "ibm_aix")
    assert (target.username, target.password, target.timeout) == ("patrol", "hunter2-secret", 7.0)
    assert "hunter2-secret" not in repr(target) and "hunter2-secret" not in str(target)
    assert "password=***" in repr(target)


def test_ssh_target_from_device_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PATROL_TEST_SSH_PW", raising=False)
    with pytest.raises(SshConfigError, match="PATROL_TEST_SSH_PW is not set"):
        ssh_target_from_device(_device("ibm_aix"))
    with pytest.raises(SshConfigError, match="needs the device's platform"):
        ssh_target_from_device(_device(None))
    with pytest.raises(SshConfigError, match="no SSH command allowlist"):
        ssh_target_from_device(_device("ibm_imm"))


# ---------------------------------------------------------------- patrol exec / ssh trust / audit

INVENTORY = """\
credentials:
  pw: {{type: ssh, username: patrol, password: {{env: PATROL_TEST_SSH_PASSWORD}}}}
customers:
  - id: c
    name: Test bank
    sites:
      - id: s
        name: Site
        zone: urban
        devices:
          - name: lx-01
            address: 127.0.0.1
            platform: linux
            ssh: {{credential: pw, port: {port}}}
"""


@pytest.fixture
def cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, linux: TinySSHServer
) -> Iterator[tuple[typer.Typer, TinySSHServer]]:
    _, port = linux.start()
    (tmp_path / "inventory.yaml").write_text(INVENTORY.format(port=port))
    monkeypatch.setenv("PATROL_INVENTORY", str(tmp_path / "inventory.yaml"))
    monkeypatch.setenv("PATROL_TEST_SSH_PASSWORD", PASSWORD)
    monkeypatch.setenv("PATROL_KNOWN_HOSTS", str(tmp_path / "known_hosts"))
    monkeypatch.setenv("PATROL_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Test app."""

    register(app)
    yield app, linux


runner = CliRunner()


def test_cli_exec_refusal_exits_2_and_sends_nothing(cli: tuple) -> None:
    app, srv = cli
    result = runner.invoke(app, ["exec", "lx-01", "reboot"])
    assert result.exit_code == 2
    assert "'reboot' is not a read-only command on linux" in result.output
    assert "nothing was sent" in result.output
    assert srv.connections == 0


def test_cli_trust_then_exec_then_audit(cli: tuple, tmp_path: Path) -> None:
    app, srv = cli
    # Unknown key: exec refuses with the fingerprint and the command to run.
    result = runner.invoke(app, ["exec", "lx-01", "uptime"])
    assert result.exit_code == 3
    assert fingerprint(srv.host_key) in result.output
    assert "patrol ssh trust lx-01" in result.output
    # Not confirmed: nothing recorded.
    result = runner.invoke(app, ["ssh", "trust", "lx-01"], input="n\n")
    assert result.exit_code == 1
    assert fingerprint(srv.host_key) in result.output and "ecdsa-sha2-nistp256" in result.output
    assert not (tmp_path / "known_hosts").exists()
    # Confirmed.
    result = runner.invoke(app, ["ssh", "trust", "lx-01"], input="y\n")
    assert result.exit_code == 0, result.output
    assert KnownHosts(tmp_path / "known_hosts").lookup(*srv.address) == {
        "ecdsa-sha2-nistp256": srv.host_key
    }
    assert runner.invoke(app, ["ssh", "trust", "lx-01", "--yes"]).output.count("already") == 1
    # Now exec works; words may come unquoted.
    result = runner.invoke(app, ["exec", "lx-01", "cat", "/proc/loadavg", "--operator", "bob"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "0.10 0.20 0.30 1/200 12345\n"
    # Audit: table, filters, JSON.
    result = runner.invoke(app, ["audit"], env={"COLUMNS": "160"})
    assert result.exit_code == 0
    assert "cat /proc/loadavg" in result.output and "bob" in result.output
    result = runner.invoke(app, ["audit", "--json", "--device", "lx-01", "--since", "1h"])
    entries = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(e["command"], e["operator"], e["ok"]) for e in entries] == [
        ("cat /proc/loadavg", "bob", True)
    ]
    assert runner.invoke(app, ["audit", "--device", "other"]).output.startswith("no audit")
    assert runner.invoke(app, ["audit", "--since", "yesterday"]).exit_code == 2


def test_cli_trust_refuses_to_replace_a_different_key_silently(cli: tuple, tmp_path: Path) -> None:
    app, srv = cli
    old = paramiko.ECDSAKey.generate()
    KnownHosts(tmp_path / "known_hosts").add(*srv.address, old)
    result = runner.invoke(app, ["ssh", "trust", "lx-01", "--yes"])
    assert result.exit_code == 2
    assert "DIFFERENT" in result.output
    assert fingerprint(old) in result.output and fingerprint(srv.host_key) in result.output
    assert "--replace" in result.output
    assert KnownHosts(tmp_path / "known_hosts").lookup(*srv.address)["ecdsa-sha2-nistp256"] == old
    result = runner.invoke(app, ["ssh", "trust", "lx-01", "--yes", "--replace"])
    assert result.exit_code == 0
    stored = KnownHosts(tmp_path / "known_hosts").lookup(*srv.address)
    assert stored == {"ecdsa-sha2-nistp256": srv.host_key}


def test_cli_exec_timeout_exits_3(cli: tuple, tmp_path: Path) -> None:
    app, srv = cli
    KnownHosts(tmp_path / "known_hosts").add(*srv.address, srv.host_key)
    result = runner.invoke(app, ["exec", "lx-01", "df -kP", "--timeout", "0.5"])
    assert result.exit_code == 3
    assert "timed out after 0.5 s" in result.output


def test_cli_unknown_device_exits_2(cli: tuple) -> None:
    app, _ = cli
    result = runner.invoke(app, ["exec", "lx-1", "uptime"])
    assert result.exit_code == 2
    assert "did you mean lx-01" in result.output


def test_parse_since() -> None:
    from datetime import UTC, datetime, timedelta

    now = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
    assert parse_since("24h", now) == now - timedelta(hours=24)
    assert parse_since("7d", now) == now - timedelta(days=7)
    assert parse_since("30m", now) == now - timedelta(minutes=30)
    assert parse_since("2026-01-01T00:00:00Z") == datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_since("2026-01-01") == datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError):
        parse_since("yesterday")
