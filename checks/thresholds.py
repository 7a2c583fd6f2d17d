"""Thresholds: Nagios-style ranges and their inheritance device > site > customer > defaults.

A plain number `N` means "alert above N" (what an operator means by `cpu.usage: {warn: 80}`);
a string uses the Monitoring Plugins range syntax operators already know: `10:` (alert below
10), `~:50` (alert above 50), `10:20` (alert outside 10..20), `@10:20` (alert inside).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from checks.status import Status

RawThreshold = int | float | str


@dataclass(frozen=True, slots=True)
class Range:
    start: float
    end: float
    inside: bool = False  # '@': alert when inside start..end
    text: str = ""

    @classmethod
    def parse(cls, spec: RawThreshold) -> Range:
        if isinstance(spec, bool):
            raise ValueError(f"expected a number or a range like '10:' or '@10:20', got {spec!r}")
        if isinstance(spec, int | float):
            return cls(-math.inf, float(spec), False, str(spec))
        text = str(spec).strip()
        body = text
        inside = body.startswith("@")
        if inside:
            body = body[1:]
        try:
            if ":" in body:
                lo_text, hi_text = body.split(":", 1)
                lo = -math.inf if lo_text.strip() == "~" else float(lo_text or 0)
                hi = math.inf if hi_text.strip() == "" else float(hi_text)
            else:
                lo, hi = -math.inf, float(body)
        except ValueError:
            raise ValueError(
                f"bad threshold {text!r}: expected a number or a range like '10:', '~:50', "
                "'10:20' or '@10:20'"
            ) from None
        if lo > hi:
            raise ValueError(f"bad threshold {text!r}: start is greater than end")
        return cls(lo, hi, inside, text)

    def alerts(self, value: float) -> bool:
        within = self.start <= value <= self.end
        return within if self.inside else not within

    def display(self) -> int | float | str:
        """The threshold as a Result metric shows it: the bare number where it is one."""
        if not self.inside and self.start == -math.inf and self.end != math.inf:
            return int(self.end) if self.end.is_integer() else self.end
        return self.text


@dataclass(frozen=True, slots=True)
class Threshold:
    warn: Range | None = None
    crit: Range | None = None
    source: str = "catalog"  # which layer set it: catalog, defaults, customer X, site Y, device Z

    @property
    def explicit(self) -> bool:
        """True when an operator set it in the inventory rather than the catalog default."""
        return self.source != "catalog"

    def status(self, value: float) -> Status:
        if self.crit is not None and self.crit.alerts(value):
            return Status.CRITICAL
        if self.warn is not None and self.warn.alerts(value):
            return Status.WARNING
        return Status.OK

    @property
    def warn_display(self) -> int | float | str | None:
        return self.warn.display() if self.warn else None

    @property
    def crit_display(self) -> int | float | str | None:
        return self.crit.display() if self.crit else None

    @classmethod
    def of(
        cls, warn: RawThreshold | None = None, crit: RawThreshold | None = None, source: str = ""
    ) -> Threshold:
        return cls(
            warn=Range.parse(warn) if warn is not None else None,
            crit=Range.parse(crit) if crit is not None else None,
            source=source or "catalog",
        )


@dataclass(frozen=True)
class Thresholds:
    """Resolved thresholds of one device, by metric name."""

    by_metric: Mapping[str, Threshold] = field(default_factory=dict)

    def get(self, metric: str) -> Threshold:
        return self.by_metric.get(metric, Threshold())

    def __contains__(self, metric: str) -> bool:
        return metric in self.by_metric


# Catalog defaults. Temperatures: a sensor's own thresholds win over these unless an operator
# set temperature thresholds in the inventory (see checks that read device thresholds).
CATALOG_DEFAULTS: dict[str, dict[str, RawThreshold]] = {
    "cpu.usage": {"warn": 80, "crit": 90},
    "memory.usage": {"warn": 85, "crit": 95},
    "storage.usage": {"warn": 85, "crit": 95},
    "temperature": {"warn": 65, "crit": 75},
    "interface.errors": {"warn": 1, "crit": 10},
    "interface.utilization": {"warn": 80, "crit": 95},
}


def resolve(layers: list[tuple[str, Mapping[str, Mapping[str, RawThreshold]]]]) -> Thresholds:
    """Merge layers, most general first, each `(source name, {metric: {warn, crit}})`.

    Fields inherit one by one: a device that sets only `crit` keeps the inherited `warn`.
    """
    merged: dict[str, dict[str, RawThreshold]] = {}
    sources: dict[str, str] = {}
    for source, layer in [("catalog", CATALOG_DEFAULTS), *layers]:
        for metric, spec in layer.items():
            entry = merged.setdefault(metric, {})
            for key in ("warn", "crit"):
                if key in spec and spec[key] is not None:
                    entry[key] = spec[key]
                    sources[metric] = source
    return Thresholds(
        {
            metric: Threshold.of(spec.get("warn"), spec.get("crit"), sources.get(metric, ""))
            for metric, spec in merged.items()
        }
    )
