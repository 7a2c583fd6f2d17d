"""What monitoring observes: problem fingerprints, observations and per-problem state.

PUBLIC API (used by server.faults, the storage layer and tests):
    Fingerprint(device, check, item)   one problem; item "" for a check-level problem
    Observation                        one problem's status in one Result
    observations(result, inspection=False) -> list[Observation]
    ProblemState                       damping and recovery tracking of one problem; to/from dict
    DeviceContext                      what the server knows of the device a result is about,
                                       including whether it is unreachable right now
    unreachable_in(results) -> {device: bool}   the verdict of a batch's reachability results
    wire_observations(result), wire_all_ok(result), wire_unreachable_in(results)
                                       the same for Results in their wire form (server.schemas)
    latest_reachability([(device, check, observed_at, status)]) -> {device: bool}

A Result becomes one Observation per item it reports (fan, PSU, port...) plus one check-level
Observation (item ""), whose status is the Result's status when its items do not explain it (a
CPU or temperature threshold) and OK when they do: a failed fan is one problem, the fan, not two.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from checks.inventory import CRITICALITIES, ZONES, Device
from checks.result import Result
from checks.status import Status, worst
from server.policy import is_reachability


def to_iso(moment: datetime | None) -> str | None:
    """UTC ISO-8601 with a Z, to the microsecond when there is one (exact round trip)."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def from_iso(text: str | None) -> datetime | None:
    if text is None:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"time without a time zone: {text!r}")
    return moment


def require_aware(moment: datetime, what: str = "now") -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime, got {moment!r}")
    return moment


@dataclass(frozen=True, order=True)
class Fingerprint:
    device: str
    check: str
    item: str = ""

    def __str__(self) -> str:
        return f"{self.device} {self.check} {self.item}".rstrip()


@dataclass(frozen=True)
class Observation:
    fingerprint: Fingerprint
    status: Status
    summary: str
    observed_at: datetime
    declared_level: int | None = None  # the check's own level for this failure (Result.level)
    inspection: bool = False  # an inspection finding (advisory) rather than a fault
    result_id: str | None = None


def observations(
    result: Result, *, inspection: bool = False, per_check: bool = False
) -> list[Observation]:
    """The problems a Result speaks about: one per item, plus the check-level one; only the
    check-level one when `per_check` (event checks: logs, alarms, error logs)."""
    return _observations(
        result.device,
        result.check,
        result.status,
        result.summary,
        result.observed_at,
        result.level,
        result.id,
        [(i.item, i.status, i.detail) for i in result.items],
        inspection=inspection,
        per_check=per_check,
    )


_STATUS = {s.value: s for s in Status}


def wire_observations(result: Mapping[str, Any], *, per_check: bool = False) -> list[Observation]:
    """observations() of a Result in its validated wire form (server.schemas.ResultWire): what
    ingestion works on, without building the Result first."""
    return _observations(
        result["device"],
        result["check"],
        _STATUS[result["status"]],
        result["summary"],
        result["observed_at"],
        result["level"],
        result["id"],
        [(i["item"], _STATUS[i["status"]], i["detail"]) for i in result["items"]],
        per_check=per_check,
    )


def wire_all_ok(result: Mapping[str, Any]) -> bool:
    """Does a wire Result report nothing but OK (itself and every item)? Such a result changes
    no problem that has never failed."""
    if result["status"] != "OK":
        return False
    # (a loop: all() over a generator costs twice as much here)
    for item in result["items"]:  # noqa: SIM110
        if item["status"] != "OK":
            return False
    return True


def _observations(
    device: str,
    check: str,
    status: Status,
    summary: str,
    observed_at: datetime,
    level: int | None,
    result_id: str,
    items: Sequence[tuple[str, Status, str]],
    *,
    inspection: bool = False,
    per_check: bool = False,
) -> list[Observation]:
    def make(item: str, status: Status, summary: str) -> Observation:
        return Observation(
            fingerprint=Fingerprint(device, check, item),
            status=status,
            summary=summary,
            observed_at=observed_at,
            declared_level=level if status is not Status.OK else None,
            inspection=inspection,
            result_id=result_id,
        )

    if per_check:
        return [make("", status, summary)]
    out: list[Observation] = []
    for item, item_status, detail in items:
        out.append(make(item, item_status, detail or f"{item} {item_status}"))
    items_worst = worst(i[1] for i in items)
    explained = status.severity <= items_worst.severity
    check_status = Status.OK if items and explained else status
    out.append(make("", check_status, summary))
    return out


