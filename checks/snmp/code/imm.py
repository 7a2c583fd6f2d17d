"""IBM IMM / Lenovo XCC checks that need logic: fans (a speed string, a health word on XCC only)
and the overall system health with its active alerts.

Both MIBs share one layout (IMM-MIB under 1.3.6.1.4.1.2.3.51.3.1, LENOVO-XCC-MIB under
1.3.6.1.4.1.19046.11.1.1); each check reads it under both bases and uses the one that answers.

imm.fans    fanTable: fanSpeed is a string, "  24% of maximum" or "Offline"; XCC adds
            fanHealthStatus ("Normal", ...), which decides the state where present; otherwise an
            offline fan is failed. The percentage is reported as `fan.duty`. One failed fan is
            level 2, all failed level 1.
imm.health  systemHealthStat (nonRecoverable(0), critical(2), nonCritical(4), normal(255)) and
            the systemHealthSummaryTable's active alerts (severity, description) as items.
"""

from __future__ import annotations

import re

from checks.check import CheckContext, Verdict
from checks.metrics import FAN_DUTY
from checks.result import Item, Metric
from checks.snmp.common import (
    Row,
    SnmpCheckBase,
    StateReading,
    column_walks,
    describe,
    listing,
    metric,
    read_table,
    state_verdict,
    unique_names,
)
from checks.snmpdata import SnmpData, SnmpPlan
from checks.status import Status, worst

IMM_BASES = ("1.3.6.1.4.1.2.3.51.3.1", "1.3.6.1.4.1.19046.11.1.1")
IMM = frozenset({"ibm_imm"})

FAN_TABLE = "3.2.1"  # fanEntry
FAN_DESCR, FAN_SPEED, FAN_HEALTH = 2, 3, 10
FAN_PERCENT = re.compile(r"(\d{1,3})\s*%")
HEALTH_WORDS = {
    "normal": Status.OK,
    "ok": Status.OK,
    "warning": Status.WARNING,
    "non-critical": Status.WARNING,
    "critical": Status.CRITICAL,
    "non-recoverable": Status.CRITICAL,
}

HEALTH_STAT = "4.1.0"  # systemHealthStat
SUMMARY_TABLE = "4.2.1"  # systemHealthSummaryEntry
SUMMARY_SEVERITY, SUMMARY_DESCRIPTION = 2, 3
HEALTH_STATES = {
    255: (Status.OK, "normal"),
    4: (Status.WARNING, "non-critical"),
    2: (Status.CRITICAL, "critical"),
    0: (Status.CRITICAL, "non-recoverable"),
}


class ImmFansCheck(SnmpCheckBase):
    id = "imm.fans"
    title = "Fans"
    platforms = IMM
    level = 2
    level_all_failed = 1

    def plan(self) -> SnmpPlan:
        walks = []
        for base in IMM_BASES:
            walks += column_walks(f"{base}.{FAN_TABLE}", (FAN_DESCR, FAN_SPEED, FAN_HEALTH))
        return SnmpPlan.of(walks=walks)

    def evaluate(self, data: SnmpData, ctx: CheckContext) -> Verdict | None:
        for base in IMM_BASES:
            rows = read_table(data, f"{base}.{FAN_TABLE}", (FAN_DESCR, FAN_SPEED, FAN_HEALTH))
            if rows:
                break
        else:
            return None
        names = unique_names([r.text(FAN_DESCR).strip() or f"fan {r.index}" for r in rows])
        readings: list[StateReading] = []
        metrics: list[Metric] = []
        for row, name in zip(rows, names, strict=True):
            reading, duty = self._fan(row, name)
            readings.append(reading)
            if duty is not None:
                metrics.append(metric(FAN_DUTY, duty, name))
        return state_verdict(
            readings,
            noun=("fan", "fans"),
            level=self.level,
            level_all_failed=self.level_all_failed,
            metrics=metrics,
        )

    @staticmethod
    def _fan(row: Row, name: str) -> tuple[StateReading, float | None]:
        speed_raw = row.raw(FAN_SPEED)
        speed_text = row.text(FAN_SPEED).strip()
        found = FAN_PERCENT.search(speed_text)
        duty = float(found.group(1)) if found else None
        if duty is not None and duty > 100:
            duty = None  # more than the maximum: not a reading we can use
        health = row.text(FAN_HEALTH).strip()
        if health:
            status = HEALTH_WORDS.get(health.lower(), Status.UNKNOWN)
            word = health.lower() if status is not Status.UNKNOWN else f"health {health!r}"
        elif speed_text.lower() == "offline":
            status, word = Status.CRITICAL, "offline"
        elif duty is not None:
            status, word = Status.OK, "running"
        else:
            reason = describe(speed_raw) if speed_raw is not None else "no value"
            detail = f"{row.oid(FAN_SPEED)} (fanSpeed): cannot read {reason}"
            return StateReading(name, Status.UNKNOWN, "unreadable", detail), None
        detail = word if duty is None else f"{word}, {int(duty)}% of maximum"
        return StateReading(name, status, word, detail), duty


class ImmHealthCheck(SnmpCheckBase):
    id = "imm.health"
    title = "System health"
    platforms = IMM

    def plan(self) -> SnmpPlan:
        gets = [f"{base}.{HEALTH_STAT}" for base in IMM_BASES]
        walks = []
        for base in IMM_BASES:
            walks += column_walks(
                f"{base}.{SUMMARY_TABLE}", (SUMMARY_SEVERITY, SUMMARY_DESCRIPTION)
            )
        return SnmpPlan.of(gets=gets, walks=walks)

    def evaluate(self, data: SnmpData, ctx: CheckContext) -> Verdict | None:
        for base in IMM_BASES:
            oid = f"{base}.{HEALTH_STAT}"
            raw = data.raw(oid)
            if raw is not None:
                break
        else:
            return None
        if raw.is_exception:
            return Verdict(Status.UNKNOWN, f"{oid} (systemHealthStat): {raw.text()}")
        value = raw.number()
        if value is None or int(value) not in HEALTH_STATES:
            shown = describe(raw) if value is None else str(value)
            return Verdict(Status.UNKNOWN, f"{oid} (systemHealthStat): unexpected value {shown}")
        status, word = HEALTH_STATES[int(value)]
        alerts = read_table(
            data, f"{base}.{SUMMARY_TABLE}", (SUMMARY_SEVERITY, SUMMARY_DESCRIPTION)
        )
        names = unique_names(
            [r.text(SUMMARY_DESCRIPTION).strip() or f"alert {r.index}" for r in alerts]
        )
        items = []
        for row, name in zip(alerts, names, strict=True):
            severity = row.text(SUMMARY_SEVERITY).strip()
            # An active alert is at least a warning, whatever its (free text) severity says.
            item_status = worst(
                (HEALTH_WORDS.get(severity.lower(), Status.WARNING), Status.WARNING)
            )
            items.append(Item(name, item_status, severity or "alert"))
        summary = f"system health {word}"
        if items:
            summary += ": " + listing([f"{i.item} ({i.detail})" for i in items], limit=3)
        if status is Status.CRITICAL and int(value) == 0:
            summary += " (the IMM log must be cleared to recover this state)"
        return Verdict(status, summary, [], items)
