"""What running SNMP and CLI checks share: a Verdict becomes a Result, nothing crashes a poll,
and the checks are indexed by id.

PUBLIC API (checks/snmp/engine.py and checks/cli/engine.py, the two catalogs):
    evaluate(check, data, ctx, *, collection_error, explain=None, fallback_level=None)
        -> Result | None
        UNKNOWN with the collection error when there is one; UNKNOWN "<explain(exc)>" or
        "cannot evaluate <id>: <exception>" when the check raises; None when the check does not
        apply. Stamped with device, check id, ctx.now, the evaluation's duration and the level
        (the Verdict's, else `fallback_level` when the result is WARNING or CRITICAL).
    evaluate_all(checks, one) -> list[Result]   one Result per applicable check, in order
    CheckIndex(checks)          by id: ids, get, for_platform(platform, role), in, len, iter
Each transport's side keeps what only it knows: what a collection error covers (OIDs or
commands) and what a check's exception means (a CLI OutputError names its command).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Generic, Protocol, TypeVar

from checks.check import CheckContext, Verdict
from checks.result import Result
from checks.status import Status


class Evaluable(Protocol):
    """What the engine needs of a check, SNMP or CLI."""

    @property
    def id(self) -> str: ...

    def applies_to(self, platform: str) -> bool: ...

    def evaluate(self, data: Any, ctx: CheckContext) -> Verdict | None: ...


CheckT = TypeVar("CheckT", bound=Evaluable)


def evaluate(
    check: Evaluable,
    data: Any,
    ctx: CheckContext,
    *,
    collection_error: Callable[[], str | None],
    explain: Callable[[Exception], str | None] | None = None,
    fallback_level: int | None = None,
) -> Result | None:
    """One check over collected data (see the module docstring)."""
    started = time.perf_counter()
    verdict: Verdict | None
    error = collection_error()
    if error is not None:
        verdict = Verdict(Status.UNKNOWN, error)
    else:
        try:
            verdict = check.evaluate(data, ctx)
        except Exception as exc:  # a bug or garbage we did not foresee: a finding, not a crash
            reason = explain(exc) if explain is not None else None
            verdict = Verdict(
                Status.UNKNOWN,
                reason
                if reason is not None
                else f"cannot evaluate {check.id}: {type(exc).__name__}: {exc}",
            )
    if verdict is None:
        return None
    level = verdict.level
    if level is None and verdict.status in (Status.WARNING, Status.CRITICAL):
        level = fallback_level
    return Result(
        device=ctx.device,
        check=check.id,
        status=verdict.status,
        summary=verdict.summary,
        metrics=verdict.metrics,
        items=verdict.items,
        observed_at=ctx.now,
        duration_ms=(time.perf_counter() - started) * 1000.0,
        level=level,
    )


def evaluate_all(checks: Iterable[CheckT], one: Callable[[CheckT], Result | None]) -> list[Result]:
    """One Result per applicable check, in the order given."""
    results = []
    for check in checks:
        result = one(check)
        if result is not None:
            results.append(result)
    return results


class CheckIndex(Generic[CheckT]):
    """Checks by id; `what` names them in errors, `duplicate_error` is raised for a repeated id."""

    what = "check"
    duplicate_error: type[Exception] = ValueError

    def __init__(self, checks: Iterable[CheckT]):
        by_id: dict[str, CheckT] = {}
        for check in checks:
            if check.id in by_id:
                raise self.duplicate_error(f"duplicate {self.what} id {check.id!r}")
            by_id[check.id] = check
        self._checks = self.ordered(by_id)

    def ordered(self, by_id: dict[str, CheckT]) -> dict[str, CheckT]:
        """The order checks are listed (and reported) in; as given unless a catalog says else."""
        return by_id

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._checks)

    def get(self, check_id: str) -> CheckT:
        try:
            return self._checks[check_id]
        except KeyError:
            raise KeyError(
                f"unknown {self.what} {check_id!r} (known: {', '.join(self._checks)})"
            ) from None

    def for_platform(self, platform: str, role: str | None = None) -> list[CheckT]:
        out = []
        for check in self._checks.values():
            if not check.applies_to(platform):
                continue
            roles = getattr(check, "roles", frozenset())
            if roles and role not in roles:
                continue
            out.append(check)
        return out

    def __iter__(self) -> Iterator[CheckT]:
        return iter(self._checks.values())

    def __len__(self) -> int:
        return len(self._checks)

    def __contains__(self, check_id: object) -> bool:
        return check_id in self._checks
