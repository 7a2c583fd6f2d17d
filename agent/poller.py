"""Diagnose one device over SNMP: probe, detect the platform, collect once, evaluate.

The flow of every poll (live, recorded or replayed):
  1. a GET of the system group (sysDescr, sysObjectID, sysUpTime, sysName): no answer means one
     `snmp.reachability` CRITICAL and nothing else;
  2. the platform from the inventory, or detected from sysObjectID/sysDescr;
  3. one collection of the union of the applicable checks' plans (walk only what they need);
  4. the pure evaluations (checks/), with the previous counters for rates and reboots.
A recording is the same collected data written as snmprec plus a small JSON of metadata, so
`diagnose --from` runs steps 2 and 4 on it offline.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checks.check import CheckContext, SnmpCheck
from checks.identity import identify, identity_plan
from checks.inventory import Device, SecretError
from checks.platforms import PLATFORMS, detect
from checks.report import DeviceInfo, DeviceReport
from checks.result import Result, isoformat, utcnow
from checks.snmp import evaluate_checks, load_catalog
from checks.snmpdata import SnmpData, SnmpPlan, SnmprecError
from checks.status import Status
from checks.thresholds import Thresholds

if TYPE_CHECKING:
    from agent.snmp import SnmpClient
    from agent.state import CounterStore

REACHABILITY = "snmp.reachability"
SYS_DESCR = "1.3.6.1.2.1.1.1.0"
SYS_OBJECT_ID = "1.3.6.1.2.1.1.2.0"
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
SYS_NAME = "1.3.6.1.2.1.1.5.0"
PROBE_OIDS = (SYS_DESCR, SYS_OBJECT_ID, SYS_UPTIME, SYS_NAME)
RECORDING_SNMPREC = "snmp.snmprec"
RECORDING_META = "device.json"


class RecordingError(Exception):
    """A recording folder that cannot be replayed; the message says what is wrong."""


@dataclass(frozen=True)
class PollOptions:
    check_ids: tuple[str, ...] = ()  # only these checks (ids or prefixes like "huawei.")


def select_checks(platform: str, role: str | None, check_ids: tuple[str, ...]) -> list[SnmpCheck]:
    checks = load_catalog().for_platform(platform, role)
    if check_ids:
        checks = [c for c in checks if any(_matches(c.id, want) for want in check_ids)]
    return checks


def _matches(check_id: str, want: str) -> bool:
    return check_id == want or (want.endswith(".") and check_id.startswith(want))


def platform_of(declared: str | None, data: SnmpData) -> str:
    if declared:
        return declared
    oid = data.get(SYS_OBJECT_ID)
    descr = data.get(SYS_DESCR)
    return detect(oid.text() if oid else "", descr.text() if descr else "")


def evaluate(
    name: str,
    platform: str,
    data: SnmpData,
    *,
    thresholds: Thresholds | None = None,
    role: str | None = None,
    options: PollOptions = PollOptions(),
    now: datetime | None = None,
    previous: tuple[SnmpData, datetime] | None = None,
    address: str | None = None,
) -> DeviceReport:
    """Pure step 4 over collected data: identity plus one Result per applicable check."""
    now = now or utcnow()
    checks = select_checks(platform, role, options.check_ids)
    ctx = CheckContext(
        device=name,
        platform=platform,
        thresholds=thresholds or Thresholds(),
        role=role,
        now=now,
        previous=previous[0] if previous else None,
        previous_at=previous[1] if previous else None,
    )
    results = evaluate_checks(checks, data, ctx)
    ident = identify(data, platform)
    info = DeviceInfo(
        name=name,
        address=address,
        platform=platform,
        model=ident.model,
        os_version=ident.os_version,
        serial=ident.serial,
        uptime_s=ident.uptime_s,
        sys_name=ident.sys_name,
    )
    return DeviceReport(device=info, results=results)


def plan_for(platform: str, checks: list[SnmpCheck]) -> SnmpPlan:
    plan = identity_plan(platform)
    for check in checks:
        plan = plan | check.plan()
    return plan


def unreachable_report(
    device: Device, reason: str, status: Status = Status.CRITICAL
) -> DeviceReport:
    result = Result(device=device.name, check=REACHABILITY, status=status, summary=reason)
    info = DeviceInfo(name=device.name, address=device.address, platform=device.platform)
    return DeviceReport(device=info, results=[result], customer=device.customer, site=device.site)


def config_error_report(device: Device, reason: str) -> DeviceReport:
    result = Result(
        device=device.name,
        check="config",
        status=Status.UNKNOWN,
        summary=f"configuration: {reason}",
    )
    info = DeviceInfo(name=device.name, address=device.address, platform=device.platform)
    return DeviceReport(device=info, results=[result], customer=device.customer, site=device.site)


async def poll_device(
    device: Device,
    client: SnmpClient,
    *,
    options: PollOptions = PollOptions(),
    store: CounterStore | None = None,
) -> tuple[DeviceReport, SnmpData | None]:
    """Live diagnosis of one device; returns the report and the data collected (for recording).

    Never raises for a device problem: an unreachable or misbehaving device is a finding.
    """
    from agent.snmp import SnmpError, SnmpTimeout, target_from_device

    started = time.perf_counter()
    if device.snmp is None:
        return config_error_report(device, "no snmp access configured for this device"), None
    try:
        target = target_from_device(device)
    except (SecretError, ValueError) as exc:
        return config_error_report(device, str(exc)), None

    now = utcnow()
    try:
        probe = await client.get(target, list(PROBE_OIDS))
    except SnmpTimeout as exc:
        return unreachable_report(device, f"no SNMP response: {exc}"), None
    except SnmpError as exc:
        return unreachable_report(device, f"SNMP error: {exc}", Status.UNKNOWN), None
    probe_ms = (time.perf_counter() - started) * 1000

    data = SnmpData(values=dict(probe))
    platform = platform_of(device.platform, data)
    checks = select_checks(platform, device.role, options.check_ids)
    plan = plan_for(platform, checks)
    plan = SnmpPlan.of(gets=[g for g in plan.gets if g not in probe], walks=plan.walks)
    collected = await client.collect(target, plan)
    data.merge(collected)

    previous = store.load(device.name, now) if store else None
    report = evaluate(
        device.name,
        platform,
        data,
        thresholds=device.thresholds,
        role=device.role,
        options=options,
        now=now,
        previous=previous,
        address=device.address,
    )
    reach = Result(
        device=device.name,
        check=REACHABILITY,
        status=Status.OK,
        summary=f"SNMP v{target.version} answers in {probe_ms:.0f} ms",
        observed_at=now,
        duration_ms=probe_ms,
    )
    report.results.insert(0, reach)
    report.customer, report.site = device.customer, device.site
    report.duration_ms = (time.perf_counter() - started) * 1000
    if store:
        store.save(device.name, data, now)
    return report, data


# --- recordings ------------------------------------------------------------------------------


def write_recording(
    folder: Path, device: Device, report: DeviceReport, data: SnmpData | None
) -> list[Path]:
    """Write what was collected (snmprec) and who it was (device.json) to `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    meta: dict[str, Any] = {
        "device": device.name,
        "address": device.address,
        "platform": report.device.platform,
        "role": device.role,
        "recorded_at": isoformat(utcnow()),
        "errors": data.errors if data else {},
    }
    written = []
    if data is None:
        reach = report.results[0] if report.results else None
        meta["unreachable"] = reach.summary if reach else "no data"
    else:
        path = folder / RECORDING_SNMPREC
        path.write_text(data.to_snmprec(), encoding="utf-8")
        written.append(path)
    meta_path = folder / RECORDING_META
    meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    written.append(meta_path)
    return written


def load_recording(source: Path) -> tuple[dict[str, Any], SnmpData]:
    """Read a `patrol record` folder, or a bare .snmprec file (e.g. a full device walk)."""
    if source.is_file():
        meta: dict[str, Any] = {"device": source.stem}
        snmprec = source
    elif source.is_dir():
        meta_path = source / RECORDING_META
        meta = {}
        if meta_path.exists():
            try:
                meta = json.loads(meta_path.read_text(encoding="utf-8"))
            except ValueError as exc:
                raise RecordingError(f"{meta_path}: not valid JSON: {exc}") from None
        meta.setdefault("device", source.name)
        snmprec = source / RECORDING_SNMPREC
        if not snmprec.exists():
            if meta.get("unreachable"):
                return meta, SnmpData()
            raise RecordingError(f"{source}: no {RECORDING_SNMPREC} in this folder")
    else:
        raise RecordingError(f"{source}: no such file or folder")
    try:
        data = SnmpData.from_snmprec(snmprec)
    except (SnmprecError, UnicodeDecodeError, OSError) as exc:
        raise RecordingError(str(exc)) from None
    data.errors.update(meta.get("errors") or {})
    platform = meta.get("platform")
    if platform is not None and platform not in PLATFORMS:
        raise RecordingError(f"{source}: unknown platform {platform!r} in {RECORDING_META}")
    return meta, data


def replay(
    source: Path,
    *,
    device: Device | None = None,
    options: PollOptions = PollOptions(),
) -> DeviceReport:
    """Evaluate a recording offline, as `patrol diagnose --from` does."""
    meta, data = load_recording(source)
    name = device.name if device else str(meta["device"])
    if meta.get("unreachable"):
        result = Result(
            device=name, check=REACHABILITY, status=Status.CRITICAL, summary=meta["unreachable"]
        )
        return DeviceReport(
            device=DeviceInfo(name=name, address=meta.get("address")), results=[result]
        )
    declared = meta.get("platform") or (device.platform if device else None)
    platform = platform_of(declared, data)
    checks = select_checks(platform, meta.get("role"), options.check_ids)
    # A full walk holds far more than a poll reads: evaluate only what a live poll would collect.
    data = data.subset(plan_for(platform, checks))
    report = evaluate(
        name,
        platform,
        data,
        thresholds=device.thresholds if device else None,
        role=(device.role if device else meta.get("role")),
        options=options,
        address=meta.get("address"),
    )
    reach = Result(
        device=name, check=REACHABILITY, status=Status.OK, summary="replayed from a recording"
    )
    report.results.insert(0, reach)
    return report
