"""Turning raw CLI screens into records: TextFSM templates, delimited tables, device errors.

Two template sources, both run by TextFSM:
- ntc-templates (the installed package) where its template reads what a check needs. We name the
  template file explicitly instead of going through `parse_output()`'s index: CliTable matches a
  command against the index as a regex *prefix*, so on `huawei_vrp` every `display ...` that has
  no template of its own (`display fan`, `display alarm active`, `display logbuffer`) silently
  matches `huawei_vrp_dir.textfsm` (`d[[ir]]`) and fails with a confusing state error.
- our own templates in `checks/cli/templates/` for outputs ntc-templates does not cover, or covers
  without the fields a health check needs (Cisco `show logging` with years and 4-letter time
  zones, `show interfaces` resets, multi-format `show environment`, Huawei alarms/logbuffer/
  cpu/memory/fan/power, AIX commands).
Storwize `-delim :` outputs need no template: a header line and rows split on ':' (`delimited`).

Every parse error is an `OutputError` carrying a short reason; the check engine turns it into an
UNKNOWN result that names the command. Nothing here raises anything else for bad device output.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import textfsm

TEMPLATE_DIR = Path(__file__).parent / "templates"

Record = dict[str, Any]  # lower-case field name -> str, or list[str] for TextFSM List values


class OutputError(Exception):
    """An output a check cannot evaluate; `reason` is short and says what is wrong."""

    def __init__(self, reason: str, command: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.command = command

    def __str__(self) -> str:
        return f"{self.command}: {self.reason}" if self.command else self.reason


# --- templates ---------------------------------------------------------------------------------


def ntc_template(name: str) -> Path:
    """Path of a template shipped by the installed ntc-templates package."""
    import ntc_templates

    return Path(ntc_templates.__file__).parent / "templates" / name


def own_template(name: str) -> Path:
    return TEMPLATE_DIR / name


@lru_cache(maxsize=64)
def _template_source(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def run_template(path: Path, text: str) -> list[Record]:
    """Parse `text` with the TextFSM template at `path`; records with lower-case keys.

    The same shape as `ntc_templates.parse.parse_output()` returns, so our records compare
    directly with ntc-templates' expected `.yml` records.
    """
    try:
        fsm = textfsm.TextFSM(io.StringIO(_template_source(path)))
        rows = fsm.ParseText(normalize(text))
    except textfsm.TextFSMError as exc:
        # A template's `-> Error` rule fired: a line the template does not know. The message
        # names the line; keep it short.
        line = str(exc).split("Input Line:", 1)[-1].strip()
        raise OutputError(f"output not understood (unexpected line {line[:80]!r})") from None
    header = [h.lower() for h in fsm.header]
    return [dict(zip(header, row, strict=True)) for row in rows]


# --- text helpers ------------------------------------------------------------------------------


def normalize(text: str) -> str:
    """CRLF/CR to LF, drop backspace artefacts of pagers, trailing spaces per line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r".\x08", "", text)
    return "\n".join(line.rstrip() for line in text.split("\n"))


def meaningful_lines(text: str) -> list[str]:
    """Non-blank lines, without the caret line a CLI prints under a rejected command."""
    return [ln for ln in normalize(text).split("\n") if ln.strip() and ln.strip() != "^"]


# What a device answers instead of the output we asked for. Checked on the first meaningful line
# only: these messages come first, and later lines of real outputs may quote such words.
_DEVICE_ERRORS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p)
    for p in (
        r"^\s*% ?(Invalid|Incomplete|Ambiguous|Unknown|Unrecognized|Bad)\b.*",  # Cisco IOS/NX-OS
        r"^\s*% ?(Permission denied|Authorization failed|Command authorization failed).*",
        r"^\s*%\s*\S.*(not supported|not available).*",
        r"^\s*Command authorization failed.*",
        r"^\s*Error:\s*\S.*",  # Huawei VRP: "Error: Unrecognized command found at '^' position."
        r"^\s*(ksh|sh|bash|rbash|-?ksh93):\s.*"
        r"(not found|Execute permission denied|command not found).*",
        r"^\s*\S+:\s+(not found|command not found)\.?\s*$",
        r"^\s*\d{4}-\d{3}\s.*",  # AIX message ids: "0516-306 lsvg: Unable to find volume group"
        r"^\s*Usage:\s.*",  # AIX/Unix: wrong flags
        r"^\s*CMMVC\d{4}E\s.*",  # Storwize/SVC
    )
)


def device_error(text: str) -> str | None:
    """The device's own error message if `text` is one, else None."""
    lines = meaningful_lines(text)
    if not lines:
        return None
    first = lines[0].strip()
    for pattern in _DEVICE_ERRORS:
        if pattern.match(first):
            return first[:160]
    return None


# --- delimited tables (Storwize `-delim :`) ----------------------------------------------------


def delimited(text: str, delim: str = ":", *, free_text: Iterable[str] = ()) -> list[Record]:
    """Rows of a `-delim :` table as dicts keyed by the header line's names.

    A row with fewer fields than the header is a truncated table. A row with more fields is
    accepted only when the header has a free-text column (`free_text`, e.g. `description`): the
    surplus is a delimiter inside that text and is joined back into it.
    """
    lines = meaningful_lines(text)
    if not lines:
        return []
    header = lines[0].split(delim)
    if len(header) < 2 or not all(re.fullmatch(r"[A-Za-z_][\w]*", h) for h in header):
        raise OutputError(f"no '{delim}'-delimited header line (got {lines[0][:60]!r})")
    free = next((header.index(h) for h in free_text if h in header), None)
    rows: list[Record] = []
    for number, line in enumerate(lines[1:], start=2):
        fields = line.split(delim)
        if len(fields) > len(header) and free is not None:
            extra = len(fields) - len(header)
            fields = [
                *fields[:free],
                delim.join(fields[free : free + extra + 1]),
                *fields[free + extra + 1 :],
            ]
        if len(fields) != len(header):
            raise OutputError(
                f"truncated table: line {number} has {len(fields)} fields, "
                f"the header has {len(header)}"
            )
        rows.append(dict(zip(header, fields, strict=True)))
    return rows


# --- durations ---------------------------------------------------------------------------------

_UNIT_SECONDS = {
    "year": 365 * 86400,
    "week": 7 * 86400,
    "day": 86400,
    "hour": 3600,
    "minute": 60,
    "second": 1,
}


def duration_seconds(text: str) -> int | None:
    """Seconds in "1 year, 22 weeks, 6 days, 9 hours, 38 minutes" / "11 day(s), 01 hour(s)"."""
    total, found = 0, False
    for number, unit in re.findall(
        r"(\d+)\s*(year|week|day|hour|minute|second)s?(?:\(s\))?", text, re.IGNORECASE
    ):
        total += int(number) * _UNIT_SECONDS[unit.lower()]
        found = True
    return total if found else None


def to_int(value: str | None) -> int | None:
    if value is None:
        return None
    match = re.search(r"-?\d+", value.replace(",", ""))
    return int(match.group()) if match else None


def to_float(value: str | None) -> float | None:
    if value is None:
        return None
    match = re.search(r"-?\d+(?:\.\d+)?", value.replace(",", ""))
    return float(match.group()) if match else None
