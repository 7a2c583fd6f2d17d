"""CLI checks: each check healthy and faulty, from real outputs (../shared/fixtures/cli) and the
synthetic ones in tests/data/cli; garbage, empty and failed collections become UNKNOWN with a
reason naming the command, never an exception. The summary text is part of the contract.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from checks.check import CheckContext, Verdict
from checks.cli import (
    CliCatalog,
    commands_of,
    evaluate_cli_checks,
    followup_commands,
    load_cli_catalog,
)
from checks.cli.base import CliCheckBase
from checks.cli.cisco import reload_kind
from checks.clidata import CliData
from checks.result import Result
from checks.status import Status
from checks.thresholds import Thresholds, resolve
from tests.conftest import SHARED_FIXTURES

CLI = SHARED_FIXTURES / "cli"
DATA = Path(__file__).parent / "data" / "cli"
NOW = datetime(2024, 1, 30, 18, 0, tzinfo=UTC)  # a Tuesday; the synthetic logs are relative


def real(path: str) -> str:
    return (CLI / path).read_text(encoding="utf-8")


def synthetic(path: str) -> str:
    return (DATA / path).read_text(encoding="utf-8")


def run(
    check_id: str,
    platform: str,
    outputs: Mapping[str, str],
    *,
    errors: Mapping[str, str] | None = None,
    thresholds: Thresholds | None = None,
    now: datetime = NOW,
    ctx: CheckContext | None = None,
) -> Result | None:
    check = load_cli_catalog().get(check_id)
    data = CliData(dict(outputs), dict(errors or {}))
    context = ctx or CheckContext(
        device="fz-hq-dev-01",
        platform=platform,
        thresholds=thresholds or resolve([]),
        now=now,
    )
    results = evaluate_cli_checks([check], data, context)
    assert len(results) <= 1
    return results[0] if results else None


def result(*args: Any, **kwargs: Any) -> Result:
    got = run(*args, **kwargs)
    assert got is not None
    return got


def items(res: Result) -> dict[str, tuple[Status, str]]:
    return {i.item: (i.status, i.detail) for i in res.items}


# --- catalog -------------------------------------------------------------------------------------

EXPECTED_COMMANDS = {
    "cisco_ios": ("show version", "show environment", "show logging", "show interfaces"),
    "cisco_xe": ("show version", "show environment all", "show logging", "show interfaces"),
    "cisco_nxos": ("show version", "show environment", "show logging logfile", "show interface"),
    "huawei_vrp": (
        "display version",
        "display device",
        "display alarm active",
        "display logbuffer",
        "display cpu-usage",
        "display memory-usage",
        "display fan",
        "display power",
    ),
    "ibm_aix": (
        "errpt",
        "lsvg -o",
        "lsvg rootvg",
        "lsvg -l rootvg",
        "lsvg -p rootvg",
        "lspv",
        "lsdev -C -c disk",
        "lsdev -C -S d",
        "lsps -s",
        "df -k",
    ),
    "ibm_storwize": (
        "lseventlog -fixed no -delim :",
        "lsdrive -delim :",
        "lsenclosurepsu -delim :",
        "lsenclosurebattery -delim :",
    ),
}
EXPECTED_COMMANDS["huawei_vrpv8"] = EXPECTED_COMMANDS["huawei_vrp"]


def test_catalog_ids_and_platforms() -> None:
    catalog = load_cli_catalog()
    assert catalog.ids == (
        "cisco.version",
        "cisco.environment",
        "cisco.logging",
        "cisco.interfaces_cli",
        "huawei.version",
        "huawei.boards",
        "huawei.alarms",
        "huawei.logbuffer",
        "huawei.cpu_cli",
        "huawei.memory_cli",
        "huawei.fans_cli",
        "huawei.power_cli",
        "aix.errpt",
        "aix.lvm",
        "aix.disks",
        "aix.devices",
        "aix.paging",
        "aix.filesystems",
        "storwize.eventlog",
        "storwize.drives",
        "storwize.psu",
        "storwize.battery",
    )
    assert [c.id for c in catalog.for_platform("ibm_storwize")] == list(catalog.ids[-4:])
    assert catalog.for_platform("linux") == []
    assert catalog.for_platform("generic", role="core-switch") == []
    for check in catalog:
        assert check.title and hasattr(check, "level")
    with pytest.raises(KeyError, match=r"unknown CLI check 'cisco\.nope'"):
        catalog.get("cisco.nope")
    assert "aix.lvm" in catalog and len(catalog) == 22


@pytest.mark.parametrize("platform", sorted(EXPECTED_COMMANDS))
def test_commands_per_platform(platform: str) -> None:
    catalog = load_cli_catalog()
    assert catalog.commands_for(platform) == EXPECTED_COMMANDS[platform]
    assert commands_of(catalog.for_platform(platform), platform) == EXPECTED_COMMANDS[platform]


@pytest.mark.parametrize("platform", sorted(EXPECTED_COMMANDS))
def test_every_command_passes_the_read_only_allowlist_unchanged(platform: str) -> None:
    from checks.cli.allowlist import check_command

    commands = list(EXPECTED_COMMANDS[platform])
    if platform == "ibm_aix":
        commands += ["lsvg datavg", "lsvg -l datavg", "lsvg -p datavg"]
    for command in commands:
        # The transport sends (and records under) the canonical form: ours must be it.
        assert check_command(platform, command) == command


def test_duplicate_ids_are_refused() -> None:
    check = load_cli_catalog().get("aix.errpt")
    with pytest.raises(ValueError, match="duplicate"):
        CliCatalog([check, check])


def test_aix_second_round_for_other_volume_groups() -> None:
    checks = load_cli_catalog().for_platform("ibm_aix")
    first = CliData({"lsvg -o": "rootvg\ndatavg\nappvg\n"})
    assert followup_commands(checks, "ibm_aix", first) == (
        "lsvg datavg",
        "lsvg -l datavg",
        "lsvg -p datavg",
        "lsvg appvg",
        "lsvg -l appvg",
        "lsvg -p appvg",
    )
    first.outputs["lsvg datavg"] = "x"
    first.errors["lsvg -l datavg"] = "timeout"
    assert followup_commands(checks, "ibm_aix", first)[0] == "lsvg -p datavg"
    assert followup_commands(checks, "ibm_aix", CliData()) == ()
    assert followup_commands(checks, "ibm_aix", CliData({"lsvg -o": "ksh: lsvg: not found"})) == ()


# --- engine --------------------------------------------------------------------------------------


def test_result_is_stamped() -> None:
    res = result(
        "cisco.version",
        "cisco_xe",
        {"show version": real("cisco_ios/show_version/cisco_ios_show_version4.raw")},
    )
    assert (res.device, res.check, res.observed_at) == ("fz-hq-dev-01", "cisco.version", NOW)
    assert res.duration_ms >= 0 and res.level is None
    assert res.to_dict()["status"] == "OK"


def test_collection_error_on_a_required_command_is_unknown_naming_it() -> None:
    res = result(
        "cisco.environment", "cisco_xe", {}, errors={"show environment all": "timed out after 30 s"}
    )
    assert (res.status, res.summary) == (
        Status.UNKNOWN,
        "show environment all: timed out after 30 s",
    )


def test_not_collected_is_unknown_naming_the_command() -> None:
    res = result("huawei.alarms", "huawei_vrp", {})
    assert (res.status, res.summary) == (Status.UNKNOWN, "display alarm active: not collected")


def test_error_on_an_optional_command_degrades_only() -> None:
    res = result(
        "cisco.logging",
        "cisco_xe",
        {"show logging": synthetic("cisco_xe/show_logging.healthy.txt")},
        errors={"show version": "channel closed"},
    )
    assert res.status is Status.OK


@dataclass
class _Broken(CliCheckBase):
    id: str = "cisco.broken"
    title: str = "raises"
    platforms: frozenset[str] = field(default_factory=lambda: frozenset({"cisco_ios"}))

    def commands(self, platform: str) -> tuple[str, ...]:
        return ("show clock",)

    def evaluate(self, data: CliData, ctx: CheckContext) -> Verdict | None:
        raise ZeroDivisionError("division by zero")


def test_an_exception_in_a_check_is_unknown_not_a_crash() -> None:
    ctx = CheckContext(device="d", platform="cisco_ios", now=NOW)
    (res,) = evaluate_cli_checks([_Broken()], CliData({"show clock": "12:00"}), ctx)
    assert res.status is Status.UNKNOWN
    assert res.summary == "cannot evaluate cisco.broken: ZeroDivisionError: division by zero"


GARBAGE = {
    "cisco": "                     ^\n% Invalid input detected at '^' marker.\n",
    "huawei": "                  ^\nError: Unrecognized command found at '^' position.\n",
    "aix": "ksh: lsvg: not found.\n",
    "storwize": "CMMVC7205E The command failed because it is not supported.\n",
}
CASES = [
    (check.id, platform)
    for check in load_cli_catalog()
    for platform in ("cisco_ios", "cisco_xe", "cisco_nxos", "huawei_vrp", "ibm_aix", "ibm_storwize")
    if check.applies_to(platform)
]


def _family(platform: str) -> str:
    return {"ibm_aix": "aix", "ibm_storwize": "storwize"}.get(platform, platform.split("_")[0])


@pytest.mark.parametrize(("check_id", "platform"), CASES)
def test_device_error_message_is_unknown_naming_the_command(check_id: str, platform: str) -> None:
    check = load_cli_catalog().get(check_id)
    message = GARBAGE[_family(platform)]
    res = result(check_id, platform, {c: message for c in check.commands(platform)})
    first = check.required_commands(platform)[0]
    assert res.status is Status.UNKNOWN
    assert res.summary.startswith(f"{first}: device answered ")
    assert message.strip().splitlines()[-1][:40] in res.summary


@pytest.mark.parametrize(("check_id", "platform"), CASES)
def test_random_text_is_unknown(check_id: str, platform: str) -> None:
    check = load_cli_catalog().get(check_id)
    text = "The quick brown fox\njumps over the lazy dog\n"
    res = result(check_id, platform, {c: text for c in check.commands(platform)})
    assert res.status is Status.UNKNOWN
    assert res.summary.startswith(check.required_commands(platform)[0] + ": ")


@pytest.mark.parametrize(("check_id", "platform"), CASES)
def test_empty_output(check_id: str, platform: str) -> None:
    check = load_cli_catalog().get(check_id)
    res = run(check_id, platform, {c: "" for c in check.commands(platform)})
    if check_id in ("aix.errpt", "aix.devices", "storwize.eventlog"):
        # An empty error log, no Defined device, no unfixed event: the healthy answer.
        assert res is not None and res.status is Status.OK
    elif check_id in ("storwize.drives", "storwize.psu", "storwize.battery"):
        assert res is None  # no such component on this system (SVC nodes, no batteries)
    else:
        assert res is not None and res.status is Status.UNKNOWN
        assert res.summary == f"{check.required_commands(platform)[0]}: empty output"


def test_truncated_outputs_are_unknown() -> None:
    version = real("cisco_ios/show_version/cisco_ios_show_version1.raw")
    res = result("cisco.version", "cisco_xe", {"show version": version[:300]})
    assert res.status is Status.UNKNOWN and res.summary.startswith("show version: ")
    drives = synthetic("ibm_storwize/lsdrive.offline.txt")
    res = result("storwize.drives", "ibm_storwize", {"lsdrive -delim :": drives[:260]})
    assert res.status is Status.UNKNOWN
    assert res.summary.startswith("lsdrive -delim :: truncated table: line 3 has ")


# --- Cisco ---------------------------------------------------------------------------------------


def test_cisco_version_real_outputs() -> None:
    res = result(
        "cisco.version",
        "cisco_xe",
        {"show version": real("cisco_ios/show_version/cisco_ios_show_version1.raw")},
    )
    assert res.status is Status.OK
    assert res.summary == (
        "up 197 d 7 h, last reload: Reload Command; IOS-XE 03.06.05E (packages.conf), "
        "WS-C3850-48U, serial FOC11111111"
    )
    assert [(m.name, m.value, m.unit) for m in res.metrics] == [("uptime", 17049240, "s")]
    nxos = result(
        "cisco.version",
        "cisco_nxos",
        {"show version": real("cisco_nxos/show_version/cisco_nxos_show_version7.raw")},
    )
    assert nxos.summary == (
        "up 60 d 17 h, last reload: Reset Requested by CLI command reload; NX-OS 9.3(15) "
        "(bootflash:///nxos.9.3.15.bin), C3232C, serial FOC21261DQD"
    )
    assert nxos.status is Status.OK


def test_cisco_version_power_on_after_short_uptime_warns() -> None:
    res = result(
        "cisco.version",
        "cisco_ios",
        {"show version": synthetic("cisco_ios/show_version.power_on.txt")},
    )
    assert res.status is Status.WARNING
    assert res.summary == (
        "up 3 h 12 min, last reload: power-on (power loss); IOS 15.2(7)E4 "
        "(c2960x-universalk9-mz.152-7.E4.bin), WS-C2960X-48TS-L, serial FOC2101Z0AB"
    )


def test_cisco_version_crash_warns_while_recent_only() -> None:
    text = synthetic("cisco_ios/show_version.power_on.txt").replace(
        "Last reload reason: power-on",
        "Last reload reason: Critical software exception, check bootflash:crashinfo_RP_00_00",
    )
    res = result("cisco.version", "cisco_ios", {"show version": text})
    assert res.status is Status.WARNING and "(crash);" in res.summary
    old = text.replace("uptime is 3 hours, 12 minutes", "uptime is 12 weeks, 3 hours, 12 minutes")
    res = result("cisco.version", "cisco_ios", {"show version": old})
    assert res.status is Status.OK and res.summary.startswith(
        "up 84 d 3 h, last reload: Critical software exception"
    )


def test_cisco_version_uptime_threshold() -> None:
    thresholds = resolve([("device fz-br12-acc-01", {"uptime": {"warn": "86400:"}})])
    text = synthetic("cisco_ios/show_version.power_on.txt").replace(
        "Last reload reason: power-on", "Last reload reason: Reload Command"
    )
    res = result("cisco.version", "cisco_ios", {"show version": text}, thresholds=thresholds)
    assert res.status is Status.WARNING
    assert res.summary.startswith(
        "up 3 h 12 min, last reload: Reload Command (uptime below threshold);"
    )


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        ("Reload Command", "planned"),
        ("Reload requested by netops on vty0 (10.20.1.5)", "planned"),
        ("Reset Requested by CLI command reload", "planned"),
        ("Image Install", "planned"),
        ("power-on", "power"),
        ("PowerOn", "power"),
        ("Critical software exception, check bootflash:crashinfo", "crash"),
        ("Reset Requested due to Fatal Module Error", "crash"),
        ("Watchdog timer expired", "crash"),
        ("bus error at PC 0x601F5A2C, address 0x0", "crash"),
        ("unknown", "planned"),
    ],
)
def test_reload_reasons(reason: str, kind: str) -> None:
    assert reload_kind(reason) == kind


def test_cisco_environment_real_nxos_and_catalyst() -> None:
    res = result(
        "cisco.environment",
        "cisco_nxos",
        {"show environment": real("cisco_nxos/show_environment/cisco_nxos_show_environment2.raw")},
    )
    assert (res.status, res.summary) == (
        Status.OK,
        "5 fans OK; 2 power supplies OK; Temperature 42°C (Module 1 CPU), highest of 5 sensors",
    )
    assert items(res)["Module 1 FRONT"] == (Status.OK, "24°C")
    temps = result(
        "cisco.environment",
        "cisco_xe",
        {
            "show environment all": real(
                "cisco_ios/show_environment_temperature/cisco_ios_show_environment_temperature.raw"
            )
        },
    )
    assert (temps.status, temps.summary) == (
        Status.OK,
        "Temperature 69°C (Switch 2 Hotspot), highest of 4 sensors",
    )
    metric = next(m for m in temps.metrics if m.item == "Switch 1 Inlet")
    assert (metric.value, metric.warn, metric.crit) == (29, 46, 56)  # the switch's own limits
    psus = result(
        "cisco.environment",
        "cisco_ios",
        {
            "show environment": real(
                "cisco_ios/show_environment_power_all/cisco_ios_show_environment_power_all-no-poe.raw"
            )
        },
    )
    assert (psus.status, psus.summary) == (Status.OK, "2 power supplies OK")


def test_cisco_environment_failed_fan_and_psu() -> None:
    res = result(
        "cisco.environment",
        "cisco_xe",
        {"show environment all": synthetic("cisco_xe/show_environment_all.faulty.txt")},
    )
    assert res.status is Status.CRITICAL
    assert res.summary == (
        "1 of 4 fans failed: Switch 1 FAN 2 (FAULTY), 1 not present; "
        "1 of 2 power supplies failed: PS 1B (No Input Power); "
        "Temperature 58°C (Switch 1 Hotspot), highest of 2 sensors"
    )
    assert res.level == 2  # one of several fans/PSUs: redundancy lost
    assert items(res)["PS 1B"] == (Status.CRITICAL, "No Input Power")
    assert "FAN PS-2" not in items(res)  # not present: counted, not judged


def test_cisco_environment_nxos_faults() -> None:
    res = result(
        "cisco.environment",
        "cisco_nxos",
        {"show environment": synthetic("cisco_nxos/show_environment.faulty.txt")},
    )
    assert res.status is Status.CRITICAL
    assert res.summary == (
        "1 of 6 fans failed: Fan_in_PS2 (Shutdown); 1 of 2 power supplies failed: PS 2 "
        "(Fail/Shutdown); Temperature 44°C (Module 1 BACK): warn at 42°C, device reports minor; "
        "2 other sensors OK"
    )
    assert res.level is None  # a temperature warning too: the policy decides


def test_cisco_environment_sensor_table() -> None:
    res = result(
        "cisco.environment",
        "cisco_xe",
        {"show environment all": synthetic("cisco_xe/show_environment_all.sensors.txt")},
    )
    assert res.status is Status.CRITICAL
    assert res.summary == (
        "1 fan OK; Temperature 79°C (Temp: CPU Die (0)): device reports minor; 2 other sensors "
        "OK; 1 of 4 other readings failed: P1: Vin (P1) (Critical)"
    )
    # The device judges its CPU die (Minor) without printing limits: the catalog's ambient
    # 65/75°C defaults are not applied on top, an operator's explicit ones are.
    assert items(res)["Temp: CPU Die (0)"][0] is Status.WARNING
    explicit = resolve([("device r1", {"temperature": {"warn": 30, "crit": 35}})])
    res = result(
        "cisco.environment",
        "cisco_xe",
        {"show environment all": synthetic("cisco_xe/show_environment_all.sensors.txt")},
        thresholds=explicit,
    )
    assert items(res)["Temp: Outlet (P0)"] == (Status.WARNING, "33°C (warn at 30°C)")


def test_cisco_logging_recent_severe_messages() -> None:
    res = result(
        "cisco.logging",
        "cisco_xe",
        {"show logging": synthetic("cisco_xe/show_logging.recent_severe.txt")},
    )
    assert res.status is Status.CRITICAL
    assert res.summary == (
        "5 messages of severity 0-3 in the last 24 h (3 critical, 2 errors), last: "
        "%PLATFORM_FEP-2-FRU_PS_SIGNAL_FAULTY: Switch 1 R0/0: fep: Signal is faulty on power "
        "supply 2"
    )
    assert [(i.item, i.status) for i in res.items] == [
        ("%PLATFORM_FEP-2-FRU_PS_SIGNAL_FAULTY", Status.CRITICAL),
        ("%LINK-3-UPDOWN", Status.WARNING),
        ("%PLATFORM_PM-2-PS_FAIL", Status.CRITICAL),
    ]
    assert res.items[1].detail == (
        "2x, last Jan 30 14:05:33.870: Interface GigabitEthernet1/0/7, changed state to up"
    )


def test_cisco_logging_healthy_and_error_only() -> None:
    res = result(
        "cisco.logging",
        "cisco_xe",
        {"show logging": synthetic("cisco_xe/show_logging.healthy.txt")},
    )
    assert (res.status, res.summary) == (
        Status.OK,
        "No messages of severity 0-3 in the last 24 h (3 messages in the buffer)",
    )
    only_errors = synthetic("cisco_xe/show_logging.recent_severe.txt").replace("-2-", "-5-")
    res = result("cisco.logging", "cisco_xe", {"show logging": only_errors})
    assert res.status is Status.WARNING and res.summary.startswith("2 messages of severity 0-3")


def test_cisco_logging_real_fixture_is_old_news() -> None:
    # Jan 30 14:11 messages of severity 5 and 7: nothing of severity 0-3.
    res = result(
        "cisco.logging",
        "cisco_ios",
        {"show logging": real("cisco_ios/show_logging/cisco_ios_show_logging_2.raw")},
    )
    assert (res.status, res.summary) == (
        Status.OK,
        "No messages of severity 0-3 in the last 24 h (3 messages in the buffer)",
    )


def test_cisco_logging_missing_year_rolls_back_over_new_year() -> None:
    text = (
        "Log Buffer (4096 bytes):\n"
        "Dec 31 23:50:00.001: %SYS-2-MALLOCFAIL: Memory allocation failed\n"
    )
    res = result(
        "cisco.logging",
        "cisco_ios",
        {"show logging": text},
        now=datetime(2024, 1, 1, 0, 30, tzinfo=UTC),
    )
    assert res.status is Status.CRITICAL  # Dec 31 2023, 40 minutes ago, not Dec 31 2024
    res = result(
        "cisco.logging", "cisco_ios", {"show logging": text}, now=datetime(2024, 2, 1, tzinfo=UTC)
    )
    assert res.status is Status.OK


def test_cisco_logging_uptime_stamps_need_show_version() -> None:
    logging = synthetic("cisco_ios/show_logging.uptime_stamps.txt")
    version = synthetic("cisco_ios/show_version.power_on.txt")
    res = result("cisco.logging", "cisco_ios", {"show logging": logging, "show version": version})
    assert res.status is Status.CRITICAL
    assert [i.item for i in res.items] == ["%SYS-2-MALLOCFAIL", "%LINK-3-UPDOWN"]
    alone = result("cisco.logging", "cisco_ios", {"show logging": logging})
    assert (alone.status, alone.summary) == (
        Status.OK,
        "No messages of severity 0-3 in the last 24 h (3 messages in the buffer, 3 without a "
        "usable timestamp)",
    )


def test_cisco_logging_nxos_logfile_and_disabled_buffer() -> None:
    text = (
        "2024 Jan 30 09:12:01 N9K-LEAF-01 %ETHPORT-5-IF_DOWN_LINK_FAILURE: Interface "
        "Ethernet1/1 is down (Link failure)\n"
        "2024 Jan 30 09:12:02 N9K-LEAF-01 %PLATFORM-2-PS_FAIL: Power supply 2 failed or shut down\n"
    )
    res = result("cisco.logging", "cisco_nxos", {"show logging logfile": text})
    assert res.status is Status.CRITICAL and res.items[0].item == "%PLATFORM-2-PS_FAIL"
    disabled = "Syslog logging: enabled\n    Buffer logging:  disabled, xml disabled\n"
    res = result("cisco.logging", "cisco_ios", {"show logging": disabled})
    assert (res.status, res.summary) == (
        Status.UNKNOWN,
        "show logging: buffer logging is disabled, no message to inspect",
    )


def test_cisco_interfaces_real_counters() -> None:
    res = result(
        "cisco.interfaces_cli",
        "cisco_ios",
        {"show interfaces": real("cisco_ios/show_interfaces/cisco_ios_show_interfaces2.raw")},
    )
    assert res.status is Status.WARNING
    assert res.summary == (
        "1 of 56 interfaces with errors: FastEthernet1/0/29 (28898 input errors (14167 CRC), "
        "0.074% of packets, 3 resets)"
    )
    nxos = result(
        "cisco.interfaces_cli",
        "cisco_nxos",
        {"show interface": real("cisco_nxos/show_interface/cisco_nxos_show_interface3.raw")},
    )
    assert (nxos.status, nxos.summary) == (Status.OK, "3 interfaces, no errors")


def test_cisco_interfaces_crc_storm_is_critical() -> None:
    text = """GigabitEthernet1/0/1 is up, line protocol is up (connected)
  Hardware is Gigabit Ethernet, address is 0011.2233.4401 (bia 0011.2233.4401)
  Description: uplink to fz-hq-core-01
  Last clearing of "show interface" counters 1d02h
     120000 packets input, 90000000 bytes, 0 no buffer
     6500 input errors, 6400 CRC, 100 frame, 0 overrun, 0 ignored
     130000 packets output, 80000000 bytes, 0 underruns
     0 output errors, 0 collisions, 14 interface resets
