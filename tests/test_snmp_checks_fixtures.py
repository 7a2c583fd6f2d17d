"""Every check evaluated from the real recordings (no network), compared with what LibreNMS read
from the same devices (the .json beside each .snmprec).

Each check sees only `data.subset(check.plan())`, which proves its plan collects enough. Where
we disagree with LibreNMS on purpose, the assertion or the skip reason says why.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from checks.check import CheckContext
from checks.platforms import detect
from checks.result import Result
from checks.snmp import evaluate_checks, load_catalog
from checks.snmpdata import SnmpData
from checks.status import Status
from checks.thresholds import resolve

FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "snmp"
NAMES = sorted(p.stem for p in FIXTURES.glob("*.snmprec"))
pytestmark = pytest.mark.skipif(not NAMES, reason=f"{FIXTURES} not available")

ENT_NAME = "1.3.6.1.2.1.47.1.1.1.1.7"
ENT_CLASS = "1.3.6.1.2.1.47.1.1.1.1.5"
XCC = "1.3.6.1.4.1.19046.11.1.1"
GENERIC_STATUS = {0: Status.OK, 1: Status.WARNING, 2: Status.CRITICAL, 3: Status.UNKNOWN}


@dataclass
class Device:
    name: str
    data: SnmpData
    platform: str
    librenms: dict[str, Any]
    results: dict[str, Result]

    def text(self, oid: str) -> str:
        value = self.data.get(oid)
        return value.text() if value is not None else ""

    def metrics(self, check: str, metric: str) -> dict[str | None, float]:
        result = self.results.get(check)
        assert result is not None, f"{self.name}: {check} gave no result"
        return {m.item: float(m.value) for m in result.metrics if m.name == metric}

    def items(self, check: str) -> dict[str, Result]:
        result = self.results.get(check)
        assert result is not None, f"{self.name}: {check} gave no result"
        return {i.item: i for i in result.items}  # type: ignore[misc]

    def section(self, name: str, key: str) -> list[dict[str, Any]]:
        """A LibreNMS section, from its poller part where that differs from discovery."""
        section = self.librenms.get(name)
        if not section:
            return []
        poller = section.get("poller")
        if isinstance(poller, dict) and key in poller:
            return poller[key]
        return section["discovery"][key]


_CACHE: dict[str, Device] = {}


def evaluate(name: str, extra_checks: tuple[str, ...] = ()) -> Device:
    """All applicable checks (plus `extra_checks`) of one recording, each on its own subset."""
    key = name + "|" + ",".join(extra_checks)
    if key in _CACHE:
        return _CACHE[key]
    data = SnmpData.from_snmprec(FIXTURES / f"{name}.snmprec")
    librenms = json.loads((FIXTURES / f"{name}.json").read_text())
    platform = detect(data.get("1.3.6.1.2.1.1.2.0").text(), data.get("1.3.6.1.2.1.1.1.0").text())
    catalog = load_catalog()
    checks = catalog.for_platform(platform) + [catalog.get(c) for c in extra_checks]
    ctx = CheckContext(device=name, platform=platform, thresholds=resolve([]))
    results: dict[str, Result] = {}
    for check in checks:
        for result in evaluate_checks([check], data.subset(check.plan()), ctx):
            results[result.check] = result
    device = Device(name, data, platform, librenms, results)
    _CACHE[key] = device
    return device


# --- the status of every check on every recording (regression) ---------------------------------

EXPECTED_STATUS = {
    "aix_std": {
        "snmp.uptime": "OK",
        "snmp.interfaces": "OK",
        "host.cpu": "OK",
        "host.memory": "WARNING",  # System RAM 85.1% used, catalog warn 85
        "host.storage": "OK",
    },
    "ios_4506": {"cisco.temperature": "OK", "cisco.fans": "OK", "cisco.power": "OK"},
    "ios_c3560": {
        # the recording has no ifAdminStatus column: which ports should be up is unknown
        "snmp.interfaces": "UNKNOWN",
        "cisco.cpu": "OK",
        "cisco.memory": "OK",
        "cisco.fans": "OK",
        "cisco.power": "OK",
    },
    "iosxe_isr4321": {
        "snmp.interfaces": "OK",
        "cisco.temperature": "OK",
        "cisco.fans": "OK",
        "cisco.power": "OK",
    },
    "nxos_n9k-c93180yc-fx3": {
        "snmp.interfaces": "OK",
        "cisco.temperature": "OK",
        "cisco.fans": "OK",
        "cisco.power": "OK",
    },
    "vrp_5720": {
        "snmp.uptime": "OK",
        # Huawei switch ports are admin up by default: 48 unused ports are "admin up, oper
        # down", which is exactly what the rule flags (see checks/snmp/code/system.py).
        "snmp.interfaces": "CRITICAL",
        "huawei.cpu": "OK",
        "huawei.memory": "OK",
        "huawei.temperature": "OK",
    },
    "vrp_ar169sfp": {
        "snmp.uptime": "OK",
        "snmp.interfaces": "OK",
        "huawei.cpu": "OK",
        "huawei.memory": "OK",
        "huawei.temperature": "OK",
    },
    # an ENTITY-MIB-only recording: only the uptime is there to judge
    "vrp_ce12804-entity": {"snmp.uptime": "OK"},
    "xclarity_lenovoxcc": {
        "snmp.interfaces": "OK",
        "imm.temperature": "OK",
        "imm.fans": "OK",
        "imm.health": "OK",
        "imm.voltage": "OK",
    },
}


@pytest.mark.parametrize("name", NAMES)
def test_status_of_every_check(name: str) -> None:
    device = evaluate(name)
    got = {check: r.status.value for check, r in device.results.items()}
    assert got == EXPECTED_STATUS[name], {c: r.summary for c, r in device.results.items()}


def test_summaries_read_like_an_operator_would_write_them() -> None:
    assert evaluate("vrp_5720").results["huawei.cpu"].summary == "CPU 44% (MPU Board 0)"
    assert evaluate("vrp_5720").results["huawei.temperature"].summary == (
        "Temperature 42°C (MPU Board 0)"
    )
    assert evaluate("ios_4506").results["cisco.fans"].summary == "2 fans OK, 1 not present"
    assert evaluate("ios_4506").results["cisco.power"].summary == (
        "1 power supply OK, 1 not present"
    )
    assert evaluate("nxos_n9k-c93180yc-fx3").results["cisco.power"].summary == (
        "2 power supplies OK"
    )
    assert evaluate("aix_std").results["host.cpu"].summary == "CPU 2% (average of 4 processors)"
    assert evaluate("xclarity_lenovoxcc").results["imm.health"].summary == "system health normal"
    summary = evaluate("vrp_5720").results["snmp.interfaces"].summary
    # Only the two documented ports count; the 46 empty access ports are not judged.
    assert summary == (
        "2 of 55 interfaces not up: GigabitEthernet0/0/2 (down), GigabitEthernet0/0/38 (down); "
        "46 undescribed ports down, not judged"
    )


# --- CPU: processors[].processor_usage -------------------------------------------------------

CPU_CHECK = {"cisco_ios": "cisco.cpu", "huawei_vrp": "huawei.cpu", "ibm_aix": "host.cpu"}


@pytest.mark.parametrize("name", NAMES)
def test_cpu_agrees_with_librenms(name: str) -> None:
    device = evaluate(name)
    processors = device.section("processors", "processors")
    if not processors:
        pytest.skip("LibreNMS read no processors from this device")
    # The XCC's HOST-RESOURCES processors are the BMC's own ARM cores, not the server's: host.*
    # does not apply to ibm_imm, but the reading itself must still agree.
    check = CPU_CHECK.get(device.platform, "host.cpu")
    if check not in device.results:
        device = evaluate(name, (check,))
    ours = device.metrics(check, "cpu.usage")
    ours.pop(None, None)  # host.cpu's average (no item): LibreNMS has none
    theirs = sorted(float(p["processor_usage"]) for p in processors)
    assert sorted(ours.values()) == pytest.approx(theirs), (ours, processors)
    if device.platform == "huawei_vrp":
        # LibreNMS names the board "<entPhysicalName> Processor"
        assert {f"{item} Processor" for item in ours} == {p["processor_descr"] for p in processors}


# --- memory: mempools[].mempool_perc ---------------------------------------------------------

MEMORY_CHECK = {
    "cisco_ios": "cisco.memory",
    "huawei_vrp": "huawei.memory",
    "ibm_aix": "host.memory",
}


@pytest.mark.parametrize("name", NAMES)
def test_memory_agrees_with_librenms(name: str) -> None:
    device = evaluate(name)
    pools = device.section("mempools", "mempools")
    if not pools:
        pytest.skip("LibreNMS read no memory pools from this device")
    check = MEMORY_CHECK.get(device.platform, "host.memory")
    if check not in device.results:
        device = evaluate(name, (check,))
    ours = device.metrics(check, "memory.usage")
    for pool in pools:
        if pool["mempool_type"] == "hrstorage" and pool["mempool_class"] != "system":
            continue  # swap, virtual, buffers, cached, shared: not what memory.usage measures
        descr = pool["mempool_descr"]
        item = descr.removesuffix(" Memory") if pool["mempool_type"] == "vrp" else descr
        assert item in ours, (descr, ours)
        if name == "xclarity_lenovoxcc":
            # net-snmp's "Physical memory" counts buffers and page cache as used; LibreNMS and
            # we both subtract "Memory buffers" and "Cached memory": (407708 - 21548 - 122228)
            # of 475252 KiB = 55.5%, where hrStorageUsed alone would say 85.8%.
            assert ours[item] == pytest.approx(55.535, abs=0.01)
        assert ours[item] == pytest.approx(pool["mempool_perc"], abs=0.5), (descr, ours[item])


# --- storage: storage[].storage_perc ---------------------------------------------------------


def test_storage_agrees_with_librenms() -> None:
    device = evaluate("aix_std")
    ours = device.metrics("host.storage", "storage.usage")
    theirs = {s["storage_descr"]: s["storage_perc"] for s in device.section("storage", "storage")}
    assert set(ours) == set(theirs)
    for descr, perc in theirs.items():
        # LibreNMS stores a whole percent; we keep the fraction
        assert ours[descr] == pytest.approx(perc, abs=0.5), descr


# --- sensors: temperature, fanspeed, percent (fan duty), voltage, state ------------------------


def _sensors(device: Device, *classes: str) -> list[dict[str, Any]]:
    return [s for s in device.section("sensors", "sensors") if s["sensor_class"] in classes]


def _entity_name(device: Device, sensor: dict[str, Any]) -> str:
    return device.text(f"{ENT_NAME}.{sensor['sensor_index']}")


def _xcc_name(table: str) -> Callable[[Device, dict[str, Any]], str]:
    def name(device: Device, sensor: dict[str, Any]) -> str:
        row = sensor["sensor_index"].rsplit(".", 1)[1]
        return device.text(f"{XCC}.{table}.2.{row}")

    return name


def _envmon_temp_name(device: Device, sensor: dict[str, Any]) -> str:
    return device.text(f"1.3.6.1.4.1.9.9.13.1.3.1.2.{sensor['sensor_index']}")


# (sensor class, LibreNMS sensor_type) -> (our check, our metric, how LibreNMS' row is named)
NUMERIC = {
    ("temperature", "cisco-entity-sensor"): ("cisco.temperature", "temperature", _entity_name),
    ("temperature", "cisco"): ("cisco.temperature", "temperature", _envmon_temp_name),
    ("temperature", "vrp"): ("huawei.temperature", "temperature", _entity_name),
    ("temperature", "xclarity"): ("imm.temperature", "temperature", _xcc_name("1.2.1")),
    ("voltage", "xclarity"): ("imm.voltage", "voltage", _xcc_name("2.2.1")),
    ("fanspeed", "cisco-entity-sensor"): ("cisco.fans", "fan.speed", _entity_name),
    ("percent", "xclarity"): ("imm.fans", "fan.duty", _xcc_name("3.2.1")),
}


@pytest.mark.parametrize("name", NAMES)
def test_temperatures_fans_and_voltages_agree_with_librenms(name: str) -> None:
    device = evaluate(name)
    sensors = _sensors(device, "temperature", "fanspeed", "percent", "voltage")
    compared = 0
    for sensor in sensors:
        key = (sensor["sensor_class"], sensor["sensor_type"])
        if sensor["sensor_class"] == "voltage" and sensor["sensor_type"] != "xclarity":
            continue  # transceiver and board voltages: no voltage check outside IMM/XCC
        if sensor.get("group") == "transceiver" and sensor["sensor_type"] == "vrp":
            # Huawei optics live in hwOpticalModuleInfoTable; huawei.temperature is per board
            # (hwEntityStateTable), as the issue asks: no optics walk on every poll.
            continue
        check, metric, namer = NUMERIC[key]
        ours = device.metrics(check, metric)
        item = namer(device, sensor)
        assert item in ours, (sensor["sensor_descr"], item, sorted(ours, key=str))
        assert ours[item] == pytest.approx(float(sensor["sensor_current"]), abs=0.01), item
        compared += 1
    if sensors:
        assert compared, "no sensor was compared"


def test_device_thresholds_are_the_devices_own() -> None:
    # NX-OS publishes minor/major limits per sensor (entSensorThresholdTable); LibreNMS shows
    # them as warn/high too.
    device = evaluate("nxos_n9k-c93180yc-fx3")
    result = device.results["cisco.temperature"]
    back = next(m for m in result.metrics if m.item == "module-1 BACK")
    assert (back.warn, back.crit) == (42, 70)
    # XCC: tempNonCritLimitHigh / tempCritLimitHigh of the ambient sensor
    device = evaluate("xclarity_lenovoxcc")
    ambient = next(m for m in device.results["imm.temperature"].metrics if m.item == "Ambient Temp")
    assert (ambient.warn, ambient.crit) == (43, 47)
    # Huawei: hwEntityTemperatureThreshold (57) is the device's alarm limit. LibreNMS does not
    # read it and shows its generic default (current + 20 = 62) instead.
    device = evaluate("vrp_5720")
    board = device.results["huawei.temperature"].metrics[0]
    assert board.crit == 57


# (LibreNMS state sensor type) -> our check, and how the row is named
STATES: dict[str, tuple[str, Callable[[Device, dict[str, Any]], str]]] = {
    "ciscoEnvMonFanState": (
        "cisco.fans",
        lambda d, s: d.text(f"1.3.6.1.4.1.9.9.13.1.4.1.2.{s['sensor_index']}"),
    ),
    "ciscoEnvMonSupplyState": (
        "cisco.power",
        lambda d, s: d.text(f"1.3.6.1.4.1.9.9.13.1.5.1.2.{s['sensor_index']}"),
    ),
    "cefcFRUPowerOperStatus": ("cisco.power", _entity_name),
    "cefcFanTrayOperStatus": ("cisco.fans", _entity_name),
    "ciscoEnvMonTemperatureState": ("cisco.temperature", _envmon_temp_name),
}
NOT_OURS = {
    "cefcModuleOperStatus": "line card state: no module check in this issue",
    "cRFCfgRedundancyOperMode": "supervisor redundancy: not in this issue's catalog",
    "cRFStatusPeerUnitState": "supervisor redundancy: not in this issue's catalog",
    "cRFStatusUnitState": "supervisor redundancy: not in this issue's catalog",
    "cHsrpGrpTable": "HSRP state: not in this issue's catalog",
    "currentSysPowerStatus": "whether the server is powered on: not a health finding here",
}


@pytest.mark.parametrize("name", NAMES)
def test_fan_and_psu_states_agree_with_librenms(name: str) -> None:
    device = evaluate(name)
    indexes = device.librenms.get("sensors", {}).get("discovery", {}).get("state_indexes", [])
    words = {(s["state_name"], s["state_value"]): s for s in indexes}
    classes = {i: v.value for i, v in device.data.walk(ENT_CLASS).items()}
    compared = 0
    for sensor in _sensors(device, "state"):
        kind = sensor["sensor_type"]
        if kind in NOT_OURS:
            continue
        if kind == "systemHealthStat":
            assert device.results["imm.health"].status is Status.OK  # 255 = normal
            compared += 1
            continue
        check, namer = STATES[kind]
        item = namer(device, sensor)
        state = words[(kind, sensor["sensor_current"])]
        items = device.items(check)
        if kind == "cefcFRUPowerOperStatus":
            if "ciscoEnvMonSupplyState" in {s["sensor_type"] for s in _sensors(device, "state")}:
                continue  # ENVMON answers for the same supplies; cisco.power reads that one
            if classes.get(str(sensor["sensor_index"])) != 6:
                # LibreNMS lists every FRU's power state (line cards too); cisco.power is about
                # power supplies (entPhysicalClass powerSupply(6)).
                assert item not in items
                continue
        if state["state_descr"] == "notPresent":
            # LibreNMS shows an empty bay as state "unknown"; we count it ("1 not present")
            # rather than judge it, so an empty slot never raises a finding.
            assert item not in items
            assert "not present" in device.results[check].summary
            compared += 1
            continue
        assert item in items, (item, sorted(items))
        ours = items[item]
        assert ours.status is GENERIC_STATUS[state["state_generic_value"]], (item, ours)
        if check != "cisco.temperature":
            assert ours.detail.startswith(state["state_descr"]), (item, ours.detail)
        compared += 1
    if any(s["sensor_type"] in STATES for s in _sensors(device, "state")):
        assert compared


# --- plans --------------------------------------------------------------------------------------


def test_plans_walk_columns_not_subtrees() -> None:
    for check in load_catalog():
        plan = check.plan()
        assert plan.walks or plan.gets, check.id
        for walk in plan.walks:
            # a table column (or a whole small entry) is at least 10 arcs deep; an enterprise
            # subtree like 1.3.6.1.4.1.2011 is not
            assert len(walk.split(".")) >= 10, (check.id, walk)
