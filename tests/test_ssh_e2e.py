"""End to end over SSH: Patrol's transport, poller, sweep and CLI against the lab's CLI simulator
(real paramiko SSH servers behaving like each vendor's CLI), never against a fake.

The simulator serves the lab's SSH devices on their own loopback addresses at ports chosen by the
kernel, with a fixed clock so every output it renders is known in advance. Its host keys go to a
temp known_hosts ($PATROL_KNOWN_HOSTS) and each test gets its own audit log ($PATROL_AUDIT_LOG).
What the simulator received (`command_lines`) is compared with what Patrol says it sent (the
audit log): one audit line per line that reached the device, netmiko's own session lines
included, and nothing at all for a refused command.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest
import yaml
from typer.testing import CliRunner

from agent.audit import AuditLog, read_audit
from agent.cli import app
from agent.hostkeys import KnownHosts, fingerprint
from agent.poller import PollOptions, SshOptions, poll_device
from agent.ssh import run_commands, ssh_target_from_device
from checks.check import CheckContext
from checks.cli import evaluate_cli_checks, load_cli_catalog
from checks.cli.allowlist import check_command
from checks.clidata import CliData
from checks.inventory import Inventory, load_inventory
from checks.status import Status
from lab.sshsim import CliSimulator, lab_devices
from lab.sshsim_hosts import interpreter
from lab.sshsim_platforms import platform as sim_platform
from lab.sshsim_session import Mode, Session

pytestmark = pytest.mark.integration

PASSWORD = "lab-ssh-password"
# The simulator's clock, fixed so that its outputs are known; poll_device judges them moments
# later (utcnow), so "in the last 24 h" means the same thing to both.
NOW = datetime.now(UTC).replace(microsecond=0)

# One lab device per SSH platform, and its role in the demo inventory.
DEVICE_OF = {
    "cisco_ios": "fz-mh-acc-01",
    "cisco_xe": "fz-hq-wan-01",
    "huawei_vrp": "fz-hq-core-01",
    "huawei_vrpv8": "fz-hq-core-02",
    "ibm_aix": "fz-hq-aix-01",
    "linux": "fz-hq-app-01",
    "ibm_storwize": "fz-hq-v7k-01",
}
ROLES = {
    "fz-hq-core-01": "core-switch",
    "fz-hq-core-02": "core-switch",
    "fz-hq-wan-01": "wan-router",
    "fz-hq-app-01": "server",
    "fz-hq-aix-01": "server",
    "fz-hq-v7k-01": "storage",
    "fz-mh-acc-01": "access-switch",
    "fz-mh-wan-01": "wan-router",
}
NETWORK = {"cisco_ios", "cisco_xe", "huawei_vrp", "huawei_vrpv8"}
# What netmiko itself types around the commands, which the transport lets through and audits.
SESSION_SETUP = {
    "cisco_ios": ["terminal width 511", "terminal length 0"],
    "cisco_xe": ["terminal width 511", "terminal length 0"],
    "huawei_vrp": ["screen-length 0 temporary"],
    "huawei_vrpv8": ["screen-length 0 temporary"],
}
LOGOUT = {"cisco_ios": ["exit"], "cisco_xe": ["exit"], "huawei_vrp": ["quit"]}
LOGOUT["huawei_vrpv8"] = ["quit"]
# Linux has no CLI check; these are allowed read-only commands.
LINUX_COMMANDS = ["uptime", "df -P", "free -b", "cat /proc/loadavg", "uname -a"]

# Refused commands, per platform: abbreviations of dangerous commands, chaining, newlines,
# substitutions, pipes into anything but the platform's output filters, configuration displays.
REFUSED: dict[str, list[str]] = {
    "cisco_ios": [
        "rel",
        "reload",
        "conf t",
        "configure terminal",
        "wr",
        "write memory",
        "show ver; reload",
        "show version\nreload",
        "show clock\r\nreload",
        "show version && reload",
        "show version || reload",
        "show version & reload",
        "show version `reload`",
        "show version $(reload)",
        "debug all",
        "undebug all",
        "clear counters",
        "copy running startup",
        "delete flash:x",
        "format flash:",
        "erase startup-config",
        "sh log | redirect flash:log.txt",
        "show logging | tee flash:x",
        "sh ver | sh run",
        "sh run",
        "no logging console",
        "shutdown",
        "show env; conf t",
    ],
    "cisco_xe": [
        "reload in 5",
        "conf t",
        "wr mem",
        "sh ver | append flash:x",
        "request platform software package clean",
        "show tech-support",
    ],
    "huawei_vrp": [
        "sys",
        "system-view",
        "sav",
        "save",
        "reboot",
        "display version && reboot",
        "display version; reboot",
        "display alarm active\nreboot",
        "undo info-center enable",
        "reset saved-configuration",
        "reset counters interface",
        "debugging ip packet",
        "dis cur",
        "dis this",
        "display version | redirect x.txt",
        "display device | save",
        "delete flash:/vrpcfg.zip",
        "format flash:",
        "copy vrpcfg.zip backup.zip",
        "startup saved-configuration x.cfg",
    ],
    "huawei_vrpv8": [
        "sys",
        "commit",
        "rollback configuration to label x",
        "undo shutdown",
        "reset alarm all",
        "dis diag",
    ],
    "ibm_aix": [
        "rm -rf /",
        "errclear 0",
        "shutdown -Fr",
        "reboot",
        "errpt; rm -rf /",
        "errpt && errclear 0",
        "errpt -a\nhalt",
        "errpt | tee /tmp/x",
        "df -k | xargs rm",
        "errpt > /tmp/x",
        "lsvg `reboot`",
        "lsvg $(reboot)",
        "lsvg ${IFS}",
        "chdev -l hdisk1 -a pv=yes",
        "varyoffvg datavg",
        "cat /etc/security/passwd",
        "sh -c reboot",
    ],
    "linux": [
        "shutdown -r now",
        "rm -rf /",
        "uptime; reboot",
        "uptime && reboot",
        "uptime\nhalt",
        "df -P | sh",
        "systemctl stop sshd",
        "cat /etc/shadow",
    ],
    "ibm_storwize": [
        "svctask rmvdisk 1",
        "rmvdisk 1",
        "chsystem -name x",
        "svctask chsystem -name x",
        "lsdrive; rmvdisk 1",
        "lsdrive && svctask rmvdisk 1",
        "lsdrive | rmvdisk",
        "svctask stopsystem",
        "satask stopnode",
        "rmmdisk -mdisk 1 pool0",
        "chdrive -use failed 5",
    ],
}
# Allowed commands mixed between the refused ones (abbreviated where the platform allows it).
ALLOWED: dict[str, list[str]] = {
    "cisco_ios": ["sh ver", "show clock", "sh log | i %SYS-", "sh env"],
    "cisco_xe": ["sh ver", "show clock"],
    "huawei_vrp": ["dis ver", "disp alarm act", "dis dev | include Normal"],
    "huawei_vrpv8": ["dis cpu", "display fan"],
    "ibm_aix": ["errpt -d H", "lsps -s", "lsvg -o"],
    "linux": ["uptime", "df -P"],
    "ibm_storwize": ["svcinfo lsdrive -delim :", "lsenclosurepsu -delim :"],
}
_SEPARATORS = re.compile(r";|&&|\|\||&|\||\r?\n|`|\$\(|\$\{|>")


@dataclass
class Lab:
    sim: CliSimulator
    inventory_path: Path
    inventory: Inventory

    def platform(self, name: str) -> str:
        return next(d.platform for d in self.sim.devices if d.name == name)


def write_inventory(path: Path, sim: CliSimulator) -> Path:
    """An SSH-only inventory of the simulated devices at the ports the simulator got."""
    devices = []
    for dev in sim.devices:
        address, port = sim.endpoint(dev.name)
        devices.append(
            {
                "name": dev.name,
                "address": address,
                "platform": dev.platform,
                "role": ROLES[dev.name],
                "ssh": {"credential": "noc-pw", "port": port, "timeout": 5},
            }
        )
    doc = {
        "credentials": {
            "noc-pw": {
                "type": "ssh",
                "username": "patrol",
                "password": {"env": "PATROL_LAB_SSH_PASSWORD"},
            }
        },
        "customers": [
            {
                "id": "fzbank",
                "name": "Fuzhou Commercial Bank",
                "sites": [
                    {"id": "fz-hq", "name": "Head office", "zone": "urban", "devices": devices}
                ],
            }
        ],
    }
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    tmp = tmp_path_factory.mktemp("ssh-e2e")
    mp = pytest.MonkeyPatch()
    mp.setenv("PATROL_LAB_SSH_PASSWORD", PASSWORD)
    mp.setenv("PATROL_KNOWN_HOSTS", str(tmp / "known_hosts"))
    mp.setenv("PATROL_AUDIT_LOG", str(tmp / "audit.jsonl"))
    sim = CliSimulator(
        lab_devices(port=0),  # each device on its own 127.0.x.y, at a free port
        "healthy",
        password=PASSWORD,
        state_dir=tmp / "lab",
        clock=lambda: NOW,
    )
    try:
        with sim:
            (tmp / "known_hosts").write_text("\n".join(sim.known_hosts_lines()) + "\n")
            path = write_inventory(tmp / "inventory.yaml", sim)
            yield Lab(sim, path, load_inventory(path))
    finally:
        mp.undo()


@pytest.fixture(autouse=True)
def audit_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Each test reads only its own audit lines."""
    path = tmp_path / "audit.jsonl"
    monkeypatch.setenv("PATROL_AUDIT_LOG", str(path))
    return path


