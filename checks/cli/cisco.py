"""Cisco IOS / IOS-XE / NX-OS checks over the CLI: version and reload reason, environment,
recent severe log messages, interface error counters.

Summaries follow the SNMP checks' wording (checks/snmp/common.py) so a device reads the same
whichever way it was polled.
"""

from __future__ import annotations

import re
from datetime import timedelta

from checks import metrics as m
from checks.check import CheckContext, Verdict
from checks.cli import parsers
from checks.cli.base import CliCheckBase, LogMessage, family_platforms, judge_word, log_verdict
from checks.cli.parsing import Record, duration_seconds, to_int
from checks.cli.timestamps import clock_time, uptime_stamp_seconds
from checks.clidata import CliData
from checks.platforms import CISCO_NXOS, CISCO_XE
from checks.result import Item, Metric
from checks.snmp.common import (
    Reading,
    StateReading,
    device_threshold,
    fmt_duration,
    fmt_num,
    listing,
    metric,
    pick_threshold,
    plural,
    sensor_verdict,
    state_verdict,
)
from checks.status import Status, worst
from checks.thresholds import Threshold

CISCO = family_platforms("cisco")
OS_LABEL = {"cisco_ios": "IOS", "cisco_xe": "IOS-XE", "cisco_nxos": "NX-OS"}

# Reload reasons. A crash or a power loss is worth a look while it is recent; after RECENT_S the
# finding would only stay until the next reload, a ticket nobody can resolve, so it is reported
# in the summary and no longer judged.
RECENT_S = 7 * 86400
_CRASH = re.compile(
    r"crash|exception|error|watchdog|bus\s+error|address\s+error|parity|panic|s/w\s+reset|"
    r"software\s+(forced\s+)?reset|abnormal|fail|fatal|hang|segv|signal|unexpected|abort",
    re.IGNORECASE,
)
_POWER = re.compile(r"power[\s\-_]*(on|fail|loss|cycle|outage)|lost\s+power", re.IGNORECASE)


def reload_kind(reason: str) -> str:
    """ "crash", "power" or "planned" for a reload reason as show version prints it."""
    if _CRASH.search(reason):
        return "crash"
    if _POWER.search(reason):
        return "power"
    return "planned"


class CiscoVersion(CliCheckBase):
    id = "cisco.version"
    title = "Version, uptime and last reload (show version)"
    platforms = CISCO

    def commands(self, platform: str) -> tuple[str, ...]:
        return ("show version",)

    def evaluate(self, data: CliData, ctx: CheckContext) -> Verdict | None:
        record = self.parse(
            data, "show version", lambda text: parsers.cisco_version(ctx.platform, text)
        )
        if ctx.platform == CISCO_NXOS:
            reason = record.get("last_reboot_reason", "")
            version, image = record.get("os", ""), record.get("boot_image", "")
            model, serial = record.get("platform", ""), record.get("serial", "")
        else:
            reason = record.get("reload_reason", "")
            version = record.get("version", "")
            image = record.get("running_image") or record.get("software_image", "")
            model = _first(record.get("hardware"))
            serial = _first(record.get("serial"))
        uptime = duration_seconds(record["uptime"])
        if uptime is None:
            return Verdict(
                Status.UNKNOWN, f"show version: uptime not understood: {record['uptime']}"
            )
        threshold = pick_threshold(ctx, m.UPTIME)
        status = threshold.status(uptime)
        summary = f"up {fmt_duration(uptime)}"
        reason = reason.strip() or "unknown"
        summary += f", last reload: {reason}"
        kind = reload_kind(reason)
        if kind != "planned" and uptime < RECENT_S:
            status = worst((status, Status.WARNING))
            summary += " (crash)" if kind == "crash" else " (power loss)"
        elif status is not Status.OK:
            summary += " (uptime below threshold)"
        described = " ".join(p for p in (OS_LABEL.get(ctx.platform, ""), version) if p)
        if image:
            described += f" ({image.strip()})"
        details = [d for d in (described, model, f"serial {serial}" if serial else "") if d]
        summary += "; " + ", ".join(details)
        return Verdict(status, summary, [metric(m.UPTIME, uptime, None, threshold)])


