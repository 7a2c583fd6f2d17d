"""HOST-RESOURCES-MIB checks that need logic: CPU (an average over processors) and memory.

host.cpu     hrProcessorLoad per processor (metrics `cpu.usage` per CPU); the check judges the
             average against `cpu.usage` (one busy core is normal on a multi-core host).
host.memory  the hrStorageRam row. net-snmp on Linux counts buffers and page cache as used in
             "Physical memory" and lists them as their own rows ("Memory buffers", "Cached
             memory"): like LibreNMS's available-memory calculation we subtract them, so 60%
             means what the applications hold, not what the kernel borrowed for caching. AIX
             ("System RAM") and other agents have no such rows and are read as they are.
"""

from __future__ import annotations

from checks.check import CheckContext, Verdict
from checks.metrics import CPU_USAGE, MEMORY_TOTAL, MEMORY_USAGE, MEMORY_USED
from checks.result import Item
from checks.snmp.common import (
    Problem,
    Reading,
    SnmpCheckBase,
    column_walks,
    fmt_bytes,
    fmt_num,
    metric,
    number_at,
    pick_threshold,
    read_table,
    sensor_verdict,
)
from checks.snmpdata import SnmpData, SnmpPlan
from checks.status import Status

HOST = frozenset({"ibm_aix", "linux", "generic"})

HR_PROCESSOR_LOAD = "1.3.6.1.2.1.25.3.3.1"  # hrProcessorEntry, column 2 = hrProcessorLoad
LOAD = 2

HR_STORAGE = "1.3.6.1.2.1.25.2.3.1"  # hrStorageEntry
ST_TYPE, ST_DESCR, ST_UNITS, ST_SIZE, ST_USED = 2, 3, 4, 5, 6
HR_STORAGE_RAM = "1.3.6.1.2.1.25.2.1.2"
NET_SNMP_RAM = "physical memory"
NET_SNMP_RECLAIMABLE = ("memory buffers", "cached memory")


class HostCpuCheck(SnmpCheckBase):
    id = "host.cpu"
    title = "CPU utilisation"
    platforms = HOST

    def plan(self) -> SnmpPlan:
        return SnmpPlan.of(walks=[f"{HR_PROCESSOR_LOAD}.{LOAD}"])

    def evaluate(self, data: SnmpData, ctx: CheckContext) -> Verdict | None:
        rows = read_table(data, HR_PROCESSOR_LOAD, (LOAD,))
        if not rows:
            return None
        threshold = pick_threshold(ctx, CPU_USAGE)
        readings, loads = [], []
        for n, row in enumerate(rows, start=1):
            reading = Reading(item=f"CPU {n}")
            value = number_at(row, LOAD)
            if isinstance(value, Problem):
                reading.problem = value.reason
            elif not 0 <= value <= 100:
                reading.problem = (
                    f"{row.oid(LOAD)}: {fmt_num(value)} is not a plausible CPU load (0..100)"
                )
            else:
                reading.value = float(value)
                loads.append(float(value))
            readings.append(reading)
        verdict = sensor_verdict(
            readings, metric_name=CPU_USAGE, label="CPU", noun=("processor", "processors")
        )
        assert verdict is not None
        if not loads:
            return verdict  # every processor unreadable: UNKNOWN, saying why
        average = sum(loads) / len(loads)
        status = threshold.status(average)
        if any(i.status is Status.UNKNOWN for i in verdict.items) and status is Status.OK:
            status = Status.UNKNOWN
        summary = f"CPU {fmt_num(round(average, 1))}% (average of {len(loads)} processor"
        summary += ")" if len(loads) == 1 else "s)"
        if status is not Status.OK and status is not Status.UNKNOWN:
            summary += f": {'crit' if status is Status.CRITICAL else 'warn'} at "
            rng = threshold.crit if status is Status.CRITICAL else threshold.warn
            summary += f"{fmt_num(rng.end)}%" if rng is not None else "threshold"
        elif status is Status.UNKNOWN:
            summary += "; " + verdict.summary
        verdict.metrics.insert(0, metric(CPU_USAGE, round(average, 2), None, threshold))
        return Verdict(status, summary, verdict.metrics, verdict.items)


class HostMemoryCheck(SnmpCheckBase):
    id = "host.memory"
    title = "Memory"
    platforms = HOST

    def plan(self) -> SnmpPlan:
        return SnmpPlan.of(
            walks=column_walks(HR_STORAGE, (ST_TYPE, ST_DESCR, ST_UNITS, ST_SIZE, ST_USED))
        )

    def evaluate(self, data: SnmpData, ctx: CheckContext) -> Verdict | None:
        rows = read_table(data, HR_STORAGE, (ST_TYPE, ST_DESCR, ST_UNITS, ST_SIZE, ST_USED))
        ram = [r for r in rows if r.text(ST_TYPE) == HR_STORAGE_RAM]
        if not ram:
            return None
        row = ram[0]
        name = row.text(ST_DESCR).strip() or "RAM"
        threshold = pick_threshold(ctx, MEMORY_USAGE)
        amounts = [number_at(row, col) for col in (ST_UNITS, ST_SIZE, ST_USED)]
        problems = [a for a in amounts if isinstance(a, Problem)]
        if problems:
            reason = problems[0].reason  # type: ignore[union-attr]
            return Verdict(
                Status.UNKNOWN,
                f"Memory unreadable: {reason}",
                [],
                [Item(name, Status.UNKNOWN, reason)],
            )
        units, size, used = (float(a) for a in amounts)  # type: ignore[arg-type]
        total, used_bytes = size * units, used * units
        if total <= 0 or used_bytes < 0 or used_bytes > total:
            reason = (
                f"{row.oid(ST_USED)}: used {fmt_num(used)} of {fmt_num(size)} units "
                "is not plausible"
            )
            return Verdict(
                Status.UNKNOWN,
                f"Memory unreadable: {reason}",
                [],
                [Item(name, Status.UNKNOWN, reason)],
            )
        reclaimable = 0.0
        if name.lower() == NET_SNMP_RAM:
            for other in rows:
                if other.text(ST_DESCR).strip().lower() in NET_SNMP_RECLAIMABLE:
                    amount = [other.number(c) for c in (ST_UNITS, ST_USED)]
                    if all(a is not None for a in amount):
                        reclaimable += float(amount[0]) * float(amount[1])  # type: ignore[arg-type]
        if 0 < reclaimable <= used_bytes:
            used_bytes -= reclaimable
        reading = Reading(item=name, value=used_bytes / total * 100.0, threshold=threshold)
        reading.extra = f"({fmt_bytes(used_bytes)} of {fmt_bytes(total)}"
        reading.extra += (
            f", without {fmt_bytes(reclaimable)} buffers/cache)" if reclaimable else ")"
        )
        verdict = sensor_verdict(
            [reading],
            metric_name=MEMORY_USAGE,
            label="Memory",
            noun=("memory", "memory"),
            extra_metrics=[
                metric(MEMORY_USED, used_bytes, name),
                metric(MEMORY_TOTAL, total, name),
            ],
        )
        assert verdict is not None
        value = f"{fmt_num(round(reading.value or 0.0, 1))}%"
        verdict.summary = f"Memory {value} {reading.extra}"
        if verdict.status is not Status.OK:
            verdict.summary += f": {verdict.items[0].detail.rsplit('(', 1)[-1].rstrip(')')}"
        return verdict
