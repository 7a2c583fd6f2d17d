"""Shared machinery of the SNMP checks: the check base class, table rows, readings with their
thresholds, and the Checkmk-style summaries that are part of each check's contract.

Both kinds of check use it: the declared ones (checks/catalog/*.yaml, see declared.py) and the
few written in code where logic is needed (uptime, interfaces, Cisco temperatures, ...).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from checks.check import CheckContext, Verdict
from checks.metrics import UNITS
from checks.platforms import FAMILIES, PLATFORMS
from checks.result import Item, Metric
from checks.snmpdata import (
    COUNTER32,
    COUNTER64,
    GAUGE32,
    INTEGER,
    IP_ADDRESS,
    NULL,
    OBJECT_ID,
    OCTET_STRING,
    OPAQUE,
    TIMETICKS,
    SnmpData,
    SnmpPlan,
    SnmpValue,
    oid_key,
)
from checks.status import Status, worst
from checks.thresholds import CATALOG_DEFAULTS, Range, RawThreshold, Threshold

ENT_PHYSICAL_NAME = "1.3.6.1.2.1.47.1.1.1.1.7"
ENT_PHYSICAL_CLASS = "1.3.6.1.2.1.47.1.1.1.1.5"

TYPE_NAMES = {
    INTEGER: "INTEGER",
    OCTET_STRING: "OCTET STRING",
    NULL: "NULL",
    OBJECT_ID: "OBJECT IDENTIFIER",
    IP_ADDRESS: "IpAddress",
    COUNTER32: "Counter32",
    GAUGE32: "Gauge32",
    TIMETICKS: "TimeTicks",
    OPAQUE: "Opaque",
    COUNTER64: "Counter64",
}

ANY = "any"


class CheckDefinitionError(ValueError):
    """A check declared wrongly (in the catalog YAML or in code)."""


def expand_platforms(names: Iterable[str], where: str) -> frozenset[str]:
    """Platform ids from ids, family names ("cisco", "huawei", "host") or "any" (= empty set)."""
    out: set[str] = set()
    for name in names:
        if name == ANY:
            return frozenset()
        if name in PLATFORMS:
            out.add(name)
        elif name in FAMILIES:
            out |= FAMILIES[name]
        else:
            known = ", ".join([ANY, *sorted(FAMILIES), *PLATFORMS])
            raise CheckDefinitionError(
                f"{where}: unknown platform {name!r} (expected one of {known})"
            )
    return frozenset(out)


class SnmpCheckBase:
    """What every check offers the engine: identity, applicability, plan and evaluation."""

    id: str = ""
    title: str = ""
    # Declared fault level of this check's failure (DESIGN.md fault levels), or None: the
    # policy derives it from status and device criticality.
    level: int | None = None
    platforms: frozenset[str] = frozenset()  # empty: every platform
    exclude: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()  # empty: every role

    def applies_to(self, platform: str) -> bool:
        if platform in self.exclude:
            return False
        return not self.platforms or platform in self.platforms

    def applies(self, platform: str, role: str | None) -> bool:
        return self.applies_to(platform) and (not self.roles or role in self.roles)

    def plan(self) -> SnmpPlan:
        raise NotImplementedError

    def evaluate(self, data: SnmpData, ctx: CheckContext) -> Verdict | None:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id}>"


# --- table rows ---------------------------------------------------------------------------------


@dataclass
class Row:
    """One row of a table: its index (the OID suffix after the column) and its cells.

    Cells keep exception values (noSuchInstance) so a check can say which OID was missing."""

    base: str  # the table entry OID, e.g. 1.3.6.1.4.1.9.9.13.1.4.1
    index: str
    cells: dict[int, SnmpValue] = field(default_factory=dict)

    def oid(self, column: int) -> str:
        return f"{self.base}.{column}.{self.index}"

    def raw(self, column: int) -> SnmpValue | None:
        return self.cells.get(column)

    def text(self, column: int) -> str:
        value = self.cells.get(column)
        return "" if value is None or value.is_exception else value.text()

    def number(self, column: int) -> int | float | None:
        value = self.cells.get(column)
        return None if value is None or value.is_exception else value.number()

    @property
    def index_parts(self) -> list[str]:
        return self.index.split(".")


def read_table(data: SnmpData, base: str, columns: Iterable[int]) -> list[Row]:
    """The rows of table entry `base` over `columns`, in index order; a row exists when any of
    its cells holds a value."""
    cols = sorted(set(columns))
    rows: dict[str, Row] = {}
    for col in cols:
        for index, value in data.walk(f"{base}.{col}").items():
            if index:
                rows.setdefault(index, Row(base, index)).cells[col] = value
    for row in rows.values():
        for col in cols:
            if col not in row.cells:
                raw = data.raw(row.oid(col))
                if raw is not None:
                    row.cells[col] = raw
    return [rows[i] for i in sorted(rows, key=oid_key)]


def column_walks(base: str, columns: Iterable[int]) -> list[str]:
    return [f"{base}.{col}" for col in sorted(set(columns))]


def entity_names(data: SnmpData) -> dict[str, str]:
    return {index: value.text() for index, value in data.walk(ENT_PHYSICAL_NAME).items()}


def entity_classes(data: SnmpData) -> dict[str, int]:
    return {
        index: value.value
        for index, value in data.walk(ENT_PHYSICAL_CLASS).items()
        if isinstance(value.value, int)
    }


def unique_names(names: Sequence[str]) -> list[str]:
    """Item names are keys (tickets are per device+check+item): make duplicates distinct."""
    seen: dict[str, int] = {}
    for name in names:
        seen[name] = seen.get(name, 0) + 1
    counter: dict[str, int] = {}
    out = []
    for name in names:
        if seen[name] > 1:
            counter[name] = counter.get(name, 0) + 1
            out.append(f"{name} #{counter[name]}")
        else:
            out.append(name)
    return out


# --- values -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Why a value cannot be used; the reason names the OID."""

    reason: str


