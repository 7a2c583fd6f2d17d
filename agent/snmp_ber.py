"""A small, fast BER codec for SNMPv2c GetRequest / GetBulkRequest / Response messages.

Why it exists: decoding responses with pysnmp's pyasn1 machinery costs ~90 µs per value, which
makes a pysnmp poll of a switch as expensive as forking one net-snmp CLI process per table (see
docs/benchmarks.md). SNMPv2c messages are a handful of fixed BER shapes, so the hot path (v2c,
which is most of a sweep) encodes and decodes them here, in plain Python, at a few µs per value.
SNMPv3 (USM authentication and privacy) stays with pysnmp's engine: see agent/snmp.py.

Only what a command generator needs is implemented: encoding requests, decoding Response PDUs.
Anything malformed raises `BerError`; the caller treats it as a garbage datagram.
"""

from __future__ import annotations

from collections.abc import Sequence

from checks.snmpdata import (
    COUNTER32,
    COUNTER64,
    EXCEPTION_TAGS,
    GAUGE32,
    INTEGER,
    IP_ADDRESS,
    NULL,
    OBJECT_ID,
    OCTET_STRING,
    OPAQUE,
    TIMETICKS,
    SnmpValue,
)

SNMP_V2C = 1
GET_REQUEST = 0xA0
GET_NEXT_REQUEST = 0xA1
RESPONSE = 0xA2
GET_BULK_REQUEST = 0xA5
REPORT = 0xA8

_SEQUENCE = 0x30
_UNSIGNED_TAGS = frozenset({COUNTER32, GAUGE32, TIMETICKS, COUNTER64})
# Tags whose value is empty: NULL and the SNMPv2 exceptions (agent/snmp.py decodes by it too).
NONE_TAGS = EXCEPTION_TAGS | {NULL}
_NULL_VALUE = b"\x05\x00"

# Decoded OIDs by their BER content: a sweep reads the same ifTable OIDs from every device, so
# most OIDs are decoded once per process. Bounded so a pathological agent cannot grow it forever.
_OID_CACHE: dict[bytes, tuple[str, tuple[int, ...]]] = {}
_OID_CACHE_MAX = 500_000


class BerError(ValueError):
    """A datagram that is not a well-formed SNMPv2c message."""


# --- encoding --------------------------------------------------------------------------------


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes((n,))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(body),)) + body


def _tlv(tag: int, content: bytes) -> bytes:
    return bytes((tag,)) + _length(len(content)) + content


