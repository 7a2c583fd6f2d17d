"""Huawei VRP / VRP8 (CE) checks over the CLI: version, boards, active alarms, recent log
errors, CPU, memory, fans and power modules.

Summaries follow the SNMP checks' wording (checks/snmp/common.py).
"""

from __future__ import annotations

from checks import metrics as m
from checks.check import CheckContext, Verdict
from checks.cli import parsers
from checks.cli.base import (
    CliCheckBase,
    LogMessage,
    family_platforms,
    judge_word,
    log_verdict,
    problems_summary,
    worst_of,
)
from checks.cli.parsing import Record, duration_seconds, to_float
from checks.cli.timestamps import clock_time, iso_time, split_zone
from checks.clidata import CliData
from checks.result import Item, Metric
from checks.snmp.common import (
    StateReading,
    breach,
    fmt_bytes,
    fmt_duration,
    fmt_num,
    listing,
    metric,
    pick_threshold,
    plural,
    state_verdict,
)
from checks.status import Status

HUAWEI = family_platforms("huawei")


class HuaweiVersion(CliCheckBase):
    id = "huawei.version"
    title = "Version and uptime (display version)"
    platforms = HUAWEI

    def commands(self, platform: str) -> tuple[str, ...]:
        return ("display version",)

    def evaluate(self, data: CliData, ctx: CheckContext) -> Verdict | None:
        record = self.parse(
            data, "display version", lambda text: parsers.huawei_version(ctx.platform, text)
        )
        uptime = duration_seconds(record["uptime"])
        if uptime is None:
            return Verdict(
                Status.UNKNOWN, f"display version: uptime not understood: {record['uptime']}"
            )
        threshold = pick_threshold(ctx, m.UPTIME)
        status = threshold.status(uptime)
        summary = f"up {fmt_duration(uptime)}"
        if status is not Status.OK:
            summary += " (uptime below threshold)"
        summary += f"; {record['model'].strip()}, VRP {record['vrp_version']}"
        if record.get("product_version"):
            summary += f" ({record['product_version'].strip()})"
        if record.get("patch_version"):
            summary += f", patch {record['patch_version']}"
        return Verdict(status, summary, [metric(m.UPTIME, uptime, None, threshold)])


class HuaweiBoards(CliCheckBase):
    id = "huawei.boards"
    title = "Boards, fans and power modules registered and normal (display device)"
    platforms = HUAWEI

    def commands(self, platform: str) -> tuple[str, ...]:
        return ("display device",)

    def evaluate(self, data: CliData, ctx: CheckContext) -> Verdict | None:
        records = self.parse(
            data, "display device", lambda text: parsers.huawei_device(ctx.platform, text)
        )
        items = [_board(rec) for rec in records]
        return Verdict(worst_of(items), problems_summary(items, ("board", "boards")), items=items)


def _board(rec: Record) -> Item:
    slot, card = rec["slot"], rec["card"]
    name = f"Slot {slot}" if slot.isdigit() else slot
    if card and card != "-":
        name += f" {card}"
    online, power = rec["online_status"], rec["power_status"]
    register, alarm = rec["register_status"], rec["alarm_status"]
    faults = []
    if online.lower() not in ("present", "online"):
        faults.append(online)
    if power and power != "-" and judge_word(power.replace("Power", "")) is Status.CRITICAL:
        faults.append(f"power {power}")
    if register.lower() not in ("registered", "-", ""):
        faults.append(register)
    alarm_status = judge_word(alarm)
    if alarm_status is not None and alarm_status is not Status.OK:
        faults.append(f"alarm {alarm}")
    if faults:
        status = Status.CRITICAL
        if not [f for f in faults if not f.startswith("alarm ")] and alarm_status is Status.WARNING:
            status = Status.WARNING
        return Item(name, status, f"{rec['pid']}: {', '.join(faults)}")
    return Item(name, Status.OK, f"{rec['pid']}: {alarm}")


# Alarm severities: names, or the numbers of VRP8's "1:Critical 2:Major 3:Minor 4:Warning".
_ALARM_LEVELS = {
    "1": "Critical",
    "2": "Major",
    "3": "Minor",
    "4": "Warning",
    "critical": "Critical",
    "major": "Major",
    "minor": "Minor",
    "warning": "Warning",
    "indeterminate": "Indeterminate",
    "cleared": "Cleared",
}
_ALARM_STATUS = {
    "Critical": Status.CRITICAL,
    "Major": Status.CRITICAL,
    "Minor": Status.WARNING,
    "Warning": Status.WARNING,
    "Indeterminate": Status.WARNING,
    "Cleared": Status.OK,
}


