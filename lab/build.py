"""Renders the lab's recordings (lab/devices/<name>.snmprec) from the device descriptions here.

The recordings are written for this project, modeled on real walks of the same kinds of device
(the MIB tables, index schemes and value shapes of ../shared/fixtures/snmp), with our own
hostnames, serials, ports and values. They describe the bank in its healthy state; scenarios
(lab/scenarios/*.yaml) are overlays applied when the lab starts.

    python -m lab.build            rewrite lab/devices/*.snmprec
    python -m lab.build --check    exit 1 if a committed recording differs from what this renders

Rendering is deterministic (random.Random seeded by device name), so the output is stable and
committed together with this file.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from checks.snmpdata import (
    COUNTER32,
    COUNTER64,
    GAUGE32,
    INTEGER,
    IP_ADDRESS,
    OBJECT_ID,
    OCTET_STRING,
    TIMETICKS,
    SnmpData,
    SnmpValue,
)
from lab.bank import BANK, DEVICES_DIR, device

DAY = 86400 * 100  # TimeTicks per day
HEADER = "# {name}: written for Patrol's lab by lab/build.py (do not edit; edit build.py)\n"

# --- OIDs -------------------------------------------------------------------------------------
SYSTEM = "1.3.6.1.2.1.1"
IF_NUMBER = "1.3.6.1.2.1.2.1.0"
IF_TABLE = "1.3.6.1.2.1.2.2.1"
IF_X_TABLE = "1.3.6.1.2.1.31.1.1.1"
ENT_PHYSICAL = "1.3.6.1.2.1.47.1.1.1.1"
ENT_ALIAS_MAPPING = "1.3.6.1.2.1.47.1.3.2.1.2"
HW_ENTITY_STATE = "1.3.6.1.4.1.2011.5.25.31.1.1.1.1"
HW_FAN_STATUS = "1.3.6.1.4.1.2011.5.25.31.1.1.10.1"
HW_PWR_STATUS = "1.3.6.1.4.1.2011.5.25.31.1.1.18.1"
CPM_CPU_TOTAL = "1.3.6.1.4.1.9.9.109.1.1.1.1"
CISCO_MEMORY_POOL = "1.3.6.1.4.1.9.9.48.1.1.1"
ENVMON_TEMPERATURE = "1.3.6.1.4.1.9.9.13.1.3.1"
ENVMON_FAN = "1.3.6.1.4.1.9.9.13.1.4.1"
ENVMON_SUPPLY = "1.3.6.1.4.1.9.9.13.1.5.1"
ENT_SENSOR_VALUE = "1.3.6.1.4.1.9.9.91.1.1.1.1"
ENT_SENSOR_THRESHOLD = "1.3.6.1.4.1.9.9.91.1.2.1.1"
CEFC_MODULE = "1.3.6.1.4.1.9.9.117.1.2.1.1"
CEFC_FRU_POWER = "1.3.6.1.4.1.9.9.117.1.1.2.1"
CEFC_FAN_TRAY = "1.3.6.1.4.1.9.9.117.1.4.1.1"
IMM = "1.3.6.1.4.1.2.3.51.3.1"
HR_SYSTEM = "1.3.6.1.2.1.25.1"
HR_MEMORY_SIZE = "1.3.6.1.2.1.25.2.2.0"
HR_STORAGE = "1.3.6.1.2.1.25.2.3.1"
HR_DEVICE = "1.3.6.1.2.1.25.3.2.1"
HR_PROCESSOR = "1.3.6.1.2.1.25.3.3.1"
UCD_MEMORY = "1.3.6.1.4.1.2021.4"
UCD_LA = "1.3.6.1.4.1.2021.10.1"
UCD_SYSTEM_STATS = "1.3.6.1.4.1.2021.11"

# ifType values (IANAifType-MIB)
OTHER, ETHERNET, LOOPBACK, PROP_VIRTUAL, TUNNEL, L2VLAN, IEEE8023AD_LAG = (
    1,
    6,
    24,
    53,
    131,
    135,
    161,
)
# entPhysicalClass
CHASSIS, CONTAINER, POWER_SUPPLY, FAN, SENSOR, MODULE, PORT, CPU = 3, 5, 6, 7, 8, 9, 10, 12

CISCO_SYS_CONTACT = "FZ Bank NOC +86-591-8700-1100"


class Rec:
    """The values of one device, written in any order and kept by OID."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.values: dict[str, SnmpValue] = {}

    def put(self, oid: str, tag: int, value: int | bytes | str) -> None:
        if oid in self.values:
            raise ValueError(f"{self.name}: {oid} written twice")
        if tag in (INTEGER, COUNTER32, GAUGE32, TIMETICKS, COUNTER64):
            value = int(value)
            limit = 2**64 if tag == COUNTER64 else 2**32
            if tag == INTEGER and not -(2**31) <= value < 2**31:
                raise ValueError(f"{self.name}: {oid} = {value} does not fit an Integer32")
            if tag != INTEGER and not 0 <= value < limit:
                raise ValueError(f"{self.name}: {oid} = {value} out of range for tag {tag}")
        if tag == OCTET_STRING and isinstance(value, str):
            value = value.encode("utf-8")
        self.values[oid] = SnmpValue(tag, value)

    def s(self, oid: str, text: str | bytes) -> None:
        self.put(oid, OCTET_STRING, text)

    def i(self, oid: str, number: int) -> None:
        self.put(oid, INTEGER, number)

    def g(self, oid: str, number: int) -> None:
        self.put(oid, GAUGE32, number)

    def c(self, oid: str, number: int) -> None:
        self.put(oid, COUNTER32, number % 2**32)

    def c64(self, oid: str, number: int) -> None:
        self.put(oid, COUNTER64, number % 2**64)

    def t(self, oid: str, ticks: int) -> None:
        self.put(oid, TIMETICKS, ticks)

    def o(self, oid: str, value: str) -> None:
        self.put(oid, OBJECT_ID, value)

    def ip(self, oid: str, value: str) -> None:
        self.put(oid, IP_ADDRESS, value)

    def data(self) -> SnmpData:
        return SnmpData(values=dict(self.values))


# --- building blocks shared by the devices ----------------------------------------------------


def system(
    rec: Rec,
    descr: str,
    object_id: str,
    uptime: int,
    contact: str,
    location: str,
    services: int,
) -> None:
    rec.s(f"{SYSTEM}.1.0", descr)
    rec.o(f"{SYSTEM}.2.0", object_id)
    rec.t(f"{SYSTEM}.3.0", uptime)
    rec.s(f"{SYSTEM}.4.0", contact)
    rec.s(f"{SYSTEM}.5.0", rec.name)
    rec.s(f"{SYSTEM}.6.0", location)
    rec.i(f"{SYSTEM}.7.0", services)


@dataclass
class Port:
    index: int
    descr: str  # ifDescr
    type: int = ETHERNET
    speed: int = 1000  # Mbit/s; 0 for virtual interfaces without a speed
    admin: int = 1  # up(1) down(2)
    oper: int = 1  # up(1) down(2)
    alias: str = ""
    name: str | None = None  # ifName when it differs from ifDescr (Cisco's short names)
    mtu: int = 1500
    mac: bytes = b""
    load_in: float = 0.0  # average utilisation since boot, for plausible counters
    load_out: float = 0.0
    entity: int | None = None  # entPhysicalIndex of the port, for entAliasMappingTable
    down_speed: int | None = None  # ifSpeed (Mbit/s) shown while down (IOS: 10 on copper)
    last_change: int | None = None

    @property
    def physical(self) -> bool:
        return self.type == ETHERNET


def mac(base: bytes, n: int) -> bytes:
    value = int.from_bytes(base, "big") + n
    return value.to_bytes(6, "big")


def interfaces(rec: Rec, ports: list[Port], uptime: int, rng: random.Random) -> None:
    """ifNumber, ifTable and ifXTable with counters consistent with each port's load."""
    seconds = uptime // 100
    rec.i(IF_NUMBER, len(ports))
    for p in ports:
        up = p.oper == 1
        speed = p.speed if up or p.down_speed is None else p.down_speed
        octets_in = int(speed * 1e6 / 8 * p.load_in * seconds) if up else 0
        octets_out = int(speed * 1e6 / 8 * p.load_out * seconds) if up else 0
        if p.type == LOOPBACK and up:
            octets_in = octets_out = rng.randrange(10**6, 10**8)
        pkt = rng.randrange(380, 900)
        ucast_in, ucast_out = octets_in // pkt, octets_out // pkt
        mcast_in, mcast_out = ucast_in // 400, ucast_out // 900
        bcast_in, bcast_out = ucast_in // 1500, ucast_out // 5000
        if p.last_change is not None:
            last_change = p.last_change
        elif p.physical and p.admin == 1:
            last_change = rng.randrange(3000, 9000)  # link came up right after the boot
        else:
            last_change = 0
        i = p.index
        rec.i(f"{IF_TABLE}.1.{i}", i)
        rec.s(f"{IF_TABLE}.2.{i}", p.descr)
        rec.i(f"{IF_TABLE}.3.{i}", p.type)
        rec.i(f"{IF_TABLE}.4.{i}", p.mtu)
        rec.g(f"{IF_TABLE}.5.{i}", min(speed * 1_000_000, 2**32 - 1))
        rec.s(f"{IF_TABLE}.6.{i}", p.mac)
        rec.i(f"{IF_TABLE}.7.{i}", p.admin)
        rec.i(f"{IF_TABLE}.8.{i}", p.oper)
        rec.t(f"{IF_TABLE}.9.{i}", last_change)
        rec.c(f"{IF_TABLE}.10.{i}", octets_in)
        rec.c(f"{IF_TABLE}.11.{i}", ucast_in)
        rec.c(f"{IF_TABLE}.12.{i}", mcast_in + bcast_in)
        rec.c(f"{IF_TABLE}.13.{i}", 0)  # discards
        rec.c(f"{IF_TABLE}.14.{i}", 0)  # errors
        rec.c(f"{IF_TABLE}.15.{i}", 0)
        rec.c(f"{IF_TABLE}.16.{i}", octets_out)
        rec.c(f"{IF_TABLE}.17.{i}", ucast_out)
        rec.c(f"{IF_TABLE}.18.{i}", mcast_out + bcast_out)
        rec.c(f"{IF_TABLE}.19.{i}", 0)
        rec.c(f"{IF_TABLE}.20.{i}", 0)
        rec.g(f"{IF_TABLE}.21.{i}", 0)
        rec.o(f"{IF_TABLE}.22.{i}", "0.0")
        rec.s(f"{IF_X_TABLE}.1.{i}", p.name or p.descr)
        rec.c(f"{IF_X_TABLE}.2.{i}", mcast_in)
        rec.c(f"{IF_X_TABLE}.3.{i}", bcast_in)
        rec.c(f"{IF_X_TABLE}.4.{i}", mcast_out)
        rec.c(f"{IF_X_TABLE}.5.{i}", bcast_out)
        rec.c64(f"{IF_X_TABLE}.6.{i}", octets_in)
        rec.c64(f"{IF_X_TABLE}.7.{i}", ucast_in)
        rec.c64(f"{IF_X_TABLE}.8.{i}", mcast_in)
        rec.c64(f"{IF_X_TABLE}.9.{i}", bcast_in)
        rec.c64(f"{IF_X_TABLE}.10.{i}", octets_out)
        rec.c64(f"{IF_X_TABLE}.11.{i}", ucast_out)
        rec.c64(f"{IF_X_TABLE}.12.{i}", mcast_out)
        rec.c64(f"{IF_X_TABLE}.13.{i}", bcast_out)
        rec.i(f"{IF_X_TABLE}.14.{i}", 1 if p.physical else 2)
        rec.g(f"{IF_X_TABLE}.15.{i}", speed)
        rec.i(f"{IF_X_TABLE}.16.{i}", 2)
        rec.i(f"{IF_X_TABLE}.17.{i}", 1 if p.physical else 2)
        rec.s(f"{IF_X_TABLE}.18.{i}", p.alias)
        rec.t(f"{IF_X_TABLE}.19.{i}", 0)
        if p.entity is not None:
            rec.o(f"{ENT_ALIAS_MAPPING}.{p.entity}.0", f"{IF_TABLE}.1.{i}")


