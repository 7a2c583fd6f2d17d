"""The API's bodies as pydantic models (validation and the OpenAPI schema at /docs).

PUBLIC API:
    ResultIn (+ MetricIn, ItemIn)    the Result wire format of checks/result.py; .to_result()
    parse_results(data) -> list[Result]   raises BatchInvalid with readable reasons
    IngestOut, TicketOut, EventOut, DeviceOut, DeviceDetailOut, AgentConfigOut, HealthOut
    RegisterIn, AckIn, DispatchIn, ArriveIn, ResolveIn, ConfirmIn, CommentIn, ComplaintIn,
    EscalateIn, SatisfactionIn       the bodies of the ticket endpoints
    Text, Name                       strings without NUL characters or lone surrogates (neither
                                     can be stored in PostgreSQL text)
    readable(errors, prefix) -> list[str]   pydantic errors as "results[3].status: ..." lines
"""

from __future__ import annotations

import json
import math
import re
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
)
from typing_extensions import TypedDict

from checks.result import Item, Metric, Result
from checks.status import Status


def _clean(text: str) -> str:
    if "\x00" in text:
        raise ValueError("text must not contain NUL characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode (no lone surrogates)") from None
    return text


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


def _uuid(text: str) -> str:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise ValueError("must be a UUID such as 6f1c2d3e-...") from None


Text = Annotated[str, AfterValidator(_clean)]
Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_clean)]
Finite = Annotated[float, AfterValidator(_finite)]


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Strict(BaseModel):
    """Bodies of the ticket endpoints: an unknown field is a mistake worth a 422."""

    model_config = ConfigDict(extra="forbid")


class MetricIn(_In):
    name: Name
    value: Finite
    unit: Annotated[Text, Field(max_length=50)] = ""
    item: Annotated[Text, Field(max_length=400)] | None = None
    warn: Finite | Annotated[Text, Field(max_length=100)] | None = None
    crit: Finite | Annotated[Text, Field(max_length=100)] | None = None


class ItemIn(_In):
    item: Annotated[Text, Field(max_length=400)]
    status: Status
    detail: Annotated[Text, Field(max_length=10_000)] = ""


class ResultIn(_In):
    """One check on one device at one time (checks/result.py; DESIGN.md)."""

    id: Annotated[str, Field(max_length=64), AfterValidator(_uuid)]
    device: Name
    check: Name
    status: Status
    summary: Annotated[Text, Field(max_length=10_000)] = ""
    observed_at: AwareDatetime
    duration_ms: Annotated[Finite, Field(ge=0)] = 0.0
    metrics: Annotated[list[MetricIn], Field(max_length=10_000)] = []
    items: Annotated[list[ItemIn], Field(max_length=10_000)] = []
    level: Annotated[int, Field(ge=1, le=4)] | None = None

    def to_result(self) -> Result:
        return Result(
            id=self.id,
            device=self.device,
            check=self.check,
            status=self.status,
            summary=self.summary,
            observed_at=self.observed_at,
            duration_ms=self.duration_ms,
            metrics=[
                Metric(
                    name=m.name, value=m.value, unit=m.unit, item=m.item, warn=m.warn, crit=m.crit
                )
                for m in self.metrics
            ],
            items=[Item(item=i.item, status=i.status, detail=i.detail) for i in self.items],
            level=self.level,
        )


_RESULTS = TypeAdapter(list[ResultIn])


class BatchInvalid(Exception):
    def __init__(self, reasons: list[str], status: int = 422):
        self.reasons = reasons
        self.status = status
        super().__init__("; ".join(reasons))


def readable(errors: list[Any], prefix: str = "") -> list[str]:
    """pydantic errors as `results[3].observed_at: Input should have timezone info`."""
    out = []
    for error in errors:
        where = prefix
        for part in error.get("loc", ()):
            if isinstance(part, int):
                where += f"[{part}]"
            elif part in ("body",) and not where:
                continue
            else:
                where += f".{part}" if where else str(part)
        message = str(error.get("msg", "invalid"))
        message = message.removeprefix("Value error, ")
        out.append(f"{where}: {message}" if where else message)
    return out


def parse_results(data: Any) -> list[Result]:
    return [r.to_result() for r in _validate_models(data)]


def _validate_models(data: Any) -> list[ResultIn]:
    try:
        return _RESULTS.validate_python(data)
    except ValidationError as exc:
        reasons = readable(exc.errors(include_url=False, include_input=False), "results")
        more = [f"... and {len(reasons) - 20} more"] if len(reasons) > 20 else []
        raise BatchInvalid(reasons[:20] + more) from None


