"""CLI parsers against real device outputs (../shared/fixtures/cli) and synthetic ones.

Where ntc-templates' expected `.yml` sits beside a `.raw`:
- commands parsed with an ntc-templates template: our parser's records equal the `.yml`
  (proves we run the right template the right way);
- commands parsed with our own template: the fields we extract equal the `.yml`'s, except
  where the `.yml` is wrong for a health check, each case named and asserted explicitly.
AIX outputs have no expected values: the assertions are what a careful reader sees in them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from checks.cli import parsers
from checks.cli.parsing import OutputError, delimited, device_error, duration_seconds
from tests.conftest import SHARED_FIXTURES

CLI = SHARED_FIXTURES / "cli"
DATA = Path(__file__).parent / "data" / "cli"


def expected(raw: Path) -> list[dict[str, Any]]:
    return yaml.safe_load(raw.with_suffix(".yml").read_text(encoding="utf-8"))["parsed_sample"]


def raws(platform: str, command: str) -> list[Path]:
    found = sorted((CLI / platform / command).glob("*.raw"))
    assert found, f"no fixture in {platform}/{command}"
    return found


def ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


def shared(got: dict[str, Any], want: dict[str, Any], skip: tuple[str, ...] = ()) -> dict:
    """The fields of `got` that the expected record also has, minus `skip`."""
    return {k: v for k, v in got.items() if k in want and k not in skip}


# --- ntc-templates integration: equal to the expected records -----------------------------------

IOS_VERSIONS = raws("cisco_ios", "show_version")
NXOS_VERSIONS = raws("cisco_nxos", "show_version")
HUAWEI_VERSIONS = raws("huawei_vrp", "display_version")


@pytest.mark.parametrize("raw", IOS_VERSIONS, ids=ids(IOS_VERSIONS))
@pytest.mark.parametrize("platform", ["cisco_ios", "cisco_xe"])
def test_cisco_ios_show_version_equals_ntc_expected(raw: Path, platform: str) -> None:
    assert [parsers.cisco_version(platform, raw.read_text())] == expected(raw)


@pytest.mark.parametrize("raw", NXOS_VERSIONS, ids=ids(NXOS_VERSIONS))
def test_cisco_nxos_show_version_equals_ntc_expected(raw: Path) -> None:
    assert [parsers.cisco_version("cisco_nxos", raw.read_text())] == expected(raw)


@pytest.mark.parametrize("raw", HUAWEI_VERSIONS, ids=ids(HUAWEI_VERSIONS))
@pytest.mark.parametrize("platform", ["huawei_vrp", "huawei_vrpv8"])
def test_huawei_display_version_equals_ntc_expected(raw: Path, platform: str) -> None:
    assert [parsers.huawei_version(platform, raw.read_text())] == expected(raw)


def test_huawei_display_device_equals_ntc_expected() -> None:
    (raw,) = raws("huawei_vrp", "display_device")
    assert parsers.huawei_device("huawei_vrpv8", raw.read_text()) == expected(raw)


def test_huawei_display_device_reads_vrp5_spaced_dash_separators() -> None:
    records = parsers.huawei_device(
        "huawei_vrp", (DATA / "huawei_vrp/display_device.abnormal.txt").read_text()
    )
    assert [(r["slot"], r["alarm_status"]) for r in records] == [
        ("1", "Normal"),
        ("2", "Abnormal"),
        ("7", "Normal"),
        ("8", "Normal"),
        ("PWR1", "Normal"),
        ("PWR2", "Normal"),
        ("FAN1", "Normal"),
        ("FAN2", "Normal"),
    ]
    healthy = parsers.huawei_device(
        "huawei_vrp", (DATA / "huawei_vrp/display_device.healthy.txt").read_text()
    )
    assert [(r["slot"], r["card"], r["pid"]) for r in healthy] == [
        ("0", "-", "S5720-52X-SI-AC"),
        ("0", "PWR1", "POWER"),
        ("0", "FAN1", "FAN"),
    ]


def test_uptimes_of_real_outputs_in_seconds() -> None:
    assert duration_seconds("28 weeks, 1 day, 7 hours, 54 minutes") == (
        28 * 7 * 86400 + 86400 + 7 * 3600 + 54 * 60
    )
    assert duration_seconds("1 year, 22 weeks, 6 days, 9 hours, 38 minutes") == (
        365 * 86400 + 22 * 7 * 86400 + 6 * 86400 + 9 * 3600 + 38 * 60
    )
    assert duration_seconds("11 day(s), 01 hour(s), 57 minute(s), 02 second(s)") == (
        11 * 86400 + 3600 + 57 * 60 + 2
    )
    assert duration_seconds("0 week, 0 day, 15 hours, 16 minutes") == 15 * 3600 + 16 * 60
    assert duration_seconds("no time here") is None


# --- our templates: the fields we extract equal the expected records ----------------------------

LOGGING = raws("cisco_ios", "show_logging")


@pytest.mark.parametrize("raw", LOGGING, ids=ids(LOGGING))
def test_cisco_show_logging_fields_equal_ntc_expected(raw: Path) -> None:
    got = parsers.cisco_logging(raw.read_text())
    want = expected(raw)
    assert [shared(g, w) for g, w in zip(got, want, strict=True)] == want


def test_cisco_show_logging_reads_what_ntc_templates_drops() -> None:
    text = """Log Buffer (8192 bytes):