class _NoSnmp:
    """The SNMP client handed to poll_device: these devices are SSH-only, so it is never used."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"SNMP used for an SSH-only device ({name})")


NO_SNMP = cast(Any, _NoSnmp())


# ---------------------------------------------------------------- helpers


def _run(
    lab: Lab,
    name: str,
    commands: list[str],
    *,
    known_hosts: Path | None = None,
    timeout: float = 5,
) -> CliData:
    """run_commands in a thread, so a hang fails the test instead of stalling the suite."""
    target = ssh_target_from_device(lab.inventory.device(name))
    box: list[CliData] = []

    def job() -> None:
        box.append(
            run_commands(
                target,
                commands,
                audit=AuditLog(),
                operator="e2e",
                device_name=name,
                known_hosts=KnownHosts(known_hosts),
                timeout=timeout,
            )
        )

    thread = threading.Thread(target=job, daemon=True)
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), "run_commands hung"
    return box[0]


def _audit(name: str | None = None) -> list[dict[str, Any]]:
    return list(read_audit(device=name))


def _audited(name: str) -> list[str]:
    return [e["command"] for e in _audit(name)]


def _eventually(condition: Callable[[], bool], timeout: float = 5) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def _lines_so_far(lab: Lab, name: str, quiet: float = 0.2, timeout: float = 3.0) -> int:
    """How many lines the device has received, once no more arrive for `quiet` seconds: the
    logout an earlier session typed last may reach the device a moment after that test ended,
    and must not count as this test's."""
    count, since = len(lab.sim.command_lines(name)), time.monotonic()
    deadline = since + timeout
    while time.monotonic() - since < quiet and time.monotonic() < deadline:
        time.sleep(0.02)
        now = len(lab.sim.command_lines(name))
        if now != count:
            count, since = now, time.monotonic()
    return count


