"""IBM Storwize / SVC / FlashSystem checks over the CLI (paramiko exec of `ls*` commands):
unfixed event log alerts, drives, enclosure PSUs and batteries.

Every command asks for `-delim :` output, which needs no template: the first line names the
columns and every row splits on ':' (checks/cli/parsers.svc_table). Columns are read by name,
so firmware that adds columns (lsdrive grew drive_class_id, lsenclosurebattery canister_id)
changes nothing here.
"""

from __future__ import annotations

from checks.check import CheckContext, Verdict
from checks.cli import parsers
from checks.cli.base import CliCheckBase, problems_summary, worst_of
from checks.cli.parsing import Record
from checks.cli.timestamps import short, svc_time
from checks.clidata import CliData
from checks.platforms import IBM_STORWIZE
from checks.result import Item
from checks.snmp.common import StateReading, listing, plural, state_verdict
from checks.status import Status

STORWIZE = frozenset({IBM_STORWIZE})


def _table(check: CliCheckBase, data: CliData, command: str, *required: str) -> list[Record]:
    return check.parse(data, command, lambda text: parsers.svc_table(text, required))


class StorwizeEventlog(CliCheckBase):
    id = "storwize.eventlog"
    title = "Unfixed alerts in the event log (lseventlog)"
    platforms = STORWIZE
    command = "lseventlog -fixed no -delim :"
    may_be_empty = frozenset({command})

    def commands(self, platform: str) -> tuple[str, ...]:
        return (self.command,)

    def evaluate(self, data: CliData, ctx: CheckContext) -> Verdict | None:
        rows = _table(self, data, self.command, "status", "event_id", "description")
        items = []
        for row in rows:
            # "alert" events need a service action; "message", "monitoring" and "expired" ones
            # are information.
            if row.get("status") != "alert" or row.get("fixed", "no") == "yes":
                continue
            code = row.get("error_code", "")
            # An alert with an error code has a fix procedure (a failed part, a lost path):
            # critical. Without one it is a threshold warning (pool space, ...).
            status = Status.CRITICAL if code else Status.WARNING
            obj = " ".join(
                p
                for p in (
                    row.get("object_type", ""),
                    row.get("object_name") or row.get("object_id", ""),
                )
                if p
            )
            label = f"error {code}" if code else f"event {row['event_id']}"
            when = svc_time(row.get("last_timestamp", ""), ctx.local_zone)
            detail = f"{row['description']} ({label}, sequence {row.get('sequence_number', '?')}"
            detail += f", last {short(when, ctx.local_zone)})" if when else ")"
            items.append(Item(f"{code or row['event_id']} {obj}".strip(), status, detail))
        if not items:
            return Verdict(
                Status.OK, f"No unfixed alerts ({plural(len(rows), ('event', 'events'))} listed)"
            )
        items.sort(key=lambda i: -i.status.severity)
        names = [f"{i.item}: {i.detail.split(' (')[0]}" for i in items]
        summary = f"{plural(len(items), ('unfixed alert', 'unfixed alerts'))}: {listing(names, 3)}"
        return Verdict(worst_of(items), summary, items=items)


