"""The base of the CLI checks: platform applicability, reading a command's output safely, and
the small helpers every CLI check shares (state words, windows of time, log grouping).

A check asks `self.output(data, command)` for a command's text: it gets the text, or an
`OutputError` (not collected, the device's own error message, empty output) that the engine
turns into UNKNOWN "<command>: <reason>". Parsers raise the same `OutputError` for outputs they
do not understand, so garbage never becomes an exception or a silent OK.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from checks.check import CheckContext, Verdict
from checks.cli.parsing import OutputError, device_error, meaningful_lines
from checks.clidata import CliData
from checks.platforms import FAMILIES
from checks.result import Item
from checks.snmp.common import listing, plural
from checks.status import Status, worst

T = TypeVar("T")


class CliCheckBase:
    """Shared behaviour of the CLI checks; subclasses set the class attributes and implement
    `commands()` and `evaluate()`."""

    id: str = ""
    title: str = ""
    level: int | None = None  # the fault level a failure declares; None: the policy decides
    platforms: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()  # empty: every role
    # Commands whose output may be empty on a healthy device (an empty errpt, no Defined
    # device): for those an empty output is data, not garbage.
    may_be_empty: frozenset[str] = frozenset()

    def applies_to(self, platform: str) -> bool:
        return platform in self.platforms

    def commands(self, platform: str) -> tuple[str, ...]:
        raise NotImplementedError

    def required_commands(self, platform: str) -> tuple[str, ...]:
        """The commands without which the check cannot say anything (default: all of them).
        The engine reports a collection error on one of these as UNKNOWN; an error on an
        optional command only degrades the evaluation."""
        return self.commands(platform)

    def followup_commands(self, platform: str, data: CliData) -> tuple[str, ...]:
        """Commands to send in a second round, known only from the first round's outputs."""
        return ()

    def evaluate(self, data: CliData, ctx: CheckContext) -> Verdict | None:
        raise NotImplementedError

    # --- reading outputs ----------------------------------------------------------------------

    def output(self, data: CliData, command: str) -> str:
        """The usable output of `command`, or OutputError naming why it is not usable."""
        error = data.error_for(command)
        if error:
            raise OutputError(error, command)
        text = data.output(command)
        if text is None:
            raise OutputError("not collected", command)
        message = device_error(text)
        if message:
            raise OutputError(f"device answered {message!r}", command)
        if not meaningful_lines(text) and command not in self.may_be_empty:
            raise OutputError("empty output", command)
        return text

    def parse(self, data: CliData, command: str, parser: Callable[[str], T]) -> T:
        """`parser` applied to the usable output of `command`; its OutputError names the
        command."""
        text = self.output(data, command)
        try:
            return parser(text)
        except OutputError as exc:
            if exc.command is None:
                exc.command = command
            raise

    def optional_output(self, data: CliData, command: str) -> str | None:
        """The output of a command the check can do without, or None when it is not usable."""
        try:
            return self.output(data, command)
        except OutputError:
            return None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id}>"


def family_platforms(*families: str) -> frozenset[str]:
    out: set[str] = set()
    for name in families:
        out |= FAMILIES.get(name, frozenset({name}))
    return frozenset(out)


# --- states --------------------------------------------------------------------------------------

_OK_WORDS = frozenset(
    {
        "ok",
        "normal",
        "good",
        "green",
        "on",
        "online",
        "up",
        "supply",
        "present",
        "registered",
        "active",
        "yes",
        "poweron",
        "powered on",
    }
)
_ABSENT_WORDS = frozenset(
    {"not present", "notpresent", "absent", "not installed", "empty", "no", "n/a", "na", "-"}
)
_WARN_WORDS = frozenset({"yellow", "minor", "warning", "warn", "degraded", "alarm"})


