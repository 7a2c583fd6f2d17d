"""End to end: the lab's bank on loopback (snmpsim agents and the CLI simulator), swept by
Patrol over SNMP and SSH, yields exactly the scenario's faults, SNMP and CLI alike.

The lab runs on ports chosen at run time (never the demo's 1161/2222), and the demo inventory is
rewritten to them, so this test can run beside a running `make demo`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app
from checks.cli import SNMP_TWINS
from checks.inventory import load_inventory
from checks.status import Status
from tests.conftest import REPO_ROOT, free_lab_port

pytestmark = pytest.mark.integration

LAB_ENV = {
    "PATROL_LAB_COMMUNITY": "patrol-lab",
    "PATROL_LAB_V3_AUTH": "lab-auth-key-0001",
    "PATROL_LAB_V3_PRIV": "lab-priv-key-0001",
    "PATROL_LAB_SSH_PASSWORD": "lab-ssh-password",
}


def inventory_on_ports(tmp: Path, port: int, ssh_port: int) -> Path:
    text = (REPO_ROOT / "inventory.yaml").read_text()
    text = re.sub(r"port: 1161", f"port: {port}", text)
    text = re.sub(r"port: 2222", f"port: {ssh_port}", text)
    path = tmp / "inventory.yaml"
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def faults_lab(tmp_path_factory: pytest.TempPathFactory):
    import socket

    from lab.runner import Lab

    port, ssh_port = free_lab_port(), free_lab_port(socket.SOCK_STREAM)
    tmp = tmp_path_factory.mktemp("lab-faults")
    mp = pytest.MonkeyPatch()
    for key, value in LAB_ENV.items():
        mp.setenv(key, value)
    # The test trusts the lab's host keys up front (`patrol ssh trust` does this by hand) and
    # keeps its audit log apart.
    mp.setenv("PATROL_KNOWN_HOSTS", str(tmp / "known_hosts"))
    mp.setenv("PATROL_AUDIT_LOG", str(tmp / "audit.jsonl"))
    try:
        with Lab("faults", state_dir=tmp / "lab", port=port, ssh_port=ssh_port) as lab:
            (tmp / "known_hosts").write_text("\n".join(lab.ssh_known_hosts()) + "\n")
            yield lab, inventory_on_ports(tmp, port, ssh_port)
    finally:
        mp.undo()


SNMP_LESS_IDENTITY = ("fz-mh-wan-01", "fz-hq-app-01", "fz-hq-aix-01", "fz-hq-v7k-01")


def subject(check_id: str) -> str:
    return check_id.split(".", 1)[1]


subject_of = subject


def cli_expected_findings(scenario: str) -> list[dict]:
    from lab.sshsim_outputs import OutputStore

    return list(OutputStore(scenario).scenario.findings)


def findings_of(reports) -> set[tuple[str, str, str]]:
    """(device, subject, item) of every non-OK item, or of the result when it has none."""
    found = set()
    for report in reports:
        for result in report.findings:
            bad = [i for i in result.items if i.status is not Status.OK]
            if not bad:
                found.add((report.device.name, subject(result.check), ""))
            for item in bad:
                found.add((report.device.name, subject(result.check), item.item))
    return found


def test_faults_scenario_yields_exactly_the_expected_findings(faults_lab) -> None:
    from agent.sweep import run_sweep
    from lab.scenario import expected_findings

    _, inventory_path = faults_lab
    inventory = load_inventory(inventory_path)
    reports = run_sweep(inventory.select(customer="fzbank"), processes=1)
    assert {r.device.name for r in reports} == {d.name for d in inventory.devices}
    assert len(reports) == 9

    found = findings_of(reports)
    unmatched = set(found)
    snmp_devices = {d.name for d in inventory.devices if d.snmp is not None}
    for expected in expected_findings("faults"):
        names = expected.names() | {""} if expected.subject == "reachability" else expected.names()
        hits = {f for f in found if f[0] == expected.device and f[1] == expected.subject}
        hits = {f for f in hits if f[2] in names or expected.subject in ("reachability", "health")}
        assert hits, f"expected {expected} among {sorted(found)}"
        unmatched -= hits
    for cli in cli_expected_findings("faults"):
        if cli["check"] == "reachability":
            continue  # the down router: one finding for both transports, asserted below
        if cli["check"] in SNMP_TWINS and cli["device"] in snmp_devices:
            continue  # the SNMP check reports this component; its CLI twin stays silent
        names = {cli["item"], *cli.get("aliases", ())}
        subject = subject_of(cli["check"])
        hits = {f for f in found if f[:2] == (cli["device"], subject) and f[2] in names}
        assert hits, f"expected CLI finding {cli} among {sorted(found)}"
        unmatched -= hits
    assert not unmatched, f"findings the scenario does not declare: {sorted(unmatched)}"

    by_name = {r.device.name: r for r in reports}
    down = by_name["fz-mh-wan-01"]
    # Down on SNMP and SSH alike: one reachability finding naming both.
    assert [r.check for r in down.results] == ["snmp.reachability"]
    assert down.status is Status.CRITICAL
    assert "SSH" in down.results[0].summary
    for name in ("fz-hq-aix-01", "fz-hq-v7k-01", "fz-hq-core-01", "fz-mh-acc-01"):
        checks = {r.check: r.status for r in by_name[name].results}
        assert checks["ssh.reachability"] is Status.OK, (name, checks)
    # Detected, not declared in the inventory:
    assert by_name["fz-hq-core-02"].device.platform == "huawei_vrpv8"
    assert by_name["fz-mh-acc-01"].device.platform == "cisco_ios"
    for report in reports:
        # A net-snmp Linux host has no ENTITY-MIB: no model or serial over SNMP; AIX and Storwize
        # are SSH-only here.
        if report.device.name not in SNMP_LESS_IDENTITY:
            assert report.device.model, report.device.name
            assert report.device.serial, report.device.name
        if report.device.name not in ("fz-mh-wan-01", "fz-hq-aix-01", "fz-hq-v7k-01"):
            assert report.device.os_version, report.device.name


def test_diagnose_json_over_snmpv3_authpriv(faults_lab, tmp_path: Path) -> None:
    _, inventory_path = faults_lab
    result = CliRunner().invoke(
        app,
        ["diagnose", "fz-hq-core-01", "--inventory", str(inventory_path), "--json", "--no-state"],
    )
    assert result.exit_code == 2, result.output  # CRITICAL: the failed fan
    data = json.loads(result.stdout)
    assert set(data) == {"device", "status", "results"}
    assert set(data["device"]) == {
        "name", "address", "platform", "model", "os_version", "serial", "uptime_s",
    }  # fmt: skip
    assert data["device"]["platform"] == "huawei_vrp"
    assert data["status"] == "CRITICAL"
    reach = data["results"][0]
    assert reach["check"] == "snmp.reachability"
    assert reach["summary"].startswith("SNMP v3 answers")
    fans = next(r for r in data["results"] if r["check"] == "huawei.fans")
    assert fans["status"] == "CRITICAL"


def test_unreachable_device_gives_one_critical_and_exit_2(faults_lab) -> None:
    _, inventory_path = faults_lab
    result = CliRunner().invoke(
        app, ["diagnose", "fz-mh-wan-01", "--inventory", str(inventory_path), "--json"]
    )
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert [(r["check"], r["status"]) for r in data["results"]] == [
        ("snmp.reachability", "CRITICAL")
    ]
    assert "no SNMP response" in data["results"][0]["summary"]


def test_record_then_replay_gives_the_same_verdicts(faults_lab, tmp_path: Path) -> None:
    _, inventory_path = faults_lab
    runner = CliRunner()
    rec = tmp_path / "rec"
    live = runner.invoke(
        app, ["record", "fz-mh-acc-01", "--inventory", str(inventory_path), "--out", str(rec)]
    )
    assert live.exit_code == 2, live.output
    assert (rec / "snmp.snmprec").exists() and (rec / "device.json").exists()
    replay = runner.invoke(app, ["diagnose", "--from", str(rec), "--json"])
    assert replay.exit_code == 2, replay.output
    statuses = {r["check"]: r["status"] for r in json.loads(replay.stdout)["results"]}
    assert statuses["cisco.power"] == "CRITICAL"
    assert statuses["snmp.interfaces"] == "CRITICAL"
    assert statuses["cisco.cpu"] == "OK"


def test_sweep_command_prints_summary_and_writes_json(faults_lab, tmp_path: Path) -> None:
    _, inventory_path = faults_lab
    out = tmp_path / "sweep.json"
    result = CliRunner().invoke(
        app,
        ["sweep", "--customer", "fzbank", "--inventory", str(inventory_path), "--json", str(out)],
    )
    assert result.exit_code == 2, result.output
    assert "Sweep summary" in result.stdout
    payload = json.loads(out.read_text())
    assert len(payload["devices"]) == 9
    assert {d["customer"] for d in payload["devices"]} == {"fzbank"}


def test_record_and_replay_cli_outputs(faults_lab, tmp_path: Path) -> None:
    """An SSH-only storage system: `patrol record` keeps the CLI outputs, `--from` judges them."""
    _, inventory_path = faults_lab
    runner = CliRunner()
    rec = tmp_path / "v7k"
    live = runner.invoke(
        app, ["record", "fz-hq-v7k-01", "--inventory", str(inventory_path), "--out", str(rec)]
    )
    assert live.exit_code == 2, live.output
    assert (rec / "cli" / "index.json").exists() and not (rec / "snmp.snmprec").exists()
    replay = runner.invoke(app, ["diagnose", "--from", str(rec), "--json"])
    assert replay.exit_code == 2, replay.output
    statuses = {r["check"]: r["status"] for r in json.loads(replay.stdout)["results"]}
    assert statuses["storwize.drives"] == "CRITICAL"
    assert statuses["storwize.psu"] == "OK"
    assert json.loads(replay.stdout)["device"]["platform"] == "ibm_storwize"
