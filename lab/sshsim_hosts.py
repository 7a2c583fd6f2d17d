"""Command interpreters of the exec platforms: an AIX ksh, a Linux bash, the Storwize CLI.

Each takes one command line (as an SSH exec request carries it, or as typed in the shell) and
returns stdout, stderr and the exit status the real host gives. Recorded outputs answer most
commands; AIX `errpt` and `lsdev` are computed from structured data (the error log and the
device list) so their flags (`errpt -d H -T PERM -s 0501000024`, `lsdev -Cc disk`,
`lsdev -C -S d`) behave as on AIX. The Storwize CLI derives `-delim X`, `-nohdr`, no delimiter,
`-filtervalue` and detail views (`lsdrive 5`) from the `-delim :` recording.
"""

from __future__ import annotations

import getopt
import re
import shlex
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, Protocol

from lab.sshsim_outputs import DeviceOutputs, parse_offset, render_time


@dataclass(frozen=True)
class ExecResult:
    stdout: str
    stderr: str = ""
    status: int = 0


class Interpreter(Protocol):
    def run(self, line: str) -> ExecResult: ...


# ------------------------------------------------------------------------------ Unix shells


class UnixShell:
    """A small ksh/bash: `;`, `&&`, `||`, pipes into grep/head/tail/wc, recorded commands."""

    not_found = "bash: {name}: command not found\n"
    denied = "bash: {name}: Permission denied\n"
    # Commands a read-only monitoring account cannot run: the shell refuses to execute them.
    privileged = frozenset(
        {
            "rm",
            "rmdir",
            "mv",
            "dd",
            "shutdown",
            "reboot",
            "halt",
            "poweroff",
            "init",
            "kill",
            "killall",
            "su",
            "sudo",
            "passwd",
            "useradd",
            "userdel",
            "usermod",
            "chmod",
            "chown",
            "mkfs",
            "mount",
            "umount",
            "systemctl",
            "crontab",
        }
    )
    known = frozenset({"df", "free", "uptime", "uname", "cat", "ps", "ls", "ip", "ss", "lsblk"})

    def __init__(self, outputs: DeviceOutputs, clock: Any) -> None:
        self.outputs = outputs
        self.clock = clock  # () -> aware datetime

    def now(self) -> datetime:
        return self.clock()

    def run(self, line: str) -> ExecResult:
        try:
            sequence = _split_sequence(line)
        except ValueError as exc:
            return ExecResult("", f"{self.shell_name}: syntax error: {exc}\n", 2)
        stdout, stderr, status = [], [], 0
        for operator, pipeline in sequence:
            if operator == "&&" and status != 0:
                continue
            if operator == "||" and status == 0:
                continue
            result = self._pipeline(pipeline)
            stdout.append(result.stdout)
            stderr.append(result.stderr)
            status = result.status
        return ExecResult("".join(stdout), "".join(stderr), status)

    shell_name = "bash"

    def _pipeline(self, commands: list[list[str]]) -> ExecResult:
        data: str | None = None
        stderr, status = "", 0
        for argv in commands:
            result = self._simple(argv, data)
            data, status = result.stdout, result.status
            stderr += result.stderr
        return ExecResult(data or "", stderr, status)

    def _simple(self, argv: list[str], stdin: str | None) -> ExecResult:
        name = argv[0]
        if name in _FILTERS:
            return _FILTERS[name](argv, stdin or "")
        if name in self.privileged:
            return ExecResult("", self.denied.format(name=name), 126)
        builtin = getattr(self, f"cmd_{name.replace('-', '_')}", None)
        recorded = self.outputs.render(" ".join(argv), self.now())
        if recorded is not None:
            return ExecResult(_ensure_newline(recorded))
        if builtin is not None:
            return builtin(argv)
        if name in self.known or self._is_known(name):
            return self.usage(argv)
        return ExecResult("", self.not_found.format(name=name), 127)

    def _is_known(self, name: str) -> bool:
        return any(command.split()[0] == name for command in self.outputs.commands)

    def usage(self, argv: list[str]) -> ExecResult:
        return ExecResult(
            "", f"{argv[0]}: invalid option or argument -- '{' '.join(argv[1:])}'\n", 1
        )

    # builtins every host answers the same way
    def cmd_echo(self, argv: list[str]) -> ExecResult:
        return ExecResult(" ".join(argv[1:]) + "\n")

    def cmd_hostname(self, argv: list[str]) -> ExecResult:
        return ExecResult(self.outputs.hostname + "\n")

    def cmd_whoami(self, argv: list[str]) -> ExecResult:
        return ExecResult("patrol\n")

    def cmd_true(self, argv: list[str]) -> ExecResult:
        return ExecResult("")

    def cmd_false(self, argv: list[str]) -> ExecResult:
        return ExecResult("", "", 1)

    def cmd_exit(self, argv: list[str]) -> ExecResult:
        return ExecResult("")

    def cmd_date(self, argv: list[str]) -> ExecResult:
        local = self.now().astimezone(self.outputs.tz)
        return ExecResult(local.strftime("%a %b %e %H:%M:%S CST %Y") + "\n")