def judge_word(word: str) -> Status | None:
    """Status for a device's state word: OK words, None for "not present", WARNING for
    yellow/minor/degraded, CRITICAL for everything else (faulty, bad, red, shutdown, ...)."""
    key = re.sub(r"\s+", " ", word.strip().strip(".").lower())
    if key in _OK_WORDS:
        return Status.OK
    if key in _ABSENT_WORDS:
        return None
    if key in _WARN_WORDS:
        return Status.WARNING
    return Status.CRITICAL


# --- messages of a log in a window of time -------------------------------------------------------


@dataclass(frozen=True)
class LogMessage:
    """One log message of a device, with the moment it was logged (None: cannot be placed)."""

    key: str  # what groups repeats: "%LINK-3-UPDOWN", "DEVM/1/hwBoardFail_active"
    severity: int
    when: datetime | None
    stamp: str  # the timestamp as the device printed it
    text: str


SEVERITY_NAMES = {
    0: "emergency",
    1: "alert",
    2: "critical",
    3: "error",
    4: "warning",
    5: "notice",
    6: "info",
    7: "debug",
}


def log_verdict(
    messages: Sequence[LogMessage],
    *,
    now: datetime,
    window_s: float,
    window_label: str,
    total: int,
    undated: int = 0,
    most_recent: int = 5,
) -> Verdict:
    """Severity 0-2 -> CRITICAL, 3 -> WARNING, counted over the window; items for the most
    recent few kinds of message ("%SYS-2-MALLOCFAIL": "3x, last Nov 22 04:39:28: ...")."""
    recent = [
        m
        for m in messages
        if m.severity <= 3
        and m.when is not None
        and -86400.0 <= (now - m.when).total_seconds() <= window_s
    ]
    if not recent:
        summary = f"No messages of severity 0-3 in the last {window_label}"
        summary += f" ({plural(total, ('message', 'messages'))} in the buffer"
        if undated:
            summary += f", {undated} without a usable timestamp"
        return Verdict(Status.OK, summary + ")")
    groups: dict[str, list[LogMessage]] = {}
    for message in sorted(recent, key=lambda m: m.when or now, reverse=True):
        groups.setdefault(message.key, []).append(message)
    items = []
    for key, group in list(groups.items())[:most_recent]:
        last = group[0]
        status = Status.CRITICAL if min(m.severity for m in group) <= 2 else Status.WARNING
        count = f"{len(group)}x, last " if len(group) > 1 else ""
        items.append(Item(key, status, f"{count}{last.stamp}: {last.text}"[:300]))
    status = Status.CRITICAL if any(m.severity <= 2 for m in recent) else Status.WARNING
    critical = sum(1 for m in recent if m.severity <= 2)
    errors = len(recent) - critical
    counts = ", ".join(
        part
        for part in (
            f"{critical} critical" if critical else "",
            plural(errors, ("error", "errors")) if errors else "",
        )
        if part
    )
    newest = sorted(recent, key=lambda m: m.when or now, reverse=True)[0]
    summary = (
        f"{plural(len(recent), ('message', 'messages'))} of severity 0-3 in the last "
        f"{window_label} ({counts}), last: {newest.key}: {newest.text}"
    )
    if len(summary) > 200:
        summary = summary[:197] + "..."
    return Verdict(status, summary, items=items)


# --- summaries of component states ---------------------------------------------------------------


def problems_summary(items: Iterable[Item], noun: tuple[str, str], limit: int = 4) -> str:
    """ "2 of 5 boards not normal: Slot 2 (Offline), Slot 1 FAN1 (Abnormal)" or "5 boards OK"."""
    items = list(items)
    bad = [i for i in items if i.status is not Status.OK]
    if not bad:
        return f"{plural(len(items), noun)} OK"
    bad.sort(key=lambda i: -i.status.severity)
    names = [f"{i.item} ({i.detail})" for i in bad]
    return f"{len(bad)} of {plural(len(items), noun)} not OK: {listing(names, limit)}"


def worst_of(items: Iterable[Item]) -> Status:
    return worst(i.status for i in items)
