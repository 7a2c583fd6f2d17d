"""Scenarios: overlays on the healthy recordings (lab/scenarios/<name>.yaml), and what they break.

PUBLIC API (used by lab.runner, lab.cli and the tests):
    scenario_names() -> list[str]
    load_scenario(name) -> Scenario                  raises ScenarioError (lists the valid names)
    Scenario.render(device_name) -> SnmpData | None  None: the device is down in this scenario
    Scenario.faults, Scenario.down, Scenario.expected() -> list[ExpectedFinding]
    expected_findings(name) -> list[ExpectedFinding]  the end-to-end test's "exactly these"
    healthy_recording(device_name) -> SnmpData
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from checks.snmpdata import SnmpData, SnmprecError, SnmpValue, normalize_oid, parse_snmprec_line
from lab.bank import BANK, SCENARIOS_DIR, device

STATUSES = ("OK", "WARNING", "CRITICAL", "UNKNOWN")
FAULT_KEYS = {"id", "device", "summary", "set", "add", "remove", "down", "expect"}
EXPECT_KEYS = {"subject", "item", "aliases", "status"}


class ScenarioError(ValueError):
    """An unknown scenario or a malformed scenario file; the message says which and where."""


@dataclass(frozen=True)
class ExpectedFinding:
    """A finding a sweep of the scenario must produce (every other check must be OK)."""

    device: str
    subject: str  # reachability | interfaces | fans | power | temperature | health
    item: str | None
    status: str
    aliases: tuple[str, ...] = ()
    fault: str = ""  # the id of the fault that causes it

    def names(self) -> set[str]:
        """Every name a check may give the item (item first, then the aliases)."""
        return {n for n in (self.item, *self.aliases) if n}


@dataclass(frozen=True)
class Fault:
    id: str
    device: str
    summary: str
    set: dict[str, SnmpValue] = field(default_factory=dict)
    add: dict[str, SnmpValue] = field(default_factory=dict)
    remove: tuple[str, ...] = ()
    down: bool = False
    expect: tuple[ExpectedFinding, ...] = ()

    def oids(self) -> set[str]:
        return set(self.set) | set(self.add) | set(self.remove)


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    faults: tuple[Fault, ...]
    path: Path

    @property
    def down(self) -> set[str]:
        return {f.device for f in self.faults if f.down}

    def faults_of(self, device_name: str) -> list[Fault]:
        return [f for f in self.faults if f.device == device_name]

    def expected(self) -> list[ExpectedFinding]:
        return [e for f in self.faults for e in f.expect]

    def render(self, device_name: str) -> SnmpData | None:
        """The device's recording with this scenario's faults applied; None when it is down."""
        if device_name in self.down:
            return None
        data = healthy_recording(device_name)
        values = dict(data.values)
        for fault in self.faults_of(device_name):
            for oid, value in fault.set.items():
                if oid not in values:
                    raise ScenarioError(
                        f"{self.path}: fault {fault.id}: set {oid}: the healthy recording of "
                        f"{device_name} has no such value (use `add` for new rows)"
                    )
                values[oid] = value
            for oid, value in fault.add.items():
                if oid in values:
                    raise ScenarioError(
                        f"{self.path}: fault {fault.id}: add {oid}: {device_name} already has it "
                        "(use `set` to change a value)"
                    )
                values[oid] = value
            for oid in fault.remove:
                if values.pop(oid, None) is None:
                    raise ScenarioError(
                        f"{self.path}: fault {fault.id}: remove {oid}: {device_name} has no such "
                        "value"
                    )
        return SnmpData(values=values)


def scenario_names() -> list[str]:
    return sorted(p.stem for p in SCENARIOS_DIR.glob("*.yaml"))


def load_scenario(name: str) -> Scenario:
    path = SCENARIOS_DIR / f"{name}.yaml"
    if not name or "/" in name or not path.is_file():
        valid = ", ".join(scenario_names()) or "none"
        raise ScenarioError(f"unknown scenario {name!r}; valid scenarios: {valid}")
    return _load(path)


def expected_findings(name: str) -> list[ExpectedFinding]:
    return load_scenario(name).expected()


@cache
def _healthy(name: str) -> SnmpData:
    return SnmpData.from_snmprec(device(name).recording)


def healthy_recording(device_name: str) -> SnmpData:
    """A fresh copy of the device's healthy recording (the cached parse is never mutated)."""
    data = _healthy(device_name)
    return SnmpData(values=dict(data.values))


def _load(path: Path) -> Scenario:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("faults", []), list):
        raise ScenarioError(f"{path}: expected a mapping with `description` and a `faults` list")
    unknown = set(raw) - {"description", "faults"}
    if unknown:
        raise ScenarioError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}")
    names = {d.name for d in BANK}
    faults: list[Fault] = []
    for n, entry in enumerate(raw.get("faults") or []):
        where = f"{path}: faults[{n}]"
        if not isinstance(entry, dict):
            raise ScenarioError(f"{where}: expected a mapping")
        bad = set(entry) - FAULT_KEYS
        if bad:
            raise ScenarioError(f"{where}: unknown key(s) {', '.join(sorted(bad))}")
        dev = entry.get("device")
        if dev not in names:
            raise ScenarioError(f"{where}: device {dev!r} is not in the lab bank")
        fault_id = str(entry.get("id") or f"{dev}-{n}")
        expect = tuple(
            _expectation(e, dev, fault_id, f"{where}.expect") for e in _list(entry, "expect", where)
        )
        faults.append(
            Fault(
                id=fault_id,
                device=dev,
                summary=str(entry.get("summary") or ""),
                set=_values(entry.get("set"), f"{where}.set"),
                add=_values(entry.get("add"), f"{where}.add"),
                remove=tuple(normalize_oid(str(o)) for o in _list(entry, "remove", where)),
                down=bool(entry.get("down", False)),
                expect=expect,
            )
        )
    return Scenario(
        name=path.stem, description=str(raw.get("description") or ""), faults=tuple(faults),
        path=path,
    )  # fmt: skip


def _list(entry: dict, key: str, where: str) -> list:
    value = entry.get(key) or []
    if not isinstance(value, list):
        raise ScenarioError(f"{where}.{key}: expected a list")
    return value


def _values(raw: object, where: str) -> dict[str, SnmpValue]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ScenarioError(f'{where}: expected a mapping of OID to "tag|value"')
    values: dict[str, SnmpValue] = {}
    for oid, spec in raw.items():
        try:
            key, value = parse_snmprec_line(f"{oid}|{spec}", f"{where}.{oid}")
        except SnmprecError as exc:
            raise ScenarioError(str(exc)) from None
        values[key] = value
    return values


def _expectation(raw: object, dev: str, fault_id: str, where: str) -> ExpectedFinding:
    if not isinstance(raw, dict):
        raise ScenarioError(f"{where}: expected a mapping")
    bad = set(raw) - EXPECT_KEYS
    if bad:
        raise ScenarioError(f"{where}: unknown key(s) {', '.join(sorted(bad))}")
    status = str(raw.get("status", "CRITICAL")).upper()
    if status not in STATUSES:
        raise ScenarioError(f"{where}: status {status!r} is not one of {', '.join(STATUSES)}")
    if not raw.get("subject"):
        raise ScenarioError(f"{where}: `subject` is required")
    item = raw.get("item")
    return ExpectedFinding(
        device=dev,
        subject=str(raw["subject"]),
        item=None if item is None else str(item),
        status=status,
        aliases=tuple(str(a) for a in raw.get("aliases") or ()),
        fault=fault_id,
    )
