"""The lab's SSH server: every simulated device's CLI on its own address:port, in one process.

    with CliSimulator(devices, scenario="faults", state_dir=Path("var/lab")) as sim:
        host, port = sim.endpoint("fz-hq-core-01")
        ...                                  # netmiko / paramiko against it
        sim.command_lines("fz-hq-core-01")   # every command line the device received

One listening socket per device; one thread accepts on all of them; each accepted connection
gets a paramiko Transport (its own thread) and a thread per channel. Interactive shells behave
like the vendor's terminal (lab/sshsim_session.py: echo, prompt, paging, errors); exec requests
run where the platform takes them. Host keys (Ed25519) are generated once per device under
`<state_dir>/sshsim/hostkeys/` and reused, so known_hosts stays valid across restarts. Every
command line received is kept in memory and appended to `<state_dir>/sshsim/logs/<device>.log`.

Standalone, for debugging: `python -m lab.sshsim --scenario faults --port 2222 --state-dir var/lab`.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hmac
import logging
import os
import selectors
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import EllipsisType, TracebackType
from typing import Any

import paramiko
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lab.sshsim_hosts import interpreter
from lab.sshsim_outputs import DeviceOutputs, OutputStore
from lab.sshsim_platforms import platform as platform_of
from lab.sshsim_session import Mode, Session

PASSWORD_ENV = "PATROL_LAB_SSH_PASSWORD"
DEFAULT_PASSWORD = "lab-ssh-password"  # the lab's own, as the Makefile exports it
DEFAULT_USERNAME = "patrol"
DEMO_PORT = 2222
DEFAULT_PACE = (1024, 0.005)  # 1 kB bursts, ~200 kB/s: quick, yet not one single write
_PARAMIKO_LOG = "lab.sshsim.paramiko"
logging.getLogger(_PARAMIKO_LOG).setLevel(logging.CRITICAL)

# The lab's SSH devices: (name, address, platform). fz-hq-srv-01 (an IMM) has no SSH CLI here.
LAB_SSH_DEVICES: tuple[tuple[str, str, str], ...] = (
    ("fz-hq-core-01", "127.0.1.1", "huawei_vrp"),
    ("fz-hq-core-02", "127.0.1.2", "huawei_vrpv8"),
    ("fz-hq-wan-01", "127.0.1.3", "cisco_xe"),
    ("fz-hq-app-01", "127.0.1.5", "linux"),
    ("fz-hq-aix-01", "127.0.1.6", "ibm_aix"),
    ("fz-hq-v7k-01", "127.0.1.7", "ibm_storwize"),
    ("fz-mh-acc-01", "127.0.2.1", "cisco_ios"),
    ("fz-mh-wan-01", "127.0.2.2", "huawei_vrp"),
)


def lab_devices(port: int = DEMO_PORT) -> list[SimDevice]:
    """The lab's SSH devices on their own addresses, all on `port`."""
    return [SimDevice(name, address, port, plat) for name, address, plat in LAB_SSH_DEVICES]


@dataclass(frozen=True)
class SimDevice:
    name: str
    address: str
    port: int  # 0: any free port (read it back with CliSimulator.endpoint)
    platform: str
    profile: str | None = None  # whose recorded outputs to answer; default: its own, else a
    # lab device of the same platform (lets benchmarks simulate many devices)


@dataclass(frozen=True)
class CommandRecord:
    time: datetime
    device: str
    peer: str  # client address:port
    channel: str  # "shell" | "exec"
    command: str


DeviceSpec = SimDevice | tuple[str, str, int, str] | tuple[str, str, int, str, str]


@dataclass
class _Listener:
    device: SimDevice
    sock: socket.socket
    outputs: DeviceOutputs
    host_key: paramiko.PKey
    mode: Mode = field(default_factory=Mode)
    connections: int = 0


