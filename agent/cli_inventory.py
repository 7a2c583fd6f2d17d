"""`patrol inventory check|list`: validate an inventory.yaml and list its devices.

agent/cli.py mounts `inventory_app` as `patrol inventory`. Only the inventory model, typer and
rich are imported here, so validating a file never pays for loading pysnmp or paramiko.
Configuration errors exit 2 (DESIGN.md: the CLI exits 2 for usage and configuration errors).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from checks.inventory import (
    Inventory,
    InventoryError,
    InventoryIssue,
    default_inventory_path,
    load_inventory,
)

EXIT_CONFIG = 2

inventory_app = typer.Typer(
    name="inventory",
    help="Validate and list an inventory.yaml.",
    no_args_is_help=True,
    add_completion=False,
)

# The --inventory option of every command that reads one (patrol diagnose, sweep, ssh, ...).
InventoryOpt = Annotated[
    Path | None,
    typer.Option(
        "--inventory",
        "-i",
        help="inventory.yaml to use (default: $PATROL_INVENTORY, else ./inventory.yaml).",
        show_default=False,
    ),
]
FileArg = Annotated[
    Path | None,
    typer.Argument(
        help="Inventory file (default: $PATROL_INVENTORY, else ./inventory.yaml).",
        show_default=False,
    ),
]


def _console() -> Console:
    # soft_wrap: one issue stays one line however narrow the terminal, so it greps and pastes.
    return Console(highlight=False, soft_wrap=True)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def summary(inventory: Inventory) -> str:
    """ "1 customer, 2 sites, 7 devices, 3 credentials"."""
    return ", ".join(
        [
            _plural(len(inventory.customers), "customer"),
            _plural(len(inventory.sites), "site"),
            _plural(len(inventory.devices), "device"),
            _plural(len(inventory.credentials), "credential"),
        ]
    )


def print_issues(console: Console, path: Path, issues: Sequence[InventoryIssue]) -> None:
    """Every issue on its own line with a red `error` prefix, then the count."""
    for issue in issues:
        # Text, not markup: an issue may quote the operator's own brackets.
        console.print(Text.assemble(("error", "bold red"), f": {issue}"))
    console.print(Text(f"{_plural(len(issues), 'error')} in {path}", style="red"))


def _fail(console: Console, message: str) -> NoReturn:
    console.print(Text.assemble(("error", "bold red"), f": {message}"))
    raise typer.Exit(EXIT_CONFIG)


def _load(console: Console, path: Path, check_secrets: bool) -> Inventory:
    try:
        return load_inventory(path, check_secrets=check_secrets)
    except InventoryError as exc:
        print_issues(console, path, exc.issues)
        raise typer.Exit(EXIT_CONFIG) from None


@inventory_app.command("check")
def check(
    file: FileArg = None,
    skip_secrets: Annotated[
        bool,
        typer.Option(
            "--skip-secrets",
            help="Do not read secrets (env vars, secrets files, SSH key files): "
            "check the file alone, e.g. on a machine that will not poll.",
        ),
    ] = False,
) -> None:
    """Validate an inventory and list every problem at once, each with its file and line.

    Secrets are checked too (environment variables set, secrets files present and mode 0600)
    unless --skip-secrets. Exits 0 when the inventory is usable, 2 otherwise.
    """
    console = _console()
    path = file or default_inventory_path()
    inventory = _load(console, path, check_secrets=not skip_secrets)
    console.print(Text.assemble(f"{path}: ", ("OK", "bold green"), f" — {summary(inventory)}"))


def _check_filter(console: Console, option: str, value: str | None, known: Sequence[str]) -> None:
    if value is not None and value not in known:
        listed = ", ".join(sorted(set(known))) or "none"
        _fail(console, f"{option} {value!r} is not in the inventory; known: {listed}")


@inventory_app.command("list")
def list_devices(
    file: FileArg = None,
    customer: Annotated[
        str | None, typer.Option("--customer", "-c", help="Only this customer id.")
    ] = None,
    site: Annotated[str | None, typer.Option("--site", "-s", help="Only this site id.")] = None,
    tag: Annotated[
        str | None, typer.Option("--tag", "-t", help="Only devices with this tag.")
    ] = None,
) -> None:
    """List the devices of an inventory (secrets are not read)."""
    console = _console()
    path = file or default_inventory_path()
    inventory = _load(console, path, check_secrets=False)
    _check_filter(console, "--customer", customer, [c.id for c in inventory.customers])
    _check_filter(console, "--site", site, [s.id for s in inventory.sites])
    _check_filter(console, "--tag", tag, [t for d in inventory.devices for t in d.tags])
    devices = inventory.select(customer=customer, site=site, tag=tag)
    if not devices:
        console.print("no device matches")
        return
    if not console.is_terminal:
        # Piped into grep or a file: rows whole rather than folded to an 80-column guess.
        console = Console(highlight=False, width=500)
    table = Table(
        title=f"{path}: {_plural(len(devices), 'device')}",
        title_justify="left",
        box=None,
        padding=(0, 2, 0, 0),
        header_style="bold underline",
    )
    # Short fixed words never fold; the free-form columns take the squeeze of a narrow terminal.
    for header in ("device", "address", "platform", "customer/site", "zone", "criticality"):
        table.add_column(header, no_wrap=header != "customer/site", overflow="fold")
    table.add_column("tags", overflow="fold")
    for device in devices:
        # Text, not str: names and tags come from the operator's file, never parse them as markup.
        table.add_row(
            Text(device.name),
            Text(device.address),
            Text(device.platform) if device.platform else Text("auto", style="dim"),
            Text(f"{device.customer}/{device.site}"),
            Text(device.zone),
            Text(device.criticality),
            Text(", ".join(device.tags)),
        )
    console.print(table, soft_wrap=False)