def _integer(value: int) -> bytes:
    return _tlv(INTEGER, value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big", signed=True))


_OID_ENCODED: dict[str, bytes] = {}


def encode_oid(oid: str) -> bytes:
    """The BER content octets of a dotted OID (no tag/length), cached."""
    cached = _OID_ENCODED.get(oid)
    if cached is not None:
        return cached
    try:
        arcs = [int(part) for part in oid.strip(".").split(".")]
    except ValueError:
        raise BerError(f"bad OID {oid!r}") from None
    if len(arcs) < 2 or arcs[0] > 2 or (arcs[0] < 2 and arcs[1] > 39) or min(arcs) < 0:
        raise BerError(f"bad OID {oid!r}")
    out = bytearray()
    for arc in (arcs[0] * 40 + arcs[1], *arcs[2:]):
        if arc < 0x80:
            out.append(arc)
            continue
        chunk = []
        while arc:
            chunk.append(arc & 0x7F)
            arc >>= 7
        chunk.reverse()
        out.extend(b | 0x80 for b in chunk[:-1])
        out.append(chunk[-1])
    encoded = bytes(out)
    if len(_OID_ENCODED) < _OID_CACHE_MAX:
        _OID_ENCODED[oid] = encoded
    return encoded


def encode_request(
    community: bytes,
    pdu_type: int,
    request_id: int,
    oids: Sequence[str],
    *,
    non_repeaters: int = 0,
    max_repetitions: int = 0,
) -> bytes:
    """An SNMPv2c GetRequest/GetNextRequest (error fields 0) or GetBulkRequest message."""
    varbinds = b"".join(_tlv(_SEQUENCE, _tlv(OBJECT_ID, encode_oid(o)) + _NULL_VALUE) for o in oids)
    if pdu_type == GET_BULK_REQUEST:
        fields = _integer(non_repeaters) + _integer(max_repetitions)
    else:
        fields = b"\x02\x01\x00\x02\x01\x00"
    pdu = _tlv(pdu_type, _integer(request_id) + fields + _tlv(_SEQUENCE, varbinds))
    return _tlv(_SEQUENCE, b"\x02\x01\x01" + _tlv(OCTET_STRING, community) + pdu)


# --- decoding --------------------------------------------------------------------------------


def decode_oid(content: bytes) -> tuple[str, tuple[int, ...]]:
    """(dotted string, arcs) of BER OID content octets, cached per process."""
    cached = _OID_CACHE.get(content)
    if cached is not None:
        return cached
    arcs: list[int] = []
    acc = 0
    for byte in content:
        acc = (acc << 7) | (byte & 0x7F)
        if byte < 0x80:
            arcs.append(acc)
            acc = 0
    if acc or not arcs or content[-1] >= 0x80:
        raise BerError("truncated OID")
    first = arcs[0]
    head = (first // 40, first % 40) if first < 80 else (2, first - 80)
    full = (*head, *arcs[1:])
    result = (".".join(map(str, full)), full)
    if len(_OID_CACHE) >= _OID_CACHE_MAX:
        _OID_CACHE.clear()
    _OID_CACHE[content] = result
    return result


def _header(data: bytes, pos: int, end: int) -> tuple[int, int, int]:
    """(tag, content start, content end) of the TLV at `pos`."""
    if pos + 2 > end:
        raise BerError("truncated header")
    tag = data[pos]
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        n = length & 0x7F
        if n == 0 or n > 4 or pos + n > end:
            raise BerError("bad length")
        length = int.from_bytes(data[pos : pos + n], "big")
        pos += n
    stop = pos + length
    if stop > end:
        raise BerError("truncated value")
    return tag, pos, stop


def _expect(data: bytes, pos: int, end: int, tag: int) -> tuple[int, int]:
    got, start, stop = _header(data, pos, end)
    if got != tag:
        raise BerError(f"expected tag 0x{tag:02x}, got 0x{got:02x}")
    return start, stop


def _int_at(data: bytes, pos: int, end: int) -> tuple[int, int]:
    start, stop = _expect(data, pos, end, INTEGER)
    if start == stop:
        raise BerError("empty INTEGER")
    return int.from_bytes(data[start:stop], "big", signed=True), stop


class Response:
    """A decoded Response PDU. `varbinds` holds (OID content bytes, value) pairs: the walk loop
    compares raw OID bytes against its subtree first and decodes only what it keeps."""

    __slots__ = ("error_index", "error_status", "pdu_type", "request_id", "varbinds")

    def __init__(
        self,
        pdu_type: int,
        request_id: int,
        error_status: int,
        error_index: int,
        varbinds: list[tuple[bytes, SnmpValue]],
    ) -> None:
        self.pdu_type = pdu_type
        self.request_id = request_id
        self.error_status = error_status
        self.error_index = error_index
        self.varbinds = varbinds


def peek_request_id(data: bytes) -> int:
    """The request-id of a v1/v2c message without decoding its varbinds."""
    try:
        end = len(data)
        start, end = _expect(data, 0, end, _SEQUENCE)
        _, pos = _int_at(data, start, end)
        _, _, pos = _header(data, pos, end)  # community
        _, pos, end = _header(data, pos, end)  # PDU
        request_id, _ = _int_at(data, pos, end)
    except IndexError:
        raise BerError("truncated message") from None
    return request_id


def decode_response(data: bytes) -> Response:
    """Decode an SNMPv1/v2c message carrying a Response (or Report) PDU."""
    try:
        return _decode_response(data)
    except (IndexError, ValueError) as exc:
        if isinstance(exc, BerError):
            raise
        raise BerError(f"malformed message: {exc}") from None


def _decode_response(data: bytes) -> Response:
    start, end = _expect(data, 0, len(data), _SEQUENCE)
    version, pos = _int_at(data, start, end)
    if version not in (0, SNMP_V2C):
        raise BerError(f"not an SNMPv1/v2c message (version {version})")
    _, pos = _expect(data, pos, end, OCTET_STRING)
    pdu_type, pos, end = _header(data, pos, end)
    if pdu_type not in (RESPONSE, REPORT):
        raise BerError(f"not a Response PDU (0x{pdu_type:02x})")
    request_id, pos = _int_at(data, pos, end)
    error_status, pos = _int_at(data, pos, end)
    error_index, pos = _int_at(data, pos, end)
    pos, end = _expect(data, pos, end, _SEQUENCE)
    varbinds: list[tuple[bytes, SnmpValue]] = []
    append = varbinds.append
    unsigned = _UNSIGNED_TAGS
    while pos < end:
        # Inline TLV parsing: this loop runs once per value of every walk.
        if data[pos] != _SEQUENCE:
            raise BerError("varbind is not a SEQUENCE")
        vb_start, vb_end = _expect(data, pos, end, _SEQUENCE)
        if data[vb_start] != OBJECT_ID:
            raise BerError("varbind name is not an OID")
        length = data[vb_start + 1]
        if length < 0x80:
            oid_start = vb_start + 2
            oid_end = oid_start + length
        else:
            _, oid_start, oid_end = _header(data, vb_start, vb_end)
        name = data[oid_start:oid_end]
        tag = data[oid_end]
        length = data[oid_end + 1]
        if length < 0x80:
            v_start = oid_end + 2
            v_end = v_start + length
        else:
            _, v_start, v_end = _header(data, oid_end, vb_end)
        if v_end != vb_end:
            raise BerError("varbind length mismatch")
        if tag == INTEGER:
            value: SnmpValue = SnmpValue(
                tag, int.from_bytes(data[v_start:v_end], "big", signed=True)
            )
        elif tag in unsigned:
            value = SnmpValue(tag, int.from_bytes(data[v_start:v_end], "big"))
        elif tag in (OCTET_STRING, OPAQUE):
            value = SnmpValue(tag, data[v_start:v_end])
        elif tag in NONE_TAGS:
            value = SnmpValue(tag, None)
        elif tag == OBJECT_ID:
            value = SnmpValue(tag, decode_oid(data[v_start:v_end])[0])
        elif tag == IP_ADDRESS:
            value = SnmpValue(tag, ".".join(map(str, data[v_start:v_end])))
        else:
            raise BerError(f"unsupported value tag 0x{tag:02x}")
        append((name, value))
        pos = vb_end
    return Response(pdu_type, request_id, error_status, error_index, varbinds)