class CliSimulator:
    """Serves the CLI of each device on its address:port until `stop()`."""

    def __init__(
        self,
        devices: Iterable[DeviceSpec],
        scenario: str = "healthy",
        username: str = DEFAULT_USERNAME,
        password: str | None = None,
        state_dir: Path | str = Path("var/lab"),
        *,
        outputs_root: Path | None = None,
        authorized_keys: Path | None = None,
        clock: Callable[[], datetime] | None = None,
        echo_log: Callable[[CommandRecord], None] | None = None,
        pace: tuple[int, float] | None = DEFAULT_PACE,
    ) -> None:
        self.devices = [d if isinstance(d, SimDevice) else SimDevice(*d) for d in devices]
        names = [d.name for d in self.devices]
        if len(set(names)) != len(names):
            raise ValueError("device names must be unique")
        self.store = OutputStore(scenario, outputs_root)
        self.scenario = scenario
        self.username = username
        self.password = password or os.environ.get(PASSWORD_ENV) or DEFAULT_PASSWORD
        self.state_dir = Path(state_dir) / "sshsim"
        self.authorized_keys_path = authorized_keys or self.state_dir / "authorized_keys"
        self.clock = clock or (lambda: datetime.now(UTC))
        self.echo_log = echo_log
        # A device prints a long output in bursts, not in one write: (bytes, seconds between).
        # Clients that stop reading at the first match of a loose pattern find out here too.
        self.pace = pace
        self._listeners: dict[str, _Listener] = {}
        self._outputs: dict[str, DeviceOutputs] = {}
        self._modes: dict[str, Mode] = {d.name: Mode() for d in self.devices}
        self._records: list[CommandRecord] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._transports: set[paramiko.Transport] = set()
        self._selector: selectors.BaseSelector | None = None
        for dev in self.devices:
            platform_of(dev.platform)  # unknown platform: fail now, with the list of known ones
            self._outputs[dev.name] = self._outputs_for(dev)

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> CliSimulator:
        if self._selector is not None:
            return self
        (self.state_dir / "logs").mkdir(parents=True, exist_ok=True)
        self._stopping.clear()
        self._selector = selectors.DefaultSelector()
        try:
            for dev in self.devices:
                if dev.name in self.store.scenario.down:
                    continue  # the device does not answer at all: nothing listens
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    sock.bind((dev.address, dev.port))
                except OSError as exc:
                    sock.close()
                    raise OSError(
                        f"{dev.name}: cannot listen on {dev.address}:{dev.port}: {exc.strerror}"
                    ) from exc
                sock.listen(128)
                sock.setblocking(False)
                listener = _Listener(
                    dev, sock, self._outputs[dev.name], self._host_key(dev.name),
                    self._modes[dev.name],
                )  # fmt: skip
                self._listeners[dev.name] = listener
                self._selector.register(sock, selectors.EVENT_READ, listener)
        except BaseException:
            self.stop()
            raise
        acceptor = threading.Thread(target=self._accept_loop, name="sshsim-accept", daemon=True)
        acceptor.start()
        self._threads.append(acceptor)
        return self

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            transports = list(self._transports)
        for transport in transports:
            transport.close()
        for listener in self._listeners.values():
            listener.sock.close()
        if self._selector is not None:
            self._selector.close()
        for thread in self._threads:
            thread.join(timeout=2)
        self._threads.clear()
        self._listeners.clear()
        self._selector = None

    def __enter__(self) -> CliSimulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ---------------------------------------------------------------- public view

    def endpoint(self, name: str) -> tuple[str, int]:
        """(address, port) a device listens on; KeyError when it does not listen (down)."""
        host, port = self._listeners[name].sock.getsockname()[:2]
        return host, port

    @property
    def endpoints(self) -> dict[str, tuple[str, int]]:
        return {name: self.endpoint(name) for name in self._listeners}

    @property
    def down(self) -> set[str]:
        return {d.name for d in self.devices if d.name in self.store.scenario.down}

    def outputs(self, name: str) -> DeviceOutputs:
        return self._outputs[name]

    def set_mode(
        self,
        name: str,
        *,
        hang_after_bytes: int | EllipsisType | None = ...,
        no_prompt: bool | None = None,
    ) -> None:
        """Change a device's failure knobs; applies to new and to open sessions.

        `hang_after_bytes=None` clears that knob; leaving an argument out keeps its value.
        """
        mode = self._modes[name]
        if not isinstance(hang_after_bytes, EllipsisType):
            mode.hang_after_bytes = hang_after_bytes
        if no_prompt is not None:
            mode.no_prompt = no_prompt

    def reset_modes(self) -> None:
        for mode in self._modes.values():
            mode.hang_after_bytes, mode.no_prompt = None, False

    def commands(self, name: str | None = None) -> list[CommandRecord]:
        """Every command line received (all devices, or one), oldest first."""
        with self._lock:
            return [r for r in self._records if name is None or r.device == name]

    def command_lines(self, name: str) -> list[str]:
        return [r.command for r in self.commands(name)]

    def clear_commands(self) -> None:
        with self._lock:
            self._records.clear()

    def connections(self, name: str) -> int:
        """SSH connections accepted by a device since start."""
        listener = self._listeners.get(name)
        return listener.connections if listener else 0

    def host_key(self, name: str) -> paramiko.PKey:
        return self._host_key(name)

    def known_hosts_lines(self) -> list[str]:
        """OpenSSH known_hosts lines (`[addr]:port type key`) of every listening device."""
        lines = []
        for name, (host, port) in sorted(self.endpoints.items()):
            key = self._host_key(name)
            where = host if port == 22 else f"[{host}]:{port}"
            lines.append(f"{where} {key.get_name()} {key.get_base64()}")
        return lines

    # ---------------------------------------------------------------- internals

    def _outputs_for(self, dev: SimDevice) -> DeviceOutputs:
        profile = dev.profile
        if profile is None:
            profile = dev.name if self.store.has(dev.name) else None
        if profile is None:
            profile = self.store.profile_for_platform(dev.platform)
        if profile is None:
            raise ValueError(f"{dev.name}: no CLI outputs for it nor for its platform")
        return self.store.device(profile)

    def _hostname(self, dev: SimDevice) -> str:
        outputs = self._outputs[dev.name]
        return outputs.hostname if outputs.name == dev.name else dev.name.upper()

    def _host_key(self, name: str) -> paramiko.PKey:
        path = self.state_dir / "hostkeys" / f"{name}_ed25519"
        with self._lock:
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                pem = Ed25519PrivateKey.generate().private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.OpenSSH,
                    serialization.NoEncryption(),
                )
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(pem)
            return paramiko.Ed25519Key(filename=str(path))

    def _authorized(self, key: paramiko.PKey) -> bool:
        try:
            text = self.authorized_keys_path.read_text(encoding="utf-8")
        except OSError:
            return False
        for line in text.splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[0] == key.get_name():
                try:
                    if base64.b64decode(parts[1]) == key.asbytes():
                        return True
                except ValueError:
                    continue
        return False

    def _record(self, dev: SimDevice, peer: str, channel: str, command: str) -> None:
        record = CommandRecord(self.clock(), dev.name, peer, channel, command)
        with self._lock:
            self._records.append(record)
            log = self.state_dir / "logs" / f"{dev.name}.log"
            with log.open("a", encoding="utf-8") as fh:
                fh.write(f"{record.time.isoformat()} {peer} {channel} {command}\n")
        if self.echo_log is not None:
            self.echo_log(record)

    def _accept_loop(self) -> None:
        selector = self._selector
        assert selector is not None
        while not self._stopping.is_set():
            try:
                events = selector.select(timeout=0.2)
            except (OSError, ValueError):
                return  # the selector was closed by stop()
            for key, _ in events:
                listener: _Listener = key.data
                try:
                    conn, peer = listener.sock.accept()
                except OSError:
                    continue
                conn.setblocking(True)
                # As sshd does for interactive sessions: without it each small answer waits
                # for the client's delayed ACK (~40 ms per exchange on Linux).
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                listener.connections += 1
                thread = threading.Thread(
                    target=self._serve_connection,
                    args=(conn, f"{peer[0]}:{peer[1]}", listener),
                    name=f"sshsim-{listener.device.name}",
                    daemon=True,
                )
                thread.start()

    def _serve_connection(self, conn: socket.socket, peer: str, listener: _Listener) -> None:
        transport = paramiko.Transport(conn)
        # paramiko logs a client's abrupt disconnect at ERROR: that is normal life for a lab.
        transport.set_log_channel(_PARAMIKO_LOG)
        transport.add_server_key(listener.host_key)
        server = _Server(self, listener, peer)
        with self._lock:
            self._transports.add(transport)
        try:
            transport.start_server(server=server)
            while transport.is_active() and not self._stopping.is_set():
                chan = transport.accept(timeout=0.5)
                if chan is None:
                    continue
                threading.Thread(
                    target=self._serve_channel,
                    args=(chan, server, listener, peer),
                    name=f"sshsim-{listener.device.name}-chan",
                    daemon=True,
                ).start()
        except (paramiko.SSHException, EOFError, OSError):
            pass  # a client that went away or never spoke SSH
        finally:
            with self._lock:
                self._transports.discard(transport)
            transport.close()

    def _serve_channel(
        self, chan: paramiko.Channel, server: _Server, listener: _Listener, peer: str
    ) -> None:
        request = server.request_for(chan.get_id())
        try:
            if not request.ready.wait(timeout=30) or self._stopping.is_set():
                return
            dev = listener.device
            plat = platform_of(dev.platform)
            shell = None
            if plat.kind != "network":
                shell = interpreter(listener.outputs, plat.id, self.clock)
            session = Session(
                plat,
                listener.outputs,
                self._hostname(dev),
                listener.mode,
                self.clock,
                lambda line: self._record(dev, peer, "shell", line),
                shell,
            )
            if request.kind == "exec":
                self._run_exec(chan, session, dev, peer, request.command)
            else:
                self._run_shell(chan, session)
        except (OSError, EOFError, paramiko.SSHException):
            pass
        finally:
            with contextlib.suppress(OSError, EOFError, paramiko.SSHException):
                chan.close()  # the client may already be gone

    def _run_shell(self, chan: paramiko.Channel, session: Session) -> None:
        chan.settimeout(0.5)
        chan.sendall(session.start())
        while not self._stopping.is_set():
            try:
                data = chan.recv(4096)
            except TimeoutError:
                continue
            if not data:
                return  # the client closed the channel
            out = session.feed(data)
            if out:
                self._send_paced(chan, out)
            if session.closed:
                return

    def _send_paced(self, chan: paramiko.Channel, data: bytes) -> None:
        if self.pace is None or len(data) <= self.pace[0]:
            chan.sendall(data)
            return
        size, pause = self.pace
        for start in range(0, len(data), size):
            if start:
                time.sleep(pause)
            chan.sendall(data[start : start + size])

    def _run_exec(
        self, chan: paramiko.Channel, session: Session, dev: SimDevice, peer: str, command: str
    ) -> None:
        self._record(dev, peer, "exec", command)
        result = session.run_exec(command)
        limit = session.mode.hang_after_bytes
        stdout = result.stdout.encode()
        if limit is not None and len(stdout) > limit:
            chan.sendall(stdout[:limit])
            self._hold(chan)  # stops answering mid-output: no more data, no exit status
            return
        if stdout:
            self._send_paced(chan, stdout)
        if result.stderr:
            chan.sendall_stderr(result.stderr.encode())
        chan.send_exit_status(result.status)

    def _hold(self, chan: paramiko.Channel) -> None:
        while not self._stopping.is_set() and not chan.closed:
            time.sleep(0.1)


