"""server.schemas.parse_body, the POST /api/v1/results body parser (no database).

Two ways in: the fast path validates the raw bytes with pydantic-core alone (ResultWire); the
slow path (json.loads + the ResultIn models and their Python validators) takes over when the
fast path refuses or when the body holds an escaped NUL or UTF-16 surrogate, or NaN / Infinity
anywhere (_suspect).
Checked here:
  * for valid bodies both paths give the same normalised wire dicts, down to the types and the
    UTC offsets, and the canonical forms never fall back to ResultIn;
  * invalid bodies are refused with the status (422 / 413) and readable, located reasons of
    the slow path;
  * a property (hypothesis): the fast path never accepts a body the slow path refuses, and
    whatever both accept is the same.
"""

from __future__ import annotations

import copy
import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server import schemas
from server.schemas import BatchInvalid, parse_body

ID = "6f1c2d3e-4a5b-4c6d-8e7f-0123456789ab"
MAX = 100


def result(**fields: Any) -> dict[str, Any]:
    """A minimal valid result (every optional field left out), with `fields` on top."""
    out: dict[str, Any] = {
        "id": ID,
        "device": "hq-core",
        "check": "huawei_vrp.fans",
        "status": "OK",
        "observed_at": "2025-01-06T01:00:00Z",
    }
    out.update(fields)
    return out


def body(*results: dict[str, Any], ascii_only: bool = True) -> bytes:
    return json.dumps(list(results), ensure_ascii=ascii_only).encode("utf-8")


def reference(raw: bytes) -> list[dict[str, Any]]:
    """What the slow path (ResultIn) makes of a body; BatchInvalid / ValueError otherwise."""
    data = json.loads(raw, parse_constant=schemas._reject_constant)
    models = schemas._validate_models(data)
    return schemas._WIRE.validate_python([m.model_dump(mode="json") for m in models])


def fast_accepts(raw: bytes) -> list[dict[str, Any]] | None:
    """What parse_body's fast path returns for a body, None when it hands it to ResultIn."""
    if schemas._suspect(raw):
        return None
    try:
        return schemas._WIRE.validate_json(raw)
    except schemas.ValidationError:
        return None


