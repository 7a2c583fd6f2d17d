"""Runs the simulated bank: one snmpsim process per device, each on its own loopback address.

PUBLIC API (used by lab.cli, lab.demo and the tests):
    Lab(scenario="healthy", state_dir=None, port=1161, address_map=None, startup_timeout=60.0)
        .start() -> Lab            renders the scenario into state_dir, starts snmpsim for every
                                   device that is not down, returns once each one answers
        .stop()                    ends every process it started (SIGTERM, then SIGKILL)
        with Lab(...) as lab: ...  start/stop; stop also runs on Ctrl-C or an exception
        .endpoints                 {device name: (address, port)} of the devices served
        .down                      names of the devices that do not answer in this scenario
        .pids                      {device name: pid}
        .running, .exited          all processes alive; names of those that ended
        .info() -> dict            what lab.json in state_dir holds (status display)
    LabError                       a clear reason: port in use, snmpsim missing, a device that
                                   did not come up (with its log), a bad address map
    probe(address, port, community, timeout=0.5) -> bool   one SNMPv2c GET of sysUpTime
    check_snmpsim()                raises LabError when snmpsim/pysmi are not installed

snmpsim serves `<community>.snmprec` from its data directory; SNMPv3 requests with an empty
context name are served from `self.snmprec`, so v3 devices get both. Engine options (including
the v3 keys) go through --args-from-file (mode 0600) so they never show in `ps`. Each process
is the leader of its own session and gets SIGTERM when its parent dies (PR_SET_PDEATHSIG), so a
killed lab leaves no orphans.
"""

from __future__ import annotations

import contextlib
import errno
import importlib.util
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from lab.bank import (
    BANK,
    DEFAULT_PORT,
    SSH_ONLY_MODELS,
    V3_AUTH_PROTO,
    V3_PRIV_PROTO,
    LabDevice,
    credentials,
)
from lab.scenario import Scenario, load_scenario
from lab.sshsim import LAB_SSH_DEVICES, CliSimulator, SimDevice

INSTALL_HINT = "run `make install`, or `pip install 'patrol[lab]'`"
STATE_FILE = "lab.json"
SYS_UPTIME_OID = bytes([0x2B, 6, 1, 2, 1, 1, 3, 0])  # 1.3.6.1.2.1.1.3.0, BER-encoded
_SAFE_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

# The responder runs from the current interpreter so it is always the snmpsim installed beside
# Patrol, whatever PATH says. Before snmpsim loads, it asks Linux for SIGTERM when the lab's
# process dies (PR_SET_PDEATHSIG = 1), and gives up if that process is already gone: done here
# rather than in a preexec_fn, which is unsafe when the parent has threads.
PARENT_ENV = "PATROL_LAB_PARENT_PID"
_RESPONDER = """\
import ctypes, os, signal, sys
try:
    ctypes.CDLL(None).prctl(1, signal.SIGTERM)
except (OSError, AttributeError):
    pass
if str(os.getppid()) != os.environ.get("PATROL_LAB_PARENT_PID"):
    sys.exit("patrol-lab: the lab that started this snmpsim is gone")
from snmpsim.commands.responder import main
sys.argv[0] = "snmpsim-command-responder"
sys.exit(main())
"""


class LabError(RuntimeError):
    """The lab cannot start or run; the message says why and what to do."""


def check_snmpsim() -> None:
    missing = [m for m in ("snmpsim", "pysmi") if importlib.util.find_spec(m) is None]
    if missing:
        raise LabError(f"{' and '.join(missing)} not installed: {INSTALL_HINT}")


