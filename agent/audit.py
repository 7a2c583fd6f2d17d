"""The audit log: one JSON line per command sent to a customer's device, append-only, rotated.

Who sent what to which device and when, for the bank's auditors. Each line:
    {"time": UTC ISO-8601, "operator", "device", "address", "platform", "command",
     "ok": bool, "error": str|null, "bytes": output length, "duration_ms": int}
Only allowlisted commands are sent, so a command never carries a secret; errors are scrubbed of
the session's secrets by the caller (`AuditLog.record(..., secrets=)`) before they land here.

Safe for several processes writing at once: every line is one `write()` on a file opened with
O_APPEND (the kernel appends it whole), and rotation happens under an exclusive `flock` on a
lock file beside the log, so two processes never rotate the same file twice or write into a
file that is being renamed away. Rotation is by size, like logging.RotatingFileHandler:
`audit.jsonl` -> `audit.jsonl.1` -> ... -> `audit.jsonl.N` (the oldest is dropped).

Default path: $PATROL_AUDIT_LOG, else $XDG_STATE_HOME/patrol/audit.jsonl, else
~/.local/state/patrol/audit.jsonl. Files are created mode 0600, the folder 0700.

PUBLIC API
    AuditLog(path=None, max_bytes=10 MiB, backups=5, fsync=False)
        .record(operator=, device=, address=, platform=, command=, ok=, error=, nbytes=,
                duration_ms=, secrets=()) -> dict
        .append(entry: dict) -> None
        .path
    read_audit(path=None, device=None, since=None) -> Iterator[dict]   oldest first, rotated too
    default_audit_path() -> Path
    default_operator() -> str
"""

from __future__ import annotations

import fcntl
import getpass
import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MAX_BYTES = 10 * 1024 * 1024
BACKUPS = 5
FIELDS = (
    "time",
    "operator",
    "device",
    "address",
    "platform",
    "command",
    "ok",
    "error",
    "bytes",
    "duration_ms",
)
REDACTED = "***"


def default_audit_path() -> Path:
    env = os.environ.get("PATROL_AUDIT_LOG")
    if env:
        return Path(env).expanduser()
    state = os.environ.get("XDG_STATE_HOME")
    base = Path(state).expanduser() if state else Path.home() / ".local" / "state"
    return base / "patrol" / "audit.jsonl"


def default_operator() -> str:
    """The OS user running Patrol (when no --operator is given)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid:{os.getuid()}"


def scrub(text: str | None, secrets: Iterable[str]) -> str | None:
    """`text` with every occurrence of each secret replaced; None stays None."""
    if text is None:
        return None
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


class AuditLog:
    def __init__(
        self,
        path: str | Path | None = None,
        max_bytes: int = MAX_BYTES,
        backups: int = BACKUPS,
        fsync: bool = False,
    ):
        self.path = Path(path).expanduser() if path is not None else default_audit_path()
        self.max_bytes = max_bytes
        self.backups = backups
        self.fsync = fsync
        self._lock_path = self.path.with_name(self.path.name + ".lock")

    def __repr__(self) -> str:
        return f"AuditLog({str(self.path)!r})"

    def record(
        self,
        *,
        operator: str,
        device: str,
        address: str,
        platform: str,
        command: str,
        ok: bool,
        error: str | None = None,
        nbytes: int = 0,
        duration_ms: int = 0,
        secrets: Iterable[str] = (),
    ) -> dict[str, Any]:
        """Append one line for a command that was sent; returns the entry written."""
        secrets = tuple(secrets)
        entry = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "operator": operator,
            "device": device,
            "address": address,
            "platform": platform,
            "command": scrub(command, secrets),
            "ok": bool(ok),
            "error": scrub(error, secrets),
            "bytes": int(nbytes),
            "duration_ms": int(duration_ms),
        }
        self.append(entry)
        return entry

    def append(self, entry: dict[str, Any]) -> None:
        line = (json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with self._locked():
            self._rotate_if_needed(len(line))
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                written = os.write(fd, line)
                if written != len(line):  # a full disk: say so rather than leave half a line
                    raise OSError(f"{self.path}: short write ({written} of {len(line)} bytes)")
                if self.fsync:
                    os.fsync(fd)
            finally:
                os.close(fd)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        fd = os.open(self._lock_path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the flock

    def _rotate_if_needed(self, incoming: int) -> None:
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return
        if size == 0 or size + incoming <= self.max_bytes:
            return
        if self.backups <= 0:
            self.path.unlink()
            return
        for n in range(self.backups - 1, 0, -1):
            older = self._numbered(n)
            if older.exists():
                os.replace(older, self._numbered(n + 1))
        os.replace(self.path, self._numbered(1))

    def _numbered(self, n: int) -> Path:
        return self.path.with_name(f"{self.path.name}.{n}")


def audit_files(path: str | Path | None = None) -> list[Path]:
    """The log's files, oldest first: audit.jsonl.N ... audit.jsonl.1, audit.jsonl."""
    path = Path(path).expanduser() if path is not None else default_audit_path()
    numbered = []
    for candidate in path.parent.glob(path.name + ".*"):
        suffix = candidate.name[len(path.name) + 1 :]
        if suffix.isdigit():
            numbered.append((int(suffix), candidate))
    files = [p for _, p in sorted(numbered, reverse=True)]
    if path.exists():
        files.append(path)
    return files


def parse_time(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def read_audit(
    path: str | Path | None = None,
    device: str | None = None,
    since: datetime | None = None,
) -> Iterator[dict[str, Any]]:
    """The entries, oldest first, across rotated files; filtered by device and by time.

    A line that is not a JSON object (a foreign edit, a truncated disk) is skipped, never fatal:
    the log is read by auditors, who need the rest of it.
    """
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    for file in audit_files(path):
        try:
            handle = file.open("rb")
        except FileNotFoundError:  # rotated away between listing and opening
            continue
        with handle:
            for raw in handle:
                try:
                    entry = json.loads(raw)
                except ValueError:
                    continue
                if not isinstance(entry, dict):
                    continue
                if device is not None and entry.get("device") != device:
                    continue
                if since is not None:
                    when = parse_time(str(entry.get("time", "")))
                    if when is None or when < since:
                        continue
                yield entry
