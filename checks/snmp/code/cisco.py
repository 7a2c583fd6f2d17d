"""Cisco checks that need logic: temperatures (with per-sensor thresholds from a second table)
and fans (ENVMON or FRU states, plus fan speed sensors).

cisco.temperature
    CISCO-ENTITY-SENSOR-MIB sensors of type celsius(8), scaled by entSensorScale/Precision,
    judged against the device's own thresholds (entSensorThresholdTable: greater-than relations
    give the high limits, less-than the low ones; severity critical/major -> crit, minor/other
    -> warn). Where the device has no such sensors (older IOS), CISCO-ENVMON-MIB's temperature
    table: value, the shutdown threshold as crit, and the state the device reports.
cisco.fans
    CISCO-ENVMON-MIB fan states, or cefcFanTrayOperStatus where ENVMON is absent (NX-OS,
    IOS-XE); notPresent is counted, not judged. Fan speed sensors (CISCO-ENTITY-SENSOR-MIB rpm)
    are reported as `fan.speed` and, on devices that give no fan state at all (ISR 4000), are
    the fans' items. One failed fan is level 2, all failed level 1.
"""

from __future__ import annotations

from checks.check import CheckContext, Verdict
from checks.metrics import FAN_SPEED, TEMPERATURE
from checks.platforms import FAMILIES
from checks.result import Metric
from checks.snmp.common import (
    ENT_PHYSICAL_NAME,
    Problem,
    Reading,
    Row,
    SnmpCheckBase,
    StateReading,
    column_walks,
    device_limit,
    device_threshold,
    entity_names,
    fmt_num,
    metric,
    number_at,
    pick_threshold,
    read_table,
    sensor_verdict,
    state_verdict,
    unique_names,
)
from checks.snmp.declared import NameSpec, Source, StateMap, state_readings
from checks.snmpdata import SnmpData, SnmpPlan
from checks.status import Status

CISCO = FAMILIES["cisco"]

# CISCO-ENTITY-SENSOR-MIB
ENT_SENSOR = "1.3.6.1.4.1.9.9.91.1.1.1.1"  # entSensorValueEntry, index entPhysicalIndex
SENSOR_TYPE, SENSOR_SCALE, SENSOR_PRECISION, SENSOR_VALUE, SENSOR_STATUS = 1, 2, 3, 4, 5
SENSOR_COLUMNS = (SENSOR_TYPE, SENSOR_SCALE, SENSOR_PRECISION, SENSOR_VALUE, SENSOR_STATUS)
ENT_THRESHOLD = "1.3.6.1.4.1.9.9.91.1.2.1.1"  # entSensorThresholdEntry, index sensor.threshold
THRESHOLD_SEVERITY, THRESHOLD_RELATION, THRESHOLD_VALUE = 2, 3, 4
CELSIUS, RPM = 8, 10
SENSOR_STATES = {
    1: (Status.OK, "ok"),
    2: (Status.UNKNOWN, "unavailable"),
    3: (Status.WARNING, "nonoperational"),
}
LESS, GREATER = {1, 2}, {3, 4}  # lessThan, lessOrEqual / greaterThan, greaterOrEqual
SEVERE = {20, 30}  # major, critical; minor(10) and other(1) are warnings

# CISCO-ENVMON-MIB
ENVMON_TEMP = "1.3.6.1.4.1.9.9.13.1.3.1"  # ciscoEnvMonTemperatureStatusEntry
TEMP_DESCR, TEMP_VALUE, TEMP_THRESHOLD, TEMP_STATE = 2, 3, 4, 6
ENVMON_STATES = {
    1: (Status.OK, "normal"),
    2: (Status.WARNING, "warning"),
    3: (Status.CRITICAL, "critical"),
    4: (Status.CRITICAL, "shutdown"),
    6: (Status.WARNING, "notFunctioning"),
}
ENVMON_NOT_PRESENT = 5

