"""One parser per (platform family, command): raw screen text in, records out.

Records are dicts with lower-case keys, as TextFSM/ntc-templates produce them, so they compare
with ntc-templates' expected `.yml` records. A parser that does not recognise the shape of its
output (another command's output, a truncated screen, a banner) raises `OutputError` with a
short reason; it never returns an empty list for garbage. Which template reads which output:

command (platform)                        -> template
show version (cisco_ios, cisco_xe)        -> ntc cisco_ios_show_version
show version (cisco_nxos)                 -> ntc cisco_nxos_show_version
show environment [all] (cisco_ios, _xe)   -> ours cisco_env_status, _temperature, _power_table,
                                             _sensors (each reads the layouts it knows)
show environment (cisco_nxos)             -> ours cisco_nxos_show_environment
show logging (all Cisco)                  -> ours cisco_show_logging
show interfaces / show interface (nxos)   -> ours cisco_ios_show_interfaces / cisco_nxos_...
display version, display device (huawei)  -> ntc huawei_vrp_display_version / _device
                                             (NE/CX routers' layout: ours huawei_display_device_ne)
display alarm active, logbuffer, cpu-usage, memory-usage, fan, power -> ours huawei_display_*
errpt, lsvg, lsvg -l, lsvg -p, lspv, lsdev, lsps -s, df (ibm_aix) -> ours aix_*
lsvg -o (ibm_aix)                         -> none: one volume group name per line
ls* -delim : (ibm_storwize)               -> none: header line + rows split on ':'
"""

from __future__ import annotations

import re
from pathlib import Path

from checks.cli.parsing import (
    OutputError,
    Record,
    delimited,
    meaningful_lines,
    normalize,
    ntc_template,
    own_template,
    run_template,
)

# ntc-templates has no cisco_xe or huawei_vrpv8 templates: IOS-XE prints IOS's layouts and
# VRP8 (CE) VRP's, and ntc-templates' own tests feed them through those templates.
_NTC_PLATFORM = {"cisco_xe": "cisco_ios", "huawei_vrpv8": "huawei_vrp"}


def ntc_platform(platform: str) -> str:
    return _NTC_PLATFORM.get(platform, platform)


def _ntc(platform: str, command: str) -> Path:
    return ntc_template(f"{ntc_platform(platform)}_{command.replace(' ', '_')}.textfsm")


def _one(records: list[Record], what: str) -> Record:
    if not records:
        raise OutputError(f"output not understood (no {what} found)")
    return records[0]


# --- Cisco ---------------------------------------------------------------------------------------


def cisco_version(platform: str, text: str) -> Record:
    """ntc-templates' show version record (IOS/IOS-XE or NX-OS fields)."""
    record = _one(run_template(_ntc(platform, "show version"), text), "version information")
    if not record.get("uptime"):
        raise OutputError("no uptime line (truncated output?)")
    return record


def cisco_environment(platform: str, text: str) -> dict[str, list[Record]]:
    """Environment readings by layout: NX-OS "nxos"; IOS/IOS-XE "status", "temperature",
    "power", "sensors" (every layout the output contains)."""
    if platform == "cisco_nxos":
        parts = {"nxos": run_template(own_template("cisco_nxos_show_environment.textfsm"), text)}
    else:
        parts = {
            "status": run_template(own_template("cisco_env_status.textfsm"), text),
            "temperature": run_template(own_template("cisco_env_temperature.textfsm"), text),
            "power": run_template(own_template("cisco_env_power_table.textfsm"), text),
            "sensors": run_template(own_template("cisco_env_sensors.textfsm"), text),
        }
    if not any(parts.values()):
        raise OutputError("output not understood (no fan, power or temperature reading)")
    return parts


def cisco_logging(text: str) -> list[Record]:
    """Messages of show logging (IOS, IOS-XE, NX-OS), oldest first as the device prints them."""
    records = run_template(own_template("cisco_show_logging.textfsm"), text)
    if not records and not re.search(
        r"^\s*(Syslog logging:|Log Buffer|Logging\s+\w+:)", normalize(text), re.MULTILINE
    ):
        raise OutputError("output not understood (neither log messages nor logging status)")
    return records


def cisco_buffer_logging(text: str) -> str | None:
    """The "Buffer logging:" state of IOS show logging: "disabled", "level debugging", None."""
    match = re.search(r"^\s*Buffer logging:\s*(disabled|level \w+)", normalize(text), re.M)
    return match.group(1) if match else None


def cisco_interfaces(platform: str, text: str) -> list[Record]:
    name = (
        "cisco_nxos_show_interface.textfsm"
        if platform == "cisco_nxos"
        else "cisco_ios_show_interfaces.textfsm"
    )
    records = run_template(own_template(name), text)
    if not records:
        raise OutputError("output not understood (no interface found)")
    return records


# --- Huawei --------------------------------------------------------------------------------------


def huawei_version(platform: str, text: str) -> Record:
    record = _one(run_template(_ntc(platform, "display version"), text), "version information")
    if not record.get("uptime"):
        raise OutputError("no uptime line (truncated output?)")
    return record


