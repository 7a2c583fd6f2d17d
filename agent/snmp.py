"""The SNMP transport: GETs and GETBULK walks of many devices from one process.

PUBLIC API
    SnmpTarget            where and how to reach one agent (v2c or v3, v3 contextName in
                          `context`); repr never shows secrets
    target_from_device(device) -> SnmpTarget     reveals the inventory's secrets
    SnmpClient            one per process and event loop:
        await client.collect(target, plan) -> SnmpData   never raises for device trouble: each
                          failed request lands in SnmpData.errors[request OID] as readable text
        await client.get(target, oids) -> {oid: SnmpValue}   raises SnmpTimeout / SnmpError
        client.close()    (or `async with SnmpClient() as client:`)
    shared_client()       the process-wide client for pool workers (agent/pool.py)
    SnmpError, SnmpTimeout, SnmpAuthError

How requests travel
    SNMPv2c uses agent/snmp_ber.py over one UDP socket per client (request-ids demultiplex the
    replies). pysnmp decodes ~50x slower than that codec and a sweep is mostly v2c table walks,
    which is where the time goes (docs/benchmarks.md). SNMPv3 uses pysnmp 7's engine (USM
    discovery, authentication, privacy), driven through its command generators with raw OIDs
    so no MIB is ever looked up. `SnmpClient(v2c_backend="pysnmp")` routes v2c through pysnmp
    too (for comparison, or should an agent ever trip the small codec).

Concurrency
    All walks and GET batches of one device run concurrently; every request of the client waits
    for one of `max_in_flight` slots (default 16: more than that per process drops replies on a
    busy host and the retries halve throughput). Use agent/pool.py for one process per core.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import random
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from agent import snmp_ber
from checks.snmpdata import (
    END_OF_MIB_VIEW,
    IP_ADDRESS,
    NUMERIC_TAGS,
    OBJECT_ID,
    OCTET_STRING,
    OPAQUE,
    SnmpData,
    SnmpPlan,
    SnmpValue,
    normalize_oid,
)

if TYPE_CHECKING:
    from checks.inventory import Device

AUTH_FAILED = "authentication failed (wrong user or key)"

# Inventory protocol names -> pysnmp 7 protocol constant names (pysnmp.hlapi.v3arch.asyncio).
AUTH_PROTOCOLS: dict[str, str] = {
    "md5": "usmHMACMD5AuthProtocol",
    "sha": "usmHMACSHAAuthProtocol",
    "sha224": "usmHMAC128SHA224AuthProtocol",
    "sha256": "usmHMAC192SHA256AuthProtocol",
    "sha384": "usmHMAC256SHA384AuthProtocol",
    "sha512": "usmHMAC384SHA512AuthProtocol",
}
# AES-192/256: the key extension Cisco and most network vendors use ("Reeder"); net-snmp built
# with --enable-blumenthal-aes uses the other one (pysnmp's usmAesBlumenthalCfb*Protocol).
PRIV_PROTOCOLS: dict[str, str] = {
    "des": "usmDESPrivProtocol",
    "3des": "usm3DESEDEPrivProtocol",
    "aes": "usmAesCfb128Protocol",
    "aes128": "usmAesCfb128Protocol",
    "aes192": "usmAesCfb192Protocol",
    "aes256": "usmAesCfb256Protocol",
}

# RFC 3416 error-status values.
ERROR_STATUS = (
    "noError",
    "tooBig",
    "noSuchName",
    "badValue",
    "readOnly",
    "genErr",
    "noAccess",
    "wrongType",
    "wrongLength",
    "wrongEncoding",
    "wrongValue",
    "noCreation",
    "inconsistentValue",
    "resourceUnavailable",
    "commitFailed",
    "undoFailed",
    "authorizationError",
    "notWritable",
    "inconsistentName",
)
TOO_BIG = 1

# A walk that has not ended after this many values is an agent looping through its own table.
MAX_WALK_VALUES = 200_000


class SnmpError(Exception):
    """A request that failed for a reason worth showing an operator (message is readable)."""


class SnmpTimeout(SnmpError):
    """No answer within timeout * (retries + 1): unreachable, filtered, or a wrong community."""


class SnmpAuthError(SnmpError):
    """The agent refused our SNMPv3 credentials (USM report) or their protocols."""


@dataclass(frozen=True)
class SnmpTarget:
    """One SNMP agent and its credentials. Secrets are plain text here (revealed) and left out
    of repr/str; never log `dataclasses.asdict` of a target."""

    address: str
    port: int = 161
    version: str = "2c"  # "2c" | "3"
    community: str | None = field(default=None, repr=False)
    user: str | None = None
    auth_protocol: str | None = None  # md5 | sha | sha224 | sha256 | sha384 | sha512
    auth_key: str | None = field(default=None, repr=False)
    priv_protocol: str | None = None  # des | 3des | aes | aes128 | aes192 | aes256 | None
    priv_key: str | None = field(default=None, repr=False)
    timeout: float = 2.0  # seconds per attempt
    retries: int = 1
    context: str = ""  # SNMPv3 contextName (a VRF/VLAN context; snmpsim: the recording's name)

    def __post_init__(self) -> None:
        if self.version not in ("2c", "3"):
            raise ValueError(f"SNMP version {self.version!r} is not supported (use '2c' or '3')")
        if self.version == "2c" and self.community is None:
            raise ValueError("an SNMPv2c target needs a community")
        if self.version == "3":
            if not self.user:
                raise ValueError("an SNMPv3 target needs a user")
            if self.auth_protocol is not None and self.auth_protocol not in AUTH_PROTOCOLS:
                raise ValueError(
                    f"SNMPv3 auth protocol {self.auth_protocol!r} is not supported "
                    f"(use one of {', '.join(AUTH_PROTOCOLS)})"
                )
            if self.priv_protocol is not None:
                if self.priv_protocol not in PRIV_PROTOCOLS:
                    raise ValueError(
                        f"SNMPv3 privacy protocol {self.priv_protocol!r} is not supported "
                        f"(use one of {', '.join(PRIV_PROTOCOLS)})"
                    )
                if self.auth_protocol is None:
                    raise ValueError("SNMPv3 privacy needs an auth protocol too (authPriv)")
        if self.timeout <= 0 or self.retries < 0:
            raise ValueError("timeout must be > 0 and retries >= 0")

    def __str__(self) -> str:
        return f"{self.address}:{self.port}"

    @property
    def security_level(self) -> str:
        if self.version == "2c":
            return "community"
        if self.auth_protocol is None:
            return "noAuthNoPriv"
        return "authPriv" if self.priv_protocol else "authNoPriv"


def target_from_device(device: Device) -> SnmpTarget:
    """The SnmpTarget of an inventory device, secrets revealed (raises SecretError, located,
    when an environment variable or secrets file is unusable; ValueError without SNMP)."""
    from checks.inventory import SnmpV2cCredential

    access = device.snmp
    if access is None:
        raise ValueError(f"device {device.name} has no SNMP access in the inventory")
    cred = access.credential
    common: dict[str, Any] = {
        "address": device.address,
        "port": access.port,
        "timeout": access.timeout,
        "retries": access.retries,
    }
    if isinstance(cred, SnmpV2cCredential):
        return SnmpTarget(version="2c", community=cred.community.reveal(), **common)
    return SnmpTarget(
        version="3",
        user=cred.user,
        auth_protocol=cred.auth,
        auth_key=cred.auth_key.reveal(),
        priv_protocol=cred.priv,
        priv_key=cred.priv_key.reveal() if cred.priv_key is not None else None,
        **common,
    )


# A varbind as both backends hand it to the walk/get logic: (dotted OID, arcs, value).
VarBind = tuple[str, tuple[int, ...], SnmpValue]


@dataclass(slots=True)
class _Reply:
    error_status: int
    error_index: int
    varbinds: list[VarBind]


def _status_text(reply: _Reply, oids: Sequence[str]) -> str:
    status = reply.error_status
    name = ERROR_STATUS[status] if 0 <= status < len(ERROR_STATUS) else f"error-status {status}"
    if 0 < reply.error_index <= len(oids) and len(oids) > 1:
        return f"agent answered {name} (at {oids[reply.error_index - 1]})"
    return f"agent answered {name}"


class SnmpClient:
    """GETs and walks against many agents from one event loop, with bounded requests in flight.

    max_in_flight:    requests awaiting an answer at once, for this whole client
    max_repetitions:  GETBULK max-repetitions of walks (25: ~1.4 kB answers, no IP fragments)
    get_batch:        OIDs per GET PDU (split further when an agent answers tooBig)
    v2c_backend:      "ber" (fast, default) or "pysnmp"
    """

    def __init__(
        self,
        *,
        max_in_flight: int = 16,
        max_repetitions: int = 25,
        get_batch: int = 32,
        v2c_backend: str = "ber",
    ) -> None:
        if v2c_backend not in ("ber", "pysnmp"):
            raise ValueError("v2c_backend must be 'ber' or 'pysnmp'")
        self.max_in_flight = max_in_flight
        self.max_repetitions = max_repetitions
        self.get_batch = max(1, get_batch)
        self.v2c_backend = v2c_backend
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots: asyncio.Semaphore | None = None
        self._ber: _BerTransport | None = None
        self._pysnmp: _PysnmpTransport | None = None

    # --- public ------------------------------------------------------------------------------

    async def collect(self, target: SnmpTarget, plan: SnmpPlan) -> SnmpData:
        """Everything `plan` asks for; failures go into the result's `errors`, never raised."""
        data = SnmpData()
        jobs = [self._collect_gets(target, chunk, data) for chunk in self._chunks(plan.gets)]
        jobs += [self._collect_walk(target, root, data) for root in plan.walks]
        await asyncio.gather(*jobs)
        return data

    async def get(self, target: SnmpTarget, oids: Iterable[str]) -> dict[str, SnmpValue]:
        """GET `oids` (exception values such as noSuchObject included as answered).
        Raises SnmpTimeout when the agent does not answer, SnmpError for anything else."""
        wanted = [normalize_oid(o) for o in oids]
        found: dict[str, SnmpValue] = {}
        for chunk in self._chunks(wanted):
            await self._get_split(target, chunk, found)
        return found

    def close(self) -> None:
        if self._ber is not None:
            self._ber.close()
            self._ber = None
        if self._pysnmp is not None:
            self._pysnmp.close()
            self._pysnmp = None

    async def __aenter__(self) -> SnmpClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    # --- gets --------------------------------------------------------------------------------

    def _chunks(self, oids: Sequence[str]) -> list[list[str]]:
        size = self.get_batch
        return [list(oids[i : i + size]) for i in range(0, len(oids), size)]

    async def _get_split(
        self, target: SnmpTarget, oids: list[str], found: dict[str, SnmpValue]
    ) -> None:
        reply = await self._request(target, snmp_ber.GET_REQUEST, oids)
        if reply.error_status == TOO_BIG and len(oids) > 1:
            half = len(oids) // 2
            await self._get_split(target, oids[:half], found)
            await self._get_split(target, oids[half:], found)
            return
        if reply.error_status:
            raise SnmpError(_status_text(reply, oids))
        for oid_text, _, value in reply.varbinds:
            found[oid_text] = value

    async def _collect_gets(self, target: SnmpTarget, oids: list[str], data: SnmpData) -> None:
        try:
            reply = await self._request(target, snmp_ber.GET_REQUEST, oids)
        except SnmpError as exc:
            for oid in oids:
                data.errors[oid] = str(exc)
            return
        except Exception as exc:  # a transport bug must not stop the other requests
            for oid in oids:
                data.errors[oid] = f"internal error: {exc!r}"
            return
        if reply.error_status and len(oids) > 1:
            # tooBig, or one bad OID spoiling the batch (genErr, noAccess...): isolate it.
            half = len(oids) // 2
            await asyncio.gather(
                self._collect_gets(target, oids[:half], data),
                self._collect_gets(target, oids[half:], data),
            )
            return
        if reply.error_status:
            data.errors[oids[0]] = _status_text(reply, oids)
            return
        data.update({oid_text: value for oid_text, _, value in reply.varbinds})

    # --- walks -------------------------------------------------------------------------------

    async def _collect_walk(self, target: SnmpTarget, root: str, data: SnmpData) -> None:
        values: dict[str, SnmpValue] = {}
        try:
            await self._walk(target, root, values)
        except SnmpError as exc:
            data.errors[root] = str(exc)
        except Exception as exc:
            data.errors[root] = f"internal error: {exc!r}"
        data.update(values)

    async def _walk(self, target: SnmpTarget, root: str, out: dict[str, SnmpValue]) -> None:
        """GETBULK from `root` until the first OID outside its subtree (lexicographicMode off).
        Values found before an error stay in `out`; the error is raised."""
        root_arcs = tuple(int(p) for p in root.split("."))
        depth = len(root_arcs)
        cursor, last = root, root_arcs
        repetitions = self.max_repetitions
        while True:
            reply = await self._request(
                target, snmp_ber.GET_BULK_REQUEST, [cursor], max_repetitions=repetitions
            )
            if reply.error_status == TOO_BIG and repetitions > 1:
                repetitions = max(1, repetitions // 2)
                continue
            if reply.error_status:
                raise SnmpError(_status_text(reply, [cursor]))
            if not reply.varbinds:
                return
            for oid_text, arcs, value in reply.varbinds:
                if value.tag == END_OF_MIB_VIEW or arcs[:depth] != root_arcs or len(arcs) == depth:
                    return
                if arcs <= last:
                    raise SnmpError(
                        f"agent returned a non-increasing OID ({oid_text} after "
                        f"{'.'.join(map(str, last))}); walk stopped"
                    )
                out[oid_text] = value
                last = arcs
            if len(out) > MAX_WALK_VALUES:
                raise SnmpError(f"walk stopped after {MAX_WALK_VALUES} values")
            cursor = reply.varbinds[-1][0]

    # --- requests ----------------------------------------------------------------------------

    async def _request(
        self, target: SnmpTarget, pdu_type: int, oids: list[str], *, max_repetitions: int = 0
    ) -> _Reply:
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
            self._slots = asyncio.Semaphore(self.max_in_flight)
        elif self._loop is not loop:
            if not self._loop.is_closed():
                raise RuntimeError("an SnmpClient is bound to the event loop that first used it")
            # The loop that used us is gone (asyncio.run returned): start afresh on this one.
            self.close()
            self._loop = loop
            self._slots = asyncio.Semaphore(self.max_in_flight)
        assert self._slots is not None
        async with self._slots:
            if target.version == "2c" and self.v2c_backend == "ber":
                if self._ber is None:
                    self._ber = _BerTransport()
                return await self._ber.request(target, pdu_type, oids, max_repetitions)
            if self._pysnmp is None:
                self._pysnmp = _PysnmpTransport()
            return await self._pysnmp.request(target, pdu_type, oids, max_repetitions)


_SHARED: SnmpClient | None = None


def shared_client() -> SnmpClient:
    """The process-wide client (created on first use): what pool workers should use."""
    global _SHARED
    if _SHARED is None:
        _SHARED = SnmpClient()
    return _SHARED


def _timeout_text(target: SnmpTarget) -> str:
    tries = target.retries + 1
    hint = "unreachable or wrong community" if target.version == "2c" else "unreachable"
    return (
        f"timeout: no answer from {target.address}:{target.port} to {tries} "
        f"{'try' if tries == 1 else 'tries'} of {target.timeout:g}s ({hint})"
    )


# --- SNMPv2c over the small codec ------------------------------------------------------------


class _Pending:
    __slots__ = ("attempts_left", "future", "message", "sockaddr", "target", "timer")

    def __init__(
        self,
        future: asyncio.Future[snmp_ber.Response],
        message: bytes,
        sockaddr: tuple[Any, ...],
        target: SnmpTarget,
    ) -> None:
        self.future = future
        self.message = message
        self.sockaddr = sockaddr
        self.target = target
        self.attempts_left = target.retries
        self.timer: asyncio.TimerHandle | None = None


class _BerTransport(asyncio.DatagramProtocol):
    """One UDP socket per address family; replies matched by request-id and source address.
    Retries resend the same message (same request-id) so a late first answer still counts."""

    def __init__(self) -> None:
        self._transports: dict[int, asyncio.DatagramTransport] = {}
        self._sockets: dict[int, socket.socket] = {}
        self._pending: dict[int, _Pending] = {}
        self._next_id = random.randrange(1, 1 << 30)
        self._addresses: dict[tuple[str, int], tuple[int, tuple[Any, ...]]] = {}
        self.garbage = 0  # undecodable or unmatched datagrams, for diagnostics

    async def request(
        self, target: SnmpTarget, pdu_type: int, oids: list[str], max_repetitions: int
    ) -> _Reply:
        loop = asyncio.get_running_loop()
        family, sockaddr = await self._resolve(loop, target)
        transport = self._transports.get(family) or await self._open(loop, family)
        request_id = self._next_id
        self._next_id = request_id + 1 if request_id < 0x7FFFFFFF else 1
        assert target.community is not None
        message = snmp_ber.encode_request(
            target.community.encode(),
            pdu_type,
            request_id,
            oids,
            max_repetitions=max_repetitions,
        )
        pending = _Pending(loop.create_future(), message, sockaddr, target)
        self._pending[request_id] = pending
        try:
            transport.sendto(message, sockaddr)
            pending.timer = loop.call_later(target.timeout, self._expire, request_id, transport)
            response = await pending.future
        finally:
            self._pending.pop(request_id, None)
            if pending.timer is not None:
                pending.timer.cancel()
        decode = snmp_ber.decode_oid
        return _Reply(
            response.error_status,
            response.error_index,
            [(*decode(name), value) for name, value in response.varbinds],
        )

    def _expire(self, request_id: int, transport: asyncio.DatagramTransport) -> None:
        pending = self._pending.get(request_id)
        if pending is None or pending.future.done():
            return
        if pending.attempts_left > 0:
            pending.attempts_left -= 1
            transport.sendto(pending.message, pending.sockaddr)
            loop = pending.future.get_loop()
            pending.timer = loop.call_later(
                pending.target.timeout, self._expire, request_id, transport
            )
            return
        pending.future.set_exception(SnmpTimeout(_timeout_text(pending.target)))

    def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        try:
            response = snmp_ber.decode_response(data)
        except snmp_ber.BerError:
            self.garbage += 1
            return
        pending = self._pending.get(response.request_id)
        if (
            pending is None
            or pending.future.done()
            or addr[0] != pending.sockaddr[0]
            or addr[1] != pending.sockaddr[1]
        ):
            self.garbage += 1
            return
        pending.future.set_result(response)

    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable surfaces here on Linux without saying which request caused it;
        # those requests simply time out, which is what an operator would see on a real WAN.
        pass

    async def _resolve(
        self, loop: asyncio.AbstractEventLoop, target: SnmpTarget
    ) -> tuple[int, tuple[Any, ...]]:
        key = (target.address, target.port)
        cached = self._addresses.get(key)
        if cached is not None:
            return cached
        try:
            ip = ipaddress.ip_address(target.address)
            family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
            sockaddr: tuple[Any, ...] = (str(ip), target.port)
            if family == socket.AF_INET6:
                sockaddr = (str(ip), target.port, 0, 0)
        except ValueError:
            try:
                infos = await loop.getaddrinfo(target.address, target.port, type=socket.SOCK_DGRAM)
            except OSError as exc:
                raise SnmpError(f"cannot resolve {target.address}: {exc}") from None
            family, _, _, _, sockaddr = infos[0]
        self._addresses[key] = (family, sockaddr)
        return family, sockaddr

    async def _open(
        self, loop: asyncio.AbstractEventLoop, family: int
    ) -> asyncio.DatagramTransport:
        sock = socket.socket(family, socket.SOCK_DGRAM)
        # Answers of many agents arrive in bursts; a small buffer drops them silently.
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        sock.setblocking(False)
        sock.bind(("::", 0) if family == socket.AF_INET6 else ("0.0.0.0", 0))
        transport, _ = await loop.create_datagram_endpoint(lambda: self, sock=sock)
        self._transports[family] = transport
        self._sockets[family] = sock
        return transport

    def close(self) -> None:
        for family, transport in self._transports.items():
            try:
                transport.close()
            except RuntimeError:  # its event loop is already closed: close the socket itself
                self._sockets[family].close()
        self._transports.clear()
        self._sockets.clear()


# --- SNMPv3 (and optionally v2c) through pysnmp's engine ---------------------------------------

# USM report and security errors that mean "your credentials do not match the agent's".
_AUTH_INDICATIONS = (
    "UnknownUserName",
    "WrongDigest",
    "DecryptionError",
    "AuthenticationError",
    "AuthenticationFailure",
    "UnknownSecurityName",
)


@dataclass
class _EngineSlot:
    """One SnmpEngine. pysnmp keys USM users by name, so two credentials with the same user
    name but different keys (two banks, both with user `patrol`) need two engines."""

    engine: Any
    users: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    targets: dict[tuple[Any, ...], str] = field(default_factory=dict)


class _PysnmpTransport:
    def __init__(self) -> None:
        from pysnmp.hlapi.v3arch.asyncio import lcd

        self._lcd = lcd.CommandGeneratorLcdConfigurator()
        self._slots: list[_EngineSlot] = []
        self._locks: dict[tuple[Any, ...], asyncio.Lock] = {}

    def _new_slot(self) -> _EngineSlot:
        from pysnmp.hlapi.v3arch.asyncio import SnmpEngine

        slot = _EngineSlot(SnmpEngine())
        self._slots.append(slot)
        return slot

    def _auth_data(self, target: SnmpTarget) -> tuple[Any, tuple[Any, ...]]:
        from pysnmp.hlapi.v3arch import asyncio as hl

        if target.version == "2c":
            assert target.community is not None
            index = "c" + str(abs(hash(target.community)))
            return hl.CommunityData(index, target.community, mpModel=1), ("2c", index)
        auth = getattr(hl, AUTH_PROTOCOLS[target.auth_protocol]) if target.auth_protocol else None
        priv = None
        if target.priv_protocol:
            name = PRIV_PROTOCOLS[target.priv_protocol]
            priv = getattr(hl, name, None)
            if priv is None:
                raise ValueError(f"pysnmp lacks the SNMPv3 privacy protocol {name}")
        data = hl.UsmUserData(
            target.user,
            authKey=target.auth_key if auth is not None else None,
            privKey=target.priv_key if priv is not None else None,
            authProtocol=auth,
            privProtocol=priv,
        )
        identity = (
            target.user,
            target.auth_protocol,
            target.auth_key,
            target.priv_protocol,
            target.priv_key,
        )
        return data, identity

    async def _address(self, target: SnmpTarget) -> tuple[_EngineSlot, str]:
        from pysnmp.hlapi.v3arch.asyncio import UdpTransportTarget

        auth_data, identity = self._auth_data(target)
        user_key = identity[0] if target.version == "3" else "v2c:" + identity[1]
        slot = (
            next((s for s in self._slots if s.users.get(user_key, identity) == identity), None)
            or self._new_slot()
        )
        slot.users[user_key] = identity
        key = (identity, target.address, target.port, target.timeout, target.retries)
        name = slot.targets.get(key)
        if name is not None:
            return slot, name
        lock = self._locks.setdefault((id(slot), *key), asyncio.Lock())
        async with lock:
            name = slot.targets.get(key)
            if name is None:
                try:
                    transport = await UdpTransportTarget.create(
                        (target.address, target.port),
                        timeout=target.timeout,
                        retries=target.retries,
                    )
                except Exception as exc:
                    raise SnmpError(f"cannot resolve {target.address}: {exc}") from None
                name, _ = self._lcd.configure(slot.engine, auth_data, transport, b"")
                slot.targets[key] = name
        return slot, name

    async def request(
        self, target: SnmpTarget, pdu_type: int, oids: list[str], max_repetitions: int
    ) -> _Reply:
        from pyasn1.type.univ import Null
        from pysnmp.entity.rfc3413 import cmdgen
        from pysnmp.proto.rfc1902 import ObjectName

        slot, address_name = await self._address(target)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[tuple[Any, Any, Any, Any]] = loop.create_future()

        def done(
            engine: Any, handle: Any, indication: Any, status: Any, index: Any, vbs: Any, ctx: Any
        ) -> None:
            if not future.done():
                future.set_result((indication, status, index, vbs))

        varbinds = [(ObjectName(oid), Null("")) for oid in oids]
        context = target.context.encode()
        if pdu_type == snmp_ber.GET_BULK_REQUEST:
            cmdgen.BulkCommandGeneratorSingleRun().send_varbinds(
                slot.engine, address_name, None, context, 0, max_repetitions, varbinds, done
            )
        else:
            cmdgen.GetCommandGenerator().send_varbinds(
                slot.engine, address_name, None, context, varbinds, done
            )
        indication, status, index, vbs = await future
        if indication:
            kind = type(indication).__name__
            if kind == "RequestTimedOut":
                raise SnmpTimeout(_timeout_text(target))
            if kind in _AUTH_INDICATIONS:
                raise SnmpAuthError(f"{AUTH_FAILED} [{indication}]")
            if kind == "UnsupportedSecurityLevel":
                raise SnmpAuthError(f"the agent does not accept {target.security_level}")
            raise SnmpError(f"SNMP error: {indication}")
        result: list[VarBind] = []
        for name, value in vbs:
            arcs = tuple(name)
            result.append((".".join(map(str, arcs)), arcs, from_pysnmp(value)))
        return _Reply(int(status or 0), int(index or 0), result)

    def close(self) -> None:
        for slot in self._slots:
            with contextlib.suppress(Exception):
                slot.engine.close_dispatcher()
        self._slots.clear()


def from_pysnmp(value: Any) -> SnmpValue:
    """A pysnmp (pyasn1) value as an SnmpValue, by its outermost BER tag."""
    outer = value.tagSet[-1]
    tag = outer.tagClass | outer.tagId
    if tag in NUMERIC_TAGS:
        return SnmpValue(tag, int(value))
    if tag in (OCTET_STRING, OPAQUE):
        return SnmpValue(tag, value.asOctets())
    if tag == OBJECT_ID:
        return SnmpValue(tag, ".".join(map(str, value)))
    if tag == IP_ADDRESS:
        return SnmpValue(tag, ".".join(map(str, value.asNumbers())))
    if tag in snmp_ber.NONE_TAGS:
        return SnmpValue(tag, None)
    return SnmpValue(OCTET_STRING, bytes(value.asOctets()) if hasattr(value, "asOctets") else b"")
