"""Running checks over collected data: Verdicts become Results, and nothing crashes a poll.

A check whose data could not be collected (a timeout or error on one of its plan's requests)
is UNKNOWN with that reason; a check that raises is UNKNOWN with the exception named; a check
that returns None does not apply to this device and yields no Result at all (checks/engine.py,
shared with the CLI checks, does the running).
"""

from __future__ import annotations

from collections.abc import Iterable

from checks.check import CheckContext, SnmpCheck
from checks.engine import evaluate, evaluate_all
from checks.result import Result
from checks.snmpdata import SnmpData


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
    return evaluate(check, data, ctx, collection_error=lambda: collection_error(check, data))


def evaluate_checks(checks: Iterable[SnmpCheck], data: SnmpData, ctx: CheckContext) -> list[Result]:
    """One Result per applicable check, in the order given."""
    return evaluate_all(checks, lambda check: evaluate_check(check, data, ctx))