@dataclass
class Entity:
    index: int
    descr: str
    vendor_type: str
    contained_in: int
    cls: int
    rel_pos: int
    name: str
    hardware_rev: str = ""
    firmware_rev: str = ""
    software_rev: str = ""
    serial: str = ""
    mfg: str = ""
    model: str = ""
    fru: bool = False


def entities(rec: Rec, rows: Iterable[Entity]) -> None:
    for e in rows:
        i = e.index
        rec.s(f"{ENT_PHYSICAL}.2.{i}", e.descr)
        rec.o(f"{ENT_PHYSICAL}.3.{i}", e.vendor_type)
        rec.i(f"{ENT_PHYSICAL}.4.{i}", e.contained_in)
        rec.i(f"{ENT_PHYSICAL}.5.{i}", e.cls)
        rec.i(f"{ENT_PHYSICAL}.6.{i}", e.rel_pos)
        rec.s(f"{ENT_PHYSICAL}.7.{i}", e.name)
        rec.s(f"{ENT_PHYSICAL}.8.{i}", e.hardware_rev)
        rec.s(f"{ENT_PHYSICAL}.9.{i}", e.firmware_rev)
        rec.s(f"{ENT_PHYSICAL}.10.{i}", e.software_rev)
        rec.s(f"{ENT_PHYSICAL}.11.{i}", e.serial)
        rec.s(f"{ENT_PHYSICAL}.12.{i}", e.mfg)
        rec.s(f"{ENT_PHYSICAL}.13.{i}", e.model)
        rec.s(f"{ENT_PHYSICAL}.14.{i}", "")
        rec.s(f"{ENT_PHYSICAL}.15.{i}", "")
        rec.i(f"{ENT_PHYSICAL}.16.{i}", 1 if e.fru else 2)


# --- Huawei (HUAWEI-ENTITY-EXTENT-MIB) --------------------------------------------------------


@dataclass
class HwState:
    """One hwEntityStateTable row; zeros where the entity has no CPU/memory/sensor."""

    index: int
    oper: int = 3  # enabled(3)
    standby: int = 1  # notSupported(1); providingService(4) on the main board
    cpu: int = 0
    cpu_threshold: int = 0
    mem: int = 0
    mem_threshold: int = 0
    mem_size: int | None = 0  # bytes (Integer32); None where the device leaves it out
    mem_mega: int = 0
    uptime_s: int = 0
    temperature: int = 0
    temperature_threshold: int = 0
    temperature_low: int = 0
    voltage: int = 0
    voltage_low: int = 0
    voltage_high: int = 0


def hw_entity_state(rec: Rec, rows: Iterable[HwState]) -> None:
    for r in rows:
        i = r.index
        rec.i(f"{HW_ENTITY_STATE}.1.{i}", 4)  # hwEntityAdminStatus unlocked(4)
        rec.i(f"{HW_ENTITY_STATE}.2.{i}", r.oper)
        rec.i(f"{HW_ENTITY_STATE}.3.{i}", r.standby)
        rec.i(f"{HW_ENTITY_STATE}.5.{i}", r.cpu)
        rec.i(f"{HW_ENTITY_STATE}.6.{i}", r.cpu_threshold)
        rec.i(f"{HW_ENTITY_STATE}.7.{i}", r.mem)
        rec.i(f"{HW_ENTITY_STATE}.8.{i}", r.mem_threshold)
        if r.mem_size is not None:
            rec.i(f"{HW_ENTITY_STATE}.9.{i}", r.mem_size)
        rec.i(f"{HW_ENTITY_STATE}.10.{i}", r.uptime_s)
        rec.i(f"{HW_ENTITY_STATE}.11.{i}", r.temperature)
        rec.i(f"{HW_ENTITY_STATE}.12.{i}", r.temperature_threshold)
        rec.i(f"{HW_ENTITY_STATE}.13.{i}", r.voltage)
        rec.i(f"{HW_ENTITY_STATE}.14.{i}", r.voltage_low)
        rec.i(f"{HW_ENTITY_STATE}.15.{i}", r.voltage_high)
        rec.i(f"{HW_ENTITY_STATE}.16.{i}", r.temperature_low)
        rec.i(f"{HW_ENTITY_STATE}.19.{i}", r.mem_mega)


def hw_fans(rec: Rec, fans: Iterable[tuple[int, int, int, str]]) -> None:
    """hwFanStatusTable rows (slot, fan number, speed %, description), all present and normal."""
    for slot, sn, speed, desc in fans:
        i = f"{slot}.{sn}"
        rec.i(f"{HW_FAN_STATUS}.1.{i}", slot)
        rec.i(f"{HW_FAN_STATUS}.2.{i}", sn)
        rec.i(f"{HW_FAN_STATUS}.3.{i}", 1)  # hwEntityFanReg yes(1)
        rec.i(f"{HW_FAN_STATUS}.4.{i}", 1)  # hwEntityFanSpdAdjMode auto(1)
        rec.i(f"{HW_FAN_STATUS}.5.{i}", speed)
        rec.i(f"{HW_FAN_STATUS}.6.{i}", 1)  # hwEntityFanPresent present(1)
        rec.i(f"{HW_FAN_STATUS}.7.{i}", 1)  # hwEntityFanState normal(1)
        rec.s(f"{HW_FAN_STATUS}.8.{i}", desc)


def hw_power(rec: Rec, supplies: Iterable[tuple[int, int, int, int, str]]) -> None:
    """hwPwrStatusTable rows (slot, number, current mA, voltage mV, description), supplying."""
    for slot, sn, current, voltage, desc in supplies:
        i = f"{slot}.{sn}"
        rec.i(f"{HW_PWR_STATUS}.1.{i}", slot)
        rec.i(f"{HW_PWR_STATUS}.2.{i}", sn)
        rec.i(f"{HW_PWR_STATUS}.3.{i}", 1)  # hwEntityPwrReg yes(1)
        rec.i(f"{HW_PWR_STATUS}.5.{i}", 1)  # hwEntityPwrPresent present(1)
        rec.i(f"{HW_PWR_STATUS}.6.{i}", 1)  # hwEntityPwrState supply(1)
        rec.i(f"{HW_PWR_STATUS}.7.{i}", current)
        rec.i(f"{HW_PWR_STATUS}.8.{i}", voltage)
        rec.s(f"{HW_PWR_STATUS}.9.{i}", desc)


HUAWEI_CONTACT = "FZ Bank NOC, 0591-8700-1100, noc@fzbank.example"


def huawei_descr_vrp5(model: str, series: str, release: str) -> str:
    # VRP5 boxes put the model first and end lines with a trailing space and CRLF.
    return (
        f"{model}\nHuawei Versatile Routing Platform Software \r\n"
        f" VRP (R) software,Version 5.170 ({series} {release}) \r\n"
        " Copyright (C) 2000-2019 HUAWEI TECH Co., Ltd."
    )


# --- fz-hq-core-01: Huawei S5720-56C-PWR-EI-AC, VRP 5 -----------------------------------------

S5720_PORT0 = 67436622  # entPhysicalIndex of GigabitEthernet0/0/1; ports step by 64
S5720_XPORT0 = 67469390  # XGigabitEthernet0/0/1


def s5720_slot(n: int) -> int:
    return 67108864 + 16384 * n + 12