def _received_settles_to(lab: Lab, name: str, start: int, expected: list[str]) -> list[str]:
    """What the device received since `start`, once it equals `expected` (netmiko closes the
    connection right after typing its logout, so the device may read it a moment later)."""
    _eventually(lambda: lab.sim.command_lines(name)[start:] == expected)
    return lab.sim.command_lines(name)[start:]


def _expected_output(lab: Lab, name: str, command: str) -> str:
    """What the simulated device prints for `command` at NOW, as Patrol must return it."""
    platform = lab.platform(name)
    outputs = lab.sim.outputs(name)
    text = outputs.render(command, NOW)
    if text is None and platform in NETWORK:  # filtered (`| include`): the CLI's own answer
        plat = sim_platform(platform)
        session = Session(plat, outputs, outputs.hostname, Mode(), lambda: NOW, lambda _: None)
        text = session.run_exec(command).stdout.replace("\r\n", "\n")
    elif text is None:  # computed by the simulated host from its data (AIX errpt, lsdev)
        text = interpreter(outputs, platform, lambda: NOW).run(command).stdout
    if platform in NETWORK:
        # netmiko returns the screen without the line end before the prompt.
        text = text.removesuffix("\n")
    return text


def _commands(platform: str) -> list[str]:
    return list(load_cli_catalog().commands_for(platform)) or LINUX_COMMANDS