@dataclass
class _ChannelRequest:
    ready: threading.Event = field(default_factory=threading.Event)
    kind: str = ""  # "shell" | "exec"
    command: str = ""
    pty: bool = False


class _Server(paramiko.ServerInterface):
    def __init__(self, sim: CliSimulator, listener: _Listener, peer: str) -> None:
        self.sim = sim
        self.listener = listener
        self.platform = platform_of(listener.device.platform)
        self.peer = peer
        self._requests: dict[int, _ChannelRequest] = {}
        self._lock = threading.Lock()

    def request_for(self, chanid: int) -> _ChannelRequest:
        with self._lock:
            return self._requests.setdefault(chanid, _ChannelRequest())

    def get_banner(self) -> tuple[str | None, str | None]:
        return self.platform.pre_auth_banner, "en-US"

    def get_allowed_auths(self, username: str) -> str:
        return "password,publickey"

    def check_auth_password(self, username: str, password: str) -> int:
        ok = hmac.compare_digest(username.encode(), self.sim.username.encode()) and (
            hmac.compare_digest(password.encode(), self.sim.password.encode())
        )
        return paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED

    def check_auth_publickey(self, username: str, key: paramiko.PKey) -> int:
        if username == self.sim.username and self.sim._authorized(key):
            return paramiko.AUTH_SUCCESSFUL
        return paramiko.AUTH_FAILED

    def check_channel_request(self, kind: str, chanid: int) -> int:
        if kind != "session":
            return paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED
        self.request_for(chanid)
        return paramiko.OPEN_SUCCEEDED

    def check_channel_pty_request(self, channel: Any, *args: Any) -> bool:
        self.request_for(channel.get_id()).pty = True
        return True

    def check_channel_window_change_request(self, channel: Any, *args: Any) -> bool:
        return True

    def check_channel_env_request(self, channel: Any, name: bytes, value: bytes) -> bool:
        return False

    def check_channel_shell_request(self, channel: Any) -> bool:
        request = self.request_for(channel.get_id())
        request.kind = "shell"
        request.ready.set()
        return True

    def check_channel_exec_request(self, channel: Any, command: bytes) -> bool:
        if not self.platform.exec_requests:
            return False  # VRP refuses exec: only interactive sessions
        request = self.request_for(channel.get_id())
        request.kind = "exec"
        request.command = command.decode("utf-8", "replace")
        request.ready.set()
        return True


