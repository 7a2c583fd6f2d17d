"""Terminal rendering of diagnoses and sweeps with rich: identity line, check rows, findings."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from checks.report import DeviceReport
from checks.result import Result
from checks.status import Status

STYLE = {
    Status.OK: "bold green",
    Status.WARNING: "bold yellow",
    Status.CRITICAL: "bold red",
    Status.UNKNOWN: "bold magenta",
}


def status_text(status: Status) -> Text:
    return Text(status.value, style=STYLE[status])


def human_duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = int(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m"


def identity_line(report: DeviceReport) -> Text:
    d = report.device
    line = Text()
    line.append(d.name, style="bold")
    if d.address:
        line.append(f"  {d.address}", style="dim")
    parts = [
        d.platform or "platform ?",
        d.model or "model ?",
        d.os_version or "version ?",
        f"SN {d.serial}" if d.serial else "SN ?",
        f"up {human_duration(d.uptime_s)}" if d.uptime_s is not None else "",
    ]
    line.append("  " + " · ".join(p for p in parts if p))
    return line


# Failing items listed under a check before "+N more" (all of them with --verbose).
MAX_ITEMS = 8


def problem_lines(result: Result, limit: int | None, indent: str, hint: str) -> list[Text]:
    """The failing items of `result`, worst first, at most `limit` of them and a "more" line."""
    problems = result.problems
    shown = problems if limit is None else problems[:limit]
    lines = [
        Text.assemble(
            indent, status_text(item.status), f" {item.item}", (f"  {item.detail}", "dim")
        )
        for item in shown
    ]
    if len(shown) < len(problems):
        lines.append(Text(f"{indent}… {len(problems) - len(shown)} more ({hint})", "dim"))
    return lines


def print_report(console: Console, report: DeviceReport, *, verbose: bool = False) -> None:
    console.print(identity_line(report))
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("status", no_wrap=True)
    table.add_column("check", no_wrap=True)
    table.add_column("summary")
    for result in report.results:
        table.add_row(status_text(result.status), result.check, escape(result.summary))
        for line in problem_lines(result, None if verbose else MAX_ITEMS, "  ", "--verbose"):
            table.add_row("", "", line)
        if verbose:
            for metric in result.metrics:
                label = f"{metric.name}{f' [{metric.item}]' if metric.item else ''}"
                limits = f" (warn {metric.warn}, crit {metric.crit})" if metric.crit else ""
                table.add_row(
                    "", "", Text(f"  {label} = {metric.value}{metric.unit}{limits}", "dim")
                )
    console.print(table)
    console.print(Text.assemble("overall: ", status_text(report.status)))


def print_sweep_summary(console: Console, reports: Iterable[DeviceReport]) -> None:
    reports = sorted(reports, key=lambda r: (-r.status.severity, r.device.name))
    table = Table(title="Sweep summary", header_style="bold")
    table.add_column("device", no_wrap=True, min_width=12)
    table.add_column("address", no_wrap=True, min_width=9)
    table.add_column("platform", no_wrap=True, min_width=8)
    table.add_column("status", no_wrap=True, min_width=8)
    table.add_column("findings", justify="right", no_wrap=True)
    # Capped so the fixed columns always keep their width: rich would squeeze them to nothing.
    room = max(16, console.width - 78)
    table.add_column("worst finding", no_wrap=True, overflow="ellipsis", max_width=room)
    for report in reports:
        findings = report.findings
        worst_finding = f"{findings[0].check}: {findings[0].summary}" if findings else ""
        table.add_row(
            report.device.name,
            report.device.address or "",
            report.device.platform or "",
            status_text(report.status),
            str(len(findings)),
            escape(worst_finding),
        )
    console.print(table)


def print_findings(console: Console, reports: Iterable[DeviceReport]) -> None:
    any_found = False
    for report in sorted(reports, key=lambda r: r.device.name):
        for result in report.findings:
            any_found = True
            console.print(
                Text.assemble(
                    status_text(result.status),
                    f"  {report.device.name}  ",
                    (result.check, "bold"),
                    f"  {result.summary}",
                )
            )
            for line in problem_lines(
                result, MAX_ITEMS, "      ", "patrol diagnose DEVICE --verbose"
            ):
                console.print(line)
    if not any_found:
        console.print(Text("No findings: every check is OK.", style="green"))