def build_core_01() -> Rec:
    rec = Rec("fz-hq-core-01")
    rng = random.Random(rec.name)
    uptime = 213 * DAY + 4 * 3600 * 100 + 1734
    release = "V200R011C10SPC600"
    system(
        rec,
        huawei_descr_vrp5("S5720-56C-PWR-EI-AC", "S5720", release),
        "1.3.6.1.4.1.2011.2.23.291",
        uptime,
        HUAWEI_CONTACT,
        "Fuzhou HQ, data centre 2F, rack A03",
        78,
    )
    base = bytes.fromhex("00e0fc3a5b10")
    ports = [
        Port(1, "InLoopBack0", LOOPBACK, 0, mtu=1500),
        Port(2, "NULL0", OTHER, 0),
        Port(3, "Console9/0/0", OTHER, 0, mtu=0),
        Port(4, "MEth0/0/1", ETHERNET, 100, alias="OOB mgmt", mac=mac(base, 0)),
        Port(5, "Vlanif1", PROP_VIRTUAL, 1000, admin=2, oper=2, mac=mac(base, 1)),
    ]
    gi_aliases = {
        1: ("fz-hq-srv-01 eth0 (core banking DB)", 0.21, 0.34),
        2: ("fz-hq-srv-01 eth1 (core banking DB)", 0.19, 0.31),
        3: ("fz-hq-app-01 ens1f0 (teller app)", 0.12, 0.18),
        4: ("fz-hq-app-01 ens1f1 (teller app)", 0.11, 0.17),
        5: ("fz-hq-srv-01 IMM2", 0.001, 0.001),
        6: ("ATM switch fz-hq-atm-sw", 0.02, 0.03),
        7: ("Teller floor 1F switch", 0.08, 0.05),
        8: ("Teller floor 2F switch", 0.07, 0.05),
        9: ("Security cameras NVR", 0.15, 0.01),
        10: ("Printer pool 3F", 0.004, 0.002),
    }
    for n in range(1, 49):
        alias, lin, lout = gi_aliases.get(n, ("", 0.0, 0.0))
        used = n in gi_aliases
        ports.append(
            Port(
                5 + n,
                f"GigabitEthernet0/0/{n}",
                alias=alias,
                admin=1 if used else 2,
                oper=1 if used else 2,
                mac=mac(base, 0),
                load_in=lin,
                load_out=lout,
                entity=S5720_PORT0 + 64 * (n - 1),
            )
        )
    x_aliases = {
        1: ("Uplink fz-hq-core-02 10GE1/0/47 (Eth-Trunk1)", 0.18, 0.22),
        2: ("Uplink fz-hq-core-02 10GE1/0/48 (Eth-Trunk1)", 0.17, 0.21),
        3: ("fz-hq-wan-01 Gi0/0/1 (WAN edge)", 0.05, 0.04),
    }
    for n in range(1, 5):
        alias, lin, lout = x_aliases.get(n, ("", 0.0, 0.0))
        used = n in x_aliases
        ports.append(
            Port(
                53 + n,
                f"XGigabitEthernet0/0/{n}",
                speed=10000,
                alias=alias,
                admin=1 if used else 2,
                oper=1 if used else 2,
                mac=mac(base, 0),
                load_in=lin,
                load_out=lout,
                entity=S5720_XPORT0 + 64 * (n - 1),
            )
        )
    ports += [
        Port(58, "Eth-Trunk1", IEEE8023AD_LAG, 20000, alias="to fz-hq-core-02", mac=mac(base, 2),
             load_in=0.175, load_out=0.215),
        Port(60, "Vlanif10", PROP_VIRTUAL, 1000, alias="servers", mac=mac(base, 2), load_in=0.01,
             load_out=0.01),
        Port(61, "Vlanif20", PROP_VIRTUAL, 1000, alias="tellers", mac=mac(base, 2), load_in=0.01,
             load_out=0.01),
        Port(62, "Vlanif30", PROP_VIRTUAL, 1000, alias="atm", mac=mac(base, 2), load_in=0.001,
             load_out=0.001),
        Port(63, "Vlanif99", PROP_VIRTUAL, 1000, alias="management", mac=mac(base, 2),
             load_in=0.0005, load_out=0.0005),
        Port(64, "LoopBack0", LOOPBACK, 0),
    ]  # fmt: skip
    interfaces(rec, ports, uptime, rng)

    software = f"Version 5.170 {release}"
    chassis, board_slot, mpu = 67108867, 67108869, 67108873
    rows = [
        Entity(chassis, "HUAWEI S5720 Routing Switch", "1.3.6.1.4.1.2011.20021210.11.536897", 0,
               CHASSIS, 1, "HUAWEI S5720 Routing Switch", software_rev=software,
               serial="2102359576DMJA000418", mfg="Huawei"),
        Entity(board_slot, "Board slot", "0.0", chassis, CONTAINER, 0, "Board slot 0",
               mfg="Huawei"),
        Entity(mpu, "Assembling Components,S5720-56C-PWR-EI-AC",
               "1.3.6.1.4.1.2011.20021210.12.537094", board_slot, MODULE, 1, "MPU Board 0",
               hardware_rev="VER.C",
               firmware_rev="020a.0001", software_rev=software, serial="2102359576DMJA000418",
               mfg="Huawei", model="S5720-56C-PWR-EI-AC", fru=True),
    ]  # fmt: skip
    for n in range(1, 17):
        rows.append(
            Entity(s5720_slot(n), "Card slot", "0.0", mpu, CONTAINER, n, f"Card slot 0/{n}",
                   mfg="Huawei")
        )  # fmt: skip
    modules = {
        5: ("POWER Card 0/PWR1", "Function Module,AC PSU,PAC-500WA-BE,500W", "13.536702",
            "2102311BXVJ0J7001284"),
        6: ("POWER Card 0/PWR2", "Function Module,AC PSU,PAC-500WA-BE,500W", "13.536702",
            "2102311BXVJ0J7001311"),
        7: ("FAN Card 0/FAN1", "Function Module,FAN-023A-B,Fan Box", "13.536762",
            "2102310XFGJ0J8000927"),
        8: ("FAN Card 0/FAN2", "Function Module,FAN-023A-B,Fan Box", "13.536762",
            "2102310XFGJ0J8000944"),
    }  # fmt: skip
    for slot, (name, descr, vtype, serial) in modules.items():
        rows.append(
            Entity(s5720_slot(slot) + 1, descr, f"1.3.6.1.4.1.2011.20021210.{vtype}",
                   s5720_slot(slot), MODULE, 1, name, hardware_rev="VER A", serial=serial,
                   mfg="Huawei", fru=True)
        )  # fmt: skip
    rows.append(
        Entity(67403854, "Port", "1.3.6.1.4.1.2011.20021210.14.659458", mpu, PORT, 0, "MEth0/0/1")
    )
    for p in ports:
        if p.entity is not None:
            rows.append(
                Entity(p.entity, "Port", "1.3.6.1.4.1.2011.20021210.14.659458", mpu, PORT,
                       int(p.descr.rsplit("/", 1)[1]), p.descr)
            )  # fmt: skip
    rows.sort(key=lambda e: e.index)
    entities(rec, rows)

    states = [HwState(e.index) for e in rows]
    for st in states:
        if st.index == mpu:
            st.standby = 4  # providingService
            st.cpu, st.cpu_threshold = 23, 95
            st.mem, st.mem_threshold = 41, 95
            st.mem_size, st.mem_mega = 2013265920, 1920
            st.uptime_s = uptime // 100 - 61
            st.temperature, st.temperature_threshold = 38, 62
    hw_entity_state(rec, states)
    hw_fans(rec, [(0, 1, 35, "FAN 0/1"), (0, 2, 35, "FAN 0/2")])
    hw_power(rec, [(0, 1, 2870, 53500, "PWR 0/1"), (0, 2, 2810, 53500, "PWR 0/2")])
    return rec


# --- fz-hq-core-02: Huawei CE6855-48S6Q-HI, VRP 8 ---------------------------------------------

CE_CHASSIS = 16777216  # frame 1
CE_BOARD = CE_CHASSIS + 65536 + 1  # the switch board in slot 1
CE_PORT0 = CE_BOARD + 4352  # first port on the board
CE_MODEL = "CE6855-48S6Q-HI"
CE_PORTS = "48-Port 10GE SFP+,6-Port 40GE QSFP+"
CE_PSU = "Function Module,AC PSU,PAC-600WA-F"


