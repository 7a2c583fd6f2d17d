"""SSH host keys: Patrol's known_hosts file, and the checks that refuse unknown or changed keys.

The file is OpenSSH's known_hosts format (read and written by paramiko.HostKeys), so `ssh-keygen
-F`, `ssh-keyscan` output and an operator's eyes all work on it. A host on port 22 is keyed by
its address, any other port as `[address]:port`, as OpenSSH and paramiko do.

Default path: the `path` argument, else $PATROL_KNOWN_HOSTS, else
$XDG_CONFIG_HOME/patrol/known_hosts, else ~/.config/patrol/known_hosts.

How a connection is verified (`VerifyingSSHClient`): before connecting, the client is given
only the recorded keys of that one host, so paramiko asks the server for the key type we know
and compares it. An unknown host reaches `RefuseUnknownHost`, which raises `HostKeyUnknown`
(fingerprint, key type, the `patrol ssh trust DEVICE` command to run); a different key makes
paramiko raise BadHostKeyException, turned into `HostKeyChanged` (both fingerprints). Both are
raised before authentication, so no password is ever sent to an unverified server, and neither
derives from paramiko.SSHException: netmiko rewrites SSHExceptions into a "timeout" message,
and these must reach the operator as they are.

PUBLIC API
    KnownHosts(path=None): .path, .lookup(address, port) -> dict[keytype, PKey],
        .add(address, port, key) (saved atomically), .remove(address, port)
    host_entry(address, port) -> str          "address" or "[address]:port"
    fingerprint(key) -> str                   "SHA256:..." as OpenSSH prints it
    HostKeyError, HostKeyUnknown, HostKeyChanged
    RefuseUnknownHost(device, known_hosts)    a paramiko MissingHostKeyPolicy
    VerifyingSSHClient(known_hosts, device)   a paramiko SSHClient that checks as above
    verify_host_key(known_hosts, address, port, key, device)  raises unless trusted
    fetch_host_key(address, port, timeout) -> PKey            for `patrol ssh trust`
    default_known_hosts_path() -> Path
"""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import tempfile
from pathlib import Path
from typing import Any

import paramiko


def default_known_hosts_path() -> Path:
    env = os.environ.get("PATROL_KNOWN_HOSTS")
    if env:
        return Path(env).expanduser()
    config = os.environ.get("XDG_CONFIG_HOME")
    base = Path(config).expanduser() if config else Path.home() / ".config"
    return base / "patrol" / "known_hosts"


def host_entry(address: str, port: int) -> str:
    return address if port == 22 else f"[{address}]:{port}"


def fingerprint(key: paramiko.PKey) -> str:
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


class HostKeyError(Exception):
    """A host key that cannot be trusted; the message says what to do."""

    def __init__(self, message: str, *, address: str, port: int, key: paramiko.PKey):
        super().__init__(message)
        self.address = address
        self.port = port
        self.key = key


class HostKeyUnknown(HostKeyError):
    pass


class HostKeyChanged(HostKeyError):
    def __init__(
        self,
        message: str,
        *,
        address: str,
        port: int,
        key: paramiko.PKey,
        expected: paramiko.PKey,
    ):
        super().__init__(message, address=address, port=port, key=key)
        self.expected = expected


def _where(address: str, port: int) -> str:
    return address if port == 22 else f"{address} port {port}"


def unknown_message(device: str, address: str, port: int, key: paramiko.PKey, path: Path) -> str:
    return (
        f"host key of {device} ({_where(address, port)}) is unknown: "
        f"{key.get_name()} {fingerprint(key)}; refused. If that is the device's key, record it "
        f"with `patrol ssh trust {device}` (known hosts: {path})"
    )


def changed_message(
    device: str,
    address: str,
    port: int,
    key: paramiko.PKey,
    expected: paramiko.PKey,
    path: Path,
) -> str:
    return (
        f"HOST KEY OF {device} ({_where(address, port)}) HAS CHANGED: refused. "
        f"The device now presents {key.get_name()} {fingerprint(key)}; recorded is "
        f"{expected.get_name()} {fingerprint(expected)} in {path}. Someone may be intercepting "
        f"the connection, or the device was replaced or re-keyed: check with the customer before "
        f"`patrol ssh trust {device} --replace`"
    )


