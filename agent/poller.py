"""Diagnose one device over SNMP and SSH: probe, detect the platform, collect once, evaluate.

The flow of every poll (live, recorded or replayed):
  1. SNMP, when the device has it: a GET of the system group (sysDescr, sysObjectID,
     sysUpTime, sysName); no answer means one `snmp.reachability` CRITICAL;
  2. the platform from the inventory, or detected from sysObjectID/sysDescr;
  3. one collection of the union of the applicable SNMP checks' plans (walk only what they
     need) and, when the device has SSH, one SSH session running the applicable CLI checks'
     read-only commands (both at once when the platform is known beforehand);
  4. the pure evaluations (checks/), with the previous counters for rates and reboots.
A device that answers neither yields a single reachability CRITICAL naming both failures.
A recording is the same collected data written as snmprec, CLI outputs as text and a small
JSON of metadata, so `diagnose --from` runs steps 2 and 4 on it offline.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

from checks.check import CheckContext, SnmpCheck
from checks.cli import (
    commands_of,
    evaluate_cli_checks,
    followup_commands,
    load_cli_catalog,
    without_snmp_twins,
)
from checks.clidata import CliCheck, CliData
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

_C = TypeVar("_C", SnmpCheck, CliCheck)
REACHABILITY = "snmp.reachability"
SSH_REACHABILITY = "ssh.reachability"
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
class SshOptions:
    """Where SSH keeps its trust and its record; None: the defaults (env, then user dirs)."""

    known_hosts: str | None = None
    audit_log: str | None = None
    operator: str | None = None  # default: the OS user
    command_timeout: float = 10.0


@dataclass(frozen=True)
class PollOptions:
    check_ids: tuple[str, ...] = ()  # only these checks (ids or prefixes like "huawei.")
    use_ssh: bool = True
    ssh: SshOptions = field(default_factory=SshOptions)


@dataclass
class Collected:
    """Everything one poll read from a device, for `patrol record`."""

    snmp: SnmpData | None = None
    cli: CliData | None = None
    platform: str | None = None


def select_checks(platform: str, role: str | None, check_ids: tuple[str, ...]) -> list[SnmpCheck]:
    return _only(load_catalog().for_platform(platform, role), check_ids)


def select_cli_checks(
    platform: str, role: str | None, check_ids: tuple[str, ...]
) -> list[CliCheck]:
    return _only(load_cli_catalog().for_platform(platform, role), check_ids)


def _only(checks: list[_C], check_ids: tuple[str, ...]) -> list[_C]:
    """`checks` limited to `check_ids` (exact ids, or prefixes ending in '.'); all when empty."""
    if not check_ids:
        return checks
    return [c for c in checks if any(_matches(c.id, want) for want in check_ids)]


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
    data: SnmpData | None,
    *,
    cli: CliData | None = None,
    thresholds: Thresholds | None = None,
    role: str | None = None,
    options: PollOptions = PollOptions(),
    now: datetime | None = None,
    previous: tuple[SnmpData, datetime] | None = None,
    address: str | None = None,
    timezone: str | None = None,
) -> DeviceReport:
    """Pure step 4 over collected data: identity plus one Result per applicable check."""
    now = now or utcnow()
    ctx = CheckContext(
        device=name,
        platform=platform,
        thresholds=thresholds or Thresholds(),
        role=role,
        now=now,
        previous=previous[0] if previous else None,
        previous_at=previous[1] if previous else None,
        local_zone=ZoneInfo(timezone) if timezone else UTC,
    )
    results: list[Result] = []
    info = DeviceInfo(name=name, address=address, platform=platform)
    if data is not None:
        results += evaluate_checks(select_checks(platform, role, options.check_ids), data, ctx)
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
    if cli is not None:
        cli_checks = select_cli_checks(platform, role, options.check_ids)
        answered = [r.check for r in results if r.status is not Status.UNKNOWN]
        results += evaluate_cli_checks(without_snmp_twins(cli_checks, answered), cli, ctx)
    return DeviceReport(device=info, results=results)


def plan_for(platform: str, checks: list[SnmpCheck]) -> SnmpPlan:
    plan = identity_plan(platform)
    for check in checks:
        plan = plan | check.plan()
    return plan


def _result(device: Device | str, check: str, status: Status, summary: str) -> Result:
    name = device if isinstance(device, str) else device.name
    return Result(device=name, check=check, status=status, summary=summary)


def report_of(device: Device, results: list[Result]) -> DeviceReport:
    """A report of `device` made of `results` alone (nothing was read from it)."""
    info = DeviceInfo(name=device.name, address=device.address, platform=device.platform)
    return DeviceReport(device=info, results=results, customer=device.customer, site=device.site)


def config_error_report(device: Device, reason: str) -> DeviceReport:
    return report_of(device, [config_result(device, reason)])


def config_result(device: Device, reason: str) -> Result:
    return _result(device, "config", Status.UNKNOWN, f"configuration: {reason}")


@dataclass
class _SnmpOutcome:
    data: SnmpData | None = None  # None: the device did not answer (see reach)
    platform: str | None = None
    reach: Result | None = None
    config_error: str | None = None


async def _snmp_part(device: Device, client: SnmpClient, options: PollOptions) -> _SnmpOutcome:
    from agent.snmp import SnmpError, SnmpTimeout, target_from_device

    started = time.perf_counter()
    try:
        target = target_from_device(device)
    except (SecretError, ValueError) as exc:
        return _SnmpOutcome(config_error=str(exc))
    try:
        probe = await client.get(target, list(PROBE_OIDS))
    except SnmpTimeout as exc:
        reach = _result(device, REACHABILITY, Status.CRITICAL, f"no SNMP response: {exc}")
        return _SnmpOutcome(reach=reach)
    except SnmpError as exc:
        reach = _result(device, REACHABILITY, Status.UNKNOWN, f"SNMP error: {exc}")
        return _SnmpOutcome(reach=reach)
    probe_ms = (time.perf_counter() - started) * 1000
    data = SnmpData(values=dict(probe))
    platform = platform_of(device.platform, data)
    plan = plan_for(platform, select_checks(platform, device.role, options.check_ids))
    plan = SnmpPlan.of(gets=[g for g in plan.gets if g not in probe], walks=plan.walks)
    data.merge(await client.collect(target, plan))
    reach = _result(
        device, REACHABILITY, Status.OK, f"SNMP v{target.version} answers in {probe_ms:.0f} ms"
    )
    reach.duration_ms = probe_ms
    return _SnmpOutcome(data=data, platform=platform, reach=reach)


@dataclass
class _SshOutcome:
    data: CliData | None = None
    reach: Result | None = None
    failed: bool = False  # no session: the reach result says why


async def _ssh_part(device: Device, platform: str, options: PollOptions) -> _SshOutcome:
    from agent.audit import AuditLog, default_operator
    from agent.hostkeys import KnownHosts
    from agent.ssh import SshConfigError, collect_cli, ssh_target_from_device

    cli_checks = select_cli_checks(platform, device.role, options.check_ids)
    if not cli_checks:
        return _SshOutcome()
    try:
        target = ssh_target_from_device(dataclasses.replace(device, platform=platform))
    except SshConfigError as exc:
        reach = _result(device, SSH_REACHABILITY, Status.UNKNOWN, f"SSH not tried: {exc}")
        return _SshOutcome(reach=reach, failed=True)
    started = time.perf_counter()
    commands = commands_of(cli_checks, platform)
    data = await collect_cli(
        target,
        commands,
        audit=AuditLog(options.ssh.audit_log),
        operator=options.ssh.operator or default_operator(),
        device_name=device.name,
        known_hosts=KnownHosts(options.ssh.known_hosts),
        timeout=options.ssh.command_timeout,
        followup=lambda first: followup_commands(cli_checks, platform, first),
    )
    elapsed = (time.perf_counter() - started) * 1000
    failure = session_failure(data)
    if failure is not None:
        reach = _result(device, SSH_REACHABILITY, ssh_failure_status(failure), f"SSH: {failure}")
        return _SshOutcome(data=data, reach=reach, failed=True)
    reach = _result(
        device,
        SSH_REACHABILITY,
        Status.OK,
        f"SSH session ran {len(data.outputs)} commands in {elapsed:.0f} ms",
    )
    reach.duration_ms = elapsed
    return _SshOutcome(data=data, reach=reach)


# agent/ssh.py's reasons when no SSH session could be opened at all (nothing listens, no SSH
# greeting, the connection broke before login).
_SSH_UNREACHABLE = ("cannot connect to ", "no SSH greeting from ", "SSH connection to ")


def ssh_failure_status(failure: str) -> Status:
    """CRITICAL when the device could not be reached over SSH; UNKNOWN when it was reached but
    could not be read: host key or login refused (for an operator to fix), or a CLI that never
    prints its prompt or stops in the middle of an output (timed out)."""
    return Status.CRITICAL if failure.startswith(_SSH_UNREACHABLE) else Status.UNKNOWN


def session_failure(data: CliData) -> str | None:
    """Why the SSH session failed as a whole, or None when any command answered."""
    if data.outputs or not data.errors:
        return None
    reasons = [r for r in data.errors.values() if not r.startswith("refused:")]
    return reasons[0] if reasons else None


async def poll_device(
    device: Device,
    client: SnmpClient,
    *,
    options: PollOptions = PollOptions(),
    store: CounterStore | None = None,
) -> tuple[DeviceReport, Collected]:
    """Live diagnosis of one device; returns the report and what was collected (to record).

    Never raises for a device problem: an unreachable or misbehaving device is a finding.
    """
    started = time.perf_counter()
    use_ssh = options.use_ssh and device.ssh is not None
    if device.snmp is None and not use_ssh:
        why = "no snmp or ssh access configured" if device.ssh is None else "ssh disabled"
        return config_error_report(device, why), Collected()
    now = utcnow()
    snmp = _SnmpOutcome()
    ssh = _SshOutcome()
    if device.snmp is not None and use_ssh and device.platform:
        # The platform is known: SNMP and the SSH session run at once.
        snmp, ssh = await asyncio.gather(
            _snmp_part(device, client, options), _ssh_part(device, device.platform, options)
        )
    else:
        if device.snmp is not None:
            snmp = await _snmp_part(device, client, options)
        platform = snmp.platform or device.platform
        if use_ssh and platform:
            ssh = await _ssh_part(device, platform, options)
        elif use_ssh and snmp.config_error is None:
            reason = "the platform is not in the inventory and SNMP could not detect it"
            ssh = _SshOutcome(
                reach=_result(device, SSH_REACHABILITY, Status.UNKNOWN, f"SSH not tried: {reason}"),
                failed=True,
            )
    if snmp.config_error is not None and not use_ssh:
        return config_error_report(device, snmp.config_error), Collected()

    platform = snmp.platform or device.platform or "generic"
    previous = store.load(device.name, now) if (store and snmp.data is not None) else None
    report = evaluate(
        device.name,
        platform,
        snmp.data,
        cli=ssh.data if not ssh.failed else None,
        thresholds=device.thresholds,
        role=device.role,
        options=options,
        now=now,
        previous=previous,
        address=device.address,
        timezone=device.timezone,
    )
    head: list[Result] = []
    if snmp.config_error is not None:
        head.append(config_result(device, snmp.config_error))
    snmp_down = snmp.data is None and snmp.reach is not None
    if snmp_down and (ssh.failed or not use_ssh):
        # Down on every transport: one reachability finding, not one per transport.
        reach = snmp.reach
        assert reach is not None
        if ssh.reach is not None:
            reach.summary += f"; {ssh.reach.summary}"
        head.append(reach)
    else:
        head += [r for r in (snmp.reach, ssh.reach) if r is not None]
    report.results[:0] = head
    if not report.results:
        # Reached on no transport that has a check for it: say so rather than an empty report.
        reason = f"no check applies to platform {platform} over the access configured"
        if device.snmp is None:
            reason += " (SSH only; add SNMP access for its sensors and interfaces)"
        report.results.append(_result(device, "config", Status.UNKNOWN, reason))
    report.customer, report.site = device.customer, device.site
    if snmp.data is None:
        report.device.platform = device.platform or snmp.platform
    report.duration_ms = (time.perf_counter() - started) * 1000
    if store and snmp.data is not None:
        store.save(device.name, snmp.data, now)
    for result in report.results:
        result.observed_at = now
    return report, Collected(snmp=snmp.data, cli=ssh.data, platform=report.device.platform)


# --- recordings ------------------------------------------------------------------------------


def write_recording(
    folder: Path, device: Device, report: DeviceReport, collected: Collected
) -> list[Path]:
    """Write what was collected (snmprec, CLI outputs) and who it was (device.json)."""
    folder.mkdir(parents=True, exist_ok=True)
    meta: dict[str, Any] = {
        "device": device.name,
        "address": device.address,
        "platform": collected.platform or report.device.platform,
        "role": device.role,
        "recorded_at": isoformat(utcnow()),
        "errors": collected.snmp.errors if collected.snmp else {},
    }
    written: list[Path] = []
    if collected.snmp is None and collected.cli is None:
        reach = report.results[0] if report.results else None
        meta["unreachable"] = reach.summary if reach else "no data"
    if collected.snmp is not None:
        path = folder / RECORDING_SNMPREC
        path.write_text(collected.snmp.to_snmprec(), encoding="utf-8")
        written.append(path)
    if collected.cli is not None:
        written += collected.cli.write(folder)
    meta_path = folder / RECORDING_META
    meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    written.append(meta_path)
    return written


def load_recording(source: Path) -> tuple[dict[str, Any], SnmpData | None, CliData | None]:
    """Read a `patrol record` folder, or a bare .snmprec file (e.g. a full device walk)."""
    cli: CliData | None = None
    if source.is_file():
        meta: dict[str, Any] = {"device": source.stem}
        snmprec: Path | None = source
    elif source.is_dir():
        meta_path = source / RECORDING_META
        meta = {}
        if meta_path.exists():
            try:
                meta = json.loads(meta_path.read_text(encoding="utf-8"))
            except ValueError as exc:
                raise RecordingError(f"{meta_path}: not valid JSON: {exc}") from None
        meta.setdefault("device", source.name)
        try:
            cli = CliData.read(source)
        except (ValueError, OSError) as exc:
            raise RecordingError(f"{source}: unreadable CLI recording: {exc}") from None
        snmprec = source / RECORDING_SNMPREC
        if not snmprec.exists():
            snmprec = None
            if cli is None and not meta.get("unreachable"):
                raise RecordingError(
                    f"{source}: nothing to replay (no {RECORDING_SNMPREC}, no cli/ folder)"
                )
    else:
        raise RecordingError(f"{source}: no such file or folder")
    data: SnmpData | None = None
    if snmprec is not None:
        try:
            data = SnmpData.from_snmprec(snmprec)
        except (SnmprecError, UnicodeDecodeError, OSError) as exc:
            raise RecordingError(str(exc)) from None
        data.errors.update(meta.get("errors") or {})
    platform = meta.get("platform")
    if platform is not None and platform not in PLATFORMS:
        raise RecordingError(f"{source}: unknown platform {platform!r} in {RECORDING_META}")
    return meta, data, cli


def replay(
    source: Path,
    *,
    device: Device | None = None,
    options: PollOptions = PollOptions(),
) -> DeviceReport:
    """Evaluate a recording offline, as `patrol diagnose --from` does."""
    meta, data, cli = load_recording(source)
    name = device.name if device else str(meta["device"])
    if meta.get("unreachable"):
        reach = _result(name, REACHABILITY, Status.CRITICAL, meta["unreachable"])
        return DeviceReport(
            device=DeviceInfo(name=name, address=meta.get("address")), results=[reach]
        )
    declared = meta.get("platform") or (device.platform if device else None)
    if data is None and not declared:
        raise RecordingError(f"{source}: a CLI-only recording needs a platform in {RECORDING_META}")
    platform = platform_of(declared, data) if data is not None else declared
    assert platform is not None
    if data is not None:
        # A full walk holds far more than a poll reads: evaluate only what a live poll collects.
        checks = select_checks(platform, meta.get("role"), options.check_ids)
        data = data.subset(plan_for(platform, checks))
    report = evaluate(
        name,
        platform,
        data,
        cli=cli,
        thresholds=device.thresholds if device else None,
        role=(device.role if device else meta.get("role")),
        options=options,
        address=meta.get("address"),
        timezone=device.timezone if device else None,
    )
    report.results.insert(0, _result(name, "replay", Status.OK, f"replayed from {source}"))
    return report
