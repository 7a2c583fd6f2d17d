"""CLI outputs as collected over SSH, their recording on disk, and the shape of a CLI check.

`CliData` is what passes from the SSH transport to a CLI check: the raw screen output of each
command (echo, prompt and paging prompts already stripped), plus the errors met per command.
The same map is written to and read from a recording folder (`<dir>/cli/<slug>.txt` plus
`<dir>/cli/index.json` mapping each command to its file), so `patrol record` and
`patrol diagnose --from` work for SSH as they do for SNMP.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from checks.check import CheckContext, Verdict

CLI_DIR = "cli"
INDEX = "index.json"


@dataclass
class CliData:
    outputs: dict[str, str] = field(default_factory=dict)  # command as sent -> output
    errors: dict[str, str] = field(default_factory=dict)  # command -> readable reason

    def output(self, command: str) -> str | None:
        return self.outputs.get(command)

    def error_for(self, command: str) -> str | None:
        return self.errors.get(command)

    def merge(self, other: CliData) -> None:
        self.outputs.update(other.outputs)
        self.errors.update(other.errors)

    def write(self, folder: Path) -> list[Path]:
        """Write under `folder/cli/`; returns the files written."""
        base = folder / CLI_DIR
        base.mkdir(parents=True, exist_ok=True)
        index: dict[str, dict[str, str]] = {}
        written: list[Path] = []
        for command, text in sorted(self.outputs.items()):
            name = _slug(command, index) + ".txt"
            (base / name).write_text(text, encoding="utf-8")
            index[command] = {"file": name}
            written.append(base / name)
        for command, reason in sorted(self.errors.items()):
            index.setdefault(command, {})["error"] = reason
        (base / INDEX).write_text(json.dumps(index, indent=2) + "\n", encoding="utf-8")
        written.append(base / INDEX)
        return written

    @classmethod
    def read(cls, folder: Path) -> CliData | None:
        """Read `folder/cli/`; None when the recording has no CLI part."""
        base = folder / CLI_DIR
        index_path = base / INDEX
        if not index_path.exists():
            return None
        index = json.loads(index_path.read_text(encoding="utf-8"))
        data = cls()
        for command, entry in index.items():
            if "file" in entry:
                data.outputs[command] = (base / entry["file"]).read_text(encoding="utf-8")
            if "error" in entry:
                data.errors[command] = entry["error"]
        return data


def _slug(command: str, taken: dict[str, dict[str, str]]) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "_", command).strip("_")[:80] or "command"
    used = {entry.get("file") for entry in taken.values()}
    candidate, n = slug, 2
    while candidate + ".txt" in used:
        candidate, n = f"{slug}_{n}", n + 1
    return candidate


class CliCheck(Protocol):
    """A check over CLI outputs: which read-only commands it needs, and a pure evaluation."""

    id: str  # "<platform or family>.<subject>", e.g. "huawei.alarms", "aix.errpt"
    title: str
    level: int | None  # the fault level its failure declares, or None: the policy decides

    def applies_to(self, platform: str) -> bool: ...

    def commands(self, platform: str) -> tuple[str, ...]: ...

    def evaluate(self, data: CliData, ctx: CheckContext) -> Verdict | None: ...
