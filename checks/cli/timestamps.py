"""Device timestamps as aware UTC datetimes, for "in the last 24 h / N days" windows.

Devices print local time in many shapes: Cisco "Nov 22 04:39:28.123 AEDT" (no year), NX-OS
"2019 Jan 30 14:11:11", Huawei "Nov 22 2023 10:11:12+08:00" or "2023-11-22 10:11:12.123",
AIX errpt "0811211015" (MMDDhhmmYY), Storwize "220522214408" (YYMMDDHHMMSS), and Cisco uptime
stamps ("1d02h") that count from the last boot.

- A missing year is the year of `now`, or the year before when that would put the message more
  than a day in the future (a December message read in January).
- A numeric offset ("+08:00") is honoured; UTC/GMT/Z are UTC. Any other zone name (CET, AEDT,
  "BJ", CST, which is ambiguous) and no zone at all are read as UTC: without the device's offset
  a window is off by that offset, and a 24 h window then errs by at most a few hours. Inventories
  that need better can set the devices' clocks to UTC, as banks usually do.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
        start=1,
    )
}
_UTC_NAMES = frozenset({"UTC", "GMT", "UCT", "Z", "ZULU"})
_OFFSET = re.compile(r"^\s*([+\-])(\d{1,2}):?(\d{2})\s*$")


def _zone(zone: str | None) -> timezone:
    if zone:
        match = _OFFSET.match(zone)
        if match:
            sign = -1 if match.group(1) == "-" else 1
            delta = timedelta(hours=int(match.group(2)), minutes=int(match.group(3)))
            return timezone(sign * delta)
    return UTC  # UTC, GMT, unknown names and no zone (see the module docstring)


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
) -> datetime | None:
    """ "Nov", "22", "04:39:28.123" [+ "2023"] [+ zone] as UTC; None when not a valid date."""
    number = MONTHS.get(month[:3].title())
    clock = _clock(time)
    if number is None or clock is None:
        return None
    tz = _zone(zone)
    try:
        if year:
            return datetime(int(year), number, int(day), *clock, tzinfo=tz).astimezone(UTC)
        stamp = datetime(now.year, number, int(day), *clock, tzinfo=tz).astimezone(UTC)
        if stamp > now + timedelta(days=1):
            stamp = datetime(now.year - 1, number, int(day), *clock, tzinfo=tz).astimezone(UTC)
        return stamp
    except ValueError:  # Feb 30, hour 25: not a time
        return None


def iso_time(date: str, time: str, zone: str | None = None) -> datetime | None:
    """ "2023-11-22", "10:11:12.123" [+ "+08:00"] as UTC; None when not a valid date."""
    clock = _clock(time)
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", date.strip())
    if clock is None or not match:
        return None
    try:
        parts = (int(match.group(1)), int(match.group(2)), int(match.group(3)))
        return datetime(*parts, *clock, tzinfo=_zone(zone)).astimezone(UTC)
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


def errpt_time(stamp: str) -> datetime | None:
    """AIX errpt TIMESTAMP MMDDhhmmYY (host local time, read as UTC)."""
    if not re.fullmatch(r"\d{10}", stamp):
        return None
    month, day, hour, minute, year = (int(stamp[i : i + 2]) for i in range(0, 10, 2))
    try:
        return datetime(
            2000 + year if year < 70 else 1900 + year, month, day, hour, minute, tzinfo=UTC
        )
    except ValueError:
        return None


def svc_time(stamp: str) -> datetime | None:
    """Storwize/SVC timestamp YYMMDDHHMMSS (system local time, read as UTC)."""
    if not re.fullmatch(r"\d{12}", stamp):
        return None
    year, month, day, hour, minute, second = (int(stamp[i : i + 2]) for i in range(0, 12, 2))
    try:
        return datetime(2000 + year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        return None


def short(moment: datetime) -> str:
    """ "2024-01-02 20:53" for summaries and item details."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