def _fragments_after_separators(command: str) -> list[str]:
    parts = [p.strip(" )}") for p in _SEPARATORS.split(command)]
    return [p for p in parts[1:] if p]


def _mixed(platform: str) -> list[str]:
    """The platform's refused commands with its allowed ones interleaved."""
    mixed: list[str] = []
    allowed = list(ALLOWED[platform])
    for index, refused in enumerate(REFUSED[platform]):
        if index % 3 == 0 and allowed:
            mixed.append(allowed.pop(0))
        mixed.append(refused)
    return mixed + allowed


# ---------------------------------------------------------------- per platform


@pytest.mark.parametrize("platform", list(DEVICE_OF))
def test_run_commands_returns_exactly_what_the_device_printed(
    lab: Lab, platform: str, audit_path: Path
) -> None:
    name = DEVICE_OF[platform]
    commands = _commands(platform)
    connections, start = lab.sim.connections(name), _lines_so_far(lab, name)

    data = _run(lab, name, commands)

    assert data.errors == {}
    assert list(data.outputs) == commands
    for command in commands:
        assert data.output(command) == _expected_output(lab, name, command), command
    assert lab.sim.connections(name) == connections + 1  # one session for all the commands
    sent = SESSION_SETUP.get(platform, []) + commands + LOGOUT.get(platform, [])
    assert _audited(name) == sent
    assert _received_settles_to(lab, name, start, sent) == sent
    for entry in _audit(name):
        assert (entry["operator"], entry["device"], entry["platform"]) == ("e2e", name, platform)
        assert entry["address"] == lab.inventory.device(name).address
        assert entry["ok"] is True and entry["error"] is None
        output = data.output(entry["command"])
        assert entry["bytes"] == (len(output.encode()) if output is not None else 0)
    assert PASSWORD not in audit_path.read_text()


@pytest.mark.parametrize("platform", list(DEVICE_OF))
def test_poll_device_judges_the_healthy_device(lab: Lab, platform: str) -> None:
    name = DEVICE_OF[platform]
    device = lab.inventory.device(name)
    checks = load_cli_catalog().for_platform(platform, device.role)
    connections, start = lab.sim.connections(name), _lines_so_far(lab, name)

    report, collected = asyncio.run(poll_device(device, NO_SNMP))

    if not checks:  # linux: no CLI check, so no session at all
        assert collected.cli is None and not any(r.check.startswith("ssh.") for r in report.results)
        assert lab.sim.connections(name) == connections and _audit() == []
        return
    assert lab.sim.connections(name) == connections + 1
    assert collected.cli is not None and collected.cli.errors == {}
    assert set(_commands(platform)) <= set(collected.cli.outputs)
    for command, output in collected.cli.outputs.items():
        assert output == _expected_output(lab, name, command), command
    results = {r.check: r for r in report.results}
    assert list(results) == ["ssh.reachability", *(c.id for c in checks)]
    reach = results.pop("ssh.reachability")
    assert reach.status is Status.OK
    assert reach.summary.startswith(f"SSH session ran {len(collected.cli.outputs)} commands in ")
    # The verdicts are those of the simulator's own outputs judged offline: the transport
    # changed nothing on the way.
    offline = CliData(outputs={c: _expected_output(lab, name, c) for c in collected.cli.outputs})
    ctx = CheckContext(device=name, platform=platform, role=device.role, now=NOW)
    expected = {r.check: r for r in evaluate_cli_checks(checks, offline, ctx)}
    assert {k: (r.status, r.summary) for k, r in results.items()} == {
        k: (r.status, r.summary) for k, r in expected.items()
    }
    for result in results.values():
        assert result.status is Status.OK, (result.check, result.summary)
        assert all(item.status is Status.OK for item in result.items), result.check
    assert report.status is Status.OK
    sent = SESSION_SETUP.get(platform, []) + list(collected.cli.outputs) + LOGOUT.get(platform, [])
    assert _audited(name) == sent
    assert _received_settles_to(lab, name, start, sent) == sent


