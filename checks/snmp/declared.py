"""Checks declared as data (checks/catalog/*.yaml): the schema, its validation and evaluation.

Three kinds, LibreNMS-definition style (a table, a value column, a name, scaling, skip rules,
state maps, thresholds), documented in checks/catalog/README.md:

  sensor  a number per row (CPU %, temperature, voltage), judged against thresholds (the
          device's own limit columns where declared) and optionally a state column;
  usage   used/free/total per row (memory pools, filesystems) -> a percentage;
  state   a state per row (fans, power supplies) mapped to a Status, with the fault level a
          failure declares (one of several failed -> `level`, all failed -> `level_all_failed`).

A check lists `sources` (tables); the first source that yields rows is used, so one check can
read the newer MIB where the device has it and fall back to the older one (CISCO-ENHANCED-
MEMPOOL-MIB, then CISCO-MEMORY-POOL-MIB), or read one layout under several bases (IBM IMM and
Lenovo XCC). `plan()` walks only the columns the declaration names.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from checks.check import CheckContext, Verdict
from checks.metrics import MEMORY_TOTAL, MEMORY_USED, UNITS
from checks.snmp.common import (
    ENT_PHYSICAL_CLASS,
    ENT_PHYSICAL_NAME,
    CheckDefinitionError,
    Problem,
    Reading,
    Row,
    SnmpCheckBase,
    StateReading,
    column_walks,
    device_limit,
    device_threshold,
    entity_classes,
    entity_names,
    expand_platforms,
    fmt_bytes,
    fmt_num,
    fmt_value,
    metric,
    number_at,
    pick_threshold,
    read_table,
    sensor_verdict,
    state_verdict,
    unique_names,
)
from checks.snmpdata import SnmpData, SnmpPlan, normalize_oid
from checks.status import Status
from checks.thresholds import Range

KINDS = ("sensor", "usage", "state")
SUMMARY_MODES = ("max", "count")
STATUS_WORDS = ("OK", "WARNING", "CRITICAL", "UNKNOWN", "ABSENT")

COMMON_KEYS = {
    "id": "the check id, '<platform or family>.<subject>'",
    "title": "a short human title",
    "kind": f"one of {', '.join(KINDS)}",
    "platforms": "platform ids or families the check applies to ('any' for all)",
    "exclude": "platform ids or families it never applies to",
    "roles": "device roles it is limited to",
    "level": "the fault level its failure declares (1..4)",
    "sources": "the tables to read, first with rows wins",
    "bases": "OID bases substituted for {base} in the sources' tables",
    "noun": "[singular, plural] of what a row is",
    "notes": "free text for readers",
}
KIND_KEYS = {
    "sensor": {
        "metric": "the canonical metric name",
        "label": "the word that starts the summary ('CPU', 'Temperature')",
        "summary": f"one of {', '.join(SUMMARY_MODES)}",
        "valid": "[min, max]: readings outside are absurd (UNKNOWN)",
        "threshold": "the threshold key (default: the metric name)",
        "defaults": "{warn, crit} used when neither inventory nor catalog sets the key",
    },
    "usage": {
        "metric": "the canonical metric name (a percentage)",
        "label": "the word that starts the summary",
        "summary": f"one of {', '.join(SUMMARY_MODES)}",
        "threshold": "the threshold key (default: the metric name)",
        "defaults": "{warn, crit} used when neither inventory nor catalog sets the key",
        "bytes": "also emit memory.used/memory.total metrics (true/false)",
    },
    "state": {
        "level_all_failed": "the fault level when every present row failed",
    },
}
SOURCE_KEYS = {
    "table": "the table entry OID (may use {base})",
    "name": "how a row is named: {column}, {entity}, {entity_column} or {template}",
    "skip": "conditions that drop a row",
    "entity_class": "keep rows whose entPhysicalClass is one of these",
    "notes": "free text for readers",
}
SOURCE_KIND_KEYS = {
    "sensor": {
        "value": "the value column",
        "divisor": "divide the value by this",
        "multiplier": "multiply the value by this",
        "scale": "{scale, precision}: ENTITY-SENSOR style scaling columns",
        "thresholds": "{warn, crit, warn_low, crit_low}: the device's limit columns",
        "state": "{column, states, default}: the device's own state of the row",
    },
    "usage": {
        "used": "column(s) of the used amount, first present wins",
        "free": "column(s) of the free amount",
        "total": "column(s) of the total amount",
        "units": "column of the allocation unit (bytes per used/total unit)",
        "multiplier": "a fixed number of bytes per unit",
    },
    "state": {
        "state": "{column, states, default}: the state column and its meaning",
        "present": "{column, value}: rows whose column differs are counted as not present",
        "speed": "{column, metric}: a speed column to report as a metric",
    },
}
NAME_KEYS = {"column", "entity", "entity_column", "template", "fallback"}
STATE_KEYS = {"column", "states", "default"}
SCALE_KEYS = {"scale", "precision"}
THRESHOLD_COLUMN_KEYS = {"warn", "crit", "warn_low", "crit_low"}
PRESENT_KEYS = {"column", "value"}
SPEED_KEYS = {"column", "metric"}
CONDITION_KEYS = {"column", "op", "value"}
OPS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


# --- the spec -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NameSpec:
    column: int | None = None
    entity: bool = False
    entity_column: int | None = None
    template: str | None = None
    fallback: str = "{index}"

    def columns(self) -> set[int]:
        return {c for c in (self.column, self.entity_column) if c is not None}

    @property
    def uses_entity(self) -> bool:
        return self.entity or self.entity_column is not None

    def entity_index(self, row: Row) -> str | None:
        if self.entity:
            return row.index
        if self.entity_column is not None:
            number = row.number(self.entity_column)
            return str(int(number)) if number else None
        return None

    def render(self, row: Row, names: Mapping[str, str]) -> str:
        name = ""
        if self.column is not None:
            name = row.text(self.column)
        elif self.uses_entity:
            index = self.entity_index(row)
            name = names.get(index, "") if index else ""
        elif self.template is not None:
            name = _template(self.template, row)
        return name.strip() or _template(self.fallback, row)


def _template(template: str, row: Row) -> str:
    parts = {f"index{i}": part for i, part in enumerate(row.index_parts)}
    try:
        return template.format(index=row.index, **parts)
    except (KeyError, IndexError):
        return row.index


@dataclass(frozen=True)
class Condition:
    column: int
    op: str
    value: Any

    def holds(self, row: Row) -> bool:
        raw = row.raw(self.column)
        compare = OPS[self.op]
        if isinstance(self.value, int | float) and not isinstance(self.value, bool):
            number = row.number(self.column)
            if raw is None or raw.is_exception:
                number = 0  # an absent cell counts as 0, as LibreNMS's skip_values do
            if number is None:
                return False
            return compare(number, self.value)
        text = row.text(self.column)
        return compare(text.strip().lower(), str(self.value).strip().lower())


@dataclass(frozen=True)
class StateMap:
    column: int
    states: Mapping[Any, tuple[str, str]]  # value -> (STATUS word, state name)
    default: tuple[str, str] = ("UNKNOWN", "")

    def lookup(self, row: Row) -> tuple[Status | None, str] | Problem:
        """(status, word); status None means not present. Problem when unreadable."""
        raw = row.raw(self.column)
        oid = row.oid(self.column)
        if raw is None:
            return Problem(f"{oid}: no value")
        if raw.is_exception:
            return Problem(f"{oid}: {raw.text()}")
        number = raw.number()
        key: Any = int(number) if number is not None and float(number).is_integer() else None
        if key is None or key not in self.states:
            key = raw.text().strip().lower()
        entry = self.states.get(key)
        if entry is None:
            word = self.default[1] or f"unknown state {raw.text()!r}"
            return _status(self.default[0]), word
        return _status(entry[0]), entry[1]


def _status(word: str) -> Status | None:
    return None if word == "ABSENT" else Status[word]


@dataclass(frozen=True)
class Source:
    table: str
    name: NameSpec
    skip: tuple[tuple[Condition, ...], ...] = ()
    entity_class: frozenset[int] = frozenset()
    # sensor
    value: int | None = None
    divisor: float = 1.0
    multiplier: float = 1.0
    scale: tuple[int, int] | None = None
    thresholds: Mapping[str, int] = field(default_factory=dict)
    state: StateMap | None = None
    # usage
    used: tuple[int, ...] = ()
    free: tuple[int, ...] = ()
    total: tuple[int, ...] = ()
    units: int | None = None
    # state
    present: tuple[int, Any] | None = None
    speed: tuple[int, str] | None = None

    def columns(self) -> set[int]:
        cols = set(self.name.columns())
        for group in self.skip:
            cols |= {c.column for c in group}
        if self.value is not None:
            cols.add(self.value)
        if self.scale:
            cols |= set(self.scale)
        cols |= set(self.thresholds.values())
        if self.state:
            cols.add(self.state.column)
        cols |= set(self.used) | set(self.free) | set(self.total)
        if self.units is not None:
            cols.add(self.units)
        if self.present:
            cols.add(self.present[0])
        if self.speed:
            cols.add(self.speed[0])
        return cols

    def walks(self) -> list[str]:
        walks = column_walks(self.table, self.columns())
        if self.name.uses_entity:
            walks.append(ENT_PHYSICAL_NAME)
        if self.entity_class:
            walks.append(ENT_PHYSICAL_CLASS)
        return walks

    def rows(self, data: SnmpData) -> list[Row]:
        rows = read_table(data, self.table, self.columns())
        rows = [r for r in rows if not any(all(c.holds(r) for c in g) for g in self.skip)]
        if self.entity_class:
            classes = entity_classes(data)
            rows = [
                r
                for r in rows
                if classes.get(self.name.entity_index(r) or r.index) in self.entity_class
            ]
        return rows

    def names(self, data: SnmpData, rows: list[Row]) -> list[str]:
        ents = entity_names(data) if self.name.uses_entity else {}
        return unique_names([self.name.render(r, ents) for r in rows])


# --- the checks ---------------------------------------------------------------------------------


class DeclaredCheck(SnmpCheckBase):
    """Common to the three kinds: identity, applicability, sources and the plan."""

    kind = ""

    def __init__(self, spec: Mapping[str, Any], sources: list[Source], where: str):
        self.id = str(spec["id"])
        self.title = str(spec["title"])
        self.where = where
        self.platforms = expand_platforms(spec.get("platforms", ["any"]), where)
        self.exclude = (
            expand_platforms(spec.get("exclude", []), where) if "exclude" in spec else frozenset()
        )
        self.roles = frozenset(spec.get("roles", []))
        self.level = spec.get("level")
        self.sources = sources
        noun = spec.get("noun", ["row", "rows"])
        self.noun = (str(noun[0]), str(noun[1]))
        self._plan = SnmpPlan.of(walks=[w for s in sources for w in s.walks()])

    def plan(self) -> SnmpPlan:
        return self._plan

    def first_rows(self, data: SnmpData) -> tuple[Source, list[Row]] | None:
        for source in self.sources:
            rows = source.rows(data)
            if rows:
                return source, rows
        return None


class SensorCheck(DeclaredCheck):
    kind = "sensor"

    def __init__(self, spec: Mapping[str, Any], sources: list[Source], where: str):
        super().__init__(spec, sources, where)
        self.metric = str(spec["metric"])
        self.label = str(spec.get("label", self.title))
        self.mode = str(spec.get("summary", "max"))
        valid = spec.get("valid")
        self.valid: tuple[float, float] | None = (
            (float(valid[0]), float(valid[1])) if valid else None
        )
        self.threshold_key = str(spec.get("threshold", self.metric))
        self.defaults = spec.get("defaults")

    def evaluate(self, data: SnmpData, ctx: CheckContext) -> Verdict | None:
        found = self.first_rows(data)
        if found is None:
            return None
        source, rows = found
        readings = [
            self._reading(source, row, name, ctx)
            for row, name in zip(rows, source.names(data, rows), strict=True)
        ]
        return sensor_verdict(
            readings, metric_name=self.metric, label=self.label, noun=self.noun, mode=self.mode
        )

    def _scaled(self, source: Source, row: Row, column: int) -> float | Problem | None:
        raw = number_at(row, column)
        if isinstance(raw, Problem):
            return raw
        value = float(raw) * source.multiplier / source.divisor
        if source.scale is not None:
            scale, precision = (row.number(c) for c in source.scale)
            exponent = 3 * (int(scale) - 9) if scale is not None else 0
            value *= 10.0**exponent / 10.0 ** int(precision or 0)
        return value

    def _reading(self, source: Source, row: Row, name: str, ctx: CheckContext) -> Reading:
        assert source.value is not None
        value = self._scaled(source, row, source.value)
        reading = Reading(item=name)
        if isinstance(value, Problem) or value is None:
            reading.problem = value.reason if isinstance(value, Problem) else "no value"
            return reading
        if self.valid is not None and not self.valid[0] <= value <= self.valid[1]:
            low, high = (fmt_num(v) for v in self.valid)
            reading.problem = (
                f"{row.oid(source.value)}: {fmt_num(value)} is not a plausible "
                f"{self.label.lower()} reading (expected {low}..{high})"
            )
            return reading
        limits = {
            key: device_limit(self._limit(source, row, col))
            for key, col in source.thresholds.items()
        }
        reading.value = value
        reading.threshold = pick_threshold(
            ctx, self.threshold_key, device=device_threshold(**limits), default=self.defaults
        )
        # A state column the agent does not have at all (IMM2 has no tempHealthStatus) is no
        # state, not an unreadable one.
        if source.state is not None and row.raw(source.state.column) is not None:
            state = source.state.lookup(row)
            if isinstance(state, Problem):
                reading.state = (Status.UNKNOWN, state.reason)
            elif state[0] is not None:
                reading.state = (state[0], state[1])
        return reading

    def _limit(self, source: Source, row: Row, column: int) -> float | None:
        value = self._scaled(source, row, column)
        return None if isinstance(value, Problem) else value


class UsageCheck(DeclaredCheck):
    kind = "usage"

    def __init__(self, spec: Mapping[str, Any], sources: list[Source], where: str):
        super().__init__(spec, sources, where)
        self.metric = str(spec["metric"])
        self.label = str(spec.get("label", self.title))
        self.mode = str(spec.get("summary", "max"))
        self.threshold_key = str(spec.get("threshold", self.metric))
        self.defaults = spec.get("defaults")
        self.bytes = bool(spec.get("bytes", False))

    def evaluate(self, data: SnmpData, ctx: CheckContext) -> Verdict | None:
        found = self.first_rows(data)
        if found is None:
            return None
        source, rows = found
        threshold = pick_threshold(ctx, self.threshold_key, default=self.defaults)
        readings: list[Reading] = []
        extra = []
        for row, name in zip(rows, source.names(data, rows), strict=True):
            reading = Reading(item=name, threshold=threshold)
            amounts = self._amounts(source, row)
            if isinstance(amounts, Problem):
                reading.problem = amounts.reason
            else:
                used, total = amounts
                reading.value = used / total * 100.0
                reading.extra = f"({fmt_bytes(used)} of {fmt_bytes(total)})"
                if self.bytes:
                    extra += [metric(MEMORY_USED, used, name), metric(MEMORY_TOTAL, total, name)]
            readings.append(reading)
        return sensor_verdict(
            readings,
            metric_name=self.metric,
            label=self.label,
            noun=self.noun,
            mode=self.mode,
            extra_metrics=extra,
        )

    def _amounts(self, source: Source, row: Row) -> tuple[float, float] | Problem:
        factor = source.multiplier
        if source.units is not None:
            unit = number_at(row, source.units)
            if isinstance(unit, Problem):
                return unit
            factor *= float(unit)
        used = _first_number(row, source.used)
        if isinstance(used, Problem):
            return used
        if source.total:
            total = _first_number(row, source.total)
            if isinstance(total, Problem):
                return total
        else:
            free = _first_number(row, source.free)
            if isinstance(free, Problem):
                return free
            if free < 0:
                return Problem(f"{row.oid(source.free[0])}: negative free amount {fmt_num(free)}")
            total = used + free
        if used < 0 or total <= 0 or used > total:
            return Problem(
                f"{row.oid(source.used[0])}: used {fmt_num(used)} of {fmt_num(total)} "
                "is not a plausible usage"
            )
        return used * factor, total * factor


def _first_number(row: Row, columns: tuple[int, ...]) -> float | Problem:
    first: Problem | None = None
    for column in columns:
        value = number_at(row, column)
        if not isinstance(value, Problem):
            return float(value)
        first = first or value
    return first or Problem(f"{row.base}: no column given")


class StateCheck(DeclaredCheck):
    kind = "state"

    def __init__(self, spec: Mapping[str, Any], sources: list[Source], where: str):
        super().__init__(spec, sources, where)
        self.level_all_failed = spec.get("level_all_failed")

    def evaluate(self, data: SnmpData, ctx: CheckContext) -> Verdict | None:
        found = self.first_rows(data)
        if found is None:
            return None
        source, rows = found
        readings, metrics = state_readings(source, data, rows)
        return state_verdict(
            readings,
            noun=self.noun,
            level=self.level,
            level_all_failed=self.level_all_failed,
            metrics=metrics,
        )


def state_readings(
    source: Source, data: SnmpData, rows: list[Row]
) -> tuple[list[StateReading], list]:
    """States (and speed metrics) of the rows of a state source; used by code checks too."""
    assert source.state is not None
    readings: list[StateReading] = []
    metrics = []
    for row, name in zip(rows, source.names(data, rows), strict=True):
        if source.present is not None:
            column, wanted = source.present
            if not Condition(column, "==", wanted).holds(row):
                readings.append(StateReading(name, None, "not present"))
                continue
        state = source.state.lookup(row)
        if isinstance(state, Problem):
            readings.append(StateReading(name, Status.UNKNOWN, "unreadable", state.reason))
            continue
        status, word = state
        detail = word
        if source.speed is not None and status is not None:
            column, metric_name = source.speed
            speed = number_at(row, column)
            if not isinstance(speed, Problem):
                metrics.append(metric(metric_name, float(speed), name))
                detail = f"{word}, {fmt_value(float(speed), UNITS.get(metric_name, ''))}"
        readings.append(StateReading(name, status, word, detail))
    return readings, metrics


CHECK_CLASSES: dict[str, type[DeclaredCheck]] = {
    "sensor": SensorCheck,
    "usage": UsageCheck,
    "state": StateCheck,
}


# --- validation ---------------------------------------------------------------------------------


def build_check(spec: Mapping[str, Any], where: str, path: str, line_of: LineOf) -> DeclaredCheck:
    """A check from one catalog entry; CheckDefinitionError names file:line and field path."""
    if not isinstance(spec, Mapping):
        raise CheckDefinitionError(f"{line_of(spec, None)}: {path}: expected a mapping")
    kind = spec.get("kind")
    if kind not in KINDS:
        raise CheckDefinitionError(
            f"{line_of(spec, 'kind')}: {path}.kind: {kind!r} is not one of {', '.join(KINDS)}"
        )
    _keys(spec, {*COMMON_KEYS, *KIND_KEYS[kind]}, path, line_of)
    for key in ("id", "title", "sources"):
        if key not in spec:
            raise CheckDefinitionError(f"{line_of(spec, None)}: {path}: missing field {key!r}")
    if kind in ("sensor", "usage") and "metric" not in spec:
        raise CheckDefinitionError(f"{line_of(spec, None)}: {path}: missing field 'metric'")
    if "metric" in spec and spec["metric"] not in UNITS:
        raise CheckDefinitionError(
            f"{line_of(spec, 'metric')}: {path}.metric: {spec['metric']!r} is not a canonical "
            "metric name (checks/metrics.py)"
        )
    if spec.get("summary", "max") not in SUMMARY_MODES:
        raise CheckDefinitionError(
            f"{line_of(spec, 'summary')}: {path}.summary: "
            f"expected one of {', '.join(SUMMARY_MODES)}"
        )
    for key in ("level", "level_all_failed"):
        if key in spec and spec[key] not in (1, 2, 3, 4):
            raise CheckDefinitionError(f"{line_of(spec, key)}: {path}.{key}: expected 1, 2, 3 or 4")
    for key in ("noun", "valid"):
        if key in spec and not (isinstance(spec[key], list) and len(spec[key]) == 2):
            raise CheckDefinitionError(
                f"{line_of(spec, key)}: {path}.{key}: expected a pair [a, b]"
            )
    if "defaults" in spec:
        _keys(spec["defaults"], {"warn": "", "crit": ""}, f"{path}.defaults", line_of)
        _validate_defaults(spec["defaults"], f"{path}.defaults", line_of)
    raw_sources = spec["sources"]
    if not isinstance(raw_sources, list) or not raw_sources:
        raise CheckDefinitionError(f"{line_of(spec, 'sources')}: {path}.sources: expected a list")
    bases = spec.get("bases", [None])
    sources = []
    for base in bases:
        for j, raw in enumerate(raw_sources):
            sources.append(_source(raw, kind, base, f"{path}.sources[{j}]", line_of))
    try:
        return CHECK_CLASSES[kind](spec, sources, f"{line_of(spec, None)}: {path}")
    except CheckDefinitionError:
        raise
    except (TypeError, ValueError) as exc:
        raise CheckDefinitionError(f"{line_of(spec, None)}: {path}: {exc}") from None


LineOf = Callable[[Any, Any], str]


def _keys(mapping: Any, allowed: Mapping[str, str] | set[str], path: str, line_of: LineOf) -> None:
    if not isinstance(mapping, Mapping):
        raise CheckDefinitionError(f"{line_of(mapping, None)}: {path}: expected a mapping")
    for key in mapping:
        if key not in allowed:
            expected = ", ".join(sorted(allowed))
            raise CheckDefinitionError(
                f"{line_of(mapping, key)}: {path}.{key}: unknown key (expected one of: {expected})"
            )


def _validate_defaults(defaults: Mapping[str, Any], path: str, line_of: LineOf) -> None:
    for key, value in defaults.items():
        try:
            Range.parse(value)
        except ValueError as exc:
            raise CheckDefinitionError(f"{line_of(defaults, key)}: {path}.{key}: {exc}") from None


def _int(value: Any, path: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise CheckDefinitionError(f"{where}: {path}: expected a column number, got {value!r}")
    return value


def _ints(value: Any, path: str, where: str) -> tuple[int, ...]:
    values = value if isinstance(value, list) else [value]
    return tuple(_int(v, path, where) for v in values)


def _source(raw: Any, kind: str, base: str | None, path: str, line_of: LineOf) -> Source:
    _keys(raw, {*SOURCE_KEYS, *SOURCE_KIND_KEYS[kind]}, path, line_of)
    where = line_of(raw, None)
    if "table" not in raw:
        raise CheckDefinitionError(f"{where}: {path}: missing field 'table'")
    table = str(raw["table"])
    if "{base}" in table:
        if base is None:
            raise CheckDefinitionError(
                f"{where}: {path}.table: uses {{base}} but the check has no bases"
            )
        table = table.replace("{base}", str(base))
    table = normalize_oid(table)
    if not all(part.isdigit() for part in table.split(".")):
        raise CheckDefinitionError(
            f"{line_of(raw, 'table')}: {path}.table: {table!r} is not a numeric OID"
        )
    name = _name(raw.get("name", {"template": "{index}"}), f"{path}.name", line_of)
    skip = tuple(_skip(raw.get("skip", []), f"{path}.skip", line_of))
    fields: dict[str, Any] = {
        "table": table,
        "name": name,
        "skip": skip,
        "entity_class": frozenset(
            _ints(raw.get("entity_class", []), f"{path}.entity_class", where)
        ),
    }
    if kind == "sensor":
        if "value" not in raw:
            raise CheckDefinitionError(f"{where}: {path}: missing field 'value'")
        fields["value"] = _int(raw["value"], f"{path}.value", where)
        for key in ("divisor", "multiplier"):
            if key in raw:
                number = raw[key]
                if isinstance(number, bool) or not isinstance(number, int | float) or number == 0:
                    raise CheckDefinitionError(
                        f"{line_of(raw, key)}: {path}.{key}: expected a non-zero number"
                    )
                fields[key] = float(number)
        if "scale" in raw:
            _keys(raw["scale"], SCALE_KEYS, f"{path}.scale", line_of)
            fields["scale"] = (
                _int(raw["scale"].get("scale"), f"{path}.scale.scale", where),
                _int(raw["scale"].get("precision"), f"{path}.scale.precision", where),
            )
        if "thresholds" in raw:
            _keys(raw["thresholds"], THRESHOLD_COLUMN_KEYS, f"{path}.thresholds", line_of)
            fields["thresholds"] = {
                k: _int(v, f"{path}.thresholds.{k}", where) for k, v in raw["thresholds"].items()
            }
        if "state" in raw:
            fields["state"] = _state(raw["state"], f"{path}.state", line_of)
    elif kind == "usage":
        if "used" not in raw or ("free" not in raw and "total" not in raw):
            raise CheckDefinitionError(
                f"{where}: {path}: needs 'used' and one of 'free' or 'total'"
            )
        fields["used"] = _ints(raw["used"], f"{path}.used", where)
        if "free" in raw:
            fields["free"] = _ints(raw["free"], f"{path}.free", where)
        if "total" in raw:
            fields["total"] = _ints(raw["total"], f"{path}.total", where)
        if "units" in raw:
            fields["units"] = _int(raw["units"], f"{path}.units", where)
        if "multiplier" in raw:
            fields["multiplier"] = float(raw["multiplier"])
    else:
        if "state" not in raw:
            raise CheckDefinitionError(f"{where}: {path}: missing field 'state'")
        fields["state"] = _state(raw["state"], f"{path}.state", line_of)
        if "present" in raw:
            _keys(raw["present"], PRESENT_KEYS, f"{path}.present", line_of)
            fields["present"] = (
                _int(raw["present"].get("column"), f"{path}.present.column", where),
                raw["present"].get("value"),
            )
        if "speed" in raw:
            _keys(raw["speed"], SPEED_KEYS, f"{path}.speed", line_of)
            speed_metric = raw["speed"].get("metric")
            if speed_metric not in UNITS:
                raise CheckDefinitionError(
                    f"{line_of(raw['speed'], 'metric')}: {path}.speed.metric: "
                    f"{speed_metric!r} is not a canonical metric name"
                )
            fields["speed"] = (
                _int(raw["speed"].get("column"), f"{path}.speed.column", where),
                speed_metric,
            )
    return Source(**fields)


def _name(raw: Any, path: str, line_of: LineOf) -> NameSpec:
    _keys(raw, NAME_KEYS, path, line_of)
    where = line_of(raw, None)
    chosen = [k for k in ("column", "entity", "entity_column", "template") if k in raw]
    if len(chosen) != 1:
        raise CheckDefinitionError(
            f"{where}: {path}: give exactly one of column, entity, entity_column, template"
        )
    return NameSpec(
        column=_int(raw["column"], f"{path}.column", where) if "column" in raw else None,
        entity=bool(raw.get("entity", False)),
        entity_column=(
            _int(raw["entity_column"], f"{path}.entity_column", where)
            if "entity_column" in raw
            else None
        ),
        template=str(raw["template"]) if "template" in raw else None,
        fallback=str(raw.get("fallback", "{index}")),
    )


def _skip(raw: Any, path: str, line_of: LineOf) -> list[tuple[Condition, ...]]:
    if not isinstance(raw, list):
        raise CheckDefinitionError(f"{line_of(raw, None)}: {path}: expected a list of conditions")
    groups = []
    for i, entry in enumerate(raw):
        if isinstance(entry, Mapping) and "all" in entry:
            _keys(entry, {"all"}, f"{path}[{i}]", line_of)
            conds = entry["all"]
            if not isinstance(conds, list) or not conds:
                raise CheckDefinitionError(
                    f"{line_of(entry, 'all')}: {path}[{i}].all: expected a list"
                )
            groups.append(
                tuple(_condition(c, f"{path}[{i}].all[{j}]", line_of) for j, c in enumerate(conds))
            )
        else:
            groups.append((_condition(entry, f"{path}[{i}]", line_of),))
    return groups


def _condition(raw: Any, path: str, line_of: LineOf) -> Condition:
    _keys(raw, CONDITION_KEYS, path, line_of)
    where = line_of(raw, None)
    for key in CONDITION_KEYS:
        if key not in raw:
            raise CheckDefinitionError(f"{where}: {path}: missing field {key!r}")
    if raw["op"] not in OPS:
        raise CheckDefinitionError(
            f"{line_of(raw, 'op')}: {path}.op: expected one of {' '.join(OPS)}"
        )
    return Condition(_int(raw["column"], f"{path}.column", where), str(raw["op"]), raw["value"])


def _state(raw: Any, path: str, line_of: LineOf) -> StateMap:
    _keys(raw, STATE_KEYS, path, line_of)
    where = line_of(raw, None)
    if "column" not in raw or "states" not in raw:
        raise CheckDefinitionError(f"{where}: {path}: needs 'column' and 'states'")
    states_raw = raw["states"]
    if not isinstance(states_raw, Mapping) or not states_raw:
        raise CheckDefinitionError(f"{line_of(raw, 'states')}: {path}.states: expected a mapping")
    states: dict[Any, tuple[str, str]] = {}
    for key, value in states_raw.items():
        if isinstance(key, bool):
            raise CheckDefinitionError(
                f"{line_of(states_raw, key)}: {path}.states.{key}: YAML read this key as a "
                "boolean (on/off/yes/no): quote it"
            )
        pair = _state_pair(value, f"{path}.states.{key}", line_of(states_raw, key))
        states[key.strip().lower() if isinstance(key, str) else key] = pair
    default = ("UNKNOWN", "")
    if "default" in raw:
        default = _state_pair(
            raw["default"], f"{path}.default", line_of(raw, "default"), allow_short=True
        )
    return StateMap(_int(raw["column"], f"{path}.column", where), states, default)


def _state_pair(value: Any, path: str, where: str, allow_short: bool = False) -> tuple[str, str]:
    if isinstance(value, str) and allow_short:
        value = [value, ""]
    if not (isinstance(value, list) and len(value) == 2 and value[0] in STATUS_WORDS):
        raise CheckDefinitionError(
            f"{where}: {path}: expected [STATUS, name] with STATUS one of {', '.join(STATUS_WORDS)}"
        )
    return str(value[0]), str(value[1])
