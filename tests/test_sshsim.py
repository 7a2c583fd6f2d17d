"""The lab's CLI simulator: vendor parser behaviour, outputs, scenarios, and netmiko/paramiko
driving it over real SSH exactly as they drive a device.

Unit tests drive the platform data and the terminal session without sockets; the integration
tests start one simulator per scenario on 127.0.0.1 (ports chosen by the kernel) with a fixed
clock, so the rendered outputs are deterministic.
"""

from __future__ import annotations

import base64
import re
import socket
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import paramiko
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lab.sshsim import LAB_SSH_DEVICES, CliSimulator, SimDevice
from lab.sshsim_hosts import interpreter
from lab.sshsim_outputs import OutputStore, render_time
from lab.sshsim_platforms import (
    CISCO_IOS,
    HUAWEI_VRP,
    ParseError,
    Resolved,
    build_tree,
    resolve,
)
from lab.sshsim_platforms import platform as platform_of
from lab.sshsim_session import Mode, Session

NOW = datetime(2024, 5, 11, 2, 30, 24, 123456, tzinfo=UTC)  # 10:30:24 in the bank (+08:00)
PASSWORD = "lab-ssh-password"
NETMIKO_TYPES = {"cisco_ios": "cisco_ios", "cisco_xe": "cisco_xe", "huawei_vrp": "huawei"}
NETMIKO_TYPES["huawei_vrpv8"] = "huawei_vrpv8"


def _expected(store: OutputStore, device: str, command: str) -> str:
    text = store.device(device).render(command, NOW)
    assert text is not None, f"{device}: no recording for {command!r}"
    return text[:-1] if text.endswith("\n") else text  # the prompt follows the last line


# ----------------------------------------------------------------------------- unit: parsers


@pytest.mark.parametrize(
    ("line", "command"),
    [
        ("sh ver", "show version"),
        ("sh env", "show environment"),
        ("sh env all", "show environment all"),
        ("sh log", "show logging"),
        ("sh int", "show interfaces"),
        ("SHOW INVENTORY", "show inventory"),
        ("sh ip int br", "show ip interface brief"),
        ("term len 0", "terminal length 0"),
    ],
)
def test_cisco_abbreviations_expand_keyword_by_keyword(line: str, command: str) -> None:
    result = resolve(build_tree(CISCO_IOS.tree), CISCO_IOS, line)
    assert isinstance(result, Resolved) and result.command == command


@pytest.mark.parametrize(
    ("line", "command"),
    [
        ("dis dev", "display device"),
        ("disp alarm act", "display alarm active"),
        ("dis cpu", "display cpu-usage"),
        ("dis mem", "display memory-usage"),
        ("dis int br", "display interface brief"),
        ("dis log", "display logbuffer"),
        ("screen-length 0 temporary", "screen-length 0 temporary"),
    ],
)
def test_huawei_abbreviations_expand_keyword_by_keyword(line: str, command: str) -> None:
    result = resolve(build_tree(HUAWEI_VRP.tree), HUAWEI_VRP, line)
    assert isinstance(result, Resolved) and result.command == command


@pytest.mark.parametrize(
    ("platform", "line", "kind", "column"),
    [
        (CISCO_IOS, "sh e", "ambiguous", 3),
        (CISCO_IOS, "show", "incomplete", 4),
        (CISCO_IOS, "show foo", "invalid", 5),
        (CISCO_IOS, "sh ver now", "too_many", 7),
        (CISCO_IOS, "conf t", "denied", 0),
        (CISCO_IOS, "reload", "denied", 0),
        (CISCO_IOS, "terminal length 9999", "wrong_parameter", 16),
        (CISCO_IOS, "show logging | redirect flash:x", "denied", 15),
        (HUAWEI_VRP, "dis e", "ambiguous", 4),
        (HUAWEI_VRP, "display alarm", "incomplete", 13),
        (HUAWEI_VRP, "display foo", "invalid", 8),
        (HUAWEI_VRP, "sys", "denied", 0),
        (HUAWEI_VRP, "dis ver 1", "too_many", 8),
    ],
)
def test_vendor_parser_errors_and_their_caret_column(
    platform: object, line: str, kind: str, column: int
) -> None:
    result = resolve(build_tree(platform.tree), platform, line)  # type: ignore[attr-defined]
    assert result == ParseError(kind, column)


