"""Running checks over collected data: Verdicts become Results, and nothing crashes a poll.

A check whose data could not be collected (a timeout or error on one of its plan's requests)
is UNKNOWN with that reason; a check that raises is UNKNOWN with the exception named; a check
that returns None does not apply to this device and yields no Result at all.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from checks.check import CheckContext, SnmpCheck, Verdict
from checks.result import Result
from checks.snmpdata import SnmpData
from checks.status import Status


def collection_error(check: SnmpCheck, data: SnmpData) -> str | None:
    """The first collection error covering one of the check's requests, if any."""
    if not data.errors:
        return None
    plan = check.plan()
    for oid in (*plan.gets, *plan.walks):
        reason = data.error_for(oid)
        if reason:
            return reason
    return None


def evaluate_check(check: SnmpCheck, data: SnmpData, ctx: CheckContext) -> Result | None:
    started = time.perf_counter()
    verdict: Verdict | None
    error = collection_error(check, data)
    if error is not None:
        verdict = Verdict(Status.UNKNOWN, error)
    else:
        try:
            verdict = check.evaluate(data, ctx)
        except Exception as exc:  # a bug or garbage we did not foresee: a finding, not a crash
            verdict = Verdict(
                Status.UNKNOWN, f"cannot evaluate {check.id}: {type(exc).__name__}: {exc}"
            )
    if verdict is None:
        return None
    return Result(
        device=ctx.device,
        check=check.id,
        status=verdict.status,
        summary=verdict.summary,
        metrics=verdict.metrics,
        items=verdict.items,
        observed_at=ctx.now,
        duration_ms=(time.perf_counter() - started) * 1000.0,
        level=verdict.level,
    )


def evaluate_checks(checks: Iterable[SnmpCheck], data: SnmpData, ctx: CheckContext) -> list[Result]:
    """One Result per applicable check, in the order given."""
    results = []
    for check in checks:
        result = evaluate_check(check, data, ctx)
        if result is not None:
            results.append(result)
    return results
