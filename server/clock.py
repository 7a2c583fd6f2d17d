"""The server's clock, injectable: the real one, and a controllable one for tests.

Every service takes a `Clock` (anything with `now() -> aware datetime`) instead of calling
datetime.now(), so a test can walk a ticket through 24 hours of deadlines in milliseconds.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """Wall-clock UTC time."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A clock that only moves when told (tests). Thread-safe: the API runs handlers in threads."""

    def __init__(self, start: datetime | None = None):
        moment = start or datetime(2025, 1, 6, 1, 0, tzinfo=UTC)
        if moment.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware start")
        self._now = moment
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("FakeClock.set needs a timezone-aware datetime")
        with self._lock:
            self._now = moment

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        """Move forward by `delta` or by timedelta(**kwargs); returns the new time."""
        step = delta if delta is not None else timedelta(**kwargs)
        with self._lock:
            self._now += step
            return self._now