def describe(value: SnmpValue) -> str:
    kind = TYPE_NAMES.get(value.tag, f"type {value.tag}")
    return f"{kind} {value.text()!r}"


def number_at(row: Row, column: int) -> int | float | Problem:
    """The number in `column`, or a Problem naming the OID (absent, exception, wrong type)."""
    raw = row.raw(column)
    oid = row.oid(column)
    if raw is None:
        return Problem(f"{oid}: no value")
    if raw.is_exception:
        return Problem(f"{oid}: {raw.text()}")
    number = raw.number()
    if number is None or (isinstance(number, float) and not math.isfinite(number)):
        return Problem(f"{oid}: expected a number, got {describe(raw)}")
    return number


def scalar_number(data: SnmpData, oid: str) -> int | float | Problem | None:
    """A scalar as a number; None when the agent did not return it at all."""
    raw = data.raw(oid)
    if raw is None:
        return None
    if raw.is_exception:
        return Problem(f"{oid}: {raw.text()}")
    number = raw.number()
    if number is None:
        return Problem(f"{oid}: expected a number, got {describe(raw)}")
    return number


# --- thresholds ---------------------------------------------------------------------------------


def catalog_threshold(key: str, default: Mapping[str, RawThreshold] | None = None) -> Threshold:
    spec = default if default is not None else CATALOG_DEFAULTS.get(key)
    if not spec:
        return Threshold()
    return Threshold.of(spec.get("warn"), spec.get("crit"))


def pick_threshold(
    ctx: CheckContext,
    key: str,
    *,
    device: Threshold | None = None,
    default: Mapping[str, RawThreshold] | None = None,
) -> Threshold:
    """Which threshold judges a reading: an operator's (inventory) always wins; then the
    device's own limits when it reports them; then the inventory's resolved catalog value;
    then the check's own default; then CATALOG_DEFAULTS."""
    configured = ctx.thresholds.by_metric.get(key)
    if configured is not None and configured.explicit:
        return configured
    if device is not None and (device.warn is not None or device.crit is not None):
        return device
    if configured is not None and (configured.warn is not None or configured.crit is not None):
        return configured
    return catalog_threshold(key, default)


def device_threshold(
    warn: float | None = None,
    crit: float | None = None,
    warn_low: float | None = None,
    crit_low: float | None = None,
) -> Threshold | None:
    """A Threshold from a device's own limits (high and low bounds), None when it has none."""
    warn_range = _range(warn_low, warn)
    crit_range = _range(crit_low, crit)
    if warn_range is None and crit_range is None:
        return None
    return Threshold(warn=warn_range, crit=crit_range, source="device")


def _range(low: float | None, high: float | None) -> Range | None:
    if low is None and high is None:
        return None
    if low is None:
        return Range.parse(float(high))  # type: ignore[arg-type]
    if high is not None and low > high:
        return None  # contradicting limits from a device: ignore rather than alert forever
    text = f"{_exact(low)}:{_exact(high) if high is not None else ''}"
    return Range.parse(text)


