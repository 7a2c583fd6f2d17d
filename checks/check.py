"""The shape of an SNMP check: what to collect, and a pure evaluation of what was collected.

A check never touches the network. The agent asks every applicable check for its `SnmpPlan`,
collects the union once, then calls `evaluate(data, ctx)` on each. `evaluate` returns a
`Verdict` (the engine stamps device, check id, time and duration to make a `Result`), or None
when the device does not expose what the check reads (not applicable: no row in the output).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Protocol

from checks.result import Item, Metric, utcnow
from checks.snmpdata import SnmpData, SnmpPlan
from checks.status import Status
from checks.thresholds import Thresholds


@dataclass(slots=True)
class Verdict:
    status: Status
    summary: str
    metrics: list[Metric] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    # The fault level this failure declares (1 critical .. 4 advisory), e.g. 2 when one of two
    # PSUs failed and 1 when all did; None lets the policy derive it from status + criticality.
    level: int | None = None


@dataclass(frozen=True)
class CheckContext:
    """Everything an evaluation may use besides the collected data; pure inputs only."""

    device: str
    platform: str
    thresholds: Thresholds = field(default_factory=Thresholds)
    role: str | None = None
    now: datetime = field(default_factory=utcnow)
    # The previous sample of this device and when it was taken, for counter rates and reboot
    # detection; None on a first poll or an offline replay.
    previous: SnmpData | None = None
    previous_at: datetime | None = None
    # The device's clock zone (inventory `timezone:`), for timestamps it prints without a
    # numeric offset (logs, error reports); UTC when the inventory does not say.
    local_zone: tzinfo = UTC


class SnmpCheck(Protocol):
    id: str  # "<platform or family>.<subject>", e.g. "huawei_vrp.fans", "snmp.interfaces"
    title: str

    def applies_to(self, platform: str) -> bool: ...

    def plan(self) -> SnmpPlan: ...

    def evaluate(self, data: SnmpData, ctx: CheckContext) -> Verdict | None: ...
