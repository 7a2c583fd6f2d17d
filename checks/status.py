"""Check status with the Nagios plugin exit codes, and the "worst" ranking.

Status is deliberately not an IntEnum: its exit code orders UNKNOWN (3) above CRITICAL (2), but a
device we could not read must never hide one that is burning, so "worst" uses its own ranking:
CRITICAL > UNKNOWN > WARNING > OK.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum


class Status(Enum):
    OK = "OK"
    WARNING = "WARNING"
    CRITICAL = "CRITICAL"
    UNKNOWN = "UNKNOWN"

    @property
    def code(self) -> int:
        """The Nagios plugin exit code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN."""
        return _CODES[self]

    @property
    def severity(self) -> int:
        """Rank for "worst": OK 0 < WARNING 1 < UNKNOWN 2 < CRITICAL 3."""
        return _SEVERITY[self]

    @classmethod
    def parse(cls, text: str) -> Status:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(
                f"unknown status {text!r} (expected OK, WARNING, CRITICAL or UNKNOWN)"
            ) from None

    def __str__(self) -> str:
        return self.value


_CODES = {Status.OK: 0, Status.WARNING: 1, Status.CRITICAL: 2, Status.UNKNOWN: 3}
_SEVERITY = {Status.OK: 0, Status.WARNING: 1, Status.UNKNOWN: 2, Status.CRITICAL: 3}


def worst(statuses: Iterable[Status], default: Status = Status.OK) -> Status:
    """The most severe status of `statuses` (CRITICAL > UNKNOWN > WARNING > OK)."""
    result = default
    for status in statuses:
        if status.severity > result.severity:
            result = status
    return result
