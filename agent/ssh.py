"""The SSH transport: run allowlisted read-only commands on one device, in one session, on record.

`run_commands` is the only way Patrol sends anything over SSH:
1. every command goes through checks.cli.allowlist.check_command BEFORE any connection is
   opened; a refused one is never sent (CliData.errors[cmd] = "refused: <reason>", no audit
   line), and what is sent is the canonical expansion, never the operator's abbreviation;
2. ONE connection per device: netmiko (an interactive CLI: prompt, paging, echo) for the
   platforms whose allowlist says `session: interactive` (cisco_ios, cisco_xe, cisco_nxos,
   huawei_vrp, huawei_vrpv8), or one paramiko exec channel per command on one connection for
   `session: exec` (ibm_aix, linux, ibm_storwize). Sockets get TCP_NODELAY (without it paramiko
   waits ~40 ms per exchange on Linux, see PERFORMANCE-NOTES.md);
3. the host key is verified against Patrol's known_hosts before authentication (unknown or
   changed: refused, see agent/hostkeys.py);
4. every line actually written to the device gets one audit line (agent/audit.py): each command
   with ok/error, bytes and duration; on netmiko sessions also netmiko's own set-up and logout
   lines (`terminal length 0`, `screen-length 0 temporary`, `exit`...). Any other line netmiko
   might try to write (it answers "Y" to VRP's "save the configuration?" login question, for
   instance) is refused and the session abandoned: nothing leaves the machine unchecked;
5. per-command timeout: no prompt / no end of output within `timeout` seconds is an error for
   that command ("timed out after 10 s waiting for the prompt"), the session is abandoned and
   the remaining commands get "not run: ...". A watchdog closes the connection if the whole
   session overruns its budget, so a device can delay a sweep but never hang it.

Results are keyed by the command as the caller wrote it (what a CliCheck looks up); two spellings
of one command are sent once.

PUBLIC API
    SshTarget(address, port, platform, username, password, key_file, timeout)  repr hides secrets
    ssh_target_from_device(device) -> SshTarget     reveals the inventory's secret; SshConfigError
    run_commands(target, commands, *, audit, operator, device_name, known_hosts, timeout)
        -> CliData
    async collect_cli(target, commands, *, ..., limiter=None) -> CliData   in a worker thread;
        without a limiter, at most DEFAULT_CONCURRENCY sessions per event loop
    cli_limiter(concurrency) -> asyncio.Semaphore
    SshConfigError
    DEFAULT_COMMAND_TIMEOUT, DEFAULT_CONCURRENCY
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
import socket
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import paramiko

from agent.audit import AuditLog, scrub
from agent.hostkeys import HostKeyError, KnownHosts, VerifyingSSHClient
from checks.cli.allowlist import CommandRefused, PlatformRules, load_allowlist
from checks.clidata import CliData

if TYPE_CHECKING:
    from checks.inventory import Device

# paramiko logs "Socket exception" at ERROR when a device drops the connection at logout; with
# no logging configured, Python would print that to the operator's terminal.
logging.getLogger("paramiko").addHandler(logging.NullHandler())

DEFAULT_COMMAND_TIMEOUT = 10.0
DEFAULT_CONCURRENCY = 32
_READ_CHUNK = 65536


class SshConfigError(Exception):
    """A device that cannot be reached over SSH as configured (no ssh section, bad secret...)."""


@dataclass(frozen=True)
class SshTarget:
    address: str
    port: int = 22
    platform: str = "linux"
    username: str = ""
    password: str | None = field(default=None, repr=False)
    key_file: str | None = None
    timeout: float = 15.0  # connect + banner + authentication, seconds

    def __repr__(self) -> str:
        auth = "password=***" if self.password is not None else f"key_file={self.key_file!r}"
        return (
            f"SshTarget({self.address}:{self.port}, platform={self.platform!r}, "
            f"username={self.username!r}, {auth}, timeout={self.timeout:g})"
        )

    __str__ = __repr__

    def secrets(self) -> tuple[str, ...]:
        return (self.password,) if self.password else ()


def ssh_target_from_device(device: Device) -> SshTarget:
    """The SSH target of an inventory device, its password revealed (SshConfigError if not)."""
    from checks.inventory import SecretError

    if device.ssh is None:
        raise SshConfigError(f"{device.name}: no ssh access in the inventory")
    if device.platform is None:
        raise SshConfigError(
            f"{device.name}: SSH needs the device's platform in the inventory "
            f"(one of {', '.join(load_allowlist().platforms)})"
        )
    try:
        load_allowlist().platform(device.platform)
    except CommandRefused:
        raise SshConfigError(
            f"{device.name}: platform {device.platform} has no SSH command allowlist"
        ) from None
    credential = device.ssh.credential
    try:
        password = credential.password.reveal() if credential.password is not None else None
    except SecretError as exc:
        raise SshConfigError(f"{device.name}: {exc}") from None
    return SshTarget(
        address=device.address,
        port=device.ssh.port,
        platform=device.platform,
        username=credential.username,
        password=password,
        key_file=credential.key_file,
        timeout=device.ssh.timeout,
    )


# ---------------------------------------------------------------- one run


class _Abandon(Exception):
    """The session cannot go on; the message is the reason for the commands not yet run."""


class _Watchdog:
    """Closes the connection once the session's whole budget is spent."""

    def __init__(self, budget: float):
        self.fired = threading.Event()
        self._closers: list[Callable[[], None]] = []
        self._timer = threading.Timer(budget, self._fire)
        self._timer.daemon = True

    def watch(self, closer: Callable[[], None]) -> None:
        self._closers.append(closer)

    def start(self) -> None:
        self._timer.start()

    def cancel(self) -> None:
        self._timer.cancel()

    def _fire(self) -> None:
        self.fired.set()
        for closer in self._closers:
            # The connection may already be gone: that is the goal anyway.
            with contextlib.suppress(Exception):
                closer()


