"""The `patrol` command line: diagnose, record, sweep, inventory.

Heavy modules (pysnmp, the catalog) are imported inside the commands that need them, so
`patrol inventory check` and `patrol --help` start fast.

Exit codes: `diagnose` follows the Nagios plugin convention (0 OK, 1 WARNING, 2 CRITICAL,
3 UNKNOWN, also for a configuration error) so it can serve as an Icinga/Nagios plugin; `sweep`
exits with the worst status of the bank the same way, or 2 for a usage/configuration error.
"""

from __future__ import annotations

import asyncio
import difflib
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console

from agent import cli_ssh
from agent.cli_inventory import InventoryOpt, inventory_app
from agent.cli_tickets import tickets_app

if TYPE_CHECKING:
    from checks.inventory import Device, Inventory

app = typer.Typer(
    name="patrol",
    help="Remote diagnosis and inspection of banks' IT hardware over SNMP and SSH.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)
app.add_typer(inventory_app, name="inventory", help="Validate and list an inventory.yaml.")
cli_ssh.register(app)
app.add_typer(
    tickets_app, name="tickets", help="Fault tickets on the Patrol server: list, show, act on them."
)

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

EXIT_UNKNOWN = 3
EXIT_USAGE = 2

CheckOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--check",
        "-c",
        help="Run only this check id (repeatable); a prefix ending in '.' selects a family, "
        "e.g. 'huawei.'.",
        show_default=False,
    ),
]


NoSshOpt = Annotated[bool, typer.Option("--no-ssh", help="SNMP only: do not log in over SSH.")]
OperatorOpt = Annotated[
    str | None,
    typer.Option(
        "--operator",
        help="Who runs this, for the SSH audit log (default: the OS user).",
        show_default=False,
    ),
]


def poll_options(check: list[str] | None, no_ssh: bool, operator: str | None):  # type: ignore[no-untyped-def]
    from agent.poller import PollOptions, SshOptions

    return PollOptions(tuple(check or ()), use_ssh=not no_ssh, ssh=SshOptions(operator=operator))


def fail(message: str, code: int) -> NoReturn:
    from rich.text import Text

    err.print(Text.assemble(("error:", "bold red"), " ", message))
    raise typer.Exit(code)


def inventory_path(option: Path | None) -> Path:
    if option is not None:
        return option
    return Path(os.environ.get("PATROL_INVENTORY") or "inventory.yaml")


def open_inventory(option: Path | None, exit_code: int) -> Inventory:
    from checks.inventory import InventoryError, load_inventory

    path = inventory_path(option)
    if not path.exists():
        fail(
            f"{path}: inventory not found (use --inventory FILE or set PATROL_INVENTORY)", exit_code
        )
    try:
        return load_inventory(path)
    except InventoryError as exc:
        from agent.cli_inventory import print_issues

        print_issues(err, path, exc.issues)
        raise typer.Exit(exit_code) from None


