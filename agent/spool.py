"""A durable on-disk spool of Results waiting for the Patrol server (DESIGN.md, agent/).

    spool = Spool()                          # $XDG_STATE_HOME/patrol/spool, else
                                             # ~/.local/state/patrol/spool
    spool.put([result_dict, ...])            # one or more batch files, durable on return
    outcome = spool.drain(client)            # oldest first; a file leaves only once acknowledged
    outcome.accepted, outcome.waiting, outcome.error

    Spool(directory=None, *, max_batch=500), default_spool_dir(), DrainOutcome, RejectedBatch
    Spool.batches(), .pending(), .rejected(), .requeue_rejected()

Files: `<directory>/<time_ns>-<pid>-<seq>.json`, each `{"version": 1, "results": [...]}`, sorted
by name = oldest first. A batch is written to a temporary file, fsynced, renamed into place and
the folder fsynced, so a reader sees a whole batch or none. A batch is deleted only after the
server answered 200 with accepted + duplicates == its length. The server ingests idempotently by
result id, so a kill -9 between the server's commit and the delete sends that batch again and
nothing is doubled; a kill anywhere else loses nothing.

What a refusal does to the batch (status of POST /api/v1/results):
    unreachable, 5xx, 408, 429    keep everything, stop, report how many results wait
    401 (token), 404/405 (URL)    the same: the batch is fine, the setup is not
    413                           split in halves (kept in order) and carry on
    403 (several devices)         split per device, so one device the server refuses does not
                                  hold back the others; a single-device batch is rejected
    422 naming results[i]         the named results are set aside, the others sent again
    422 (several, none named)     split in halves until the malformed result is alone
    any other 4xx                 move the batch to `rejected/` with the reason (`.reason` beside
                                  it): a poison batch never blocks the queue
One drain at a time per spool (an flock on `.lock`, released by the kernel even on kill -9).
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import json
import os
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from agent.api_client import ApiError, ServerUnreachable

FORMAT_VERSION = 1
DEFAULT_BATCH = 500
STALE_TMP_S = 600.0  # a temporary file this old belongs to a put that was killed
STOP_STATUSES = frozenset({401, 404, 405, 408, 429})
_sequence = itertools.count()


class SpoolError(Exception):
    """The spool folder cannot be written or read (disk full, permissions)."""


class ResultSink(Protocol):
    def post_results(self, results: Sequence[Mapping[str, Any]]) -> dict[str, int]: ...


def default_spool_dir(environ: Mapping[str, str] | None = None) -> Path:
    """$XDG_STATE_HOME/patrol/spool, else ~/.local/state/patrol/spool."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_STATE_HOME") or ""
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".local" / "state"
    return root / "patrol" / "spool"


@dataclass(frozen=True)
class RejectedBatch:
    path: Path
    count: int
    reason: str


@dataclass
class DrainOutcome:
    """What one drain did; `error` says why it stopped early (None: it emptied the queue)."""

    accepted: int = 0
    duplicates: int = 0
    batches_sent: int = 0
    rejected: int = 0  # results moved to rejected/ by this drain
    rejected_batches: list[RejectedBatch] = field(default_factory=list)
    waiting: int = 0  # results still in the spool afterwards
    waiting_batches: int = 0
    error: ApiError | None = None
    busy: bool = False  # another process was draining this spool

    @property
    def unreachable(self) -> bool:
        return isinstance(self.error, ServerUnreachable)

    @property
    def complete(self) -> bool:
        return self.error is None and not self.busy and self.waiting == 0


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomic(path: Path, data: bytes) -> None:
    """tmp + fsync + rename + fsync(dir): after a crash, `path` is whole or absent."""
    tmp = path.with_name(f".tmp-{os.getpid()}-{next(_sequence)}-{path.name}")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise SpoolError(f"cannot write {path}: {exc.strerror or exc}") from None


def _encode(results: Sequence[Mapping[str, Any]]) -> bytes:
    return json.dumps(
        {"version": FORMAT_VERSION, "results": list(results)}, separators=(",", ":")
    ).encode()


_NAMED = re.compile(r"results\[(\d+)\]")


