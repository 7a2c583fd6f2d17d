"""Smoke test of bench/snmp_sweep.py: it imports, and its helpers build what the benchmark
feeds the other tools. The benchmark itself is never run by the tests."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from bench import snmp_sweep


def test_exporter_module_walks_the_plan_with_numeric_oids() -> None:
    config = yaml.safe_load(snmp_sweep.exporter_config(community="c0mm", max_repetitions=30))
    module = config["patrol_bench"]
    assert module["walk"] == list(snmp_sweep.WALKS)
    assert module["get"] == [snmp_sweep.SYS_UPTIME]
    assert module["auth"] == {"community": "c0mm"}
    assert (module["version"], module["max_repetitions"]) == (2, 30)
    names = {m["name"]: m for m in module["metrics"]}
    assert names["ifHCInOctets"]["oid"] == "1.3.6.1.2.1.31.1.1.1.6"
    assert names["ifHCInOctets"]["type"] == "counter"
    assert names["ifDescr"]["indexes"] == [{"labelname": "ifIndex", "type": "gauge"}]
    assert "ifSpecific" not in names  # OID-valued columns are walked, not exported
    for metric in module["metrics"]:
        assert all(part.isdigit() for part in metric["oid"].split("."))
        assert any(metric["oid"].startswith(w + ".") for w in module["walk"] + module["get"]) or (
            metric["oid"] in module["get"]
        )


@pytest.mark.skipif(
    shutil.which("prometheus-snmp-exporter") is None, reason="prometheus-snmp-exporter missing"
)
def test_snmp_exporter_accepts_the_module(tmp_path: Path) -> None:
    config = tmp_path / "snmp.yml"
    config.write_text(snmp_sweep.exporter_config())
    done = subprocess.run(
        ["prometheus-snmp-exporter", f"--config.file={config}", "--dry-run"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr


def test_librenms_commands_are_one_process_per_table() -> None:
    commands = snmp_sweep.librenms_commands("127.0.10.1", 16100, "public")
    assert [c[0] for c in commands] == ["snmpget"] + ["snmpbulkwalk"] * len(snmp_sweep.WALKS)
    for command in commands:
        assert "-OQXUte" in command and "-On" in command
        assert command[-2] == "udp:127.0.10.1:16100"
    assert [c[-1] for c in commands[1:]] == list(snmp_sweep.WALKS)


def test_write_section_keeps_other_sections(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\nsomeone else's section\n")
    snmp_sweep.write_section(doc, "first figures\n")
    snmp_sweep.write_section(doc, "second figures\n")
    text = doc.read_text()
    assert "someone else's section" in text
    assert "second figures" in text and "first figures" not in text
    assert text.count(snmp_sweep.BEGIN) == 1 and text.count(snmp_sweep.END) == 1


def test_report_renders_the_comparison() -> None:
    outcomes = [
        snmp_sweep.Outcome("Patrol (x)", 500, wall_s=4, client_cpu_s=4, values=10),
        snmp_sweep.Outcome("LibreNMS way", 500, wall_s=10, client_cpu_s=13.5, values=10),
        snmp_sweep.Outcome("Prometheus snmp_exporter", 500, wall_s=5, client_cpu_s=5, values=9),
    ]
    setup = {
        "date": "today",
        "nproc": 2,
        "cpu": "cpu",
        "system": "Linux",
        "versions": {"pysnmp": "7"},
        "devices": 500,
        "agents": 8,
        "network": "host",
        "rows": {"ifTable": 49},
        "concurrency": 16,
    }
    text = snmp_sweep.report(outcomes, setup)
    assert "| Patrol (x) | 125.0 | 8.0 ms |" in text
    assert "**2.5x** the devices/s" in text
