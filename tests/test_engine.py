"""checks/engine.py: the running and indexing of checks that SNMP and CLI share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from checks.check import CheckContext, Verdict
from checks.engine import CheckIndex, evaluate, evaluate_all
from checks.status import Status


@dataclass
class _Check:
    id: str
    verdict: Verdict | None = None
    boom: Exception | None = None
    platforms: tuple[str, ...] = ("linux",)
    roles: frozenset[str] = frozenset()

    def applies_to(self, platform: str) -> bool:
        return platform in self.platforms

    def evaluate(self, data: Any, ctx: CheckContext) -> Verdict | None:
        if self.boom is not None:
            raise self.boom
        return self.verdict


CTX = CheckContext(device="d1", platform="linux")


def test_collection_error_is_unknown_and_stamped() -> None:
    result = evaluate(_Check("x.a"), None, CTX, collection_error=lambda: "timeout")
    assert result is not None
    assert (result.device, result.check, result.status, result.summary) == (
        "d1",
        "x.a",
        Status.UNKNOWN,
        "timeout",
    )
    assert result.observed_at == CTX.now and result.duration_ms >= 0


def test_exceptions_become_unknown_explained_or_named() -> None:
    check = _Check("x.b", boom=ZeroDivisionError("division by zero"))
    plain = evaluate(check, None, CTX, collection_error=lambda: None)
    assert plain is not None
    assert plain.summary == "cannot evaluate x.b: ZeroDivisionError: division by zero"
    told = evaluate(check, None, CTX, collection_error=lambda: None, explain=lambda e: "why")
    assert told is not None and told.summary == "why"


def test_not_applicable_and_fallback_level() -> None:
    assert evaluate(_Check("x.c"), None, CTX, collection_error=lambda: None) is None
    warn = _Check("x.d", Verdict(Status.WARNING, "hot"))
    ok = _Check("x.e", Verdict(Status.OK, "fine"))
    results = evaluate_all(
        [warn, _Check("x.c"), ok],
        lambda c: evaluate(c, None, CTX, collection_error=lambda: None, fallback_level=3),
    )
    assert [(r.check, r.level) for r in results] == [("x.d", 3), ("x.e", None)]


def test_index() -> None:
    index = CheckIndex([_Check("a"), _Check("b", platforms=("aix",)), _Check("c", roles={"x"})])
    assert index.ids == ("a", "b", "c") and "a" in index and len(index) == 3
    assert [c.id for c in index.for_platform("linux")] == ["a"]
    assert [c.id for c in index.for_platform("linux", "x")] == ["a", "c"]
    with pytest.raises(KeyError, match="unknown check 'z'"):
        index.get("z")
    with pytest.raises(ValueError, match="duplicate check id 'a'"):
        CheckIndex([_Check("a"), _Check("a")])