def _named_results(exc: ApiError, count: int) -> list[int] | None:
    """The results a 422 names (`results[3].observed_at: ...`, the server's readable reasons),
    or None when it names none or names one the batch does not have."""
    if exc.status != 422:
        return None
    named = sorted({int(n) for n in _NAMED.findall(exc.reason)})
    if not named or named[-1] >= count:
        return None
    return named


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Spool:
    def __init__(self, directory: Path | str | None = None, *, max_batch: int = DEFAULT_BATCH):
        if max_batch < 1:
            raise ValueError("max_batch must be 1 or more")
        self.directory = Path(directory) if directory is not None else default_spool_dir()
        self.rejected_dir = self.directory / "rejected"
        self.max_batch = max_batch

    def __repr__(self) -> str:
        return f"Spool({str(self.directory)!r})"

    def _ensure(self) -> None:
        try:
            # Results describe a customer's network: readable by the agent's user only.
            self.directory.parent.mkdir(parents=True, exist_ok=True)
            self.directory.mkdir(exist_ok=True, mode=0o700)
            self.rejected_dir.mkdir(exist_ok=True, mode=0o700)
        except OSError as exc:
            raise SpoolError(f"cannot create {self.rejected_dir}: {exc.strerror or exc}") from None

    # --- writing ---

    def put(self, results: Sequence[Mapping[str, Any]]) -> list[Path]:
        """Spool `results` durably (batches of at most max_batch); the files written."""
        if not results:
            return []
        self._ensure()
        written = []
        for chunk in _chunks(list(results), self.max_batch):
            name = f"{time.time_ns():020d}-{os.getpid()}-{next(_sequence):06d}.json"
            path = self.directory / name
            _write_atomic(path, _encode(chunk))
            written.append(path)
        return written

    # --- reading ---

    def batches(self) -> list[Path]:
        """The waiting batch files, oldest first."""
        if not self.directory.is_dir():
            return []
        return sorted(
            p
            for p in self.directory.iterdir()
            if p.suffix == ".json" and not p.name.startswith(".")
        )

    @staticmethod
    def _read(path: Path) -> list[dict[str, Any]]:
        data = json.loads(path.read_bytes())
        if not isinstance(data, dict) or not isinstance(data.get("results"), list):
            raise ValueError("not a spool batch ({version, results})")
        return data["results"]

    def pending(self) -> int:
        """Results waiting (unreadable files count as 0)."""
        total = 0
        for path in self.batches():
            with contextlib.suppress(OSError, ValueError):
                total += len(self._read(path))
        return total

    def rejected(self) -> list[RejectedBatch]:
        if not self.rejected_dir.is_dir():
            return []
        out = []
        for path in sorted(self.rejected_dir.glob("*.json")):
            reason_file = path.with_name(path.name + ".reason")
            try:
                reason = reason_file.read_text(encoding="utf-8").strip()
            except OSError:
                reason = "(no reason recorded)"
            try:
                count = len(self._read(path))
            except (OSError, ValueError):
                count = 0
            out.append(RejectedBatch(path, count, reason))
        return out

    def requeue_rejected(self) -> int:
        """Move every rejected batch back into the queue (after fixing the cause); how many."""
        moved = 0
        for batch in self.rejected():
            os.replace(batch.path, self.directory / batch.path.name)
            with contextlib.suppress(OSError):
                batch.path.with_name(batch.path.name + ".reason").unlink()
            moved += 1
        if moved:
            _fsync_dir(self.directory)
        return moved

    # --- draining ---

    @contextlib.contextmanager
    def _lock(self) -> Iterator[bool]:
        self._ensure()
        fd = os.open(self.directory / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            yield True
        finally:
            os.close(fd)  # closing releases the flock

    def _clean_stale_tmp(self) -> None:
        now = time.time()
        for path in self.directory.glob(".tmp-*"):
            with contextlib.suppress(OSError):
                if now - path.stat().st_mtime > STALE_TMP_S:
                    path.unlink()

    def _split(self, path: Path, parts: Sequence[Sequence[Mapping[str, Any]]]) -> list[Path]:
        """Replace `path` by its parts, named so they keep its place in the queue. A crash
        between writing the parts and deleting `path` only sends some results twice, which the
        server's idempotent ingest absorbs."""
        written = []
        for index, part in enumerate(parts):
            target = path.with_name(f"{path.stem}-s{index:03d}.json")
            _write_atomic(target, _encode(part))
            written.append(target)
        self._delete(path)
        return written

    def _delete(self, path: Path) -> None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        _fsync_dir(path.parent)

    def _reject(self, path: Path, count: int, reason: str) -> RejectedBatch:
        target = self.rejected_dir / path.name
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        # The reason first: a crash in between leaves a stray reason, never an unexplained batch.
        _write_atomic(target.with_name(target.name + ".reason"), f"{stamp} {reason}\n".encode())
        os.replace(path, target)
        _fsync_dir(self.directory)
        _fsync_dir(self.rejected_dir)
        return RejectedBatch(target, count, reason)

    def _reject_part(
        self, path: Path, bad: Sequence[Mapping[str, Any]], reason: str
    ) -> RejectedBatch:
        """Set aside some results of `path` (the caller then replaces `path` by the rest). Named
        after `path`, so a crash before `path` is replaced only rewrites the same file."""
        target = self.rejected_dir / f"{path.stem}-r.json"
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        _write_atomic(target.with_name(target.name + ".reason"), f"{stamp} {reason}\n".encode())
        _write_atomic(target, _encode(bad))
        return RejectedBatch(target, len(bad), reason)

    def drain(self, client: ResultSink, batch_size: int = DEFAULT_BATCH) -> DrainOutcome:
        """Send the waiting batches oldest first; see the module docstring for refusals."""
        if batch_size < 1:
            raise ValueError("batch_size must be 1 or more")
        outcome = DrainOutcome()
        with self._lock() as locked:
            if not locked:
                outcome.busy = True
            else:
                self._clean_stale_tmp()
                self._drain(client, batch_size, outcome)
        queue = self.batches()
        outcome.waiting_batches = len(queue)
        outcome.waiting = self.pending() if queue else 0
        return outcome

    def _drain(self, client: ResultSink, batch_size: int, outcome: DrainOutcome) -> None:
        queue = self.batches()
        while queue:
            path = queue.pop(0)
            try:
                results = self._read(path)
            except FileNotFoundError:
                continue
            except (OSError, ValueError) as exc:
                outcome.rejected_batches.append(self._reject(path, 0, f"unreadable: {exc}"))
                continue
            if not results:
                self._delete(path)
                continue
            if len(results) > batch_size:
                queue[:0] = self._split(path, list(_chunks(results, batch_size)))
                continue
            try:
                answer = client.post_results(results)
            except ApiError as exc:
                named = _named_results(exc, len(results))
                if named is not None and len(named) == len(results):
                    named = []  # every one is bad: the whole batch is set aside below
                if named:
                    bad = [results[i] for i in named]
                    good = [r for i, r in enumerate(results) if i not in named]
                    reason = f"HTTP {exc.status}: {exc.reason}"
                    rejected = self._reject_part(path, bad, reason)
                    outcome.rejected_batches.append(rejected)
                    outcome.rejected += len(bad)
                    queue[:0] = self._split(path, [good])
                    continue
                parts = None if named is not None else self._parts_after_refusal(exc, results)
                if parts is not None:
                    queue[:0] = self._split(path, parts)
                elif self._stops(exc):
                    outcome.error = exc
                    return
                else:
                    reason = f"HTTP {exc.status}: {exc.reason}"
                    rejected = self._reject(path, len(results), reason)
                    outcome.rejected_batches.append(rejected)
                    outcome.rejected += len(results)
                continue
            acknowledged = answer.get("accepted", 0) + answer.get("duplicates", 0)
            if acknowledged != len(results):
                # Kept: sending it again is harmless (idempotent), losing it is not.
                outcome.error = ApiError(
                    200,
                    f"the server acknowledged {acknowledged} of {len(results)} results of "
                    f"{path.name}; the batch stays spooled",
                )
                return
            self._delete(path)
            outcome.batches_sent += 1
            outcome.accepted += answer.get("accepted", 0)
            outcome.duplicates += answer.get("duplicates", 0)

    @staticmethod
    def _stops(exc: ApiError) -> bool:
        status = exc.status
        return status is None or status in STOP_STATUSES or not 400 <= status < 500

    @staticmethod
    def _parts_after_refusal(
        exc: ApiError, results: list[dict[str, Any]]
    ) -> list[list[dict[str, Any]]] | None:
        """How to split a refused batch to get the good results through, or None."""
        if exc.status in (413, 422) and len(results) > 1:
            half = (len(results) + 1) // 2
            return [results[:half], results[half:]]
        if exc.status == 403:
            by_device: dict[str, list[dict[str, Any]]] = {}
            for result in results:
                by_device.setdefault(str(result.get("device")), []).append(result)
            if len(by_device) > 1:
                return list(by_device.values())
        return None
