"""Result: one check on one device at one time, and its JSON wire form (DESIGN.md).

`{id, device, check, status, summary, observed_at, duration_ms, metrics: [{name, item, value,
unit, warn, crit}], items: [{item, status, detail}]}` is the `--json` output and the agent ->
server format; keep it stable.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from checks.status import Status, worst

Number = int | float
ThresholdValue = Number | str | None


@dataclass(slots=True)
class Metric:
    name: str
    value: Number
    unit: str = ""
    item: str | None = None
    warn: ThresholdValue = None
    crit: ThresholdValue = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "item": self.item,
            "value": self.value,
            "unit": self.unit,
            "warn": self.warn,
            "crit": self.crit,
        }


@dataclass(slots=True)
class Item:
    """The state of one component (fan, PSU, board, interface, disk) as the device names it."""

    item: str
    status: Status
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"item": self.item, "status": self.status.value, "detail": self.detail}


def utcnow() -> datetime:
    return datetime.now(UTC)


def isoformat(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(slots=True)
class Result:
    device: str
    check: str
    status: Status
    summary: str
    metrics: list[Metric] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    observed_at: datetime = field(default_factory=utcnow)
    duration_ms: float = 0.0
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    # Fault level declared by the check for this failure (see Verdict.level); None: the policy
    # decides. Only present in the JSON when set, so results without one keep their old shape.
    level: int | None = None

    @property
    def problems(self) -> list[Item]:
        """Items that are not OK, worst first."""
        bad = [i for i in self.items if i.status is not Status.OK]
        return sorted(bad, key=lambda i: -i.status.severity)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "device": self.device,
            "check": self.check,
            "status": self.status.value,
            "summary": self.summary,
            "observed_at": isoformat(self.observed_at),
            "duration_ms": round(self.duration_ms, 3),
            "metrics": [m.to_dict() for m in self.metrics],
            "items": [i.to_dict() for i in self.items],
        }
        if self.level is not None:
            out["level"] = self.level
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Result:
        observed = data["observed_at"]
        if isinstance(observed, str):
            observed = datetime.fromisoformat(observed.replace("Z", "+00:00"))
        return cls(
            id=str(data["id"]),
            device=str(data["device"]),
            check=str(data["check"]),
            status=Status.parse(data["status"]),
            summary=str(data.get("summary", "")),
            observed_at=observed,
            duration_ms=float(data.get("duration_ms", 0.0)),
            metrics=[
                Metric(
                    name=m["name"],
                    item=m.get("item"),
                    value=m["value"],
                    unit=m.get("unit", ""),
                    warn=m.get("warn"),
                    crit=m.get("crit"),
                )
                for m in data.get("metrics", [])
            ],
            items=[
                Item(item=i["item"], status=Status.parse(i["status"]), detail=i.get("detail", ""))
                for i in data.get("items", [])
            ],
            level=int(data["level"]) if data.get("level") is not None else None,
        )


def device_status(results: list[Result]) -> Status:
    return worst(r.status for r in results)
