"""`patrol exec`, `patrol ssh trust`, `patrol audit`: ad-hoc read-only commands over SSH, host-key
trust, and the audit log of everything sent.

agent/cli.py mounts these (`register(app)` does all three):
    app.command("exec")(exec_command)
    app.add_typer(ssh_app, name="ssh")
    app.command("audit")(audit_command)

paramiko and netmiko are imported inside the commands, so `patrol --help` stays fast.

Exit codes:
    patrol exec    0 the output was printed; 2 refused by the allowlist (nothing was sent) or a
                   usage/configuration error; 3 the command could not be run (connection, host
                   key, authentication, timeout, or the device answered with an error)
    patrol ssh trust   0 recorded (or already recorded); 1 not confirmed; 2 usage/configuration
                   error, or a different key is already recorded and --replace was not given;
                   3 the device's key could not be read
    patrol audit   0; 2 for a bad --since
"""

from __future__ import annotations

import difflib
import json
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from agent.cli_inventory import InventoryOpt

if TYPE_CHECKING:
    from checks.inventory import Device, Inventory

EXIT_OK = 0
EXIT_NOT_CONFIRMED = 1
EXIT_USAGE = 2
EXIT_FAILED = 3

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

KnownHostsOpt = Annotated[
    Path | None,
    typer.Option(
        "--known-hosts",
        help="known_hosts file (default: $PATROL_KNOWN_HOSTS, else "
        "$XDG_CONFIG_HOME/patrol/known_hosts).",
        show_default=False,
    ),
]


def _fail(message: str, code: int) -> NoReturn:
    err.print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(code)


def _inventory(option: Path | None) -> Inventory:
    from checks.inventory import InventoryError, default_inventory_path, load_inventory

    path = option if option is not None else default_inventory_path()
    if not path.exists():
        _fail(f"{path}: inventory not found (use --inventory FILE or set PATROL_INVENTORY)", 2)
    try:
        return load_inventory(path)
    except InventoryError as exc:
        for issue in exc.issues:
            err.print(f"[red]error:[/] {escape(str(issue))}")
        _fail(f"{path}: {len(exc.issues)} problem(s); see `patrol inventory check`", EXIT_USAGE)


def _device(inventory: Inventory, name: str) -> Device:
    try:
        return inventory.device(name)
    except KeyError:
        close = difflib.get_close_matches(name, [d.name for d in inventory.devices], n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        _fail(f"no device named {name!r} in {inventory.path}{hint}", EXIT_USAGE)


# ---------------------------------------------------------------- patrol exec


def exec_command(
    device: Annotated[str, typer.Argument(help="Device name from the inventory.")],
    command: Annotated[
        list[str],
        typer.Argument(
            help='The command, e.g. "display alarm active"; quote it (or put -- before it) when '
            "it has options such as errpt -a. Abbreviations are expanded; only read-only "
            "commands of the device's allowlist are accepted.",
            show_default=False,
        ),
    ],
    inventory: InventoryOpt = None,
    operator: Annotated[
        str | None,
        typer.Option(
            "--operator",
            help="Who runs this, for the audit log (default: the OS user).",
            show_default=False,
        ),
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds to wait for the command's output.")
    ] = 10.0,
    known_hosts: KnownHostsOpt = None,
) -> None:
    """Run one read-only command on a device over SSH and print its output. Refused commands
    (anything that could change the device) exit 2 and are never sent; every command sent is
    written to the audit log."""
    from checks.cli.allowlist import CommandRefused, check_command

    text = " ".join(command).strip()
    inv = _inventory(inventory)
    dev = _device(inv, device)
    if dev.ssh is None:
        _fail(f"{dev.name} has no ssh access in {inv.path}", EXIT_USAGE)
    if dev.platform is None:
        _fail(f"{dev.name}: SSH needs the device's platform in {inv.path}", EXIT_USAGE)
    try:
        canonical = check_command(dev.platform, text)
    except CommandRefused as exc:
        _fail(f"refused on {dev.name}: {exc.reason} (nothing was sent)", EXIT_USAGE)

    from agent.audit import AuditLog, default_operator
    from agent.hostkeys import KnownHosts
    from agent.ssh import SshConfigError, run_commands, ssh_target_from_device

    try:
        target = ssh_target_from_device(dev)
    except SshConfigError as exc:
        _fail(str(exc), EXIT_USAGE)
    if canonical != text:
        err.print(f"[dim]{escape(dev.name)}: {escape(canonical)}[/]")
    data = run_commands(
        target,
        [text],
        audit=AuditLog(),
        operator=operator or default_operator(),
        device_name=dev.name,
        known_hosts=KnownHosts(known_hosts),
        timeout=timeout,
    )
    error = data.error_for(text)
    if error is not None:
        _fail(f"{dev.name}: {error}", EXIT_FAILED)
    output = data.output(text) or ""
    sys.stdout.write(output if output.endswith("\n") or not output else output + "\n")
    raise typer.Exit(EXIT_OK)


# ---------------------------------------------------------------- patrol ssh trust

ssh_app = typer.Typer(
    name="ssh",
    help="SSH host keys: which device keys Patrol trusts.",
    no_args_is_help=True,
    add_completion=False,
)


@ssh_app.command("trust")
def trust(
    device: Annotated[str, typer.Argument(help="Device name from the inventory.")],
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Record without asking (for scripts).")
    ] = False,
    replace: Annotated[
        bool,
        typer.Option("--replace", help="Replace a different key already recorded for the device."),
    ] = False,
    inventory: InventoryOpt = None,
    known_hosts: KnownHostsOpt = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait.")] = 10.0,
) -> None:
    """Show a device's SSH host key fingerprint and record it as trusted after confirmation."""
    from agent.hostkeys import KnownHosts, fetch_host_key, fingerprint

    inv = _inventory(inventory)
    dev = _device(inv, device)
    if dev.ssh is None:
        _fail(f"{dev.name} has no ssh access in {inv.path}", EXIT_USAGE)
    port = dev.ssh.port
    where = dev.address if port == 22 else f"{dev.address} port {port}"
    try:
        key = fetch_host_key(dev.address, port, timeout)
    except Exception as exc:  # any failure to read the key is reported, never a traceback
        reason = str(exc).strip() or type(exc).__name__
        _fail(f"cannot read the host key of {dev.name} ({where}): {reason}", EXIT_FAILED)
    store = KnownHosts(known_hosts)
    recorded = store.lookup(dev.address, port)
    offered = f"{key.get_name()} {fingerprint(key)}"
    if recorded.get(key.get_name()) == key:
        out.print(f"{dev.name} ({where}): {offered} is already trusted in {store.path}")
        raise typer.Exit(EXIT_OK)
    out.print(f"device       {dev.name}")
    out.print(f"address      {where}")
    out.print(f"key type     {key.get_name()}")
    out.print(f"fingerprint  {fingerprint(key)}")
    if recorded:
        err.print(
            f"[bold red]WARNING: {escape(dev.name)} ({escape(where)}) presents a DIFFERENT host "
            "key from the one recorded:[/]"
        )
        for old in recorded.values():
            err.print(f"[bold red]  recorded   {old.get_name()} {fingerprint(old)}[/]")
        err.print(f"[bold red]  presented  {escape(offered)}[/]")
        err.print(
            "Someone may be intercepting the connection, or the device was replaced or "
            "re-keyed. Check the fingerprint with the customer before replacing it."
        )
        if not replace:
            _fail("not recorded: a different key is on record; add --replace to replace it", 2)
    if not yes and not typer.confirm(
        f"Trust this key for {dev.name} and record it in {store.path}?", default=False
    ):
        err.print("not recorded")
        raise typer.Exit(EXIT_NOT_CONFIRMED)
    store.add(dev.address, port, key)
    out.print(f"recorded {offered} for {dev.name} in {store.path}")