*Mar  1 00:00:05.123: %SYS-2-MALLOCFAIL: Memory allocation of 100 bytes failed
Jan 30 2024 14:11:11.354 UTC: %PLATFORM_ENV-1-FAN: Faulty fan
Nov 22 04:39:28.123 AEDT: %LINK-3-UPDOWN: Interface Gi1/0/1, changed state to down
000123: Nov 22 04:39:29 AEDT: %LINK-3-UPDOWN: Interface Gi1/0/2, changed state to down
1d02h: %SYS-3-CPUHOG: Task ran for 2000 msec
  -Traceback= 1234
.Nov 22 04:39:29.555: %C4K_IOSMODPORTMAN-4-POWERSUPPLYBAD: Power supply 2 has failed
Nov 22 04:39:30: %PM-SP-4-ERR_DISABLE: bpduguard error detected on Gi3/1
2019 Jan 30 14:11:12.123 UTC N9K %USER-2-SYSTEM_MSG: bad thing
"""
    got = [
        (r["facility"], r["severity"], r["mnemonic"], r["year"], r["timezone"], r["uptime"])
        for r in parsers.cisco_logging(text)
    ]
    assert got == [
        ("SYS", "2", "MALLOCFAIL", "", "", ""),
        ("PLATFORM_ENV", "1", "FAN", "2024", "UTC", ""),
        ("LINK", "3", "UPDOWN", "", "AEDT", ""),
        ("LINK", "3", "UPDOWN", "", "AEDT", ""),
        ("SYS", "3", "CPUHOG", "", "", "1d02h"),
        ("C4K_IOSMODPORTMAN", "4", "POWERSUPPLYBAD", "", "", ""),
        ("PM-SP", "4", "ERR_DISABLE", "", "", ""),
        ("USER", "2", "SYSTEM_MSG", "2019", "UTC", ""),
    ]
    cpuhog = parsers.cisco_logging(text)[4]
    assert cpuhog["message"] == ["Task ran for 2000 msec", "  -Traceback= 1234"]


def test_cisco_show_logging_rejects_other_output() -> None:
    with pytest.raises(OutputError):
        parsers.cisco_logging("Interface status\nGi1/0/1 up\n")


IOS_INTERFACES = raws("cisco_ios", "show_interfaces")


@pytest.mark.parametrize("raw", IOS_INTERFACES, ids=ids(IOS_INTERFACES))
def test_cisco_ios_show_interfaces_fields_equal_ntc_expected(raw: Path) -> None:
    got = parsers.cisco_interfaces("cisco_ios", raw.read_text())
    want = expected(raw)
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        if w["output_errors"] == "" and g["output_errors"] != "":
            # Disagreement: ntc-templates reads "output errors" only when "collisions" follows,
            # so SVIs ("0 output errors, 0 interface resets") get "". The count is there.
            assert g["output_errors"].isdigit(), g["interface"]
            assert shared(g, w, skip=("output_errors",)) == {
                k: v for k, v in w.items() if k in g and k != "output_errors"
            }
        else:
            assert shared(g, w) == {k: v for k, v in w.items() if k in g}
        if g["input_packets"]:  # subinterfaces print no counters at all
            assert g["interface_resets"].isdigit(), g["interface"]


def test_cisco_ios_show_interfaces_reads_a_real_error_counter() -> None:
    raw = CLI / "cisco_ios/show_interfaces/cisco_ios_show_interfaces2.raw"
    by_name = {r["interface"]: r for r in parsers.cisco_interfaces("cisco_ios", raw.read_text())}
    fa29 = by_name["FastEthernet1/0/29"]
    assert (fa29["input_errors"], fa29["crc"], fa29["interface_resets"]) == ("28898", "14167", "3")


NXOS_INTERFACES = raws("cisco_nxos", "show_interface")


@pytest.mark.parametrize("raw", NXOS_INTERFACES, ids=ids(NXOS_INTERFACES))
def test_cisco_nxos_show_interface_fields_equal_ntc_expected(raw: Path) -> None:
    got = parsers.cisco_interfaces("cisco_nxos", raw.read_text())
    want = expected(raw)
    # Disagreement: ntc-templates' admin_state is the "line protocol is ..." text on SVIs
    # ("down, autostate enabled") and "u" for mgmt0's "admin state is up"; ours is the word
    # after "admin state is". Every other shared field is equal.
    for g, w in zip(got, want, strict=True):
        assert shared(g, w, skip=("admin_state",)) == {
            k: v for k, v in w.items() if k in g and k != "admin_state"
        }
    assert all(r["interface_resets"] != "" for r in got if r["interface"].startswith("Eth"))


def test_cisco_nxos_show_environment_equals_ntc_expected() -> None:
    (raw,) = raws("cisco_nxos", "show_environment")
    assert parsers.cisco_environment("cisco_nxos", raw.read_text())["nxos"] == expected(raw)


def test_cisco_nxos_show_environment_reads_failed_supplies() -> None:
    text = (DATA / "cisco_nxos/show_environment.faulty.txt").read_text()
    records = parsers.cisco_environment("cisco_nxos", text)["nxos"]
    psus = [(r["power_supply"], r["power_supply_status"]) for r in records if r["power_supply"]]
    assert psus == [("1", "Ok"), ("2", "Fail/Shutdown")]
    fans = [(r["fan"], r["fan_status"]) for r in records if r["fan"]]
    assert fans[-1] == ("Fan_in_PS2", "Shutdown") and len(fans) == 6


POWER_ALL = raws("cisco_ios", "show_environment_power_all")


@pytest.mark.parametrize("raw", POWER_ALL, ids=ids(POWER_ALL))
def test_cisco_power_table_equals_ntc_expected(raw: Path) -> None:
    assert parsers.cisco_environment("cisco_ios", raw.read_text())["power"] == expected(raw)


def test_cisco_temperature_blocks_equal_ntc_expected() -> None:
    (raw,) = raws("cisco_ios", "show_environment_temperature")
    parts = parsers.cisco_environment("cisco_xe", raw.read_text())
    # ntc-templates makes one record per switch with inlet_*/hotspot_* fields; ours one per
    # sensor. Same numbers:
    regrouped: dict[str, dict[str, str]] = {}
    for rec in parts["temperature"]:
        prefix = rec["sensor"].lower()
        entry = regrouped.setdefault(rec["switch"], {"switch": rec["switch"]})
        entry[f"{prefix}_temperature_value"] = rec["value"]
        entry[f"{prefix}_temperature_state"] = rec["state"]
        entry[f"{prefix}_yellow_threshold"] = rec["yellow"]
        entry[f"{prefix}_red_threshold"] = rec["red"]
    for rec in parts["status"]:
        switch = rec["name"].split()[1].rstrip(":")
        regrouped[switch]["switch_temperature"] = rec["state"]
    assert list(regrouped.values()) == expected(raw)


def test_cisco_temperature_matches_napalm_expected() -> None:
    folder = CLI / "cisco_ios/napalm_ios_get_environment/ios_xe"
    parts = parsers.cisco_environment(
        "cisco_xe", (folder / "show_env_temperature_status.txt").read_text()
    )
    napalm = yaml.safe_load((folder / "expected_result.json").read_text())["temperature"]
    got = {r["sensor"].lower(): int(r["value"]) for r in parts["temperature"]}
    assert got == {name: entry["temperature"] for name, entry in napalm.items()}
    assert all(r["state"] == "GREEN" for r in parts["temperature"])  # napalm: no alert


def test_cisco_environment_sensor_and_status_layouts() -> None:
    faulty = parsers.cisco_environment(
        "cisco_xe", (DATA / "cisco_xe/show_environment_all.faulty.txt").read_text()
    )
    assert [(r["name"], r["state"]) for r in faulty["status"]] == [
        ("Switch 1 FAN 1", "OK"),
        ("Switch 1 FAN 2", "FAULTY"),
        ("Switch 1 FAN 3", "OK"),
        ("FAN PS-1", "OK"),
        ("FAN PS-2", "NOT PRESENT"),
        ("Switch 1: SYSTEM TEMPERATURE", "OK"),
    ]
    assert [(r["ps_module"], r["status"]) for r in faulty["power"]] == [
        ("1A", "OK"),
        ("1B", "No Input Power"),
    ]
    sensors = parsers.cisco_environment(
        "cisco_xe", (DATA / "cisco_xe/show_environment_all.sensors.txt").read_text()
    )["sensors"]
    assert [(r["sensor"], r["state"], r["reading"], r["unit"]) for r in sensors] == [
        ("Temp: Inlet", "Normal", "24", "Celsius"),
        ("Temp: Outlet", "Normal", "33", "Celsius"),
        ("V1: VX1", "Normal", "755", "mV"),
        ("V1: VX2", "Normal", "1495", "mV"),
        ("Temp: CPU Die", "Minor", "79", "Celsius"),
        ("P0: Vin", "Normal", "229", "V AC"),
        ("P0: Fan", "Normal", "3120", "rpm"),
        ("P1: Vin", "Critical", "0", "V AC"),
    ]


def test_cisco_environment_rejects_other_output() -> None:
    with pytest.raises(OutputError):
        parsers.cisco_environment("cisco_ios", "Switch Ports Model SW Version\n")


def test_huawei_cpu_usage_fields_equal_expected() -> None:
    (raw,) = raws("huawei_vrp", "display_cpu-usage")
    (want,) = expected(raw)
    got = parsers.huawei_cpu(raw.read_text())
    assert shared(got, want) == want
    assert got["cpu_current"] == "16"  # "System cpu use rate is : 16%", not in ntc's record


def test_huawei_cpu_usage_other_layouts() -> None:
    s5700 = parsers.huawei_cpu((DATA / "huawei_vrp/display_cpu-usage.s5700.txt").read_text())
    assert (s5700["cpu_5_sec"], s5700["cpu_1_min"], s5700["cpu_5_min"], s5700["cpu_max"]) == (
        "12",
        "11",
        "10",
        "61",
    )
    busy = parsers.huawei_cpu(
        " CPU busy status:\n    81% in last 5 seconds\n    41% in last 1 minute\n"
        "    29% in last 5 minutes\n"
    )
    assert (busy["cpu_5_sec"], busy["cpu_1_min"], busy["cpu_5_min"]) == ("81", "41", "29")


def test_huawei_memory_usage_fields_equal_expected() -> None:
    (raw,) = raws("huawei_vrp", "display_memory-usage")
    (want,) = expected(raw)
    got = parsers.huawei_memory(raw.read_text())
    assert shared(got, want) == want
    assert (got["memory_total"], got["memory_total_unit"]) == ("2025148", "Kbytes")
    assert (got["memory_used"], got["memory_used_unit"]) == ("806468", "Kbytes")
    ar = parsers.huawei_memory((DATA / "huawei_vrp/display_memory-usage.ar.txt").read_text())
    assert (ar["memory_using_percent"], ar["memory_total_unit"]) == ("92", "bytes")


def test_huawei_fan_fields_equal_expected_but_the_full_stop() -> None:
    (raw,) = raws("huawei_vrp", "display_fan")
    (want,) = expected(raw)
    (got,) = parsers.huawei_fans(raw.read_text())
    # Disagreement: ntc-templates keeps the sentence's full stop ("normal.") in the status of
    # "Slot 0: Fan 0 is normal."; ours is the state word itself.
    assert want["status"] == "normal." and got["status"] == "normal"
    assert shared(got, want, skip=("status",)) == {k: v for k, v in want.items() if k != "status"}


def test_huawei_fan_table_layout() -> None:
    records = parsers.huawei_fans((DATA / "huawei_vrp/display_fan.abnormal.txt").read_text())
    assert [(r["fan_id"], r["present"], r["status"], r["speed"]) for r in records] == [
        ("1", "Present", "Normal", "45%"),
        ("2", "Present", "Abnormal", "0%"),
        ("3", "Absent", "-", ""),
    ]


def test_huawei_power_fields_equal_expected() -> None:
    (raw,) = raws("huawei_vrp", "display_power")
    got = parsers.huawei_power(raw.read_text())
    want = expected(raw)
    assert [shared(g, w) for g, w in zip(got, want, strict=True)] == want


def test_huawei_power_slot_layout() -> None:
    records = parsers.huawei_power((DATA / "huawei_vrp/display_power.notsupply.txt").read_text())
    assert [(r["slot"], r["id"], r["present"], r["state"]) for r in records] == [
        ("0", "PWR1", "Present", "Supply"),
        ("0", "PWR2", "Present", "NotSupply"),
    ]


def test_huawei_alarm_layouts() -> None:
    vrp8 = parsers.huawei_alarms(
        (DATA / "huawei_vrp/display_alarm_active.critical.txt").read_text()
    )
    assert [(r["sequence"], r["alarm_id"], r["level"], r["date"], r["time"]) for r in vrp8] == [
        ("2081", "0x40a5000a", "1", "2024-01-30", "11:42:07"),
        ("2079", "0x8520003", "2", "2024-01-29", "08:15:44"),
        ("2075", "0x40e50001", "4", "2024-01-22", "10:01:00"),
    ]
    # Wrapped at a fixed width, mid-word: a full-width line joins the next without a space.
    assert vrp8[0]["description"] == (
        "The board partially failed. (EntPhysicalIndex=16842754, EntPhysicalName=slot 2, "
        "EntityTrapFaultID=132630, Reason=The board is abnormal)"
    )
    assert vrp8[1]["description"] == (
        "The physical status of the port changed to Down. (ifName=XGigabitEthernet1/0/3)"
    )
    slash = parsers.huawei_alarms((DATA / "huawei_vrp/display_alarm_active.vrp5.txt").read_text())
    assert [(r["sequence"], r["name"], r["level"]) for r in slash] == [
        ("1", "hwPowerFail", "Major"),
        ("2", "hwPortDown", "Minor"),
    ]
    assert slash[0]["description"] == (  # without the leading "OID 1.3.6..."
        'The power supply failed. (EntityPhysicalIndex=67108867, PhysicalName="PWR2")'
    )
    table = parsers.huawei_alarms((DATA / "huawei_vrp/display_alarm_active.table5.txt").read_text())
    assert [(r["sequence"], r["level"], r["description"]) for r in table] == [
        (
            "1",
            "Warning",
            "The interface status changes. (ifName=GE0/0/1, AdminStatus=UP, OperStatus=DOWN)",
        )
    ]


def test_huawei_alarm_empty_list_is_not_garbage() -> None:
    assert (
        parsers.huawei_alarms((DATA / "huawei_vrp/display_alarm_active.none.txt").read_text()) == []
    )
    assert parsers.huawei_alarms("Info: No alarm.") == []
    with pytest.raises(OutputError):
        parsers.huawei_alarms("Slot  Type  Online\n1  LPU  Present\n")


def test_huawei_logbuffer_layouts() -> None:
    records = parsers.huawei_logbuffer(
        (DATA / "huawei_vrp/display_logbuffer.recent_errors.txt").read_text()
    )
    assert [(r["module"], r["level"], r["brief"], r["offset"]) for r in records] == [
        ("DEVM", "1", "hwBoardFail_active", "+08:00"),
        ("IFNET", "3", "LINKDOWN", "+08:00"),
        ("IFNET", "4", "LINK_STATE", "+08:00"),
        ("SHELL", "5", "CMDRECORD", "+08:00"),
        ("DEVM", "2", "hwFanFail_active", "+08:00"),
        ("SHELL", "5", "CMDRECORD", "+08:00"),
    ]
    iso = parsers.huawei_logbuffer((DATA / "huawei_vrp/display_logbuffer.healthy.txt").read_text())
    assert [(r["date"], r["time"], r["level"]) for r in iso] == [
        ("2024-01-30", "08:00:12.334", "5"),
        ("2024-01-24", "22:01:09.120", "3"),
    ]
    assert parsers.huawei_logbuffer("Logging buffer configuration and contents : enabled\n") == []


# --- AIX: what a careful reader sees in the real outputs -----------------------------------------


def test_aix_lsvg_rootvg_real_output() -> None:
    # CRLF line endings, as captured; two PVs, both active, nothing stale, 17 of 19 LVs open.
    rec = parsers.aix_lsvg((CLI / "aix/lsvg/aix-6.x-rootvg.raw").read_text())
    assert rec == {
        "volume_group": "rootvg",
        "vg_state": "active",
        "vg_permission": "read/write",
        "total_pps": "798",
        "free_pps": "201",
        "used_pps": "597",
        "lvs": "19",
        "open_lvs": "17",
        "total_pvs": "2",
        "active_pvs": "2",
        "stale_pvs": "0",
        "stale_pps": "0",
        "quorum": "2",
    }


def test_aix_lsvg_l_rootvg_real_output() -> None:
    lvs = parsers.aix_lsvg_l((CLI / "aix/lsvg/aix-6.1-l_rootvg.raw").read_text())
    assert len(lvs) == 17
    assert {r["volume_group"] for r in lvs} == {"rootvg"}
    closed = [
        (r["lv_name"], r["type"], r["lv_state"]) for r in lvs if r["lv_state"] != "open/syncd"
    ]
    assert closed == [("hd5", "boot", "closed/syncd")]  # the boot LV: closed is normal
    mounts = {r["lv_name"]: r["mount_point"] for r in lvs}
    assert mounts["hd4"] == "/" and mounts["livedump"] == "/var/adm/ras/livedump"
    assert (
        mounts["hd6"] == "N/A" and next(r for r in lvs if r["lv_name"] == "hd6")["type"] == "paging"
    )


@pytest.mark.parametrize(
    ("name", "total", "percent"), [("aix-4.3.2", "1536", "1"), ("aix-5.3c", "9216", "1")]
)
def test_aix_lsps_summary_real_outputs(name: str, total: str, percent: str) -> None:
    rec = parsers.aix_lsps_summary((CLI / f"aix/lsps/{name}.raw").read_text())
    assert (rec["total"], rec["unit"], rec["percent_used"]) == (total, "MB", percent)


def test_aix_lsdev_real_colon_listings() -> None:
    fcp = parsers.aix_lsdev((CLI / "aix/lsdev/aix-6.1a-disk-fcp.raw").read_text())
    assert [r["name"] for r in fcp] == [f"hdisk{n}" for n in range(2, 18)]
    assert {r["description"] for r in fcp} == {"Other FC SCSI Disk Drive"}
    assert {r["status"] for r in fcp} == {""}  # -F name:description prints no state
    sas = parsers.aix_lsdev((CLI / "aix/lsdev/aix-6.1b-disk-sas.raw").read_text())
    assert [r["name"] for r in sas] == [
        "hdisk0",
        "hdisk1",
        "hdisk2",
        "hdisk4",
        "hdisk5",
        "hdisk6",
        "hdisk7",
    ]
    assert sas[0]["description"] == "SAS RAID 10 Disk Array"
    procs = parsers.aix_lsdev((CLI / "aix/lsdev/aix-5.3c-processor.raw").read_text())
    assert [r["name"] for r in procs] == ["proc0", "proc2", "proc4", "proc6"]


def test_aix_lspv_detail_of_a_varied_off_group_is_a_device_message() -> None:
    # lspv hdisk1 of a group that is not varied on: AIX answers with message 0516-010 first
    # and "???????" for every state. As a check output that is the device's error.
    text = (CLI / "aix/lspv/aix-6.1-hdisk1.raw").read_text()
    message = device_error(text)
    assert message is not None and message.startswith("0516-010")


def test_aix_default_lsdev_lspv_errpt_df() -> None:
    devices = parsers.aix_lsdev((DATA / "ibm_aix/lsdev_-C_-S_d.defined.txt").read_text())
    assert [(r["name"], r["status"], r["location"]) for r in devices] == [
        ("hdisk1", "Defined", "00-08-01"),
        ("fcs1", "Defined", "02-01"),
        ("fscsi1", "Defined", "02-01-01"),
    ]
    assert devices[1]["description"].startswith("8Gb PCI Express Dual Port FC Adapter")
    pvs = parsers.aix_lspv((DATA / "ibm_aix/lspv.missing.txt").read_text())
    assert [(r["name"], r["volume_group"], r["state"]) for r in pvs][:2] == [
        ("hdisk0", "rootvg", "active"),
        ("hdisk1", "rootvg", "missing"),
    ]
    errors = parsers.aix_errpt((DATA / "ibm_aix/errpt.hardware.txt").read_text())
    assert len(errors) == 8
    assert (errors[0]["identifier"], errors[0]["type"], errors[0]["class"]) == (
        "DCB47997",
        "T",
        "H",
    )
    assert parsers.aix_errpt("") == []
    df = parsers.aix_df((DATA / "ibm_aix/df_-k.full.txt").read_text())
    assert [(r["mount_point"], r["percent_used"]) for r in df][:3] == [
        ("/", "37"),
        ("/usr", "85"),
        ("/var", "98"),
    ]
    posix = parsers.aix_df((DATA / "ibm_aix/df_-Pk.healthy.txt").read_text())
    assert [(r["mount_point"], r["used"], r["percent_used"]) for r in posix] == [
        ("/", "379776", "37"),
        ("/usr", "3408384", "66"),
        ("/proc", "-", "-"),
    ]


def test_aix_truncated_tables_are_errors() -> None:
    with pytest.raises(OutputError):
        parsers.aix_errpt("IDENTIFIER TIMESTAMP  T C RESOURCE_NAME  DESCRIPTION\nDCB47997   01301")
    with pytest.raises(OutputError):
        parsers.aix_lsvg("VOLUME GROUP:       rootvg                   VG IDENTIFIER:  00c6")
    with pytest.raises(OutputError):
        parsers.aix_lsvg_online("rootvg\n0516-306 lsvg: Unable to find volume group\n")


# --- Storwize: -delim : needs no template ---------------------------------------------------------


def test_storwize_delimited_rows_by_header_names() -> None:
    rows = parsers.svc_table(
        (DATA / "ibm_storwize/lseventlog.unfixed.txt").read_text(), ("status", "event_id")
    )
    assert [(r["sequence_number"], r["status"], r["error_code"]) for r in rows] == [
        ("120", "alert", "1114"),
        ("131", "alert", "1686"),
        ("133", "alert", ""),
        ("134", "message", ""),
    ]
    # A ':' inside the description is joined back rather than shifting the columns.
    assert rows[3]["description"] == "Node: configuration backup completed"
    assert rows[3]["secondary_object_type"] == ""


def test_storwize_truncated_or_foreign_tables() -> None:
    with pytest.raises(OutputError, match="truncated table"):
        delimited("id:status:use\n0:online:member\n1:offl")
    with pytest.raises(OutputError, match="no column"):
        parsers.svc_table("id:name\n0:x\n", ("id", "status"))
    with pytest.raises(OutputError, match="header"):
        delimited("Filesystem 1024-blocks Free\n/dev/hd4 524288 345676\n")
    assert parsers.svc_table("", ("id",)) == []


# --- device errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "                     ^\n% Invalid input detected at '^' marker.\n",
        "% Incomplete command.\n",
        "% Invalid command at '^' marker.\n",
        "                  ^\nError: Unrecognized command found at '^' position.\n",
        "Error: Wrong parameter found at '^' position.\n",
        "ksh: lsvg: not found.\n",
        "rbash: svctask: command not found\n",
        "0516-306 lsvg: Unable to find volume group datavg in the Device\n"
        "        Configuration Database.\n",
        "CMMVC7205E The command failed because it is not supported.\n",
        "Usage: lsvg [-L][-o] [-n DescriptorPV] [-i] [-l|-M|-p] VolumeGroup...\n",
    ],
)
def test_device_errors_are_recognised(text: str) -> None:
    assert device_error(text)


@pytest.mark.parametrize(
    "raw",
    [
        CLI / "cisco_ios/show_version/cisco_ios_show_version1.raw",
        CLI / "cisco_ios/show_logging/cisco_ios_show_logging_2.raw",
        CLI / "huawei_vrp/display_device/huawei_vrp_display_device_all.raw",
        CLI / "huawei_vrp/display_cpu-usage/huawei_vrp_display_cpu-usage2.raw",
        CLI / "aix/lsvg/aix-6.1-l_rootvg.raw",
    ],
    ids=lambda p: p.stem,
)
def test_real_outputs_are_not_device_errors(raw: Path) -> None:
    assert device_error(raw.read_text()) is None