ENVMON_FANS = Source(
    table="1.3.6.1.4.1.9.9.13.1.4.1",  # ciscoEnvMonFanStatusEntry
    name=NameSpec(column=2),  # ciscoEnvMonFanStatusDescr
    state=StateMap(
        column=3,  # ciscoEnvMonFanState
        states={
            1: ("OK", "normal"),
            2: ("WARNING", "warning"),
            3: ("CRITICAL", "critical"),
            4: ("CRITICAL", "shutdown"),
            5: ("ABSENT", "notPresent"),
            6: ("CRITICAL", "notFunctioning"),
        },
    ),
)
FRU_FAN_TRAYS = Source(
    table="1.3.6.1.4.1.9.9.117.1.4.1.1",  # cefcFanTrayStatusEntry, index entPhysicalIndex
    name=NameSpec(entity=True, fallback="fan tray {index}"),
    state=StateMap(
        column=1,  # cefcFanTrayOperStatus
        states={
            1: ("UNKNOWN", "unknown"),
            2: ("OK", "up"),
            3: ("CRITICAL", "down"),
            4: ("WARNING", "warning"),
        },
    ),
)


def _sensor_rows(data: SnmpData, sensor_type: int) -> list[Row]:
    rows = read_table(data, ENT_SENSOR, SENSOR_COLUMNS)
    return [r for r in rows if r.number(SENSOR_TYPE) == sensor_type]


def _scale(row: Row) -> float:
    scale = row.number(SENSOR_SCALE)
    precision = row.number(SENSOR_PRECISION)
    exponent = 3 * (int(scale) - 9) if scale is not None else 0
    return 10.0**exponent / 10.0 ** int(precision or 0)


def _sensor_value(row: Row) -> float | Problem:
    value = number_at(row, SENSOR_VALUE)
    return value if isinstance(value, Problem) else float(value) * _scale(row)


def _sensor_state(row: Row) -> tuple[Status, str] | None:
    status = row.number(SENSOR_STATUS)
    if status is None:
        return None  # not reported (some agents and trimmed recordings leave it out)
    return SENSOR_STATES.get(int(status), (Status.UNKNOWN, f"status {int(status)}"))


def _sensor_limits(data: SnmpData, rows: list[Row]) -> dict[str, dict[str, float | None]]:
    """Per sensor index: its warn/crit high/low limits from entSensorThresholdTable."""
    scale = {row.index: _scale(row) for row in rows}
    limits: dict[str, dict[str, list[float]]] = {}
    for trow in read_table(
        data, ENT_THRESHOLD, (THRESHOLD_SEVERITY, THRESHOLD_RELATION, THRESHOLD_VALUE)
    ):
        sensor = trow.index.split(".", 1)[0]
        if sensor not in scale:
            continue
        severity = trow.number(THRESHOLD_SEVERITY)
        relation = trow.number(THRESHOLD_RELATION)
        value = trow.number(THRESHOLD_VALUE)
        if severity is None or relation is None or value is None:
            continue
        level = "crit" if severity in SEVERE else "warn"
        if relation in GREATER:
            key = level
        elif relation in LESS:
            key = f"{level}_low"
        else:
            continue  # equalTo / notEqualTo: not a limit
        limits.setdefault(sensor, {}).setdefault(key, []).append(float(value) * scale[sensor])
    out: dict[str, dict[str, float | None]] = {}
    for sensor, found in limits.items():
        # the first limit crossed counts: lowest of the high limits, highest of the low ones
        out[sensor] = {
            key: device_limit(min(values) if not key.endswith("_low") else max(values))
            for key, values in found.items()
        }
    return out