class LinuxShell(UnixShell):
    def cmd_id(self, argv: list[str]) -> ExecResult:
        return ExecResult("uid=1001(patrol) gid=1001(patrol) groups=1001(patrol)\n")


class AixShell(UnixShell):
    shell_name = "ksh"
    not_found = "ksh: {name}:  not found.\n"
    denied = "ksh: {name}: 0403-006 Execute permission denied.\n"
    privileged = UnixShell.privileged | frozenset(
        {
            "errclear",
            "chdev",
            "rmdev",
            "mkdev",
            "cfgmgr",
            "varyonvg",
            "varyoffvg",
            "reducevg",
            "extendvg",
            "mirrorvg",
            "unmirrorvg",
            "syncvg",
            "mklv",
            "rmlv",
            "chlv",
            "chfs",
            "rmfs",
            "crfs",
            "chvg",
            "mkvg",
            "exportvg",
            "importvg",
            "chps",
            "rmps",
            "mkps",
            "swapoff",
            "bootlist",
            "diag",
            "chuser",
            "rmuser",
            "mkuser",
        }
    )
    known = frozenset(
        {
            "lsvg",
            "lspv",
            "lslv",
            "lsdev",
            "lsps",
            "df",
            "errpt",
            "oslevel",
            "uptime",
            "lsattr",
            "lscfg",
            "prtconf",
            "lslpp",
            "instfix",
            "uname",
            "cat",
            "ls",
            "ps",
        }
    )

    def cmd_id(self, argv: list[str]) -> ExecResult:
        return ExecResult("uid=205(patrol) gid=1(staff)\n")

    def usage(self, argv: list[str]) -> ExecResult:
        name, operands = argv[0], [a for a in argv[1:] if not a.startswith("-")]
        if name == "lsvg" and operands:
            return ExecResult(
                "",
                f"0516-306 lsvg: Unable to find volume group {operands[-1]} in the Device\n"
                "        Configuration Database.\n",
                1,
            )
        if name == "lspv" and operands:
            return ExecResult(
                "",
                f"0516-1396 lspv: The physical volume {operands[-1]}, was not found in the\n"
                "system database.\n",
                1,
            )
        flags = "".join(a[1:] for a in argv[1:] if a.startswith("-"))
        return ExecResult(
            "", f"{name}: Not a recognized flag: {flags[:1] or '?'}\nUsage: {name} ...\n", 2
        )

    # ------------------------------------------------------------------ errpt

    def cmd_errpt(self, argv: list[str]) -> ExecResult:
        log = self.outputs.load_data("errlog")
        if log is None:
            return ExecResult("")
        try:
            opts, _ = getopt.getopt(argv[1:], "ad:T:s:e:N:j:J:k:")
        except getopt.GetoptError as exc:
            return ExecResult("", f"errpt: {exc.msg}\nUsage: errpt [-a] [-d ErrorClass] ...\n", 1)
        options = dict(opts)
        now = self.now().astimezone(self.outputs.tz)
        entries = []
        for seq, raw in enumerate(sorted(log["entries"], key=_errlog_age, reverse=True), 1):
            when = now - parse_offset(str(raw["ago"]))
            entries.append((seq + int(log.get("first_sequence", 1000)), when, raw))
        selected = []
        for seq, when, raw in entries:
            if "-d" in options and raw["class"] not in options["-d"].split(","):
                continue
            if "-T" in options and raw["type"] not in options["-T"].split(","):
                continue
            if "-N" in options and raw["resource"] not in options["-N"].split(","):
                continue
            if "-j" in options and raw["id"] not in options["-j"].split(","):
                continue
            if "-J" in options and raw["label"] not in options["-J"].split(","):
                continue
            if "-s" in options and when < _errpt_time(options["-s"], now):
                continue
            if "-e" in options and when > _errpt_time(options["-e"], now):
                continue
            selected.append((seq, when, raw))
        selected.reverse()  # newest first, as errpt prints
        if "-a" in options:
            return ExecResult("".join(self._errpt_detail(s, w, r, log) for s, w, r in selected))
        if not selected:
            return ExecResult("")
        lines = ["IDENTIFIER TIMESTAMP  T C RESOURCE_NAME  DESCRIPTION"]
        for _seq, when, raw in selected:
            lines.append(
                f"{raw['id']:<10} {when:%m%d%H%M%y} {raw['type'][0]} {raw['class']} "
                f"{raw['resource']:<14} {raw['description']}"
            )
        return ExecResult("\n".join(lines) + "\n")

    def _errpt_detail(self, seq: int, when: datetime, raw: dict[str, Any], log: dict) -> str:
        def block(title: str, key: str) -> str:
            items = raw.get(key) or []
            return f"{title}\n" + "".join(f"{item}\n" for item in items) + "\n"

        actions = "".join(f"\t{item}\n" for item in raw.get("actions") or [])
        detail = raw.get("detail") or ""
        return (
            "-" * 75 + "\n"
            f"LABEL:\t\t{raw['label']}\n"
            f"IDENTIFIER:\t{raw['id']}\n\n"
            f"Date/Time:       {when:%a %b %e %H:%M:%S} CST {when:%Y}\n"
            f"Sequence Number: {seq}\n"
            f"Machine Id:      {log.get('machine_id', '')}\n"
            f"Node Id:         {self.outputs.hostname}\n"
            f"Class:           {raw['class']}\n"
            f"Type:            {raw['type']}\n"
            f"WPAR:            Global\n"
            f"Resource Name:   {raw['resource']}\n"
            f"Resource Class:  {raw.get('resource_class', 'NONE')}\n"
            f"Resource Type:   {raw.get('resource_type', 'NONE')}\n"
            f"Location:        {raw.get('location', '')}\n\n"
            f"Description\n{raw['description']}\n\n"
            + block("Probable Causes", "probable_causes")
            + block("Failure Causes", "failure_causes")
            + f"\tRecommended Actions\n{actions}\n"
            + f"Detail Data\n{detail}"
            + ("" if detail.endswith("\n") or not detail else "\n")
            + "\n"
        )

    # ------------------------------------------------------------------ lsdev

    def cmd_lsdev(self, argv: list[str]) -> ExecResult:
        devices = self.outputs.load_data("devices")
        if devices is None:
            return self.usage(argv)
        try:
            opts, rest = getopt.getopt(argv[1:], "CPHc:s:t:S:l:F:r:")
        except getopt.GetoptError as exc:
            return ExecResult("", f"lsdev: {exc.msg}\nUsage: lsdev [-C][-c Class] ...\n", 1)
        if rest:
            return self.usage(argv)
        options = dict(opts)
        states = {"a": "Available", "d": "Defined", "s": "Stopped"}
        rows = []
        for dev in devices["devices"]:
            if "-c" in options and dev["class"] != options["-c"]:
                continue
            if "-s" in options and dev.get("subclass") != options["-s"]:
                continue
            if "-t" in options and dev.get("type") != options["-t"]:
                continue
            if "-l" in options and not re.fullmatch(options["-l"].replace("*", ".*"), dev["name"]):
                continue
            if "-S" in options and dev["status"] != states.get(options["-S"][:1].lower()):
                continue
            rows.append(dev)
        if "-l" in options and not rows:
            return ExecResult(
                "",
                f"lsdev: 0514-519 The following device was not found in the customized\n"
                f"\tdevice configuration database:\n\t{options['-l']}\n",
                1,
            )
        if "-F" in options:
            fmt = options["-F"]
            out = []
            for dev in rows:
                fields = {k: str(v) for k, v in dev.items()}
                out.append(re.sub(r"[A-Za-z_]+", partial(_field, fields), fmt))
            return ExecResult("".join(f"{line}\n" for line in out))
        if not rows:
            return ExecResult("")
        name_w = max(len(d["name"]) for d in rows)
        loc_w = max(len(d.get("location", "")) for d in rows)
        lines = []
        if "-H" in options:
            lines.append(f"{'name':<{name_w}} {'status':<9} {'location':<{loc_w}} description")
        for dev in rows:
            loc = dev.get("location", "")
            lines.append(
                f"{dev['name']:<{name_w}} {dev['status']:<9} {loc:<{loc_w}} {dev['description']}"
            )
        return ExecResult("\n".join(line.rstrip() for line in lines) + "\n")


