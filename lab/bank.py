"""The simulated bank: which devices the lab serves, where, and with which lab credentials.

This mirrors the root inventory.yaml (a test keeps the two in step); the lab cannot read that
file because it ships inside the package, and it must not depend on the inventory loader.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

LAB_DIR = Path(__file__).resolve().parent
DEVICES_DIR = LAB_DIR / "devices"
SCENARIOS_DIR = LAB_DIR / "scenarios"

DEFAULT_PORT = 1161
DEFAULT_SSH_PORT = 2222  # TCP, every device's simulated CLI (lab/sshsim.py)

# The lab's own secrets, the same defaults the Makefile exports: a simulated bank on loopback.
COMMUNITY_ENV = "PATROL_LAB_COMMUNITY"
V3_AUTH_ENV = "PATROL_LAB_V3_AUTH"
V3_PRIV_ENV = "PATROL_LAB_V3_PRIV"
DEFAULT_COMMUNITY = "patrol-lab"
DEFAULT_V3_AUTH = "lab-auth-key-0001"
DEFAULT_V3_PRIV = "lab-priv-key-0001"
V3_USER = "patrol"
V3_AUTH_PROTO = "SHA256"  # snmpsim's names for them
V3_PRIV_PROTO = "AES"  # AES-128 (CFB)


@dataclass(frozen=True)
class LabDevice:
    name: str
    address: str
    platform: str  # what Patrol should detect (the inventory omits it for some devices)
    vendor: str
    model: str
    site: str
    role: str
    snmp: str = "v2c"  # "v3" devices also answer v2c, so a quick probe needs one credential
    inventory_platform: bool = True  # False: inventory.yaml omits `platform`

    @property
    def recording(self) -> Path:
        return DEVICES_DIR / f"{self.name}.snmprec"


BANK: tuple[LabDevice, ...] = (
    LabDevice(
        "fz-hq-core-01", "127.0.1.1", "huawei_vrp", "Huawei", "S5720-56C-PWR-EI-AC",
        "fz-hq", "core-switch", snmp="v3",
    ),
    LabDevice(
        "fz-hq-core-02", "127.0.1.2", "huawei_vrpv8", "Huawei", "CE6855-48S6Q-HI",
        "fz-hq", "core-switch", inventory_platform=False,
    ),
    LabDevice(
        "fz-hq-wan-01", "127.0.1.3", "cisco_xe", "Cisco", "ISR4321/K9", "fz-hq", "wan-router",
    ),
    LabDevice(
        "fz-hq-srv-01", "127.0.1.4", "ibm_imm", "IBM", "System x3650 M5 (8871) IMM2",
        "fz-hq", "server",
    ),
    LabDevice(
        "fz-hq-app-01", "127.0.1.5", "linux", "Linux", "RHEL 8 net-snmp", "fz-hq", "server",
    ),
    LabDevice(
        "fz-mh-acc-01", "127.0.2.1", "cisco_ios", "Cisco", "WS-C3560X-24T-S",
        "fz-minhou", "access-switch", inventory_platform=False,
    ),
    LabDevice(
        "fz-mh-wan-01", "127.0.2.2", "huawei_vrp", "Huawei", "AR1220", "fz-minhou", "wan-router",
    ),
)  # fmt: skip


def device(name: str) -> LabDevice:
    for dev in BANK:
        if dev.name == name:
            return dev
    raise KeyError(name)


@dataclass(frozen=True)
class LabCredentials:
    community: str
    v3_user: str
    v3_auth_key: str
    v3_priv_key: str


def credentials() -> LabCredentials:
    """The lab's credentials from the environment (the Makefile exports them), else defaults."""
    return LabCredentials(
        community=os.environ.get(COMMUNITY_ENV) or DEFAULT_COMMUNITY,
        v3_user=V3_USER,
        v3_auth_key=os.environ.get(V3_AUTH_ENV) or DEFAULT_V3_AUTH,
        v3_priv_key=os.environ.get(V3_PRIV_ENV) or DEFAULT_V3_PRIV,
    )


# Devices the lab serves over SSH only (no SNMP agent), with their models for the tables.
SSH_ONLY_MODELS: dict[str, str] = {
    "fz-hq-aix-01": "IBM Power S922 (9009-22A), AIX 7.2",
    "fz-hq-v7k-01": "IBM Storwize V7000 (2076-624)",
}