def find_device(inventory: Inventory, name: str, exit_code: int) -> Device:
    try:
        return inventory.device(name)
    except KeyError:
        names = [d.name for d in inventory.devices]
        close = difflib.get_close_matches(name, names, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        fail(f"no device named {name!r} in {inventory.path}{hint}", exit_code)


def state_dir_option(no_state: bool) -> Path | None:
    if no_state:
        return None
    from agent.state import default_state_dir

    return Path(os.environ.get("PATROL_STATE_DIR") or default_state_dir())


@app.command()
def diagnose(
    device: Annotated[str | None, typer.Argument(help="Device name from the inventory.")] = None,
    inventory: InventoryOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    check: CheckOpt = None,
    source: Annotated[
        Path | None,
        typer.Option(
            "--from",
            help="Evaluate a recording offline: a `patrol record` folder or an .snmprec file.",
            show_default=False,
        ),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show every metric.")] = False,
    no_state: Annotated[
        bool, typer.Option("--no-state", help="Keep no counters between runs (no rates).")
    ] = False,
    no_ssh: NoSshOpt = False,
    operator: OperatorOpt = None,
) -> None:
    """Diagnose one device live over SNMP and SSH (or a recording with --from): who it is and
    every health finding. Exit code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN."""
    from agent.poller import RecordingError, replay

    options = poll_options(check, no_ssh, operator)
    if source is not None:
        dev = None
        if device is not None:
            dev = find_device(open_inventory(inventory, EXIT_UNKNOWN), device, EXIT_UNKNOWN)
        try:
            report = replay(source, device=dev, options=options)
        except RecordingError as exc:
            fail(str(exc), EXIT_UNKNOWN)
    else:
        if device is None:
            fail("name a device, or give --from RECORDING", EXIT_UNKNOWN)
        inv = open_inventory(inventory, EXIT_UNKNOWN)
        dev = find_device(inv, device, EXIT_UNKNOWN)
        report, _ = _poll_one(dev, options, state_dir_option(no_state))
    if as_json:
        sys.stdout.write(json.dumps(report.to_dict(), indent=2) + "\n")
    else:
        from agent.render import print_report

        print_report(out, report, verbose=verbose)
    raise typer.Exit(report.status.code)


def _poll_one(dev: Device, options, state_dir: Path | None):  # type: ignore[no-untyped-def]
    from agent.poller import poll_device
    from agent.state import CounterStore
    from agent.sweep import process_client

    store = CounterStore(state_dir) if state_dir else None
    return asyncio.run(poll_device(dev, process_client(), options=options, store=store))


@app.command()
def record(
    device: Annotated[str, typer.Argument(help="Device name from the inventory.")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the recording to.")],
    inventory: InventoryOpt = None,
    check: CheckOpt = None,
    no_ssh: NoSshOpt = False,
    operator: OperatorOpt = None,
) -> None:
    """Record exactly what the checks read from a device (snmp.snmprec, cli/ outputs,
    device.json), for `patrol diagnose --from` on another machine."""
    from agent.poller import write_recording

    inv = open_inventory(inventory, EXIT_UNKNOWN)
    dev = find_device(inv, device, EXIT_UNKNOWN)
    if out_dir.exists() and not out_dir.is_dir():
        fail(f"{out_dir}: exists and is not a folder", EXIT_USAGE)
    report, collected = _poll_one(dev, poll_options(check, no_ssh, operator), None)
    written = write_recording(out_dir, dev, report, collected)
    values = len(collected.snmp) if collected.snmp else 0
    outputs = len(collected.cli.outputs) if collected.cli else 0
    err.print(
        f"recorded {values} SNMP values and {outputs} CLI outputs from {dev.name} into {out_dir}"
        f" ({len(written)} files)"
    )
    raise typer.Exit(report.status.code)


@app.command()
def sweep(
    customer: Annotated[str | None, typer.Option(help="Only this customer id.")] = None,
    site: Annotated[str | None, typer.Option(help="Only this site id.")] = None,
    tag: Annotated[str | None, typer.Option(help="Only devices with this tag.")] = None,
    inventory: InventoryOpt = None,
    json_file: Annotated[
        Path | None,
        typer.Option(
            "--json", help="Also write every report to this JSON file.", show_default=False
        ),
    ] = None,
    check: CheckOpt = None,
    processes: Annotated[
        int | None,
        typer.Option(help="Worker processes (default: one per core for big sweeps).", min=1),
    ] = None,
    concurrency: Annotated[
        int, typer.Option(help="Devices polled at once per process.", min=1, max=256)
    ] = 16,
    no_state: Annotated[
        bool, typer.Option("--no-state", help="Keep no counters between runs (no rates).")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Summary only.")] = False,
    no_ssh: NoSshOpt = False,
    operator: OperatorOpt = None,
    push: Annotated[
        bool,
        typer.Option(
            "--push",
            help="Send the results to the Patrol server (PATROL_SERVER/PATROL_TOKEN or the user "
            "config), through the on-disk spool: nothing is lost while the server is down.",
        ),
    ] = False,
) -> None:
    """Diagnose every matching device at once, with a progress bar and a summary."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from agent.render import print_findings, print_sweep_summary
    from agent.sweep import run_sweep, wire_form
    from checks.status import worst

    inv = open_inventory(inventory, EXIT_USAGE)
    client = _api_client() if push else None  # a bad server config fails before a long sweep
    devices = inv.select(customer=customer, site=site, tag=tag)
    if not devices:
        wanted = ", ".join(
            f"{k}={v}" for k, v in (("customer", customer), ("site", site), ("tag", tag)) if v
        )
        fail(f"no device matches {wanted or 'the inventory'} in {inv.path}", EXIT_USAGE)

    with Progress(
        TextColumn("[bold]sweep"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("", total=len(devices))

        def advance(report) -> None:  # type: ignore[no-untyped-def]
            progress.update(task, advance=1, description=f"{report.device.name} {report.status}")

        reports = run_sweep(
            devices,
            options=poll_options(check, no_ssh, operator),
            state_dir=state_dir_option(no_state),
            processes=processes,
            concurrency=concurrency,
            on_report=advance,
        )

    print_sweep_summary(out, reports)
    if not quiet:
        out.print()
        print_findings(out, reports)
    if json_file is not None:
        payload = {"devices": [wire_form(r) for r in reports]}
        json_file.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        err.print(f"wrote {len(reports)} reports to {json_file}")
    if client is not None:
        from agent.cli_tickets import print_push_outcome, push_reports
        from agent.spool import Spool

        # The exit code stays the bank's worst status: a push that could not be delivered
        # waits in the spool for the next push and is reported here.
        print_push_outcome(err, push_reports([r.to_dict() for r in reports], client, Spool()))
    raise typer.Exit(worst(r.status for r in reports).code)


def _api_client():  # type: ignore[no-untyped-def]
    from agent.api_client import ApiClient, ClientConfigError

    try:
        return ApiClient.from_env_or_config()
    except ClientConfigError as exc:
        fail(str(exc), EXIT_USAGE)


@app.command()
def push() -> None:
    """Send the results waiting in the on-disk spool (left by a `sweep --push` while the server
    was unreachable) to the Patrol server. Exit 0 when the spool is empty afterwards."""
    from agent.cli_tickets import PushOutcome, print_push_outcome
    from agent.spool import Spool, SpoolError

    client = _api_client()
    spool = Spool()
    try:
        drain = spool.drain(client)
    except SpoolError as exc:
        fail(str(exc), EXIT_USAGE)
    outcome = PushOutcome(
        results=0, spooled=0, server=client.base_url, spool_dir=str(spool.directory), drain=drain
    )
    print_push_outcome(err, outcome)
    raise typer.Exit(outcome.exit_code)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