def test_output_filters_are_parsed_with_abbreviations() -> None:
    result = resolve(build_tree(CISCO_IOS.tree), CISCO_IOS, "sh log | i SPANTREE-2")
    assert isinstance(result, Resolved)
    assert result.filters == (("include", "SPANTREE-2"),)


# ----------------------------------------------------------------------------- unit: outputs


def test_every_lab_device_has_outputs_for_its_platform() -> None:
    store = OutputStore("faults")
    for name, _address, platform in LAB_SSH_DEVICES:
        outputs = store.device(name)
        assert outputs.platform == platform
        assert outputs.commands, name
        for command in outputs.commands:
            text = outputs.render(command, NOW)
            assert text and "{{" not in text, (name, command)


def test_time_placeholders_render_relative_to_now_in_device_time() -> None:
    tz = OutputStore().device("fz-mh-acc-01").tz
    text = "{{now:%H:%M:%S.%L %:z}} {{now-3h05m:%b %e %H:%M}} {{now-1d:%Y-%m-%d}}"
    assert render_time(text, NOW, tz) == "10:30:24.123 +08:00 May 11 07:25 2024-05-10"


def test_faults_differ_from_healthy_only_where_declared() -> None:
    healthy, faults = OutputStore("healthy"), OutputStore("faults")
    assert faults.scenario.down == {"fz-mh-wan-01"}
    changed: dict[str, set[str]] = {}
    for name in healthy.device_names():
        h, f = healthy.device(name), faults.device(name)
        assert h.commands == f.commands, name
        for command in h.commands:
            if h.render(command, NOW) != f.render(command, NOW):
                changed.setdefault(name, set()).add(command)
        if h.load_data("errlog") != f.load_data("errlog"):
            changed.setdefault(name, set()).add("errpt")
    assert changed == {
        "fz-hq-core-01": {
            "display device",
            "display alarm active",
            "display fan",
            "display logbuffer",
        },
        "fz-mh-acc-01": {
            "show logging",
            "show environment",
            "show environment all",
            "show environment power",
            "show interfaces",
            "show ip interface brief",
        },
        "fz-hq-aix-01": {"errpt", "lsvg rootvg", "lsvg -l rootvg", "lsvg -p rootvg", "lspv hdisk1"},
        "fz-hq-v7k-01": {"lsdrive -delim :", "lseventlog -fixed no -delim :"},
    }
    declared = {(f["device"], f["subject"]) for f in faults.scenario.findings}
    assert {("fz-hq-core-01", "boards"), ("fz-hq-core-01", "alarms")} <= declared
    assert ("fz-mh-acc-01", "logs") in declared
    assert {("fz-hq-aix-01", "errpt"), ("fz-hq-aix-01", "volume_groups")} <= declared
    assert ("fz-hq-v7k-01", "drives") in declared


def test_fault_outputs_show_what_the_scenario_declares() -> None:
    faults = OutputStore("faults")
    device = faults.device("fz-hq-core-01").render("display device", NOW) or ""
    assert re.search(r"FAN2 FAN .*Abnormal", device)
    alarms = faults.device("fz-hq-core-01").render("display alarm active", NOW) or ""
    assert "/hwFanInvalid/Critical/Start/" in alarms
    logging = faults.device("fz-mh-acc-01").render("show logging", NOW) or ""
    assert "May 11 05:18:24.123 CST: %SPANTREE-2-LOOPGUARD_BLOCK" in logging  # 5 h 12 min ago
    drives = faults.device("fz-hq-v7k-01").render("lsdrive -delim :", NOW) or ""
    assert "\n5:offline:1043:failed:" in drives


@pytest.mark.parametrize(
    ("platform", "device", "command"),
    [
        ("cisco_ios", "fz-mh-acc-01", "show version"),
        ("cisco_ios", "fz-mh-acc-01", "show inventory"),
        ("cisco_ios", "fz-mh-acc-01", "show interfaces"),
        ("cisco_ios", "fz-mh-acc-01", "show logging"),
        ("cisco_ios", "fz-mh-acc-01", "show clock"),
        ("cisco_ios", "fz-hq-wan-01", "show version"),
        ("cisco_ios", "fz-hq-wan-01", "show inventory"),
        ("cisco_ios", "fz-hq-wan-01", "show interfaces"),
        ("cisco_ios", "fz-hq-wan-01", "show logging"),
        ("huawei_vrp", "fz-hq-core-01", "display version"),
        ("huawei_vrp", "fz-hq-core-01", "display device"),
        ("huawei_vrp", "fz-hq-core-01", "display interface brief"),
        ("huawei_vrp", "fz-hq-core-02", "display version"),
        ("huawei_vrp", "fz-hq-core-02", "display device"),
        ("huawei_vrp", "fz-mh-wan-01", "display version"),
        ("huawei_vrp", "fz-mh-wan-01", "display device"),
        ("huawei_vrp", "fz-mh-wan-01", "display interface brief"),
    ],
)
def test_outputs_parse_with_the_ntc_templates(platform: str, device: str, command: str) -> None:
    from ntc_templates.parse import parse_output

    for scenario in ("healthy", "faults"):
        text = OutputStore(scenario).device(device).render(command, NOW)
        assert parse_output(platform=platform, command=command, data=text), (scenario, device)


