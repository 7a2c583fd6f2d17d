"""Platform detection from sysObjectID/sysDescr: every real recording, plus synthetic ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.platforms import DETECTION_RULES, PLATFORMS, detect
from checks.snmpdata import SnmpData

FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "snmp"

EXPECTED = {
    "aix_std": "ibm_aix",
    "ios_4506": "cisco_ios",
    "ios_c3560": "cisco_ios",
    "iosxe_isr4321": "cisco_xe",
    "nxos_n9k-c93180yc-fx3": "cisco_nxos",
    "vrp_5720": "huawei_vrp",
    "vrp_ar169sfp": "huawei_vrp",
    "vrp_ce12804-entity": "huawei_vrpv8",  # VRP 8.150 on a CloudEngine 12804
    "xclarity_lenovoxcc": "ibm_imm",  # Lenovo XCC: its sysDescr says "Linux ..."
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_recording_is_detected(name: str) -> None:
    path = FIXTURES / f"{name}.snmprec"
    if not path.exists():
        pytest.skip(f"{path} not available")
    data = SnmpData.from_snmprec(path)
    oid = data.get("1.3.6.1.2.1.1.2.0")
    descr = data.get("1.3.6.1.2.1.1.1.0")
    assert oid is not None and descr is not None
    assert detect(oid.text(), descr.text()) == EXPECTED[name]


def test_the_recordings_are_all_covered() -> None:
    if not FIXTURES.exists():
        pytest.skip(f"{FIXTURES} not available")
    assert {p.stem for p in FIXTURES.glob("*.snmprec")} == set(EXPECTED)


@pytest.mark.parametrize(
    ("oid", "descr", "platform"),
    [
        # net-snmp on Debian: NET-SNMP-TC linux(10)
        (
            "1.3.6.1.4.1.8072.3.2.10",
            "Linux web01 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 x86_64",
            "linux",
        ),
        ("1.3.6.1.4.1.2.3.51.3", "Linux IMM2", "ibm_imm"),  # IBM IMM2
        (".1.3.6.1.4.1.19046.11.1", "Linux XCC 4.14", "ibm_imm"),  # leading dot, Lenovo XCC
        ("1.3.6.1.4.1.2.3.1.2.1.1.3", "IBM PowerPC CHRP Computer", "ibm_aix"),  # no "AIX" word
        (
            "1.3.6.1.4.1.9.1.1745",
            "Cisco IOS Software, IOS-XE Software, Catalyst 4500 L3 Switch Software "
            "(cat4500es8-UNIVERSALK9-M), Version 03.08.03.E",
            "cisco_xe",
        ),
        (
            "1.3.6.1.4.1.9.1.2494",
            "Cisco IOS Software [Gibraltar], Catalyst L3 Switch Software (CAT9K_IOSXE), "
            "Version 16.12.4",
            "cisco_xe",
        ),
        (
            "1.3.6.1.4.1.9.1.516",
            "Cisco IOS Software, C3750 Software (C3750-IPSERVICESK9-M), Version 12.2(55)SE",
            "cisco_ios",
        ),
        ("1.3.6.1.4.1.9.12.3.1.3.1812", "", "cisco_nxos"),  # Nexus sysObjectID, no sysDescr
        (
            "1.3.6.1.4.1.2011.2.239.20",
            "Huawei Versatile Routing Platform Software\r\nVRP (R) software, Version 8.180",
            "huawei_vrpv8",
        ),
        (
            "1.3.6.1.4.1.2011.2.23.188",
            "S5700-28C-EI\r\nHuawei Versatile Routing Platform Software\r\n VRP (R) software, "
            "Version 5.150 (S5700 V200R005C00SPC500)",
            "huawei_vrp",
        ),
        ("1.3.6.1.4.1.311.1.1.3.1.2", "Hardware: Intel64 ... Windows Version 6.3", "generic"),
        ("", "", "generic"),
    ],
)
def test_synthetic_devices(oid: str, descr: str, platform: str) -> None:
    assert detect(oid, descr) == platform


def test_rules_name_known_platforms() -> None:
    assert {rule.platform for rule in DETECTION_RULES} <= set(PLATFORMS)