def build_core_02() -> Rec:
    rec = Rec("fz-hq-core-02")
    rng = random.Random(rec.name)
    uptime = 187 * DAY + 11 * 3600 * 100 + 5521
    release = "V200R005C10SPC800"
    system(
        rec,
        "Huawei Versatile Routing Platform Software\r\n"
        f"VRP (R) software, Version 8.180 (CE6855HI {release})\r\n"
        "Copyright (C) 2012-2019 Huawei Technologies Co., Ltd.\r\n"
        "HUAWEI CE6855-48S6Q-HI\r\n",
        "1.3.6.1.4.1.2011.2.239.29",
        uptime,
        HUAWEI_CONTACT,
        "Fuzhou HQ, data centre 2F, rack A04",
        78,
    )
    base = bytes.fromhex("00e0fc7c2e40")
    ports = [
        Port(1, "InLoopBack0", LOOPBACK, 0),
        Port(2, "NULL0", OTHER, 0),
        Port(3, "MEth0/0/0", ETHERNET, 1000, alias="OOB mgmt", mac=mac(base, 0), load_in=0.0002,
             load_out=0.0002),
        Port(4, "Vlanif1", PROP_VIRTUAL, 1000, admin=2, oper=2, mac=mac(base, 1)),
    ]  # fmt: skip
    used = {
        1: ("fz-hq-srv-01 slot1 port1 (core banking)", 0.14, 0.22),
        2: ("fz-hq-srv-01 slot1 port2 (core banking)", 0.13, 0.21),
        3: ("Storage V5000 node A port1", 0.22, 0.18),
        4: ("Storage V5000 node B port1", 0.21, 0.17),
        5: ("Backup server fz-hq-bak-01", 0.09, 0.02),
        6: ("fz-hq-app-01 ens2f0 (teller app)", 0.08, 0.11),
        47: ("Uplink fz-hq-core-01 XGE0/0/1 (Eth-Trunk1)", 0.22, 0.18),
        48: ("Uplink fz-hq-core-01 XGE0/0/2 (Eth-Trunk1)", 0.21, 0.17),
    }
    for n in range(1, 49):
        alias, lin, lout = used.get(n, ("", 0.0, 0.0))
        on = n in used
        ports.append(
            Port(
                4 + n,
                f"10GE1/0/{n}",
                speed=10000,
                alias=alias,
                admin=1 if on else 2,
                oper=1 if on else 2,
                mac=mac(base, 2),
                load_in=lin,
                load_out=lout,
                entity=CE_PORT0 + n - 1,
            )
        )
    for n in range(1, 7):
        on = n <= 2
        ports.append(
            Port(
                52 + n,
                f"40GE1/0/{n}",
                speed=40000,
                alias=f"DC spine link {n}" if on else "",
                admin=1 if on else 2,
                oper=1 if on else 2,
                mac=mac(base, 2),
                load_in=0.06 if on else 0.0,
                load_out=0.05 if on else 0.0,
                entity=CE_PORT0 + 48 + n - 1,
            )
        )
    ports += [
        Port(59, "Eth-Trunk1", IEEE8023AD_LAG, 20000, alias="to fz-hq-core-01", mac=mac(base, 3),
             load_in=0.215, load_out=0.175),
        Port(60, "Vlanif10", PROP_VIRTUAL, 1000, alias="servers", mac=mac(base, 3), load_in=0.01,
             load_out=0.01),
        Port(61, "Vlanif40", PROP_VIRTUAL, 1000, alias="storage", mac=mac(base, 3), load_in=0.01,
             load_out=0.01),
        Port(62, "Vlanif99", PROP_VIRTUAL, 1000, alias="management", mac=mac(base, 3),
             load_in=0.0005, load_out=0.0005),
        Port(63, "LoopBack0", LOOPBACK, 0),
    ]  # fmt: skip
    interfaces(rec, ports, uptime, rng)

    software = f"Version 8.180 {release}"
    slot1 = CE_CHASSIS + 65536
    rows = [
        Entity(CE_CHASSIS, f"{CE_MODEL},{CE_MODEL} Switch({CE_PORTS},Without Fan and Power Module)",
               "1.3.6.1.4.1.2011.20021210.11.688180", 0, CHASSIS, 1, "CE6855-48S6Q-HI frame1",
               serial="2102350RTC6TK4001739", mfg="Huawei", fru=True),
        Entity(slot1, "Slot 1", "0.0", CE_CHASSIS, CONTAINER, 1, "slot 1"),
        Entity(CE_BOARD, f"{CE_MODEL},{CE_MODEL} Switch({CE_PORTS})",
               "1.3.6.1.4.1.2011.20021210.12.688180", slot1, MODULE, 1, "CE6855-48S6Q-HI 1",
               hardware_rev="CE6855-48S6Q-HI VER B", firmware_rev="266", software_rev=software,
               serial="2102350RTC6TK4001739", mfg="Huawei", model="CE6855-48S6Q-HI", fru=True),
    ]  # fmt: skip
    fru = [
        (3, "POWER 1/1", POWER_SUPPLY, CE_PSU, "12.688147", "2102310YPA10K3008461"),
        (4, "POWER 1/2", POWER_SUPPLY, CE_PSU, "12.688147", "2102310YPA10K3008512"),
        (5, "FAN 1/1", FAN, "Fan Box,FAN-40SB-F,Fan Box", "12.688146", "2102310VSF10K4001127"),
        (6, "FAN 1/2", FAN, "Fan Box,FAN-40SB-F,Fan Box", "12.688146", "2102310VSF10K4001130"),
        (7, "FAN 1/3", FAN, "Fan Box,FAN-40SB-F,Fan Box", "12.688146", "2102310VSF10K4001152"),
        (8, "FAN 1/4", FAN, "Fan Box,FAN-40SB-F,Fan Box", "12.688146", "2102310VSF10K4001149"),
    ]  # fmt: skip
    for slot, name, cls, descr, vtype, serial in fru:
        container = CE_CHASSIS + slot * 65536
        rows.append(Entity(container, f"Slot {slot}", "0.0", CE_CHASSIS, CONTAINER, slot,
                           f"slot {slot}"))  # fmt: skip
        rows.append(Entity(container + 1, descr, f"1.3.6.1.4.1.2011.20021210.{vtype}", container,
                           cls, 1, name, serial=serial, mfg="Huawei", fru=True))  # fmt: skip
    for p in ports:
        if p.entity is not None:
            rows.append(Entity(p.entity, "", "1.3.6.1.4.1.2011.20021210.14.688131", CE_BOARD, PORT,
                               p.entity - CE_PORT0, p.descr))  # fmt: skip
    rows.sort(key=lambda e: e.index)
    entities(rec, rows)

    states = [HwState(e.index, mem_size=None) for e in rows]
    for st in states:
        if st.index == CE_BOARD:
            st.standby = 4
            st.cpu, st.cpu_threshold = 17, 90
            st.mem, st.mem_threshold = 36, 95
            st.mem_mega = 3963
            st.uptime_s = uptime // 100 - 95
            st.temperature, st.temperature_threshold = 36, 62
    hw_entity_state(rec, states)
    hw_fans(rec, [(1, n, 42, f"FAN 1/{n}") for n in range(1, 5)])
    hw_power(rec, [(1, 1, 1720, 12010, "POWER 1/1"), (1, 2, 1690, 12020, "POWER 1/2")])
    return rec


# --- fz-mh-wan-01: Huawei AR1220, VRP 5 -------------------------------------------------------


def build_mh_wan_01() -> Rec:
    rec = Rec("fz-mh-wan-01")
    rng = random.Random(rec.name)
    uptime = 96 * DAY + 2 * 3600 * 100 + 711
    release = "V200R010C10SPC700"
    system(
        rec,
        "Huawei AR1220 Huawei Versatile Routing Platform Software  VRP (R) software,"
        f"Version 5.170 (AR1220 {release}) Copyright (C) 2011-2019 Huawei Technologies Co., Ltd",
        "1.3.6.1.4.1.2011.2.224.1",
        uptime,
        HUAWEI_CONTACT,
        "Minhou branch, comms cabinet B1",
        78,
    )
    base = bytes.fromhex("00e0fc91d7a0")
    chassis, board_slot, sru = 3, 5, 9
    ports = [
        Port(1, "InLoopBack0", LOOPBACK, 0),
        Port(2, "NULL0", OTHER, 0),
        Port(3, "GigabitEthernet0/0/0", speed=100, alias="WAN China Telecom MSTP 100M to fz-hq",
             mac=mac(base, 0), load_in=0.31, load_out=0.18, entity=14),
        Port(4, "GigabitEthernet0/0/1", alias="LAN fz-mh-acc-01 Gi0/1", mac=mac(base, 1),
             load_in=0.02, load_out=0.04, entity=78),
    ]  # fmt: skip
    for n in range(0, 8):
        ports.append(
            Port(5 + n, f"Ethernet0/0/{n}", speed=100, admin=2, oper=2, mac=mac(base, 2),
                 entity=142 + 64 * n)
        )  # fmt: skip
    ports += [
        Port(13, "Vlanif1", PROP_VIRTUAL, 100, admin=2, oper=2, mac=mac(base, 2)),
        Port(14, "GigabitEthernet0/0/1.20", L2VLAN, 1000, alias="tellers", mac=mac(base, 1),
             load_in=0.01, load_out=0.03),
        Port(15, "GigabitEthernet0/0/1.30", L2VLAN, 1000, alias="atm", mac=mac(base, 1),
             load_in=0.001, load_out=0.002),
        Port(16, "Tunnel0/0/1", TUNNEL, 0, alias="IPsec backup to fz-hq-wan-01"),
        Port(17, "LoopBack0", LOOPBACK, 0),
    ]  # fmt: skip
    interfaces(rec, ports, uptime, rng)

    software = release
    rows = [
        Entity(chassis, "fz-mh-wan-01", "1.3.6.1.4.1.2011.20021210.11.667717", 0, CHASSIS, 0,
               "AR1220", software_rev=software, serial="21500102013GJ8004926", mfg="Huawei"),
        Entity(board_slot, "Board", "0.0", chassis, CONTAINER, 0, "Board slot 0", mfg="Huawei"),
        Entity(sru, "SRU Board", "1.3.6.1.4.1.2011.20021210.12.667700", board_slot, MODULE, 1,
               "SRU Board 0", hardware_rev="AR1220 VER.B", firmware_rev="795",
               software_rev=software, serial="21500102013GJ8004926", mfg="Huawei",
               model="AR1220", fru=True),
    ]  # fmt: skip
    for p in ports:
        if p.entity is not None:
            rows.append(Entity(p.entity, "Port", "1.3.6.1.4.1.2011.20021210.14.667652", sru, PORT,
                               int(p.descr.rsplit("/", 1)[1]), p.descr, mfg="Huawei"))  # fmt: skip
    rows.sort(key=lambda e: e.index)
    entities(rec, rows)
    states = [HwState(e.index) for e in rows]
    for st in states:
        if st.index == sru:
            st.standby = 4
            st.cpu, st.cpu_threshold = 14, 80
            st.mem, st.mem_threshold = 46, 90
            st.mem_size, st.mem_mega = 536870912, 512
            st.uptime_s = uptime // 100 - 48
            st.temperature, st.temperature_threshold = 39, 74
            st.voltage, st.voltage_low, st.voltage_high = 3, 2, 4
    hw_entity_state(rec, states)
    hw_fans(rec, [(0, 1, 30, "FAN 0/1")])
    hw_power(rec, [(0, 1, 1520, 12040, "PWR 0/1")])
    return rec


# --- Cisco ------------------------------------------------------------------------------------