def exact(value: Any) -> Any:
    """A value with its types and UTC offsets made visible (otherwise 1 == 1.0 == True, and
    two datetimes are equal at the same instant whatever their offsets)."""
    if isinstance(value, dict):
        return {k: exact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [exact(v) for v in value]
    if isinstance(value, datetime):
        return ("datetime", value.isoformat(), value.utcoffset())
    return (type(value).__name__, value)


# --- valid bodies: both ways agree --------------------------------------------------------

FULL = result(
    summary="2 of 3 fans failed",
    duration_ms=12.5,
    level=2,
    items=[
        {"item": "FAN 1", "status": "OK", "detail": "speed 4200 rpm"},
        {"item": "FAN 2", "status": "CRITICAL"},
    ],
    metrics=[
        {"name": "temperature", "value": 41.5, "unit": "C", "item": "slot 1", "warn": 50.0},
        {"name": "cpu", "value": 97.0, "crit": "> 95 %"},
        {"name": "uptime", "value": 3600.0},
    ],
    status="CRITICAL",
)

VALID: dict[str, bytes] = {
    "minimal": body(result()),
    "full": body(FULL),
    "uppercase-uuid": body(result(id=ID.upper())),
    "uuid-without-hyphens": body(result(id=ID.replace("-", ""))),
    "uuid-in-braces": body(result(id="{" + ID + "}")),
    "plus-0800": body(result(observed_at="2025-01-06T09:00:00+08:00")),
    "minus-0330-with-microseconds": body(result(observed_at="2025-01-05T21:30:00.123456-03:30")),
    "non-ascii-raw-utf8": body(
        result(
            device="营业部-核心",
            summary="风扇 2 故障 — Lüfter",
            items=[{"item": "风扇 2", "status": "WARNING"}],
        ),
        ascii_only=False,
    ),
    "non-ascii-escaped": body(result(summary="风扇 2 故障 — Lüfter")),
    "emoji-as-surrogate-pair": body(result(summary="😀 fine")),  # json.dumps escapes \ud83d\ude00
    "emoji-raw": body(result(summary="😀 fine"), ascii_only=False),
    "integers-for-floats": body(
        result(duration_ms=12, metrics=[{"name": "fans", "value": 3, "warn": 2, "crit": 1}])
    ),
    "unknown-fields": body(
        result(
            agent="patrol-agent 1.4",
            items=[{"item": "PSU 1", "status": "OK", "colour": "green"}],
            metrics=[{"name": "watts", "value": 210.0, "sensor": 7}],
        )
    ),
    "several": body(
        result(),
        result(id=str(uuid.UUID(int=1)), check="snmp.cpu", status="WARNING", level=3),
        result(id=str(uuid.UUID(int=2)), device="br-sw", status="UNKNOWN"),
    ),
    "empty": b"[]",
    "whitespace": b"  \n[ " + json.dumps(result()).encode() + b" ]\n",
    "device-of-200": body(result(device="d" * 200)),
    "null-level-and-item": body(
        result(level=None, metrics=[{"name": "x", "value": 1.0, "item": None, "warn": None}])
    ),
}


@pytest.mark.parametrize("raw", VALID.values(), ids=VALID.keys())
def test_a_valid_body_gives_what_resultin_gives(raw: bytes) -> None:
    assert exact(parse_body(raw, MAX)) == exact(reference(raw))


@pytest.mark.parametrize("raw", VALID.values(), ids=VALID.keys())
def test_forcing_the_slow_path_changes_nothing(raw: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    usual = parse_body(raw, MAX)
    monkeypatch.setattr(schemas, "_suspect", lambda _raw: True)  # every body looks suspect
    assert exact(parse_body(raw, MAX)) == exact(usual)


@pytest.mark.parametrize(
    "name",
    [
        "minimal",
        "full",
        "plus-0800",
        "non-ascii-raw-utf8",
        "non-ascii-escaped",
        "emoji-raw",
        "integers-for-floats",
        "unknown-fields",
        "several",
        "empty",
    ],
)
def test_canonical_bodies_never_reach_resultin(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = VALID[name]
    expected = reference(raw)

    def refuse(data: Any) -> Any:
        raise AssertionError("parse_body fell back to ResultIn")

    monkeypatch.setattr(schemas, "_validate_models", refuse)
    assert exact(parse_body(raw, MAX)) == exact(expected)


def test_missing_optional_fields_get_their_defaults() -> None:
    (wire,) = parse_body(
        body(result(metrics=[{"name": "x", "value": 1}], items=[{"item": "a", "status": "OK"}])),
        MAX,
    )
    assert wire["summary"] == ""
    assert exact(wire["duration_ms"]) == ("float", 0.0)
    assert wire["level"] is None
    assert wire["items"] == [{"item": "a", "status": "OK", "detail": ""}]
    assert exact(wire["metrics"]) == exact(
        [{"name": "x", "value": 1.0, "unit": "", "item": None, "warn": None, "crit": None}]
    )


@pytest.mark.parametrize(
    "spelling", [ID.upper(), ID.replace("-", ""), ID.upper().replace("-", ""), "{" + ID + "}"]
)
def test_the_uuid_is_normalised_to_its_canonical_lowercase_form(spelling: str) -> None:
    (wire,) = parse_body(body(result(id=spelling)), MAX)
    assert wire["id"] == ID


def test_the_offset_is_kept_and_the_instant_is_exact() -> None:
    (wire,) = parse_body(body(result(observed_at="2025-01-06T09:00:00.000250+08:00")), MAX)
    observed = wire["observed_at"]
    assert observed.utcoffset() == timedelta(hours=8)
    assert observed == datetime(2025, 1, 6, 1, 0, 0, 250, tzinfo=UTC)
    assert observed == datetime(2025, 1, 6, 9, 0, 0, 250, tzinfo=timezone(timedelta(hours=8)))


def test_an_escaped_surrogate_pair_is_one_character() -> None:
    raw = b'[{"id": "%s", "device": "d", "check": "c", "status": "OK", ' % ID.encode()
    raw += b'"observed_at": "2025-01-06T01:00:00Z", "summary": "\\ud83d\\ude00"}]'
    assert schemas._suspect(raw)  # so ResultIn decides
    (wire,) = parse_body(raw, MAX)
    assert wire["summary"] == "\N{GRINNING FACE}"
    assert len(wire["summary"]) == 1


def test_integers_for_floats_become_floats() -> None:
    (wire,) = parse_body(VALID["integers-for-floats"], MAX)
    assert exact(wire["duration_ms"]) == ("float", 12.0)
    (metric,) = wire["metrics"]
    assert exact([metric["value"], metric["warn"], metric["crit"]]) == exact([3.0, 2.0, 1.0])


def test_unknown_fields_are_dropped_at_every_level() -> None:
    (wire,) = parse_body(VALID["unknown-fields"], MAX)
    assert "agent" not in wire
    assert wire["items"] == [{"item": "PSU 1", "status": "OK", "detail": ""}]
    assert "sensor" not in wire["metrics"][0]


# --- invalid bodies: refused, with the slow path's reasons ------------------------------------


def _raw(text: str) -> bytes:
    """A body from JSON text written by hand (escapes kept as written)."""
    return text.encode("utf-8")


_ONE = (
    '[{"id": "' + ID + '", "device": "hq-core", "check": "c", "status": "OK", '
    '"observed_at": "2025-01-06T01:00:00Z", %s}]'
)

INVALID: list[tuple[str, bytes, int, str]] = [
    ("not-json", b"{not json", 422, "the body is not valid JSON: "),
    ("truncated", body(result())[:-3], 422, "the body is not valid JSON: "),
    ("empty-body", b"", 422, "the body is not valid JSON: "),
    ("an-object", body(result())[1:-1], 422, "expected a JSON array of results"),
    ("a-string", b'"text"', 422, "expected a JSON array of results"),
    ("null", b"null", 422, "expected a JSON array of results"),
    ("nan", _raw(_ONE % '"duration_ms": NaN'), 422, "the body is not valid JSON: NaN is not"),
    (
        "infinity",
        _raw(_ONE % '"metrics": [{"name": "x", "value": Infinity}]'),
        422,
        "the body is not valid JSON: Infinity is not",
    ),
    (
        "minus-infinity",
        _raw(_ONE % '"metrics": [{"name": "x", "value": -Infinity}]'),
        422,
        "the body is not valid JSON: -Infinity is not",
    ),
    (
        "1e999",
        _raw(_ONE % '"metrics": [{"name": "x", "value": 1e999}]'),
        422,
        "results[0].metrics[0].value: must be a finite number",
    ),
    (
        "1e999-duration",
        _raw(_ONE % '"duration_ms": 1e999'),
        422,
        "results[0].duration_ms: must be a finite number",
    ),
    (
        "nan-as-text",
        body(result(metrics=[{"name": "x", "value": "NaN"}])),
        422,
        "results[0].metrics[0].value: must be a finite number",
    ),
    (
        "escaped-nul-summary",
        _raw(_ONE % '"summary": "a\\u0000b"'),
        422,
        "results[0].summary: text must not contain NUL characters",
    ),
    (
        "escaped-nul-item-detail",
        _raw(_ONE % '"items": [{"item": "FAN 1", "status": "OK", "detail": "\\u0000"}]'),
        422,
        "results[0].items[0].detail: text must not contain NUL characters",
    ),
    (
        "escaped-nul-metric-unit",
        _raw(_ONE % '"metrics": [{"name": "x", "value": 1, "unit": "\\u0000C"}]'),
        422,
        "results[0].metrics[0].unit: text must not contain NUL characters",
    ),
    (
        "raw-nul-byte",
        _raw(_ONE % '"summary": "a\x00b"'),
        422,
        "the body is not valid JSON: ",
    ),
    (
        "lone-high-surrogate",
        _raw(_ONE % '"summary": "x\\ud83d"'),
        422,
        "results[0].summary: text must be valid Unicode (no lone surrogates)",
    ),
    (
        "lone-low-surrogate-uppercase-escape",
        _raw(_ONE % '"items": [{"item": "\\uDE00", "status": "OK"}]'),
        422,
        "results[0].items[0].item: text must be valid Unicode (no lone surrogates)",
    ),
    (
        "surrogate-as-raw-utf8",
        (_ONE % '"summary": "xSURR"').encode().replace(b"SURR", b"\xed\xa0\x80"),
        422,
        "results[0].summary: text must be valid Unicode (no lone surrogates)",
    ),
    ("invalid-utf8", _raw(_ONE % '"summary": "xBAD"').replace(b"BAD", b"\xff"), 422, "the body"),
    ("bad-status", body(result(status="BROKEN")), 422, "results[0].status: Input should be"),
    ("lowercase-status", body(result(status="ok")), 422, "results[0].status: Input should be"),
    (
        "bad-item-status",
        body(result(items=[{"item": "FAN 1", "status": "RED"}])),
        422,
        "results[0].items[0].status: Input should be",
    ),
    (
        "naive-observed-at",
        body(result(observed_at="2025-01-06T01:00:00")),
        422,
        "results[0].observed_at: Input should have timezone info",
    ),
    ("level-5", body(result(level=5)), 422, "results[0].level: Input should be less than"),
    ("level-0", body(result(level=0)), 422, "results[0].level: Input should be greater than"),
    (
        "negative-duration",
        body(result(duration_ms=-1)),
        422,
        "results[0].duration_ms: Input should be greater than or equal to 0",
    ),
    (
        "device-of-201",
        body(result(device="d" * 201)),
        422,
        "results[0].device: String should have at most 200 characters",
    ),
    (
        "empty-device",
        body(result(device="")),
        422,
        "results[0].device: String should have at least 1 character",
    ),
    (
        "metric-value-text",
        body(result(metrics=[{"name": "x", "value": "high"}])),
        422,
        "results[0].metrics[0].value: Input should be a valid number",
    ),
    (
        "missing-device",
        body({k: v for k, v in result().items() if k != "device"}),
        422,
        "results[0].device: Field required",
    ),
    ("bad-uuid", body(result(id="not-a-uuid")), 422, "results[0].id: must be a UUID"),
    ("uuid-too-long", body(result(id=ID * 3)), 422, "results[0].id: "),
    (
        "second-result-bad",
        body(result(), result(id=str(uuid.UUID(int=9)), observed_at="yesterday")),
        422,
        "results[1].observed_at: ",
    ),
    (
        "a-list-of-lists",
        b"[[]]",
        422,
        "results[0]: Input should be a valid dictionary or instance of ResultIn",
    ),
]


@pytest.mark.parametrize(
    ("raw", "status", "reason"),
    [case[1:] for case in INVALID],
    ids=[case[0] for case in INVALID],
)
def test_an_invalid_body_is_refused_with_a_located_reason(
    raw: bytes, status: int, reason: str
) -> None:
    with pytest.raises(BatchInvalid) as caught:
        parse_body(raw, MAX)
    assert caught.value.status == status
    assert caught.value.reasons, "no reason given"
    first = caught.value.reasons[0]
    assert first.startswith(reason), caught.value.reasons
    assert fast_accepts(raw) is None  # the fast path handed it over


def test_a_missing_field_is_named() -> None:
    raw = body({k: v for k, v in result().items() if k != "device"})
    with pytest.raises(BatchInvalid) as caught:
        parse_body(raw, MAX)
    assert caught.value.reasons == ["results[0].device: Field required"]


def test_every_mistake_of_a_result_is_named() -> None:
    raw = body(result(status="BROKEN", level=9, duration_ms=-3))
    with pytest.raises(BatchInvalid) as caught:
        parse_body(raw, MAX)
    assert sorted(r.split(":")[0] for r in caught.value.reasons) == [
        "results[0].duration_ms",
        "results[0].level",
        "results[0].status",
    ]


def test_more_than_twenty_mistakes_are_cut_short() -> None:
    raw = body(*[result(id=str(uuid.UUID(int=i)), status="BROKEN") for i in range(25)])
    with pytest.raises(BatchInvalid) as caught:
        parse_body(raw, MAX)
    assert len(caught.value.reasons) == 21
    assert caught.value.reasons[-1] == "... and 5 more"
    assert caught.value.reasons[19].startswith("results[19].status: ")


@pytest.mark.parametrize(
    "raw",
    [
        body(*[result(id=str(uuid.UUID(int=i))) for i in range(3)]),  # fast path
        body(*[result(id=str(uuid.UUID(int=i)).upper()) for i in range(3)]),  # ResultIn
        body(*[result(id=str(uuid.UUID(int=i)), summary="\x00") for i in range(3)]),  # suspect
        body(*[result(id=str(uuid.UUID(int=i)), status="BROKEN") for i in range(3)]),  # invalid
    ],
    ids=["valid", "valid-slow", "with-nul", "malformed"],
)
def test_more_results_than_max_batch_is_413(raw: bytes) -> None:
    with pytest.raises(BatchInvalid) as caught:
        parse_body(raw, 2)
    assert caught.value.status == 413
    assert caught.value.reasons == ["3 results in one batch; the limit is 2 (ingest.max_batch)"]


def test_exactly_max_batch_results_is_fine() -> None:
    raw = body(*[result(id=str(uuid.UUID(int=i))) for i in range(3)])
    assert len(parse_body(raw, 3)) == 3


NON_JSON_IN_UNKNOWN_FIELDS = {
    "nan": '"agent_load": NaN',
    "infinity": '"agent_load": Infinity',
    "minus-infinity-in-a-list": '"samples": [1, -Infinity]',
    "nan-in-an-item": '"items": [{"item": "FAN 1", "status": "OK", "rpm": NaN}]',
    "infinity-in-a-metric": '"metrics": [{"name": "x", "value": 1, "max": Infinity}]',
}


@pytest.mark.parametrize(
    "extra", NON_JSON_IN_UNKNOWN_FIELDS.values(), ids=NON_JSON_IN_UNKNOWN_FIELDS.keys()
)
def test_nan_or_infinity_in_an_unknown_field_is_still_not_json(extra: str) -> None:
    raw = _raw(_ONE % extra)
    with pytest.raises(ValueError, match="is not a number JSON allows"):
        json.loads(raw, parse_constant=schemas._reject_constant)  # what ResultIn's path says
    with pytest.raises(BatchInvalid) as caught:
        parse_body(raw, MAX)
    assert caught.value.status == 422
    assert caught.value.reasons[0].startswith("the body is not valid JSON: ")


# --- the property: the fast path never accepts what ResultIn refuses --------------------------
#
# Results are drawn valid, then up to two of their fields (or of an item's / a metric's) are
# replaced by a value from a "wild" pool (wrong types, limits +-1, NUL, surrogates, NaN, big
# numbers, naive times...): about half the bodies stay valid, the rest are near misses.

_NICE_TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12)
_NAME = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=12),
    st.sampled_from(["营业部-核心", "😀", "d" * 200]),
)
_FLOAT = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(min_value=-(10**15), max_value=10**15),
)
_GOOD_STATUS = st.sampled_from(["OK", "WARNING", "CRITICAL", "UNKNOWN"])
_ZONES = st.sampled_from(
    [UTC, timezone(timedelta(hours=8)), timezone(-timedelta(hours=3, minutes=30))]
)
_GOOD_WHEN = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=_ZONES
).map(lambda d: d.isoformat())
_GOOD_ID = st.uuids().flatmap(  # mostly canonical (the fast path's), else ResultIn's spellings
    lambda u: st.sampled_from([str(u)] * 4 + [str(u).upper(), u.hex, "{" + str(u) + "}"])
)
_GOOD_ITEM = st.fixed_dictionaries(
    {"item": _NICE_TEXT, "status": _GOOD_STATUS}, optional={"detail": _NICE_TEXT}
)
_GOOD_METRIC = st.fixed_dictionaries(
    {"name": _NAME, "value": _FLOAT},
    optional={
        "unit": st.text(max_size=5),
        "item": st.one_of(st.none(), _NICE_TEXT),
        "warn": st.one_of(st.none(), _FLOAT, _NICE_TEXT),
        "crit": st.one_of(st.none(), _FLOAT, _NICE_TEXT),
    },
)
_GOOD_RESULT = st.fixed_dictionaries(
    {
        "id": _GOOD_ID,
        "device": _NAME,
        "check": _NAME,
        "status": _GOOD_STATUS,
        "observed_at": _GOOD_WHEN,
    },
    optional={
        "summary": _NICE_TEXT,
        "duration_ms": st.one_of(st.floats(min_value=0, allow_infinity=False), st.integers(0)),
        "level": st.one_of(st.none(), st.integers(1, 4)),
        "items": st.lists(_GOOD_ITEM, max_size=3),
        "metrics": st.lists(_GOOD_METRIC, max_size=2),
        "agent": _NICE_TEXT,
    },
)

