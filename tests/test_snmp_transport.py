"""The SNMP transport (agent/snmp.py, agent/snmp_ber.py): the codec and the walk/GET logic
without network, then end to end against snmpsim serving real recordings on loopback."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest
from pyasn1.codec.ber import decoder, encoder
from pysnmp.proto import api, rfc1902, rfc1905

from agent import snmp_ber
from agent.snmp import (
    AUTH_FAILED,
    SnmpClient,
    SnmpError,
    SnmpTarget,
    SnmpTimeout,
    _Reply,
    from_pysnmp,
    target_from_device,
)
from checks.snmpdata import SnmpData, SnmpPlan, SnmpValue
from tests.conftest import SHARED_FIXTURES, V3User, free_udp_port

VRP_5720 = SHARED_FIXTURES / "snmp" / "vrp_5720.snmprec"
IOS_C3560 = SHARED_FIXTURES / "snmp" / "ios_c3560.snmprec"
T = TypeVar("T")

# A plan like a check's: identity GETs (one of them absent), interface and entity tables, a
# vendor table, and a subtree the device does not have.
PLAN = SnmpPlan.of(
    gets=["1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.2.0", "1.3.6.1.2.1.1.3.0", "1.3.6.1.2.1.1.99.0"],
    walks=[
        "1.3.6.1.2.1.2.2",  # ifTable
        "1.3.6.1.2.1.31.1.1",  # ifXTable
        "1.3.6.1.2.1.47.1.1.1.1.7",  # entPhysicalName
        "1.3.6.1.4.1.2011.5.25.31.1.1.1.1",  # hwEntityStateTable
        "1.3.6.1.2.1.99.1.1",  # entPhySensorTable: not in this recording
    ],
)


def _run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


# --- codec -----------------------------------------------------------------------------------


def test_request_encoding_matches_pysnmp() -> None:
    message = snmp_ber.encode_request(
        b"s3cret",
        snmp_ber.GET_BULK_REQUEST,
        0x7FFFFFFF,
        ["1.3.6.1.2.1.2.2", "1.3.6.1.4.1.2011.5.25.31.1.1.1.1.5"],
        max_repetitions=25,
    )
    decoded, rest = decoder.decode(message, asn1Spec=api.v2c.Message())
    assert rest == b""
    assert str(decoded["community"]) == "s3cret"
    pdu = decoded["data"]["get-bulk-request"]
    assert int(pdu["request-id"]) == 0x7FFFFFFF
    assert int(pdu["max-repetitions"]) == 25
    names = [str(vb["name"]) for vb in pdu["variable-bindings"]]
    assert names == ["1.3.6.1.2.1.2.2", "1.3.6.1.4.1.2011.5.25.31.1.1.1.1.5"]


def _pysnmp_response(varbinds: list[tuple[str, object]], request_id: int = 7) -> bytes:
    pdu = api.v2c.ResponsePDU()
    api.v2c.apiPDU.set_defaults(pdu)
    api.v2c.apiPDU.set_request_id(pdu, request_id)
    api.v2c.apiPDU.set_varbinds(pdu, [(rfc1902.ObjectName(o), v) for o, v in varbinds])
    message = api.v2c.Message()
    api.v2c.apiMessage.set_defaults(message)
    api.v2c.apiMessage.set_community(message, "public")
    api.v2c.apiMessage.set_pdu(message, pdu)
    return encoder.encode(message)


def test_response_decoding_of_every_type_agrees_with_pysnmp() -> None:
    values = [
        ("1.3.6.1.2.1.1.3.0", rfc1902.TimeTicks(4294967295)),
        ("1.3.6.1.2.1.2.2.1.5.1", rfc1902.Gauge32(4294967295)),
        ("1.3.6.1.2.1.2.2.1.10.1", rfc1902.Counter32(2**31)),
        ("1.3.6.1.2.1.31.1.1.1.6.1", rfc1902.Counter64(2**64 - 1)),
        ("1.3.6.1.2.1.2.2.1.8.1", rfc1902.Integer32(-2147483648)),
        ("1.3.6.1.2.1.1.1.0", rfc1902.OctetString(b"\x00\xffbinary|text")),
        ("1.3.6.1.2.1.1.2.0", rfc1902.ObjectIdentifier("1.3.6.1.4.1.2011.2.23.291")),
        ("1.3.6.1.2.1.4.20.1.1.10.1.1.1", rfc1902.IpAddress("10.1.1.1")),
        ("1.3.6.1.4.1.9.9.1.0", rfc1902.Opaque(b"\x9f\x78\x04\x3f\x80\x00\x00")),
        ("1.3.6.1.2.1.1.99.0", rfc1905.NoSuchObject("")),
        ("1.3.6.1.2.1.1.7.99", rfc1905.NoSuchInstance("")),
        ("2.999.16384.268435455", rfc1905.EndOfMibView("")),
    ]
    response = snmp_ber.decode_response(_pysnmp_response(values))
    assert response.request_id == 7
    assert response.error_status == 0
    got = [(snmp_ber.decode_oid(name)[0], value) for name, value in response.varbinds]
    assert got == [(oid, from_pysnmp(value)) for oid, value in values]
    assert got[0][1] == SnmpValue(67, 4294967295)
    assert got[7][1] == SnmpValue(64, "10.1.1.1")
    assert got[9][1] == SnmpValue(128, None)


def test_oid_codec_round_trip_with_large_arcs() -> None:
    for oid in ["1.3.6.1.4.1.2011.5.25.31.1.1.1.1.5.16842753", "2.999.4294967295.0", "0.39"]:
        assert snmp_ber.decode_oid(snmp_ber.encode_oid(oid))[0] == oid


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x30",
        b"\x30\x03\x02\x01\x01",
        b"\x30\x82\xff\xff\x02\x01\x01",
        _pysnmp_response([("1.3.6.1.2.1.1.3.0", rfc1902.TimeTicks(5))])[:-2],
        b"\x04\x03abc",
    ],
)
def test_garbage_datagrams_raise_ber_error(data: bytes) -> None:
    with pytest.raises(snmp_ber.BerError):
        snmp_ber.decode_response(data)


def test_bad_oids_are_refused() -> None:
    for oid in ["", "1", "1.x.3", "3.1.2", "1.40.1"]:
        with pytest.raises(snmp_ber.BerError):
            snmp_ber.encode_oid(oid)


# --- targets ---------------------------------------------------------------------------------


def test_target_repr_hides_secrets() -> None:
    target = SnmpTarget(
        "10.1.1.1",
        version="3",
        user="patrol",
        auth_protocol="sha256",
        auth_key="AUTH-SECRET-1",
        priv_protocol="aes256",
        priv_key="PRIV-SECRET-2",
    )
    v2c = SnmpTarget("10.1.1.2", community="COMMUNITY-SECRET")
    for text in (repr(target), str(target), repr(v2c), str(v2c)):
        assert "SECRET" not in text
    assert "patrol" in repr(target)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"version": "1", "community": "x"}, "version"),
        ({}, "community"),
        ({"version": "3"}, "user"),
        ({"version": "3", "user": "u", "auth_protocol": "sha1"}, "'sha1'"),
        (
            {"version": "3", "user": "u", "auth_protocol": "sha", "priv_protocol": "aes512"},
            "aes512",
        ),
        ({"version": "3", "user": "u", "priv_protocol": "aes"}, "authPriv"),
    ],
)
def test_target_validation_names_the_problem(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SnmpTarget("127.0.0.1", **kwargs)  # type: ignore[arg-type]


def test_target_from_device_reveals_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    from checks.inventory import (
        Device,
        Secret,
        SnmpAccess,
        SnmpV2cCredential,
        SnmpV3Credential,
    )

    monkeypatch.setenv("T_COMMUNITY", "c0mmunity")
    monkeypatch.setenv("T_AUTH", "auth-key-1")
    monkeypatch.setenv("T_PRIV", "priv-key-1")
    v2c = SnmpV2cCredential("lab", Secret(env="T_COMMUNITY"))
    v3 = SnmpV3Credential(
        "b", "patrol", "sha256", Secret(env="T_AUTH"), "aes", Secret(env="T_PRIV")
    )
    base = {"address": "127.0.0.1", "customer": "c", "site": "s", "zone": "urban"}
    t2 = target_from_device(Device(name="a", snmp=SnmpAccess(v2c, port=1161), **base))
    assert (t2.version, t2.community, t2.port) == ("2c", "c0mmunity", 1161)
    t3 = target_from_device(Device(name="b", snmp=SnmpAccess(v3, timeout=1.5, retries=2), **base))
    assert (t3.user, t3.auth_protocol, t3.auth_key) == ("patrol", "sha256", "auth-key-1")
    assert (t3.priv_protocol, t3.priv_key, t3.timeout, t3.retries) == ("aes", "priv-key-1", 1.5, 2)
    with pytest.raises(ValueError, match="no SNMP"):
        target_from_device(Device(name="c", **base))


# --- walk and GET logic over a fake agent -----------------------------------------------------


class FakeAgent:
    """Answers SnmpClient._request from an SnmpData like an agent would (GETNEXT semantics),
    with hooks to misbehave."""

    def __init__(self, data: SnmpData, max_get: int = 1000) -> None:
        self.data = data
        self.keys = sorted(data.values, key=lambda o: tuple(map(int, o.split("."))))
        self.max_get = max_get
        self.requests: list[tuple[int, list[str]]] = []
        self.loop_back: tuple[str, str] | None = None  # (after this OID, answer that one)

    async def __call__(
        self, target: SnmpTarget, pdu_type: int, oids: list[str], *, max_repetitions: int = 0
    ) -> _Reply:
        self.requests.append((pdu_type, oids))
        if pdu_type == snmp_ber.GET_REQUEST:
            if len(oids) > self.max_get:
                return _Reply(1, 0, [])
            if "1.3.6.1.2.1.1.5.0" in oids:
                return _Reply(5, oids.index("1.3.6.1.2.1.1.5.0") + 1, [])
            return _Reply(
                0,
                0,
                [self._vb(o, self.data.values.get(o, SnmpValue(129, None))) for o in oids],
            )
        (start,) = oids
        key = tuple(map(int, start.split(".")))
        out = []
        for oid in self.keys:
            if tuple(map(int, oid.split("."))) > key:
                out.append(self._vb(oid, self.data.values[oid]))
                if self.loop_back and oid == self.loop_back[0]:
                    again = self.loop_back[1]
                    out.append(self._vb(again, self.data.values[again]))
                if len(out) >= max_repetitions:
                    break
        if not out:
            out.append(self._vb(start, SnmpValue(130, None)))
        return _Reply(0, 0, out)

    @staticmethod
    def _vb(oid: str, value: SnmpValue) -> tuple[str, tuple[int, ...], SnmpValue]:
        return oid, tuple(map(int, oid.split("."))), value


def _fake_client(agent: FakeAgent, **kwargs: int) -> SnmpClient:
    client = SnmpClient(**kwargs)  # type: ignore[arg-type]
    client._request = agent  # type: ignore[method-assign]
    return client


def test_collect_walks_exactly_the_subtrees_and_splits_gets() -> None:
    recording = SnmpData.from_snmprec(VRP_5720)
    agent = FakeAgent(recording, max_get=1)
    plan = SnmpPlan.of(gets=[*PLAN.gets, "1.3.6.1.2.1.1.5.0"], walks=PLAN.walks)
    data = _run(
        _fake_client(agent, max_repetitions=7).collect(SnmpTarget("x", community="c"), plan)
    )
    expected = recording.subset(plan)
    got = {k: v for k, v in data.values.items() if not v.is_exception}
    assert got == {k: v for k, v in expected.values.items() if k != "1.3.6.1.2.1.1.5.0"}
    assert data.raw("1.3.6.1.2.1.1.99.0") == SnmpValue(129, None)
    # the genErr OID was isolated by splitting; the others still arrived
    assert data.errors == {"1.3.6.1.2.1.1.5.0": "agent answered genErr"}
    assert data.walk("1.3.6.1.2.1.99.1.1") == {}


def test_walk_stops_with_an_error_on_non_increasing_oids() -> None:
    recording = SnmpData.from_snmprec(VRP_5720)
    agent = FakeAgent(recording)
    agent.loop_back = ("1.3.6.1.2.1.2.2.1.2.5", "1.3.6.1.2.1.2.2.1.2.2")
    plan = SnmpPlan.of(walks=["1.3.6.1.2.1.2.2"])
    data = _run(_fake_client(agent).collect(SnmpTarget("x", community="c"), plan))
    assert "non-increasing" in data.errors["1.3.6.1.2.1.2.2"]
    assert "1.3.6.1.2.1.2.2.1.2.5" in data.values  # what came before is kept


def test_get_raises_for_agent_errors() -> None:
    agent = FakeAgent(SnmpData.from_snmprec(VRP_5720))
    client = _fake_client(agent)
    with pytest.raises(SnmpError, match="genErr"):
        _run(client.get(SnmpTarget("x", community="c"), ["1.3.6.1.2.1.1.5.0"]))
    found = _run(client.get(SnmpTarget("x", community="c"), ["1.3.6.1.2.1.1.2.0"]))
    assert found == {"1.3.6.1.2.1.1.2.0": SnmpValue(6, "1.3.6.1.4.1.2011.2.23.291")}


# --- end to end against snmpsim --------------------------------------------------------------


@pytest.mark.integration
@pytest.mark.parametrize("backend", ["ber", "pysnmp"])
def test_v2c_collect_equals_the_recording(snmpsim, backend: str) -> None:  # type: ignore[no-untyped-def]
    host, port = snmpsim({"vrp": VRP_5720, "c3560": IOS_C3560})

    async def go() -> tuple[SnmpData, SnmpData]:
        async with SnmpClient(v2c_backend=backend) as client:
            return await asyncio.gather(
                client.collect(SnmpTarget(host, port, community="vrp"), PLAN),
                client.collect(SnmpTarget(host, port, community="c3560"), PLAN),
            )

    vrp, c3560 = _run(go())
    for data, path in ((vrp, VRP_5720), (c3560, IOS_C3560)):
        expected = SnmpData.from_snmprec(path).subset(PLAN)
        assert data.errors == {}
        assert {k: v for k, v in data.values.items() if not v.is_exception} == expected.values
        assert data.raw("1.3.6.1.2.1.1.99.0") is not None
        assert data.raw("1.3.6.1.2.1.1.99.0").is_exception  # type: ignore[union-attr]
    assert len(vrp.walk("1.3.6.1.2.1.2.2")) > 100


V3_CASES = [
    # (snmpsim auth, snmpsim priv, our auth, our priv)
    ("SHA", "AES", "sha", "aes"),
    ("SHA256", "AES256", "sha256", "aes256"),
    ("SHA512", "AES192", "sha512", "aes192"),
    ("MD5", "DES", "md5", "des"),
]


@pytest.mark.integration
def test_v3_auth_priv_end_to_end(snmpsim) -> None:  # type: ignore[no-untyped-def]
    users = [
        V3User(f"user{i}", f"auth-key-{i}-xyz", f"priv-key-{i}-xyz", a, p)
        for i, (a, p, _, _) in enumerate(V3_CASES)
    ]
    host, port = snmpsim({"vrp": VRP_5720}, v3_users=users)
    expected = SnmpData.from_snmprec(VRP_5720).subset(PLAN)

    def target(i: int, auth: str, priv: str, **over: str) -> SnmpTarget:
        fields = {
            "user": f"user{i}",
            "auth_key": f"auth-key-{i}-xyz",
            "priv_key": f"priv-key-{i}-xyz",
        }
        fields.update(over)
        return SnmpTarget(
            host,
            port,
            version="3",
            auth_protocol=auth,
            priv_protocol=priv,
            context="vrp",
            timeout=2,
            retries=1,
            **fields,  # type: ignore[arg-type]
        )

    async def go() -> list[SnmpData]:
        async with SnmpClient() as client:
            good = [
                client.collect(target(i, a, p), PLAN) for i, (_, _, a, p) in enumerate(V3_CASES)
            ]
            bad = [
                client.collect(target(0, "sha", "aes", auth_key="not-the-auth-key"), PLAN),
                client.collect(target(0, "sha", "aes", priv_key="not-the-priv-key"), PLAN),
                client.collect(target(0, "sha", "aes", user="stranger"), PLAN),
            ]
            return await asyncio.gather(*good, *bad)

    *good, wrong_auth, wrong_priv, unknown_user = _run(go())
    for (auth, priv, *_), data in zip(V3_CASES, good, strict=True):
        assert data.errors == {}, (auth, priv)
        assert {k: v for k, v in data.values.items() if not v.is_exception} == expected.values
    for data in (wrong_auth, wrong_priv, unknown_user):
        assert data.values == {}
        assert set(data.errors) == set(PLAN.gets) | set(PLAN.walks)
        assert all(reason.startswith(AUTH_FAILED) for reason in data.errors.values())


@pytest.mark.integration
def test_same_v3_user_with_two_keys_in_one_client(snmpsim) -> None:  # type: ignore[no-untyped-def]
    """Two agents, one user name, different keys: pysnmp keys users by name, the client must
    keep them apart."""
    a = snmpsim({"vrp": VRP_5720}, v3_users=[V3User("patrol", "first-auth-key", "first-priv-key")])
    b = snmpsim({"vrp": VRP_5720}, v3_users=[V3User("patrol", "other-auth-key", "other-priv-key")])

    def target(endpoint: tuple[str, int], word: str) -> SnmpTarget:
        return SnmpTarget(
            endpoint[0],
            endpoint[1],
            version="3",
            user="patrol",
            auth_protocol="sha",
            auth_key=f"{word}-auth-key",
            priv_protocol="aes",
            priv_key=f"{word}-priv-key",
            context="vrp",
        )

    async def go() -> list[dict[str, SnmpValue]]:
        async with SnmpClient() as client:
            return await asyncio.gather(
                client.get(target(a, "first"), ["1.3.6.1.2.1.1.2.0"]),
                client.get(target(b, "other"), ["1.3.6.1.2.1.1.2.0"]),
            )

    first, other = _run(go())
    assert first == other == {"1.3.6.1.2.1.1.2.0": SnmpValue(6, "1.3.6.1.4.1.2011.2.23.291")}


@pytest.mark.integration
def test_wrong_community_is_a_timeout_error(snmpsim) -> None:  # type: ignore[no-untyped-def]
    host, port = snmpsim({"vrp": VRP_5720})
    target = SnmpTarget(host, port, community="not-vrp", timeout=0.3, retries=1)

    async def go() -> SnmpData:
        async with SnmpClient() as client:
            return await client.collect(target, PLAN)

    data = _run(go())
    assert data.values == {}
    assert set(data.errors) == set(PLAN.gets) | set(PLAN.walks)
    assert all(r.startswith("timeout") and "community" in r for r in data.errors.values())


@pytest.mark.integration
@pytest.mark.parametrize("backend", ["ber", "pysnmp"])
def test_nobody_listening_raises_snmp_timeout(backend: str) -> None:
    port = free_udp_port()
    target = SnmpTarget("127.0.0.1", port, community="public", timeout=0.2, retries=2)

    async def go() -> float:
        loop = asyncio.get_running_loop()
        async with SnmpClient(v2c_backend=backend) as client:
            started = loop.time()
            with pytest.raises(SnmpTimeout, match="3 tries"):
                await client.get(target, ["1.3.6.1.2.1.1.3.0"])
            return loop.time() - started

    elapsed = _run(go())
    # It gave up by itself after its tries (generous bound: behaviour, not timing precision).
    assert elapsed < 0.2 * 3 + 10


@pytest.mark.integration
def test_replies_from_another_address_are_ignored() -> None:
    """A datagram with a matching request-id from the wrong source must not be taken."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.bind(("127.0.0.1", 0))
    listener.setblocking(False)
    intruder = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    target = SnmpTarget("127.0.0.1", listener.getsockname()[1], community="c", timeout=0.5)

    async def go() -> None:
        loop = asyncio.get_running_loop()
        async with SnmpClient() as client:
            task = asyncio.ensure_future(client.get(target, ["1.3.6.1.2.1.1.3.0"]))
            request, source = await loop.sock_recvfrom(listener, 65535)
            rid = snmp_ber.peek_request_id(request)
            forged = _pysnmp_response([("1.3.6.1.2.1.1.3.0", rfc1902.TimeTicks(1))], rid)
            intruder.sendto(forged, source)
            with pytest.raises(SnmpTimeout):
                await task

    try:
        _run(go())
    finally:
        listener.close()
        intruder.close()