@dataclass(frozen=True)
class ProblemState:
    """Tracking of one problem. Times are when the device was observed, not when we learned."""

    device: str
    check: str
    item: str = ""
    consecutive: int = 0  # non-OK results in a row (damping), reset by OK
    last_status: Status | None = None
    last_summary: str = ""
    last_seen_at: datetime | None = None
    failing_since: datetime | None = None  # first non-OK of the current non-OK run
    ok_since: datetime | None = None  # first OK of the current OK run
    ticket_id: str | None = None  # the ticket this problem belongs to (live or recently closed)

    @classmethod
    def new(cls, fingerprint: Fingerprint) -> ProblemState:
        return cls(fingerprint.device, fingerprint.check, fingerprint.item)

    @property
    def fingerprint(self) -> Fingerprint:
        return Fingerprint(self.device, self.check, self.item)

    @property
    def ok(self) -> bool:
        return self.last_status is Status.OK

    def observed(self, observation: Observation) -> ProblemState:
        """This state after one (not inhibited) observation: the damping counter and runs."""
        status = observation.status
        at = observation.observed_at
        if status is Status.OK:
            return replace(
                self,
                consecutive=0,
                last_status=status,
                last_summary=observation.summary,
                last_seen_at=at,
                failing_since=None,
                ok_since=self.ok_since if self.ok else at,
            )
        still_failing = self.last_status is not None and not self.ok
        return replace(
            self,
            consecutive=self.consecutive + 1,
            last_status=status,
            last_summary=observation.summary,
            last_seen_at=at,
            failing_since=self.failing_since if still_failing and self.failing_since else at,
            ok_since=None,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "device": self.device,
            "check": self.check,
            "item": self.item,
            "consecutive": self.consecutive,
            "last_status": self.last_status.value if self.last_status else None,
            "last_summary": self.last_summary,
            "last_seen_at": to_iso(self.last_seen_at),
            "failing_since": to_iso(self.failing_since),
            "ok_since": to_iso(self.ok_since),
            "ticket_id": self.ticket_id,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProblemState:
        status = data.get("last_status")
        return cls(
            device=str(data["device"]),
            check=str(data["check"]),
            item=str(data.get("item") or ""),
            consecutive=int(data.get("consecutive", 0)),
            last_status=Status.parse(status) if status else None,
            last_summary=str(data.get("last_summary", "")),
            last_seen_at=from_iso(data.get("last_seen_at")),
            failing_since=from_iso(data.get("failing_since")),
            ok_since=from_iso(data.get("ok_since")),
            ticket_id=data.get("ticket_id"),
        )


@dataclass(frozen=True)
class DeviceContext:
    """The device (or, with name None, the site) a result or a hand-registered ticket is about.

    `unreachable` is decided by the caller, per device, before applying a batch: True when the
    device's latest reachability result (`*.reachability`, from the same batch when it has one -
    see unreachable_in - else the stored problem state) is CRITICAL, whether or not that problem
    has opened its ticket yet.
    """

    name: str | None
    customer: str
    site: str
    zone: str
    criticality: str = "medium"
    unreachable: bool = False

    def __post_init__(self) -> None:
        if self.zone not in ZONES:
            raise ValueError(f"zone must be one of {', '.join(ZONES)}, got {self.zone!r}")
        if self.criticality not in CRITICALITIES:
            raise ValueError(
                f"criticality must be one of {', '.join(CRITICALITIES)}, got {self.criticality!r}"
            )

    @classmethod
    def from_device(cls, device: Device, *, unreachable: bool = False) -> DeviceContext:
        return cls(
            name=device.name,
            customer=device.customer,
            site=device.site,
            zone=device.zone,
            criticality=device.criticality,
            unreachable=unreachable,
        )


def means_unreachable(check: str, status: Status) -> bool:
    return is_reachability(check) and status is Status.CRITICAL


def unreachable_in(results: Iterable[Result]) -> dict[str, bool]:
    """For each device with a reachability result in the batch: is it unreachable (by its
    latest one)? Devices without one are absent: the caller falls back to the stored state."""
    return latest_reachability((r.device, r.check, r.observed_at, r.status) for r in results)


def wire_unreachable_in(results: Iterable[Mapping[str, Any]]) -> dict[str, bool]:
    """unreachable_in() of wire Results (server.schemas.ResultWire)."""
    return latest_reachability(
        (r["device"], r["check"], r["observed_at"], _STATUS[r["status"]]) for r in results
    )


def latest_reachability(readings: Iterable[tuple[str, str, datetime, Status]]) -> dict[str, bool]:
    """(device, check, observed_at, status) of results -> for each device with a reachability
    result among them: is its latest one CRITICAL (the device unreachable)?"""
    latest: dict[str, tuple[datetime, str, Status]] = {}
    for device, check, observed_at, status in readings:
        if is_reachability(check):
            seen = latest.get(device)
            if seen is None or observed_at >= seen[0]:
                latest[device] = (observed_at, check, status)
    return {
        device: means_unreachable(check, status) for device, (_, check, status) in latest.items()
    }