GigabitEthernet1/0/2 is up, line protocol is up (connected)
     5000 packets input, 900000 bytes, 0 no buffer
     0 input errors, 0 CRC, 0 frame, 0 overrun, 0 ignored
     6000 packets output, 800000 bytes, 0 underruns
     0 output errors, 0 collisions, 2 interface resets
"""
    res = result("cisco.interfaces_cli", "cisco_xe", {"show interfaces": text})
    assert res.status is Status.CRITICAL
    assert items(res) == {
        "GigabitEthernet1/0/1": (
            Status.CRITICAL,
            "6500 input errors (6400 CRC), 5.4% of packets, 14 resets",
        )
    }


# --- Huawei --------------------------------------------------------------------------------------


def test_huawei_version_real_outputs() -> None:
    res = result(
        "huawei.version",
        "huawei_vrpv8",
        {"display version": real("huawei_vrp/display_version/huawei_vrp_display_version1.raw")},
    )
    assert (res.status, res.summary) == (
        Status.OK,
        "up 266 d 8 h; CX600-M2E, VRP 8.100 (CX600 V800R007C10SPC100), patch V800R007SPH019",
    )
    ar = result(
        "huawei.version",
        "huawei_vrp",
        {"display version": real("huawei_vrp/display_version/huawei_vrp_display_version4.raw")},
    )
    assert ar.summary == "up 15 h 16 min; AR617VW-LTE4EA, VRP 5.170 (AR610 V300R019C13SPC200)"


def test_huawei_boards_real_output_has_an_offline_stack_member() -> None:
    # Slot 2 is configured ("*") but Offline and Unregistered: a stack member is missing.
    res = result(
        "huawei.boards",
        "huawei_vrpv8",
        {"display device": real("huawei_vrp/display_device/huawei_vrp_display_device_all.raw")},
    )
    assert res.status is Status.CRITICAL
    assert res.summary == "1 of 5 boards not OK: Slot 2 (CE6850-48S4Q-EI: Offline, Unregistered)"
    assert items(res)["Slot 1 FAN1"] == (Status.OK, "FAN-40SA-B: Normal")


def test_huawei_boards_abnormal_and_healthy() -> None:
    res = result(
        "huawei.boards",
        "huawei_vrp",
        {"display device": synthetic("huawei_vrp/display_device.abnormal.txt")},
    )
    assert (res.status, res.summary) == (
        Status.CRITICAL,
        "1 of 8 boards not OK: Slot 2 (ES1D2G48SEC0: alarm Abnormal)",
    )
    assert items(res)["Slot 2"] == (Status.CRITICAL, "ES1D2G48SEC0: alarm Abnormal")
    ok = result(
        "huawei.boards",
        "huawei_vrp",
        {"display device": synthetic("huawei_vrp/display_device.healthy.txt")},
    )
    assert (ok.status, ok.summary) == (Status.OK, "3 boards OK")


def test_huawei_alarms_critical() -> None:
    res = result(
        "huawei.alarms",
        "huawei_vrpv8",
        {"display alarm active": synthetic("huawei_vrp/display_alarm_active.critical.txt")},
    )
    assert res.status is Status.CRITICAL
    assert res.summary.startswith(
        "3 active alarms (1 critical, 1 major, 1 warning): The board partially failed. "
        "(EntPhysicalIndex=16842754, EntPhysicalName=slot 2, EntityTrapFaultID=132630, "
        "Reason=The board is abnormal), The physical status of the port changed to Down."
    )
    assert items(res) == {
        "0x40a5000a #2081": (
            Status.CRITICAL,
            "Critical: The board partially failed. (EntPhysicalIndex=16842754, "
            "EntPhysicalName=slot 2, EntityTrapFaultID=132630, Reason=The board is abnormal) "
            "(since 2024-01-30 11:42:07)",
        ),
        "0x8520003 #2079": (
            Status.CRITICAL,
            "Major: The physical status of the port changed to Down. "
            "(ifName=XGigabitEthernet1/0/3) (since 2024-01-29 08:15:44)",
        ),
        "0x40e50001 #2075": (
            Status.WARNING,
            "Warning: The number of MAC addresses learned reached the alarm threshold. "
            "(Vlan=20) (since 2024-01-22 10:01:00)",
        ),
    }


def test_huawei_alarms_other_layouts_and_none() -> None:
    none = result(
        "huawei.alarms",
        "huawei_vrpv8",
        {"display alarm active": synthetic("huawei_vrp/display_alarm_active.none.txt")},
    )
    assert (none.status, none.summary) == (Status.OK, "No active alarms")
    vrp5 = result(
        "huawei.alarms",
        "huawei_vrp",
        {"display alarm active": synthetic("huawei_vrp/display_alarm_active.vrp5.txt")},
    )
    assert vrp5.status is Status.CRITICAL  # Major
    assert items(vrp5)["0x8520003 hwPortDown #2"] == (
        Status.WARNING,
        "Minor: The physical status of the port changed to Down. (ifName=GigabitEthernet0/0/12) "
        "(since 2024-01-30 09:14:55)",
    )
    table = result(
        "huawei.alarms",
        "huawei_vrp",
        {"display alarm active": synthetic("huawei_vrp/display_alarm_active.table5.txt")},
    )
    assert (table.status, table.summary) == (
        Status.WARNING,
        "1 active alarm (1 warning): The interface status changes. (ifName=GE0/0/1, "
        "AdminStatus=UP, OperStatus=DOWN)",
    )


def test_huawei_logbuffer_recent_errors_and_healthy() -> None:
    res = result(
        "huawei.logbuffer",
        "huawei_vrp",
        {"display logbuffer": synthetic("huawei_vrp/display_logbuffer.recent_errors.txt")},
    )
    assert res.status is Status.CRITICAL
    assert res.summary.startswith(
        "2 messages of severity 0-3 in the last 24 h (1 critical, 1 error), last: "
        "DEVM/1/hwBoardFail_active: The board partially failed."
    )
    assert [(i.item, i.status) for i in res.items] == [
        ("DEVM/1/hwBoardFail_active", Status.CRITICAL),
        ("IFNET/3/LINKDOWN", Status.WARNING),
    ]
    ok = result(
        "huawei.logbuffer",
        "huawei_vrp",
        {"display logbuffer": synthetic("huawei_vrp/display_logbuffer.healthy.txt")},
    )
    assert (ok.status, ok.summary) == (
        Status.OK,
        "No messages of severity 0-3 in the last 24 h (2 messages in the buffer)",
    )


def test_huawei_cpu() -> None:
    res = result(
        "huawei.cpu_cli",
        "huawei_vrp",
        {
            "display cpu-usage": real(
                "huawei_vrp/display_cpu-usage/huawei_vrp_display_cpu-usage2.raw"
            )
        },
    )
    assert (res.status, res.summary) == (
        Status.CRITICAL,
        "CPU 93% (5 min average): crit at 90%; 1 min 14%, 5 s 15%, max 99%",
    )
    assert [(m.name, m.value, m.warn, m.crit) for m in res.metrics] == [("cpu.usage", 93, 80, 90)]
    ok = result(
        "huawei.cpu_cli",
        "huawei_vrp",
        {"display cpu-usage": synthetic("huawei_vrp/display_cpu-usage.s5700.txt")},
    )
    assert (ok.status, ok.summary) == (
        Status.OK,
        "CPU 10% (5 min average); 1 min 11%, 5 s 12%, max 61%",
    )
    relaxed = resolve([("device core", {"cpu.usage": {"warn": 95, "crit": 98}})])
    res = result(
        "huawei.cpu_cli",
        "huawei_vrp",
        {
            "display cpu-usage": real(
                "huawei_vrp/display_cpu-usage/huawei_vrp_display_cpu-usage2.raw"
            )
        },
        thresholds=relaxed,
    )
    assert res.status is Status.OK


def test_huawei_memory() -> None:
    res = result(
        "huawei.memory_cli",
        "huawei_vrp",
        {
            "display memory-usage": real(
                "huawei_vrp/display_memory-usage/huawei_vrp_display_memory-usage2.raw"
            )
        },
    )
    assert (res.status, res.summary) == (Status.OK, "Memory 39% (787.6 MiB of 1.9 GiB)")
    assert {m.name: m.value for m in res.metrics} == {
        "memory.usage": 39,
        "memory.used": 806468 * 1024,
        "memory.total": 2025148 * 1024,
    }
    high = result(
        "huawei.memory_cli",
        "huawei_vrp",
        {"display memory-usage": synthetic("huawei_vrp/display_memory-usage.ar.txt")},
    )
    assert (high.status, high.summary) == (
        Status.WARNING,
        "Memory 92% (6.9 MiB of 7.5 MiB): warn at 85%",
    )


def test_huawei_fans() -> None:
    res = result(
        "huawei.fans_cli",
        "huawei_vrp",
        {"display fan": real("huawei_vrp/display_fan/huawei_vrp_display_fan2.raw")},
    )
    assert (res.status, res.summary) == (Status.OK, "1 fan OK")
    bad = result(
        "huawei.fans_cli",
        "huawei_vrpv8",
        {"display fan": synthetic("huawei_vrp/display_fan.abnormal.txt")},
    )
    assert (bad.status, bad.summary, bad.level) == (
        Status.CRITICAL,
        "1 of 2 fans failed: Slot 1 Fan 2 (Abnormal), 1 not present",
        2,
    )
    assert [(m.item, m.value) for m in bad.metrics] == [("Slot 1 Fan 1", 45), ("Slot 1 Fan 2", 0)]


def test_huawei_power() -> None:
    res = result(
        "huawei.power_cli",
        "huawei_vrpv8",
        {"display power": real("huawei_vrp/display_power/huawei_vrp_display_power2.raw")},
    )
    assert (res.status, res.summary) == (Status.OK, "4 power modules OK")
    bad = result(
        "huawei.power_cli",
        "huawei_vrp",
        {"display power": synthetic("huawei_vrp/display_power.notsupply.txt")},
    )
    assert (bad.status, bad.summary, bad.level) == (
        Status.CRITICAL,
        "1 of 2 power modules failed: Slot 0 PWR2 (NotSupply)",
        2,
    )
    both = synthetic("huawei_vrp/display_power.notsupply.txt").replace(
        "Supply     150", "NotSupply  0"
    )
    assert result("huawei.power_cli", "huawei_vrp", {"display power": both}).level == 1


# --- AIX -----------------------------------------------------------------------------------------


def test_aix_errpt_hardware_errors() -> None:
    res = result("aix.errpt", "ibm_aix", {"errpt": synthetic("ibm_aix/errpt.hardware.txt")})
    assert res.status is Status.CRITICAL
    assert res.summary == (
        "5 hardware/permanent errors in the last 7 days: LVDD: I/O ERROR DETECTED BY LVM, "
        "hdisk1: DISK OPERATION ERROR, SYSPROC: SOFTWARE PROGRAM ABNORMALLY TERMINATED"
    )
    assert items(res) == {
        "LVDD 613E5F38": (
            Status.CRITICAL,
            "I/O ERROR DETECTED BY LVM (hardware permanent, last 2024-01-30 10:35)",
        ),
        "hdisk1 8647C4E2": (
            Status.CRITICAL,
            "DISK OPERATION ERROR (hardware permanent, last 2024-01-29 22:15)",
        ),
        "hdisk1 DCB47997": (
            Status.WARNING,
            "2x DISK OPERATION ERROR (hardware temporary, last 2024-01-30 10:42)",
        ),
        "SYSPROC A924A5FC": (
            Status.WARNING,
            "SOFTWARE PROGRAM ABNORMALLY TERMINATED (software permanent, last 2024-01-28 09:40)",
        ),
    }


def test_aix_errpt_healthy_empty_and_window() -> None:
    res = result("aix.errpt", "ibm_aix", {"errpt": synthetic("ibm_aix/errpt.healthy.txt")})
    assert (res.status, res.summary) == (
        Status.OK,
        "No hardware or permanent errors in the last 7 days (4 entries in the log)",
    )
    empty = result("aix.errpt", "ibm_aix", {"errpt": ""})
    assert (empty.status, empty.summary) == (
        Status.OK,
        "No hardware or permanent errors in the last 7 days (0 entries in the log)",
    )

    @dataclass(frozen=True)
    class WithParams(CheckContext):
        params: Mapping[str, Any] = field(default_factory=dict)

    wide = WithParams(device="aix", platform="ibm_aix", now=NOW, params={"errpt.days": 60})
    res = result(
        "aix.errpt", "ibm_aix", {"errpt": synthetic("ibm_aix/errpt.healthy.txt")}, ctx=wide
    )
    assert res.status is Status.WARNING  # the fscsi0 link error of Dec 10 is within 60 days
    assert res.summary.startswith(
        "1 hardware/permanent error in the last 60 days: fscsi0: LINK ERROR"
    )


def _lvm_outputs(**override: str) -> dict[str, str]:
    outputs = {
        "lsvg -o": "rootvg\n",
        "lsvg rootvg": real("aix/lsvg/aix-6.x-rootvg.raw"),
        "lsvg -l rootvg": real("aix/lsvg/aix-6.1-l_rootvg.raw"),
    }
    outputs.update(override)
    return outputs


def test_aix_lvm_real_rootvg_is_healthy() -> None:
    res = result("aix.lvm", "ibm_aix", _lvm_outputs())
    assert (res.status, res.summary) == (
        Status.OK,
        "rootvg: 2/2 PVs active, 0 stale PPs, 19 LVs (17 open)",
    )


def test_aix_lvm_other_groups_need_the_second_round() -> None:
    res = result("aix.lvm", "ibm_aix", _lvm_outputs(**{"lsvg -o": "rootvg\ndatavg\n"}))
    assert res.status is Status.OK
    assert res.summary.endswith("; not inspected: datavg (second round not collected)")
    res = result(
        "aix.lvm",
        "ibm_aix",
        _lvm_outputs(
            **{
                "lsvg -o": "rootvg\ndatavg\n",
                "lsvg datavg": synthetic("ibm_aix/lsvg_datavg.healthy.txt"),
                "lsvg -l datavg": synthetic("ibm_aix/lsvg_-l_datavg.healthy.txt"),
            }
        ),
    )
    assert (res.status, res.summary) == (
        Status.OK,
        "rootvg: 2/2 PVs active, 0 stale PPs, 19 LVs (17 open); datavg: 2/2 PVs active, "
        "0 stale PPs, 3 LVs (3 open)",
    )


def test_aix_lvm_stale_mirror_and_missing_pv() -> None:
    res = result(
        "aix.lvm",
        "ibm_aix",
        _lvm_outputs(
            **{
                "lsvg rootvg": synthetic("ibm_aix/lsvg_rootvg.stale.txt"),
                "lsvg -l rootvg": synthetic("ibm_aix/lsvg_-l_rootvg.stale.txt"),
                "lsvg -p rootvg": synthetic("ibm_aix/lsvg_-p_rootvg.missing.txt"),
            }
        ),
    )
    assert res.status is Status.CRITICAL
    assert res.level == 1  # a failed rootvg disk
    assert res.summary == (
        "rootvg: 1 of 2 PVs missing (hdisk1 missing), 345 stale PPs on 1 PVs (5 LVs stale); "
        "LVs: rootvg/lv_backup (closed/syncd: /backup not mounted)"
    )
    assert items(res) == {
        "rootvg": (
            Status.CRITICAL,
            "1 of 2 PVs missing (hdisk1 missing), 345 stale PPs on 1 PVs (5 LVs stale)",
        ),
        "rootvg/lv_backup": (Status.WARNING, "closed/syncd: /backup not mounted"),
    }


def test_aix_lvm_a_group_that_cannot_be_read_is_unknown_in_its_item() -> None:
    res = result(
        "aix.lvm",
        "ibm_aix",
        _lvm_outputs(
            **{
                "lsvg -o": "rootvg\ndatavg\n",
                "lsvg datavg": "0516-306 lsvg: Unable to find volume group datavg in the Device",
            }
        ),
    )
    assert res.status is Status.UNKNOWN
    assert items(res)["datavg"][0] is Status.UNKNOWN
    assert items(res)["rootvg"][0] is Status.OK


def test_aix_disks() -> None:
    healthy = {
        "lspv": synthetic("ibm_aix/lspv.healthy.txt"),
        "lsdev -C -c disk": synthetic("ibm_aix/lsdev_-C_-c_disk.healthy.txt"),
    }
    res = result("aix.disks", "ibm_aix", healthy)
    assert (res.status, res.summary) == (Status.OK, "4 disks OK")
    assert items(res)["hdisk2"] == (Status.OK, "datavg active")
    missing = dict(healthy, lspv=synthetic("ibm_aix/lspv.missing.txt"))
    res = result("aix.disks", "ibm_aix", missing)
    assert (res.status, res.summary, res.level) == (
        Status.CRITICAL,
        "1 of 4 disks not OK: hdisk1 (missing; in rootvg)",
        1,
    )
    defined = dict(
        healthy, **{"lsdev -C -c disk": synthetic("ibm_aix/lsdev_-C_-c_disk.defined.txt")}
    )
    res = result("aix.disks", "ibm_aix", defined)
    assert (res.status, res.summary) == (
        Status.CRITICAL,
        "1 of 4 disks not OK: hdisk1 (Defined; in rootvg)",
    )
    no_pvid = dict(
        healthy,
        lspv=synthetic("ibm_aix/lspv.healthy.txt")
        + "hdisk4          none                                None\n",
    )
    res = result("aix.disks", "ibm_aix", no_pvid)
    assert (res.status, res.level) == (Status.WARNING, None)
    assert items(res)["hdisk4"] == (Status.WARNING, "no PVID; in no volume group")


def test_aix_devices() -> None:
    res = result(
        "aix.devices", "ibm_aix", {"lsdev -C -S d": synthetic("ibm_aix/lsdev_-C_-S_d.defined.txt")}
    )
    assert res.status is Status.WARNING
    assert res.summary == (
        "2 devices Defined instead of Available: fcs1 (8Gb PCI Express Dual Port FC Adapter "
        "(df1000f114108a03)), fscsi1 (FC SCSI I/O Controller Protocol Device)"
    )
    assert "hdisk1" not in items(res)  # aix.disks' finding, not ticketed twice
    ok = result("aix.devices", "ibm_aix", {"lsdev -C -S d": ""})
    assert (ok.status, ok.summary) == (Status.OK, "No device in Defined state")


def test_aix_paging() -> None:
    res = result("aix.paging", "ibm_aix", {"lsps -s": real("aix/lsps/aix-5.3c.raw")})
    assert (res.status, res.summary) == (Status.OK, "Paging space 1% used of 9 GiB")
    assert [(m.name, m.value, m.unit, m.warn, m.crit) for m in res.metrics] == [
        ("paging.usage", 1, "%", 70, 90)
    ]
    full = "Total Paging Space   Percent Used\n      2048MB              93%\n"
    res = result("aix.paging", "ibm_aix", {"lsps -s": full})
    assert (res.status, res.summary) == (
        Status.CRITICAL,
        "Paging space 93% used of 2 GiB: crit at 90%",
    )
    strict = resolve([("device aix", {"paging.usage": {"warn": 0.5, "crit": 50}})])
    res = result(
        "aix.paging", "ibm_aix", {"lsps -s": real("aix/lsps/aix-4.3.2.raw")}, thresholds=strict
    )
    assert (res.status, res.summary) == (
        Status.WARNING,
        "Paging space 1% used of 1.5 GiB: warn at 0.5%",
    )


def test_aix_filesystems() -> None:
    res = result("aix.filesystems", "ibm_aix", {"df -k": synthetic("ibm_aix/df_-k.full.txt")})
    assert (res.status, res.summary) == (
        Status.CRITICAL,
        "Filesystem 98% (/var): crit at 95%; 5 other filesystems OK",
    )
    assert "/cdrom" not in items(res) and "/proc" not in items(res)
    assert items(res)["/var"] == (Status.CRITICAL, "98% of 2 GiB (crit at 95%)")
    ok = result("aix.filesystems", "ibm_aix", {"df -k": synthetic("ibm_aix/df_-Pk.healthy.txt")})
    assert (ok.status, ok.summary) == (Status.OK, "Filesystem 66% (/usr), highest of 2 filesystems")


# --- Storwize ------------------------------------------------------------------------------------


def test_storwize_eventlog() -> None:
    res = result(
        "storwize.eventlog",
        "ibm_storwize",
        {"lseventlog -fixed no -delim :": synthetic("ibm_storwize/lseventlog.unfixed.txt")},
    )
    assert res.status is Status.CRITICAL
    assert res.summary == (
        "3 unfixed alerts: 1114 enclosure 1: Enclosure Battery fault type 1, 1686 drive 7: Drive "
        "fault type 3, 989001 mdiskgrp Pool0: Managed Disk Group space warning"
    )
    assert items(res)["989001 mdiskgrp Pool0"] == (
        Status.WARNING,
        "Managed Disk Group space warning (event 989001, sequence 133, last 2024-01-30 11:25)",
    )
    header = synthetic("ibm_storwize/lseventlog.unfixed.txt").splitlines()[0] + "\n"
    ok = result("storwize.eventlog", "ibm_storwize", {"lseventlog -fixed no -delim :": header})
    assert (ok.status, ok.summary) == (Status.OK, "No unfixed alerts (0 events listed)")


def test_storwize_drives() -> None:
    text = synthetic("ibm_storwize/lsdrive.offline.txt")
    res = result("storwize.drives", "ibm_storwize", {"lsdrive -delim :": text})
    assert (res.status, res.summary, res.level) == (
        Status.CRITICAL,
        "1 of 8 drives not OK: drive 7 (offline, failed, 1.1TB, enclosure 1 slot 8)",
        2,
    )
    healthy = "\n".join(text.splitlines()[:-1]) + "\n"
    ok = result("storwize.drives", "ibm_storwize", {"lsdrive -delim :": healthy})
    assert (ok.status, ok.summary, ok.level) == (Status.OK, "7 drives OK (6 member, 1 spare)", None)


def test_storwize_psu_levels() -> None:
    text = synthetic("ibm_storwize/lsenclosurepsu.one_failed.txt")
    res = result("storwize.psu", "ibm_storwize", {"lsenclosurepsu -delim :": text})
    assert (res.status, res.summary, res.level) == (
        Status.CRITICAL,
        "1 of 4 power supplies failed: Enclosure 1 PSU 2 (offline)",
        2,
    )
    both = text.replace("1:1:online:ac", "1:1:offline:none")
    assert result("storwize.psu", "ibm_storwize", {"lsenclosurepsu -delim :": both}).level == 1
    ok = text.replace("1:2:offline:none", "1:2:online:ac")
    res = result("storwize.psu", "ibm_storwize", {"lsenclosurepsu -delim :": ok})
    assert (res.status, res.summary, res.level) == (Status.OK, "4 power supplies OK", None)


def test_storwize_battery() -> None:
    text = synthetic("ibm_storwize/lsenclosurebattery.healthy.txt")
    res = result("storwize.battery", "ibm_storwize", {"lsenclosurebattery -delim :": text})
    assert (res.status, res.summary) == (Status.OK, "2 batteries OK")
    worn = text.replace("1:2:online:idle:no:100:no", "1:2:online:idle:no:97:yes")
    res = result("storwize.battery", "ibm_storwize", {"lsenclosurebattery -delim :": worn})
    assert (res.status, res.summary, res.level) == (
        Status.WARNING,
        "1 of 2 batteries not OK: Enclosure 1 battery 2 (online, idle, 97% charged, end of life)",
        None,
    )
    failed = text.replace("1:2:online:idle", "1:2:offline:idle")
    res = result("storwize.battery", "ibm_storwize", {"lsenclosurebattery -delim :": failed})
    assert (res.status, res.level) == (Status.CRITICAL, 2)


def test_huawei_boards_ne_router_layout() -> None:
    res = result(
        "huawei.boards",
        "huawei_vrpv8",
        {"display device": synthetic("huawei_vrp/display_device.ne.txt")},
    )
    assert (res.status, res.summary) == (
        Status.CRITICAL,
        "1 of 7 boards not OK: Slot 2 (LPU: Unregistered, alarm Abnormal)",
    )
    assert items(res)["Slot 9"] == (Status.OK, "MPU: Normal")


def test_cli_twins_stay_silent_when_snmp_has_spoken() -> None:
    from checks.cli import load_cli_catalog, without_snmp_twins

    checks = load_cli_catalog().for_platform("huawei_vrp")
    ids = {c.id for c in without_snmp_twins(checks, ["huawei.fans", "huawei.cpu"])}
    assert "huawei.fans_cli" not in ids and "huawei.cpu_cli" not in ids
    assert {"huawei.power_cli", "huawei.alarms", "huawei.boards"} <= ids
    cisco = load_cli_catalog().for_platform("cisco_ios")
    partial = {c.id for c in without_snmp_twins(cisco, ["cisco.fans", "cisco.power"])}
    assert "cisco.environment" in partial  # temperatures were not read over SNMP
    full = ["cisco.fans", "cisco.power", "cisco.temperature"]
    assert "cisco.environment" not in {c.id for c in without_snmp_twins(cisco, full)}
