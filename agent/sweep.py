"""A sweep: diagnose many devices at once, across every core, one broken device costing only
its own timeout.

Jobs are whole `Device`s (picklable; secrets are read from the environment inside each worker
process, never sent through a pipe) and results come back as plain dicts of DeviceReport.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.poller import PollOptions
from checks.inventory import Device
from checks.report import DeviceReport
from checks.result import Result
from checks.status import Status

if TYPE_CHECKING:
    from agent.pool import JobError
    from agent.snmp import SnmpClient


def process_client() -> SnmpClient:
    """The one SnmpClient (one SNMP engine) of this process."""
    from agent.snmp import shared_client

    return shared_client()


@dataclass(frozen=True)
class SweepJob:
    device: Device
    options: PollOptions = field(default_factory=PollOptions)
    state_dir: str | None = None  # None: keep no counters


async def sweep_job(job: SweepJob) -> dict[str, Any]:
    from agent.poller import poll_device
    from agent.state import CounterStore

    store = CounterStore(Path(job.state_dir)) if job.state_dir else None
    report, _ = await poll_device(job.device, process_client(), options=job.options, store=store)
    return wire_form(report)


def failed_job(job: SweepJob, exc: JobError) -> dict[str, Any]:
    """A bug or crash while polling one device becomes that device's UNKNOWN, nothing more."""
    from agent.poller import report_of

    result = Result(
        device=job.device.name,
        check="poll",
        status=Status.UNKNOWN,
        summary=f"internal error while polling: {exc}",
    )
    return wire_form(report_of(job.device, [result]))


def wire_form(report: DeviceReport) -> dict[str, Any]:
    """A report as it crosses from a worker process: its JSON plus customer and site."""
    return report.to_dict() | {"customer": report.customer, "site": report.site}


def run_sweep(
    devices: list[Device],
    *,
    options: PollOptions = PollOptions(),
    state_dir: Path | None = None,
    processes: int | None = None,
    concurrency: int = 16,
    on_report: Callable[[DeviceReport], None] | None = None,
) -> list[DeviceReport]:
    from agent.pool import run_pool

    jobs = [SweepJob(d, options, str(state_dir) if state_dir else None) for d in devices]

    def on_result(index: int, raw: dict[str, Any]) -> None:
        if on_report:
            on_report(_to_report(raw))

    raws = run_pool(
        jobs,
        sweep_job,
        processes=processes,
        concurrency=concurrency,
        on_result=on_result,
        on_error=failed_job,
    )
    return [_to_report(raw) for raw in raws]


def _to_report(raw: dict[str, Any]) -> DeviceReport:
    report = DeviceReport.from_dict(raw)
    report.customer, report.site = raw.get("customer"), raw.get("site")
    return report