class HuaweiAlarms(CliCheckBase):
    id = "huawei.alarms"
    title = "Active alarms by severity (display alarm active)"
    platforms = HUAWEI

    def commands(self, platform: str) -> tuple[str, ...]:
        return ("display alarm active",)

    def evaluate(self, data: CliData, ctx: CheckContext) -> Verdict | None:
        records = self.parse(data, "display alarm active", parsers.huawei_alarms)
        alarms = []
        for rec in records:
            level = _ALARM_LEVELS.get(rec["level"].lower(), rec["level"])
            status = _ALARM_STATUS.get(level, Status.WARNING)
            if status is Status.OK:
                continue
            label = " ".join(p for p in (rec["alarm_id"], rec["name"]) if p)
            item = f"{label} #{rec['sequence']}" if label else f"alarm #{rec['sequence']}"
            text = rec["description"]
            since = " ".join(p for p in (rec["date"], split_zone(rec["time"])[0]) if p)
            detail = f"{level}: {text}" + (f" (since {since})" if since else "")
            alarms.append((level, Item(item, status, detail[:300]), text))
        if not alarms:
            return Verdict(Status.OK, "No active alarms")
        order = list(_ALARM_STATUS)
        alarms.sort(key=lambda a: order.index(a[0]) if a[0] in order else len(order))
        counts: dict[str, int] = {}
        for level, _, _ in alarms:
            counts[level] = counts.get(level, 0) + 1
        by_level = ", ".join(f"{n} {level.lower()}" for level, n in counts.items())
        shown = listing([text or item.item for _, item, text in alarms], 3)
        summary = f"{plural(len(alarms), ('active alarm', 'active alarms'))} ({by_level}): {shown}"
        if len(summary) > 240:
            summary = summary[:237] + "..."
        items = [item for _, item, _ in alarms]
        return Verdict(worst_of(items), summary, items=items)


class HuaweiLogbuffer(CliCheckBase):
    id = "huawei.logbuffer"
    title = "Log messages of level 0-3 in the last 24 h (display logbuffer)"
    platforms = HUAWEI
    window_s = 86400.0

    def commands(self, platform: str) -> tuple[str, ...]:
        return ("display logbuffer",)

    def evaluate(self, data: CliData, ctx: CheckContext) -> Verdict | None:
        records = self.parse(data, "display logbuffer", parsers.huawei_logbuffer)
        messages = []
        undated = 0
        for rec in records:
            zone = rec["offset"].strip() or None
            if rec["date"]:
                when = iso_time(rec["date"], rec["time"], zone, ctx.local_zone)
                stamp = f"{rec['date']} {rec['time']}"
            else:
                when = clock_time(
                    rec["month"],
                    rec["day"],
                    rec["time"],
                    now=ctx.now,
                    year=rec["year"],
                    zone=zone,
                    local=ctx.local_zone,
                )
                stamp = f"{rec['month']} {rec['day']} {rec['year']} {rec['time']}"
            if when is None:
                undated += 1
            messages.append(
                LogMessage(
                    key=f"{rec['module']}/{rec['level']}/{rec['brief']}",
                    severity=int(rec["level"]),
                    when=when,
                    stamp=stamp,
                    text=" ".join(part.strip() for part in rec["message"]),
                )
            )
        return log_verdict(
            messages,
            now=ctx.now,
            window_s=self.window_s,
            window_label="24 h",
            total=len(records),
            undated=undated,
        )


class HuaweiCpu(CliCheckBase):
    id = "huawei.cpu_cli"
    title = "CPU usage (display cpu-usage)"
    platforms = HUAWEI

    def commands(self, platform: str) -> tuple[str, ...]:
        return ("display cpu-usage",)

    def evaluate(self, data: CliData, ctx: CheckContext) -> Verdict | None:
        rec = self.parse(data, "display cpu-usage", parsers.huawei_cpu)
        # The 5-minute average judges sustained load (what a level-2 "CPU above crit for
        # 15 min" is about); devices that print no averages give their current value.
        candidates = (
            ("cpu_5_min", "5 min average"),
            ("cpu_1_min", "1 min average"),
            ("cpu_current", "current"),
            ("cpu_5_sec", "5 s average"),
        )
        chosen = next(
            ((key, label, to_float(rec.get(key))) for key, label in candidates if rec.get(key)),
            None,
        )
        if chosen is None or chosen[2] is None:
            return Verdict(Status.UNKNOWN, "display cpu-usage: no CPU usage value")
        key, label, value = chosen
        threshold = pick_threshold(ctx, m.CPU_USAGE)
        status = threshold.status(value)
        summary = f"CPU {fmt_num(value)}% ({label})"
        why = breach(value, threshold, "%")
        if why:
            summary += f": {why}"
        context = [
            f"{name} {fmt_num(number)}%"
            for name, number in (
                ("1 min", to_float(rec.get("cpu_1_min")) if key != "cpu_1_min" else None),
                ("5 s", to_float(rec.get("cpu_5_sec")) if key != "cpu_5_sec" else None),
                ("max", to_float(rec.get("cpu_max"))),
            )
            if number is not None
        ]
        if context:
            summary += "; " + ", ".join(context)
        return Verdict(status, summary, [metric(m.CPU_USAGE, value, None, threshold)])