def _first(value: object) -> str:
    if isinstance(value, list):
        return str(value[0]) if value else ""
    return str(value or "")


class CiscoEnvironment(CliCheckBase):
    id = "cisco.environment"
    title = "Fans, power supplies and temperatures (show environment)"
    platforms = CISCO

    def commands(self, platform: str) -> tuple[str, ...]:
        # IOS-XE splits the report per subsystem and shows all of it only with "all"; classic
        # IOS and NX-OS show everything with the bare command.
        return ("show environment all",) if platform == CISCO_XE else ("show environment",)

    def evaluate(self, data: CliData, ctx: CheckContext) -> Verdict | None:
        (command,) = self.commands(ctx.platform)
        parts = self.parse(
            data, command, lambda text: parsers.cisco_environment(ctx.platform, text)
        )
        env = _Environment(ctx)
        if "nxos" in parts:
            env.add_nxos(parts["nxos"])
        else:
            env.add_ios(parts)
        return env.verdict()


class _Environment:
    """Readings of one show environment, grouped as the summary reports them."""

    def __init__(self, ctx: CheckContext) -> None:
        self.ctx = ctx
        self.fans: list[StateReading] = []
        self.psus: list[StateReading] = []
        self.temps: list[Reading] = []
        self.other: list[StateReading] = []  # temperature/system states without a reading

    def state(self, group: list[StateReading], item: str, word: str) -> None:
        status = _judge_env_word(word)
        group.append(StateReading(item, status, word, "" if status else "not present"))

    def temperature(
        self, item: str, value: str, word: str, warn: str | None, crit: str | None
    ) -> None:
        number = to_int(value)
        if number is None:
            return
        device = device_threshold(
            warn=float(warn) if warn else None, crit=float(crit) if crit else None
        )
        status = _judge_env_word(word) if word else None
        if device is None and status is not None:
            # The device judges this sensor (Normal/Minor/Major) without printing its limits;
            # the catalog's ambient defaults would call a CPU die at 79°C critical. Only an
            # operator's own threshold is applied on top.
            configured = self.ctx.thresholds.by_metric.get(m.TEMPERATURE)
            threshold = configured if configured is not None and configured.explicit else None
        else:
            threshold = pick_threshold(self.ctx, m.TEMPERATURE, device=device)
        self.temps.append(
            Reading(
                item,
                float(number),
                threshold=threshold or Threshold(),
                state=(status, word.lower()) if status is not None else None,
            )
        )

    def add_ios(self, parts: dict[str, list[Record]]) -> None:
        for rec in parts["status"]:
            name = re.sub(r"\s+", " ", rec["name"].replace(":", "")).strip()
            upper = name.upper()
            if "FAN" in upper:
                self.state(self.fans, name, rec["state"])
            elif "TEMP" in upper:
                self.state(self.other, name, rec["state"])
            else:
                self.state(self.psus, name, rec["state"])
        for rec in parts["temperature"]:
            item = f"Switch {rec['switch']} {rec['sensor']}" if rec["switch"] else rec["sensor"]
            self.temperature(item, rec["value"], rec["state"], rec["yellow"], rec["red"])
        for rec in parts["power"]:
            self.state(self.psus, f"PS {rec['ps_module']}", rec["status"] or rec["sys_pwr"])
        for rec in parts["sensors"]:
            if rec["fan"]:
                self.state(self.fans, f"Switch {rec['switch']} FAN {rec['fan']}", rec["state"])
                continue
            item = f"{rec['sensor']} ({rec['location']})"
            unit = rec["unit"].lower()
            if unit.startswith("celsius"):
                self.temperature(item, rec["reading"], rec["state"], None, None)
            elif unit == "rpm" or "fan" in rec["sensor"].lower():
                self.state(self.fans, item, rec["state"])
            else:
                self.state(self.other, item, rec["state"])

    def add_nxos(self, records: list[Record]) -> None:
        for rec in records:
            if rec["power_supply"]:
                self.state(self.psus, f"PS {rec['power_supply']}", rec["power_supply_status"])
            elif rec["fan"]:
                self.state(self.fans, rec["fan"], rec["fan_status"])
            elif rec["temperature_sensor"]:
                self.temperature(
                    f"Module {rec['temperature_module']} {rec['temperature_sensor']}",
                    rec["temperature_current"],
                    rec["temperature_status"],
                    rec["temperature_minor_thresh"],
                    rec["temperature_major_thresh"],
                )

    def verdict(self) -> Verdict:
        verdicts = [
            state_verdict(self.fans, noun=("fan", "fans"), level=2, level_all_failed=1),
            state_verdict(
                self.psus, noun=("power supply", "power supplies"), level=2, level_all_failed=1
            ),
            sensor_verdict(
                self.temps, metric_name=m.TEMPERATURE, label="Temperature", noun=SENSOR_NOUN
            ),
        ]
        other = state_verdict(self.other, noun=("other reading", "other readings"))
        if other is not None and other.status is not Status.OK:
            verdicts.append(other)
        present = [v for v in verdicts if v is not None]
        items = [i for v in present for i in v.items]
        if other is not None and other.status is Status.OK:
            items.extend(other.items)
        if not present:
            return Verdict(Status.UNKNOWN, "no fan, power supply or temperature reading")
        status = worst(v.status for v in present)
        metrics: list[Metric] = [x for v in present for x in v.metrics]
        summary = "; ".join(v.summary for v in present)
        # Fans and PSUs declare their level (one failed: 2, all: 1); when anything else is
        # wrong too the policy decides from status and criticality.
        failing = [v for v in present if v.status is not Status.OK]
        level = None
        if failing and all(v.level is not None for v in failing):
            level = min(v.level for v in failing if v.level is not None)
        return Verdict(status, summary, metrics, items, level=level)


