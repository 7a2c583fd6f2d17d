"""Checks of any SNMP device that need logic: uptime with reboot detection, and interfaces.

snmp.uptime   sysUpTime as the `uptime` metric; WARNING "rebooted N min ago" below the `uptime`
              threshold (default "3600:", i.e. less than an hour), and WARNING when the
              previous sample shows the device restarted since (even if that is hours ago).
              sysUpTime is 32-bit TimeTicks and wraps after 497 days: a lower value that matches
              a wrap (previous + elapsed time, modulo 2^32) is not a reboot.
snmp.interfaces
              one item per interface that is administratively up: CRITICAL when it is not
              operationally up (down, lowerLayerDown, notPresent). Interfaces that are admin down
              are ignored (shut on purpose), as are logical types whose state follows another
              interface: softwareLoopback, propVirtual (SVIs), l2vlan/l3ipvlan (sub-interfaces).
              With a previous sample: error rate (ifInErrors + ifOutErrors per second) and
              utilisation (the busier direction of ifHCIn/OutOctets, 32-bit ifIn/OutOctets
              where the agent has no ifXTable, against ifHighSpeed or ifSpeed), handling
              counter wraps (Counter32) and resets (a reboot, a cleared counter, an implausible
              jump).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from checks.check import CheckContext, Verdict
from checks.metrics import INTERFACE_ERRORS, INTERFACE_UTILIZATION, UPTIME
from checks.result import Item, Metric
from checks.snmp.common import (
    Row,
    SnmpCheckBase,
    breach,
    column_walks,
    describe,
    fmt_duration,
    fmt_num,
    listing,
    metric,
    pick_threshold,
    plural,
    read_table,
    scalar_number,
)
from checks.snmpdata import COUNTER32, COUNTER64, NUMERIC_TAGS, SnmpData, SnmpPlan
from checks.status import Status, worst
from checks.thresholds import Threshold

SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
# SNMP-FRAMEWORK-MIB snmpEngineTime: seconds since the engine (re)started, does not wrap at
# 497 days; it tells a wrapped sysUpTime from a fresh one when there is no previous sample.
SNMP_ENGINE_TIME = "1.3.6.1.6.3.10.2.1.3.0"
WRAP = 2**32  # TimeTicks and Counter32 modulus
WRAP_S = WRAP / 100.0  # 497.1 days
WEEK_TICKS = 7 * 86400 * 100


def reboot_between(
    previous_ticks: int, current_ticks: int, elapsed_s: float | None
) -> tuple[bool, bool]:
    """(rebooted, wrapped) from two sysUpTime samples taken `elapsed_s` apart."""
    if elapsed_s is None or elapsed_s <= 0:
        if current_ticks >= previous_ticks:
            return False, False
        near_wrap = previous_ticks > WRAP - WEEK_TICKS and current_ticks < WEEK_TICKS
        return (not near_wrap), near_wrap
    expected = previous_ticks + elapsed_s * 100.0
    tolerance = max(6000.0, elapsed_s * 100.0 * 0.05)  # clocks and poll jitter
    if expected >= WRAP and current_ticks < previous_ticks:
        if current_ticks < expected - WRAP - tolerance:
            return True, False
        return False, True
    return current_ticks < expected - tolerance, False


class UptimeCheck(SnmpCheckBase):
    id = "snmp.uptime"
    title = "Uptime and reboots"
    DEFAULTS: ClassVar[dict[str, str]] = {"warn": "3600:"}  # up less than an hour: rebooted

    def plan(self) -> SnmpPlan:
        return SnmpPlan.of(gets=[SYS_UPTIME, SNMP_ENGINE_TIME])

    def evaluate(self, data: SnmpData, ctx: CheckContext) -> Verdict | None:
        raw = data.raw(SYS_UPTIME)
        if raw is None:
            return None
        if raw.is_exception:
            return Verdict(Status.UNKNOWN, f"{SYS_UPTIME} (sysUpTime): {raw.text()}")
        if raw.tag not in NUMERIC_TAGS or not isinstance(raw.value, int) or raw.value < 0:
            return Verdict(
                Status.UNKNOWN, f"{SYS_UPTIME} (sysUpTime): expected TimeTicks, got {describe(raw)}"
            )
        ticks = raw.value
        uptime = ticks / 100.0
        rebooted = wrapped = False
        previous = ctx.previous.get(SYS_UPTIME) if ctx.previous is not None else None
        if previous is not None and isinstance(previous.value, int):
            elapsed = (ctx.now - ctx.previous_at).total_seconds() if ctx.previous_at else None
            rebooted, wrapped = reboot_between(previous.value, ticks, elapsed)
        engine = scalar_number(data, SNMP_ENGINE_TIME)
        wraps = 1 if wrapped else 0
        if not rebooted and isinstance(engine, int | float) and engine > uptime + 86400:
            # snmpEngineTime counts seconds without wrapping: whole 497-day periods between it
            # and sysUpTime are wraps (the agent restarting resets both, so they agree again)
            periods = round((engine - uptime) / WRAP_S)
            if periods >= 1 and abs(engine - uptime - periods * WRAP_S) < 86400:
                wraps = periods
        if wraps:
            wrapped = True
            uptime += wraps * WRAP_S
        threshold = pick_threshold(ctx, UPTIME, default=self.DEFAULTS)
        status = threshold.status(uptime)
        metrics = [metric(UPTIME, round(uptime, 2), None, threshold)]
        if status is not Status.OK or rebooted:
            status = worst((status, Status.WARNING)) if rebooted else status
            summary = f"rebooted {fmt_duration(uptime)} ago"
            if rebooted and uptime >= 3600:
                summary += " (since the previous poll)"
        else:
            summary = f"up {fmt_duration(uptime)}"
            if wrapped:
                summary += " (sysUpTime wrapped at 497 days)"
        return Verdict(status, summary, metrics)


# --- interfaces ---------------------------------------------------------------------------------

IF_ENTRY = "1.3.6.1.2.1.2.2.1"
IFX_ENTRY = "1.3.6.1.2.1.31.1.1.1"
IF_DESCR, IF_TYPE, IF_SPEED, IF_ADMIN, IF_OPER = 2, 3, 5, 7, 8
IF_IN_OCTETS, IF_IN_ERRORS, IF_OUT_OCTETS, IF_OUT_ERRORS = 10, 14, 16, 20
IFX_NAME, IFX_HC_IN, IFX_HC_OUT, IFX_HIGH_SPEED, IFX_ALIAS = 1, 6, 10, 15, 18
IF_COLUMNS = (
    IF_DESCR,
    IF_TYPE,
    IF_SPEED,
    IF_ADMIN,
    IF_OPER,
    IF_IN_OCTETS,
    IF_IN_ERRORS,
    IF_OUT_OCTETS,
    IF_OUT_ERRORS,
)
IFX_COLUMNS = (IFX_NAME, IFX_HC_IN, IFX_HC_OUT, IFX_HIGH_SPEED, IFX_ALIAS)

# ifType values whose state mirrors another interface (IANAifType-MIB).
IGNORED_TYPES = {
    24: "softwareLoopback",
    53: "propVirtual",
    135: "l2vlan",
    136: "l3ipvlan",
    103: "voiceEncap",  # voice dial peers: "testing" or dormant between calls
    104: "voiceOverIp",
}
OPER_STATES: dict[int, tuple[Status, str]] = {
    1: (Status.OK, "up"),
    2: (Status.CRITICAL, "down"),
    3: (Status.WARNING, "testing"),
    4: (Status.UNKNOWN, "unknown"),
    5: (Status.OK, "dormant"),  # waiting for traffic to come up (dial backup): by design
    6: (Status.CRITICAL, "notPresent"),
    7: (Status.CRITICAL, "lowerLayerDown"),
}
ADMIN_UP = 1


@dataclass
class _Interface:
    index: str
    name: str
    alias: str
    status: Status
    oper: str
    details: list[str]


class InterfacesCheck(SnmpCheckBase):
    id = "snmp.interfaces"
    title = "Interfaces"

    def plan(self) -> SnmpPlan:
        return SnmpPlan.of(
            gets=[SYS_UPTIME],
            walks=column_walks(IF_ENTRY, IF_COLUMNS) + column_walks(IFX_ENTRY, IFX_COLUMNS),
        )

    def evaluate(self, data: SnmpData, ctx: CheckContext) -> Verdict | None:
        rows = read_table(data, IF_ENTRY, IF_COLUMNS)
        if not rows:
            return None
        xrows = {r.index: r for r in read_table(data, IFX_ENTRY, IFX_COLUMNS)}
        rates = _RateContext.of(data, ctx)
        err_th = pick_threshold(ctx, INTERFACE_ERRORS)
        util_th = pick_threshold(ctx, INTERFACE_UTILIZATION)
        interfaces: list[_Interface] = []
        metrics: list[Metric] = []
        notes: list[str] = []
        busiest: tuple[float, str] | None = None
        unwatched: list[str] = []
        if all(row.raw(IF_ADMIN) is None for row in rows):
            return Verdict(
                Status.UNKNOWN,
                f"ifAdminStatus ({IF_ENTRY}.{IF_ADMIN}) not returned: cannot tell which of "
                f"{plural(len(rows), ('interface', 'interfaces'))} should be up",
            )
        for row in rows:
            xrow = xrows.get(row.index)
            if row.number(IF_TYPE) in IGNORED_TYPES:
                continue
            admin = row.number(IF_ADMIN)
            if admin != ADMIN_UP:
                continue  # admin down (shut on purpose), or unknown intent: not judged
            name = _name(row, xrow)
            iface = self._oper(row, name, xrow)
            if iface.status is Status.CRITICAL and not _monitored(iface, row, ctx):
                unwatched.append(iface.name)
                iface.status = Status.OK
                iface.details = [f"{iface.oper} (no description, was not up: not judged)"]
            interfaces.append(iface)
            if rates is None or iface.oper != "up":
                continue
            errors = rates.errors_per_s(row, xrow)
            if errors is not None:
                metrics.append(metric(INTERFACE_ERRORS, errors, name, err_th))
                self._judge(iface, errors, err_th, "/s", "errors", notes)
            util = rates.utilization(row, xrow)
            if util is not None:
                metrics.append(metric(INTERFACE_UTILIZATION, util, name, util_th))
                self._judge(iface, util, util_th, "%", "utilisation", notes)
                if busiest is None or util > busiest[0]:
                    busiest = (util, name)
        items = [
            Item(i.name, i.status, ", ".join(i.details) + (f" ({i.alias})" if i.alias else ""))
            for i in interfaces
        ]
        if not interfaces:
            return Verdict(Status.OK, "no interface is administratively up", metrics, items)
        status = worst(i.status for i in items)
        down = [i for i in interfaces if i.oper != "up" and i.status is not Status.OK]
        if down:
            summary = f"{len(down)} of {plural(len(interfaces), ('interface', 'interfaces'))}"
            summary += f" not up: {listing([f'{i.name} ({i.oper})' for i in down])}"
        else:
            up = len(interfaces) - len(unwatched)
            summary = f"{plural(up, ('interface', 'interfaces'))} up"
        if unwatched:
            summary += (
                f"; {len(unwatched)} undescribed {'port' if len(unwatched) == 1 else 'ports'}"
                " down, not judged"
            )
        if notes:
            summary += "; " + "; ".join(notes[:3])
            if len(notes) > 3:
                summary += f"; +{len(notes) - 3} more"
        elif busiest is not None:
            summary += f", busiest {fmt_num(round(busiest[0], 1))}% ({busiest[1]})"
        return Verdict(status, summary, metrics, items)

    @staticmethod
    def _oper(row: Row, name: str, xrow: Row | None) -> _Interface:
        alias = xrow.text(IFX_ALIAS).strip() if xrow is not None else ""
        oper = row.number(IF_OPER)
        if oper is None:
            raw = row.raw(IF_OPER)
            reason = describe(raw) if raw is not None else "no value"
            return _Interface(
                row.index, name, alias, Status.UNKNOWN, "unreadable",
                [f"{row.oid(IF_OPER)} (ifOperStatus): {reason}"],
            )  # fmt: skip
        status, word = OPER_STATES.get(int(oper), (Status.UNKNOWN, f"state {int(oper)}"))
        return _Interface(row.index, name, alias, status, word, [word])

    @staticmethod
    def _judge(
        iface: _Interface, value: float, threshold: Threshold, unit: str, what: str, notes: list
    ) -> None:
        status = threshold.status(value)
        shown = f"{fmt_num(round(value, 2))}{unit}"
        why = breach(value, threshold, unit)
        iface.details.append(f"{what} {shown}" + (f" ({why})" if why else ""))
        if status is not Status.OK:
            iface.status = worst((iface.status, status))
            notes.append(f"{what} {shown} on {iface.name}")


def _monitored(iface: _Interface, row: Row, ctx: CheckContext) -> bool:
    """Whether an admin-up port that is not up is a finding.

    Switches leave every unused access port admin up (Huawei does by default), so "admin up,
    oper down" alone would alert on every empty socket of an access switch. As operators do with
    LibreNMS and Zabbix port rules, a port is watched when it has a description (ifAlias: someone
    documented what is plugged in) or when it was up at the previous poll (it went down).
    """
    if iface.alias and iface.alias != iface.name:
        return True
    if ctx.previous is not None:
        before = ctx.previous.get(f"{IF_ENTRY}.{IF_OPER}.{row.index}")
        if before is not None and before.value == 1:
            return True
    return False


def _name(row: Row, xrow: Row | None) -> str:
    name = xrow.text(IFX_NAME).strip() if xrow is not None else ""
    return name or row.text(IF_DESCR).strip() or f"ifIndex {row.index}"


@dataclass
class _RateContext:
    """The previous sample and the time since, when rates can be computed at all."""

    data: SnmpData
    previous: SnmpData
    elapsed: float

    @classmethod
    def of(cls, data: SnmpData, ctx: CheckContext) -> _RateContext | None:
        if ctx.previous is None or ctx.previous_at is None:
            return None
        elapsed = (ctx.now - ctx.previous_at).total_seconds()
        if elapsed <= 0:
            return None
        current = data.get(SYS_UPTIME)
        before = ctx.previous.get(SYS_UPTIME)
        if (
            current is not None
            and before is not None
            and isinstance(current.value, int)
            and isinstance(before.value, int)
            and reboot_between(before.value, current.value, elapsed)[0]
        ):
            return None  # rebooted in between: every counter restarted from zero
        return cls(data, ctx.previous, elapsed)

    def delta(self, oid: str, max_delta: float | None) -> int | None:
        """Counter increase since the previous sample; None when it cannot be trusted."""
        now, before = self.data.get(oid), self.previous.get(oid)
        if now is None or before is None or now.tag != before.tag:
            return None
        if not isinstance(now.value, int) or not isinstance(before.value, int):
            return None
        if now.tag not in (COUNTER32, COUNTER64):
            return None
        if now.value >= before.value:
            delta = now.value - before.value
        elif now.tag == COUNTER32:
            delta = now.value + WRAP - before.value  # wrapped once, if plausible (below)
            if max_delta is None and before.value < WRAP // 2:
                return None  # a low counter going lower was reset (cleared), not wrapped
        else:
            return None  # a 64-bit counter does not wrap in practice: it was reset
        if max_delta is not None and delta > max_delta:
            return None  # more than the line can carry: a reset or several wraps
        return delta

    def speed_bps(self, row: Row, xrow: Row | None) -> float | None:
        high = xrow.number(IFX_HIGH_SPEED) if xrow is not None else None
        if high:
            return float(high) * 1e6
        speed = row.number(IF_SPEED)
        return float(speed) if speed else None

    def errors_per_s(self, row: Row, xrow: Row | None) -> float | None:
        speed = self.speed_bps(row, xrow)
        # at most one error per minimum-size frame (64 bytes + 20 of preamble and gap)
        max_delta = speed / 8 / 84 * self.elapsed * 1.1 if speed else None
        deltas = self.deltas((row.oid(IF_IN_ERRORS), row.oid(IF_OUT_ERRORS)), max_delta)
        return sum(deltas) / self.elapsed if deltas else None

    def utilization(self, row: Row, xrow: Row | None) -> float | None:
        speed = self.speed_bps(row, xrow)
        if not speed:
            return None
        max_delta = speed / 8 * self.elapsed * 1.1
        pairs = [(row.oid(IF_IN_OCTETS), row.oid(IF_OUT_OCTETS))]
        if xrow is not None:
            pairs.insert(0, (xrow.oid(IFX_HC_IN), xrow.oid(IFX_HC_OUT)))
        for pair in pairs:
            if not any(self.sampled(oid) for oid in pair):
                continue  # this agent has no such counters (no ifXTable): try the 32-bit ones
            deltas = self.deltas(pair, max_delta)
            return max(deltas) * 8 / self.elapsed / speed * 100.0 if deltas else None
        return None

    def sampled(self, oid: str) -> bool:
        return self.data.get(oid) is not None and self.previous.get(oid) is not None

    def deltas(self, oids: tuple[str, str], max_delta: float | None) -> list[int]:
        """Deltas of the counters sampled twice; none at all when one of them cannot be
        trusted (counters are cleared together: half a reset would fake a rate)."""
        out = []
        for oid in oids:
            if not self.sampled(oid):
                continue
            delta = self.delta(oid, max_delta)
            if delta is None:
                return []
            out.append(delta)
        return out
