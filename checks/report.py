"""DeviceReport: who a device is and every finding of one diagnosis, and its JSON form.

`{"device": {name, address, platform, model, os_version, serial, uptime_s}, "status": ...,
"results": [Result, ...]}` is what `patrol diagnose --json` prints and what a sweep writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from checks.result import Result
from checks.status import Status, worst


@dataclass(slots=True)
class DeviceInfo:
    name: str
    address: str | None = None
    platform: str | None = None
    model: str | None = None
    os_version: str | None = None
    serial: str | None = None
    uptime_s: float | None = None
    sys_name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "address": self.address,
            "platform": self.platform,
            "model": self.model,
            "os_version": self.os_version,
            "serial": self.serial,
            "uptime_s": self.uptime_s,
        }


@dataclass(slots=True)
class DeviceReport:
    device: DeviceInfo
    results: list[Result] = field(default_factory=list)
    customer: str | None = None
    site: str | None = None
    duration_ms: float = 0.0

    @property
    def status(self) -> Status:
        if not self.results:
            return Status.UNKNOWN  # nothing was checked: never report that as OK
        return worst(r.status for r in self.results)

    @property
    def findings(self) -> list[Result]:
        """Results that are not OK, worst first."""
        bad = [r for r in self.results if r.status is not Status.OK]
        return sorted(bad, key=lambda r: -r.status.severity)

    def to_dict(self) -> dict[str, Any]:
        return {
            "device": self.device.to_dict(),
            "status": self.status.value,
            "results": [r.to_dict() for r in self.results],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DeviceReport:
        dev = data["device"]
        return cls(
            device=DeviceInfo(
                name=dev["name"],
                address=dev.get("address"),
                platform=dev.get("platform"),
                model=dev.get("model"),
                os_version=dev.get("os_version"),
                serial=dev.get("serial"),
                uptime_s=dev.get("uptime_s"),
            ),
            results=[Result.from_dict(r) for r in data.get("results", [])],
        )
