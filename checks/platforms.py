"""Platform ids (`<vendor>_<os>`, as netmiko and ntc-templates name them), their families, and
`detect(sys_object_id, sys_descr)`: the platform of a device whose inventory entry omits it."""

from __future__ import annotations

import re
from dataclasses import dataclass

CISCO_IOS = "cisco_ios"
CISCO_XE = "cisco_xe"
CISCO_NXOS = "cisco_nxos"
HUAWEI_VRP = "huawei_vrp"
HUAWEI_VRPV8 = "huawei_vrpv8"
IBM_AIX = "ibm_aix"
IBM_IMM = "ibm_imm"
IBM_STORWIZE = "ibm_storwize"
LINUX = "linux"
GENERIC = "generic"

PLATFORMS: tuple[str, ...] = (
    CISCO_IOS,
    CISCO_XE,
    CISCO_NXOS,
    HUAWEI_VRP,
    HUAWEI_VRPV8,
    IBM_AIX,
    IBM_IMM,
    IBM_STORWIZE,
    LINUX,
    GENERIC,
)

FAMILIES: dict[str, frozenset[str]] = {
    "cisco": frozenset({CISCO_IOS, CISCO_XE, CISCO_NXOS}),
    "huawei": frozenset({HUAWEI_VRP, HUAWEI_VRPV8}),
    "host": frozenset({IBM_AIX, LINUX}),
    "ibm_imm": frozenset({IBM_IMM}),
}


def family(platform: str) -> str:
    for name, members in FAMILIES.items():
        if platform in members:
            return name
    return platform


# --- detection ---------------------------------------------------------------------------------
#
# Detection is data, LibreNMS/Checkmk style: an ordered rule table, first match wins. A rule
# matches when sysObjectID starts with one of its prefixes (an empty tuple matches any) and, if
# it has one, its regex is found in sysDescr. Order matters: the specific rules (IMM/XCC, whose
# BMC says "Linux" in sysDescr; VRP 8 before VRP; IOS-XE and NX-OS before IOS) come first.


@dataclass(frozen=True)
class DetectionRule:
    platform: str
    oid_prefixes: tuple[str, ...] = ()
    descr: re.Pattern[str] | None = None
    why: str = ""

    def matches(self, sys_object_id: str, sys_descr: str) -> bool:
        if self.oid_prefixes and not any(
            sys_object_id == p or sys_object_id.startswith(p + ".") for p in self.oid_prefixes
        ):
            return False
        return self.descr is None or self.descr.search(sys_descr) is not None


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


CISCO = "1.3.6.1.4.1.9"
HUAWEI = "1.3.6.1.4.1.2011"
IBM_IMM_OID = "1.3.6.1.4.1.2.3.51.3"
LENOVO_XCC_OID = "1.3.6.1.4.1.19046.11"
IBM_AIX_OID = "1.3.6.1.4.1.2.3.1.2"
NET_SNMP = "1.3.6.1.4.1.8072"

DETECTION_RULES: tuple[DetectionRule, ...] = (
    DetectionRule(IBM_IMM, (IBM_IMM_OID, LENOVO_XCC_OID), why="IBM IMM / Lenovo XCC agent"),
    DetectionRule(CISCO_NXOS, (CISCO,), _rx(r"NX-OS"), "Nexus: 'Cisco NX-OS(tm) ...'"),
    # IOS-XE says so in some releases; others only show their IOSd image or XE train name.
    DetectionRule(
        CISCO_XE,
        (CISCO,),
        _rx(
            r"IOS[- ]?XE|LINUX_IOSD|CAT3K_CAA|CAT9K|Denali|Everest|Fuji|Gibraltar|Amsterdam"
            r"|Bengaluru|Cupertino|Dublin|\[[A-Z][a-z]+\],"
        ),
        "IOS-XE: 'IOS-XE Software' or an X86_64_LINUX_IOSD image / release train name",
    ),
    DetectionRule(
        CISCO_IOS,
        (CISCO,),
        _rx(r"Cisco IOS Software|IOS \(tm\)|Cisco Internetwork Operating System"),
        "classic IOS",
    ),
    DetectionRule(CISCO_NXOS, (f"{CISCO}.12.3",), why="Nexus sysObjectID without sysDescr"),
    DetectionRule(
        HUAWEI_VRPV8,
        (HUAWEI,),
        _rx(r"VRP \(R\) software,\s*Version 8\.|CloudEngine|HUAWEI\s*CE\d"),
        "VRP 8.x (CloudEngine)",
    ),
    DetectionRule(HUAWEI_VRP, (HUAWEI,), _rx(r"VRP|Versatile Routing Platform"), "VRP 5.x"),
    DetectionRule(IBM_AIX, (), _rx(r"\bAIX\b"), "AIX: 'Base Operating System Runtime AIX'"),
    DetectionRule(IBM_AIX, (IBM_AIX_OID,), why="AIX sysObjectID without sysDescr"),
    DetectionRule(LINUX, (NET_SNMP,), _rx(r"^Linux\b"), "net-snmp on Linux"),
    DetectionRule(LINUX, (), _rx(r"^Linux\b"), "a Linux sysDescr from another agent"),
)


def detect(sys_object_id: str, sys_descr: str) -> str:
    """The platform id of a device from its sysObjectID and sysDescr; `generic` if unknown."""
    oid = sys_object_id.strip().lstrip(".")
    descr = sys_descr.strip().strip('"')
    for rule in DETECTION_RULES:
        if rule.matches(oid, descr):
            return rule.platform
    return GENERIC