def _collect(store: OutputStore, name: str) -> object:
    """What Patrol's CLI checks would collect from the device, answered by the simulator's
    session/interpreter (the same code the SSH server runs), without a network."""
    from checks.cli.catalog import followup_commands, load_cli_catalog
    from checks.clidata import CliData

    catalog = load_cli_catalog()
    outputs = store.device(name)
    plat = platform_of(outputs.platform)
    shell = interpreter(outputs, plat.id, lambda: NOW) if plat.kind != "network" else None
    session = Session(plat, outputs, outputs.hostname, Mode(), lambda: NOW, lambda _: None, shell)
    data = CliData()

    def run(commands: tuple[str, ...]) -> None:
        for command in commands:
            result = session.run_exec(command)
            if result.status:
                data.errors[command] = result.stderr.strip()
            else:
                data.outputs[command] = result.stdout.replace("\r\n", "\n")

    run(catalog.commands_for(plat.id))
    run(followup_commands(catalog.for_platform(plat.id), plat.id, data))
    return catalog, data


@pytest.mark.parametrize("scenario", ["healthy", "faults"])
def test_patrol_cli_checks_find_exactly_the_declared_findings(scenario: str) -> None:
    from checks.check import CheckContext
    from checks.cli.engine import evaluate_cli_check

    store = OutputStore(scenario)
    found = set()
    for name in store.device_names():
        if name in store.scenario.down:
            found.add((name, "reachability", None, "CRITICAL"))
            continue
        catalog, data = _collect(store, name)
        platform_id = store.device(name).platform
        ctx = CheckContext(device=name, platform=platform_id, now=NOW)
        for check in catalog.for_platform(platform_id):  # type: ignore[attr-defined]
            result = evaluate_cli_check(check, data, ctx)  # type: ignore[arg-type]
            if result is None:
                continue
            assert result.status.name != "UNKNOWN", (name, check.id, result.summary)
            for item in result.items:
                if item.status.name != "OK":
                    found.add((name, result.check, item.item, item.status.name))
    declared = {(f["device"], f["check"], f["item"], f["status"]) for f in store.scenario.findings}
    assert found == declared


# ----------------------------------------------------------------------------- unit: session


def _session(device: str, platform: object, mode: Mode | None = None) -> tuple[Session, list]:
    received: list[str] = []
    outputs = OutputStore("faults").device(device)
    session = Session(
        platform,  # type: ignore[arg-type]
        outputs,
        outputs.hostname,
        mode or Mode(),
        lambda: NOW,
        received.append,
    )
    return session, received


def test_session_echoes_pages_and_records_like_the_device() -> None:
    session, received = _session("fz-mh-acc-01", CISCO_IOS)
    assert session.start().decode().endswith("FZ-MH-ACC-01#")
    out = session.feed(b"sh int\r\n").decode()
    assert out.startswith("sh int\r\nVlan1 is administratively down")
    assert out.endswith("\r\n --More-- ") and out.count("\r\n") == 24  # echo + 23 lines
    out = session.feed(b" ").decode()
    assert out.startswith("\b" * 10 + " " * 10 + "\b" * 10) and out.endswith(" --More-- ")
    assert session.feed(b"q").decode().endswith("FZ-MH-ACC-01#")
    assert session.feed(b"sh verx\x7f\r").decode().startswith("sh verx\b \b\r\nCisco IOS Software")
    assert received == ["sh int", "sh ver"]