SENSOR_NOUN = ("sensor", "sensors")


def _judge_env_word(word: str) -> Status | None:
    key = word.strip().lower()
    if key.startswith("fan speed"):  # ASR 1000 fan sensors report "Fan Speed 45%" as state
        return Status.OK
    return judge_word(word)


class CiscoLogging(CliCheckBase):
    id = "cisco.logging"
    title = "Messages of severity 0-3 in the last 24 h (show logging)"
    platforms = CISCO
    window_s = 86400.0

    def commands(self, platform: str) -> tuple[str, ...]:
        # show version gives the uptime that dates messages stamped with time since boot.
        return (self._command(platform), "show version")

    def required_commands(self, platform: str) -> tuple[str, ...]:
        return (self._command(platform),)

    @staticmethod
    def _command(platform: str) -> str:
        # NX-OS keeps its messages in a log file: show logging logfile prints them.
        return "show logging logfile" if platform == CISCO_NXOS else "show logging"

    def evaluate(self, data: CliData, ctx: CheckContext) -> Verdict | None:
        command = self._command(ctx.platform)
        text = self.output(data, command)
        records = self.parse(data, command, parsers.cisco_logging)
        if not records and parsers.cisco_buffer_logging(text) == "disabled":
            return Verdict(
                Status.UNKNOWN, f"{command}: buffer logging is disabled, no message to inspect"
            )
        uptime_now = None
        version = self.optional_output(data, "show version")
        if version is not None:
            try:
                uptime_now = duration_seconds(
                    parsers.cisco_version(ctx.platform, version)["uptime"]
                )
            except Exception:  # show version is a help here, never a reason to fail
                uptime_now = None
        messages: list[LogMessage] = []
        undated = 0
        for rec in records:
            when = None
            if rec["month"]:
                when = clock_time(
                    rec["month"],
                    rec["day"],
                    rec["time"],
                    now=ctx.now,
                    year=rec["year"] or None,
                    zone=rec["timezone"] or None,
                    local=ctx.local_zone,
                )
                stamp = " ".join(
                    p for p in (rec["month"], rec["day"], rec["year"], rec["time"]) if p
                )
            else:
                stamp = rec["uptime"]
                since_boot = uptime_stamp_seconds(rec["uptime"])
                if since_boot is not None and uptime_now is not None and since_boot <= uptime_now:
                    when = ctx.now - timedelta(seconds=uptime_now - since_boot)
            if when is None:
                undated += 1
            if not rec["severity"]:
                continue
            text_ = " ".join(part.strip() for part in rec["message"])
            messages.append(
                LogMessage(
                    key=f"%{rec['facility']}-{rec['severity']}-{rec['mnemonic']}",
                    severity=int(rec["severity"]),
                    when=when,
                    stamp=stamp,
                    text=text_,
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


# Interface error counters are cumulative since the last "clear counters" (often: since boot),
# and a CLI poll has no previous sample to make a rate of them, so they are judged as a share of
# the packets they belong to, with a floor of absolute counts so a handful of old errors on a
# busy port is not a finding.
ERROR_RATIO_WARN = 1e-5  # 0.001% of packets
ERROR_RATIO_CRIT = 1e-2  # 1% of packets
ERRORS_MIN_WARN = 10
ERRORS_MIN_CRIT = 100
RESETS_WARN = 10


class CiscoInterfaces(CliCheckBase):
    id = "cisco.interfaces_cli"
    title = "Interface CRC/input errors and resets (show interfaces)"
    platforms = CISCO

    def commands(self, platform: str) -> tuple[str, ...]:
        return ("show interface",) if platform == CISCO_NXOS else ("show interfaces",)

    def evaluate(self, data: CliData, ctx: CheckContext) -> Verdict | None:
        (command,) = self.commands(ctx.platform)
        records = self.parse(
            data, command, lambda text: parsers.cisco_interfaces(ctx.platform, text)
        )
        items: list[Item] = []
        for rec in records:
            item = _judge_interface(rec)
            if item is not None:
                items.append(item)
        total = plural(len(records), ("interface", "interfaces"))
        if not items:
            return Verdict(Status.OK, f"{total}, no errors")
        status = worst(i.status for i in items)
        bad = [i for i in items if i.status is not Status.OK]
        if not bad:
            return Verdict(
                Status.OK,
                f"{total}, {len(items)} with errors below thresholds: "
                + listing([f"{i.item} ({i.detail})" for i in items], 3),
                items=items,
            )
        bad.sort(key=lambda i: -i.status.severity)
        summary = f"{len(bad)} of {total} with errors: " + listing(
            [f"{i.item} ({i.detail})" for i in bad], 3
        )
        return Verdict(status, summary, items=items)


def _judge_interface(rec: Record) -> Item | None:
    in_packets = to_int(rec.get("input_packets")) or 0
    out_packets = to_int(rec.get("output_packets")) or 0
    in_errors = to_int(rec.get("input_errors")) or 0
    crc = to_int(rec.get("crc")) or 0
    out_errors = to_int(rec.get("output_errors")) or 0
    resets = to_int(rec.get("interface_resets")) or 0
    in_errors = max(in_errors, crc)  # CRC errors are input errors; some layouts omit the total
    if not (in_errors or out_errors or resets >= RESETS_WARN):
        return None  # a few resets alone are shutdowns and flaps, not errors
    status = Status.OK
    parts = []
    for errors, packets, label in (
        (in_errors, in_packets, "input errors"),
        (out_errors, out_packets, "output errors"),
    ):
        if not errors:
            continue
        ratio = errors / packets if packets else 1.0
        text = f"{errors} {label if errors > 1 else label[:-1]}"
        if label == "input errors" and crc:
            text += f" ({crc} CRC)"
        text += f", {_percent(ratio)} of packets" if packets else ""
        parts.append(text)
        if ratio >= ERROR_RATIO_CRIT and errors >= ERRORS_MIN_CRIT:
            status = worst((status, Status.CRITICAL))
        elif ratio >= ERROR_RATIO_WARN and errors >= ERRORS_MIN_WARN:
            status = worst((status, Status.WARNING))
    if resets:
        parts.append(plural(resets, ("reset", "resets")))
        if resets >= RESETS_WARN:
            status = worst((status, Status.WARNING))
    return Item(rec["interface"], status, ", ".join(parts))


def _percent(ratio: float) -> str:
    pct = ratio * 100
    if pct < 0.001:
        return "<0.001%"
    return f"{fmt_num(round(pct, 3 if pct < 1 else 1))}%"


CISCO_CHECKS = (CiscoVersion(), CiscoEnvironment(), CiscoLogging(), CiscoInterfaces())
