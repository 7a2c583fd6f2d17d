"""Platform ids (`<vendor>_<os>`, as netmiko and ntc-templates name them) and their families."""

from __future__ import annotations

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