# ------------------------------------------------------------------------------ standalone


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m lab.sshsim",
        description="Serve the lab's simulated device CLIs over SSH until interrupted.",
    )
    parser.add_argument("--scenario", default="healthy", help="healthy | faults")
    parser.add_argument("--port", type=int, default=DEMO_PORT)
    parser.add_argument("--state-dir", default="var/lab", type=Path)
    parser.add_argument("--device", action="append", default=[], help="only these (repeatable)")
    parser.add_argument(
        "--address", help="serve every device on this one address (distinct ports from --port up)"
    )
    parser.add_argument("--hang", action="append", default=[], metavar="DEVICE=BYTES")
    parser.add_argument("--no-prompt", action="append", default=[], metavar="DEVICE")
    return parser.parse_args(argv)


def _selected_devices(args: argparse.Namespace) -> Iterator[SimDevice]:
    for i, (name, address, plat) in enumerate(LAB_SSH_DEVICES):
        if args.device and name not in args.device:
            continue
        if args.address:
            yield SimDevice(name, args.address, args.port + i, plat)
        else:
            yield SimDevice(name, address, args.port, plat)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)

    def show(record: CommandRecord) -> None:
        print(f"{record.time:%H:%M:%S} {record.device:<14} {record.channel:<5} {record.command}")

    try:
        sim = CliSimulator(
            list(_selected_devices(args)), args.scenario, state_dir=args.state_dir, echo_log=show
        )
        sim.start()
    except (OSError, ValueError) as exc:
        print(f"sshsim: {exc}", file=sys.stderr)
        return 2
    for spec in args.hang:
        name, _, size = spec.partition("=")
        sim.set_mode(name, hang_after_bytes=int(size or 0))
    for name in args.no_prompt:
        sim.set_mode(name, no_prompt=True)
    for name, (host, port) in sorted(sim.endpoints.items()):
        plat = next(d.platform for d in sim.devices if d.name == name)
        print(f"{name:<14} {plat:<13} ssh -p {port} {sim.username}@{host}")
    for name in sorted(sim.down):
        print(f"{name:<14} down in scenario {args.scenario!r}: nothing listens")
    print("Ctrl-C stops.", flush=True)
    signal.signal(signal.SIGTERM, _terminate)  # `kill` stops it as cleanly as Ctrl-C
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
    return 0


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    raise SystemExit(main())