# --- the fast way in: the wire form, validated by pydantic-core alone ---
#
# ResultIn above runs Python validators (NUL, surrogates, UUID spelling) on every string and
# builds models, then Results: ~30 us per result, more than storing it. The same rules, as far
# as pydantic-core can say them, validate the raw body straight into dicts (~5 us per result).
# The fast form accepts a subset of what ResultIn accepts (a lowercase canonical UUID; no
# escaped NUL or surrogate anywhere in the body); anything else - including every invalid body -
# goes through ResultIn, which normalises it or names every mistake, exactly as before.

_UUID_CANONICAL = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
_WireName = Annotated[str, Field(min_length=1, max_length=200)]
_WireStatus = Literal["OK", "WARNING", "CRITICAL", "UNKNOWN"]


def _wire_text(limit: int) -> Any:
    return Annotated[str, Field(max_length=limit)]


class ItemWire(TypedDict):
    item: _wire_text(400)  # type: ignore[valid-type]
    status: _WireStatus
    detail: Annotated[_wire_text(10_000), Field(default="")]  # type: ignore[valid-type]


class MetricWire(TypedDict):
    name: _WireName
    value: float
    unit: Annotated[_wire_text(50), Field(default="")]  # type: ignore[valid-type]
    item: Annotated[_wire_text(400) | None, Field(default=None)]  # type: ignore[valid-type]
    warn: Annotated[float | _wire_text(100) | None, Field(default=None)]  # type: ignore[valid-type]
    crit: Annotated[float | _wire_text(100) | None, Field(default=None)]  # type: ignore[valid-type]


class ResultWire(TypedDict):
    """A validated Result as ingestion handles it: ResultIn's fields, statuses as their text,
    observed_at an aware datetime, every optional field present."""

    id: Annotated[str, Field(pattern=_UUID_CANONICAL)]
    device: _WireName
    check: _WireName
    status: _WireStatus
    summary: Annotated[_wire_text(10_000), Field(default="")]  # type: ignore[valid-type]
    observed_at: AwareDatetime
    duration_ms: Annotated[float, Field(ge=0, default=0.0)]
    metrics: Annotated[list[MetricWire], Field(max_length=10_000, default_factory=list)]
    items: Annotated[list[ItemWire], Field(max_length=10_000, default_factory=list)]
    level: Annotated[int | None, Field(ge=1, le=4, default=None)]


_WIRE = TypeAdapter(list[ResultWire], config=ConfigDict(allow_inf_nan=False))
# An escaped NUL or UTF-16 surrogate (pydantic-core's parser would accept them into strings
# PostgreSQL cannot store), or NaN / Infinity (not JSON; pydantic-core's parser reads them,
# and allow_inf_nan only judges the fields it validates, not an ignored one): ResultIn
# decides. A false alarm (the word in a summary) only costs speed.
_ESCAPES = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")


def _suspect(raw: bytes) -> bool:
    # (three substring scans cost half of one regex with alternatives over the whole body)
    if b"NaN" in raw or b"Infinity" in raw:
        return True
    return b"\\u" in raw and _ESCAPES.search(raw) is not None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def parse_body(raw: bytes, max_batch: int) -> list[ResultWire]:
    """The body of POST /api/v1/results -> its validated results. Raises BatchInvalid with
    status 422 (not JSON, not an array, a malformed result: every problem named) or 413 (more
    than max_batch results)."""
    if not _suspect(raw):
        try:
            fast = _WIRE.validate_json(raw)
        except ValidationError:
            pass
        else:
            if len(fast) > max_batch:
                raise _too_many(len(fast), max_batch)
            return fast
    try:
        data = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise BatchInvalid([f"the body is not valid JSON: {exc}"]) from None
    if not isinstance(data, list):
        raise BatchInvalid(["expected a JSON array of results"])
    if len(data) > max_batch:
        raise _too_many(len(data), max_batch)
    return _normalised(data)


def _too_many(count: int, limit: int) -> BatchInvalid:
    return BatchInvalid(
        [f"{count} results in one batch; the limit is {limit} (ingest.max_batch)"], status=413
    )


def wire_of(result: Result) -> ResultWire:
    """A Result (checks/result.py) in the validated wire form."""
    data = {**result.to_dict(), "observed_at": result.observed_at}  # (to_dict keeps ms only)
    return _normalised([data])[0]


def _normalised(data: Any) -> list[ResultWire]:
    """Results through ResultIn (every mistake named, what can be normalised normalised), in
    the wire form the fast path gives."""
    return _WIRE.validate_python([m.model_dump(mode="json") for m in _validate_models(data)])


