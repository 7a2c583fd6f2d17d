"""agent/pool.py: in-process and multi-process runs, failures contained, results streamed."""

from __future__ import annotations

import asyncio
import os

import pytest

from agent.pool import JobError, run_local, run_pool


async def square_or_fail(job: int) -> tuple[int, int]:
    """Module-level so spawned workers can import it; job 13 raises, 0 sleeps a while."""
    await asyncio.sleep(0.05 if job == 0 else 0.001)
    if job == 13:
        raise RuntimeError("unlucky job")
    return job * job, os.getpid()


async def die_on_seven(job: int) -> tuple[int, int]:
    if job == 7:
        os._exit(9)  # a worker process that crashes hard
    await asyncio.sleep(0.01)
    return job, os.getpid()


def as_error(job: int, exc: JobError) -> tuple[int, int]:
    return -job, -1


def test_in_process_failure_becomes_the_result() -> None:
    seen: list[int] = []
    results = run_pool(
        list(range(20)),
        square_or_fail,
        on_error=as_error,
        processes=1,
        concurrency=4,
        on_result=lambda i, r: seen.append(i),
    )
    assert [r[0] for r in results] == [-13 if i == 13 else i * i for i in range(20)]
    assert {pid for _, pid in results if pid > 0} == {os.getpid()}
    assert sorted(seen) == list(range(20))


def test_run_local_passes_the_original_exception() -> None:
    errors: list[JobError] = []

    def keep(job: int, exc: JobError) -> tuple[int, int]:
        errors.append(exc)
        return 0, 0

    asyncio.run(run_local([12, 13], square_or_fail, on_error=keep, concurrency=2))
    (error,) = errors
    assert error.type_name == "RuntimeError"
    assert str(error) == "RuntimeError: unlucky job"
    assert isinstance(error.__cause__, RuntimeError)
    assert "square_or_fail" in error.traceback_text


@pytest.mark.integration
def test_processes_return_every_result_in_order() -> None:
    jobs = list(range(60))
    seen: list[int] = []
    errors: list[JobError] = []

    def on_error(job: int, exc: JobError) -> tuple[int, int]:
        errors.append(exc)
        return -job, -1

    results = run_pool(
        jobs,
        square_or_fail,
        on_error=on_error,
        processes=2,
        concurrency=4,
        on_result=lambda i, r: seen.append(i),
    )
    assert [r[0] for r in results] == [-13 if i == 13 else i * i for i in jobs]
    assert sorted(seen) == jobs
    pids = {pid for _, pid in results if pid > 0}
    assert pids and os.getpid() not in pids
    assert len(pids) <= 2  # how the jobs split between the two depends on start-up timing
    (error,) = errors
    assert (error.index, error.type_name, error.message) == (13, "RuntimeError", "unlucky job")


@pytest.mark.integration
def test_a_dying_worker_process_fails_only_its_own_jobs() -> None:
    jobs = list(range(40))
    results = run_pool(jobs, die_on_seven, on_error=as_error, processes=2, concurrency=2)
    failed = [job for job, (value, _) in zip(jobs, results, strict=True) if value < 0 or job == 7]
    assert 7 in failed
    # the other process carried on and finished the rest (only 7 and whatever the dead
    # process had in flight with it are lost)
    assert len(failed) <= 2
    assert all(
        value == job for job, (value, _) in zip(jobs, results, strict=True) if job not in failed
    )