def test_session_hangs_after_n_bytes_and_never_prompts_when_told() -> None:
    mode = Mode(hang_after_bytes=100)
    session, received = _session("fz-hq-core-01", HUAWEI_VRP, mode)
    session.start()
    out = session.feed(b"display version\n")
    assert out == b"display version\r\n" + out[len(b"display version\r\n") :]
    assert len(out) == len(b"display version\r\n") + 100 and session.hung
    assert session.feed(b"\ndisplay device\n") == b""
    assert received == ["display version", "display device"]
    quiet, _ = _session("fz-hq-core-01", HUAWEI_VRP, Mode(no_prompt=True))
    assert b"<" not in quiet.start() and quiet.feed(b"\n") == b"\r\n"


def test_logout_commands_close_the_session() -> None:
    for device, platform, line in (
        ("fz-hq-core-01", HUAWEI_VRP, b"quit\n"),
        ("fz-mh-acc-01", CISCO_IOS, b"exit\n"),
        ("fz-mh-acc-01", CISCO_IOS, b"logout\r"),
    ):
        session, received = _session(device, platform)
        session.start()
        session.feed(line)
        assert session.closed and received == [line.decode().strip()]


# ----------------------------------------------------------------------------- unit: hosts


def test_aix_errpt_and_lsdev_are_computed_from_their_data() -> None:
    aix = interpreter(OutputStore("faults").device("fz-hq-aix-01"), "ibm_aix", lambda: NOW)
    hard_perm = aix.run("errpt -d H -T PERM")
    assert hard_perm.status == 0
    assert [ln.split()[0] for ln in hard_perm.stdout.splitlines()] == [
        "IDENTIFIER",
        "E86653C3",
        "DE3B8540",
    ]
    assert "0511082324 P H hdisk1" in hard_perm.stdout  # 2 h 07 min before 10:30:24
    assert aix.run("errpt -s 0511000024 -d H | wc -l").stdout.strip() == "6"
    assert "LABEL:\t\tLVM_SA_PVMISS" in aix.run("errpt -a -j F7DDA124").stdout
    disks = aix.run("lsdev -Cc disk").stdout.splitlines()
    assert disks[0] == "hdisk0 Available 00-00-00 SAS Disk Drive" and len(disks) == 4
    assert aix.run("lsdev -C -S d").stdout == ""
    assert aix.run("lsvg -p rootvg").stdout.splitlines()[3].split()[:2] == ["hdisk1", "missing"]
    healthy = interpreter(OutputStore().device("fz-hq-aix-01"), "ibm_aix", lambda: NOW)
    assert healthy.run("errpt -d H").stdout == ""


def test_storwize_derives_delimiters_filters_and_detail_views() -> None:
    v7k = interpreter(OutputStore("faults").device("fz-hq-v7k-01"), "ibm_storwize", lambda: NOW)
    assert v7k.run("svcinfo lsdrive -filtervalue status=offline -nohdr -delim ,").stdout == (
        "5,offline,1043,failed,tier_enterprise,1.7TB,,,,1,6,,,inactive,0\n"
    )
    assert (
        v7k.run("lseventlog -delim : -fixed no")
        .stdout.splitlines()[-1]
        .startswith("1043:240511075924:drive:5:::alert:no:010070:1680:")
    )
    assert "status offline\n" in v7k.run("lsdrive 5").stdout
    assert v7k.run("lsdrive").stdout.splitlines()[0].split()[:3] == [
        "id",
        "status",
        "error_sequence_number",
    ]
    assert v7k.run("lsdrive 99").status == 1


# ------------------------------------------------------------------------ integration: SSH


def _lab(scenario: str, state_dir: Path) -> CliSimulator:
    devices = [SimDevice(name, "127.0.0.1", 0, platform) for name, _, platform in LAB_SSH_DEVICES]
    return CliSimulator(
        devices, scenario, password=PASSWORD, state_dir=state_dir, clock=lambda: NOW
    )


@pytest.fixture(scope="module")
def healthy_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CliSimulator]:
    with _lab("healthy", tmp_path_factory.mktemp("sshsim-healthy")) as sim:
        yield sim


@pytest.fixture(scope="module")
def faults_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CliSimulator]:
    with _lab("faults", tmp_path_factory.mktemp("sshsim-faults")) as sim:
        yield sim