def _exact(value: float) -> str:
    # thresholds keep the device's precision (2.392 V stays 2.392); fmt_num is for display
    return format(float(value), ".10g")


def device_limit(value: int | float | Problem | None) -> float | None:
    """A device-reported limit; absent, unreadable or 0 (a common "not set") gives None."""
    if value is None or isinstance(value, Problem) or value == 0:
        return None
    return float(value)


# --- formatting ---------------------------------------------------------------------------------


def fmt_num(value: float) -> str:
    value = float(value)
    if value.is_integer():
        return str(int(value))
    magnitude = abs(value)
    digits = 1 if magnitude >= 10 else 2 if magnitude >= 1 else 3
    return f"{value:.{digits}f}".rstrip("0").rstrip(".")


def fmt_bytes(value: float) -> str:
    units = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")
    size = float(value)
    for unit in units:
        if abs(size) < 1024 or unit == units[-1]:
            return f"{fmt_num(round(size, 1))} {unit}"
        size /= 1024
    return f"{value} B"  # pragma: no cover


def fmt_value(value: float, unit: str) -> str:
    if unit == "%":
        return f"{fmt_num(value)}%"
    if unit == "C":
        return f"{fmt_num(value)}°C"
    if unit == "B":
        return fmt_bytes(value)
    if unit == "/s":
        return f"{fmt_num(value)}/s"
    if unit == "s":
        return fmt_duration(value)
    return f"{fmt_num(value)} {unit}" if unit else fmt_num(value)


def fmt_duration(seconds: float) -> str:
    seconds = max(0.0, float(seconds))
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 86400:
        hours, rest = divmod(int(seconds), 3600)
        return f"{hours} h {rest // 60} min"
    days, rest = divmod(int(seconds), 86400)
    return f"{days} d {rest // 3600} h"


def breach(value: float, threshold: Threshold, unit: str) -> str:
    """Why `value` alerts against `threshold`, e.g. "crit at 90%", "warn below 10°C"; ""."""
    for label, rng in (("crit", threshold.crit), ("warn", threshold.warn)):
        if rng is None or not rng.alerts(value):
            continue
        if rng.inside:
            return f"{label} inside {fmt_value(rng.start, unit)}..{fmt_value(rng.end, unit)}"
        if value > rng.end:
            return f"{label} at {fmt_value(rng.end, unit)}"
        return f"{label} below {fmt_value(rng.start, unit)}"
    return ""


def metric(name: str, value: float, item: str | None, threshold: Threshold | None = None) -> Metric:
    th = threshold or Threshold()
    number: int | float = int(value) if float(value).is_integer() else round(float(value), 3)
    return Metric(
        name=name,
        value=number,
        unit=UNITS.get(name, ""),
        item=item,
        warn=th.warn_display,
        crit=th.crit_display,
    )


def plural(count: int, noun: tuple[str, str]) -> str:
    return f"{count} {noun[0] if count == 1 else noun[1]}"


def listing(names: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f", +{len(names) - limit} more" if len(names) > limit else "")


# --- numeric readings (sensors, usage) ----------------------------------------------------------


@dataclass
class Reading:
    """One measured value of one component, judged against a threshold and/or the state the
    device itself reports for it."""

    item: str
    value: float | None = None
    problem: str | None = None  # set: the reading is unusable (UNKNOWN with this reason)
    threshold: Threshold = field(default_factory=Threshold)
    state: tuple[Status, str] | None = None  # what the device says of it: (status, its word)
    extra: str = ""  # appended to the detail, e.g. "(19.2 MiB of 71.9 MiB)"

    def judge(self, unit: str) -> Item:
        if self.problem is not None or self.value is None:
            return Item(self.item, Status.UNKNOWN, self.problem or "no reading")
        status = self.threshold.status(self.value)
        detail = fmt_value(self.value, unit)
        if self.extra:
            detail += f" {self.extra}"
        why = breach(self.value, self.threshold, unit)
        if why:
            detail += f" ({why})"
        if self.state is not None:
            state_status, word = self.state
            status = worst((status, state_status))
            if state_status is not Status.OK:
                detail += f", device reports {word}"
        return Item(self.item, status, detail)