class StorwizeDrives(CliCheckBase):
    id = "storwize.drives"
    title = "Drives offline, degraded or failed (lsdrive)"
    platforms = STORWIZE
    command = "lsdrive -delim :"
    may_be_empty = frozenset({command})  # a system without internal drives prints nothing

    def commands(self, platform: str) -> tuple[str, ...]:
        return (self.command,)

    def evaluate(self, data: CliData, ctx: CheckContext) -> Verdict | None:
        rows = _table(self, data, self.command, "id", "status")
        if not rows:
            return None  # no internal drives (an SVC, or a system with external storage only)
        items = []
        uses: dict[str, int] = {}
        for row in rows:
            status_word, use = row["status"], row.get("use", "")
            uses[use] = uses.get(use, 0) + 1
            place = ""
            if row.get("enclosure_id") and row.get("slot_id"):
                place = f"enclosure {row['enclosure_id']} slot {row['slot_id']}"
            detail = ", ".join(p for p in (status_word, use, row.get("capacity", ""), place) if p)
            bad = status_word != "online" or use == "failed"
            items.append(Item(f"drive {row['id']}", Status.CRITICAL if bad else Status.OK, detail))
        summary = problems_summary(items, ("drive", "drives"))
        if all(i.status is Status.OK for i in items) and any(uses):
            summary += " (" + ", ".join(f"{n} {u}" for u, n in sorted(uses.items()) if u) + ")"
        status = worst_of(items)
        # A failed member drive degrades its array: redundancy lost, DESIGN level 2.
        return Verdict(status, summary, items=items, level=2 if status is Status.CRITICAL else None)


class StorwizePsu(CliCheckBase):
    id = "storwize.psu"
    title = "Enclosure power supplies (lsenclosurepsu)"
    platforms = STORWIZE
    command = "lsenclosurepsu -delim :"
    may_be_empty = frozenset({command})

    def commands(self, platform: str) -> tuple[str, ...]:
        return (self.command,)

    def evaluate(self, data: CliData, ctx: CheckContext) -> Verdict | None:
        rows = _table(self, data, self.command, "enclosure_id", "PSU_id", "status")
        if not rows:
            return None  # SVC nodes have no enclosure PSUs
        readings = []
        for row in rows:
            word = row["status"]
            item = f"Enclosure {row['enclosure_id']} PSU {row['PSU_id']}"
            readings.append(
                StateReading(item, Status.OK if word == "online" else Status.CRITICAL, word)
            )
        verdict = state_verdict(readings, noun=("power supply", "power supplies"))
        if verdict is None or verdict.status is Status.OK:
            return verdict
        # One PSU of an enclosure's two failed: redundancy lost (level 2). Every PSU of an
        # enclosure failed: that enclosure is down (level 1).
        enclosures: dict[str, list[bool]] = {}
        for row in rows:
            enclosures.setdefault(row["enclosure_id"], []).append(row["status"] == "online")
        all_down = any(not any(states) for states in enclosures.values())
        verdict.level = 1 if all_down else 2
        return verdict


class StorwizeBattery(CliCheckBase):
    id = "storwize.battery"
    title = "Enclosure batteries (lsenclosurebattery)"
    platforms = STORWIZE
    command = "lsenclosurebattery -delim :"
    may_be_empty = frozenset({command})

    def commands(self, platform: str) -> tuple[str, ...]:
        return (self.command,)

    def evaluate(self, data: CliData, ctx: CheckContext) -> Verdict | None:
        rows = _table(self, data, self.command, "enclosure_id", "battery_id", "status")
        if not rows:
            return None  # enclosures without batteries
        items = []
        for row in rows:
            name = f"Enclosure {row['enclosure_id']} battery {row['battery_id']}"
            word = row["status"]
            notes = [word]
            if row.get("charging_status"):
                notes.append(row["charging_status"])
            if row.get("percent_charged"):
                notes.append(f"{row['percent_charged']}% charged")
            status = Status.OK if word == "online" else Status.CRITICAL
            if row.get("end_of_life_warning") == "yes":
                notes.append("end of life")
                if status is Status.OK:
                    status = Status.WARNING
            if row.get("recondition_needed") == "yes":
                notes.append("recondition needed")
            items.append(Item(name, status, ", ".join(notes)))
        status = worst_of(items)
        # A failed battery leaves the write cache unprotected: redundancy lost, level 2.
        level = 2 if status is Status.CRITICAL else None
        return Verdict(
            status, problems_summary(items, ("battery", "batteries")), items=items, level=level
        )


STORWIZE_CHECKS = (StorwizeEventlog(), StorwizeDrives(), StorwizePsu(), StorwizeBattery())
