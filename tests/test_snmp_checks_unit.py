"""SNMP checks on small synthetic data: failures, absent parts, garbage, collection errors,
thresholds, interfaces, counter rates and reboots. No network."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from checks.check import CheckContext, Verdict
from checks.result import Result
from checks.snmp import CatalogError, evaluate_checks, load_catalog, read_catalog
from checks.snmp.code.system import WRAP, reboot_between
from checks.snmpdata import SnmpData, SnmpPlan
from checks.status import Status
from checks.thresholds import resolve

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
ENVMON_FAN = "1.3.6.1.4.1.9.9.13.1.4.1"
ENVMON_PSU = "1.3.6.1.4.1.9.9.13.1.5.1"
CPM = "1.3.6.1.4.1.9.9.109.1.1.1.1"
HW_STATE = "1.3.6.1.4.1.2011.5.25.31.1.1.1.1"
HW_FAN = "1.3.6.1.4.1.2011.5.25.31.1.1.10.1"
HW_PWR = "1.3.6.1.4.1.2011.5.25.31.1.1.18.1"
ENT_NAME = "1.3.6.1.2.1.47.1.1.1.1.7"
ENT_CLASS = "1.3.6.1.2.1.47.1.1.1.1.5"
IMM = "1.3.6.1.4.1.2.3.51.3.1"
IF = "1.3.6.1.2.1.2.2.1"
IFX = "1.3.6.1.2.1.31.1.1.1"
UPTIME = "1.3.6.1.2.1.1.3.0"


def snmp(*lines: str) -> SnmpData:
    return SnmpData.from_snmprec("synthetic", text="\n".join(lines))


def ctx(platform: str = "cisco_ios", layers: list | None = None, **kw: object) -> CheckContext:
    return CheckContext(
        device="dev1", platform=platform, thresholds=resolve(layers or []), now=NOW, **kw
    )  # type: ignore[arg-type]


def run(check_id: str, data: SnmpData, context: CheckContext | None = None) -> Result | None:
    check = load_catalog().get(check_id)
    results = evaluate_checks([check], data.subset(check.plan()), context or ctx())
    return results[0] if results else None


def must(check_id: str, data: SnmpData, context: CheckContext | None = None) -> Result:
    result = run(check_id, data, context)
    assert result is not None, f"{check_id} did not apply"
    return result


# --- fans and power supplies -----------------------------------------------------------------


def huawei_fans(*states: int, present: tuple[int, ...] = ()) -> SnmpData:
    lines = []
    for n, state in enumerate(states, start=1):
        lines += [
            f"{HW_FAN}.5.0.{n}|2|{40 + n}",
            f"{HW_FAN}.6.0.{n}|2|{present[n - 1] if present else 1}",
            f"{HW_FAN}.7.0.{n}|2|{state}",
        ]
    return snmp(*lines)


def test_one_fan_failed_is_critical_and_declares_level_2() -> None:
    result = must("huawei.fans", huawei_fans(1, 2, 1, 1), ctx("huawei_vrp"))
    assert result.status is Status.CRITICAL
    assert result.summary == "1 of 4 fans failed: FAN 0/2 (abnormal)"
    assert result.level == 2
    assert [(i.item, i.status, i.detail) for i in result.problems] == [
        ("FAN 0/2", Status.CRITICAL, "abnormal, 42%")
    ]
    assert [m.value for m in result.metrics if m.name == "fan.duty"] == [41, 42, 43, 44]
    assert load_catalog().get("huawei.fans").level == 2


def test_all_fans_failed_declares_level_1() -> None:
    result = must("huawei.fans", huawei_fans(2, 2), ctx("huawei_vrp"))
    assert result.status is Status.CRITICAL
    assert result.summary == "2 of 2 fans failed: FAN 0/1 (abnormal), FAN 0/2 (abnormal)"
    assert result.level == 1


def test_absent_fan_is_counted_not_judged() -> None:
    result = must("huawei.fans", huawei_fans(1, 2, present=(1, 2)), ctx("huawei_vrp"))
    assert result.status is Status.OK
    assert result.summary == "1 fan OK, 1 not present"
    assert result.level is None


def test_psu_failed_envmon() -> None:
    data = snmp(
        f"{ENVMON_PSU}.2.1|4|Power Supply 1",
        f"{ENVMON_PSU}.2.2|4|Power Supply 2",
        f"{ENVMON_PSU}.3.1|2|1",
        f"{ENVMON_PSU}.3.2|2|3",
    )
    result = must("cisco.power", data)
    assert result.status is Status.CRITICAL
    assert result.summary == "1 of 2 power supplies failed: Power Supply 2 (critical)"
    assert result.level == 2
    assert result.to_dict()["level"] == 2
    assert Result.from_dict(result.to_dict()).level == 2


def test_psu_not_present_is_skipped() -> None:
    data = snmp(
        f"{ENVMON_PSU}.2.1|4|Power Supply 1",
        f"{ENVMON_PSU}.2.2|4|Power Supply 2",
        f"{ENVMON_PSU}.3.1|2|1",
        f"{ENVMON_PSU}.3.2|2|5",
    )
    result = must("cisco.power", data)
    assert (result.status, result.summary) == (Status.OK, "1 power supply OK, 1 not present")
    assert [i.item for i in result.items] == ["Power Supply 1"]
    assert "level" not in result.to_dict()


def test_nxos_psu_from_fru_table_ignores_line_cards() -> None:
    fru = "1.3.6.1.4.1.9.9.117.1.1.2.1"
    data = snmp(
        f"{ENT_CLASS}.22|2|9",
        f"{ENT_CLASS}.470|2|6",
        f"{ENT_CLASS}.471|2|6",
        f"{ENT_NAME}.22|4|Module-1",
        f"{ENT_NAME}.470|4|PowerSupply-1",
        f"{ENT_NAME}.471|4|PowerSupply-2",
        f"{fru}.2.22|2|4",  # a line card denied power: not a supply's problem
        f"{fru}.2.470|2|2",
        f"{fru}.2.471|2|5",
    )
    result = must("cisco.power", data, ctx("cisco_nxos"))
    assert result.summary == "1 of 2 power supplies failed: PowerSupply-2 (off (environmental))"
    assert [i.item for i in result.items] == ["PowerSupply-1", "PowerSupply-2"]


def test_cisco_fans_fall_back_to_fan_trays_and_speed_sensors() -> None:
    trays = "1.3.6.1.4.1.9.9.117.1.4.1.1"
    data = snmp(
        f"{ENT_NAME}.534|4|Fan Module-1",
        f"{ENT_NAME}.535|4|Fan Module-2",
        f"{trays}.1.534|2|2",
        f"{trays}.1.535|2|3",
    )
    result = must("cisco.fans", data, ctx("cisco_nxos"))
    assert result.summary == "1 of 2 fans failed: Fan Module-2 (down)"
    assert result.level == 1 + 1
    sensor = "1.3.6.1.4.1.9.9.91.1.1.1.1"
    data = snmp(
        f"{ENT_NAME}.24|4|Slot 11 - RPM: fan0",
        f"{sensor}.1.24|2|10",
        f"{sensor}.2.24|2|9",
        f"{sensor}.3.24|2|0",
        f"{sensor}.4.24|2|1560",
        f"{sensor}.5.24|2|3",
    )
    result = must("cisco.fans", data, ctx("cisco_xe"))
    assert result.status is Status.WARNING  # entSensorStatus nonoperational(3)
    assert [(m.name, m.value) for m in result.metrics] == [("fan.speed", 1560)]


# --- garbage in: noSuchObject, wrong types, absurd values ------------------------------------


def test_no_such_object_for_uptime_is_unknown_naming_the_oid() -> None:
    result = must("snmp.uptime", snmp(f"{UPTIME}|128|"))
    assert result.status is Status.UNKNOWN
    assert result.summary == f"{UPTIME} (sysUpTime): noSuchObject"


def test_no_such_instance_in_a_table_cell() -> None:
    data = snmp(
        f"{HW_STATE}.5.9|129|",
        f"{HW_STATE}.9.9|2|197133632",
        f"{ENT_NAME}.9|4|SRU Board 0",
    )
    result = must("huawei.cpu", data, ctx("huawei_vrp"))
    assert result.status is Status.UNKNOWN
    assert result.items[0].detail == f"{HW_STATE}.5.9: noSuchInstance"


def test_wrong_type_is_unknown_naming_the_oid() -> None:
    result = must("cisco.cpu", snmp(f"{CPM}.2.1|2|0", f"{CPM}.8.1|4|busy"))
    assert result.status is Status.UNKNOWN
    assert result.items[0].detail == f"{CPM}.8.1: expected a number, got OCTET STRING 'busy'"
    assert result.summary.startswith("CPU unreadable (CPU 1): ")
    assert result.metrics == []
    result = must("snmp.uptime", snmp(f"{UPTIME}|4|yesterday"))
    assert result.status is Status.UNKNOWN
    assert "expected TimeTicks, got OCTET STRING 'yesterday'" in result.summary


def test_absurd_cpu_is_unknown_and_a_check_of_only_absurd_rows_too() -> None:
    result = must("cisco.cpu", snmp(f"{CPM}.2.1|2|0", f"{CPM}.8.1|66|250"))
    assert result.status is Status.UNKNOWN
    assert result.items[0].detail == (
        f"{CPM}.8.1: 250 is not a plausible cpu reading (expected 0..100)"
    )
    # one good row, one absurd: the good one is still reported, the absurd one is UNKNOWN
    result = must(
        "cisco.cpu",
        snmp(f"{CPM}.2.1|2|0", f"{CPM}.8.1|66|12", f"{CPM}.2.2|2|0", f"{CPM}.8.2|66|-3"),
    )
    assert [(i.item, i.status) for i in result.items] == [
        ("CPU 1", Status.OK),
        ("CPU 2", Status.UNKNOWN),
    ]
    assert [m.value for m in result.metrics] == [12]


def test_absurd_temperature_is_unknown() -> None:
    data = snmp(
        f"{HW_STATE}.11.9|2|300",
        f"{HW_STATE}.12.9|2|74",
        f"{ENT_NAME}.9|4|SRU Board 0",
    )
    result = must("huawei.temperature", data, ctx("huawei_vrp"))
    assert result.status is Status.UNKNOWN
    assert "300 is not a plausible temperature reading" in result.summary


def test_absurd_memory_pool_is_unknown() -> None:
    pool = "1.3.6.1.4.1.9.9.48.1.1.1"
    data = snmp(
        f"{pool}.2.1|4|Processor",
        f"{pool}.4.1|2|1",
        f"{pool}.5.1|66|100",
        f"{pool}.6.1|4|lots",
    )
    result = must("cisco.memory", data)
    assert result.status is Status.UNKNOWN
    assert result.items[0].detail == f"{pool}.6.1: expected a number, got OCTET STRING 'lots'"


# --- the engine ---------------------------------------------------------------------------


def test_collection_error_makes_the_check_unknown() -> None:
    data = snmp(f"{CPM}.2.1|2|0", f"{CPM}.8.1|66|12")
    data.errors[f"{CPM}.8"] = "timeout after 2.0 s (2 tries)"
    result = must("cisco.cpu", data)
    assert (result.status, result.summary) == (Status.UNKNOWN, "timeout after 2.0 s (2 tries)")
    # other checks, whose requests did not fail, are not affected
    assert must("snmp.uptime", snmp(f"{UPTIME}|67|900000")).status is Status.OK


class _Exploding:
    id = "test.boom"
    title = "explodes"
    level = None

    def applies_to(self, platform: str) -> bool:
        return True

    def plan(self) -> SnmpPlan:
        return SnmpPlan.of(gets=[UPTIME])

    def evaluate(self, data: SnmpData, ctx: CheckContext) -> Verdict | None:
        raise ZeroDivisionError("division by zero")


class _NotMine(_Exploding):
    id = "test.absent"

    def evaluate(self, data: SnmpData, ctx: CheckContext) -> Verdict | None:
        return None


def test_an_exception_is_unknown_and_none_is_no_result() -> None:
    results = evaluate_checks([_Exploding(), _NotMine()], snmp(f"{UPTIME}|67|1"), ctx())
    assert len(results) == 1
    assert results[0].status is Status.UNKNOWN
    assert results[0].summary == "cannot evaluate test.boom: ZeroDivisionError: division by zero"


def test_results_are_stamped() -> None:
    result = must("snmp.uptime", snmp(f"{UPTIME}|67|900000"))
    assert (result.device, result.check, result.observed_at) == ("dev1", "snmp.uptime", NOW)
    assert result.duration_ms >= 0
    assert result.metrics[0].to_dict() == {
        "name": "uptime",
        "item": None,
        "value": 9000,
        "unit": "s",
        "warn": "3600:",
        "crit": None,
    }


# --- thresholds ---------------------------------------------------------------------------


def huawei_board(temperature: int, threshold: int = 57, cpu: int = 30) -> SnmpData:
    return snmp(
        f"{HW_STATE}.5.9|2|{cpu}",
        f"{HW_STATE}.9.9|2|197133632",
        f"{HW_STATE}.11.9|2|{temperature}",
        f"{HW_STATE}.12.9|2|{threshold}",
        f"{ENT_NAME}.9|4|MPU Board 0",
    )


def test_device_temperature_threshold_beats_the_catalog_default() -> None:
    # 60 °C: under the catalog's 65/75, over the board's own alarm limit of 57
    result = must("huawei.temperature", huawei_board(60), ctx("huawei_vrp"))
    assert result.status is Status.CRITICAL
    assert result.summary == "Temperature 60°C (MPU Board 0): crit at 57°C"
    assert (result.metrics[0].warn, result.metrics[0].crit) == (None, 57)


def test_operator_temperature_threshold_beats_the_device() -> None:
    layers = [("device dev1", {"temperature": {"warn": 62, "crit": 70}})]
    result = must("huawei.temperature", huawei_board(60), ctx("huawei_vrp", layers))
    assert result.status is Status.OK
    result = must("huawei.temperature", huawei_board(64), ctx("huawei_vrp", layers))
    assert result.status is Status.WARNING
    assert (result.metrics[0].warn, result.metrics[0].crit) == (62, 70)


def test_catalog_default_when_the_device_has_no_limit() -> None:
    result = must("huawei.temperature", huawei_board(70, threshold=0), ctx("huawei_vrp"))
    assert result.status is Status.WARNING  # 65/75 from CATALOG_DEFAULTS
    result = must("huawei.temperature", huawei_board(70, threshold=0), CheckContext("d", "x"))
    assert result.status is Status.WARNING  # a context without inventory thresholds too


def test_cpu_threshold_override() -> None:
    assert must("huawei.cpu", huawei_board(40, cpu=85), ctx("huawei_vrp")).status is (
        Status.WARNING
    )
    layers = [("customer fz", {"cpu.usage": {"warn": 90, "crit": 98}})]
    result = must("huawei.cpu", huawei_board(40, cpu=85), ctx("huawei_vrp", layers))
    assert result.status is Status.OK
    result = must("huawei.cpu", huawei_board(40, cpu=99), ctx("huawei_vrp", layers))
    assert result.summary == "CPU 99% (MPU Board 0): crit at 98%"


def test_imm_temperature_over_its_critical_limit() -> None:
    table = f"{IMM}.1.2.1"
    data = snmp(
        f"{table}.2.1|4|Ambient Temp",
        f"{table}.3.1|4|49",
        f"{table}.6.1|4|47",
        f"{table}.7.1|4|43",
        f"{table}.9.1|4|N/A",
        f"{table}.10.1|4|N/A",
        f"{table}.2.2|4|CPU 2 Temp",
        f"{table}.3.2|4|N/A",  # empty socket: no reading, no finding
    )
    result = must("imm.temperature", data, ctx("ibm_imm"))
    assert result.status is Status.CRITICAL
    assert result.summary == "Temperature 49°C (Ambient Temp): crit at 47°C"
    assert [i.item for i in result.items] == ["Ambient Temp"]


# --- IMM fans and health ---------------------------------------------------------------------


def test_imm_fan_offline_and_health_alerts() -> None:
    fans = f"{IMM}.3.2.1"
    data = snmp(
        f"{fans}.2.1|4|Fan 1",
        f"{fans}.3.1|4| 45% of maximum",
        f"{fans}.2.2|4|Fan 2",
        f"{fans}.3.2|4|Offline",
    )
    result = must("imm.fans", data, ctx("ibm_imm"))
    assert result.summary == "1 of 2 fans failed: Fan 2 (offline)"
    assert result.level == 2
    assert [(m.item, m.value) for m in result.metrics] == [("Fan 1", 45)]
    data = snmp(
        f"{IMM}.4.1.0|2|2",
        f"{IMM}.4.2.1.2.1|4|Critical",
        f"{IMM}.4.2.1.3.1|4|Fan 2 Failure",
    )
    result = must("imm.health", data, ctx("ibm_imm"))
    assert result.status is Status.CRITICAL
    assert result.summary == "system health critical: Fan 2 Failure (Critical)"
    assert [(i.item, i.status) for i in result.items] == [("Fan 2 Failure", Status.CRITICAL)]
    assert must("imm.health", snmp(f"{IMM}.4.1.0|2|7"), ctx("ibm_imm")).status is (Status.UNKNOWN)


# --- interfaces ----------------------------------------------------------------------------


def interfaces(*rows: tuple[int, str, int, int, int]) -> list[str]:
    """(ifIndex, name, ifType, admin, oper) rows of ifTable + ifXTable."""
    lines = []
    for index, name, if_type, admin, oper in rows:
        lines += [
            f"{IF}.2.{index}|4|{name}",
            f"{IF}.3.{index}|2|{if_type}",
            f"{IF}.7.{index}|2|{admin}",
            f"{IF}.8.{index}|2|{oper}",
            f"{IFX}.1.{index}|4|{name}",
            f"{IFX}.15.{index}|66|1000",
        ]
    return lines


def test_admin_up_oper_down_is_critical_and_the_rest_is_ignored() -> None:
    data = snmp(
        *interfaces(
            (1, "Gi0/1", 6, 1, 1),
            (2, "Gi0/2", 6, 1, 2),  # admin up, down: the finding
            (3, "Gi0/3", 6, 2, 2),  # shut on purpose
            (4, "Lo0", 24, 1, 2),  # loopback
            (5, "Vlan10", 53, 1, 7),  # SVI follows its VLAN
            (6, "Gi0/4", 6, 1, 7),
        ),
        f"{IFX}.18.2|4|uplink to core-01",
        f"{IFX}.18.6|4|teller 4",
    )
    result = must("snmp.interfaces", data)
    assert result.status is Status.CRITICAL
    assert result.summary == ("2 of 3 interfaces not up: Gi0/2 (down), Gi0/4 (lowerLayerDown)")
    assert [(i.item, i.status, i.detail) for i in result.items] == [
        ("Gi0/1", Status.OK, "up"),
        ("Gi0/2", Status.CRITICAL, "down (uplink to core-01)"),
        ("Gi0/4", Status.CRITICAL, "lowerLayerDown (teller 4)"),
    ]


def counters(index: int, octets_in: int, octets_out: int, errors: int, bits: int = 64) -> list:
    tag = 70 if bits == 64 else 65
    cols = (6, 10) if bits == 64 else (10, 16)
    table = IFX if bits == 64 else IF
    return [
        f"{table}.{cols[0]}.{index}|{tag}|{octets_in}",
        f"{table}.{cols[1]}.{index}|{tag}|{octets_out}",
        f"{IF}.14.{index}|65|{errors}",
        f"{IF}.20.{index}|65|0",
    ]


def test_rates_need_a_previous_sample() -> None:
    base = interfaces((1, "Gi0/1", 6, 1, 1))
    data = snmp(*base, *counters(1, 10_000, 0, 0), f"{UPTIME}|67|100000")
    assert [m.name for m in must("snmp.interfaces", data).metrics] == []
    previous = snmp(*counters(1, 0, 0, 0), f"{UPTIME}|67|70000")
    context = ctx(previous=previous, previous_at=NOW - timedelta(seconds=300))
    result = must("snmp.interfaces", data, context)
    metrics = {m.name: m.value for m in result.metrics}
    # 10 000 octets in 300 s over 1 Gbit/s
    assert metrics["interface.utilization"] == pytest.approx(10_000 * 8 / 300 / 1e9 * 100, abs=1e-3)
    assert metrics["interface.errors"] == 0


def test_error_rate_and_utilisation_thresholds() -> None:
    base = interfaces((1, "Gi0/1", 6, 1, 1))
    previous = snmp(*counters(1, 0, 0, 100), f"{UPTIME}|67|70000")
    # 9.7 Gbit... no: 36 GB in 300 s = 960 Mbit/s on a 1 Gbit/s port, and 12 errors/s
    data = snmp(*base, *counters(1, 36_000_000_000, 0, 100 + 3600), f"{UPTIME}|67|100000")
    context = ctx(previous=previous, previous_at=NOW - timedelta(seconds=300))
    result = must("snmp.interfaces", data, context)
    assert result.status is Status.CRITICAL
    assert result.summary == ("1 interface up; errors 12/s on Gi0/1; utilisation 96% on Gi0/1")
    assert result.items[0].detail == (
        "up, errors 12/s (crit at 10/s), utilisation 96% (crit at 95%)"
    )


def test_counter32_wrap_is_a_wrap_and_a_64_bit_decrease_a_reset() -> None:
    base = interfaces((1, "Gi0/1", 6, 1, 1))
    previous = snmp(*counters(1, WRAP - 1000, 0, 0, bits=32), f"{UPTIME}|67|70000")
    data = snmp(*base, *counters(1, 9000, 0, 0, bits=32), f"{UPTIME}|67|100000")
    context = ctx(previous=previous, previous_at=NOW - timedelta(seconds=300))
    util = [m for m in must("snmp.interfaces", data, context).metrics if m.name.endswith("ion")]
    assert util[0].value == pytest.approx(10_000 * 8 / 300 / 1e9 * 100, abs=1e-3)
    # a 64-bit counter that went down was reset (cleared): no rate this time, no alarm
    previous = snmp(*counters(1, 5_000_000, 0, 0), f"{UPTIME}|67|70000")
    data = snmp(*base, *counters(1, 1000, 0, 0), f"{UPTIME}|67|100000")
    context = ctx(previous=previous, previous_at=NOW - timedelta(seconds=300))
    result = must("snmp.interfaces", data, context)
    assert [m.name for m in result.metrics] == ["interface.errors"]
    assert result.status is Status.OK


def test_no_rates_across_a_reboot() -> None:
    base = interfaces((1, "Gi0/1", 6, 1, 1))
    previous = snmp(*counters(1, 9_000_000, 0, 50), f"{UPTIME}|67|9000000")
    data = snmp(*base, *counters(1, 1000, 0, 0), f"{UPTIME}|67|20000")
    context = ctx(previous=previous, previous_at=NOW - timedelta(seconds=300))
    assert must("snmp.interfaces", data, context).metrics == []


# --- uptime and reboots --------------------------------------------------------------------


def test_recent_reboot_warns() -> None:
    result = must("snmp.uptime", snmp(f"{UPTIME}|67|72000"))  # 12 minutes
    assert (result.status, result.summary) == (Status.WARNING, "rebooted 12 min ago")
    result = must("snmp.uptime", snmp(f"{UPTIME}|67|1763518200"))
    assert (result.status, result.summary) == (Status.OK, "up 204 d 2 h")
    layers = [("defaults", {"uptime": {"warn": "600:"}})]
    assert must("snmp.uptime", snmp(f"{UPTIME}|67|72000"), ctx(layers=layers)).status is (Status.OK)


def test_reboot_since_the_previous_poll() -> None:
    previous = snmp(f"{UPTIME}|67|900000000")
    context = ctx(previous=previous, previous_at=NOW - timedelta(hours=3))
    result = must("snmp.uptime", snmp(f"{UPTIME}|67|720000"), context)  # 2 h up, was 104 d
    assert result.status is Status.WARNING
    assert result.summary == "rebooted 2 h 0 min ago (since the previous poll)"


def test_sysuptime_wrap_at_497_days_is_not_a_reboot() -> None:
    previous = snmp(f"{UPTIME}|67|{WRAP - 30000}")  # 5 minutes before the wrap
    context = ctx(previous=previous, previous_at=NOW - timedelta(minutes=10))
    result = must("snmp.uptime", snmp(f"{UPTIME}|67|30000"), context)
    assert result.status is Status.OK
    assert result.summary.endswith("(sysUpTime wrapped at 497 days)")
    assert result.metrics[0].value == pytest.approx((WRAP + 30000) / 100)


def test_wrap_told_by_snmp_engine_time_without_a_previous_sample() -> None:
    data = snmp(f"{UPTIME}|67|30000", f"1.3.6.1.6.3.10.2.1.3.0|2|{int(WRAP / 100) + 300}")
    result = must("snmp.uptime", data)
    assert result.status is Status.OK
    assert result.summary.endswith("(sysUpTime wrapped at 497 days)")


@pytest.mark.parametrize(
    ("previous", "current", "elapsed", "expected"),
    [
        (100_000, 130_000, 300, (False, False)),
        (100_000, 5_000, 300, (True, False)),
        (100_000, 50_000_000, 300, (False, False)),  # clocks may disagree upwards
        (1_000_000, 1_020_000, 86400, (True, False)),  # rebooted and ran longer than before
        (WRAP - 100, 29_900, 300, (False, True)),
        (WRAP - 100, 100, None, (False, True)),  # no time known: near the wrap means a wrap
        (5_000_000, 100, None, (True, False)),
    ],
)
def test_reboot_between(
    previous: int, current: int, elapsed: float | None, expected: tuple
) -> None:
    assert reboot_between(previous, current, elapsed) == expected


# --- other platforms ----------------------------------------------------------------------


def test_linux_host_resources() -> None:
    storage = "1.3.6.1.2.1.25.2.3.1"
    types = "1.3.6.1.2.1.25.2.1"
    data = snmp(
        f"{storage}.2.1|6|{types}.2",
        f"{storage}.3.1|4|Physical memory",
        f"{storage}.4.1|2|1024",
        f"{storage}.5.1|2|8000000",
        f"{storage}.6.1|2|7000000",
        f"{storage}.2.6|6|{types}.1",
        f"{storage}.3.6|4|Memory buffers",
        f"{storage}.4.6|2|1024",
        f"{storage}.5.6|2|8000000",
        f"{storage}.6.6|2|1000000",
        f"{storage}.2.7|6|{types}.1",
        f"{storage}.3.7|4|Cached memory",
        f"{storage}.4.7|2|1024",
        f"{storage}.5.7|2|3000000",
        f"{storage}.6.7|2|3000000",
        f"{storage}.2.31|6|{types}.4",
        f"{storage}.3.31|4|/",
        f"{storage}.4.31|2|4096",
        f"{storage}.5.31|2|1000000",
        f"{storage}.6.31|2|960000",
        f"{storage}.2.32|6|{types}.4",
        f"{storage}.3.32|4|/mnt/empty",
        f"{storage}.4.32|2|4096",
        f"{storage}.5.32|2|0",
        f"{storage}.6.32|2|0",
        "1.3.6.1.2.1.25.3.3.1.2.196608|2|30",
        "1.3.6.1.2.1.25.3.3.1.2.196609|2|50",
    )
    memory = must("host.memory", data, ctx("linux"))
    assert memory.status is Status.OK  # 37.5% without buffers and cache, not 87.5%
    assert memory.summary == "Memory 37.5% (2.9 GiB of 7.6 GiB, without 3.8 GiB buffers/cache)"
    storage_result = must("host.storage", data, ctx("linux"))
    assert storage_result.status is Status.CRITICAL
    assert storage_result.summary == "Storage 96% (/): crit at 95%"
    assert [i.item for i in storage_result.items] == ["/"]
    cpu = must("host.cpu", data, ctx("linux"))
    assert cpu.summary == "CPU 40% (average of 2 processors)"
    assert [(m.item, m.value) for m in cpu.metrics] == [(None, 40), ("CPU 1", 30), ("CPU 2", 50)]


def test_entity_sensor_temperatures() -> None:
    sensor = "1.3.6.1.2.1.99.1.1.1"
    data = snmp(
        f"{ENT_NAME}.10|4|Inlet",
        f"{ENT_NAME}.11|4|PSU 1 Voltage",
        f"{sensor}.1.10|2|8",
        f"{sensor}.2.10|2|9",
        f"{sensor}.3.10|2|1",
        f"{sensor}.4.10|2|345",
        f"{sensor}.5.10|2|1",
        f"{sensor}.1.11|2|4",  # voltsDC: not a temperature
        f"{sensor}.4.11|2|12",
    )
    result = must("snmp.temperature", data, ctx("linux"))
    assert result.summary == "Temperature 34.5°C (Inlet)"
    assert load_catalog().get("snmp.temperature").applies_to("cisco_nxos") is False


# --- the catalog ---------------------------------------------------------------------------


def test_catalog_ids_and_platforms() -> None:
    catalog = load_catalog()
    assert load_catalog() is catalog  # cached
    assert set(catalog.ids) == {
        "snmp.uptime",
        "snmp.interfaces",
        "snmp.temperature",
        "cisco.cpu",
        "cisco.memory",
        "cisco.temperature",
        "cisco.fans",
        "cisco.power",
        "huawei.cpu",
        "huawei.memory",
        "huawei.temperature",
        "huawei.fans",
        "huawei.power",
        "imm.temperature",
        "imm.fans",
        "imm.voltage",
        "imm.health",
        "host.cpu",
        "host.memory",
        "host.storage",
    }
    assert [c.id for c in catalog.for_platform("huawei_vrpv8")][:2] == [
        "snmp.uptime",
        "snmp.interfaces",
    ]
    assert all(c.title for c in catalog)
    assert {c.id for c in catalog if c.level is not None} == {
        "cisco.fans",
        "cisco.power",
        "huawei.fans",
        "huawei.power",
        "imm.fans",
    }
    with pytest.raises(KeyError, match=r"unknown check 'cisco\.cpus'"):
        catalog.get("cisco.cpus")


GOOD = """
checks:
  - id: test.cpu
    title: CPU
    kind: sensor
    platforms: [cisco]
    metric: cpu.usage
    sources:
      - table: 1.3.6.1.4.1.9.9.109.1.1.1.1
        value: 8
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            GOOD.replace("value: 8", "value: 8\n        valu: 9"),
            "bad.yaml:11: checks[test.cpu].sources[0].valu: unknown key",
        ),
        (GOOD.replace("kind: sensor", "kind: gauge"), "kind: 'gauge' is not one of"),
        (GOOD.replace("[cisco]", "[juniper]"), "unknown platform 'juniper'"),
        (GOOD.replace("cpu.usage", "cpu.load"), "'cpu.load' is not a canonical metric name"),
        (GOOD.replace("1.3.6.1.4.1.9.9.109.1.1.1.1", "cpmCPUTotalEntry"), "not a numeric OID"),
        (GOOD.replace("    title: CPU\n", ""), "missing field 'title'"),
        (GOOD.replace("    title: CPU\n", "    title: CPU\n    title: again\n"), "duplicate key"),
        (GOOD + "  - {id: x\n", "not valid YAML"),
        (GOOD.replace("checks:", "checkz:"), "expected a mapping with a 'checks' list"),
    ],
)
def test_catalog_rejects_bad_declarations_naming_the_file(
    tmp_path: Path, text: str, message: str
) -> None:
    (tmp_path / "bad.yaml").write_text(text)
    with pytest.raises(CatalogError, match=r"bad\.yaml") as caught:
        read_catalog(tmp_path, with_code_checks=False)
    assert message in str(caught.value)