def test_fixture_paths_exist() -> None:
    assert Path(VRP_5720).exists(), "../shared/fixtures is expected beside the repository"


@pytest.mark.integration
@pytest.mark.skipif(shutil.which("snmpd") is None, reason="net-snmp snmpd not installed")
def test_v3_interoperates_with_net_snmp(tmp_path: Path) -> None:
    """pysnmp against pysnmp (snmpsim) proves little about interop: net-snmp's agent too.
    (AES-256 with SHA-256 needs no key extension, so Cisco's and Blumenthal's agree.)"""
    port = free_udp_port()
    cases = [("u1", "SHA", "AES", "sha", "aes"), ("u2", "SHA-256", "AES-256", "sha256", "aes256")]
    lines = [f"agentAddress udp:127.0.0.1:{port}"]
    for user, auth, priv, *_ in cases:
        lines += [
            f"createUser {user} {auth} auth-key-123 {priv} priv-key-123",
            f"rouser {user} priv",
        ]
    (tmp_path / "snmpd.conf").write_text("\n".join(lines) + "\n")
    env = {"SNMP_PERSISTENT_DIR": str(tmp_path), "MIBS": "", "PATH": "/usr/sbin:/usr/bin:/bin"}
    proc = subprocess.Popen(
        ["snmpd", "-f", "-Lo", "-C", "-c", str(tmp_path / "snmpd.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )

    async def go() -> list[dict[str, SnmpValue]]:
        async with SnmpClient() as client:
            found = []
            for user, _, _, auth, priv in cases:
                target = SnmpTarget(
                    "127.0.0.1",
                    port,
                    version="3",
                    user=user,
                    auth_protocol=auth,
                    auth_key="auth-key-123",
                    priv_protocol=priv,
                    priv_key="priv-key-123",
                    timeout=1,
                    retries=5,  # snmpd needs a moment to start
                )
                found.append(await client.get(target, ["1.3.6.1.2.1.1.3.0"]))
            return found

    try:
        for values in _run(go()):
            assert values["1.3.6.1.2.1.1.3.0"].tag == 67
    finally:
        proc.terminate()
        proc.wait()