def cpm_cpu(rec: Rec, index: int, phys: int, five_sec: int, one_min: int, five_min: int,
            mem_kb: tuple[int, int] | None = None) -> None:  # fmt: skip
    i = index
    rec.i(f"{CPM_CPU_TOTAL}.2.{i}", phys)
    rec.g(f"{CPM_CPU_TOTAL}.3.{i}", five_sec)
    rec.g(f"{CPM_CPU_TOTAL}.4.{i}", one_min)
    rec.g(f"{CPM_CPU_TOTAL}.5.{i}", five_min)
    rec.g(f"{CPM_CPU_TOTAL}.6.{i}", five_sec)
    rec.g(f"{CPM_CPU_TOTAL}.7.{i}", one_min)
    rec.g(f"{CPM_CPU_TOTAL}.8.{i}", five_min)
    rec.g(f"{CPM_CPU_TOTAL}.9.{i}", 5)
    rec.g(f"{CPM_CPU_TOTAL}.10.{i}", five_sec)
    rec.g(f"{CPM_CPU_TOTAL}.11.{i}", 0)
    if mem_kb is not None:
        rec.g(f"{CPM_CPU_TOTAL}.12.{i}", mem_kb[0])
        rec.g(f"{CPM_CPU_TOTAL}.13.{i}", mem_kb[1])


def memory_pools(rec: Rec, pools: Iterable[tuple[int, str, int, int, int]]) -> None:
    """ciscoMemoryPoolTable rows (index, name, used, free, largest free), in bytes."""
    for i, name, used, free, largest in pools:
        rec.s(f"{CISCO_MEMORY_POOL}.2.{i}", name)
        rec.i(f"{CISCO_MEMORY_POOL}.3.{i}", 0)
        rec.i(f"{CISCO_MEMORY_POOL}.4.{i}", 1)  # valid: true(1)
        rec.g(f"{CISCO_MEMORY_POOL}.5.{i}", used)
        rec.g(f"{CISCO_MEMORY_POOL}.6.{i}", free)
        rec.g(f"{CISCO_MEMORY_POOL}.7.{i}", largest)


def build_mh_acc_01() -> Rec:
    """Catalyst 3560-X access switch of the Minhou branch: two PSUs, one fan module."""
    rec = Rec("fz-mh-acc-01")
    rng = random.Random(rec.name)
    uptime = 341 * DAY + 17 * 3600 * 100 + 2290
    version = "15.2(4)E10"
    system(
        rec,
        f"Cisco IOS Software, C3560E Software (C3560E-UNIVERSALK9-M), Version {version}, "
        "RELEASE SOFTWARE (fc2)\r\nTechnical Support: http://www.cisco.com/techsupport\r\n"
        "Copyright (c) 1986-2020 by Cisco Systems, Inc.\r\n"
        "Compiled Tue 31-Mar-20 22:41 by prod_rel_team",
        "1.3.6.1.4.1.9.1.1226",
        uptime,
        CISCO_SYS_CONTACT,
        "Minhou branch, comms cabinet B1",
        6,
    )
    base = bytes.fromhex("f8725a3c1e80")
    ports = [
        Port(1, "Vlan1", PROP_VIRTUAL, 1000, admin=2, oper=2, name="Vl1", mac=mac(base, 0x40)),
        Port(20, "Vlan20", PROP_VIRTUAL, 1000, alias="tellers", name="Vl20", mac=mac(base, 0x40),
             load_in=0.002, load_out=0.002),
        Port(30, "Vlan30", PROP_VIRTUAL, 1000, alias="atm", name="Vl30", mac=mac(base, 0x40),
             load_in=0.0003, load_out=0.0003),
        Port(99, "Vlan99", PROP_VIRTUAL, 1000, alias="management", name="Vl99",
             mac=mac(base, 0x40), load_in=0.0001, load_out=0.0001),
    ]  # fmt: skip
    used = {
        1: ("Uplink fz-mh-wan-01 GE0/0/1", 0.04, 0.02),
        2: ("Teller 01", 0.003, 0.001),
        3: ("Teller 02", 0.003, 0.001),
        4: ("Teller 03", 0.002, 0.001),
        5: ("Teller 04", 0.002, 0.001),
        6: ("Branch manager PC", 0.001, 0.0005),
        7: ("Lobby queue system", 0.0005, 0.0002),
        8: ("Passbook printer", 0.0001, 0.0001),
        9: ("Security camera NVR", 0.02, 0.0005),
        10: ("ATM-01 lobby", 0.0004, 0.0002),
        11: ("ATM-02 lobby", 0.0004, 0.0002),
        12: ("Alarm panel", 0.00005, 0.00005),
    }
    for n in range(1, 25):
        alias, lin, lout = used.get(n, ("", 0.0, 0.0))
        on = n in used
        ports.append(
            Port(
                10100 + n,
                f"GigabitEthernet0/{n}",
                alias=alias,
                name=f"Gi0/{n}",
                admin=1 if on else 2,
                oper=1 if on else 2,
                mac=mac(base, n),
                load_in=lin,
                load_out=lout,
                entity=1010 + n,
                down_speed=10,  # IOS shows an auto-speed copper port that is down as 10 Mbit/s
            )
        )
    for n in range(1, 5):
        ports.append(
            Port(10200 + n, f"GigabitEthernet0/1/{n}", name=f"Gi0/1/{n}", admin=2, oper=2,
                 mac=mac(base, 24 + n), entity=1040 + n)
        )  # fmt: skip
    ports += [
        Port(14501, "FastEthernet0", ETHERNET, 100, admin=2, oper=2, name="Fa0",
             mac=mac(base, 0x3f)),
        Port(14502, "Null0", OTHER, 0, name="Nu0", mtu=1500),
    ]  # fmt: skip
    interfaces(rec, ports, uptime, rng)

    rows = [
        Entity(1001, "WS-C3560X-24", "1.3.6.1.4.1.9.12.3.1.3.1069", 0, CHASSIS, -1, "1",
               hardware_rev="V07", firmware_rev="12.2(53r)SE2", software_rev=version,
               serial="FDO1739R2KH", mfg="Cisco Systems Inc", model="WS-C3560X-24T-S",
               fru=False),
        Entity(1002, "WS-C3560X-24 - Fixed Module 0", "1.3.6.1.4.1.9.12.3.1.9.1.578", 1001,
               MODULE, 0, "WS-C3560X-24 - Fixed Module 0", mfg="Cisco Systems Inc"),
        Entity(1003, "FRU Power Supply", "1.3.6.1.4.1.9.12.3.1.6.306", 1001, POWER_SUPPLY, 1,
               "Switch 1 - Power Supply 0", hardware_rev="A0", serial="LIT17410Q7C",
               mfg="Cisco Systems Inc", model="C3KX-PWR-350WAC", fru=True),
        Entity(1004, "FRU Power Supply", "1.3.6.1.4.1.9.12.3.1.6.306", 1001, POWER_SUPPLY, 2,
               "Switch 1 - Power Supply 1", hardware_rev="A0", serial="LIT17410Q9N",
               mfg="Cisco Systems Inc", model="C3KX-PWR-350WAC", fru=True),
        Entity(1005, "FRU Fan Module", "1.3.6.1.4.1.9.12.3.1.7.139", 1001, FAN, 3,
               "Switch 1 - Fan Module 1", mfg="Cisco Systems Inc", model="C3KX-FAN-23CFM",
               fru=True),
        Entity(1006, "Temperature Sensor", "1.3.6.1.4.1.9.12.3.1.8.44", 1001, SENSOR, 4,
               "Switch 1 - Temperature Sensor 0", mfg="Cisco Systems Inc"),
        Entity(1007, "Network Module", "1.3.6.1.4.1.9.12.3.1.9.1.1036", 1001, MODULE, 5,
               "Switch 1 - C3KX-NM-1G - Network Module", hardware_rev="V01", serial="FOC17395K4A",
               mfg="Cisco Systems Inc", model="C3KX-NM-1G", fru=True),
    ]  # fmt: skip
    for p in ports:
        if p.entity is not None:
            parent = 1007 if "/1/" in p.descr else 1002
            rows.append(Entity(p.entity, p.descr, "1.3.6.1.4.1.9.12.3.1.10.150", parent, PORT,
                               int(p.descr.rsplit("/", 1)[1]), p.descr,
                               mfg="Cisco Systems Inc"))  # fmt: skip
    rows.sort(key=lambda e: e.index)
    entities(rec, rows)

    cpm_cpu(rec, 1, 1001, 9, 7, 7)
    memory_pools(
        rec,
        [
            (1, "Processor", 71_304_128, 169_911_296, 162_003_164),
            (2, "I/O", 12_410_316, 21_144_116, 21_102_744),
            (16, "Driver text", 40, 1_048_536, 1_048_532),
        ],
    )
    rec.s(f"{ENVMON_TEMPERATURE}.2.1006", "SW#1, Sensor#1, GREEN ")
    rec.g(f"{ENVMON_TEMPERATURE}.3.1006", 34)
    rec.i(f"{ENVMON_TEMPERATURE}.4.1006", 60)
    rec.i(f"{ENVMON_TEMPERATURE}.5.1006", 0)
    rec.i(f"{ENVMON_TEMPERATURE}.6.1006", 1)  # normal(1)
    rec.s(f"{ENVMON_FAN}.2.1005", "Switch#1, Fan#1")
    rec.i(f"{ENVMON_FAN}.3.1005", 1)
    for index, n in ((1003, 1), (1004, 2)):
        rec.s(f"{ENVMON_SUPPLY}.2.{index}", f"Sw1, PS{n} Normal, RPS NotExist")
        rec.i(f"{ENVMON_SUPPLY}.3.{index}", 1)  # normal(1)
        rec.i(f"{ENVMON_SUPPLY}.4.{index}", 2)  # ac(2)
    return rec


