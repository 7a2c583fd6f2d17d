"""Status ranking, Result JSON, thresholds and the snmprec/SnmpData contracts (pure, fast)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from checks.result import Item, Metric, Result
from checks.snmpdata import (
    COUNTER64,
    NO_SUCH_OBJECT,
    OCTET_STRING,
    SnmpData,
    SnmpPlan,
    SnmprecError,
    SnmpValue,
)
from checks.status import Status, worst
from checks.thresholds import Range, Threshold, resolve

FIXTURES = Path(__file__).resolve().parents[1] / ".." / "shared" / "fixtures" / "snmp"


def test_worst_ranks_critical_above_unknown() -> None:
    assert worst([Status.UNKNOWN, Status.CRITICAL, Status.WARNING]) is Status.CRITICAL
    assert worst([Status.OK, Status.UNKNOWN, Status.WARNING]) is Status.UNKNOWN
    assert worst([]) is Status.OK
    assert [s.code for s in Status] == [0, 1, 2, 3]


def test_status_is_not_an_int() -> None:
    with pytest.raises(TypeError):
        _ = Status.CRITICAL < Status.UNKNOWN  # type: ignore[operator]


def test_result_json_roundtrip_is_stable() -> None:
    moment = datetime(2026, 11, 25, 8, 30, tzinfo=UTC)
    result = Result(
        device="fz-hq-core-01",
        check="huawei.fans",
        status=Status.CRITICAL,
        summary="1 of 4 fans failed: FAN 2 (abnormal)",
        metrics=[Metric("fan.speed", 45, "%", item="FAN 1")],
        items=[Item("FAN 2", Status.CRITICAL, "abnormal")],
        observed_at=moment,
        duration_ms=12.5,
        id="2f1c7a58-0f0e-4a53-9d8e-3d1a0d2f6a10",
    )
    data = result.to_dict()
    assert list(data) == (
        [
            "id",
            "device",
            "check",
            "status",
            "summary",
            "observed_at",
            "duration_ms",
            "metrics",
            "items",
        ]
    )
    assert data["observed_at"] == "2026-11-25T08:30:00.000Z"
    assert data["metrics"][0] == {
        "name": "fan.speed", "item": "FAN 1", "value": 45, "unit": "%", "warn": None, "crit": None,
    }  # fmt: skip
    again = Result.from_dict(json.loads(json.dumps(data)))
    assert again.to_dict() == data


@pytest.mark.parametrize(
    ("spec", "value", "alerts"),
    [
        (80, 81, True),
        (80, 80, False),
        (80, -5, False),  # a plain number is an upper bound only
        ("10:", 9, True),
        ("10:", 11, False),
        ("~:50", 51, True),
        ("10:20", 25, True),
        ("10:20", 15, False),
        ("@10:20", 15, True),
        ("@10:20", 25, False),
    ],
)
def test_nagios_ranges(spec: int | str, value: float, alerts: bool) -> None:
    assert Range.parse(spec).alerts(value) is alerts


@pytest.mark.parametrize("bad", ["abc", "20:10", "@", True])
def test_bad_ranges_raise_readable_errors(bad: object) -> None:
    with pytest.raises(ValueError, match=r"threshold|range"):
        Range.parse(bad)  # type: ignore[arg-type]


def test_threshold_inheritance_field_by_field() -> None:
    resolved = resolve(
        [
            ("defaults", {"cpu.usage": {"warn": 70}}),
            ("customer fzbank", {}),
            ("device x", {"cpu.usage": {"crit": 95}}),
        ]
    )
    cpu = resolved.get("cpu.usage")
    assert (cpu.warn_display, cpu.crit_display, cpu.source) == (70, 95, "device x")
    assert cpu.explicit
    assert not resolved.get("temperature").explicit  # catalog default only
    assert Threshold.of(80, 90).status(85) is Status.WARNING
    assert Threshold.of(80, 90).status(95) is Status.CRITICAL


def test_snmprec_parsing_and_errors() -> None:
    text = "1.3.6.1.2.1.1.1.0|4|Huawei S5720\n1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.2011.2.23.291\n"
    text += "1.3.6.1.2.1.2.2.1.6.2|4x|00127962f940\n1.3.6.1.2.1.31.1.1.1.6.1|70|123\n"
    data = SnmpData.from_snmprec("t.snmprec", text)
    assert data.get("1.3.6.1.2.1.1.1.0").text() == "Huawei S5720"
    assert data.get("1.3.6.1.2.1.1.2.0").value == "1.3.6.1.4.1.2011.2.23.291"
    assert data.get("1.3.6.1.2.1.2.2.1.6.2").hex() == "00127962f940"
    assert data.get("1.3.6.1.2.1.31.1.1.1.6.1") == SnmpValue(COUNTER64, 123)
    assert SnmpData.from_snmprec("t", data.to_snmprec()).values == data.values
    with pytest.raises(SnmprecError, match=r"bad\.snmprec:2: expected 'oid\|tag\|value'"):
        SnmpData.from_snmprec("bad.snmprec", "1.3.6.1|2|1\nnonsense\n")
    with pytest.raises(SnmprecError, match=r"x:1: bad OID"):
        SnmpData.from_snmprec("x", "1.3.a|2|1\n")


def test_walk_is_in_oid_order_and_skips_exceptions() -> None:
    data = SnmpData(
        values={
            "1.3.6.1.2.1.2.2.1.2.10": SnmpValue(OCTET_STRING, b"ten"),
            "1.3.6.1.2.1.2.2.1.2.9": SnmpValue(OCTET_STRING, b"nine"),
            "1.3.6.1.2.1.2.2.1.2.100": SnmpValue(NO_SUCH_OBJECT, None),
            "1.3.6.1.2.1.2.2.1.20.1": SnmpValue(OCTET_STRING, b"other column"),
        }
    )
    assert list(data.walk("1.3.6.1.2.1.2.2.1.2")) == ["9", "10"]
    assert data.get("1.3.6.1.2.1.2.2.1.2.100") is None
    assert data.raw("1.3.6.1.2.1.2.2.1.2.100").is_exception


def test_plan_dedups_and_subset_takes_only_what_is_asked() -> None:
    plan = SnmpPlan.of(
        gets=["1.3.6.1.2.1.1.3.0", ".1.3.6.1.2.1.2.2.1.2.1"],
        walks=["1.3.6.1.2.1.2.2.1", "1.3.6.1.2.1.2.2.1.2", "1.3.6.1.2.1.31.1.1.1.18"],
    )
    assert plan.walks == ("1.3.6.1.2.1.2.2.1", "1.3.6.1.2.1.31.1.1.1.18")
    assert plan.gets == ("1.3.6.1.2.1.1.3.0",)
    full = SnmpData.from_snmprec(FIXTURES / "vrp_5720.snmprec")
    part = full.subset(plan)
    assert part.get("1.3.6.1.2.1.1.3.0") is not None
    assert all(plan.covers(oid) for oid in part.values)
    assert len(part.walk("1.3.6.1.2.1.2.2.1.2")) == len(full.walk("1.3.6.1.2.1.2.2.1.2")) > 10


def test_every_fixture_recording_parses_and_roundtrips() -> None:
    for path in sorted(FIXTURES.glob("*.snmprec")):
        data = SnmpData.from_snmprec(path)
        assert len(data) > 100, path
        assert SnmpData.from_snmprec("again", data.to_snmprec()).values == data.values


def test_device_report_status_is_the_worst_and_unknown_when_empty() -> None:
    from checks.report import DeviceInfo, DeviceReport

    ok = Result(device="d", check="a", status=Status.OK, summary="fine")
    warn = Result(device="d", check="b", status=Status.WARNING, summary="hot")
    assert DeviceReport(DeviceInfo("d"), [ok]).status is Status.OK
    assert DeviceReport(DeviceInfo("d"), [ok, warn]).status is Status.WARNING
    assert DeviceReport(DeviceInfo("d"), []).status is Status.UNKNOWN


def test_snmprec_numeric_variation_reads_its_initial_value() -> None:
    line = "1.3.6.1.2.1.1.3.0|67:numeric|rate=100,initial=4242,wrap=1\n"
    assert SnmpData.from_snmprec("t", line).get("1.3.6.1.2.1.1.3.0").value == 4242