def _netmiko(sim: CliSimulator, name: str, **extra: object):  # type: ignore[no-untyped-def]
    from netmiko import ConnectHandler

    host, port = sim.endpoint(name)
    platform = next(d.platform for d in sim.devices if d.name == name)
    return ConnectHandler(
        device_type=NETMIKO_TYPES[platform],
        host=host,
        port=port,
        username="patrol",
        password=PASSWORD,
        ssh_strict=False,  # the transport's own tests check host keys; these test the CLI
        system_host_keys=False,
        alt_host_keys=False,
        allow_agent=False,
        use_keys=False,
        conn_timeout=5,
        **extra,
    )


def _paramiko(sim: CliSimulator, name: str) -> paramiko.SSHClient:
    host, port = sim.endpoint(name)
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect(host, port, "patrol", PASSWORD, look_for_keys=False, allow_agent=False)
    return client


def _exec(client: paramiko.SSHClient, command: str) -> tuple[str, str, int]:
    _, stdout, stderr = client.exec_command(command, timeout=5)
    out, err = stdout.read().decode(), stderr.read().decode()
    return out, err, stdout.channel.recv_exit_status()


@pytest.mark.integration
@pytest.mark.parametrize(
    ("device", "commands", "abbreviations", "errors"),
    [
        (
            "fz-hq-wan-01",
            ["show version", "show environment all", "show interfaces", "show inventory"],
            {"sh ver": "show version", "sh env": "show environment", "sh log": "show logging"},
            {"show foo": "                  ^\n% Invalid input detected at '^' marker.\n"},
        ),
        (
            "fz-mh-acc-01",
            ["show interfaces", "show logging", "show environment all"],
            {"sh int": "show interfaces", "sh inv": "show inventory"},
            {"sh e": '% Ambiguous command:  "sh e"', "show": "% Incomplete command.\n"},
        ),
        (
            "fz-hq-core-01",
            ["display version", "display interface brief", "display logbuffer", "display fan"],
            {"dis dev": "display device", "disp alarm act": "display alarm active"},
            {
                "display foo": " " * 23 + "^\nError: Unrecognized command found at '^' position.",
                "display alarm": " " * 28 + "^\nError: Incomplete command found at '^' position.",
            },
        ),
        (
            "fz-hq-core-02",
            ["display version", "display interface brief", "display cpu-usage"],
            {"dis cpu": "display cpu-usage", "dis mem": "display memory-usage"},
            {"dis e": " " * 19 + "^\nError: Ambiguous command found at '^' position."},
        ),
    ],
)
def test_netmiko_drives_each_network_cli_like_a_device(
    healthy_lab: CliSimulator,
    device: str,
    commands: list[str],
    abbreviations: dict[str, str],
    errors: dict[str, str],
) -> None:
    healthy_lab.clear_commands()
    store = healthy_lab.store
    conn = _netmiko(healthy_lab, device)
    for command in commands:  # long outputs too: paging is off after session preparation
        assert conn.send_command(command) == _expected(store, device, command), command
    for typed, command in abbreviations.items():
        assert conn.send_command(typed) == _expected(store, device, command), typed
    for typed, answer in errors.items():
        assert conn.send_command(typed) == answer, typed
    if device.startswith("fz-hq-core"):
        conn.paramiko_cleanup()  # netmiko's Huawei logout waits 2 s of silence (unit-tested)
    else:
        conn.disconnect()
        # netmiko closes the connection right after typing its logout: give the server a moment.
        _eventually(lambda: healthy_lab.command_lines(device)[-1] in ("exit", "quit"))
    received = healthy_lab.command_lines(device)
    paging_off = "screen-length 0 temporary" if "core" in device else "terminal length 0"
    assert paging_off in received[:2]
    assert [c for c in received if c in commands] == commands


@pytest.mark.integration
def test_paging_until_disabled_then_filters(healthy_lab: CliSimulator) -> None:
    client = _paramiko(healthy_lab, "fz-hq-core-01")
    chan = client.invoke_shell(width=200, height=50)
    try:
        _read_until(chan, b"<FZ-HQ-CORE-01>")
        chan.send(b"display interface brief\r")
        page = _read_until(chan, b"  ---- More ----")
        assert page.count(b"\r\n") == 24  # the echoed Enter, then 23 lines of a 24-line screen
        chan.send(b" ")
        assert b"\x1b[16D" in _read_until(chan, b"  ---- More ----")
        chan.send(b"q")
        _read_until(chan, b"<FZ-HQ-CORE-01>")
        chan.send(b"screen-length 0 temporary\r")
        info = _read_until(chan, b"<FZ-HQ-CORE-01>")
        assert b"Info: The configuration takes effect on the current user terminal" in info
        chan.send(b"dis int br | include ^GigabitEthernet0/0/1 \r")
        out = _read_until(chan, b"<FZ-HQ-CORE-01>").split(b"\r\n")
        assert len(out) == 3 and out[1].startswith(b"GigabitEthernet0/0/1        up    up")
    finally:
        client.close()