_WILD = st.one_of(
    st.sampled_from(
        [
            # text
            "",
            "a\x00b",
            "\x00",
            "\ud800",
            "x\udfff",
            "\ud83d\ude00",
            "\u2028",
            "d" * 201,
            "d" * 401,
            "c" * 10_001,
            # numbers
            float("nan"),
            float("inf"),
            -float("inf"),
            -0.0,
            -1,
            -1e-300,
            0,
            5,
            2.5,
            1e308,
            10**400,
            "1.5",
            "inf",
            "nan",
            "high",
            True,
            False,
            None,
            # statuses, times, ids
            "ok",
            "BROKEN",
            "2025-01-06T01:00:00",
            "2025-01-06",
            "2025-01-06 01:00:00.123456789z",
            "2025-02-30T01:00:00Z",
            "yesterday",
            1736125200,
            "not-a-uuid",
            ID + "\n",
            " " + ID,
            "urn:uuid:" + ID,
            ID.replace("-", "")[:-1],
            # containers
            [],
            {},
            [None],
            [{}],
        ]
    ),
    st.text(max_size=4),
)
_FIELDS = ("id", "device", "check", "status", "observed_at", "summary", "duration_ms", "level")
_FIELDS += ("items", "metrics")
_ITEM_FIELDS = ("item", "status", "detail")
_METRIC_FIELDS = ("name", "value", "unit", "item", "warn", "crit")


