"""IBM AIX checks over the CLI (paramiko exec): error log, LVM, disks, Defined devices, paging
space and filesystems.

aix.lvm and volume groups other than rootvg: `commands()` is static, so the first round sends
`lsvg -o` (the varied-on volume groups) and `lsvg rootvg` / `lsvg -l rootvg`, the one group
every AIX host has. `followup_commands(platform, data)` then names `lsvg VG` / `lsvg -l VG` for
every other varied-on group; the transport sends those in the same session (catalog
`followup_commands()`). A replay or transport without the second round still gets rootvg
judged, and the summary names the groups left uninspected rather than pretending they are fine.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from checks import metrics as m
from checks.check import CheckContext, Verdict
from checks.cli import parsers
from checks.cli.base import CliCheckBase, problems_summary, worst_of
from checks.cli.parsing import OutputError, Record, to_float, to_int
from checks.cli.timestamps import errpt_time, short
from checks.clidata import CliData
from checks.platforms import IBM_AIX
from checks.result import Item
from checks.snmp.common import (
    Reading,
    breach,
    fmt_bytes,
    fmt_num,
    listing,
    metric,
    pick_threshold,
    plural,
    sensor_verdict,
)
from checks.status import Status

AIX = frozenset({IBM_AIX})


def param(ctx: CheckContext, key: str, default: Any) -> Any:
    """A check parameter from the context, when the context carries any (`params` mapping);
    CheckContext has no such field yet, so this is the check's default today."""
    params = getattr(ctx, "params", None)
    if isinstance(params, Mapping) and key in params:
        return params[key]
    return default


_ERRPT_CLASS = {"H": "hardware", "S": "software", "O": "operator", "U": "undetermined"}
_ERRPT_TYPE = {"P": "permanent", "T": "temporary", "I": "info", "U": "unknown"}


class AixErrpt(CliCheckBase):
    id = "aix.errpt"
    title = "Hardware and permanent errors in the error log (errpt)"
    platforms = AIX
    may_be_empty = frozenset({"errpt"})
    days = 7  # the window; ctx params "errpt.days" overrides it

    def commands(self, platform: str) -> tuple[str, ...]:
        return ("errpt",)

    def evaluate(self, data: CliData, ctx: CheckContext) -> Verdict | None:
        records = self.parse(data, "errpt", parsers.aix_errpt)
        days = int(param(ctx, "errpt.days", self.days))
        window_s = days * 86400
        groups: dict[str, list[tuple[Record, Status]]] = {}
        for rec in records:
            when = errpt_time(rec["timestamp"], ctx.local_zone)
            if when is None:
                continue
            age = (ctx.now - when).total_seconds()
            if not -86400 <= age <= window_s:  # a day of slack for a host clock that is off
                continue
            hardware, permanent = rec["class"] == "H", rec["type"] == "P"
            if not (hardware or permanent):
                continue
            status = Status.CRITICAL if hardware and permanent else Status.WARNING
            groups.setdefault(f"{rec['resource']} {rec['identifier']}", []).append((rec, status))
        total = plural(len(records), ("entry", "entries"))
        if not groups:
            return Verdict(
                Status.OK,
                f"No hardware or permanent errors in the last {days} days ({total} in the log)",
            )
        items = []
        for key, entries in groups.items():  # errpt lists newest first: entries[0] is latest
            rec, _ = entries[0]
            status = (
                Status.CRITICAL if any(s is Status.CRITICAL for _, s in entries) else Status.WARNING
            )
            when = errpt_time(rec["timestamp"], ctx.local_zone)
            count = f"{len(entries)}x " if len(entries) > 1 else ""
            kind = _ERRPT_CLASS.get(rec["class"], rec["class"])
            kind += " " + _ERRPT_TYPE.get(rec["type"], rec["type"])
            last = f", last {short(when, ctx.local_zone)}" if when else ""
            items.append(Item(key, status, f"{count}{rec['description']} ({kind}{last})"))
        items.sort(key=lambda i: -i.status.severity)
        errors = sum(len(e) for e in groups.values())
        names = list(  # one line per resource and description, whatever the identifiers
            dict.fromkeys(
                f"{i.item.split()[0]}: {groups[i.item][0][0]['description']}" for i in items
            )
        )
        summary = (
            f"{plural(errors, ('hardware/permanent error', 'hardware/permanent errors'))} in "
            f"the last {days} days: {listing(names, 3)}"
        )
        return Verdict(worst_of(items), summary, items=items)


