"""Run many device jobs fast on every core: asyncio inside each process, one process per core.

PUBLIC API
    run_pool(jobs, worker, *, on_error, processes=None, concurrency=16, on_result=None) -> list
        Blocking. Results come back in job order; `on_result(index, result)` is called in the
        calling process as each job finishes (drive a progress bar with it).
    await run_local(jobs, worker, *, on_error, concurrency=16, on_result=None) -> list
        The same on the running event loop of the caller, in this process only.
    JobError   what `on_error(job, exc)` receives when a job raised (or its process died)
    cpu_count()  the cores this process may use

The contract for `worker`: a module-level `async def worker(job) -> result` (importable by name,
so a spawned process can find it). Jobs and results must pickle. A worker keeps per-process state
(an SnmpClient: agent.snmp.shared_client()) in module globals, created on first use, so each
process builds its SNMP engine once. A job that raises becomes `on_error(job, JobError)` and
never stops the others.

Small runs (processes=1, or fewer than 2 * concurrency jobs) stay in this process: starting a
Python process with pysnmp costs ~0.3 s and 45 MiB, more than a few devices take to poll.
Otherwise `processes` workers (default: every core) are started with the 'spawn' method (safe
with threads and event loops in the parent) and take job indexes from a shared counter as they
free up, so a slow device never idles a core that still has work waiting.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import pickle
import signal
import traceback
from collections.abc import Awaitable, Callable, Sequence
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any, Generic, TypeVar

J = TypeVar("J")
R = TypeVar("R")


class JobError(Exception):
    """A job that raised (or whose process died): picklable, with the original's type name,
    message and traceback text. `__cause__` is the original exception in run_local."""

    def __init__(self, index: int, type_name: str, message: str, traceback_text: str = ""):
        super().__init__(index, type_name, message, traceback_text)
        self.index = index
        self.type_name = type_name
        self.message = message
        self.traceback_text = traceback_text

    def __str__(self) -> str:
        return f"{self.type_name}: {self.message}" if self.message else self.type_name

    @classmethod
    def of(cls, index: int, exc: BaseException) -> JobError:
        text = "".join(traceback.format_exception(exc))
        error = cls(index, type(exc).__name__, str(exc), text)
        error.__cause__ = exc
        return error


def cpu_count() -> int:
    """Cores this process may use (affinity-aware)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class _Collector(Generic[J, R]):
    """Puts results in job order and tells the caller as they arrive."""

    def __init__(
        self,
        jobs: Sequence[J],
        on_error: Callable[[J, JobError], R],
        on_result: Callable[[int, R], None] | None,
    ) -> None:
        self.jobs = jobs
        self.on_error = on_error
        self.on_result = on_result
        self.results: list[Any] = [_MISSING] * len(jobs)
        self.remaining = len(jobs)

    def ok(self, index: int, result: R) -> None:
        if self.results[index] is not _MISSING:
            return
        self.results[index] = result
        self.remaining -= 1
        if self.on_result is not None:
            self.on_result(index, result)

    def failed(self, index: int, error: JobError) -> None:
        self.ok(index, self.on_error(self.jobs[index], error))

    def missing(self) -> list[int]:
        return [i for i, r in enumerate(self.results) if r is _MISSING]


_MISSING: Any = object()


async def run_local(
    jobs: Sequence[J],
    worker: Callable[[J], Awaitable[R]],
    *,
    on_error: Callable[[J, JobError], R],
    concurrency: int = 16,
    on_result: Callable[[int, R], None] | None = None,
) -> list[R]:
    """Run `jobs` on the current event loop, at most `concurrency` at once."""
    collector = _Collector(jobs, on_error, on_result)
    next_index = 0

    async def lane() -> None:
        nonlocal next_index
        while next_index < len(jobs):
            index = next_index
            next_index += 1
            try:
                result = await worker(jobs[index])
            except Exception as exc:
                collector.failed(index, JobError.of(index, exc))
            else:
                collector.ok(index, result)

    await asyncio.gather(*(lane() for _ in range(max(1, min(concurrency, len(jobs))))))
    return list(collector.results)


def run_pool(
    jobs: Sequence[J],
    worker: Callable[[J], Awaitable[R]],
    *,
    on_error: Callable[[J, JobError], R],
    processes: int | None = None,
    concurrency: int = 16,
    on_result: Callable[[int, R], None] | None = None,
) -> list[R]:
    """Run every job, `concurrency` at once per process, on `processes` processes (default:
    every core); results in job order. Blocks: from async code, `await asyncio.to_thread(...)`
    or use `run_local`. Must not be called from a worker."""
    jobs = list(jobs)
    wanted = cpu_count() if processes is None else max(1, processes)
    if wanted == 1 or len(jobs) < 2 * concurrency:
        return asyncio.run(
            run_local(jobs, worker, on_error=on_error, concurrency=concurrency, on_result=on_result)
        )
    wanted = min(wanted, max(1, len(jobs) // concurrency))
    return _run_processes(jobs, worker, on_error, wanted, concurrency, on_result)


def _run_processes(
    jobs: list[J],
    worker: Callable[[J], Awaitable[R]],
    on_error: Callable[[J, JobError], R],
    processes: int,
    concurrency: int,
    on_result: Callable[[int, R], None] | None,
) -> list[R]:
    context = multiprocessing.get_context("spawn")
    counter = context.Value("q", 0)
    collector = _Collector(jobs, on_error, on_result)
    # One pipe per worker, written synchronously: a result is in the pipe the moment its job
    # ends, so a worker that crashes loses only the jobs it had in flight.
    readers: dict[Any, BaseProcess] = {}
    procs: list[BaseProcess] = []
    try:
        for n in range(processes):
            reader, writer = context.Pipe(duplex=False)
            proc = context.Process(
                target=_worker_main,
                args=(jobs, worker, counter, writer, concurrency),
                name=f"patrol-pool-{n}",
                daemon=True,
            )
            proc.start()
            writer.close()
            readers[reader] = proc
            procs.append(proc)
        while readers and collector.remaining:
            for reader in wait(list(readers)):
                try:
                    index, ok, payload = reader.recv()
                except EOFError:  # that worker is gone and everything it sent was read
                    del readers[reader]
                    continue
                value = pickle.loads(payload)
                if ok:
                    collector.ok(index, value)
                else:
                    collector.failed(index, value)
        codes = sorted({p.exitcode for p in procs if p.exitcode})
        for index in collector.missing():
            collector.failed(
                index, JobError(index, "WorkerDied", f"worker process died (exit codes {codes})")
            )
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
        for proc in procs:
            proc.join()
        for reader in readers:
            reader.close()
    return list(collector.results)


def _worker_main(
    jobs: list[Any],
    worker: Callable[[Any], Awaitable[Any]],
    counter: Any,
    results: Connection,
    concurrency: int,
) -> None:
    # Ctrl-C reaches the whole process group; the parent decides and terminates us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def take() -> int | None:
        with counter.get_lock():
            index = counter.value
            if index >= len(jobs):
                return None
            counter.value = index + 1
            return int(index)

    def send(index: int, ok: bool, value: Any) -> None:
        try:
            payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # an unpicklable result must not hang the parent
            ok, payload = False, pickle.dumps(JobError.of(index, exc))
        results.send((index, ok, payload))

    async def lane() -> None:
        while (index := take()) is not None:
            try:
                result = await worker(jobs[index])
            except Exception as exc:
                send(index, False, JobError.of(index, exc))
            else:
                send(index, True, result)

    async def main() -> None:
        await asyncio.gather(*(lane() for _ in range(max(1, concurrency))))

    asyncio.run(main())
    results.close()