def sensor_verdict(
    readings: Sequence[Reading],
    *,
    metric_name: str,
    label: str,
    noun: tuple[str, str],
    mode: str = "max",
    extra_metrics: Sequence[Metric] = (),
) -> Verdict | None:
    """Items and metrics of numeric readings, and the summary:
    "CPU 44% (MPU Board 0)", "Temperature 48°C (Module-1 SUN1), highest of 11 sensors",
    "Temperature 80°C (CPU): crit at 75°C; 10 other sensors OK", "4 voltages OK"."""
    if not readings:
        return None
    unit = UNITS.get(metric_name, "")
    items = [r.judge(unit) for r in readings]
    metrics = [
        metric(metric_name, r.value, r.item, r.threshold)
        for r in readings
        if r.value is not None and r.problem is None
    ]
    metrics.extend(extra_metrics)
    status = worst(i.status for i in items)
    problems = sorted(
        (pair for pair in zip(readings, items, strict=True) if pair[1].status is not Status.OK),
        key=lambda pair: -pair[1].status.severity,
    )
    if problems:
        parts = []
        for reading, item in problems[:3]:
            if item.status is Status.UNKNOWN and reading.value is None:
                parts.append(f"{label} unreadable ({reading.item}): {item.detail}")
            else:
                value = fmt_value(reading.value or 0.0, unit)
                parts.append(f"{label} {value} ({reading.item})")
                reason = _reason(reading, item, unit)
                if reason:
                    parts[-1] += f": {reason}"
        summary = "; ".join(parts)
        if len(problems) > 3:
            summary += f"; +{len(problems) - 3} more"
        fine = len(readings) - len(problems)
        if fine:
            summary += f"; {fine} other {noun[0] if fine == 1 else noun[1]} OK"
        return Verdict(status, summary, metrics, items)
    valued = [r for r in readings if r.value is not None]
    if mode == "count" or not valued:
        return Verdict(status, f"{plural(len(readings), noun)} OK", metrics, items)
    top = max(valued, key=lambda r: r.value or 0.0)
    summary = f"{label} {fmt_value(top.value or 0.0, unit)} ({top.item})"
    if len(readings) > 1:
        summary += f", highest of {plural(len(readings), noun)}"
    return Verdict(status, summary, metrics, items)


def _reason(reading: Reading, item: Item, unit: str) -> str:
    reasons = []
    if reading.value is not None:
        why = breach(reading.value, reading.threshold, unit)
        if why:
            reasons.append(why)
    if reading.state is not None and reading.state[0] is not Status.OK:
        reasons.append(f"device reports {reading.state[1]}")
    return ", ".join(reasons)


# --- states (fans, power supplies, ...) ---------------------------------------------------------


@dataclass
class StateReading:
    """The state of one component; `status` None means not present (counted, not judged)."""

    item: str
    status: Status | None
    word: str  # the device's word for the state: "normal", "notPresent", "abnormal"
    detail: str = ""

    def to_item(self) -> Item:
        return Item(self.item, self.status or Status.OK, self.detail or self.word)


def state_verdict(
    readings: Sequence[StateReading],
    *,
    noun: tuple[str, str],
    level: int | None = None,
    level_all_failed: int | None = None,
    metrics: Sequence[Metric] = (),
) -> Verdict | None:
    """Items and the summary: "2 fans OK, 1 not present",
    "1 of 4 fans failed: FAN 2 (abnormal)"; the declared level when something failed (the
    all-failed level when every present one did)."""
    if not readings:
        return None
    present = [r for r in readings if r.status is not None]
    absent = len(readings) - len(present)
    items = [r.to_item() for r in present]
    status = worst(i.status for i in items) if items else Status.OK
    failed = [r for r in present if r.status is Status.CRITICAL]
    warned = [r for r in present if r.status is Status.WARNING]
    unknown = [r for r in present if r.status is Status.UNKNOWN]
    parts = []
    if failed:
        names = [f"{r.item} ({r.word})" for r in failed]
        parts.append(f"{len(failed)} of {plural(len(present), noun)} failed: {listing(names)}")
    if warned:
        names = [f"{r.item} ({r.word})" for r in warned]
        parts.append(f"{len(warned)} in warning: {listing(names)}")
    if unknown:
        names = [f"{r.item} ({r.word})" for r in unknown]
        parts.append(f"{len(unknown)} unknown: {listing(names)}")
    if not parts:
        parts.append(f"{plural(len(present), noun)} OK" if present else f"no {noun[1]} present")
    summary = "; ".join(parts)
    if absent:
        summary += f", {absent} not present"
    verdict_level = None
    if failed:
        all_failed = len(failed) == len(present)
        verdict_level = level_all_failed if all_failed and level_all_failed else level
    return Verdict(status, summary, list(metrics), items, level=verdict_level)