def test_catalog_rejects_duplicate_ids(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "b.yaml").write_text(GOOD)
    with pytest.raises(CatalogError, match=r"duplicate check id 'test\.cpu'"):
        read_catalog(tmp_path, with_code_checks=False)


def test_a_good_declaration_loads(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(GOOD)
    catalog = read_catalog(tmp_path, with_code_checks=False)
    assert catalog.ids == ("test.cpu",)
    check = catalog.get("test.cpu")
    assert check.plan().walks == ("1.3.6.1.4.1.9.9.109.1.1.1.1.8",)
    result = evaluate_checks([check], snmp(f"{CPM}.8.1|66|12"), ctx())
    assert result[0].summary == "CPU 12% (1)"


def test_nxos_memory_from_the_cpu_table() -> None:
    data = snmp(
        f"{ENT_NAME}.22|4|Module-1",
        f"{CPM}.2.1|2|22",
        f"{CPM}.8.1|66|7",
        f"{CPM}.17.1|70|12000000",
        f"{CPM}.19.1|70|4000000",
    )
    result = must("cisco.memory", data, ctx("cisco_nxos"))
    assert result.summary == "Memory 75% (Module-1)"
    assert {m.name: m.value for m in result.metrics}["memory.total"] == 16_000_000 * 1024
    # a CPU row without memory columns is not a memory pool
    assert run("cisco.memory", snmp(f"{CPM}.2.1|2|0", f"{CPM}.8.1|66|7")) is None


def test_ibm_imm_voltages_are_millivolts_xcc_volts() -> None:
    ibm = "1.3.6.1.4.1.2.3.51.3.1.2.2.1"
    data = snmp(
        f"{ibm}.2.1|4|Planar 3.3V",
        f"{ibm}.3.1|2|3312",
        f"{ibm}.6.1|2|3630",
        f"{ibm}.9.1|2|2970",
        f"{ibm}.7.1|2|0",  # 0: no such limit
    )
    result = must("imm.voltage", data, ctx("ibm_imm"))
    assert result.summary == "1 voltage OK"
    assert (result.metrics[0].value, result.metrics[0].crit) == (3.312, "2.97:3.63")
    data = snmp(f"{ibm}.2.1|4|Planar 3.3V", f"{ibm}.3.1|2|2800", f"{ibm}.9.1|2|2970")
    result = must("imm.voltage", data, ctx("ibm_imm"))
    assert result.summary == "Voltage 2.8 V (Planar 3.3V): crit below 2.97 V"


def test_undescribed_ports_down_are_not_judged_unless_they_were_up() -> None:
    """An access switch leaves unused ports admin up: only documented ports, or ports that
    were up at the last poll, are findings when down."""
    rows = interfaces((1, "Gi0/1", 6, 1, 1), (2, "Gi0/2", 6, 1, 2), (3, "Gi0/3", 6, 1, 2))
    data = snmp(*rows, f"{IFX}.18.3|4|ATM-02 lobby")
    result = must("snmp.interfaces", data)
    assert result.status is Status.CRITICAL
    assert result.summary == (
        "1 of 3 interfaces not up: Gi0/3 (down); 1 undescribed port down, not judged"
    )
    assert [(i.item, i.status) for i in result.items] == [
        ("Gi0/1", Status.OK),
        ("Gi0/2", Status.OK),
        ("Gi0/3", Status.CRITICAL),
    ]
    quiet = must("snmp.interfaces", snmp(*rows[:12]))
    assert quiet.status is Status.OK
    assert quiet.summary == "1 interface up; 1 undescribed port down, not judged"
    previous = snmp(f"{IF}.8.2|2|1")
    context = ctx(previous=previous, previous_at=NOW - timedelta(seconds=300))
    went_down = must("snmp.interfaces", snmp(*rows[:12]), context)
    assert went_down.status is Status.CRITICAL
    assert [i.item for i in went_down.items if i.status is Status.CRITICAL] == ["Gi0/2"]
