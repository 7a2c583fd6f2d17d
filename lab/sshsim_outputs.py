"""The CLI outputs the simulated devices answer: lab/cli_outputs, its scenario overlays, time.

Layout (see lab/cli_outputs/README.md):
    cli_outputs/<device>/index.yaml      platform, hostname, utc_offset, commands: {command: file}
    cli_outputs/<device>/<slug>.txt      one output per command, as the device prints it
    cli_outputs/_<scenario>/scenario.yaml   devices that are down, the expected CLI findings
    cli_outputs/_<scenario>/<device>/index.yaml + files   replace or add commands of a device

Outputs may hold time placeholders rendered when the command is answered, so that "in the
last 24 h" stays true whenever the lab runs: `{{now:FORMAT}}` or `{{now-3h25m:FORMAT}}` (units
w d h m s), FORMAT being strftime plus `%L` (milliseconds) and `%:z` (the device's UTC offset as
+08:00), rendered in the device's local time (`utc_offset` in its index).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml

OUTPUTS_DIR = Path(__file__).resolve().parent / "cli_outputs"
SCENARIOS = ("healthy", "faults")

_PLACEHOLDER = re.compile(r"\{\{now(?:([+-])((?:\d+[wdhms])+))?:([^}]*)\}\}")
_UNIT = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


class OutputsError(ValueError):
    """A malformed cli_outputs tree; the message names the file and the problem."""


def parse_offset(text: str) -> timedelta:
    """`3h25m` -> timedelta (units w d h m s)."""
    seconds = sum(int(n) * _UNIT[u] for n, u in re.findall(r"(\d+)([wdhms])", text))
    return timedelta(seconds=seconds)


def _utc_offset(text: str, where: Path) -> timezone:
    m = re.fullmatch(r"([+-])(\d\d):(\d\d)", text.strip())
    if not m:
        raise OutputsError(f"{where}: utc_offset must look like +08:00, not {text!r}")
    delta = timedelta(hours=int(m.group(2)), minutes=int(m.group(3)))
    return timezone(-delta if m.group(1) == "-" else delta)


def render_time(text: str, now: datetime, tz: timezone) -> str:
    """Replace the time placeholders of an output with times relative to `now`."""
    if "{{now" not in text:
        return text
    local_now = now.astimezone(tz)

    def one(m: re.Match[str]) -> str:
        sign, offset, fmt = m.group(1), m.group(2), m.group(3)
        when = local_now
        if offset:
            delta = parse_offset(offset)
            when = when - delta if sign == "-" else when + delta
        offset_text = when.strftime("%z")
        fmt = fmt.replace("%L", f"{when.microsecond // 1000:03d}")
        fmt = fmt.replace("%:z", f"{offset_text[:3]}:{offset_text[3:]}")
        return when.strftime(fmt)

    return _PLACEHOLDER.sub(one, text)


@dataclass
class DeviceOutputs:
    """What one device answers in one scenario."""

    name: str
    platform: str
    hostname: str
    tz: timezone
    files: dict[str, Path] = field(default_factory=dict)  # command as recorded -> file
    aliases: dict[str, str] = field(default_factory=dict)  # other spelling -> recorded command
    data: dict[str, Path] = field(default_factory=dict)  # structured data files (errlog, ...)

    @property
    def commands(self) -> list[str]:
        return sorted(self.files)

    def lookup(self, command: str) -> str | None:
        """The recorded command answering `command` (exact after whitespace normalisation)."""
        key = " ".join(command.split())
        if key in self.files:
            return key
        return self.aliases.get(key)

    def render(self, command: str, now: datetime | None = None) -> str | None:
        """The output of a recorded command, times rendered; None when not recorded."""
        key = self.lookup(command)
        if key is None:
            return None
        text = self.files[key].read_text(encoding="utf-8")
        return render_time(text, now or datetime.now(UTC), self.tz)

    def load_data(self, name: str) -> Any:
        path = self.data.get(name)
        if path is None:
            return None
        return yaml.safe_load(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Scenario:
    name: str
    down: frozenset[str]
    findings: tuple[dict[str, Any], ...]
    overlays: frozenset[str]  # devices whose outputs the scenario changes


class OutputStore:
    """Reads lab/cli_outputs (or another root) for one scenario."""

    def __init__(self, scenario: str = "healthy", root: Path | None = None) -> None:
        self.root = root or OUTPUTS_DIR
        if scenario != "healthy" and not (self.root / f"_{scenario}").is_dir():
            known = ", ".join(["healthy", *self.scenario_names()])
            raise OutputsError(f"unknown scenario {scenario!r} (known: {known})")
        self.scenario_name = scenario
        self.scenario = self._load_scenario(scenario)
        self._cache: dict[str, DeviceOutputs] = {}

    def scenario_names(self) -> list[str]:
        return sorted(
            p.name[1:] for p in self.root.iterdir() if p.is_dir() and p.name.startswith("_")
        )

    def device_names(self) -> list[str]:
        return sorted(
            p.name
            for p in self.root.iterdir()
            if p.is_dir() and not p.name.startswith("_") and (p / "index.yaml").exists()
        )

    def has(self, name: str) -> bool:
        return (self.root / name / "index.yaml").exists()

    def device(self, name: str) -> DeviceOutputs:
        if name not in self._cache:
            self._cache[name] = self._load_device(name)
        return self._cache[name]

    def profile_for_platform(self, platform: str) -> str | None:
        """A lab device of that platform, whose outputs a device without its own may borrow."""
        for name in self.device_names():
            if self.device(name).platform == platform:
                return name
        return None

    # ------------------------------------------------------------------ loading

    def _load_scenario(self, name: str) -> Scenario:
        if name == "healthy":
            return Scenario("healthy", frozenset(), (), frozenset())
        base = self.root / f"_{name}"
        path = base / "scenario.yaml"
        doc = _read_yaml(path) if path.exists() else {}
        down = doc.get("down") or []
        findings = doc.get("findings") or []
        if not isinstance(down, list) or not isinstance(findings, list):
            raise OutputsError(f"{path}: `down` and `findings` must be lists")
        overlays = frozenset(
            p.name for p in base.iterdir() if p.is_dir() and (p / "index.yaml").exists()
        )
        return Scenario(name, frozenset(down), tuple(findings), overlays)

    def _load_device(self, name: str) -> DeviceOutputs:
        index_path = self.root / name / "index.yaml"
        if not index_path.exists():
            raise OutputsError(f"no CLI outputs for device {name!r} ({index_path} is missing)")
        doc = _read_yaml(index_path)
        for key in ("platform", "hostname", "commands"):
            if key not in doc:
                raise OutputsError(f"{index_path}: missing `{key}`")
        outputs = DeviceOutputs(
            name=name,
            platform=str(doc["platform"]),
            hostname=str(doc["hostname"]),
            tz=_utc_offset(str(doc.get("utc_offset", "+08:00")), index_path),
        )
        self._add_entries(outputs, doc, index_path.parent, index_path)
        if name in self.scenario.overlays:
            overlay_index = self.root / f"_{self.scenario_name}" / name / "index.yaml"
            overlay = _read_yaml(overlay_index)
            self._add_entries(outputs, overlay, overlay_index.parent, overlay_index)
            for command in overlay.get("remove") or []:
                outputs.files.pop(" ".join(str(command).split()), None)
        return outputs

    @staticmethod
    def _add_entries(outputs: DeviceOutputs, doc: dict[str, Any], base: Path, where: Path) -> None:
        for command, file_name in (doc.get("commands") or {}).items():
            path = base / str(file_name)
            if not path.exists():
                raise OutputsError(f"{where}: {command!r} names {file_name}, which is missing")
            outputs.files[" ".join(str(command).split())] = path
        for alias, command in (doc.get("aliases") or {}).items():
            outputs.aliases[" ".join(str(alias).split())] = " ".join(str(command).split())
        for key, file_name in (doc.get("data") or {}).items():
            path = base / str(file_name)
            if not path.exists():
                raise OutputsError(f"{where}: data {key!r} names {file_name}, which is missing")
            outputs.data[str(key)] = path


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise OutputsError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(doc, dict):
        raise OutputsError(f"{path}: expected a mapping at the top")
    return doc


def slug(command: str) -> str:
    """The file name stem of a command's output: `display alarm active` -> display_alarm_active."""
    return re.sub(r"[^A-Za-z0-9]+", "_", command).strip("_")[:80] or "command"