@pytest.mark.integration
def test_exec_requests_answer_with_exit_statuses(healthy_lab: CliSimulator) -> None:
    store = healthy_lab.store
    healthy_lab.clear_commands()
    aix = _paramiko(healthy_lab, "fz-hq-aix-01")
    try:
        out, err, status = _exec(aix, "lsvg -l rootvg")
        assert (out, err, status) == (store.device("fz-hq-aix-01").render("lsvg -l rootvg"), "", 0)
        assert _exec(aix, "lsdev -Cc disk")[0].count("Available") == 4
        assert _exec(aix, "foo") == ("", "ksh: foo:  not found.\n", 127)
        assert _exec(aix, "errclear 0")[2] == 126
    finally:
        aix.close()
    v7k = _paramiko(healthy_lab, "fz-hq-v7k-01")
    try:
        expected = store.device("fz-hq-v7k-01").render("lsenclosurepsu -delim :", NOW)
        assert _exec(v7k, "svcinfo lsenclosurepsu -delim :") == (expected, "", 0)
        out, err, status = _exec(v7k, "lsfoo")
        assert (out, status) == ("", 1) and err.startswith("CMMVC6051E")
        assert _exec(v7k, "svctask rmvdisk 0")[1].startswith("CMMVC6253E")
    finally:
        v7k.close()
    linux = _paramiko(healthy_lab, "fz-hq-app-01")
    try:
        assert _exec(linux, "cat /proc/loadavg") == ("1.21 1.08 0.97 3/894 2841377\n", "", 0)
        assert _exec(linux, "free -b")[0].startswith("              total")
    finally:
        linux.close()
    vrp = _paramiko(healthy_lab, "fz-hq-core-01")
    try:
        with pytest.raises(paramiko.SSHException):
            vrp.exec_command("display version", timeout=5)  # VRP takes interactive sessions only
    finally:
        vrp.close()
    assert [(r.device, r.channel, r.command) for r in healthy_lab.commands()] == [
        ("fz-hq-aix-01", "exec", "lsvg -l rootvg"),
        ("fz-hq-aix-01", "exec", "lsdev -Cc disk"),
        ("fz-hq-aix-01", "exec", "foo"),
        ("fz-hq-aix-01", "exec", "errclear 0"),
        ("fz-hq-v7k-01", "exec", "svcinfo lsenclosurepsu -delim :"),
        ("fz-hq-v7k-01", "exec", "lsfoo"),
        ("fz-hq-v7k-01", "exec", "svctask rmvdisk 0"),
        ("fz-hq-app-01", "exec", "cat /proc/loadavg"),
        ("fz-hq-app-01", "exec", "free -b"),
    ]
    log = healthy_lab.state_dir / "logs" / "fz-hq-v7k-01.log"
    assert log.read_text().splitlines()[-1].endswith(" exec svctask rmvdisk 0")


@pytest.mark.integration
def test_a_device_that_hangs_or_never_prompts_times_out_alone(faults_lab: CliSimulator) -> None:
    from netmiko.exceptions import ReadTimeout

    faults_lab.set_mode("fz-hq-wan-01", hang_after_bytes=300)
    faults_lab.set_mode("fz-hq-core-02", no_prompt=True)
    try:
        conn = _netmiko(faults_lab, "fz-hq-wan-01")
        try:
            with pytest.raises(ReadTimeout):
                conn.send_command("show version", read_timeout=0.5)
        finally:
            conn.paramiko_cleanup()  # a polite logout would wait for the hung device's prompt
        with pytest.raises(ReadTimeout):
            _netmiko(faults_lab, "fz-hq-core-02", read_timeout_override=0.5)
        with _netmiko(faults_lab, "fz-mh-acc-01") as conn:  # the others still answer
            assert "%SPANTREE-2-LOOPGUARD_BLOCK" in conn.send_command("show logging | i -2-")
        aix = _paramiko(faults_lab, "fz-hq-aix-01")
        try:
            faults_lab.set_mode("fz-hq-aix-01", hang_after_bytes=20)
            _, stdout, _ = aix.exec_command("errpt", timeout=0.5)
            with pytest.raises(TimeoutError):
                stdout.read()
        finally:
            aix.close()
    finally:
        faults_lab.reset_modes()


