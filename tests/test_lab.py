"""The simulated bank: recordings, scenarios, the snmpsim runner and `patrol-lab`.

Unit tests read the recordings and scenario files only. Integration tests start the lab on a
port chosen at run time, so they never collide with a lab an engineer is running on 1161.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from checks.snmpdata import SnmpData
from lab import build
from lab.bank import BANK, DEFAULT_PORT, SSH_ONLY_MODELS, credentials, device
from lab.cli import app
from lab.runner import Lab, LabError, _get_request, probe
from lab.scenario import (
    ScenarioError,
    expected_findings,
    healthy_recording,
    load_scenario,
    scenario_names,
)
from tests.conftest import free_lab_port

ROOT = Path(__file__).resolve().parents[1]
DAY_TICKS = 86400 * 100

SYS_NAME = "1.3.6.1.2.1.1.5.0"
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
IF_ADMIN = "1.3.6.1.2.1.2.2.1.7"
IF_OPER = "1.3.6.1.2.1.2.2.1.8"
IF_DESCR = "1.3.6.1.2.1.2.2.1.2"
HW_STATE = "1.3.6.1.4.1.2011.5.25.31.1.1.1.1"
HW_FAN = "1.3.6.1.4.1.2011.5.25.31.1.1.10.1"
HW_PWR = "1.3.6.1.4.1.2011.5.25.31.1.1.18.1"
CPM = "1.3.6.1.4.1.9.9.109.1.1.1.1"
MEMPOOL = "1.3.6.1.4.1.9.9.48.1.1.1"
ENVMON = "1.3.6.1.4.1.9.9.13.1"
ENT_SENSOR = "1.3.6.1.4.1.9.9.91.1.1.1.1"
FRU_POWER_OPER = "1.3.6.1.4.1.9.9.117.1.1.2.1.2"
IMM = "1.3.6.1.4.1.2.3.51.3.1"
HR_STORAGE = "1.3.6.1.2.1.25.2.3.1"
HR_PROCESSOR_LOAD = "1.3.6.1.2.1.25.3.3.1.2"
UCD_MEM = "1.3.6.1.4.1.2021.4"


def column(data: SnmpData, table: str, col: int) -> dict[str, int | bytes | str | None]:
    return {idx: v.value for idx, v in data.walk(f"{table}.{col}").items()}


def num(data: SnmpData, oid: str) -> int:
    value = data.get(oid)
    assert value is not None, oid
    n = value.number()
    assert n is not None, oid
    return int(n)


# --- recordings -------------------------------------------------------------------------------


@pytest.mark.parametrize("dev", BANK, ids=lambda d: d.name)
def test_every_recording_parses_and_names_its_device(dev) -> None:
    data = SnmpData.from_snmprec(dev.recording)
    assert len(data) > 300
    assert data.get(SYS_NAME).text() == dev.name
    assert data.get("1.3.6.1.2.1.1.2.0") is not None  # sysObjectID
    assert data.get(SYS_UPTIME).value > 30 * DAY_TICKS
    assert data.walk("1.3.6.1.2.1.2.2.1") and data.walk("1.3.6.1.2.1.31.1.1.1")


def test_recordings_are_what_build_py_renders() -> None:
    stale = [d.name for d in BANK if d.recording.read_text() != build.snmprec_text(d.name)]
    assert not stale, f"run `python -m lab.build`: {stale} differ from lab/build.py"


def test_inventory_describes_the_lab_bank() -> None:
    inventory = yaml.safe_load((ROOT / "inventory.yaml").read_text())
    listed = {
        d["name"]: d
        for customer in inventory["customers"]
        for site in customer["sites"]
        for d in site["devices"]
    }
    assert set(listed) == {d.name for d in BANK} | set(SSH_ONLY_MODELS)
    credentials_by_name = inventory["credentials"]
    for dev in BANK:
        entry = listed[dev.name]
        assert entry["address"] == dev.address
        assert entry["snmp"]["port"] == DEFAULT_PORT
        assert entry.get("platform") == (dev.platform if dev.inventory_platform else None)
        credential = credentials_by_name[entry["snmp"]["credential"]]
        assert credential["type"] == ("snmp_v3" if dev.snmp == "v3" else "snmp_v2c")
        assert dev.recording.is_file()
    v3 = credentials_by_name[listed["fz-hq-core-01"]["snmp"]["credential"]]
    assert (v3["auth"], v3["priv"], v3["user"]) == ("sha256", "aes", "patrol")


def test_each_device_has_its_own_loopback_address() -> None:
    addresses = [d.address for d in BANK]
    assert len(set(addresses)) == len(addresses)
    assert all(a.startswith("127.") for a in addresses)


# --- the healthy bank is healthy --------------------------------------------------------------


@pytest.mark.parametrize("dev", BANK, ids=lambda d: d.name)
def test_healthy_interfaces_admin_up_are_oper_up_without_errors(dev) -> None:
    data = healthy_recording(dev.name)
    admin, oper = column(data, "1.3.6.1.2.1.2.2.1", 7), column(data, "1.3.6.1.2.1.2.2.1", 8)
    names = column(data, "1.3.6.1.2.1.2.2.1", 2)
    assert admin.keys() == oper.keys() == names.keys()
    down = [names[i] for i, a in admin.items() if a == 1 and oper[i] != 1]
    assert not down, f"{dev.name}: admin up but not oper up: {down}"
    for col in (13, 14, 19, 20):  # discards and errors, in and out
        assert set(column(data, "1.3.6.1.2.1.2.2.1", col).values()) == {0}


def test_healthy_huawei_boards_fans_and_power() -> None:
    for name in ("fz-hq-core-01", "fz-hq-core-02", "fz-mh-wan-01"):
        data = healthy_recording(name)
        cpu = column(data, HW_STATE, 5)
        mem = column(data, HW_STATE, 7)
        temp, limit = column(data, HW_STATE, 11), column(data, HW_STATE, 12)
        boards = [i for i, c in cpu.items() if c]
        assert boards, name
        for i in boards:
            assert cpu[i] < 60 and mem[i] < 80
            assert 20 <= temp[i] <= limit[i] - 15 and temp[i] < 55
        assert set(column(data, HW_STATE, 2).values()) == {3}  # every entity enabled(3)
        assert set(column(data, HW_FAN, 6).values()) == {1}  # present
        assert set(column(data, HW_FAN, 7).values()) == {1}  # normal
        assert set(column(data, HW_PWR, 6).values()) == {1}  # supply
        assert len(column(data, HW_PWR, 6)) >= 1


def test_healthy_cisco_cpu_memory_environment() -> None:
    for name in ("fz-hq-wan-01", "fz-mh-acc-01"):
        data = healthy_recording(name)
        assert all(v < 60 for v in column(data, CPM, 5).values())
        used, free = column(data, MEMPOOL, 5), column(data, MEMPOOL, 6)
        assert all(used[i] / (used[i] + free[i]) < 0.8 for i in used)
    acc = healthy_recording("fz-mh-acc-01")
    assert set(column(acc, f"{ENVMON}.4.1", 3).values()) == {1}
    supplies = column(acc, f"{ENVMON}.5.1", 3)
    assert len(supplies) == 2 and set(supplies.values()) == {1}
    temps = column(acc, f"{ENVMON}.3.1", 3)
    limits = column(acc, f"{ENVMON}.3.1", 4)
    assert all(temps[i] <= limits[i] - 15 for i in temps)
    assert set(column(acc, f"{ENVMON}.3.1", 6).values()) == {1}
    isr = healthy_recording("fz-hq-wan-01")
    assert num(isr, f"{FRU_POWER_OPER}.3") == 2  # the PSU is on(2)
    assert set(column(isr, ENT_SENSOR, 5).values()) == {1}  # every sensor ok(1)
    kinds, values = column(isr, ENT_SENSOR, 1), column(isr, ENT_SENSOR, 4)
    precision = column(isr, ENT_SENSOR, 3)  # decimal digits; every scale here is units(9)
    assert set(column(isr, ENT_SENSOR, 2).values()) <= {8, 9}
    celsius = {i: values[i] / 10 ** precision[i] for i, k in kinds.items() if k == 8}
    assert celsius and all(10 < t < 55 for t in celsius.values())


def test_healthy_imm_is_normal() -> None:
    data = healthy_recording("fz-hq-srv-01")
    readings = column(data, f"{IMM}.1.2.1", 3)
    noncrit = column(data, f"{IMM}.1.2.1", 7)
    assert readings and all(readings[i] < min(noncrit[i] - 15, 55) for i in readings)
    for table, col in ((1, 11), (2, 11), (3, 10)):
        assert set(column(data, f"{IMM}.{table}.2.1", col).values()) == {b"Normal"}
    assert set(column(data, f"{IMM}.11.2.1", 6).values()) == {b"Normal"}
    assert num(data, f"{IMM}.4.1.0") == 255  # systemHealthStat normal
    assert data.walk(f"{IMM}.4.2") == {}  # no health summary rows
    assert data.get(f"{IMM}.5.2.1.3.0").text()  # machine serial for the identity line


def test_healthy_linux_cpu_memory_storage() -> None:
    data = healthy_recording("fz-hq-app-01")
    assert num(data, "1.3.6.1.2.1.25.1.1.0") > 30 * DAY_TICKS  # hrSystemUptime
    loads = column(data, "1.3.6.1.2.1.25.3.3.1", 2)
    assert len(loads) == 8 and all(v < 60 for v in loads.values())
    total, free = num(data, f"{UCD_MEM}.5.0"), num(data, f"{UCD_MEM}.6.0")
    buffers, cached = num(data, f"{UCD_MEM}.14.0"), num(data, f"{UCD_MEM}.15.0")
    assert (total - free) / total < 0.8  # even counting the page cache as used
    assert (total - free - buffers - cached) / total < 0.6
    kinds = column(data, HR_STORAGE, 2)
    sizes, used = column(data, HR_STORAGE, 5), column(data, HR_STORAGE, 6)
    disks = [i for i, k in kinds.items() if k == "1.3.6.1.2.1.25.2.1.4"]
    assert len(disks) >= 5
    assert all(used[i] / sizes[i] < 0.8 for i in disks if sizes[i])
    ram = next(i for i, k in kinds.items() if k == "1.3.6.1.2.1.25.2.1.2")
    assert used[ram] == total - free


# --- scenarios --------------------------------------------------------------------------------


def test_scenarios_are_healthy_and_faults() -> None:
    assert scenario_names() == ["faults", "healthy"]
    assert load_scenario("healthy").faults == ()
    for dev in BANK:
        assert (
            load_scenario("healthy").render(dev.name).values == healthy_recording(dev.name).values
        )


def test_unknown_scenario_names_the_valid_ones() -> None:
    with pytest.raises(ScenarioError, match="valid scenarios: faults, healthy"):
        load_scenario("burning")
    with pytest.raises(ScenarioError):
        Lab("../faults")


def test_faults_overlay_touches_exactly_the_declared_faults() -> None:
    scenario = load_scenario("faults")
    assert scenario.down == {"fz-mh-wan-01"}
    assert scenario.render("fz-mh-wan-01") is None
    for dev in BANK:
        if dev.name in scenario.down:
            continue
        healthy = healthy_recording(dev.name).values
        faulty = scenario.render(dev.name).values
        changed = {o for o in healthy.keys() | faulty.keys() if healthy.get(o) != faulty.get(o)}
        declared = set().union(*(f.oids() for f in scenario.faults_of(dev.name)))
        assert changed == declared, dev.name
    touched = {f.device for f in scenario.faults}
    assert touched == {"fz-hq-core-01", "fz-mh-acc-01", "fz-hq-srv-01", "fz-mh-wan-01"}


def test_faults_are_the_five_of_the_issue() -> None:
    scenario = load_scenario("faults")
    core = scenario.render("fz-hq-core-01")
    fan_states = column(core, HW_FAN, 7)
    assert sorted(fan_states.values()) == [1, 2]  # one of two fans abnormal(2)
    failed_fan = next(i for i, s in fan_states.items() if s == 2)
    assert core.get(f"{HW_FAN}.8.{failed_fan}").text() == "FAN 0/2"

    acc = scenario.render("fz-mh-acc-01")
    supplies = column(acc, f"{ENVMON}.5.1", 3)
    assert sorted(supplies.values()) == [1, 3]  # one of two supplies critical(3)
    admin, oper, names = (column(acc, "1.3.6.1.2.1.2.2.1", c) for c in (7, 8, 2))
    down = [names[i] for i in admin if admin[i] == 1 and oper[i] != 1]
    assert down == [b"GigabitEthernet0/11"]

    imm = scenario.render("fz-hq-srv-01")
    names = column(imm, f"{IMM}.1.2.1", 2)
    readings, crit_high = column(imm, f"{IMM}.1.2.1", 3), column(imm, f"{IMM}.1.2.1", 6)
    over = [names[i] for i in readings if readings[i] > crit_high[i]]
    assert over == [b"CPU 1 Temp"]
    assert num(imm, f"{IMM}.4.1.0") == 2  # systemHealthStat critical(2)
    assert imm.get(f"{IMM}.4.2.1.2.1").text() == "Critical"
    assert "CPU 1 Temp" in imm.get(f"{IMM}.4.2.1.3.1").text()


def test_expected_findings_are_data_for_the_end_to_end_test() -> None:
    found = {(e.device, e.subject, e.item, e.status) for e in expected_findings("faults")}
    assert found == {
        ("fz-hq-core-01", "fans", "FAN 0/2", "CRITICAL"),
        ("fz-mh-acc-01", "power", "Sw1, PS2 Faulty, RPS NotExist", "CRITICAL"),
        ("fz-mh-acc-01", "interfaces", "GigabitEthernet0/11", "CRITICAL"),
        ("fz-hq-srv-01", "temperature", "CPU 1 Temp", "CRITICAL"),
        (
            "fz-hq-srv-01",
            "health",
            "Numeric sensor CPU 1 Temp going high (upper critical) has asserted.",
            "CRITICAL",
        ),
        ("fz-mh-wan-01", "reachability", None, "CRITICAL"),
    }
    assert expected_findings("healthy") == []
    port = next(e for e in expected_findings("faults") if e.subject == "interfaces")
    assert port.names() == {"GigabitEthernet0/11", "Gi0/11", "10111"}


# --- runner and CLI without servers -----------------------------------------------------------


def test_probe_request_is_a_v2c_get_of_sysuptime() -> None:
    from pyasn1.codec.ber import decoder
    from pysnmp.proto import api

    message, rest = decoder.decode(_get_request("patrol-lab", 7), asn1Spec=api.v2c.Message())
    assert rest == b""
    assert str(message["community"]) == "patrol-lab"
    pdu = api.v2c.apiMessage.get_pdu(message)
    assert api.v2c.apiPDU.get_request_id(pdu) == 7
    (oid, _), = api.v2c.apiPDU.get_varbinds(pdu)  # fmt: skip
    assert str(oid) == SYS_UPTIME


def test_address_map_must_name_lab_devices() -> None:
    with pytest.raises(LabError, match="unknown device"):
        Lab("healthy", address_map={"fz-nowhere": "127.0.9.9"})
    lab = Lab("faults", address_map={"fz-hq-app-01": "127.0.9.5"}, port=16161)
    assert lab.endpoints["fz-hq-app-01"] == ("127.0.9.5", 16161)
    assert "fz-mh-wan-01" not in lab.endpoints and lab.down == {"fz-mh-wan-01"}


def test_cli_scenarios_and_errors_without_a_lab(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PATROL_LAB_RUN_DIR", str(tmp_path))
    runner = CliRunner()
    result = runner.invoke(app, ["scenarios"])
    assert result.exit_code == 0
    assert "FAN 0/2 failed" in result.output and "healthy" in result.output
    result = runner.invoke(app, ["up", "--scenario", "burning"])
    assert result.exit_code == 2
    assert "valid scenarios: faults, healthy" in result.output
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 1 and "No lab is running" in result.output
    result = runner.invoke(app, ["down"])
    assert result.exit_code == 0 and "No lab is running" in result.output


# --- integration: real snmpsim processes on loopback ------------------------------------------


def free_port() -> int:
    """A UDP port free on every lab address, chosen at run time."""
    return free_lab_port()


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited


def wait_gone(pids: list[int], timeout: float = 15.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(alive(p) for p in pids):
        time.sleep(0.1)
    return [p for p in pids if alive(p)]


@pytest.fixture(scope="module")
def faults_lab(tmp_path_factory) -> Iterator[Lab]:
    lab = Lab("faults", state_dir=tmp_path_factory.mktemp("lab"), port=free_port())
    with lab:
        yield lab


async def snmp_get(address: str, port: int, oid: str, auth=None) -> str | None:
    """One GET with its own engine (an engine keeps v3 discovery state; keep tests independent)."""
    from pysnmp.hlapi.v3arch.asyncio import SnmpEngine

    engine = SnmpEngine()
    try:
        return (await snmp_gets(engine, [(address, port)], oid, auth))[0]
    finally:
        engine.close_dispatcher()


async def snmp_gets(engine, targets: list[tuple[str, int]], oid: str, auth=None) -> list:
    from pysnmp.hlapi.v3arch.asyncio import (
        CommunityData,
        ContextData,
        ObjectIdentity,
        ObjectType,
        UdpTransportTarget,
        get_cmd,
    )

    answers: list[str | None] = []
    for address, port in targets:
        target = await UdpTransportTarget.create((address, port), timeout=1.0, retries=0)
        error, status, _, binds = await get_cmd(
            engine,
            auth or CommunityData(credentials().community),
            target,
            ContextData(),
            ObjectType(ObjectIdentity(oid)),
            lookupMib=False,
        )
        answers.append(None if error or status else str(binds[0][1]))
    return answers


@pytest.mark.integration
async def test_every_up_device_answers_v2c(faults_lab) -> None:
    from pysnmp.hlapi.v3arch.asyncio import SnmpEngine

    assert set(faults_lab.endpoints) == {d.name for d in BANK} - {"fz-mh-wan-01"}
    engine = SnmpEngine()
    try:
        names = await snmp_gets(engine, list(faults_lab.endpoints.values()), SYS_NAME)
    finally:
        engine.close_dispatcher()
    assert names == list(faults_lab.endpoints)
    address, port = faults_lab.endpoints["fz-hq-core-01"]
    assert await snmp_get(address, port, f"{HW_FAN}.7.0.2") == "2"  # the fault is served


@pytest.mark.integration
async def test_core_01_answers_snmpv3_authpriv_sha256_aes128(faults_lab) -> None:
    from pysnmp.hlapi.v3arch.asyncio import (
        UsmUserData,
        usmAesCfb128Protocol,
        usmHMAC192SHA256AuthProtocol,
    )

    c = credentials()
    address, port = faults_lab.endpoints["fz-hq-core-01"]
    good = UsmUserData(
        c.v3_user,
        c.v3_auth_key,
        c.v3_priv_key,
        authProtocol=usmHMAC192SHA256AuthProtocol,
        privProtocol=usmAesCfb128Protocol,
    )
    assert await snmp_get(address, port, SYS_NAME, good) == "fz-hq-core-01"
    wrong = UsmUserData(
        c.v3_user,
        "not-the-lab-key",
        c.v3_priv_key,
        authProtocol=usmHMAC192SHA256AuthProtocol,
        privProtocol=usmAesCfb128Protocol,
    )
    assert await snmp_get(address, port, SYS_NAME, wrong) is None


@pytest.mark.integration
async def test_the_down_router_does_not_answer(faults_lab) -> None:
    assert await snmp_get(device("fz-mh-wan-01").address, faults_lab.port, SYS_NAME) is None
    assert not probe(device("fz-mh-wan-01").address, faults_lab.port, credentials().community)


@pytest.mark.integration
def test_a_second_lab_on_the_same_port_is_refused(faults_lab) -> None:
    with pytest.raises(LabError, match="already in use"):
        Lab("healthy", port=faults_lab.port).start()


@pytest.mark.integration
def test_stop_leaves_no_process_behind(tmp_path) -> None:
    lab = Lab("healthy", state_dir=tmp_path, port=free_port())
    with lab:
        pids = list(lab.pids.values())
        assert len(pids) == len(BANK) and all(alive(p) for p in pids)
        assert (tmp_path / "lab.json").is_file()
    assert wait_gone(pids) == []
    assert not (tmp_path / "lab.json").exists()


def _lab_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lab.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.integration
def test_cli_detach_status_down(tmp_path) -> None:
    env = dict(os.environ, PATROL_LAB_RUN_DIR=str(tmp_path), COLUMNS="200")
    port = str(free_port())
    ssh_port = str(free_lab_port(socket.SOCK_STREAM))
    up = _lab_cli(
        "up", "--scenario", "faults", "--port", port, "--ssh-port", ssh_port, "--detach", env=env
    )
    assert up.returncode == 0, up.stderr
    assert "fz-mh-wan-01" in up.stdout and "does not answer" in up.stdout
    info = json.loads((tmp_path / "lab.json").read_text())
    pids = [int((tmp_path / "lab.pid").read_text())] + [
        d["pid"] for d in info["devices"] if d["pid"]
    ]
    try:
        again = _lab_cli("up", "--port", port, "--ssh-port", ssh_port, "--detach", env=env)
        assert again.returncode == 1 and "already running" in again.stderr
        status = _lab_cli("status", env=env)
        assert status.returncode == 0, status.stdout + status.stderr
        assert status.stdout.count("answering") >= 8  # 6 SNMP agents + 2 SSH-only hosts
        down = _lab_cli("down", env=env)
        assert down.returncode == 0 and "Lab stopped" in down.stdout
        assert wait_gone(pids) == []
    finally:
        for pid in pids:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
    assert _lab_cli("status", env=env).returncode == 1


@pytest.mark.integration
@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill-9"])
def test_foreground_lab_leaves_no_orphans(tmp_path, how) -> None:
    env = dict(os.environ, PATROL_LAB_RUN_DIR=str(tmp_path))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lab.cli",
            "up",
            "--port",
            str(free_port()),
            "--ssh-port",
            str(free_lab_port(socket.SOCK_STREAM)),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "lab.pid").exists() and time.monotonic() < deadline:
            assert proc.poll() is None
            time.sleep(0.1)
        info = json.loads((tmp_path / "lab.json").read_text())
        pids = [d["pid"] for d in info["devices"] if d["pid"]]
        assert len(pids) == len(BANK) and all(alive(p) for p in pids)
        proc.send_signal(how)
        proc.wait(timeout=30)
        assert wait_gone(pids) == []
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_live_clock_keeps_a_fixed_boot_time_across_restarts() -> None:
    from lab.runner import RECORDED_AT, live_clock

    text = "1.3.6.1.2.1.1.3.0|67|1000\n1.3.6.1.2.1.31.1.1.1.6.1|70|5\n1.3.6.1.2.1.1.5.0|4|x\n"
    later = live_clock(text, RECORDED_AT + 60)
    assert later.splitlines()[0] == "1.3.6.1.2.1.1.3.0|67:numeric|rate=100,initial=7000,wrap=1"
    assert later.splitlines()[1].startswith("1.3.6.1.2.1.31.1.1.1.6.1|70:numeric|rate=")
    assert later.splitlines()[2] == "1.3.6.1.2.1.1.5.0|4|x"