def huawei_device(platform: str, text: str) -> list[Record]:
    """ntc-templates' display device records; separator lines of dashes with spaces
    ("- - - -", VRP5 S-series) are made plain dashes first, which is all the template lacks.
    NE/CX routers print another layout ("Slot # Type Online Register Status Primary"): ours."""
    lines = [re.sub(r"^(\s*-)(\s+-)+\s*$", "-" * 40, line) for line in normalize(text).split("\n")]
    if re.search(r"^Slot\s+#\s+Type\s+Online\s+Register", text, re.MULTILINE):
        template = own_template("huawei_display_device_ne.textfsm")
    else:
        template = _ntc(platform, "display device")
    records = run_template(template, "\n".join(lines))
    if not records:
        raise OutputError("output not understood (no board found)")
    return records


def huawei_alarms(text: str) -> list[Record]:
    """Active alarms (records with a SEQUENCE); [] for a recognised empty list. DESCRIPTION is
    one string: VRP8's table cuts it into lines of a fixed width, mid-word where the width
    falls (a full-width line joins the next without a space); VRP5's slash records prefix it
    with the alarm's OID, dropped here."""
    records = run_template(own_template("huawei_display_alarm_active.textfsm"), text)
    if not records:
        raise OutputError("output not understood (no alarm table, legend or 'No alarm')")
    alarms = [r for r in records if r["sequence"]]
    width = max((len(part) for r in alarms for part in r["description"]), default=0)
    for rec in alarms:
        parts = [part.strip() for part in rec["description"]]
        joined = ""
        for index, part in enumerate(parts):
            full = index > 0 and rec["header"] == "Sequence" and len(parts[index - 1]) >= width
            joined += part if index == 0 or full else " " + part
        rec["description"] = re.sub(r"^OID\s+[\d.]+\s+", "", joined)
    return alarms


def huawei_logbuffer(text: str) -> list[Record]:
    records = run_template(own_template("huawei_display_logbuffer.textfsm"), text)
    if not records and not re.search(r"Logging buffer", text, re.IGNORECASE):
        raise OutputError("output not understood (no log buffer banner or message)")
    return records


def huawei_cpu(text: str) -> Record:
    return _one(run_template(own_template("huawei_display_cpu_usage.textfsm"), text), "CPU usage")


def huawei_memory(text: str) -> Record:
    records = run_template(own_template("huawei_display_memory_usage.textfsm"), text)
    return _one(records, "memory usage")


def huawei_fans(text: str) -> list[Record]:
    records = run_template(own_template("huawei_display_fan.textfsm"), text)
    if not records:
        raise OutputError("output not understood (no fan found)")
    return records


def huawei_power(text: str) -> list[Record]:
    records = run_template(own_template("huawei_display_power.textfsm"), text)
    if not records:
        raise OutputError("output not understood (no power module found)")
    return records


# --- IBM AIX -------------------------------------------------------------------------------------


def aix_errpt(text: str) -> list[Record]:
    """Error log entries, newest first; [] for an empty log (errpt prints nothing then)."""
    if not meaningful_lines(text):
        return []
    records = run_template(own_template("aix_errpt.textfsm"), text)
    if not records:
        raise OutputError("output not understood (no errpt header)")
    return [r for r in records if r["identifier"]]


def aix_lsvg_online(text: str) -> list[str]:
    """Volume group names of lsvg -o (one per line)."""
    names = [line.strip() for line in meaningful_lines(text)]
    bad = [n for n in names if not re.fullmatch(r"[A-Za-z0-9_.\-]+", n)]
    if bad or not names:
        raise OutputError(f"output not understood (not a volume group name: {bad[:1] or ''})")
    return names


def aix_lsvg(text: str) -> Record:
    record = _one(run_template(own_template("aix_lsvg.textfsm"), text), "VOLUME GROUP line")
    if not record.get("vg_state"):
        raise OutputError("no VG STATE line (truncated output?)")
    return record


def aix_lsvg_l(text: str) -> list[Record]:
    return run_template(own_template("aix_lsvg_l.textfsm"), text)


def aix_lsvg_p(text: str) -> list[Record]:
    records = run_template(own_template("aix_lsvg_p.textfsm"), text)
    if not records:
        raise OutputError("output not understood (no physical volume)")
    return records


def aix_lspv(text: str) -> list[Record]:
    records = run_template(own_template("aix_lspv.textfsm"), text)
    if not records:
        raise OutputError("output not understood (no physical volume)")
    return records


def aix_lsdev(text: str) -> list[Record]:
    """Devices of lsdev; [] for an empty listing (no device in the state asked for)."""
    return run_template(own_template("aix_lsdev.textfsm"), text)


def aix_lsps_summary(text: str) -> Record:
    return _one(run_template(own_template("aix_lsps_s.textfsm"), text), "paging space summary")


def aix_df(text: str) -> list[Record]:
    records = run_template(own_template("aix_df.textfsm"), text)
    if not records:
        raise OutputError("output not understood (no df header or filesystem)")
    return records


# --- IBM Storwize / SVC --------------------------------------------------------------------------


def svc_table(text: str, required: tuple[str, ...]) -> list[Record]:
    """A `-delim :` listing. No template: the first line names the columns, every other line
    is one row split on ':' (a ':' inside a description is joined back). [] when the system
    has no such object (the CLI then prints nothing at all)."""
    lines = meaningful_lines(text)
    if not lines:
        return []
    missing = [c for c in required if c not in lines[0].split(":")]
    if missing:
        raise OutputError(f"output not understood (no column {', '.join(missing)})")
    return delimited(text, ":", free_text=("description",))
