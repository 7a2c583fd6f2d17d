"""A sweep where one device answers garbage and one does not answer at all: each gets its own
UNKNOWN or reachability CRITICAL with a reason, and the healthy device is judged as usual."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.sweep import run_sweep
from checks.inventory import parse_inventory
from checks.status import Status
from tests.conftest import SHARED_FIXTURES, free_udp_port

pytestmark = pytest.mark.integration

DATA = Path(__file__).parent / "data" / "snmp"


def inventory_text(port: int, dead_port: int) -> str:
    def device(name: str, credential: str, device_port: int) -> str:
        return (
            f"          - name: {name}\n"
            f"            address: 127.0.0.1\n"
            f"            snmp: {{credential: {credential}, port: {device_port}, timeout: 0.5,"
            " retries: 1}\n"
        )

    return (
        "credentials:\n"
        "  good: {type: snmp_v2c, community: {env: T_GOOD}}\n"
        "  bad: {type: snmp_v2c, community: {env: T_BAD}}\n"
        "customers:\n"
        "  - id: c\n"
        "    sites:\n"
        "      - id: s\n"
        "        zone: urban\n"
        "        devices:\n"
        + device("good-sw", "good", port)
        + device("garbage-sw", "bad", port)
        + device("silent-sw", "good", dead_port)
    )


def test_garbage_and_silence_never_stop_a_sweep(snmpsim, monkeypatch) -> None:
    _, port = snmpsim(
        {
            "vrp5720": SHARED_FIXTURES / "snmp" / "vrp_5720.snmprec",
            "garbage": DATA / "garbage_huawei.snmprec",
        }
    )
    monkeypatch.setenv("T_GOOD", "vrp5720")
    monkeypatch.setenv("T_BAD", "garbage")
    inventory = parse_inventory(inventory_text(port, free_udp_port()))
    reports = {r.device.name: r for r in run_sweep(inventory.devices, processes=1)}
    assert set(reports) == {"good-sw", "garbage-sw", "silent-sw"}

    good = reports["good-sw"]
    statuses = {r.check: r.status for r in good.results}
    assert statuses["huawei.cpu"] is Status.OK
    assert statuses["snmp.reachability"] is Status.OK

    silent = reports["silent-sw"]
    assert [(r.check, r.status) for r in silent.results] == [("snmp.reachability", Status.CRITICAL)]
    assert "no SNMP response" in silent.results[0].summary

    garbage = {r.check: r for r in reports["garbage-sw"].results}
    assert garbage["snmp.reachability"].status is Status.OK
    for check in ("huawei.cpu", "huawei.memory", "huawei.temperature", "huawei.fans"):
        assert garbage[check].status is Status.UNKNOWN, (check, garbage[check].summary)
        assert garbage[check].summary, check
    # Reasons name what was wrong, not a traceback.
    assert "250" in garbage["huawei.cpu"].summary
    assert "Traceback" not in repr([r.summary for r in garbage.values()])