@dataclass
class _Run:
    target: SshTarget
    rules: PlatformRules
    audit: AuditLog
    operator: str
    device_name: str
    known_hosts: KnownHosts
    timeout: float
    data: CliData
    plan: list[tuple[str, list[str]]]  # canonical command -> the caller's spellings
    # A second round decided from the first outputs (AIX: the other varied-on VGs), sent in
    # the same session; its commands pass the allowlist like the first ones.
    followup: Callable[[CliData], Sequence[str]] | None = None
    followed: bool = False

    def extend_with_followup(self) -> None:
        if self.followup is None or self.followed:
            return
        self.followed = True
        try:
            extra = list(self.followup(self.data))
        except Exception as exc:  # a check's bug costs its second round only
            self.data.errors["(second round)"] = f"second round not planned: {exc}"
            return
        for command in dict.fromkeys(extra):
            if command in self.data.outputs or command in self.data.errors:
                continue
            try:
                canonical = load_allowlist().check(self.target.platform, command)
            except CommandRefused as exc:
                self.data.errors[command] = f"refused: {exc.reason}"
                continue
            self.plan.append((canonical, [command]))

    def sent(self, command: str, ok: bool, error: str | None, nbytes: int, started: float) -> None:
        try:
            self._record(command, ok, error, nbytes, started)
        except OSError as exc:  # no record, no further command: the audit trail comes first
            raise _Abandon(
                f"session stopped: the audit log cannot be written ({exc}); "
                "no further command is sent"
            ) from None

    def _record(
        self, command: str, ok: bool, error: str | None, nbytes: int, started: float
    ) -> None:
        self.audit.record(
            operator=self.operator,
            device=self.device_name,
            address=self.target.address,
            platform=self.target.platform,
            command=command,
            ok=ok,
            error=error,
            nbytes=nbytes,
            duration_ms=round((time.monotonic() - started) * 1000),
            secrets=self.target.secrets(),
        )

    def output(self, keys: list[str], text: str) -> None:
        for key in keys:
            self.data.outputs[key] = text

    def error(self, keys: list[str], reason: str) -> None:
        reason = scrub(reason, self.target.secrets()) or ""
        for key in keys:
            self.data.errors[key] = reason

    def abandon(self, start: int, reason: str) -> None:
        for _, keys in self.plan[start:]:
            self.error(keys, reason)

    def timed_out(self, waiting_for: str) -> str:
        return f"timed out after {self.timeout:g} s waiting for {waiting_for}"