_UNIT_BYTES = {"b": 1, "bytes": 1, "kb": 1024, "kbytes": 1024, "mb": 1024**2, "mbytes": 1024**2}


class HuaweiMemory(CliCheckBase):
    id = "huawei.memory_cli"
    title = "Memory usage (display memory-usage)"
    platforms = HUAWEI

    def commands(self, platform: str) -> tuple[str, ...]:
        return ("display memory-usage",)

    def evaluate(self, data: CliData, ctx: CheckContext) -> Verdict | None:
        rec = self.parse(data, "display memory-usage", parsers.huawei_memory)
        value = float(rec["memory_using_percent"])
        threshold = pick_threshold(ctx, m.MEMORY_USAGE)
        metrics: list[Metric] = [metric(m.MEMORY_USAGE, value, None, threshold)]
        summary = f"Memory {fmt_num(value)}%"
        total = _bytes(rec.get("memory_total"), rec.get("memory_total_unit"))
        used = _bytes(rec.get("memory_used"), rec.get("memory_used_unit"))
        if total is not None and used is not None:
            summary += f" ({fmt_bytes(used)} of {fmt_bytes(total)})"
            metrics += [metric(m.MEMORY_USED, used, None), metric(m.MEMORY_TOTAL, total, None)]
        why = breach(value, threshold, "%")
        if why:
            summary += f": {why}"
        return Verdict(threshold.status(value), summary, metrics)


def _bytes(number: str | None, unit: str | None) -> float | None:
    value = to_float(number)
    if value is None or not unit:
        return None
    return value * _UNIT_BYTES.get(unit.lower(), 1)


class HuaweiFans(CliCheckBase):
    id = "huawei.fans_cli"
    title = "Fans (display fan)"
    platforms = HUAWEI

    def commands(self, platform: str) -> tuple[str, ...]:
        return ("display fan",)

    def evaluate(self, data: CliData, ctx: CheckContext) -> Verdict | None:
        records = self.parse(data, "display fan", parsers.huawei_fans)
        readings, metrics = [], []
        for rec in records:
            item = f"Slot {rec['slot_id']}" + (f" Fan {rec['fan_id']}" if rec["fan_id"] else "")
            status, word = _fan_state(rec)
            readings.append(StateReading(item, status, word, "" if status else "not present"))
            speed = to_float(rec["speed"])
            if speed is not None and rec["speed"].endswith("%") and status is not None:
                metrics.append(metric(m.FAN_DUTY, speed, item))
        return state_verdict(
            readings, noun=("fan", "fans"), level=2, level_all_failed=1, metrics=metrics
        )


def _fan_state(rec: Record) -> tuple[Status | None, str]:
    present, registered, status = rec["present"], rec["registered"], rec["status"]
    if present and judge_word(present) is None:  # "NO", "Absent"
        return None, present
    if status:
        return judge_word(status) or Status.CRITICAL, status
    # NE/CX report no health word for their fan trays: present and registered is all it says.
    if registered and judge_word(registered) is not Status.OK:
        return Status.CRITICAL, f"registered {registered}"
    return Status.OK, "present"


class HuaweiPower(CliCheckBase):
    id = "huawei.power_cli"
    title = "Power modules (display power)"
    platforms = HUAWEI

    def commands(self, platform: str) -> tuple[str, ...]:
        return ("display power",)

    def evaluate(self, data: CliData, ctx: CheckContext) -> Verdict | None:
        records = self.parse(data, "display power", parsers.huawei_power)
        readings = []
        for rec in records:
            item = f"Slot {rec['slot']} {rec['id']}" if rec["slot"] else rec["id"]
            if judge_word(rec["present"]) is None:  # "Absent", "NO"
                readings.append(StateReading(item, None, rec["present"], "not present"))
                continue
            state = rec["state"]
            status = Status.OK if state.lower() in ("sleep", "standby") else judge_word(state)
            readings.append(StateReading(item, status or Status.CRITICAL, state))
        return state_verdict(
            readings, noun=("power module", "power modules"), level=2, level_all_failed=1
        )


HUAWEI_CHECKS = (
    HuaweiVersion(),
    HuaweiBoards(),
    HuaweiAlarms(),
    HuaweiLogbuffer(),
    HuaweiCpu(),
    HuaweiMemory(),
    HuaweiFans(),
    HuaweiPower(),
)
