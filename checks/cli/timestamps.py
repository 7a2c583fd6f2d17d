"""Device timestamps as aware UTC datetimes, for "in the last 24 h / N days" windows.

Devices print local time in many shapes: Cisco "Nov 22 04:39:28.123 AEDT" (no year), NX-OS
"2019 Jan 30 14:11:11", Huawei "Nov 22 2023 10:11:12+08:00" or "2023-11-22 10:11:12.123",
AIX errpt "0811211015" (MMDDhhmmYY), Storwize "220522214408" (YYMMDDHHMMSS), and Cisco uptime
stamps ("1d02h") that count from the last boot.

- A missing year is the year of `now` on the device's clock, or the year before when that would
  put the message more than a day in the future (a December message read in January).
- A numeric offset ("+08:00") is honoured; UTC/GMT/Z are UTC. Any other zone name (CET, AEDT,
  "BJ", CST, which is ambiguous) and no zone at all are the device's own time zone, `local`:
  the inventory's `timezone:` for the device (CheckContext.local_zone), UTC when it has none.
  AIX errpt and Storwize stamps carry no zone: they are `local` too.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo

MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
        start=1,
    )
}
_UTC_NAMES = frozenset({"UTC", "GMT", "UCT", "Z", "ZULU"})
_OFFSET = re.compile(r"^\s*([+\-])(\d{1,2}):?(\d{2})\s*$")


def _zone(zone: str | None, local: tzinfo) -> tzinfo:
    if zone:
        match = _OFFSET.match(zone)
        if match:
            sign = -1 if match.group(1) == "-" else 1
            delta = timedelta(hours=int(match.group(2)), minutes=int(match.group(3)))
            return timezone(sign * delta)
        if zone.strip().upper() in _UTC_NAMES:
            return UTC
    return local  # a zone name of the device's own, or none (see the module docstring)


def _at(parts: tuple[int, ...], tz: tzinfo) -> datetime:
    """Wall-clock parts in tz -> UTC (fold 0 for an hour a DST change repeats)."""
    return datetime(*parts, tzinfo=tz).astimezone(UTC)


def _clock(text: str) -> tuple[int, int, int, int] | None:
    match = re.fullmatch(r"(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?", text.strip())
    if not match:
        return None
    micro = int((match.group(4) or "0").ljust(6, "0"))
    return int(match.group(1)), int(match.group(2)), int(match.group(3)), micro


def clock_time(
    month: str,
    day: str,
    time: str,
    *,
    now: datetime,
    year: str | None = None,
    zone: str | None = None,
    local: tzinfo = UTC,
) -> datetime | None:
    """ "Nov", "22", "04:39:28.123" [+ "2023"] [+ zone] as UTC; None when not a valid date."""
    number = MONTHS.get(month[:3].title())
    clock = _clock(time)
    if number is None or clock is None:
        return None
    tz = _zone(zone, local)
    try:
        if year:
            return _at((int(year), number, int(day), *clock), tz)
        this_year = now.astimezone(tz).year  # on the device's clock: New Year comes earlier
        stamp = _at((this_year, number, int(day), *clock), tz)
        if stamp > now + timedelta(days=1):
            stamp = _at((this_year - 1, number, int(day), *clock), tz)
        return stamp
    except ValueError:  # Feb 30, hour 25: not a time
        return None


def iso_time(date: str, time: str, zone: str | None = None, local: tzinfo = UTC) -> datetime | None:
    """ "2023-11-22", "10:11:12.123" [+ "+08:00"] as UTC; None when not a valid date."""
    clock = _clock(time)
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", date.strip())
    if clock is None or not match:
        return None
    try:
        parts = (int(match.group(1)), int(match.group(2)), int(match.group(3)))
        return _at((*parts, *clock), _zone(zone, local))
    except ValueError:
        return None


def split_zone(time: str) -> tuple[str, str | None]:
    """ "20:53:26+08:00" -> ("20:53:26", "+08:00"); "20:53:26" -> ("20:53:26", None)."""
    match = re.fullmatch(r"(\d{1,2}:\d{2}:\d{2}(?:\.\d+)?)([+\-]\d{1,2}:?\d{2})?", time.strip())
    if not match:
        return time, None
    return match.group(1), match.group(2)


_UPTIME_UNITS = {"y": 365 * 86400, "w": 7 * 86400, "d": 86400, "h": 3600, "m": 60}


def uptime_stamp_seconds(text: str) -> int | None:
    """Seconds since boot of a Cisco uptime stamp: "00:01:23", "1d02h", "2w3d", "1y2w"."""
    text = text.strip()
    clock = _clock(text)
    if clock is not None:
        return clock[0] * 3600 + clock[1] * 60 + clock[2]
    parts = re.fullmatch(r"(\d+)([ywd])(\d+)([wdhm])", text)
    if not parts:
        return None
    return (
        int(parts.group(1)) * _UPTIME_UNITS[parts.group(2)]
        + int(parts.group(3)) * _UPTIME_UNITS[parts.group(4)]
    )


def errpt_time(stamp: str, local: tzinfo = UTC) -> datetime | None:
    """AIX errpt TIMESTAMP MMDDhhmmYY (the host's local time)."""
    if not re.fullmatch(r"\d{10}", stamp):
        return None
    month, day, hour, minute, year = (int(stamp[i : i + 2]) for i in range(0, 10, 2))
    try:
        return _at((2000 + year if year < 70 else 1900 + year, month, day, hour, minute), local)
    except ValueError:
        return None


def svc_time(stamp: str, local: tzinfo = UTC) -> datetime | None:
    """Storwize/SVC timestamp YYMMDDHHMMSS (the system's local time)."""
    if not re.fullmatch(r"\d{12}", stamp):
        return None
    year, month, day, hour, minute, second = (int(stamp[i : i + 2]) for i in range(0, 12, 2))
    try:
        return _at((2000 + year, month, day, hour, minute, second), local)
    except ValueError:
        return None


def short(moment: datetime, local: tzinfo = UTC) -> str:
    """ "2024-01-02 20:53" for summaries and item details, on the device's clock (as its own
    output shows it)."""
    return moment.astimezone(local).strftime("%Y-%m-%d %H:%M")