def _field(fields: dict[str, str], m: re.Match[str]) -> str:
    return fields.get(m.group(), m.group())


def _errlog_age(raw: dict[str, Any]) -> timedelta:
    return parse_offset(str(raw["ago"]))


def _errpt_time(text: str, now: datetime) -> datetime:
    """errpt's mmddhhmmyy, in the host's time zone."""
    m = re.fullmatch(r"(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)", text)
    if not m:
        return now
    month, day, hour, minute, year = (int(g) for g in m.groups())
    return now.replace(
        year=2000 + year, month=month, day=day, hour=hour, minute=minute, second=0, microsecond=0
    )


# pipe filters: (argv, stdin) -> result


def _grep(argv: list[str], data: str) -> ExecResult:
    try:
        opts, rest = getopt.getopt(argv[1:], "viEwcF")
    except getopt.GetoptError as exc:
        return ExecResult("", f"{argv[0]}: {exc.msg}\n", 2)
    if not rest:
        return ExecResult("", f"Usage: {argv[0]} [-v] [-i] [-c] pattern\n", 2)
    flags = {o for o, _ in opts}
    pattern = rest[0]
    if "-F" in flags:
        pattern = re.escape(pattern)
    if "-w" in flags:
        pattern = rf"\b(?:{pattern})\b"
    try:
        regex = re.compile(pattern, re.IGNORECASE if "-i" in flags else 0)
    except re.error:
        regex = re.compile(re.escape(pattern))
    lines = [ln for ln in data.splitlines() if bool(regex.search(ln)) != ("-v" in flags)]
    if "-c" in flags:
        return ExecResult(f"{len(lines)}\n", "", 0 if lines else 1)
    return ExecResult("".join(f"{ln}\n" for ln in lines), "", 0 if lines else 1)