def run_commands(
    target: SshTarget,
    commands: Sequence[str],
    *,
    audit: AuditLog,
    operator: str,
    device_name: str,
    known_hosts: KnownHosts,
    timeout: float = DEFAULT_COMMAND_TIMEOUT,
    followup: Callable[[CliData], Sequence[str]] | None = None,
) -> CliData:
    """Run `commands` on one device in one SSH session; never raises for a device problem.

    `followup(data)`, when given, names more commands once the first ones have answered; they
    are sent in the same session (exec platforms) or not at all (interactive CLIs)."""
    data = CliData()
    try:
        rules = load_allowlist().platform(target.platform)
    except CommandRefused as exc:
        for command in commands:
            data.errors[command] = f"refused: {exc.reason}"
        return data
    plan: dict[str, list[str]] = {}
    for command in dict.fromkeys(commands):
        try:
            canonical = load_allowlist().check(target.platform, command)
        except CommandRefused as exc:
            data.errors[command] = f"refused: {exc.reason}"
            continue
        plan.setdefault(canonical, []).append(command)
    if not plan:
        return data
    run = _Run(
        target,
        rules,
        audit,
        operator,
        device_name,
        known_hosts,
        timeout,
        data,
        list(plan.items()),
        followup if rules.session == "exec" else None,
    )
    # Connect + authenticate, prepare the CLI (two prompt waits), each command, some slack.
    budget = target.timeout + timeout * (len(plan) + 2) + 5.0
    watchdog = _Watchdog(budget)
    watchdog.start()
    try:
        if rules.session == "interactive":
            _netmiko_session(run, watchdog)
        else:
            _exec_session(run, watchdog)
    except _Abandon as exc:
        reason: str | None = str(exc)
    except Exception as exc:  # a library surprise must cost this device only, never a sweep
        reason = f"session failed: {type(exc).__name__}: {exc}"
    else:
        reason = None
    finally:
        watchdog.cancel()
    for _, keys in run.plan:
        for key in keys:
            if key not in data.outputs and key not in data.errors:
                data.errors[key] = (
                    scrub(reason or "not run: the session ended early", target.secrets()) or ""
                )
    return data


def _connect_socket(run: _Run, watchdog: _Watchdog) -> socket.socket:
    target = run.target
    try:
        sock = socket.create_connection((target.address, target.port), timeout=target.timeout)
    except TimeoutError:
        raise _Abandon(
            f"cannot connect to {target.address} port {target.port}: "
            f"no answer within {target.timeout:g} s"
        ) from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise _Abandon(f"cannot connect to {target.address} port {target.port}: {reason}") from None
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    watchdog.watch(lambda: _kill_socket(sock))
    return sock