def build_hq_wan_01() -> Rec:
    """ISR 4321 on IOS-XE 17: CPU, memory pools, CISCO-ENTITY-SENSOR and FRU power status."""
    rec = Rec("fz-hq-wan-01")
    rng = random.Random(rec.name)
    uptime = 158 * DAY + 6 * 3600 * 100 + 4410
    version = "17.6.5"
    system(
        rec,
        f"Cisco IOS Software [Bengaluru], ISR Software (X86_64_LINUX_IOSD-UNIVERSALK9-M), "
        f"Version {version}, RELEASE SOFTWARE (fc2)\r\n"
        "Technical Support: http://www.cisco.com/techsupport\r\n"
        "Copyright (c) 1986-2023 by Cisco Systems, Inc.\r\n"
        "Compiled Wed 01-Mar-23 07:18 by mcpre",
        "1.3.6.1.4.1.9.1.2093",
        uptime,
        CISCO_SYS_CONTACT,
        "Fuzhou HQ, data centre 2F, rack A02",
        78,
    )
    base = bytes.fromhex("70e4229b4c10")
    ports = [
        Port(1, "GigabitEthernet0/0/0", alias="WAN China Telecom MSTP 1G (branches)",
             name="Gi0/0/0", mac=mac(base, 0), load_in=0.09, load_out=0.12, entity=1092),
        Port(2, "GigabitEthernet0/0/1", alias="LAN fz-hq-core-01 XGE0/0/3", name="Gi0/0/1",
             mac=mac(base, 1), load_in=0.12, load_out=0.09, entity=1017),
        Port(3, "GigabitEthernet0", alias="", name="Gi0", admin=2, oper=2, mac=mac(base, 2),
             entity=7038),
        Port(4, "VoIP-Null0", OTHER, 0, name="Vo0"),
        Port(5, "Null0", OTHER, 0, name="Nu0"),
        Port(6, "GigabitEthernet0/0/0.101", L2VLAN, 1000, alias="MSTP to fz-minhou",
             name="Gi0/0/0.101", mac=mac(base, 0), load_in=0.02, load_out=0.03),
        Port(7, "GigabitEthernet0/0/0.102", L2VLAN, 1000, alias="MSTP to fz-cangshan",
             name="Gi0/0/0.102", mac=mac(base, 0), load_in=0.02, load_out=0.03),
        Port(8, "Loopback0", LOOPBACK, 8000, name="Lo0"),
        Port(9, "Tunnel1", TUNNEL, 0, alias="IPsec backup fz-mh-wan-01", name="Tu1", mtu=1400,
             load_in=0.0, load_out=0.0),
    ]  # fmt: skip
    interfaces(rec, ports, uptime, rng)

    version_rev = "17.06.05"
    rows = [
        Entity(1, "Cisco ISR4321 Chassis", "1.3.6.1.4.1.9.12.3.1.3.1576", 0, CHASSIS, -1,
               "Chassis", hardware_rev="V06", serial="FDO2318M0NZ", mfg="Cisco Systems Inc",
               model="ISR4321/K9", fru=True),
        Entity(2, "Power Supply Bay", "1.3.6.1.4.1.9.12.3.1.5.269", 1, CONTAINER, 9,
               "Power Supply Bay 0"),
        Entity(3, "110W AC Power Supply for Cisco ISR 4320", "1.3.6.1.4.1.9.12.3.1.6.444", 2,
               POWER_SUPPLY, 0, "Power Supply Module 0", serial="DCA2316W1QB",
               mfg="Cisco Systems Inc", model="PWR-4320-AC", fru=True),
        Entity(23, "Cisco ISR4320 Fan Assembly", "1.3.6.1.4.1.9.12.3.1.7.245", 1, FAN, 0,
               "Fan Tray", mfg="Cisco Systems Inc", model="ACS-4320-FANASSY"),
        Entity(24, "RPM: fan0", "1.3.6.1.4.1.9.12.3.1.8.133", 23, SENSOR, 0,
               "Slot 11 - RPM: fan0"),
        Entity(1000, "Cisco ISR4321 Built-In NIM controller", "1.3.6.1.4.1.9.12.3.1.9.104.12", 1,
               MODULE, 0, "module 0", firmware_rev="16.12(2r)", software_rev=version_rev,
               mfg="Cisco Systems Inc", model="ISR4321/K9"),
        Entity(1015, "Front Panel 2 ports Gigabitethernet Module", "1.3.6.1.4.1.9.12.3.1.9.104.13",
               1000, MODULE, 0, "NIM subslot 0/0", hardware_rev="V01", mfg="Cisco Systems Inc",
               model="ISR4321-2x1GE"),
        Entity(1017, "ISR4321-2x1GE", "1.3.6.1.4.1.9.12.3.1.10.109", 1015, PORT, 1,
               "GigabitEthernet0/0/1"),
        Entity(1090, "subslot 0/0 transceiver container 0", "1.3.6.1.4.1.9.12.3.1.5.115", 1015,
               CONTAINER, 0, "subslot 0/0 transceiver container 0"),
        Entity(1091, "GE LX", "1.3.6.1.4.1.9.12.3.1.9.51.7", 1090, MODULE, 0,
               "subslot 0/0 transceiver 0", hardware_rev="V01", serial="FNS21410QK2",
               mfg="CISCO", model="GLC-LH-SMD", fru=True),
        Entity(1092, "ISR4321-2x1GE", "1.3.6.1.4.1.9.12.3.1.10.109", 1091, PORT, 0,
               "GigabitEthernet0/0/0"),
        Entity(1094, "subslot 0/0 transceiver 0 Temperature Sensor", "1.3.6.1.4.1.9.12.3.1.8.50",
               1091, SENSOR, 1, "subslot 0/0 transceiver 0 Temperature Sensor"),
        Entity(1095, "subslot 0/0 transceiver 0 Supply Voltage Sensor", "1.3.6.1.4.1.9.12.3.1.8.49",
               1091, SENSOR, 2, "subslot 0/0 transceiver 0 Supply Voltage Sensor"),
        Entity(1097, "subslot 0/0 transceiver 0 Tx Power Sensor", "1.3.6.1.4.1.9.12.3.1.8.47",
               1091, SENSOR, 4, "subslot 0/0 transceiver 0 Tx Power Sensor"),
        Entity(1098, "subslot 0/0 transceiver 0 Rx Power Sensor", "1.3.6.1.4.1.9.12.3.1.8.46",
               1091, SENSOR, 5, "subslot 0/0 transceiver 0 Rx Power Sensor"),
        Entity(7000, "Cisco ISR4321 Route Processor", "1.3.6.1.4.1.9.12.3.1.9.104.10", 1, MODULE,
               6, "module R0", hardware_rev="V06", firmware_rev="16.12(2r)",
               software_rev=version_rev, serial="FDO231601LW", mfg="Cisco Systems Inc",
               model="ISR4321/K9"),
        Entity(7001, "Temp: Internal", "1.3.6.1.4.1.9.12.3.1.8.31", 7000, SENSOR, 0,
               "Slot 6 - Temp: Internal"),
        Entity(7002, "Temp: Outlet", "1.3.6.1.4.1.9.12.3.1.8.31", 7000, SENSOR, 1,
               "Slot 6 - Temp: Outlet"),
        Entity(7003, "Temp: CPU", "1.3.6.1.4.1.9.12.3.1.8.31", 7000, SENSOR, 2,
               "Slot 6 - Temp: CPU"),
        Entity(7004, "V: 12v", "1.3.6.1.4.1.9.12.3.1.8.45", 7000, SENSOR, 3, "Slot 6 - V: 12v"),
        Entity(7005, "V: 5v", "1.3.6.1.4.1.9.12.3.1.8.45", 7000, SENSOR, 4, "Slot 6 - V: 5v"),
        Entity(7006, "V: 3.3v", "1.3.6.1.4.1.9.12.3.1.8.45", 7000, SENSOR, 5, "Slot 6 - V: 3.3v"),
        Entity(7023, "P: pwr", "1.3.6.1.4.1.9.12.3.1.8.132", 7000, SENSOR, 22, "Slot 6 - P: pwr"),
        Entity(7035, "CPU 0 of module R0", "1.3.6.1.4.1.9.12.3.1.9.5", 7000, CPU, 0, "cpu R0/0"),
        Entity(7038, "Network Management Ethernet", "1.3.6.1.4.1.9.12.3.1.10.109", 7000, PORT, 1,
               "NME R0"),
        Entity(9000, "Cisco ISR4321 Forwarding Processor", "1.3.6.1.4.1.9.12.3.1.9.104.11", 1,
               MODULE, 8, "module F0", firmware_rev="16.12(2r)", software_rev=version_rev,
               mfg="Cisco Systems Inc", model="ISR4321/K9"),
    ]  # fmt: skip
    entities(rec, rows)

    cpm_cpu(rec, 7, 7035, 6, 5, 5, mem_kb=(2_873_116, 5_126_460))
    memory_pools(
        rec,
        [
            (1, "Processor", 312_448_552, 1_605_338_944, 1_588_873_216),
            (2, "reserve Processor", 88, 102_312, 102_316),
        ],
    )
    # CISCO-ENTITY-SENSOR-MIB: type, scale, precision, value, status ok(1); thresholds by
    # (severity, relation, value): other(1)/minor(10)/major(20)/critical(30), lessOrEqual(2),
    # greaterOrEqual(4).
    sensors = [
        (24, 10, 9, 0, 5280, [(1, 2, 800), (1, 4, 25000)]),  # rpm
        (1094, 8, 9, 3, 33810, [(30, 4, 90000), (10, 4, 85000), (10, 2, -5000), (30, 2, -10000)]),
        (1095, 4, 8, 1, 32940, [(30, 4, 36000), (10, 4, 35000), (10, 2, 31000), (30, 2, 30000)]),
        (1097, 14, 9, 1, -47, [(30, 4, 10), (10, 4, -30), (10, 2, -95), (30, 2, -135)]),
        (1098, 14, 9, 1, -88, [(30, 4, 10), (10, 4, -30), (10, 2, -190), (30, 2, -230)]),
        (7001, 8, 9, 0, 31, [(1, 2, -2), (1, 4, 75), (30, 4, 80)]),
        (7002, 8, 9, 0, 38, [(1, 2, -2), (1, 4, 75), (30, 4, 80)]),
        (7003, 8, 9, 0, 41, [(1, 2, -2), (1, 4, 85), (30, 4, 100)]),
        (7004, 4, 8, 0, 12047, [(1, 2, 10800), (1, 4, 13200)]),
        (7005, 4, 8, 0, 5088, [(1, 2, 4500), (1, 4, 5500)]),
        (7006, 4, 8, 0, 3301, [(1, 2, 2970), (1, 4, 3630)]),
        (7023, 6, 9, 0, 27, []),
    ]
    measured = {1094: 1091, 1095: 1091, 1097: 1091, 1098: 1091}
    for index, kind, scale, precision, value, thresholds in sensors:
        rec.i(f"{ENT_SENSOR_VALUE}.1.{index}", kind)
        rec.i(f"{ENT_SENSOR_VALUE}.2.{index}", scale)
        rec.i(f"{ENT_SENSOR_VALUE}.3.{index}", precision)
        rec.i(f"{ENT_SENSOR_VALUE}.4.{index}", value)
        rec.i(f"{ENT_SENSOR_VALUE}.5.{index}", 1)  # ok(1)
        rec.i(f"{ENT_SENSOR_VALUE}.8.{index}", measured.get(index, 23 if index == 24 else 7000))
        for n, (severity, relation, limit) in enumerate(thresholds, start=1):
            rec.i(f"{ENT_SENSOR_THRESHOLD}.2.{index}.{n}", severity)
            rec.i(f"{ENT_SENSOR_THRESHOLD}.3.{index}.{n}", relation)
            rec.i(f"{ENT_SENSOR_THRESHOLD}.4.{index}.{n}", limit)
            rec.i(f"{ENT_SENSOR_THRESHOLD}.5.{index}.{n}", 2)  # evaluation false(2)
    # CISCO-ENTITY-FRU-CONTROL-MIB: the PSU on(2), the modules ok(2), the fan tray up(2).
    rec.i(f"{CEFC_FRU_POWER}.1.3", 1)  # admin on(1)
    rec.i(f"{CEFC_FRU_POWER}.2.3", 2)  # oper on(2)
    rec.i(f"{CEFC_FRU_POWER}.3.3", 0)
    for module in (1000, 1015, 7000, 9000):
        rec.i(f"{CEFC_MODULE}.1.{module}", 1)  # enabled(1)
        rec.i(f"{CEFC_MODULE}.2.{module}", 2)  # ok(2)
        rec.i(f"{CEFC_MODULE}.3.{module}", 2)  # powerUp(2)
        rec.t(f"{CEFC_MODULE}.4.{module}", rng.randrange(6000, 12000))
    rec.i(f"{CEFC_FAN_TRAY}.1.23", 2)  # up(2)
    return rec