@pytest.mark.integration
def test_down_device_refuses_and_faults_show_over_ssh(faults_lab: CliSimulator) -> None:
    assert faults_lab.down == {"fz-mh-wan-01"}
    with pytest.raises(KeyError):
        faults_lab.endpoint("fz-mh-wan-01")
    conn = _netmiko(faults_lab, "fz-hq-core-01")
    try:
        assert re.search(r"FAN2 FAN .*Abnormal", conn.send_command("dis dev"))
        assert "hwFanInvalid/Critical" in conn.send_command("display alarm active")
    finally:
        conn.paramiko_cleanup()  # netmiko's Huawei logout waits 2 s of silence; not needed here
    v7k = _paramiko(faults_lab, "fz-hq-v7k-01")
    try:
        assert "5:offline:1043:failed" in _exec(v7k, "lsdrive -delim :")[0]
    finally:
        v7k.close()


@pytest.mark.integration
def test_host_keys_persist_and_auth_takes_password_or_listed_keys(tmp_path: Path) -> None:
    user_key = Ed25519PrivateKey.generate()
    key_path = tmp_path / "id_ed25519"
    key_path.write_bytes(
        user_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.OpenSSH,
            serialization.NoEncryption(),
        )
    )
    pub = user_key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    (tmp_path / "sshsim").mkdir()
    (tmp_path / "sshsim" / "authorized_keys").write_bytes(pub + b" noc@patrol\n")
    devices = [SimDevice("fz-hq-app-01", "127.0.0.1", 0, "linux")]
    with CliSimulator(devices, password=PASSWORD, state_dir=tmp_path) as sim:
        first = sim.host_key("fz-hq-app-01")
        host, port = sim.endpoint("fz-hq-app-01")
        line = sim.known_hosts_lines()[0]
        assert line == f"[{host}]:{port} ssh-ed25519 {first.get_base64()}"
        client = paramiko.SSHClient()
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        client.get_host_keys().add(f"[{host}]:{port}", "ssh-ed25519", first)
        client.connect(host, port, "patrol", key_filename=str(key_path), allow_agent=False)
        assert _exec(client, "hostname") == ("fz-hq-app-01\n", "", 0)
        client.close()
        with pytest.raises(paramiko.AuthenticationException):
            bad = paramiko.SSHClient()
            bad.set_missing_host_key_policy(paramiko.AutoAddPolicy())
            bad.connect(host, port, "patrol", "wrong", look_for_keys=False, allow_agent=False)
    with CliSimulator(devices, password=PASSWORD, state_dir=tmp_path) as again:
        assert again.host_key("fz-hq-app-01").asbytes() == first.asbytes()
    assert base64.b64decode(first.get_base64()) == first.asbytes()


@pytest.mark.integration
def test_devices_keep_their_own_loopback_address(tmp_path: Path) -> None:
    probe = socket.socket()
    try:
        probe.bind(("127.0.1.1", 0))
    except OSError:
        pytest.skip("this host cannot bind 127.0.1.1")
    port = probe.getsockname()[1]
    probe.close()
    devices = [
        SimDevice("fz-hq-core-01", "127.0.1.1", port, "huawei_vrp"),
        SimDevice("fz-hq-aix-01", "127.0.1.6", port, "ibm_aix"),
    ]
    with CliSimulator(devices, password=PASSWORD, state_dir=tmp_path) as sim:
        assert sim.endpoints == {
            "fz-hq-core-01": ("127.0.1.1", port),
            "fz-hq-aix-01": ("127.0.1.6", port),
        }
        client = _paramiko(sim, "fz-hq-aix-01")
        try:
            assert _exec(client, "oslevel -s") == ("7200-05-06-2320\n", "", 0)
        finally:
            client.close()


def _eventually(condition: Callable[[], bool], timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.01)


def _read_until(chan: paramiko.Channel, marker: bytes, timeout: float = 5) -> bytes:
    data = b""
    deadline = time.monotonic() + timeout
    while marker not in data:
        if time.monotonic() > deadline:
            raise AssertionError(f"{marker!r} not seen in {data[-300:]!r}")
        if chan.recv_ready():
            data += chan.recv(65536)
        else:
            time.sleep(0.01)
    return data
