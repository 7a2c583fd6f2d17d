"""`patrol-lab`: start, stop and inspect the simulated bank.

    patrol-lab up [--scenario healthy|faults] [--port 1161] [--ssh-port 2222] [--detach]
    patrol-lab down | status | scenarios

A running lab is described by files in the run directory (./var/lab, or $PATROL_LAB_RUN_DIR):
lab.pid (the process that owns the snmpsim processes), lab.json (what runs where), lab.log (the
output of a detached lab) and one folder per device with its rendered recording and snmpsim log.
Exit codes: 0 done, 1 the lab could not do it (port in use, snmpsim missing, already running,
not running), 2 a usage error (unknown scenario, bad option).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

import typer
from rich.console import Console
from rich.table import Table

from lab.bank import BANK, DEFAULT_PORT, DEFAULT_SSH_PORT, credentials
from lab.runner import STATE_FILE, Lab, LabError, check_snmpsim, probe
from lab.scenario import ScenarioError, load_scenario, scenario_names

RUN_DIR_ENV = "PATROL_LAB_RUN_DIR"
PID_FILE = "lab.pid"
LOG_FILE = "lab.log"
DETACH_TIMEOUT = 120.0

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="The simulated bank: Huawei, Cisco, IBM IMM and Linux devices on loopback (snmpsim).",
)
out = Console()
err = Console(stderr=True)


class _Stop(Exception):
    """SIGINT/SIGTERM/SIGHUP: stop the lab."""


def run_dir() -> Path:
    return Path(os.environ.get(RUN_DIR_ENV) or Path.cwd() / "var" / "lab")


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]patrol-lab:[/] {message}", highlight=False)
    return typer.Exit(code)


def _owner(directory: Path) -> int | None:
    """The pid of the process running the lab of this run directory, if it is alive."""
    try:
        pid = int((directory / PID_FILE).read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if _is_lab_process(pid) else None


def _is_lab_process(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return True  # no /proc: trust the pid file
    return b"lab.cli" in cmdline or b"patrol-lab" in cmdline


def _state(directory: Path) -> dict | None:
    try:
        return json.loads((directory / STATE_FILE).read_text())
    except (OSError, ValueError):
        return None


def _device_table(info: dict, live: dict[str, bool] | None = None) -> Table:
    table = Table(title=f"Simulated bank: scenario {info['scenario']!r}", title_justify="left")
    for column in ("device", "address", "platform", "model", "SNMP", "SSH", "state", "faults"):
        table.add_column(column, overflow="fold")
    for d in info["devices"]:
        if d["down"]:
            state = "[red]does not answer[/]"
        elif live is not None and not live.get(d["name"], False):
            state = "[red]NOT ANSWERING[/]"
        else:
            state = "[green]answering[/]"
        faults = "\n".join(d["faults"])
        snmp = {"v3": "v3 + v2c", "v2c": "v2c", None: "-"}[d["snmp"]]
        table.add_row(
            d["name"],
            d["address"] + (f":{d['port']}" if d["port"] else ""),
            d["platform"],
            d["model"],
            snmp,
            f"tcp/{d['ssh']}" if d.get("ssh") else "-",
            state,
            f"[yellow]{faults}[/]" if faults else "",
        )
    return table


def _credentials_note() -> str:
    c = credentials()
    return (
        f"v2c community {c.community!r} ($PATROL_LAB_COMMUNITY); fz-hq-core-01 also SNMPv3 "
        f"user {c.v3_user!r}, SHA-256/AES-128 ($PATROL_LAB_V3_AUTH, $PATROL_LAB_V3_PRIV); "
        "SSH user 'patrol', password $PATROL_LAB_SSH_PASSWORD"
    )


def _check_scenario(scenario: str) -> None:
    try:
        load_scenario(scenario)
    except ScenarioError as exc:
        raise _fail(str(exc), 2) from None


def _serve(
    scenario: str, port: int, directory: Path, foreground: bool, ssh_port: int = DEFAULT_SSH_PORT
) -> None:
    """Run the lab in this process until Ctrl-C, SIGTERM (`patrol-lab down`) or a device dies."""

    def stop(signum: int, frame: FrameType | None) -> None:
        raise _Stop

    # SIGINT too: a shell starts background jobs with SIGINT ignored, and Ctrl-C must still work.
    signals = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {s: signal.signal(s, stop) for s in signals}
    lab = Lab(scenario, state_dir=directory, port=port, ssh_port=ssh_port)
    pid_file = directory / PID_FILE
    try:
        started = time.monotonic()
        lab.start()
        pid_file.write_text(f"{os.getpid()}\n")
        if foreground:
            out.print(_device_table(lab.info()))
            out.print(_credentials_note(), highlight=False)
            out.print(
                f"Ready in {time.monotonic() - started:.1f} s. Ctrl-C stops the lab "
                "(or `patrol-lab down` from another terminal).",
                highlight=False,
            )
        while True:
            time.sleep(1.0)
            if lab.exited:
                raise LabError(f"snmpsim for {', '.join(lab.exited)} stopped; stopping the lab")
    except (KeyboardInterrupt, _Stop):
        if foreground:
            out.print("Stopping the lab...")
    finally:
        lab.stop()
        if _owner(directory) in (None, os.getpid()):
            with contextlib.suppress(FileNotFoundError):
                pid_file.unlink()
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@app.command()
def up(
    scenario: str = typer.Option("healthy", "--scenario", "-s", help="healthy | faults"),
    port: int = typer.Option(DEFAULT_PORT, "--port", "-p", min=1, max=65535, help="UDP port"),
    ssh_port: int = typer.Option(
        DEFAULT_SSH_PORT, "--ssh-port", min=1, max=65535, help="TCP port of the simulated CLIs"
    ),
    detach: bool = typer.Option(False, "--detach", "-d", help="run in the background"),
) -> None:
    """Serve the simulated bank: in the foreground until Ctrl-C, or in the background."""
    _check_scenario(scenario)
    directory = run_dir()
    owner = _owner(directory)
    if owner is not None:
        info = _state(directory) or {}
        raise _fail(
            f"a lab is already running (pid {owner}, scenario {info.get('scenario', '?')!r}, "
            f"port {info.get('port', '?')}): `patrol-lab down` first"
        )
    directory.mkdir(parents=True, exist_ok=True)
    try:
        check_snmpsim()
        Lab(scenario, state_dir=directory, port=port, ssh_port=ssh_port).check_ports_free()
    except LabError as exc:
        raise _fail(str(exc)) from None
    if not detach:
        try:
            _serve(scenario, port, directory, foreground=True, ssh_port=ssh_port)
        except LabError as exc:
            raise _fail(str(exc)) from None
        out.print("Lab stopped.")
        return
    _detach(scenario, port, directory, ssh_port)


def _detach(scenario: str, port: int, directory: Path, ssh_port: int) -> None:
    for stale in (PID_FILE, STATE_FILE):
        with contextlib.suppress(FileNotFoundError):
            (directory / stale).unlink()
    log_path = directory / LOG_FILE
    with open(log_path, "wb") as log:
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "lab.cli",
                "serve",
                "--scenario",
                scenario,
                "--port",
                str(port),
                "--ssh-port",
                str(ssh_port),
            ],
            env=dict(os.environ, **{RUN_DIR_ENV: str(directory)}),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + DETACH_TIMEOUT
    while time.monotonic() < deadline:
        if child.poll() is not None:
            tail = "\n  ".join(log_path.read_text(errors="replace").strip().splitlines()[-8:])
            raise _fail(f"the lab did not start:\n  {tail}")
        if _owner(directory) == child.pid and (info := _state(directory)) is not None:
            out.print(_device_table(info))
            out.print(_credentials_note(), highlight=False)
            out.print(
                f"Running in the background (pid {child.pid}); `patrol-lab down` stops it.",
                highlight=False,
            )
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGTERM)
    raise _fail(f"the lab did not come up within {DETACH_TIMEOUT:.0f} s; see {log_path}")


@app.command(hidden=True)
def serve(
    scenario: str = typer.Option("healthy", "--scenario"),
    port: int = typer.Option(DEFAULT_PORT, "--port"),
    ssh_port: int = typer.Option(DEFAULT_SSH_PORT, "--ssh-port"),
) -> None:
    """The background half of `up --detach` (not for direct use)."""
    _check_scenario(scenario)
    directory = run_dir()
    directory.mkdir(parents=True, exist_ok=True)
    try:
        _serve(scenario, port, directory, foreground=False, ssh_port=ssh_port)
    except LabError as exc:
        raise _fail(str(exc)) from None


@app.command()
def down() -> None:
    """Stop the lab started with `up --detach` (or one running in another terminal)."""
    directory = run_dir()
    owner = _owner(directory)
    info = _state(directory)
    if owner is None:
        strays = _kill_strays(info)
        for stale in (PID_FILE, STATE_FILE):
            with contextlib.suppress(FileNotFoundError):
                (directory / stale).unlink()
        out.print(
            "No lab is running." + (f" Stopped {strays} leftover process(es)." if strays else "")
        )
        return
    os.kill(owner, signal.SIGTERM)
    deadline = time.monotonic() + 15.0
    while _is_lab_process(owner) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _is_lab_process(owner):
        with contextlib.suppress(ProcessLookupError):
            os.kill(owner, signal.SIGKILL)
    _kill_strays(info)
    with contextlib.suppress(FileNotFoundError):
        (directory / PID_FILE).unlink()
    out.print("Lab stopped.")


def _kill_strays(info: dict | None) -> int:
    """End device processes a lab left behind (its owner was killed with -9, say)."""
    killed = 0
    for d in (info or {}).get("devices", []):
        pid = d.get("pid")
        if not pid:
            continue
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"snmpsim" in cmdline:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
                killed += 1
    return killed


@app.command()
def status() -> None:
    """Show whether a lab is running and which devices answer."""
    directory = run_dir()
    owner = _owner(directory)
    info = _state(directory)
    if owner is None or info is None:
        out.print(f"No lab is running (nothing in {directory}). Start one with `patrol-lab up`.")
        raise typer.Exit(1)
    community = credentials().community
    live = {
        d["name"]: (
            probe(d["address"], d["port"], community)
            if d["snmp"]
            else _tcp_answers(d["address"], d["ssh"])
        )
        for d in info["devices"]
        if not d["down"]
    }
    out.print(_device_table(info, live))
    out.print(
        f"pid {owner}, started {info.get('started_at')}, run directory {directory}",
        highlight=False,
    )
    if not all(live.values()):
        raise typer.Exit(1)


@app.command()
def scenarios() -> None:
    """List the scenarios and the faults each one contains."""
    # healthy first: it is the reference the others break
    for name in sorted(scenario_names(), key=lambda n: (n != "healthy", n)):
        sc = load_scenario(name)
        out.print(f"[bold]{name}[/]: {sc.description}")
        if not sc.faults:
            out.print("  (no faults)")
        for fault in sc.faults:
            out.print(f"  - {fault.device}: {fault.summary}", highlight=False)
    out.print(f"Devices: {', '.join(d.name for d in BANK)}", highlight=False)


def _tcp_answers(address: str, port: int | None) -> bool:
    import socket

    if not port:
        return False
    try:
        with socket.create_connection((address, port), timeout=0.5):
            return True
    except OSError:
        return False


def main() -> None:
    app()


if __name__ == "__main__":
    main()