# --- IBM System x3650 M5 with IMM2 (IMM-MIB) --------------------------------------------------


def build_hq_srv_01() -> Rec:
    rec = Rec("fz-hq-srv-01")
    rng = random.Random(rec.name)
    uptime = 412 * DAY + 9 * 3600 * 100 + 1287
    system(
        rec,
        "Linux fz-hq-srv-01 2.6.32.12-458-initramfs_signed #1 Thu Jun 22 09:14:36 UTC 2017 sh4a",
        "1.3.6.1.4.1.2.3.51.3",
        uptime,
        "FZ Bank data centre team, dc@fzbank.example",
        "Fuzhou HQ, data centre 2F, rack A05 U12",
        72,
    )
    base = bytes.fromhex("40f2e93d5a60")
    ports = [
        Port(1, "lo", LOOPBACK, 10, mtu=16436),
        Port(2, "eth0", speed=100, mac=mac(base, 0), alias="", load_in=0.0008, load_out=0.001),
        Port(3, "eth1", speed=1000, mac=mac(base, 1), admin=2, oper=2),
        Port(4, "usb0", speed=0, mac=mac(base, 2), load_in=0.0, load_out=0.0),
        Port(5, "sit0", TUNNEL, 0, mtu=1480, admin=2, oper=2),
    ]
    interfaces(rec, ports, uptime, rng)

    temps = [  # descr, reading, nonRecov/crit/nonCrit high
        ("Ambient Temp", 23, (50, 47, 43)),
        ("CPU 1 Temp", 52, (95, 90, 85)),
        ("CPU 2 Temp", 49, (95, 90, 85)),
        ("PCH Temp", 46, (90, 85, 80)),
        ("DIMM AB Temp", 35, (90, 85, 80)),
        ("DIMM CD Temp", 34, (90, 85, 80)),
    ]
    t = f"{IMM}.1"
    rec.g(f"{t}.1.0", len(temps))
    for n, (descr, reading, (nonrecov, crit, noncrit)) in enumerate(temps, start=1):
        rec.i(f"{t}.2.1.1.{n}", n)
        rec.s(f"{t}.2.1.2.{n}", descr)
        rec.i(f"{t}.2.1.3.{n}", reading)
        rec.i(f"{t}.2.1.4.{n}", 0)
        rec.i(f"{t}.2.1.5.{n}", nonrecov)
        rec.i(f"{t}.2.1.6.{n}", crit)
        rec.i(f"{t}.2.1.7.{n}", noncrit)
        rec.i(f"{t}.2.1.8.{n}", 0)
        rec.i(f"{t}.2.1.9.{n}", 0)
        rec.i(f"{t}.2.1.10.{n}", 0)
        rec.s(f"{t}.2.1.11.{n}", "Normal")
    volts = [  # descr, mV, crit high, crit low (the IMM2 reports no other limits)
        ("Planar 3.3V", 3312, 3630, 2970),
        ("Planar 5V", 5042, 5490, 4500),
        ("Planar 12V", 12090, 13200, 10800),
        ("Planar VBAT", 3041, 0, 2250),
    ]
    v = f"{IMM}.2"
    rec.g(f"{v}.1.0", len(volts))
    for n, (descr, reading, crit_high, crit_low) in enumerate(volts, start=1):
        rec.i(f"{v}.2.1.1.{n}", n)
        rec.s(f"{v}.2.1.2.{n}", descr)
        rec.i(f"{v}.2.1.3.{n}", reading)
        rec.i(f"{v}.2.1.4.{n}", 0)
        rec.i(f"{v}.2.1.5.{n}", 0)
        rec.i(f"{v}.2.1.6.{n}", crit_high)
        rec.i(f"{v}.2.1.7.{n}", 0)
        rec.i(f"{v}.2.1.8.{n}", 0)
        rec.i(f"{v}.2.1.9.{n}", crit_low)
        rec.i(f"{v}.2.1.10.{n}", 0)
        rec.s(f"{v}.2.1.11.{n}", "Normal")
    f = f"{IMM}.3"
    fans = [(f"Fan {n}{rotor} Tach", 27 + (n % 3)) for n in range(1, 7) for rotor in "AB"]
    rec.g(f"{f}.1.0", len(fans))
    for n, (descr, percent) in enumerate(fans, start=1):
        rec.i(f"{f}.2.1.1.{n}", n)
        rec.s(f"{f}.2.1.2.{n}", descr)
        rec.s(f"{f}.2.1.3.{n}", f" {percent}% of maximum")
        rec.i(f"{f}.2.1.4.{n}", 0)
        rec.i(f"{f}.2.1.5.{n}", 0)
        rec.i(f"{f}.2.1.6.{n}", 0)
        rec.i(f"{f}.2.1.7.{n}", 0)
        rec.i(f"{f}.2.1.8.{n}", 1050)
        rec.i(f"{f}.2.1.9.{n}", 0)
        rec.s(f"{f}.2.1.10.{n}", "Normal")
    rec.i(f"{IMM}.4.1.0", 255)  # systemHealthStat normal(255); no summary rows when healthy
    vpd = f"{IMM}.5"
    firmware = [
        ("IMM2 (Primary)", "TCOO48M 6.10", "2021/05/12"),
        ("UEFI (Primary)", "TCE148N 2.90", "2021/03/31"),
        ("DSA", "DSALB7K 10.5", "2020/11/20"),
    ]
    for n, (kind, version_string, date) in enumerate(firmware, start=1):
        rec.i(f"{vpd}.1.1.1.{n}", n)
        rec.s(f"{vpd}.1.1.2.{n}", kind)
        rec.s(f"{vpd}.1.1.3.{n}", version_string)
        rec.s(f"{vpd}.1.1.4.{n}", date)
    rec.s(f"{vpd}.2.1.1.0", "8871")
    rec.s(f"{vpd}.2.1.2.0", "AC1")
    rec.s(f"{vpd}.2.1.3.0", "J33FZ06")
    rec.s(f"{vpd}.2.1.4.0", "4C4C4544003310588033C4C04F5A3036")
    rec.s(f"{vpd}.2.1.5.0", "System x3650 M5")
    psus = [("Power Supply 1", "D1DG90A1K4X"), ("Power Supply 2", "D1DG90A1K6F")]
    for n, (name, serial) in enumerate(psus, start=1):
        rec.i(f"{IMM}.11.2.1.1.{n}", n)
        rec.s(f"{IMM}.11.2.1.2.{n}", name)
        rec.s(f"{IMM}.11.2.1.3.{n}", "00FK932")
        rec.s(f"{IMM}.11.2.1.4.{n}", "00FK936")
        rec.s(f"{IMM}.11.2.1.5.{n}", serial)
        rec.s(f"{IMM}.11.2.1.6.{n}", "Normal")
    rec.g(f"{IMM}.12.1.0", 4)
    for n in range(4):
        rec.i(f"{IMM}.12.2.1.1.{n}", n)
        rec.s(f"{IMM}.12.2.1.2.{n}", f"Drive {n}")
        rec.s(f"{IMM}.12.2.1.3.{n}", "Normal")
    return rec


# --- Linux host with net-snmp -----------------------------------------------------------------