def _kill_socket(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


def _login_failure(run: _Run, exc: BaseException) -> _Abandon:
    target = run.target
    if isinstance(exc, HostKeyError):
        return _Abandon(str(exc))
    if isinstance(exc, paramiko.AuthenticationException):
        how = "key" if target.key_file and not target.password else "password"
        return _Abandon(
            f"authentication as {target.username!r} failed on {target.address} ({how} refused)"
        )
    if isinstance(exc, TimeoutError | socket.timeout):
        return _Abandon(f"no SSH greeting from {target.address} within {target.timeout:g} s")
    text = str(exc).strip().splitlines()
    return _Abandon(f"SSH connection to {target.address} failed: {text[-1] if text else exc!r}")


# ---------------------------------------------------------------- exec (AIX, Linux, Storwize)


class _CommandTimeout(Exception):
    def __init__(self, received: int):
        super().__init__()
        self.received = received


def _exec_session(run: _Run, watchdog: _Watchdog) -> None:
    target = run.target
    sock = _connect_socket(run, watchdog)
    client = VerifyingSSHClient(run.known_hosts, run.device_name)
    watchdog.watch(client.close)
    try:
        try:
            client.connect(
                target.address,
                port=target.port,
                username=target.username,
                password=target.password,
                key_filename=target.key_file,
                look_for_keys=False,
                allow_agent=False,
                timeout=target.timeout,
                banner_timeout=target.timeout,
                auth_timeout=target.timeout,
                sock=sock,
            )
        except (HostKeyError, paramiko.SSHException, OSError, EOFError) as exc:
            raise _login_failure(run, exc) from None
        transport = client.get_transport()
        assert transport is not None
        index = 0
        while True:
            if index == len(run.plan):
                run.extend_with_followup()
                if index == len(run.plan):
                    break
            command, keys = run.plan[index]
            if watchdog.fired.is_set():
                run.abandon(index, "not run: the session ran out of time")
                return
            if not _exec_one(run, transport, command, keys):
                run.abandon(index + 1, f"not run: the session was abandoned after {command!r}")
                return
            index += 1
    finally:
        client.close()
        _kill_socket(sock)


def _exec_one(run: _Run, transport: paramiko.Transport, command: str, keys: list[str]) -> bool:
    """Run one command on its own channel; False when the session must be abandoned."""
    started = time.monotonic()
    deadline = started + run.timeout
    try:
        channel = transport.open_session(timeout=run.timeout)
    except (paramiko.SSHException, OSError, EOFError) as exc:
        run.error(keys, f"connection lost before the command was sent: {exc}")
        return False
    try:
        try:
            channel.exec_command(command)
        except (paramiko.SSHException, OSError, EOFError) as exc:
            run.error(keys, f"the device refused the exec request: {exc}")
            return False
        try:
            out, err, status = _read_exec(channel, deadline)
        except _CommandTimeout as exc:
            reason = run.timed_out("the end of the output")
            run.sent(command, False, reason, exc.received, started)
            run.error(keys, reason)
            return False
        except (paramiko.SSHException, OSError, EOFError) as exc:
            reason = f"connection lost during the command: {exc or type(exc).__name__}"
            run.sent(command, False, reason, 0, started)
            run.error(keys, reason)
            return False
    finally:
        channel.close()
    text = out.decode("utf-8", "replace")
    if status == 0:
        run.sent(command, True, None, len(out), started)
        run.output(keys, text)
        return True
    detail = (err.decode("utf-8", "replace").strip() or text.strip()).splitlines()
    reason = f"exit status {status}" + (f": {detail[0].strip()}" if detail else "")
    run.sent(command, False, reason, len(out), started)
    run.error(keys, reason)
    return True


def _read_exec(channel: paramiko.Channel, deadline: float) -> tuple[bytes, bytes, int]:
    out, err = bytearray(), bytearray()
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _CommandTimeout(len(out))
        channel.settimeout(min(remaining, 0.5))
        try:
            chunk = channel.recv(_READ_CHUNK)
        except TimeoutError:
            chunk = None
        while channel.recv_stderr_ready():
            err += channel.recv_stderr(_READ_CHUNK)
        if chunk:
            out += chunk
        elif chunk == b"":  # end of stdout: wait for the exit status within the deadline
            while not channel.status_event.wait(min(max(deadline - time.monotonic(), 0), 0.5)):
                if time.monotonic() >= deadline:
                    raise _CommandTimeout(len(out))
            while channel.recv_stderr_ready():
                err += channel.recv_stderr(_READ_CHUNK)
            return bytes(out), bytes(err), channel.recv_exit_status()


# ---------------------------------------------------------------- netmiko (Cisco, Huawei)


class _GuardedWrite(Exception):
    """netmiko tried to write a line we did not allow; nothing was written."""


class _SessionKilled(EOFError):
    """The watchdog closed the session: its time budget is spent."""


@functools.cache
def _guarded_class(device_type: str) -> type:
    """netmiko's driver class for `device_type`, verifying host keys and guarding writes."""
    from netmiko.ssh_dispatcher import CLASS_MAPPER

    base = CLASS_MAPPER[device_type]

    class Guarded(base):  # type: ignore[misc, valid-type]
        _patrol_known_hosts: KnownHosts
        _patrol_device: str
        _patrol_allowed: frozenset[str]
        _patrol_session_writes: frozenset[str]
        _patrol_on_session_write: Callable[[str], None]
        _patrol_dead: threading.Event

        def _build_ssh_client(self) -> paramiko.SSHClient:
            return VerifyingSSHClient(self._patrol_known_hosts, self._patrol_device)

        def write_channel(self, out_data: str) -> None:
            lines = [ln.strip() for ln in out_data.replace("\r", "\n").split("\n")]
            for line in filter(None, lines):
                if line not in self._patrol_allowed and line not in self._patrol_session_writes:
                    raise _GuardedWrite(line)
            if self._patrol_dead.is_set():
                raise _SessionKilled("the session ran out of time")
            super().write_channel(out_data)
            for line in filter(None, lines):
                if line in self._patrol_session_writes and line not in self._patrol_allowed:
                    self._patrol_on_session_write(line)

        def check_config_mode(self, *args: object, **kwargs: object) -> bool:
            # Nothing allowlisted can enter configuration mode; asking the device costs a
            # 2 s timing read on every Huawei logout.
            return False

        def read_channel(self) -> str:
            # netmiko polls in loops bounded only by its read timeout; a closed connection
            # would otherwise read as "no data yet" until then.
            if self._patrol_dead.is_set():
                raise _SessionKilled("the session ran out of time")
            remote = self.remote_conn
            if remote is not None and remote.closed and not remote.recv_ready():
                raise EOFError("the device closed the session")
            return str(super().read_channel())

    Guarded.__name__ = Guarded.__qualname__ = f"Guarded{base.__name__}"
    return Guarded


def _netmiko_session(run: _Run, watchdog: _Watchdog) -> None:
    from netmiko.exceptions import NetmikoAuthenticationException, ReadTimeout

    target = run.target
    sock = _connect_socket(run, watchdog)
    cls = _guarded_class(target.platform)
    conn = cls(
        device_type=target.platform,
        host=target.address,
        port=target.port,
        username=target.username,
        password=target.password or "",
        use_keys=bool(target.key_file),
        key_file=target.key_file,
        allow_agent=False,
        sock=sock,
        conn_timeout=target.timeout,
        auth_timeout=target.timeout,
        banner_timeout=target.timeout,
        read_timeout_override=run.timeout,  # also bounds netmiko's own prompt waits
        fast_cli=True,
        ssh_strict=True,
        system_host_keys=False,
        alt_host_keys=False,
        auto_connect=False,
    )
    conn._patrol_known_hosts = run.known_hosts
    conn._patrol_device = run.device_name
    conn._patrol_allowed = frozenset(command for command, _ in run.plan)
    conn._patrol_session_writes = frozenset(run.rules.session_writes)
    conn._patrol_dead = watchdog.fired
    conn._patrol_on_session_write = lambda line: run.sent(line, True, None, 0, time.monotonic())
    graceful = False
    try:
        try:
            conn.establish_connection()  # includes the driver's login handler
            # What netmiko's _try_session_preparation does, minus its disconnect on failure:
            # a polite logout from a device that shows no prompt would wait once more.
            conn.write_channel(conn.RETURN)
            time.sleep(0.1)
            conn.session_preparation()
            # The whole prompt, once: matching netmiko's bare base prompt would end an output
            # at the first line that merely mentions the hostname ("FZ-HQ-WAN-01 uptime is").
            prompt_pattern = re.escape(conn.find_prompt())
        except _GuardedWrite as exc:
            raise _Abandon(_guard_message(run, str(exc))) from None
        except NetmikoAuthenticationException as exc:
            raise _login_failure(run, paramiko.AuthenticationException(str(exc))) from None
        except HostKeyError as exc:
            raise _login_failure(run, exc) from None
        except (ReadTimeout, ValueError):  # ValueError: netmiko's "Unable to find prompt"
            raise _Abandon(run.timed_out("the prompt")) from None
        except (paramiko.SSHException, OSError, EOFError) as exc:
            if conn.remote_conn is None:  # still logging in
                raise _login_failure(run, exc) from None
            raise _Abandon(_lost(run, exc, "while preparing the session")) from None
        for index, (command, keys) in enumerate(run.plan):
            started = time.monotonic()
            try:
                # The prompt cannot change in a read-only session: no find_prompt per command.
                output = conn.send_command(
                    command,
                    read_timeout=run.timeout,
                    auto_find_prompt=False,
                    expect_string=prompt_pattern,
                )
            except ReadTimeout:
                reason = run.timed_out("the prompt")
                run.sent(command, False, reason, 0, started)
                run.error(keys, reason)
                run.abandon(index + 1, f"not run: the session was abandoned after {command!r}")
                return
            except _GuardedWrite as exc:  # defensive: the command itself is always allowed
                run.error(keys, _guard_message(run, str(exc)))
                run.abandon(index + 1, "not run: the session was abandoned")
                return
            except (paramiko.SSHException, OSError, EOFError) as exc:
                reason = _lost(run, exc, "during the command")
                run.sent(command, False, reason, 0, started)
                run.error(keys, reason)
                run.abandon(index + 1, f"not run: the session was abandoned after {command!r}")
                return
            text = str(output)
            refusal = run.rules.cli_error(text)
            if refusal is not None:
                reason = f"the device refused the command: {refusal}"
                run.sent(command, False, reason, len(text.encode()), started)
                run.error(keys, reason)
            else:
                run.sent(command, True, None, len(text.encode()), started)
                run.output(keys, text)
        graceful = True
    finally:
        if not graceful:
            _kill_socket(sock)  # no polite logout on a stuck session: it would wait again
        with contextlib.suppress(Exception):  # best effort: the socket is closed below anyway
            conn.disconnect()
        _kill_socket(sock)


def _guard_message(run: _Run, line: str) -> str:
    line = scrub(line, run.target.secrets()) or ""
    return (
        f"session abandoned: netmiko was about to send {line!r} to {run.target.address}, which "
        f"is neither an allowlisted command nor a known session set-up line; nothing was sent"
    )


def _lost(run: _Run, exc: BaseException, when: str) -> str:
    if isinstance(exc, _SessionKilled):
        return f"the session ran out of time {when}"
    text = str(exc).strip() or type(exc).__name__
    return f"connection lost {when}: {text.splitlines()[-1]}"


# ---------------------------------------------------------------- concurrency


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    # Not asyncio.to_thread: its default executor has min(32, cpus + 4) threads, 6 on a 2-vCPU
    # box, which would cap a sweep at 6 devices in flight whatever the semaphore says.
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=256, thread_name_prefix="patrol-ssh")
        return _pool