# ---------------------------------------------------------------- refusals


def test_the_refusal_corpus_is_broad() -> None:
    assert sum(len(v) for v in REFUSED.values()) >= 40
    assert set(REFUSED) == set(DEVICE_OF) == set(ALLOWED)


@pytest.mark.parametrize("platform", list(DEVICE_OF))
def test_refused_commands_never_reach_the_device(lab: Lab, platform: str) -> None:
    name = DEVICE_OF[platform]
    commands = _mixed(platform)
    start = _lines_so_far(lab, name)

    data = _run(lab, name, commands)

    for command in REFUSED[platform]:
        error = data.error_for(command)
        assert error is not None and error.startswith("refused: "), (command, error)
        assert command not in data.outputs
    canonical = [check_command(platform, c) for c in ALLOWED[platform]]
    for typed, sent_as in zip(ALLOWED[platform], canonical, strict=True):
        assert data.output(typed) == _expected_output(lab, name, sent_as), typed
    sent = SESSION_SETUP.get(platform, []) + canonical + LOGOUT.get(platform, [])
    received = _received_settles_to(lab, name, start, sent)
    assert received == sent  # the allowed commands, canonical, and netmiko's own lines only
    for command in REFUSED[platform]:
        for line in received:
            assert line != " ".join(command.split()), command
            assert not _SEPARATORS.search(line.replace(" | ", " ")), line
            for fragment in _fragments_after_separators(command):
                assert not line.startswith(fragment), (command, fragment, line)
                assert not line.endswith(fragment), (command, fragment, line)
    # One audit line per line sent, none for the refused commands.
    assert _audited(name) == sent
    assert all(e["ok"] for e in _audit(name))


def test_only_refused_commands_open_no_connection(lab: Lab) -> None:
    before = {name: lab.sim.connections(name) for name in DEVICE_OF.values()}
    start = len(lab.sim.commands())
    for platform, name in DEVICE_OF.items():
        data = _run(lab, name, REFUSED[platform])
        assert data.outputs == {} and set(data.errors) == set(REFUSED[platform])
    assert {name: lab.sim.connections(name) for name in DEVICE_OF.values()} == before
    assert lab.sim.commands()[start:] == []
    assert _audit() == []


@pytest.mark.parametrize(
    ("name", "command"),
    [
        ("fz-mh-acc-01", "conf t"),
        ("fz-hq-wan-01", "show ver; reload"),
        ("fz-hq-core-01", "display version && reboot"),
        ("fz-hq-core-02", "sys"),
        ("fz-hq-aix-01", "errclear 0"),
        ("fz-hq-app-01", "rm -rf /"),
        ("fz-hq-v7k-01", "svctask rmvdisk 1"),
    ],
)
def test_patrol_exec_refuses_and_sends_nothing(lab: Lab, name: str, command: str) -> None:
    connections, start = lab.sim.connections(name), _lines_so_far(lab, name)
    result = CliRunner().invoke(
        app, ["exec", "--inventory", str(lab.inventory_path), name, command]
    )
    assert result.exit_code == 2, result.output
    assert f"refused on {name}" in result.output and "nothing was sent" in result.output
    assert lab.sim.connections(name) == connections
    assert lab.sim.command_lines(name)[start:] == []
    assert _audit() == []


