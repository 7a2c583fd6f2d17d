"""Smoke test of bench/ssh_sweep.py: it imports, its devices and commands are what Patrol may send,
its report and doc section are well formed, and the simulator's control protocol answers. The
benchmark itself is never run by the tests."""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path

import pytest

from bench import ssh_sweep
from checks.cli.allowlist import check_command


def test_devices_spread_the_profiles_over_their_own_addresses() -> None:
    devices = ssh_sweep.bench_devices(100)
    assert len({d.name for d in devices}) == 100
    assert len({d.address for d in devices}) == 100
    assert all(d.address.startswith("127.0.3.") for d in devices)
    assert Counter(d.platform for d in devices) == {
        "huawei_vrp": 34,
        "cisco_ios": 33,
        "ibm_aix": 33,
    }
    assert len({d.address for d in ssh_sweep.bench_devices(300)}) == 254  # wraps, ports differ


@pytest.mark.parametrize(("platform", "profile"), ssh_sweep.PROFILES)
def test_six_commands_per_device_all_allowlisted_and_answered(platform: str, profile: str) -> None:
    from lab.sshsim_outputs import OutputStore

    commands = ssh_sweep.COMMANDS[platform]
    assert len(commands) == len(set(commands)) == 6
    for command in commands:
        assert check_command(platform, command) == command  # sent as written, both ways
    outputs = OutputStore().device(profile)
    assert outputs.platform == platform
    computed = {"errpt"}  # the simulated AIX host computes it from its error log
    assert all(outputs.lookup(c) or c in computed for c in commands)


def _outcome(key: str, wall: float, client: float, sim: float, connections: int):
    outcome = ssh_sweep.Outcome(key, f"{key} method", 100, 600, wall, client, sim, connections)
    outcome.notes.append("a note")
    return outcome


def test_report_and_section_keep_the_other_benchmarks(tmp_path: Path) -> None:
    outcomes = [
        _outcome("patrol", 2.0, 0.7, 0.8, 100),
        _outcome("naive", 30.0, 2.8, 3.0, 600),
        _outcome("per_command", 6.0, 2.2, 2.0, 600),
    ]
    setup = {
        "date": "2026-01-01 00:00 UTC",
        "nproc": 2,
        "cpu": "cpu",
        "system": "Linux",
        "versions": {"python": "3.11"},
        "devices": 100,
        "per_device": 6,
        "concurrency": 32,
        "mix": "a mix",
    }
    singles = [ssh_sweep.Alone("huawei_vrp", 0.5, 2.5), ssh_sweep.Alone("ibm_aix", 0.02, 0.1)]
    text = ssh_sweep.report(outcomes, setup, singles, {64: 1.5})
    assert "| patrol method | 2.0 s | 50.0 | 7 ms | 8 ms | 100 | 600 | 0 |" in text
    assert "**15.0x** faster (target >= 4x)" in text
    assert "The session reuse alone (Patrol's transport both ways): 3.0x faster" in text
    assert "| huawei_vrp | 500 ms | 2500 ms |" in text
    assert "64 in flight 1.5 s" in text

    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\n<!-- bench:snmp_sweep -->\nsnmp\n<!-- /bench:snmp_sweep -->\n")
    ssh_sweep.write_section(doc, text)
    ssh_sweep.write_section(doc, text.replace("2.0 s", "2.1 s"))  # replaced, not appended
    content = doc.read_text()
    assert "<!-- bench:snmp_sweep -->\nsnmp\n<!-- /bench:snmp_sweep -->" in content
    assert content.count(ssh_sweep.BEGIN) == 1 and content.count(ssh_sweep.END) == 1
    assert "| patrol method | 2.1 s |" in content


def test_failures_count_missing_and_differing_outputs() -> None:
    device = ssh_sweep.bench_devices(1)[0]
    commands = ssh_sweep.commands_for(device)
    reference = {device.name: {c: f"out {c}" for c in commands}}
    assert ssh_sweep.count_failures([device], reference, {}) == 0
    other = {device.name: {c: f"out {c}" for c in commands[1:]}}
    other[device.name][commands[1]] = "something else"
    assert ssh_sweep.count_failures([device], other, reference) == 2


@pytest.mark.integration
def test_the_simulator_process_protocol(tmp_path: Path) -> None:
    spec = [
        {"name": "bench-001", "address": "127.0.0.1", "platform": "ibm_aix"}
        | {"profile": "fz-hq-aix-01"}
    ]
    out = io.StringIO()
    ssh_sweep.serve(spec, tmp_path, out, io.StringIO("stats\n"))
    hello, stats = (json.loads(line) for line in out.getvalue().splitlines())
    host, port = hello["endpoints"]["bench-001"]
    assert host == "127.0.0.1" and port > 0
    assert hello["known_hosts"][0].startswith(f"[127.0.0.1]:{port} ssh-ed25519 ")
    assert stats["connections"] == {"bench-001": 0} and stats["commands"] == 0
    assert stats["cpu_s"] > 0
