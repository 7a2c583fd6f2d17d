"""Device identity (model, OS version, serial, uptime) from the real recordings, compared with
what LibreNMS read from the same devices (the fixture .json `os` section)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checks.identity import IDENTITY_PLAN, identify, identity_plan
from checks.platforms import detect
from checks.snmpdata import SnmpData

FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "snmp"
NAMES = sorted(p.stem for p in FIXTURES.glob("*.snmprec"))

# Where we differ from LibreNMS on purpose, field by field, and why.
DIFFERENCES = {
    ("iosxe_isr4321", "version"): (
        "17.6.4",
        "LibreNMS prefixes the image name (X86_64_LINUX_IOSD-UNIVERSALK9-M); the version is "
        "what sysDescr calls Version",
    ),
    ("vrp_5720", "version"): (
        "5.170 (V200R010C00SPC600)",
        "LibreNMS appends '[unlocked]': its GETNEXT for hwPatchVersion ran past the (empty) "
        "patch column into hwEntityAdminStatus = unlocked(4); this device has no patch",
    ),
    ("vrp_ce12804-entity", "version"): (
        "8.150 (V200R002C50SPC800)",
        "the same GETNEXT artefact: LibreNMS appended the next OID's value (an "
        "entPhysicalDescr), not a patch",
    ),
    ("vrp_ce12804-entity", "hardware"): (
        "CE12804",
        "LibreNMS shows the series from sysDescr '(CE12800 V200R...)'; the chassis is a "
        "CE12804 (sysDescr ends 'HUAWEICE12804', entPhysicalDescr 'CE12804,...')",
    ),
    ("vrp_ce12804-entity", "serial"): (
        "2102113774P0HC000023",
        "LibreNMS found no serial; ENTITY-MIB gives the first chassis' entPhysicalSerialNum",
    ),
}


def _load(name: str) -> tuple[SnmpData, dict, str]:
    data = SnmpData.from_snmprec(FIXTURES / f"{name}.snmprec")
    librenms = json.loads((FIXTURES / f"{name}.json").read_text())
    os_ = librenms["os"]["discovery"]["devices"][0]
    oid, descr = data.get("1.3.6.1.2.1.1.2.0"), data.get("1.3.6.1.2.1.1.1.0")
    platform = detect(oid.text() if oid else "", descr.text() if descr else "")
    return data, os_, platform


@pytest.mark.skipif(not NAMES, reason=f"{FIXTURES} not available")
@pytest.mark.parametrize("name", NAMES)
def test_identity_agrees_with_librenms(name: str) -> None:
    data, os_, platform = _load(name)
    ident = identify(data.subset(identity_plan(platform)), platform)
    ours = {"hardware": ident.model, "version": ident.os_version, "serial": ident.serial}
    for field, value in ours.items():
        if (name, field) in DIFFERENCES:
            expected, why = DIFFERENCES[(name, field)]
            assert value == expected, why
            continue
        if os_[field] is None:
            continue
        assert value == os_[field], f"{name} {field}: ours {value!r}, LibreNMS {os_[field]!r}"
    assert ident.sys_object_id == os_["sysObjectID"].lstrip(".")


@pytest.mark.skipif(not NAMES, reason=f"{FIXTURES} not available")
def test_the_union_plan_reads_the_same() -> None:
    for name in NAMES:
        data, _, platform = _load(name)
        assert identify(data.subset(IDENTITY_PLAN), platform) == identify(
            data.subset(identity_plan(platform)), platform
        )


@pytest.mark.skipif(not NAMES, reason=f"{FIXTURES} not available")
def test_uptime_and_names() -> None:
    data, _, platform = _load("aix_std")
    ident = identify(data, platform)
    assert ident.uptime_s == pytest.approx(17635182.0)  # sysUpTime 1763518200 ticks: 204 days
    assert ident.sys_descr is not None and ident.sys_descr.startswith("IBM PowerPC CHRP")
    data, _, platform = _load("ios_c3560")
    ident = identify(data, platform)
    assert ident.uptime_s is None  # this recording has no sysUpTime
    assert ident.sys_descr is not None and ident.sys_descr.startswith("Cisco IOS Software")


def _synthetic(*lines: str) -> SnmpData:
    return SnmpData.from_snmprec("synthetic", text="\n".join(lines))


def test_linux_net_snmp() -> None:
    data = _synthetic(
        "1.3.6.1.2.1.1.1.0|4|Linux web01 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian x86_64",
        "1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.8072.3.2.10",
        "1.3.6.1.2.1.1.3.0|67|360000",
        "1.3.6.1.2.1.1.5.0|4|web01",
    )
    ident = identify(data, "linux")
    assert (ident.sys_name, ident.os_version, ident.uptime_s) == ("web01", "6.1.0-18-amd64", 3600)
    assert ident.model is None and ident.serial is None


def test_ibm_imm_vpd_with_machine_type() -> None:
    base = "1.3.6.1.4.1.2.3.51.3.1"
    data = _synthetic(
        f"{base}.5.1.1.3.1|4|TCOO44C 4.70",
        f"{base}.5.2.1.1.0|4|5463",
        f"{base}.5.2.1.3.0|4|KQ1234AB",
        f"{base}.5.2.1.5.0|4|System x3650 M5",
    )
    ident = identify(data, "ibm_imm")
    assert (ident.model, ident.serial, ident.os_version) == (
        "System x3650 M5 (5463)",
        "KQ1234AB",
        "TCOO44C 4.70",
    )


def test_generic_device_reads_the_entity_chassis() -> None:
    ent = "1.3.6.1.2.1.47.1.1.1.1"
    data = _synthetic(
        f"{ent}.5.1|2|3",
        f"{ent}.5.2|2|9",
        f"{ent}.10.1|4|7.2.1",
        f"{ent}.11.1|4|SN0001",
        f"{ent}.13.1|4|BOX-9000",
        f"{ent}.13.2|4|CARD-1",
    )
    ident = identify(data, "generic")
    assert (ident.model, ident.serial, ident.os_version) == ("BOX-9000", "SN0001", "7.2.1")