def test_patrol_exec_runs_an_abbreviated_command_on_record(lab: Lab) -> None:
    name = "fz-hq-core-01"
    start = _lines_so_far(lab, name)
    result = CliRunner().invoke(
        app,
        ["exec", "--inventory", str(lab.inventory_path), "--operator", "carol", name, "dis al act"],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == _expected_output(lab, name, "display alarm active") + "\n"
    sent = ["screen-length 0 temporary", "display alarm active", "quit"]
    assert [(e["command"], e["operator"]) for e in _audit(name)] == [(c, "carol") for c in sent]
    assert _received_settles_to(lab, name, start, sent) == sent


# ---------------------------------------------------------------- host keys


@pytest.fixture
def auth_attempts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password login the simulated devices see (none may come before the key is trusted)."""
    from lab import sshsim

    seen: list[str] = []
    original = sshsim._Server.check_auth_password

    def spy(self: Any, username: str, password: str) -> int:
        seen.append(self.listener.device.name)
        return original(self, username, password)

    monkeypatch.setattr(sshsim._Server, "check_auth_password", spy)
    return seen


@pytest.mark.parametrize("name", ["fz-hq-core-01", "fz-hq-aix-01"])  # netmiko, paramiko exec
def test_unknown_host_key_is_refused_before_login(
    lab: Lab, name: str, tmp_path: Path, auth_attempts: list[str]
) -> None:
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    start = _lines_so_far(lab, name)
    commands = _commands(lab.platform(name))[:2]

    data = _run(lab, name, commands, known_hosts=empty)

    key = lab.sim.host_key(name)
    assert data.outputs == {}
    for command in commands:
        error = data.error_for(command) or ""
        assert f"host key of {name}" in error and "is unknown" in error, error
        assert fingerprint(key) in error and f"patrol ssh trust {name}" in error, error
    assert auth_attempts == []  # the password never went to an unverified server
    assert lab.sim.command_lines(name)[start:] == []
    assert _audit() == []
    assert empty.read_text() == ""  # nothing trusted behind the operator's back


def test_changed_host_key_is_refused_with_both_fingerprints(
    lab: Lab, tmp_path: Path, auth_attempts: list[str]
) -> None:
    name, other = "fz-hq-v7k-01", "fz-hq-aix-01"
    address, port = lab.sim.endpoint(name)
    impostor = lab.sim.host_key(other)  # another device's key recorded for this host
    known = tmp_path / "known_hosts"
    known.write_text(f"[{address}]:{port} {impostor.get_name()} {impostor.get_base64()}\n")
    start = _lines_so_far(lab, name)

    data = _run(lab, name, ["lsdrive -delim :"], known_hosts=known)

    error = data.error_for("lsdrive -delim :") or ""
    assert "HAS CHANGED" in error, error
    assert fingerprint(lab.sim.host_key(name)) in error and fingerprint(impostor) in error
    assert auth_attempts == [] and lab.sim.command_lines(name)[start:] == [] and _audit() == []

    # poll_device: a host key to check is for an operator, not a device fault.
    options = PollOptions(ssh=SshOptions(known_hosts=str(known)))
    report, _ = asyncio.run(poll_device(lab.inventory.device(name), NO_SNMP, options=options))
    assert [(r.check, r.status) for r in report.results] == [("ssh.reachability", Status.UNKNOWN)]
    assert "HAS CHANGED" in report.results[0].summary

    # `patrol ssh trust` will not silently replace it.
    base = ["--inventory", str(lab.inventory_path), "--known-hosts", str(known)]
    result = CliRunner().invoke(app, ["ssh", "trust", name, "--yes", *base])
    assert result.exit_code == 2, result.output
    assert fingerprint(impostor) in result.output
    assert fingerprint(lab.sim.host_key(name)) in result.output
    assert KnownHosts(known).lookup(address, port)[impostor.get_name()] == impostor


def test_trusted_key_works_and_patrol_ssh_trust_records_it(
    lab: Lab, tmp_path: Path, auth_attempts: list[str]
) -> None:
    name = "fz-mh-acc-01"
    known = tmp_path / "known_hosts"
    # Trusted (the module's known_hosts): works, logging in.
    assert _run(lab, name, ["show clock"]).output("show clock")
    assert auth_attempts == [name]
    # Unknown in a fresh file until `patrol ssh trust --yes` records it.
    runner = CliRunner()
    base = ["--inventory", str(lab.inventory_path), "--known-hosts", str(known)]
    refused = runner.invoke(app, ["exec", *base, name, "show clock"])
    assert refused.exit_code == 3 and "patrol ssh trust" in refused.output, refused.output
    trusted = runner.invoke(app, ["ssh", "trust", name, "--yes", *base])
    assert trusted.exit_code == 0, trusted.output
    key = lab.sim.host_key(name)
    assert fingerprint(key) in trusted.output
    assert KnownHosts(known).lookup(*lab.sim.endpoint(name)) == {key.get_name(): key}
    again = runner.invoke(app, ["exec", *base, name, "sh clock"])
    assert again.exit_code == 0, again.output
    assert again.stdout == _expected_output(lab, name, "show clock") + "\n"


# ---------------------------------------------------------------- devices that stop answering


def test_stuck_devices_time_out_into_unknown_without_holding_up_the_sweep(lab: Lab) -> None:
    """Six devices in one sweep: one stops in the middle of an output late in its session, one
    at its very first output, one never prints its prompt; the three others are healthy."""
    from agent.sweep import run_sweep

    names = [
        "fz-hq-core-01",  # healthy
        "fz-mh-acc-01",  # healthy
        "fz-hq-v7k-01",  # healthy
        "fz-hq-wan-01",  # stops after 5000 bytes: inside `show interfaces`, its 4th command
        "fz-hq-aix-01",  # stops after 100 bytes: inside `errpt`, its first command
        "fz-hq-core-02",  # never prints a prompt
    ]
    starts = {name: _lines_so_far(lab, name) for name in names}
    command_timeout = 1.0
    options = PollOptions(ssh=SshOptions(command_timeout=command_timeout, operator="sweeper"))
    devices = [lab.inventory.device(name) for name in names]
    # Generous: the transport's own budget for ONE session (connect + every command + the
    # prompt waits + slack), which no device may exceed; the stuck devices run alongside the
    # others, so the whole sweep fits in it too.
    most = max(len(_commands(d.platform or "")) for d in devices)
    bound = max(d.ssh.timeout for d in devices if d.ssh) + command_timeout * (most + 2) + 5
    lab.sim.set_mode("fz-hq-wan-01", hang_after_bytes=5000)
    lab.sim.set_mode("fz-hq-aix-01", hang_after_bytes=100)
    lab.sim.set_mode("fz-hq-core-02", no_prompt=True)
    try:
        started = time.monotonic()
        reports = run_sweep(devices, options=options, processes=1)
        elapsed = time.monotonic() - started
    finally:
        lab.sim.reset_modes()

    assert elapsed < bound, (elapsed, bound)
    by = {r.device.name: r for r in reports}
    assert set(by) == set(names)
    for name in names[:3]:  # the healthy ones are judged completely and normally
        report = by[name]
        checks = load_cli_catalog().for_platform(lab.platform(name), ROLES[name])
        assert [r.check for r in report.results] == ["ssh.reachability", *(c.id for c in checks)]
        assert all(r.status is Status.OK for r in report.results), [
            (r.check, r.summary) for r in report.results if r.status is not Status.OK
        ]

    wan = {r.check: r for r in by["fz-hq-wan-01"].results}
    assert wan["ssh.reachability"].status is Status.OK  # 3 commands answered before it stopped
    assert wan["cisco.interfaces_cli"].status is Status.UNKNOWN
    assert wan["cisco.interfaces_cli"].summary == (
        "show interfaces: timed out after 1 s waiting for the prompt"
    )
    assert {c: r.status for c, r in wan.items() if c != "cisco.interfaces_cli"} == {
        c: Status.OK for c in wan if c != "cisco.interfaces_cli"
    }
    assert by["fz-hq-wan-01"].status is Status.UNKNOWN

    for name, reason in (
        ("fz-hq-aix-01", "SSH: timed out after 1 s waiting for the end of the output"),
        ("fz-hq-core-02", "SSH: timed out after 1 s waiting for the prompt"),
    ):
        # Reached but unreadable: one UNKNOWN with the reason, not an UNKNOWN per check.
        assert [(r.check, r.status, r.summary) for r in by[name].results] == [
            ("ssh.reachability", Status.UNKNOWN, reason)
        ], name
        assert by[name].status is Status.UNKNOWN

    # The audit log still has exactly one line per line the devices received, the stuck
    # commands with their error.
    for name in names:
        audited = _audited(name)
        assert _received_settles_to(lab, name, starts[name], audited) == audited, name
    stuck = {e["command"]: e for e in _audit("fz-hq-wan-01")}["show interfaces"]
    assert (stuck["ok"], stuck["error"]) == (False, "timed out after 1 s waiting for the prompt")
    errpt = {e["command"]: e for e in _audit("fz-hq-aix-01")}["errpt"]
    assert errpt["ok"] is False and errpt["bytes"] == 100  # what came before the silence
    assert _audited("fz-hq-aix-01") == ["errpt"]  # nothing more was sent to a stuck device