class CiscoTemperatureCheck(SnmpCheckBase):
    id = "cisco.temperature"
    title = "Temperatures"
    platforms = CISCO

    def plan(self) -> SnmpPlan:
        return SnmpPlan.of(
            walks=[
                *column_walks(ENT_SENSOR, SENSOR_COLUMNS),
                *column_walks(
                    ENT_THRESHOLD, (THRESHOLD_SEVERITY, THRESHOLD_RELATION, THRESHOLD_VALUE)
                ),
                ENT_PHYSICAL_NAME,
                *column_walks(ENVMON_TEMP, (TEMP_DESCR, TEMP_VALUE, TEMP_THRESHOLD, TEMP_STATE)),
            ]
        )

    def evaluate(self, data: SnmpData, ctx: CheckContext) -> Verdict | None:
        readings = self._entity_sensors(data, ctx) or self._envmon(data, ctx)
        return sensor_verdict(
            readings,
            metric_name=TEMPERATURE,
            label="Temperature",
            noun=("sensor", "sensors"),
        )

    def _entity_sensors(self, data: SnmpData, ctx: CheckContext) -> list[Reading]:
        rows = _sensor_rows(data, CELSIUS)
        if not rows:
            return []
        names = entity_names(data)
        limits = _sensor_limits(data, rows)
        labels = unique_names([names.get(r.index, "").strip() or f"sensor {r.index}" for r in rows])
        readings = []
        for row, name in zip(rows, labels, strict=True):
            readings.append(
                _temperature(ctx, name, _sensor_value(row), row.oid(SENSOR_VALUE),
                             device_threshold(**limits.get(row.index, {})), _sensor_state(row))
            )  # fmt: skip
        return readings

    def _envmon(self, data: SnmpData, ctx: CheckContext) -> list[Reading]:
        rows = read_table(data, ENVMON_TEMP, (TEMP_DESCR, TEMP_VALUE, TEMP_THRESHOLD, TEMP_STATE))
        rows = [r for r in rows if r.number(TEMP_STATE) != ENVMON_NOT_PRESENT]
        labels = unique_names([r.text(TEMP_DESCR).strip() or f"sensor {r.index}" for r in rows])
        readings = []
        for row, name in zip(rows, labels, strict=True):
            state_value = row.number(TEMP_STATE)
            state = None
            if state_value is not None:
                state = ENVMON_STATES.get(
                    int(state_value), (Status.UNKNOWN, f"state {int(state_value)}")
                )
            value = number_at(row, TEMP_VALUE)
            crit = device_limit(row.number(TEMP_THRESHOLD))
            readings.append(
                _temperature(ctx, name, value if isinstance(value, Problem) else float(value),
                             row.oid(TEMP_VALUE), device_threshold(crit=crit), state)
            )  # fmt: skip
        return readings


def _temperature(
    ctx: CheckContext,
    name: str,
    value: float | Problem,
    oid: str,
    device: object,
    state: tuple[Status, str] | None,
) -> Reading:
    reading = Reading(item=name, state=state)
    if isinstance(value, Problem):
        reading.problem = value.reason
        return reading
    if not -100 <= value <= 200:
        reading.problem = f"{oid}: {fmt_num(value)} is not a plausible temperature reading"
        return reading
    reading.value = value
    reading.threshold = pick_threshold(ctx, TEMPERATURE, device=device)  # type: ignore[arg-type]
    return reading


class CiscoFansCheck(SnmpCheckBase):
    id = "cisco.fans"
    title = "Fans"
    platforms = CISCO
    level = 2
    level_all_failed = 1

    def plan(self) -> SnmpPlan:
        return SnmpPlan.of(
            walks=[
                *ENVMON_FANS.walks(),
                *FRU_FAN_TRAYS.walks(),
                *column_walks(ENT_SENSOR, SENSOR_COLUMNS),
                ENT_PHYSICAL_NAME,
            ]
        )

    def evaluate(self, data: SnmpData, ctx: CheckContext) -> Verdict | None:
        readings: list[StateReading] = []
        for source in (ENVMON_FANS, FRU_FAN_TRAYS):
            rows = source.rows(data)
            if rows:
                readings, _ = state_readings(source, data, rows)
                break
        speeds, speed_readings = self._speeds(data, ctx)
        if not readings:
            readings = speed_readings
        return state_verdict(
            readings,
            noun=("fan", "fans"),
            level=self.level,
            level_all_failed=self.level_all_failed,
            metrics=speeds,
        )

    @staticmethod
    def _speeds(data: SnmpData, ctx: CheckContext) -> tuple[list[Metric], list[StateReading]]:
        rows = _sensor_rows(data, RPM)
        if not rows:
            return [], []
        names = entity_names(data)
        labels = unique_names([names.get(r.index, "").strip() or f"fan {r.index}" for r in rows])
        metrics, readings = [], []
        for row, name in zip(rows, labels, strict=True):
            value = _sensor_value(row)
            state = _sensor_state(row) or (Status.OK, "ok")
            if isinstance(value, Problem):
                readings.append(StateReading(name, Status.UNKNOWN, "unreadable", value.reason))
                continue
            threshold = pick_threshold(ctx, FAN_SPEED)
            metrics.append(metric(FAN_SPEED, value, name, threshold))
            status = state[0]
            speed_status = threshold.status(value)
            if speed_status.severity > status.severity:
                status = speed_status
            readings.append(
                StateReading(name, status, state[1], f"{state[1]}, {fmt_num(value)} rpm")
            )
        return metrics, readings