class Lab:
    def __init__(
        self,
        scenario: str = "healthy",
        state_dir: Path | str | None = None,
        port: int = DEFAULT_PORT,
        address_map: Mapping[str, str] | None = None,
        startup_timeout: float = 60.0,
        ssh_port: int | None = None,  # the CLI simulator's TCP port; None: SNMP only
    ) -> None:
        if not 1 <= port <= 65535:
            raise LabError(f"port {port} is not a UDP port (1-65535)")
        self.scenario: Scenario = load_scenario(scenario)
        self.port = port
        self.startup_timeout = startup_timeout
        names = {d.name for d in BANK}
        unknown = set(address_map or {}) - names
        if unknown:
            raise LabError(f"address_map names unknown device(s): {', '.join(sorted(unknown))}")
        self.addresses = {d.name: (address_map or {}).get(d.name, d.address) for d in BANK}
        self._temp = state_dir is None
        self.state_dir = Path(state_dir) if state_dir is not None else None
        self._procs: dict[str, subprocess.Popen[bytes]] = {}
        self._started_at: str | None = None
        # The CLI simulator (lab/sshsim.py) runs in this process, one thread per connection.
        self.ssh_port = ssh_port
        self._ssh: CliSimulator | None = None

    # --- what runs where ----------------------------------------------------------------------

    @property
    def devices(self) -> list[LabDevice]:
        return list(BANK)

    @property
    def down(self) -> set[str]:
        return set(self.scenario.down)

    @property
    def endpoints(self) -> dict[str, tuple[str, int]]:
        return {
            d.name: (self.addresses[d.name], self.port) for d in BANK if d.name not in self.down
        }

    @property
    def ssh_endpoints(self) -> dict[str, tuple[str, int]]:
        """SSH address:port of every device whose simulated CLI answers."""
        if self._ssh is None:
            return {}
        return dict(self._ssh.endpoints)

    def ssh_known_hosts(self) -> list[str]:
        """known_hosts lines of the simulated devices (for tests; the demo uses
        `patrol ssh trust`, as an engineer would)."""
        return self._ssh.known_hosts_lines() if self._ssh is not None else []

    def _ssh_devices(self) -> list[SimDevice]:
        assert self.ssh_port is not None
        return [
            SimDevice(name, self.addresses.get(name, address), self.ssh_port, platform)
            for name, address, platform in LAB_SSH_DEVICES
        ]

    @property
    def pids(self) -> dict[str, int]:
        return {name: proc.pid for name, proc in self._procs.items()}

    @property
    def exited(self) -> list[str]:
        """Devices whose snmpsim process has ended since the lab started."""
        return [name for name, proc in self._procs.items() if proc.poll() is not None]

    @property
    def running(self) -> bool:
        return bool(self._procs) and all(p.poll() is None for p in self._procs.values())

    def info(self) -> dict:
        ssh_names = {name for name, _, _ in LAB_SSH_DEVICES} if self.ssh_port else set()
        return {
            "scenario": self.scenario.name,
            "port": self.port,
            "pid": os.getpid(),
            "started_at": self._started_at,
            "state_dir": str(self.state_dir),
            "devices": [
                {
                    "name": d.name,
                    "address": self.addresses[d.name],
                    "port": self.port,
                    "platform": d.platform,
                    "model": d.model,
                    "snmp": d.snmp,
                    "down": d.name in self.down,
                    "pid": self._procs[d.name].pid if d.name in self._procs else None,
                    "faults": [f.summary for f in self.scenario.faults_of(d.name)],
                    "ssh": self.ssh_port if d.name in ssh_names else None,
                }
                for d in BANK
            ]
            + [
                {
                    "name": name,
                    "address": self.addresses.get(name, address),
                    "port": None,
                    "platform": platform,
                    "model": SSH_ONLY_MODELS.get(name, ""),
                    "snmp": None,
                    "down": False,
                    "pid": None,
                    "faults": [],
                    "ssh": self.ssh_port,
                }
                for name, address, platform in LAB_SSH_DEVICES
                if name not in {d.name for d in BANK} and self.ssh_port is not None
            ],
        }

    # --- start / stop -------------------------------------------------------------------------

    def start(self) -> Lab:
        if self._procs:
            raise LabError("this lab is already started")
        check_snmpsim()
        creds = credentials()
        if not _SAFE_NAME.match(creds.community):
            raise LabError(
                f"the lab community {creds.community!r} must be a plain name (letters, digits, "
                "'.', '_', '-'): snmpsim serves it as a file name"
            )
        self.check_ports_free()
        if self.state_dir is None:
            self.state_dir = Path(tempfile.mkdtemp(prefix="patrol-lab-"))
        self.state_dir.mkdir(parents=True, exist_ok=True)
        try:
            for dev in BANK:
                if dev.name in self.down:
                    continue
                workdir = self._prepare(dev, creds.community)
                self._procs[dev.name] = self._spawn(workdir)
            self._wait_ready(creds.community)
            if self.ssh_port is not None:
                self._ssh = CliSimulator(
                    self._ssh_devices(), self.scenario.name, state_dir=self.state_dir
                )
                self._ssh.start()
            self._started_at = datetime.now(UTC).isoformat(timespec="seconds")
            (self.state_dir / STATE_FILE).write_text(json.dumps(self.info(), indent=2) + "\n")
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        ssh, self._ssh = self._ssh, None
        if ssh is not None:
            ssh.stop()
        procs, self._procs = self._procs, {}
        for proc in procs.values():
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 5.0
        for proc in procs.values():
            try:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        if self.state_dir is not None:
            with contextlib.suppress(FileNotFoundError):
                (self.state_dir / STATE_FILE).unlink()
            if self._temp:
                shutil.rmtree(self.state_dir, ignore_errors=True)
                self.state_dir = None

    def __enter__(self) -> Lab:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- internals ----------------------------------------------------------------------------

    def check_ports_free(self) -> None:
        """Raise LabError when an address:port this lab needs is taken."""
        if self.ssh_port is not None:
            for name, address, _ in LAB_SSH_DEVICES:
                address = self.addresses.get(name, address)
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    try:
                        tcp.bind((address, self.ssh_port))
                    except OSError:
                        raise LabError(
                            f"TCP {address}:{self.ssh_port} (SSH of {name}) is already in use: "
                            "is a lab already running (`patrol-lab status`)? Or choose another "
                            "port with --ssh-port"
                        ) from None
        for name, (address, port) in self.endpoints.items():
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                try:
                    sock.bind((address, port))
                except OSError as exc:
                    if exc.errno == errno.EADDRINUSE:
                        raise LabError(
                            f"{address}:{port} (for {name}) is already in use: is a lab already "
                            "running (`patrol-lab status`)? Or choose another port with --port"
                        ) from None
                    raise LabError(f"cannot listen on {address}:{port} for {name}: {exc}") from None

    def _prepare(self, dev: LabDevice, community: str) -> Path:
        assert self.state_dir is not None
        workdir = self.state_dir / dev.name
        if workdir.exists():
            shutil.rmtree(workdir)
        data_dir = workdir / "data"
        data_dir.mkdir(parents=True)
        (workdir / "cache").mkdir()
        # Only snmpsim's `numeric` module: sysUpTime and traffic counters advance in real time.
        (workdir / "variation").mkdir()
        (workdir / "variation" / "numeric.py").symlink_to(_numeric_module())
        data = self.scenario.render(dev.name)
        assert data is not None
        text = live_clock(data.to_snmprec(), time.time())
        (data_dir / f"{community}.snmprec").write_text(text, encoding="utf-8")
        engine = [
            "--v3-engine-id=auto",
            "--data-dir=data",
            f"--agent-udpv4-endpoint={self.addresses[dev.name]}:{self.port}",
        ]
        if dev.snmp == "v3":
            creds = credentials()
            (data_dir / "self.snmprec").write_text(text, encoding="utf-8")
            engine += [
                f"--v3-user={creds.v3_user}",
                f"--v3-auth-key={creds.v3_auth_key}",
                f"--v3-auth-proto={V3_AUTH_PROTO}",
                f"--v3-priv-key={creds.v3_priv_key}",
                f"--v3-priv-proto={V3_PRIV_PROTO}",
            ]
            for key in (creds.v3_auth_key, creds.v3_priv_key):
                if len(key) < 8 or any(c.isspace() for c in key):
                    raise LabError("the lab's SNMPv3 keys must be 8+ characters without spaces")
        args_file = workdir / "engine.args"
        fd = os.open(args_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write("\n".join(engine) + "\n")
        return workdir

    def _spawn(self, workdir: Path) -> subprocess.Popen[bytes]:
        cmd = [
            sys.executable,
            "-c",
            _RESPONDER,
            "--args-from-file=engine.args",
            "--cache-dir=cache",
            "--variation-modules-dir=variation",
            "--log-level=error",
        ]
        env = dict(os.environ, SNMPSIM_ALLOW_ROOT="true", **{PARENT_ENV: str(os.getpid())})
        with open(workdir / "snmpsim.log", "wb") as log:
            return subprocess.Popen(
                cmd,
                cwd=workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def _wait_ready(self, community: str) -> None:
        deadline = time.monotonic() + self.startup_timeout
        pending = dict(self.endpoints)
        socks: dict[str, socket.socket] = {}
        try:
            for name in pending:
                sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                sock.setblocking(False)
                socks[name] = sock
            while pending:
                for name in list(pending):
                    proc = self._procs[name]
                    if proc.poll() is not None:
                        raise LabError(self._died(name, proc.returncode))
                    with contextlib.suppress(OSError):
                        socks[name].sendto(_get_request(community, 1), pending[name])
                readable, _, _ = select.select([socks[n] for n in pending], [], [], 0.2)
                for sock in readable:
                    name = next(n for n, s in socks.items() if s is sock)
                    with contextlib.suppress(OSError):
                        sock.recvfrom(4096)
                        pending.pop(name, None)
                if pending and time.monotonic() > deadline:
                    raise LabError(
                        f"{', '.join(sorted(pending))} did not answer within "
                        f"{self.startup_timeout:.0f} s; see {self.state_dir}/<device>/snmpsim.log"
                    )
        finally:
            for sock in socks.values():
                sock.close()

    def _died(self, name: str, code: int | None) -> str:
        assert self.state_dir is not None
        log = self.state_dir / name / "snmpsim.log"
        tail = ""
        with contextlib.suppress(OSError):
            lines = log.read_text(errors="replace").strip().splitlines()
            tail = "\n  ".join(lines[-8:])
        address, port = self.endpoints[name]
        if "Address already in use" in tail:
            return f"{address}:{port} (for {name}) is already in use: choose another --port"
        return f"snmpsim for {name} ({address}:{port}) exited with status {code}:\n  {tail}"


def probe(address: str, port: int, community: str, timeout: float = 0.5) -> bool:
    """True when something answers an SNMPv2c GET of sysUpTime at address:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.sendto(_get_request(community, 2), (address, port))
            sock.recvfrom(4096)
        except OSError:
            return False
    return True


def _tlv(tag: int, payload: bytes) -> bytes:
    n = len(payload)
    if n < 0x80:
        return bytes([tag, n]) + payload
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + payload


def _integer(n: int) -> bytes:
    return _tlv(0x02, n.to_bytes(max(1, (n.bit_length() + 8) // 8), "big", signed=True))


def _get_request(community: str, request_id: int) -> bytes:
    """A minimal SNMPv2c GetRequest for sysUpTime.0: enough to see an agent answer."""
    varbind = _tlv(0x30, _tlv(0x06, SYS_UPTIME_OID) + b"\x05\x00")
    pdu = _tlv(0xA0, _integer(request_id) + _integer(0) + _integer(0) + _tlv(0x30, varbind))
    return _tlv(0x30, _integer(1) + _tlv(0x04, community.encode()) + pdu)


# The recordings' uptimes are as of this moment: a device's boot time is fixed relative to it, so
# every start of the lab (and every poll) sees an uptime that only grows, as on a real device.
RECORDED_AT = 1_793_491_200.0  # 2026-11-01T00:00:00Z
SYS_UPTIME_LINE = "1.3.6.1.2.1.1.3.0|67|"
TIMETICKS_WRAP = 1 << 32
# ifHCInOctets/ifHCOutOctets (ifXTable columns 6 and 10): bytes per second of simulated traffic.
TRAFFIC_COLUMNS = ("1.3.6.1.2.1.31.1.1.1.6.", "1.3.6.1.2.1.31.1.1.1.10.")
TRAFFIC_BYTES_PER_S = 40_000  # ~0.3 Mbit/s per direction: an idle branch, never a finding


def live_clock(snmprec: str, now: float) -> str:
    """The rendered recording with sysUpTime and 64-bit traffic counters made to advance in
    real time (snmpsim's numeric variation), so consecutive polls see a live device."""
    out = []
    for line in snmprec.splitlines():
        if line.startswith(SYS_UPTIME_LINE):
            recorded = int(line[len(SYS_UPTIME_LINE) :])
            ticks = int(recorded + (now - RECORDED_AT) * 100) % TIMETICKS_WRAP
            line = f"1.3.6.1.2.1.1.3.0|67:numeric|rate=100,initial={ticks},wrap=1"
        elif line.startswith(TRAFFIC_COLUMNS) and "|70|" in line:
            oid, _, value = line.split("|", 2)
            line = f"{oid}|70:numeric|rate={TRAFFIC_BYTES_PER_S},initial={value}"
        out.append(line)
    return "\n".join(out) + "\n"


def _numeric_module() -> Path:
    # snmpsim.variation is a folder of plugins, not a package: find it beside snmpsim itself.
    spec = importlib.util.find_spec("snmpsim")
    if spec is None or spec.origin is None:
        raise LabError("snmpsim is not installed: run `make install` (or pip install '.[lab]')")
    module = Path(spec.origin).parent / "variation" / "numeric.py"
    if not module.exists():
        raise LabError(f"snmpsim's numeric variation module is missing ({module})")
    return module
