"""Who a device is: name, model, OS version, serial and uptime, read over SNMP.

PUBLIC API (the poller and the CLI use these):
    IDENTITY_PLAN                  what to collect for any platform (the union of the below)
    identity_plan(platform) -> SnmpPlan   only what `platform` needs (smaller polls)
    identify(data, platform) -> Identity

Sources, most specific first (what LibreNMS reads for the same devices, see
tests/test_identity.py for where and why we differ):
  - the system group: sysDescr, sysObjectID, sysUpTime, sysName;
  - ENTITY-MIB, the chassis row (entPhysicalClass = chassis(3)): model name, serial, software
    revision. Only four columns are walked, not the whole entPhysicalTable;
  - vendor specifics: the version in a Cisco or Huawei sysDescr, Huawei's product name, ESN and
    patch, the IMM/XCC VPD (firmware, product name, machine type, serial), AIX's sysDescr lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from checks.platforms import (
    CISCO_IOS,
    CISCO_NXOS,
    CISCO_XE,
    HUAWEI_VRP,
    HUAWEI_VRPV8,
    IBM_AIX,
    IBM_IMM,
    LINUX,
)
from checks.snmpdata import TIMETICKS, SnmpData, SnmpPlan, SnmpValue

SYS_DESCR = "1.3.6.1.2.1.1.1.0"
SYS_OBJECT_ID = "1.3.6.1.2.1.1.2.0"
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
SYS_NAME = "1.3.6.1.2.1.1.5.0"
SYSTEM_GETS = (SYS_DESCR, SYS_OBJECT_ID, SYS_UPTIME, SYS_NAME)

ENT_PHYSICAL = "1.3.6.1.2.1.47.1.1.1.1"
ENT_CLASS = f"{ENT_PHYSICAL}.5"
ENT_SOFTWARE_REV = f"{ENT_PHYSICAL}.10"
ENT_SERIAL = f"{ENT_PHYSICAL}.11"
ENT_MODEL = f"{ENT_PHYSICAL}.13"
ENTITY_WALKS = (ENT_CLASS, ENT_SOFTWARE_REV, ENT_SERIAL, ENT_MODEL)
ENT_CLASS_CHASSIS = 3

# HUAWEI-ENTITY-EXTENT-MIB hwEntityExtentMIB.6.5.0 (product name, e.g. "S5720-56C-PWR-EI-AC"),
# HUAWEI-DEVICE-EXT-MIB hwDeviceEsn.0, HUAWEI-SYS-MAN-MIB hwPatchVersion (a table column whose
# index varies by release, hence a walk of that one column).
HW_PRODUCT_NAME = "1.3.6.1.4.1.2011.5.25.31.6.5.0"
HW_DEVICE_ESN = "1.3.6.1.4.1.2011.5.25.188.1.1.0"
HW_PATCH_VERSION = "1.3.6.1.4.1.2011.5.25.19.1.8.5.1.1.4"

# IMM-MIB (IBM) and LENOVO-XCC-MIB share one layout under two bases: systemVpd .5, the
# firmware VPD table .5.1.1 (row 1 = the IMM/XCC itself, column 3 its version string) and the
# machine VPD .5.2.1 (.1 machine type, .3 serial, .5 product name; scalars).
IMM_BASES = ("1.3.6.1.4.1.2.3.51.3.1", "1.3.6.1.4.1.19046.11.1.1")
IMM_FIRMWARE = "5.1.1.3.1"
IMM_MACHINE_TYPE = "5.2.1.1.0"
IMM_SERIAL = "5.2.1.3.0"
IMM_PRODUCT = "5.2.1.5.0"
IMM_GETS = tuple(
    f"{base}.{leaf}"
    for base in IMM_BASES
    for leaf in (IMM_FIRMWARE, IMM_MACHINE_TYPE, IMM_SERIAL, IMM_PRODUCT)
)

CISCO_PLATFORMS = frozenset({CISCO_IOS, CISCO_XE, CISCO_NXOS})
HUAWEI_PLATFORMS = frozenset({HUAWEI_VRP, HUAWEI_VRPV8})


@dataclass(frozen=True)
class Identity:
    sys_name: str | None = None
    sys_descr: str | None = None
    sys_object_id: str | None = None
    model: str | None = None
    os_version: str | None = None
    serial: str | None = None
    uptime_s: float | None = None


def identity_plan(platform: str | None = None) -> SnmpPlan:
    """What identify() reads for `platform`; None means any platform (the union)."""
    gets: list[str] = list(SYSTEM_GETS)
    walks: list[str] = list(ENTITY_WALKS)
    if platform is None or platform in HUAWEI_PLATFORMS:
        gets += [HW_PRODUCT_NAME, HW_DEVICE_ESN]
        walks.append(HW_PATCH_VERSION)
    if platform is None or platform == IBM_IMM:
        gets += IMM_GETS
    return SnmpPlan.of(gets=gets, walks=walks)


IDENTITY_PLAN = identity_plan()


def identify(data: SnmpData, platform: str) -> Identity:
    """Who the device is, from what IDENTITY_PLAN (or identity_plan(platform)) collected."""
    descr = _clean(_text(data, SYS_DESCR))
    chassis = _chassis(data)
    model = serial = version = None
    if platform in CISCO_PLATFORMS:
        model, serial = chassis.model, chassis.serial
        version = _cisco_version(descr) or chassis.software
    elif platform in HUAWEI_PLATFORMS:
        model = _text(data, HW_PRODUCT_NAME) or chassis.model or _huawei_model(descr)
        serial = _text(data, HW_DEVICE_ESN) or chassis.serial
        version = _huawei_version(descr) or chassis.software
        patch = _first_text(data, HW_PATCH_VERSION)
        if version and patch:
            version = f"{version} [{patch}]"
    elif platform == IBM_IMM:
        model, serial, version = _imm_vpd(data)
        model = model or chassis.model
        serial = serial or chassis.serial
    elif platform == IBM_AIX:
        model, serial, version = _aix(descr)
    elif platform == LINUX:
        version = _linux_version(descr)
        model, serial = chassis.model, chassis.serial
    else:
        model, serial, version = chassis.model, chassis.serial, chassis.software
    return Identity(
        sys_name=_text(data, SYS_NAME),
        sys_descr=descr or None,
        sys_object_id=_text(data, SYS_OBJECT_ID),
        model=model or None,
        os_version=version or None,
        serial=serial or None,
        uptime_s=_uptime(data.get(SYS_UPTIME)),
    )


# --- helpers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Chassis:
    model: str | None = None
    serial: str | None = None
    software: str | None = None


def _chassis(data: SnmpData) -> _Chassis:
    """The chassis row of ENTITY-MIB: the first entity of class chassis(3); when a (trimmed)
    agent gives no entPhysicalClass at all, the first entity that names a model."""
    classes = data.walk(ENT_CLASS)
    models = {i: v.text() for i, v in data.walk(ENT_MODEL).items()}
    index = next((i for i, v in classes.items() if v.value == ENT_CLASS_CHASSIS), None)
    if index is None and not classes:
        index = next((i for i, m in models.items() if m), None)
    if index is None:
        return _Chassis()
    return _Chassis(
        model=models.get(index) or None,
        serial=_text(data, f"{ENT_SERIAL}.{index}"),
        software=_text(data, f"{ENT_SOFTWARE_REV}.{index}"),
    )


def _text(data: SnmpData, oid: str) -> str | None:
    value = data.get(oid)
    text = value.text().strip() if value is not None else ""
    return text or None


def _first_text(data: SnmpData, column: str) -> str | None:
    for value in data.walk(column).values():
        text = value.text().strip()
        if text:
            return text
    return None


def _clean(text: str | None) -> str:
    # Some recordings (and a few agents) wrap sysDescr in double quotes.
    text = (text or "").strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1].strip()
    return text


def _uptime(value: SnmpValue | None) -> float | None:
    if value is None or value.tag != TIMETICKS or not isinstance(value.value, int):
        return None
    return value.value / 100.0


_CISCO_VERSION = re.compile(r"Version\s+([^\s,]+)")


def _cisco_version(descr: str) -> str | None:
    # "..., Version 15.2(7)E4, RELEASE SOFTWARE" / "Version 17.6.4," / NX-OS "Version 10.5(2),"
    found = _CISCO_VERSION.search(descr)
    return found.group(1) if found else None


_HUAWEI_VERSION = re.compile(r"Version\s+(\d+\.\d+)\s*\((?:[\w-]+\s+)?(V\d{3}R\d{3}\w*)\)")
_HUAWEI_MODELS = (
    re.compile(r"^([A-Z]{1,3}\d{3,5}[\w-]*)\s*$", re.MULTILINE),  # "S5720-56C-PWR-EI-AC\n..."
    re.compile(r"^Huawei\s+(\S+)\s+Huawei Versatile", re.IGNORECASE),  # "Huawei AR169F Huawei..."
    re.compile(r"HUAWEI\s*(CE\d+[\w-]*)\s*$", re.IGNORECASE),  # CloudEngine: "...\nHUAWEICE12804"
    re.compile(r"\((\S+)\s+V\d{3}R\d{3}"),  # the series: "(S5720 V200R010C00SPC600)"
)


def _huawei_version(descr: str) -> str | None:
    # "VRP (R) software,Version 5.170 (S5720 V200R010C00SPC600)" -> "5.170 (V200R010C00SPC600)"
    found = _HUAWEI_VERSION.search(descr)
    return f"{found.group(1)} ({found.group(2)})" if found else None


def _huawei_model(descr: str) -> str | None:
    for pattern in _HUAWEI_MODELS:
        found = pattern.search(descr)
        if found:
            return found.group(1)
    return None


def _imm_vpd(data: SnmpData) -> tuple[str | None, str | None, str | None]:
    for base in IMM_BASES:
        product = _text(data, f"{base}.{IMM_PRODUCT}")
        machine_type = _text(data, f"{base}.{IMM_MACHINE_TYPE}")
        serial = _text(data, f"{base}.{IMM_SERIAL}")
        firmware = _text(data, f"{base}.{IMM_FIRMWARE}")
        if product or serial or firmware:
            if product and machine_type:
                product = f"{product} ({machine_type})"
            return product or machine_type, serial, firmware
    return None, None, None


_AIX_VERSION = re.compile(r"AIX version:\s*(\d+)\.(\d+)\.(\d+)\.(\d+)")
_AIX_MACHINE = re.compile(r"Machine Type:\s*(\S+)")
_AIX_SERIAL = re.compile(r"Processor id:\s*(\S+)")


def _aix(descr: str) -> tuple[str | None, str | None, str | None]:
    # "Machine Type: 0x0800004c Processor id: 000000000000
    #  Base Operating System Runtime AIX version: 05.03.0008.0000" -> 5.3.8.0
    version = _AIX_VERSION.search(descr)
    machine = _AIX_MACHINE.search(descr)
    serial = _AIX_SERIAL.search(descr)
    return (
        machine.group(1) if machine else None,
        serial.group(1) if serial else None,
        ".".join(str(int(part)) for part in version.groups()) if version else None,
    )


_LINUX_KERNEL = re.compile(r"^Linux\s+\S+\s+(\S+)")


def _linux_version(descr: str) -> str | None:
    # net-snmp: "Linux <hostname> <kernel release> #1 SMP ..." -> the kernel release
    found = _LINUX_KERNEL.search(descr)
    return found.group(1) if found else None
