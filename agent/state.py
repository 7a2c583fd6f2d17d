"""The previous sample of each device's counters, kept on disk between polls.

Interface error rates and utilisation need two samples, and reboot detection needs the last
sysUpTime; like Nagios interface plugins, the agent keeps the last counters per device in a small
JSON file (default: $XDG_CACHE_HOME/patrol/counters) and hands them to the pure evaluations.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from datetime import datetime
from pathlib import Path

from checks.snmpdata import COUNTER32, COUNTER64, TIMETICKS, SnmpData, SnmpValue

KEPT_TAGS = frozenset({COUNTER32, COUNTER64, TIMETICKS})
# ifOperStatus too: a port that was up at the last poll and is down now is a finding.
KEPT_PREFIXES = ("1.3.6.1.2.1.2.2.1.8.",)
# A sample older than this says nothing useful about a rate now.
MAX_AGE_S = 6 * 3600


def default_state_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "patrol" / "counters"


class CounterStore:
    def __init__(self, directory: Path | None = None):
        self.directory = directory or default_state_dir()

    def _path(self, device: str) -> Path:
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", device)
        return self.directory / f"{safe}.json"

    def load(self, device: str, now: datetime) -> tuple[SnmpData, datetime] | None:
        try:
            raw = json.loads(self._path(device).read_text())
            at = datetime.fromisoformat(raw["at"])
            values = {oid: SnmpValue(int(tag), int(v)) for oid, (tag, v) in raw["values"].items()}
        except (OSError, ValueError, KeyError, TypeError):
            return None  # no sample yet, or a damaged file: behave as on a first poll
        age = (now - at).total_seconds()
        if age <= 0 or age > MAX_AGE_S:
            return None
        return SnmpData(values=values), at

    def save(self, device: str, data: SnmpData, at: datetime) -> None:
        values = {
            oid: [v.tag, v.value]
            for oid, v in data.values.items()
            if isinstance(v.value, int) and (v.tag in KEPT_TAGS or oid.startswith(KEPT_PREFIXES))
        }
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-")
            with os.fdopen(fd, "w") as fh:
                json.dump({"at": at.isoformat(), "values": values}, fh)
            os.replace(tmp, self._path(device))
        except OSError:
            pass  # a read-only cache only costs the rates of the next poll