class AixLvm(CliCheckBase):
    id = "aix.lvm"
    title = "Volume groups: stale partitions, missing PVs, closed LVs (lsvg, lsvg -l)"
    platforms = AIX

    def commands(self, platform: str) -> tuple[str, ...]:
        return ("lsvg -o", *self.group_commands("rootvg"))

    def required_commands(self, platform: str) -> tuple[str, ...]:
        return ("lsvg -o", "lsvg rootvg")

    @staticmethod
    def group_commands(vg: str) -> tuple[str, ...]:
        # lsvg: state and stale counts; -l: the LVs; -p: which PV is missing (optional ones:
        # without them the group is still judged, with less detail).
        return (f"lsvg {vg}", f"lsvg -l {vg}", f"lsvg -p {vg}")

    def followup_commands(self, platform: str, data: CliData) -> tuple[str, ...]:
        text = data.output("lsvg -o")
        if text is None:
            return ()
        try:
            groups = parsers.aix_lsvg_online(text)
        except OutputError:
            return ()
        return tuple(c for vg in groups if vg != "rootvg" for c in self.group_commands(vg))

    def evaluate(self, data: CliData, ctx: CheckContext) -> Verdict | None:
        groups = self.parse(data, "lsvg -o", parsers.aix_lsvg_online)
        if "rootvg" not in groups:
            groups.insert(0, "rootvg")  # always varied on; asked for in the first round
        items: list[Item] = []
        summaries: list[tuple[Status, str]] = []
        skipped: list[str] = []
        level = None
        for vg in groups:
            if data.output(f"lsvg {vg}") is None and data.error_for(f"lsvg {vg}") is None:
                skipped.append(vg)
                continue
            try:
                vg_item, lv_items, pv_missing = self._group(data, vg)
            except OutputError as exc:
                vg_item, lv_items, pv_missing = Item(vg, Status.UNKNOWN, str(exc)), [], False
            items.append(vg_item)
            items.extend(lv_items)
            summaries.append((vg_item.status, f"{vg}: {vg_item.detail}"))
            if vg == "rootvg" and pv_missing:
                level = 1  # a failed rootvg disk (DESIGN: level 1)
        summaries.sort(key=lambda s: -s[0].severity)
        summary = "; ".join(text for _, text in summaries)
        bad_lvs = [i for i in items if "/" in i.item and i.status is not Status.OK]
        if bad_lvs:
            summary += "; LVs: " + listing([f"{i.item} ({i.detail})" for i in bad_lvs], 3)
        if skipped:
            summary += f"; not inspected: {', '.join(skipped)} (second round not collected)"
        status = worst_of(items)
        return Verdict(
            status, summary, items=items, level=level if status is Status.CRITICAL else None
        )

    def _pvs(self, data: CliData, vg: str) -> list[Record]:
        return _pvs_of(self, data, vg)

    def _group(self, data: CliData, vg: str) -> tuple[Item, list[Item], bool]:
        """The group's item, its LVs' problem items, and whether a PV is missing."""
        rec = self.parse(data, f"lsvg {vg}", parsers.aix_lsvg)
        faults: list[tuple[Status, str]] = []
        state = rec["vg_state"]
        if not state.startswith("active"):
            faults.append((Status.CRITICAL, f"state {state}"))
        total_pvs, active_pvs = to_int(rec["total_pvs"]), to_int(rec["active_pvs"])
        pv_missing = total_pvs is not None and active_pvs is not None and active_pvs < total_pvs
        absent = [
            f"{pv['pv_name']} {pv['pv_state']}"
            for pv in self._pvs(data, vg)
            if pv["pv_state"].lower() != "active"
        ]
        if pv_missing and total_pvs is not None and active_pvs is not None:
            missing = total_pvs - active_pvs
            text = f"{missing} of {total_pvs} PVs missing"
            faults.append((Status.CRITICAL, text + (f" ({', '.join(absent)})" if absent else "")))
        elif absent:
            pv_missing = True
            faults.append((Status.CRITICAL, f"PV {', '.join(absent)}"))
        stale_pps, stale_pvs = to_int(rec["stale_pps"]) or 0, to_int(rec["stale_pvs"]) or 0
        if stale_pps or stale_pvs:
            faults.append((Status.CRITICAL, f"{stale_pps} stale PPs on {stale_pvs} PVs"))
        lv_items = []
        if self.optional_output(data, f"lsvg -l {vg}") is not None:
            lvs = self.parse(data, f"lsvg -l {vg}", parsers.aix_lsvg_l)
            stale = [lv for lv in lvs if "stale" in lv["lv_state"]]
            if stale and (stale_pps or stale_pvs):
                # One fault, the group's stale mirror: named once on the group, not per LV.
                faults[-1] = (Status.CRITICAL, faults[-1][1] + f" ({len(stale)} LVs stale)")
                lvs = [lv for lv in lvs if lv not in stale]
            lv_items = [i for i in (_lv(vg, lv) for lv in lvs) if i is not None]
        opened = f"{rec['lvs']} LVs ({rec['open_lvs']} open)" if rec["lvs"] else ""
        if faults:
            status = max((s for s, _ in faults), key=lambda s: s.severity)
            return Item(vg, status, ", ".join(text for _, text in faults)), lv_items, pv_missing
        detail = f"{active_pvs}/{total_pvs} PVs active, 0 stale PPs"
        if opened:
            detail += f", {opened}"
        return Item(vg, Status.OK, detail), lv_items, pv_missing