# One default bound per event loop (a semaphore belongs to the loop that first waits on it).
_default_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def cli_limiter(concurrency: int = DEFAULT_CONCURRENCY) -> asyncio.Semaphore:
    """A bound on the SSH sessions in flight, to share across one sweep's collect_cli calls."""
    return asyncio.Semaphore(concurrency)


async def collect_cli(
    target: SshTarget,
    commands: Sequence[str],
    *,
    audit: AuditLog,
    operator: str,
    device_name: str,
    known_hosts: KnownHosts,
    timeout: float = DEFAULT_COMMAND_TIMEOUT,
    limiter: asyncio.Semaphore | None = None,
    followup: Callable[[CliData], Sequence[str]] | None = None,
) -> CliData:
    """`run_commands` in a worker thread, at most `limiter`'s count of sessions at once."""
    job = functools.partial(
        run_commands,
        target,
        list(commands),
        audit=audit,
        operator=operator,
        device_name=device_name,
        known_hosts=known_hosts,
        timeout=timeout,
        followup=followup,
    )
    loop = asyncio.get_running_loop()
    if limiter is None:
        limiter = _default_limiters.setdefault(loop, cli_limiter(DEFAULT_CONCURRENCY))
    async with limiter:
        return await loop.run_in_executor(_executor(), job)


def platforms_over_ssh() -> list[str]:
    """The platforms Patrol can talk to over SSH (those with an allowlist)."""
    return load_allowlist().platforms
