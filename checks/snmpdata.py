"""SNMP values as collected, the snmprec file format, and what a check asks to collect.

`SnmpData` is the one thing that passes from a transport to a check: a flat map of numeric OID ->
`SnmpValue`, plus the errors met while collecting. The same map is read from and written to
snmprec files (the snmpsim format), so a live poll, a `patrol record` folder and a recorded
fixture are interchangeable inputs to the pure evaluations.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

# BER tags as snmprec writes them.
INTEGER = 2
OCTET_STRING = 4
NULL = 5
OBJECT_ID = 6
IP_ADDRESS = 64
COUNTER32 = 65
GAUGE32 = 66
TIMETICKS = 67
OPAQUE = 68
COUNTER64 = 70
# SNMPv2 exceptions, kept so a recording can say "the device answered noSuchObject".
NO_SUCH_OBJECT = 128
NO_SUCH_INSTANCE = 129
END_OF_MIB_VIEW = 130

NUMERIC_TAGS = frozenset({INTEGER, COUNTER32, GAUGE32, TIMETICKS, COUNTER64})
EXCEPTION_TAGS = frozenset({NO_SUCH_OBJECT, NO_SUCH_INSTANCE, END_OF_MIB_VIEW})
KNOWN_TAGS = NUMERIC_TAGS | EXCEPTION_TAGS | {OCTET_STRING, NULL, OBJECT_ID, IP_ADDRESS, OPAQUE}
EXCEPTION_NAMES = {
    NO_SUCH_OBJECT: "noSuchObject",
    NO_SUCH_INSTANCE: "noSuchInstance",
    END_OF_MIB_VIEW: "endOfMibView",
}


class SnmprecError(ValueError):
    """A malformed snmprec line; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class SnmpValue:
    """One value: int for numeric types, bytes for OCTET STRING/Opaque, str for OID/IpAddress."""

    tag: int
    value: int | bytes | str | None

    @property
    def is_exception(self) -> bool:
        return self.tag in EXCEPTION_TAGS

    def text(self) -> str:
        """The value as display text (OCTET STRINGs decoded leniently, NULs dropped)."""
        value = self.value
        if isinstance(value, bytes):
            return value.decode("utf-8", errors="replace").replace("\x00", "").strip()
        if value is None:
            return EXCEPTION_NAMES.get(self.tag, "")
        return str(value)

    def number(self) -> int | float | None:
        """The value as a number; OCTET STRINGs holding a number ("42", "3.3") are accepted
        because some vendor MIBs (IBM IMM among them) report readings as strings."""
        value = self.value
        if self.tag in NUMERIC_TAGS and isinstance(value, int):
            return value
        if isinstance(value, bytes):
            try:
                text = value.decode("ascii").strip()
                return int(text) if text.lstrip("-").isdigit() else float(text)
            except (UnicodeDecodeError, ValueError):
                return None
        return None

    def hex(self) -> str:
        return self.value.hex() if isinstance(self.value, bytes) else ""


def oid_key(oid: str) -> tuple[int, ...]:
    """Sort key putting OIDs in SNMP (numeric) order."""
    return tuple(int(part) for part in oid.split("."))


def normalize_oid(oid: str) -> str:
    return oid.strip().lstrip(".")


@dataclass(frozen=True)
class SnmpPlan:
    """What to collect: scalar GETs and subtree walks (a table or a single column)."""

    gets: tuple[str, ...] = ()
    walks: tuple[str, ...] = ()

    def __or__(self, other: SnmpPlan) -> SnmpPlan:
        return SnmpPlan.of(gets=(*self.gets, *other.gets), walks=(*self.walks, *other.walks))

    @classmethod
    def of(cls, gets: Iterable[str] = (), walks: Iterable[str] = ()) -> SnmpPlan:
        """A plan without duplicates, walks covered by a wider walk, or gets inside a walk."""
        unique_walks = sorted({normalize_oid(w) for w in walks}, key=oid_key)
        kept: list[str] = []
        for walk in unique_walks:
            if not any(_covers(wider, walk) for wider in kept):
                kept.append(walk)
        unique_gets = sorted({normalize_oid(g) for g in gets}, key=oid_key)
        kept_gets = [g for g in unique_gets if not any(_covers(w, g) for w in kept)]
        return cls(gets=tuple(kept_gets), walks=tuple(kept))

    def covers(self, oid: str) -> bool:
        return oid in self.gets or any(_covers(w, oid) for w in self.walks)


def _covers(prefix: str, oid: str) -> bool:
    return oid == prefix or oid.startswith(prefix + ".")