def _pvs_of(check: CliCheckBase, data: CliData, vg: str) -> list[Record]:
    if check.optional_output(data, f"lsvg -p {vg}") is None:
        return []
    try:
        return check.parse(data, f"lsvg -p {vg}", parsers.aix_lsvg_p)
    except OutputError:
        return []  # the PV list only adds names to a finding lsvg already makes


def _lv(vg: str, lv: Record) -> Item | None:
    state, mount, kind = lv["lv_state"], lv["mount_point"], lv["type"]
    name = f"{vg}/{lv['lv_name']}"
    if "stale" in state:
        return Item(name, Status.CRITICAL, f"{state} (stale partitions)")
    # A closed boot, dump, paging or log LV is normal; a closed filesystem LV is a filesystem
    # that should be mounted and is not.
    if (
        state.startswith("closed")
        and mount != "N/A"
        and kind.startswith("jfs")
        and "log" not in kind
    ):
        return Item(name, Status.WARNING, f"{state}: {mount} not mounted")
    return None


class AixDisks(CliCheckBase):
    id = "aix.disks"
    title = "Disks: missing, Defined or without PVID (lspv, lsdev -C -c disk)"
    platforms = AIX

    def commands(self, platform: str) -> tuple[str, ...]:
        return ("lspv", "lsdev -C -c disk")

    def evaluate(self, data: CliData, ctx: CheckContext) -> Verdict | None:
        pvs = {r["name"]: r for r in self.parse(data, "lspv", parsers.aix_lspv)}
        devices = {r["name"]: r for r in self.parse(data, "lsdev -C -c disk", parsers.aix_lsdev)}
        items = []
        level = None
        for name in sorted({*pvs, *devices}, key=_natural):
            pv, dev = pvs.get(name), devices.get(name)
            vg = pv["volume_group"] if pv else ""
            faults: list[tuple[Status, str]] = []
            if dev is not None and dev["status"] and dev["status"] != "Available":
                faults.append((Status.CRITICAL, dev["status"]))
            if pv is not None and pv["state"].lower() in ("missing", "removed"):
                faults.append((Status.CRITICAL, pv["state"]))
            if pv is not None and pv["pvid"].lower() == "none":
                faults.append((Status.WARNING, "no PVID"))
            if pv is None and dev is not None and dev["status"] == "Available":
                faults.append((Status.WARNING, "not listed by lspv"))
            in_group = bool(vg) and vg.lower() != "none"
            if faults:
                status = max((s for s, _ in faults), key=lambda s: s.severity)
                where = f"in {vg}" if in_group else "in no volume group"
                items.append(Item(name, status, ", ".join(t for _, t in faults) + f"; {where}"))
                if status is Status.CRITICAL and vg == "rootvg":
                    level = 1  # a failed rootvg disk (DESIGN: level 1)
            else:
                state = pv["state"] if pv else ""
                detail = f"{vg} {state}".strip() if in_group else "in no volume group"
                items.append(Item(name, Status.OK, detail))
        if not items:
            return Verdict(Status.UNKNOWN, "lspv: no disk listed")
        return Verdict(
            worst_of(items), problems_summary(items, ("disk", "disks")), items=items, level=level
        )