# ---------------------------------------------------------------- patrol audit

_RELATIVE = re.compile(r"(\d+)\s*([smhdw])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """`24h`, `7d`, `30m`, `2w`, or an ISO time (without a zone: UTC). ValueError if neither."""
    text = text.strip()
    match = _RELATIVE.fullmatch(text)
    if match:
        now = now or datetime.now(UTC)
        return now - timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def audit_command(
    device: Annotated[
        str | None, typer.Option("--device", "-d", help="Only this device.", show_default=False)
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="Only entries since T: an ISO time (UTC unless it has a zone) or a relative "
            "age such as 24h, 7d, 30m.",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the entries as JSON lines.")
    ] = False,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            help="Audit log (default: $PATROL_AUDIT_LOG, else $XDG_STATE_HOME/patrol/audit.jsonl).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Show the audit log: every command Patrol sent to a device (who, when, what, result)."""
    from agent.audit import default_audit_path, read_audit

    start = None
    if since is not None:
        try:
            start = parse_since(since)
        except ValueError:
            _fail(f"--since {since!r}: expected an ISO time or an age such as 24h or 7d", 2)
    path = file if file is not None else default_audit_path()
    entries = read_audit(path, device=device, since=start)
    if as_json:
        for entry in entries:
            sys.stdout.write(json.dumps(entry, ensure_ascii=False) + "\n")
        raise typer.Exit(EXIT_OK)
    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("time (UTC)", no_wrap=True)
    for column in ("operator", "device", "address"):
        table.add_column(column)
    table.add_column("command", no_wrap=True)  # an auditor must read it whole
    table.add_column("result")
    table.add_column("bytes", justify="right")
    table.add_column("ms", justify="right")
    count = 0
    for entry in entries:
        count += 1
        table.add_row(*_row(entry))
    if count == 0:
        what = f" for {device}" if device else ""
        out.print(f"no audit entries{what}{' since ' + since if since else ''} in {path}")
        raise typer.Exit(EXIT_OK)
    out.print(table)


def _row(entry: dict[str, Any]) -> list[str]:
    when = str(entry.get("time", ""))
    when = when.replace("T", " ").removesuffix("Z")[:19]
    ok = entry.get("ok")
    result = "[green]ok[/]" if ok else f"[red]{escape(str(entry.get('error') or 'failed'))}[/]"
    return [
        when,
        escape(str(entry.get("operator", ""))),
        escape(str(entry.get("device", ""))),
        escape(str(entry.get("address", ""))),
        escape(str(entry.get("command", ""))),
        result,
        str(entry.get("bytes", "")),
        str(entry.get("duration_ms", "")),
    ]


audit_app = typer.Typer(
    name="audit",
    help="Show the audit log of commands sent to devices.",
    add_completion=False,
    invoke_without_command=True,
)
audit_app.callback(invoke_without_command=True)(audit_command)


def register(app: typer.Typer) -> None:
    """Mount `patrol exec`, `patrol ssh ...` and `patrol audit` on the main app."""
    app.command("exec")(exec_command)
    app.add_typer(ssh_app, name="ssh", help="SSH host keys: which device keys Patrol trusts.")
    app.command("audit")(audit_command)