class KnownHosts:
    """Patrol's known_hosts file. Read on creation; `add` writes the file atomically."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path).expanduser() if path is not None else default_known_hosts_path()
        self._keys = paramiko.HostKeys()
        if self.path.exists():
            self._keys.load(str(self.path))

    def __repr__(self) -> str:
        return f"KnownHosts({str(self.path)!r})"

    def reload(self) -> None:
        self._keys = paramiko.HostKeys()
        if self.path.exists():
            self._keys.load(str(self.path))

    def lookup(self, address: str, port: int) -> dict[str, paramiko.PKey]:
        """The recorded keys of that host by key type; {} when it is unknown."""
        found = self._keys.lookup(host_entry(address, port))
        return dict(found) if found is not None else {}

    def add(self, address: str, port: int, key: paramiko.PKey) -> None:
        """Record `key` for the host, replacing any key of the host, and save."""
        self.reload()  # another process may have trusted another host meanwhile
        self._drop(host_entry(address, port))
        self._keys.add(host_entry(address, port), key.get_name(), key)
        self._save()

    def remove(self, address: str, port: int) -> bool:
        self.reload()
        removed = self._drop(host_entry(address, port))
        if removed:
            self._save()
        return removed

    def _drop(self, entry: str) -> bool:
        # HostKeys has no delete: rebuild it without the host's lines (hashed ones included).
        kept = paramiko.HostKeys()
        removed = False
        for line in self._keys._entries:
            if any(_entry_matches(h, entry) for h in line.hostnames):
                removed = True
                continue
            kept._entries.append(line)
        self._keys = kept
        return removed

    def _save(self) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".known_hosts.", dir=self.path.parent)
        try:
            os.close(fd)
            self._keys.save(tmp)
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _entry_matches(hostname: str, entry: str) -> bool:
    if hostname.startswith("|1|"):
        return paramiko.HostKeys.hash_host(entry, hostname) == hostname
    return hostname == entry


def _split_entry(hostname: str) -> tuple[str, int]:
    if hostname.startswith("[") and "]:" in hostname:
        address, port = hostname[1:].split("]:", 1)
        return address, int(port)
    return hostname, 22


class RefuseUnknownHost(paramiko.MissingHostKeyPolicy):
    """Refuses every host that has no recorded key, naming the fingerprint and the fix."""

    def __init__(self, device: str, known_hosts: KnownHosts):
        self.device = device
        self.known_hosts = known_hosts

    def missing_host_key(self, client: Any, hostname: str, key: paramiko.PKey) -> None:
        address, port = _split_entry(hostname)
        message = unknown_message(self.device, address, port, key, self.known_hosts.path)
        raise HostKeyUnknown(message, address=address, port=port, key=key)


def verify_host_key(
    known_hosts: KnownHosts, address: str, port: int, key: paramiko.PKey, device: str
) -> None:
    """Raise HostKeyUnknown / HostKeyChanged unless `key` is the one recorded for the host."""
    recorded = known_hosts.lookup(address, port)
    if not recorded:
        message = unknown_message(device, address, port, key, known_hosts.path)
        raise HostKeyUnknown(message, address=address, port=port, key=key)
    expected = recorded.get(key.get_name())
    if expected is None or expected != key:
        expected = expected or next(iter(recorded.values()))
        message = changed_message(device, address, port, key, expected, known_hosts.path)
        raise HostKeyChanged(message, address=address, port=port, key=key, expected=expected)


class VerifyingSSHClient(paramiko.SSHClient):
    """An SSHClient that trusts exactly the keys recorded in `known_hosts` for the host.

    Never loads ~/.ssh/known_hosts: Patrol's trust is its own file, decided by `patrol ssh trust`.
    """

    def __init__(self, known_hosts: KnownHosts, device: str):
        super().__init__()
        self.known_hosts = known_hosts
        self.device = device
        self.set_missing_host_key_policy(RefuseUnknownHost(device, known_hosts))

    def connect(self, hostname: str, port: int = 22, **kwargs: Any) -> None:  # type: ignore[override]
        keys = self.get_host_keys()
        for keytype, key in self.known_hosts.lookup(hostname, port).items():
            keys.add(host_entry(hostname, port), keytype, key)
        try:
            super().connect(hostname, port=port, **kwargs)
        except paramiko.BadHostKeyException as exc:
            self.close()
            message = changed_message(
                self.device, hostname, port, exc.key, exc.expected_key, self.known_hosts.path
            )
            raise HostKeyChanged(
                message, address=hostname, port=port, key=exc.key, expected=exc.expected_key
            ) from None
        except HostKeyError:
            self.close()
            raise

    def set_missing_host_key_policy(self, policy: Any) -> None:
        # netmiko and others call this with AutoAddPolicy; only a refusing policy may stay.
        if not isinstance(policy, RefuseUnknownHost):
            return
        super().set_missing_host_key_policy(policy)


def fetch_host_key(address: str, port: int = 22, timeout: float = 10.0) -> paramiko.PKey:
    """Connect, read the server's host key, disconnect without authenticating."""
    sock = socket.create_connection((address, port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    transport = paramiko.Transport(sock)
    try:
        transport.banner_timeout = timeout
        transport.start_client(timeout=timeout)
        key = transport.get_remote_server_key()
    finally:
        transport.close()
        sock.close()
    return key