RESULTS_SCHEMA_NAME = "ResultIn"


# --- answers ---


class IngestOut(BaseModel):
    accepted: int
    duplicates: int


class EventOut(BaseModel):
    at: str
    kind: str
    actor: str
    note: str


class BreachOut(BaseModel):
    kind: str
    due: str
    at: str
    step: int


class TicketOut(BaseModel):
    """A fault ticket: the contract's fields first, then the record kept with it."""

    id: str
    customer: str
    site: str
    device: str | None
    check: str | None
    item: str | None
    level: int
    state: str
    summary: str
    opened_at: str
    response_due: str
    onsite_due: str | None
    escalation_step: int
    breaches: list[BreachOut]
    events: list[EventOut]
    zone: str
    source: str
    monitored: bool
    raised_at: str
    charges: dict[str, Any]
    satisfaction: int | None
    reporter: dict[str, Any] | None
    channel: str | None
    dispatch: dict[str, Any] | None
    responded_at: str | None
    arrived_at: str | None
    resolved_at: str | None
    resolved_by: str | None
    confirmed_at: str | None
    reopened: int
    revision: int
    # The other live tickets of the same device: one fault seen by several checks, one visit.
    related: list[str] = []


class CheckOut(BaseModel):
    check: str
    status: str
    summary: str
    observed_at: datetime
    result_id: str
    items: list[dict[str, Any]]


class HistoryOut(BaseModel):
    id: str
    check: str
    status: str
    summary: str
    observed_at: datetime


class DeviceOut(BaseModel):
    name: str
    customer: str
    site: str
    zone: str
    address: str
    platform: str | None
    role: str | None
    criticality: str
    tags: list[str]
    status: str | None  # the worst latest status of its checks; None: nothing received yet
    last_seen_at: datetime | None
    open_tickets: int


class DeviceDetailOut(DeviceOut):
    checks: list[CheckOut]
    history: list[HistoryOut]


class AccessOut(BaseModel):
    credential: str  # the credential's NAME in the inventory; never its secret
    type: str
    port: int


class AgentDeviceOut(BaseModel):
    name: str
    site: str
    address: str
    platform: str | None
    role: str | None
    criticality: str
    tags: list[str]
    snmp: AccessOut | None
    ssh: AccessOut | None


class AgentConfigOut(BaseModel):
    customer: str
    agent: str
    schedule: dict[str, int]
    devices: list[AgentDeviceOut]


class HealthOut(BaseModel):
    status: str
    database: str


# --- ticket bodies ---


class ReporterIn(_Strict):
    name: Name
    organisation: Annotated[Text, Field(max_length=200)] = ""
    phone: Annotated[Text, Field(max_length=100)] = ""
    email: Annotated[Text, Field(max_length=200)] = ""


class RegisterIn(_Strict):
    """A ticket registered by hand: a customer called the hotline or wrote in."""

    device: Name | None = None
    site: Name | None = None
    check: Name | None = None
    reporter: ReporterIn
    symptom: Annotated[Text, Field(min_length=1, max_length=10_000)]
    level: Annotated[int, Field(ge=1, le=4)] | None = None
    channel: Literal["phone", "email", "fax", "web"]


Note = Annotated[Text, Field(max_length=10_000)]


class AckIn(_Strict):
    note: Note = ""


class DispatchIn(_Strict):
    engineer: Name
    eta: AwareDatetime
    note: Note = ""


class ArriveIn(_Strict):
    note: Note = ""


class PartIn(_Strict):
    name: Name
    qty: Annotated[int, Field(ge=1, le=1_000_000)] = 1
    price: Annotated[Finite, Field(ge=0, le=1e12)] = 0.0


class ResolveIn(_Strict):
    notes: Annotated[Text, Field(min_length=1, max_length=10_000)]
    parts: Annotated[list[PartIn], Field(max_length=1000)] = []
    labour_hours: Annotated[Finite, Field(ge=0, le=1000)] = 0.0
    base_fee: Annotated[Finite, Field(ge=0, le=1e12)] | None = None


class ConfirmIn(_Strict):
    satisfaction: Annotated[int, Field(ge=1, le=5)] | None = None
    note: Note = ""


class CommentIn(_Strict):
    note: Annotated[Text, Field(min_length=1, max_length=10_000)]


class ComplaintIn(_Strict):
    text: Annotated[Text, Field(min_length=1, max_length=10_000)]


class EscalateIn(_Strict):
    note: Note = ""


class SatisfactionIn(_Strict):
    satisfaction: Annotated[int, Field(ge=1, le=5)]
    note: Note = ""