def _dicts(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


@st.composite
def near_results(draw: st.DrawFn) -> dict[str, Any]:
    out = dict(draw(_GOOD_RESULT))
    for _ in range(draw(st.integers(0, 2))):
        where = draw(st.sampled_from(["result", "item", "metric", "drop"]))
        value = copy.deepcopy(draw(_WILD))  # (the pool's lists and dicts are shared)
        if where == "item" and _dicts(out.get("items")):
            index = draw(st.integers(0, len(out["items"]) - 1))
            out["items"][index] = {
                **out["items"][index],
                draw(st.sampled_from(_ITEM_FIELDS)): value,
            }
        elif where == "metric" and _dicts(out.get("metrics")):
            index = draw(st.integers(0, len(out["metrics"]) - 1))
            field = draw(st.sampled_from(_METRIC_FIELDS))
            out["metrics"][index] = {**out["metrics"][index], field: value}
        elif where == "drop":
            out.pop(draw(st.sampled_from(_FIELDS)), None)
        else:
            out[draw(st.sampled_from(_FIELDS))] = value
    return out


def _encode(results: list[Any], ascii_only: bool) -> bytes:
    # NaN / Infinity become bare tokens (json.dumps allows them); a lone surrogate becomes an
    # escape (ascii_only) or raw, invalid UTF-8 (surrogatepass).
    return json.dumps(results, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


def _slow(raw: bytes) -> list[dict[str, Any]] | None:
    try:
        return reference(raw)
    except (BatchInvalid, ValueError):
        return None


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(results=st.lists(near_results(), max_size=3), ascii_only=st.booleans())
def test_the_fast_path_never_accepts_what_resultin_refuses(
    results: list[Any], ascii_only: bool
) -> None:
    raw = _encode(results, ascii_only)
    fast = fast_accepts(raw)
    slow = _slow(raw)
    if fast is not None:
        assert slow is not None, f"the fast path accepted what ResultIn refuses: {raw!r}"
        assert exact(fast) == exact(slow)
    if slow is None:
        with pytest.raises(BatchInvalid) as caught:
            parse_body(raw, MAX)
        assert caught.value.status == 422
        assert all(caught.value.reasons)
    else:
        assert exact(parse_body(raw, MAX)) == exact(slow)


def test_a_result_object_becomes_the_same_wire_form_to_the_microsecond() -> None:
    from checks.result import Item, Metric, Result
    from checks.status import Status

    at = datetime(2026, 1, 5, 10, 0, 0, 123456, tzinfo=timezone(timedelta(hours=8)))
    result = Result(
        device="d",
        check="c",
        status=Status.WARNING,
        summary="s",
        metrics=[Metric(name="m", value=1.5, unit="%", item="x")],
        items=[Item(item="x", status=Status.WARNING, detail="hot")],
        observed_at=at,
        id=str(uuid.uuid4()).upper(),
        level=3,
    )
    wire = schemas.wire_of(result)
    assert wire["observed_at"] == at  # (Result.to_dict keeps milliseconds only)
    assert wire["id"] == result.id.lower()
    assert wire["items"] == [{"item": "x", "status": "WARNING", "detail": "hot"}]
    assert (wire["status"], wire["level"], wire["metrics"][0]["value"]) == ("WARNING", 3, 1.5)