def _natural(name: str) -> tuple[str, int]:
    match = re.match(r"(\D*)(\d*)", name)
    prefix, number = (match.group(1), match.group(2)) if match else (name, "")
    return prefix, int(number) if number else -1


class AixDevices(CliCheckBase):
    id = "aix.devices"
    title = "Devices in Defined state (lsdev -C -S d)"
    platforms = AIX
    may_be_empty = frozenset({"lsdev -C -S d"})

    def commands(self, platform: str) -> tuple[str, ...]:
        return ("lsdev -C -S d",)

    def evaluate(self, data: CliData, ctx: CheckContext) -> Verdict | None:
        records = self.parse(data, "lsdev -C -S d", parsers.aix_lsdev)
        # Disks are aix.disks' (CRITICAL there); counting them here would ticket them twice.
        defined = [
            r
            for r in records
            if r["status"] in ("Defined", "") and not re.fullmatch(r"hdisk\d+", r["name"])
        ]
        if not defined:
            return Verdict(Status.OK, "No device in Defined state")
        items = [
            Item(r["name"], Status.WARNING, f"Defined: {r['description'] or 'no description'}")
            for r in defined
        ]
        names = [
            f"{r['name']} ({r['description']})" if r["description"] else r["name"] for r in defined
        ]
        summary = (
            f"{plural(len(defined), ('device', 'devices'))} Defined instead of Available: "
            + listing(names, 4)
        )
        return Verdict(Status.WARNING, summary, items=items)


PAGING_DEFAULT = {"warn": 70, "crit": 90}
_SIZE = {"KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}


class AixPaging(CliCheckBase):
    id = "aix.paging"
    title = "Paging space usage (lsps -s)"
    platforms = AIX

    def commands(self, platform: str) -> tuple[str, ...]:
        return ("lsps -s",)

    def evaluate(self, data: CliData, ctx: CheckContext) -> Verdict | None:
        rec = self.parse(data, "lsps -s", parsers.aix_lsps_summary)
        value = float(rec["percent_used"])
        threshold = pick_threshold(ctx, m.PAGING_USAGE, default=PAGING_DEFAULT)
        size = (to_float(rec["total"]) or 0.0) * _SIZE.get(rec["unit"], 1)
        summary = f"Paging space {fmt_num(value)}% used of {fmt_bytes(size)}"
        why = breach(value, threshold, "%")
        if why:
            summary += f": {why}"
        return Verdict(
            threshold.status(value), summary, [metric(m.PAGING_USAGE, value, None, threshold)]
        )


class AixFilesystems(CliCheckBase):
    id = "aix.filesystems"
    title = "Filesystem usage (df -k)"
    platforms = AIX

    def commands(self, platform: str) -> tuple[str, ...]:
        return ("df -k",)

    def evaluate(self, data: CliData, ctx: CheckContext) -> Verdict | None:
        records = self.parse(data, "df -k", parsers.aix_df)
        threshold = pick_threshold(ctx, m.STORAGE_USAGE)
        readings = []
        for rec in records:
            used = to_int(rec["percent_used"])
            # /proc and friends have no size; a mounted CD/DVD (cdrfs) is always 100% full.
            if used is None or re.fullmatch(r"/dev/cd\d+", rec["filesystem"]):
                continue
            blocks = to_int(rec["blocks"]) or 0
            extra = f"of {fmt_bytes(blocks * 1024)}" if blocks else ""
            readings.append(
                Reading(rec["mount_point"], float(used), threshold=threshold, extra=extra)
            )
        verdict = sensor_verdict(
            readings,
            metric_name=m.STORAGE_USAGE,
            label="Filesystem",
            noun=("filesystem", "filesystems"),
        )
        return verdict or Verdict(Status.UNKNOWN, "df -k: no filesystem with a size")


AIX_CHECKS = (AixErrpt(), AixLvm(), AixDisks(), AixDevices(), AixPaging(), AixFilesystems())