def build_hq_app_01() -> Rec:
    rec = Rec("fz-hq-app-01")
    rng = random.Random(rec.name)
    snmpd_uptime = 63 * DAY + 3 * 3600 * 100 + 912
    host_uptime = snmpd_uptime + 2410  # the host booted 24 s before snmpd started
    system(
        rec,
        "Linux fz-hq-app-01 4.18.0-553.16.1.el8_10.x86_64 #1 SMP Thu Aug 8 07:11:46 EDT 2024 "
        "x86_64",
        "1.3.6.1.4.1.8072.3.2.10",
        snmpd_uptime,
        "root@fz-hq-app-01",
        "Fuzhou HQ, data centre 2F, rack A05 U20",
        72,
    )
    base = bytes.fromhex("3cfdfe9a0b20")
    ports = [
        Port(1, "lo", LOOPBACK, 10, mtu=65536),
        Port(2, "ens1f0", speed=10000, mac=mac(base, 0), load_in=0.04, load_out=0.03),
        Port(3, "ens1f1", speed=10000, mac=mac(base, 1), load_in=0.04, load_out=0.03),
        Port(4, "bond0", speed=20000, mac=mac(base, 0), load_in=0.04, load_out=0.03),
    ]
    interfaces(rec, ports, snmpd_uptime, rng)

    # hrSystemDate is left out on purpose: a frozen clock in a recording would read as drift.
    rec.t(f"{HR_SYSTEM}.1.0", host_uptime)
    rec.i(f"{HR_SYSTEM}.3.0", 393216)
    rec.s(
        f"{HR_SYSTEM}.4.0",
        "BOOT_IMAGE=(hd0,gpt2)/vmlinuz-4.18.0-553.16.1.el8_10.x86_64 "
        "root=/dev/mapper/rhel-root ro crashkernel=auto rd.lvm.lv=rhel/root rd.lvm.lv=rhel/swap\n",
    )
    rec.g(f"{HR_SYSTEM}.5.0", 3)
    rec.g(f"{HR_SYSTEM}.6.0", 318)
    rec.i(f"{HR_SYSTEM}.7.0", 0)

    total_kb, free_kb = 32_779_852, 10_234_240
    buffers_kb, cached_kb, shared_kb = 412_360, 9_182_736, 182_340
    swap_kb, swap_free_kb = 8_388_604, 8_283_132
    available_kb = free_kb + buffers_kb + cached_kb - 1_104_000
    rec.i(HR_MEMORY_SIZE, total_kb)
    storage = [  # index, type, descr, allocation unit, size, used
        (1, 2, "Physical memory", 1024, total_kb, total_kb - free_kb),
        (3, 3, "Virtual memory", 1024, total_kb + swap_kb,
         total_kb - free_kb + swap_kb - swap_free_kb),
        (6, 1, "Memory buffers", 1024, total_kb, buffers_kb),
        (7, 1, "Cached memory", 1024, cached_kb, cached_kb),
        (8, 1, "Shared memory", 1024, shared_kb, shared_kb),
        (10, 3, "Swap space", 1024, swap_kb, swap_kb - swap_free_kb),
        (11, 1, "Available memory", 1024, total_kb, available_kb),
        (35, 4, "/dev/shm", 4096, 4_097_481, 0),
        (37, 4, "/run", 4096, 4_097_481, 2_315),
        (38, 4, "/sys/fs/cgroup", 4096, 4_097_481, 0),
        (47, 4, "/", 4096, 13_100_800, 5_003_112),
        (49, 4, "/boot", 4096, 259_584, 71_205),
        (50, 4, "/boot/efi", 4096, 153_290, 1_486),
        (51, 4, "/var", 4096, 5_240_320, 1_783_297),
        (52, 4, "/home", 4096, 2_618_880, 215_840),
        (53, 4, "/data", 4096, 130_940_416, 81_846_130),
        (54, 4, "/run/user/0", 4096, 819_496, 0),
    ]  # fmt: skip
    for index, kind, descr, unit, size, used in storage:
        rec.i(f"{HR_STORAGE}.1.{index}", index)
        rec.o(f"{HR_STORAGE}.2.{index}", f"1.3.6.1.2.1.25.2.1.{kind}")
        rec.s(f"{HR_STORAGE}.3.{index}", descr)
        rec.i(f"{HR_STORAGE}.4.{index}", unit)
        rec.i(f"{HR_STORAGE}.5.{index}", size)
        rec.i(f"{HR_STORAGE}.6.{index}", used)
        rec.c(f"{HR_STORAGE}.7.{index}", 0)

    cpus = 8
    cpu_descr = "GenuineIntel: Intel(R) Xeon(R) Silver 4214R CPU @ 2.40GHz"
    # net-snmp numbers hrDevice rows by type: processors 3 << 16, network interfaces 4 << 16.
    devices = [(196608 + n, 3, cpu_descr, 2) for n in range(cpus)]  # running(2)
    devices += [(262144 + p.index, 4, f"network interface {p.descr}", 2) for p in ports]
    for index, kind, descr, status in devices:
        rec.i(f"{HR_DEVICE}.1.{index}", index)
        rec.o(f"{HR_DEVICE}.2.{index}", f"1.3.6.1.2.1.25.3.1.{kind}")
        rec.s(f"{HR_DEVICE}.3.{index}", descr)
        rec.o(f"{HR_DEVICE}.4.{index}", "0.0")
        rec.i(f"{HR_DEVICE}.5.{index}", status)
        rec.c(f"{HR_DEVICE}.6.{index}", 0)
    loads = [14, 11, 19, 9, 12, 16, 8, 13]
    for n in range(cpus):
        rec.o(f"{HR_PROCESSOR}.1.{196608 + n}", "0.0")
        rec.i(f"{HR_PROCESSOR}.2.{196608 + n}", loads[n])

    rec.i(f"{UCD_MEMORY}.1.0", 0)
    rec.s(f"{UCD_MEMORY}.2.0", "swap")
    rec.i(f"{UCD_MEMORY}.3.0", swap_kb)
    rec.i(f"{UCD_MEMORY}.4.0", swap_free_kb)
    rec.i(f"{UCD_MEMORY}.5.0", total_kb)
    rec.i(f"{UCD_MEMORY}.6.0", free_kb)
    rec.i(f"{UCD_MEMORY}.11.0", free_kb + swap_free_kb)
    rec.i(f"{UCD_MEMORY}.12.0", 16000)
    rec.i(f"{UCD_MEMORY}.13.0", shared_kb)
    rec.i(f"{UCD_MEMORY}.14.0", buffers_kb)
    rec.i(f"{UCD_MEMORY}.15.0", cached_kb)
    rec.i(f"{UCD_MEMORY}.100.0", 0)
    rec.s(f"{UCD_MEMORY}.101.0", "")
    for n, (label, load) in enumerate((("Load-1", 1.21), ("Load-5", 1.08), ("Load-15", 0.97)), 1):
        rec.i(f"{UCD_LA}.1.{n}", n)
        rec.s(f"{UCD_LA}.2.{n}", label)
        rec.s(f"{UCD_LA}.3.{n}", f"{load:.2f}")
        rec.s(f"{UCD_LA}.4.{n}", "12.00")
        rec.i(f"{UCD_LA}.5.{n}", round(load * 100))
        rec.i(f"{UCD_LA}.100.{n}", 0)
        rec.s(f"{UCD_LA}.101.{n}", "")
    seconds = snmpd_uptime // 100
    ticks = seconds * 100 * cpus  # USER_HZ ticks across all CPUs since boot
    user, system_, idle = int(ticks * 0.092), int(ticks * 0.031), int(ticks * 0.861)
    stats = [
        (1, INTEGER, 1), (2, OCTET_STRING, "systemStats"), (3, INTEGER, 0), (4, INTEGER, 0),
        (5, INTEGER, 41), (6, INTEGER, 96), (7, INTEGER, 3811), (8, INTEGER, 7302),
        (9, INTEGER, 9), (10, INTEGER, 3), (11, INTEGER, 86),
        (50, COUNTER32, user), (51, COUNTER32, int(ticks * 0.004)), (52, COUNTER32, system_),
        (53, COUNTER32, idle), (54, COUNTER32, int(ticks * 0.009)), (55, COUNTER32, 0),
        (56, COUNTER32, int(ticks * 0.001)), (57, COUNTER32, seconds * 1210),
        (58, COUNTER32, seconds * 3480), (59, COUNTER32, seconds * 3811),
        (60, COUNTER32, seconds * 7302), (61, COUNTER32, int(ticks * 0.002)),
        (62, COUNTER32, 0), (63, COUNTER32, 0), (64, COUNTER32, 0), (65, COUNTER32, 0),
        (66, COUNTER32, 0), (67, INTEGER, cpus),
    ]  # fmt: skip
    for sub, tag, value in stats:
        if tag == COUNTER32:
            rec.c(f"{UCD_SYSTEM_STATS}.{sub}.0", int(value))
        else:
            rec.put(f"{UCD_SYSTEM_STATS}.{sub}.0", tag, value)
    return rec


BUILDERS: dict[str, Callable[[], Rec]] = {
    "fz-hq-core-01": build_core_01,
    "fz-hq-core-02": build_core_02,
    "fz-hq-wan-01": build_hq_wan_01,
    "fz-hq-srv-01": build_hq_srv_01,
    "fz-hq-app-01": build_hq_app_01,
    "fz-mh-acc-01": build_mh_acc_01,
    "fz-mh-wan-01": build_mh_wan_01,
}


def render(name: str) -> SnmpData:
    """The healthy recording of one lab device."""
    return BUILDERS[name]().data()


def snmprec_text(name: str) -> str:
    return HEADER.format(name=name) + render(name).to_snmprec()


@dataclass
class BuildReport:
    written: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)


def build(check: bool = False) -> BuildReport:
    report = BuildReport()
    missing = [d.name for d in BANK if d.name not in BUILDERS]
    if missing:
        raise SystemExit(f"no builder for {', '.join(missing)}")
    DEVICES_DIR.mkdir(exist_ok=True)
    for dev in BANK:
        text = snmprec_text(dev.name)
        path = device(dev.name).recording
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        if check:
            report.stale.append(dev.name)
        else:
            path.write_text(text, encoding="utf-8")
            report.written.append(dev.name)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare, write nothing")
    args = parser.parse_args(argv)
    report = build(check=args.check)
    if args.check:
        if report.stale:
            print(f"stale recordings: {', '.join(report.stale)} (run python -m lab.build)")
            return 1
        print("recordings are up to date")
        return 0
    print(f"wrote {len(report.written)} recording(s): {', '.join(report.written) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