@dataclass
class SnmpData:
    """Collected values by numeric OID (no leading dot) and collection errors by request OID."""

    values: dict[str, SnmpValue] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    _sorted: list[str] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._sorted = None

    def _keys(self) -> list[str]:
        if self._sorted is None or len(self._sorted) != len(self.values):
            self._sorted = sorted(self.values)
        return self._sorted

    def update(self, values: dict[str, SnmpValue]) -> None:
        self.values.update(values)
        self._sorted = None

    def get(self, oid: str) -> SnmpValue | None:
        """The value at `oid`, or None when absent or answered with noSuchObject/Instance."""
        value = self.values.get(oid)
        if value is None or value.is_exception:
            return None
        return value

    def raw(self, oid: str) -> SnmpValue | None:
        """The value at `oid` as answered, exceptions included."""
        return self.values.get(oid)

    def walk(self, prefix: str) -> dict[str, SnmpValue]:
        """Values under `prefix` keyed by the index suffix ("" for the prefix itself), in OID
        order; exception values are left out."""
        prefix = normalize_oid(prefix)
        keys = self._keys()
        lo = bisect.bisect_left(keys, prefix)
        hi = bisect.bisect_left(keys, prefix + "/")  # '/' sorts right after '.'
        found: list[tuple[tuple[int, ...], str, SnmpValue]] = []
        for key in keys[lo:hi]:
            if key == prefix:
                suffix = ""
            elif key.startswith(prefix + "."):
                suffix = key[len(prefix) + 1 :]
            else:
                continue
            value = self.values[key]
            if not value.is_exception:
                found.append((oid_key(suffix) if suffix else (), suffix, value))
        found.sort(key=lambda t: t[0])
        return {suffix: value for _, suffix, value in found}

    def error_for(self, oid: str) -> str | None:
        """The collection error of the request that covers `oid`, if any."""
        oid = normalize_oid(oid)
        for request, reason in self.errors.items():
            if _covers(request, oid) or _covers(oid, request):
                return reason
        return None

    def subset(self, plan: SnmpPlan) -> SnmpData:
        """Only what `plan` asks for: replaying a full walk as if it had been collected live."""
        picked: dict[str, SnmpValue] = {}
        for oid in plan.gets:
            if oid in self.values:
                picked[oid] = self.values[oid]
        keys = self._keys()
        for walk in plan.walks:
            lo = bisect.bisect_left(keys, walk)
            hi = bisect.bisect_left(keys, walk + "/")
            for key in keys[lo:hi]:
                if _covers(walk, key):
                    picked[key] = self.values[key]
        errors = {oid: reason for oid, reason in self.errors.items() if plan.covers(oid)}
        return SnmpData(values=picked, errors=errors)

    def merge(self, other: SnmpData) -> None:
        self.update(other.values)
        self.errors.update(other.errors)

    def __len__(self) -> int:
        return len(self.values)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.values, key=oid_key))

    # --- snmprec -------------------------------------------------------------------------

    @classmethod
    def from_snmprec(cls, source: str | Path, text: str | None = None) -> SnmpData:
        """Parse an snmprec file (or `text`, named `source` in errors)."""
        name = str(source)
        if text is None:
            text = Path(source).read_text(encoding="utf-8", errors="surrogateescape")
        values: dict[str, SnmpValue] = {}
        for lineno, line in enumerate(text.splitlines(), start=1):
            if not line.strip() or line.startswith("#"):
                continue
            values_item = parse_snmprec_line(line, f"{name}:{lineno}")
            values[values_item[0]] = values_item[1]
        return cls(values=values)

    def to_snmprec(self) -> str:
        return "".join(format_snmprec_line(oid, self.values[oid]) + "\n" for oid in self)


def parse_snmprec_line(line: str, where: str) -> tuple[str, SnmpValue]:
    parts = line.rstrip("\r\n").split("|", 2)
    if len(parts) != 3:
        raise SnmprecError(f"{where}: expected 'oid|tag|value'")
    oid, tag_text, raw = parts
    oid = normalize_oid(oid)
    if not oid or not all(p.isdigit() for p in oid.split(".")):
        raise SnmprecError(f"{where}: bad OID {oid!r}")
    # A tag may carry an snmpsim variation module ("67:numeric|rate=100,initial=42"): the BER
    # tag is what matters here, and a numeric variation's value at start is its `initial`.
    tag_text, _, module = tag_text.partition(":")
    if module == "numeric":
        params = dict(p.split("=", 1) for p in raw.split(",") if "=" in p)
        raw = str(int(float(params.get("initial", params.get("min", "0")))))
    hexed = tag_text.endswith("x")
    if hexed:
        tag_text = tag_text[:-1]
    if not tag_text.isdigit():
        raise SnmprecError(f"{where}: bad type tag {tag_text!r}")
    tag = int(tag_text)
    try:
        return oid, _decode(tag, raw, hexed)
    except ValueError as exc:
        raise SnmprecError(f"{where}: {exc}") from None


def _decode(tag: int, raw: str, hexed: bool) -> SnmpValue:
    data = bytes.fromhex(raw) if hexed else None
    if tag in NUMERIC_TAGS:
        text = data.decode("ascii") if data is not None else raw
        return SnmpValue(tag, int(text.strip() or "0"))
    if tag in (OCTET_STRING, OPAQUE):
        return SnmpValue(tag, data if data is not None else raw.encode("utf-8", "surrogateescape"))
    if tag == IP_ADDRESS:
        if data is not None:
            return SnmpValue(tag, ".".join(str(b) for b in data))
        return SnmpValue(tag, raw)
    if tag == OBJECT_ID:
        return SnmpValue(tag, normalize_oid(data.decode("ascii") if data is not None else raw))
    if tag == NULL or tag in EXCEPTION_TAGS:
        return SnmpValue(tag, None)
    raise ValueError(f"unsupported type tag {tag}")


def format_snmprec_line(oid: str, value: SnmpValue) -> str:
    v = value.value
    if isinstance(v, bytes):
        printable = all(32 <= b < 127 for b in v) and "|" not in v.decode("latin-1")
        if printable:
            return f"{oid}|{value.tag}|{v.decode('ascii')}"
        return f"{oid}|{value.tag}x|{v.hex()}"
    if v is None:
        return f"{oid}|{value.tag}|"
    return f"{oid}|{value.tag}|{v}"