def _count_arg(argv: list[str], default: int = 10) -> int:
    args = argv[1:]
    if args[:1] == ["-n"] and len(args) > 1 and args[1].isdigit():
        return int(args[1])
    if args and re.fullmatch(r"-\d+", args[0]):
        return int(args[0][1:])
    return default


def _head(argv: list[str], data: str) -> ExecResult:
    return ExecResult("".join(f"{ln}\n" for ln in data.splitlines()[: _count_arg(argv)]))


def _tail(argv: list[str], data: str) -> ExecResult:
    n = _count_arg(argv)
    return ExecResult("".join(f"{ln}\n" for ln in data.splitlines()[-n:] if n))


def _wc(argv: list[str], data: str) -> ExecResult:
    return ExecResult(f"{len(data.splitlines()):>8}\n")


_FILTERS = {"grep": _grep, "egrep": _grep, "head": _head, "tail": _tail, "wc": _wc}


def _split_sequence(line: str) -> list[tuple[str, list[list[str]]]]:
    """`a | b && c ; d` -> [(";", [[a], [b]]), ("&&", [[c]]), (";", [[d]])]."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|")
    lexer.whitespace_split = True
    lexer.commenters = ""
    tokens = list(lexer)
    sequence: list[tuple[str, list[list[str]]]] = []
    operator, pipeline, argv = ";", [], []  # type: ignore[var-annotated]
    for token in tokens:
        if token in (";", "&&", "||", "|"):
            if not argv:
                raise ValueError(f"unexpected `{token}'")
            pipeline.append(argv)
            argv = []
            if token != "|":
                sequence.append((operator, pipeline))
                operator, pipeline = token, []
        elif token and set(token) <= set(";&|"):
            raise ValueError(f"unexpected `{token}'")
        else:
            argv.append(token)
    if argv:
        pipeline.append(argv)
    elif pipeline:
        raise ValueError("unexpected end of file")
    if pipeline:
        sequence.append((operator, pipeline))
    return sequence


def _ensure_newline(text: str) -> str:
    return text if not text or text.endswith("\n") else text + "\n"


# ---------------------------------------------------------------------------- Storwize CLI

_TASK_VERB = re.compile(
    r"^(mk|rm|ch|add|start|stop|apply|prestart|set|expand|shrink|migrate|include|detect|split|"
    r"clear|dump|trigger|recover|repair|resetleds|cancel|cfg|upgrade|finderr|restore|backup|swap|"
    r"charray|sendinventoryemail|testemail|cherrstate)"
)
_STORWIZE_FLAGS = frozenset({"-nohdr", "-bytes", "-gui"})
_STORWIZE_VALUE_OPTIONS = frozenset(
    {"-delim", "-filtervalue", "-fixed", "-alert", "-message", "-monitoring", "-expired", "-order"}
)


class StorwizeCli:
    """The Storwize/SVC restricted CLI as the `patrol` user (Monitor role) sees it."""

    unsupported = "CMMVC6051E An unsupported command was specified."
    not_authorized = (
        "CMMVC6253E The task has failed because the user's role is not authorized to submit "
        "the command."
    )
    no_object = (
        "CMMVC5804E The action failed because an object that was specified in the command does "
        "not exist."
    )

    def __init__(self, outputs: DeviceOutputs, clock: Any) -> None:
        self.outputs = outputs
        self.clock = clock

    def run(self, line: str) -> ExecResult:
        try:
            argv = shlex.split(line)
        except ValueError:
            return ExecResult("", self.unsupported + "\n", 1)
        if not argv:
            return ExecResult("")
        if argv[0] == "svctask" or (argv[0] != "svcinfo" and _TASK_VERB.match(argv[0])):
            if argv[0] == "svctask" and len(argv) == 1:
                return ExecResult("", self.unsupported + "\n", 1)
            return ExecResult("", self.not_authorized + "\n", 1)
        if argv[0] == "svcinfo":
            argv = argv[1:]
            if not argv:
                return ExecResult("", self.unsupported + "\n", 1)
        name = argv[0]
        if any(ch in line for ch in ";|&`$><"):
            return ExecResult("", self.unsupported + "\n", 1)
        if not name.startswith("ls") and name not in ("showtimezone", "svqueryclock"):
            return ExecResult("", self.unsupported + "\n", 1)
        options: dict[str, str] = {}
        positional: list[str] = []
        i = 1
        while i < len(argv):
            arg = argv[i]
            if arg in _STORWIZE_FLAGS:
                options[arg] = ""
            elif arg.startswith("-"):
                if arg not in _STORWIZE_VALUE_OPTIONS:
                    return ExecResult("", f"CMMVC5709E [{arg}] is not a supported parameter.\n", 1)
                if i + 1 >= len(argv):
                    return ExecResult(
                        "", f"CMMVC5707E Required parameters are missing. [{arg}]\n", 1
                    )
                options[arg] = argv[i + 1]
                i += 1
            else:
                positional.append(arg)
            i += 1
        return self._answer(name, options, positional)

    def _answer(self, name: str, options: dict[str, str], positional: list[str]) -> ExecResult:
        # Recorded keys list their selecting options sorted, then `-delim :` (the README says so).
        selectors = sorted(
            f"{opt} {val}"
            for opt, val in options.items()
            if opt not in ("-delim", "-nohdr", "-filtervalue", "-bytes")
        )
        key = " ".join([name, *positional, *selectors, "-delim :"])
        text = self.outputs.render(key, self.clock())
        detail_of: str | None = None
        if text is None and positional:
            base = self.outputs.render(" ".join([name, *selectors, "-delim :"]), self.clock())
            if base is None:
                return ExecResult("", self.unsupported + "\n", 1)
            text, detail_of = base, positional[0]
        if text is None:
            if self._known(name):
                return ExecResult("")
            return ExecResult("", self.unsupported + "\n", 1)
        lines = [ln for ln in text.splitlines() if ln.strip()]
        delim = options.get("-delim")
        is_table = bool(lines) and _looks_like_table(lines)
        if is_table:
            header = lines[0].split(":")
            rows = [ln.split(":") for ln in lines[1:]]
            if "-filtervalue" in options:
                rows = _filter_rows(header, rows, options["-filtervalue"])
            if detail_of is not None:
                match = [r for r in rows if detail_of in (r[0], r[1] if len(r) > 1 else "")]
                if not match:
                    return ExecResult("", self.no_object + "\n", 1)
                pairs = list(zip(header, match[0], strict=False))
                return ExecResult(_render_detail(pairs, delim))
            if not rows:
                return ExecResult("")
            return ExecResult(_render_table(header, rows, delim, "-nohdr" in options))
        if detail_of is not None:
            return ExecResult("", self.no_object + "\n", 1)
        pairs = [tuple(ln.split(":", 1)) if ":" in ln else (ln, "") for ln in lines]
        return ExecResult(_render_detail(pairs, delim))  # type: ignore[arg-type]

    def _known(self, name: str) -> bool:
        return name in {
            "lsvdisk", "lsmdisk", "lsmdiskgrp", "lshost", "lsarray", "lsportfc", "lsiogrp",
            "lsnode", "lsuser", "lsfabric", "lsvdiskcopy", "lshostvdiskmap", "lsenclosurecanister",
            "lsenclosureslot", "lsdumps", "lscurrentuser",
        } or any(c.split()[0] == name for c in self.outputs.commands)  # fmt: skip


def _looks_like_table(lines: list[str]) -> bool:
    first = lines[0].split(":")
    return len(first) > 2 and all(re.fullmatch(r"[A-Za-z_]+", f or "x") for f in first)


def _filter_rows(header: list[str], rows: list[list[str]], expr: str) -> list[list[str]]:
    kept = rows
    for clause in expr.split(":"):
        if "=" not in clause:
            continue
        field, value = clause.split("=", 1)
        if field not in header:
            return []
        col = header.index(field)
        regex = re.compile(re.escape(value).replace(r"\*", ".*") + "$")
        kept = [r for r in kept if col < len(r) and regex.match(r[col])]
    return kept


def _render_table(header: list[str], rows: list[list[str]], delim: str | None, nohdr: bool) -> str:
    table = rows if nohdr else [header, *rows]
    if delim is not None:
        return "".join(delim.join(r) + "\n" for r in table)
    widths = [max(len(r[i]) if i < len(r) else 0 for r in table) for i in range(len(header))]
    out = []
    for r in table:
        cells = [(r[i] if i < len(r) else "").ljust(widths[i]) for i in range(len(header))]
        out.append(" ".join(cells).rstrip())
    return "".join(line + "\n" for line in out)


def _render_detail(pairs: list[tuple[str, str]], delim: str | None) -> str:
    sep = delim if delim is not None else " "
    return "".join(f"{k}{sep}{v}\n" for k, v in pairs)


def interpreter(outputs: DeviceOutputs, platform_id: str, clock: Any = None) -> Interpreter:
    clock = clock or (lambda: datetime.now(UTC))
    if platform_id == "ibm_aix":
        return AixShell(outputs, clock)
    if platform_id == "linux":
        return LinuxShell(outputs, clock)
    if platform_id == "ibm_storwize":
        return StorwizeCli(outputs, clock)
    raise ValueError(f"{platform_id} has no exec interpreter")


__all__ = ["AixShell", "ExecResult", "LinuxShell", "StorwizeCli", "interpreter", "render_time"]
