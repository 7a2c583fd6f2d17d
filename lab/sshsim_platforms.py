"""How each simulated platform's CLI behaves: prompts, banners, paging, errors, keyword trees.

Platform knowledge is data here (one `Platform` per platform id); the code below it only walks
that data: `CommandTree.resolve()` expands abbreviations keyword by keyword exactly like the
vendor parser does (any unambiguous prefix of each keyword, case-insensitive) and reports the
vendor's error with the caret position when it cannot. Output filters (`| include X`, ...) are
parsed and applied here too.

The keyword trees hold the real keywords of each level (not only those we have outputs for), so
that ambiguity is faithful: `sh e` is ambiguous on IOS because `show` also has `eigrp`,
`errdisable`, `etherchannel` and `ethernet`, not only `environment`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

# A keyword tree: keyword -> subtree. `None` = a runnable command with no further keywords;
# a dict = further keywords, where the key RUN marks that the node itself is runnable too.
# `<int:lo-hi>` is an integer parameter.
Tree = dict[str, "Tree | None"]
RUN = ""

Kind = Literal["network", "unix", "storwize"]


@dataclass(frozen=True)
class Platform:
    id: str
    kind: Kind
    prompt: str  # str.format(hostname=...)
    pre_auth_banner: str  # sent during SSH authentication (the legal warning banks configure)
    motd: str  # printed after login, before the first prompt; str.format(hostname, login_time)
    login_time_format: str = "%Y-%m-%d %H:%M:%S%z"
    more: str = ""  # the paging prompt
    more_erase: str = ""  # what the device sends to wipe the paging prompt after a key
    page_lines: int = 24  # terminal length at login; output lines per page = page_lines - 1
    exec_requests: bool = False  # does the platform run SSH exec requests (no pty)?
    tree: Tree = field(default_factory=dict)
    denied: frozenset[str] = frozenset()  # top-level keywords the lab account may not run
    actions: dict[str, str] = field(default_factory=dict)  # canonical command -> builtin action
    errors: dict[str, str] = field(default_factory=dict)  # error kind -> text (see render_error)
    filters: tuple[str, ...] = ()  # output filter keywords after `|`
    multiple_pipes: bool = False
    silent_info: dict[str, str] = field(default_factory=dict)  # builtin action -> message


BANKING_BANNER = (
    "*************************************************************\r\n"
    "* Fuzhou Commercial Bank - authorised access only.          *\r\n"
    "* All sessions are logged. Disconnect now if not authorised.*\r\n"
    "*************************************************************\r\n"
)

# --------------------------------------------------------------------------- Cisco IOS / IOS-XE

_CISCO_SHOW: Tree = {
    "aaa": None,
    "access-lists": None,
    "archive": None,
    "arp": None,
    "boot": None,
    "buffers": None,
    "cdp": {"neighbors": {RUN: None, "detail": None}, "interface": None},
    "class-map": None,
    "clock": {RUN: None, "detail": None},
    "configuration": None,
    "controllers": None,
    "crypto": None,
    "debugging": None,
    "dhcp": None,
    "diag": None,
    "dot1x": None,
    "eigrp": None,
    "environment": {
        RUN: None,
        "all": None,
        "fan": None,
        "power": {RUN: None, "all": None},
        "rps": None,
        "stack": None,
        "temperature": {RUN: None, "status": None},
    },
    "errdisable": None,
    "etherchannel": {RUN: None, "summary": None},
    "ethernet": None,
    "file": None,
    "flash:": None,
    "history": None,
    "hosts": None,
    "interfaces": {
        RUN: None,
        "counters": {RUN: None, "errors": None},
        "description": None,
        "status": None,
        "summary": None,
        "switchport": None,
        "trunk": None,
    },
    "inventory": None,
    "ip": {
        "arp": None,
        "bgp": None,
        "cef": None,
        "dhcp": None,
        "eigrp": None,
        "interface": {RUN: None, "brief": None},
        "nat": None,
        "ospf": None,
        "protocols": None,
        "route": None,
        "ssh": None,
        "vrf": None,
    },
    "ipv6": None,
    "license": None,
    "line": None,
    "lldp": {"neighbors": {RUN: None, "detail": None}},
    "logging": {RUN: None, "history": None, "onboard": None},
    "mac": None,
    "memory": {RUN: None, "statistics": None},
    "module": None,
    "monitor": None,
    "ntp": {"associations": None, "status": None},
    "platform": None,
    "policy-map": None,
    "power": None,
    "privilege": None,
    "processes": {
        RUN: None,
        "cpu": {RUN: None, "history": None, "sorted": None},
        "memory": {RUN: None, "sorted": None},
    },
    "redundancy": None,
    "running-config": None,
    "sessions": None,
    "snmp": None,
    "spanning-tree": None,
    "standby": None,
    "startup-config": None,
    "switch": None,
    "tech-support": None,
    "terminal": None,
    "users": None,
    "version": None,
    "vlan": None,
    "vtp": None,
}

_CISCO_TOP: Tree = {
    "access-enable": None,
    "archive": None,
    "cd": None,
    "clear": None,
    "clock": None,
    "configure": {RUN: None, "terminal": None, "memory": None, "network": None},
    "connect": None,
    "copy": None,
    "debug": None,
    "delete": None,
    "diagnostic": None,
    "dir": None,
    "disable": None,
    "disconnect": None,
    "enable": None,
    "erase": None,
    "exit": None,
    "format": None,
    "fsck": None,
    "help": None,
    "lock": None,
    "logout": None,
    "mkdir": None,
    "monitor": None,
    "more": None,
    "no": None,
    "ping": None,
    "pwd": None,
    "quit": None,
    "reload": None,
    "rename": None,
    "rmdir": None,
    "send": None,
    "setup": None,
    "show": _CISCO_SHOW,
    "ssh": None,
    "systat": None,
    "tclsh": None,
    "telnet": None,
    "terminal": {
        "length": {"<int:0-512>": None},
        "width": {"<int:0-512>": None},
        "monitor": None,
        "no": {"monitor": None},
    },
    "test": None,
    "traceroute": None,
    "undebug": None,
    "verify": None,
    "where": None,
    "write": {RUN: None, "memory": None, "erase": None, "terminal": None},
}

_CISCO_DENIED = frozenset(
    {
        "archive",
        "clear",
        "clock",
        "configure",
        "copy",
        "debug",
        "delete",
        "erase",
        "format",
        "fsck",
        "lock",
        "mkdir",
        "no",
        "reload",
        "rename",
        "rmdir",
        "send",
        "setup",
        "tclsh",
        "test",
        "undebug",
        "write",
    }
)

_CISCO_ACTIONS = {
    "terminal length <int>": "paging",
    "terminal width <int>": "noop",
    "terminal monitor": "noop",
    "terminal no monitor": "noop",
    "exit": "logout",
    "logout": "logout",
    "quit": "logout",
    "enable": "noop",
    "disable": "noop",
}

_CISCO_ERRORS = {
    "invalid": "{caret}\r\n% Invalid input detected at '^' marker.\r\n\r\n",
    "too_many": "{caret}\r\n% Invalid input detected at '^' marker.\r\n\r\n",
    "wrong_parameter": "{caret}\r\n% Invalid input detected at '^' marker.\r\n\r\n",
    "incomplete": "% Incomplete command.\r\n\r\n",
    "ambiguous": '% Ambiguous command:  "{line}"\r\n',
    "denied": "Command authorization failed.\r\n\r\n",
}

_CISCO_COMMON = dict(
    kind="network",
    prompt="{hostname}#",
    pre_auth_banner=BANKING_BANNER,
    more=" --More-- ",
    # IOS wipes " --More-- " with backspaces, blanks, backspaces.
    more_erase="\b" * 10 + " " * 10 + "\b" * 10,
    page_lines=24,
    exec_requests=True,  # `ssh router "show version"` runs one command on IOS and closes
    denied=_CISCO_DENIED,
    actions=_CISCO_ACTIONS,
    errors=_CISCO_ERRORS,
    filters=("append", "begin", "count", "exclude", "include", "redirect", "section", "tee"),
)

CISCO_IOS = Platform(
    id="cisco_ios",
    motd="\r\n{hostname}: Minhou branch access layer. Changes only under an approved CR.\r\n\r\n",
    tree=_CISCO_TOP,
    **_CISCO_COMMON,  # type: ignore[arg-type]
)

_XE_TOP: Tree = dict(_CISCO_TOP)
_XE_TOP["show"] = dict(_CISCO_SHOW)
_XE_TOP["show"]["environment"] = {  # type: ignore[index]
    RUN: None,
    "all": None,
    "location": None,
    "summary": None,
    "table": None,
}

CISCO_XE = Platform(
    id="cisco_xe",
    motd="\r\n{hostname}: head office WAN edge. Changes only under an approved CR.\r\n\r\n",
    tree=_XE_TOP,
    **_CISCO_COMMON,  # type: ignore[arg-type]
)

# ------------------------------------------------------------------------------- Huawei VRP

_HUAWEI_DISPLAY: Tree = {
    "aaa": None,
    "acl": None,
    "alarm": {"active": {RUN: None, "verbose": None}, "history": None, "statistics": None},
    "arp": {RUN: None, "all": None, "brief": None},
    "bfd": None,
    "clock": None,
    "cpu-usage": None,
    "current-configuration": None,
    "debugging": None,
    "device": {RUN: None, "manufacture-info": None},
    "dhcp": None,
    "diagnostic-information": None,
    "elabel": {RUN: None, "brief": None},
    "esn": None,
    "eth-trunk": None,
    "fan": None,
    "health": None,
    "history-command": None,
    "info-center": None,
    "interface": {RUN: None, "brief": None, "description": None},
    "ip": {"interface": {"brief": None}, "routing-table": None},
    "ipv6": None,
    "lacp": None,
    "license": None,
    "lldp": {"neighbor": {RUN: None, "brief": None}},
    "logbuffer": None,
    "mac-address": None,
    "memory-usage": None,
    "ntp": {"status": None},
    "ospf": None,
    "patch-information": None,
    "power": None,
    "saved-configuration": None,
    "snmp-agent": None,
    "ssh": None,
    "startup": None,
    "stp": None,
    "temperature": {RUN: None, "all": None},
    "trapbuffer": None,
    "users": None,
    "version": None,
    "vlan": None,
    "vrrp": None,
}

_HUAWEI_TOP: Tree = {
    "cd": None,
    "clock": None,
    "copy": None,
    "debugging": None,
    "delete": None,
    "dir": None,
    "display": _HUAWEI_DISPLAY,
    "format": None,
    "ftp": None,
    "language-mode": None,
    "local-user": None,
    "lock": None,
    "mkdir": None,
    "more": None,
    "move": None,
    "patch": None,
    "ping": None,
    "pwd": None,
    "quit": None,
    "reboot": None,
    "rename": None,
    "reset": None,
    "return": None,
    "rmdir": None,
    "save": None,
    "schedule": None,
    "screen-length": {"<int:0-512>": {"temporary": None}},
    "screen-width": {"<int:80-512>": {"temporary": None}},
    "send": None,
    "sftp": None,
    "ssh": None,
    "startup": None,
    "stelnet": None,
    "super": None,
    "system-view": None,
    "telnet": None,
    "terminal": {"monitor": None, "logging": None, "debugging": None},
    "tftp": None,
    "tracert": None,
    "undelete": None,
    "undo": None,
    "upgrade": None,
}

_HUAWEI_DENIED = frozenset(
    {
        "clock",
        "copy",
        "debugging",
        "delete",
        "format",
        "ftp",
        "local-user",
        "lock",
        "mkdir",
        "move",
        "patch",
        "reboot",
        "rename",
        "reset",
        "rmdir",
        "save",
        "schedule",
        "startup",
        "super",
        "system-view",
        "tftp",
        "undelete",
        "undo",
        "upgrade",
    }
)

_HUAWEI_ACTIONS = {
    "screen-length <int> temporary": "paging",
    "screen-width <int> temporary": "noop",
    "terminal monitor": "noop",
    "terminal logging": "noop",
    "terminal debugging": "noop",
    "quit": "logout",
    "return": "noop",
}

_HUAWEI_ERRORS = {
    "invalid": "{caret}\r\nError: Unrecognized command found at '^' position.\r\n",
    "too_many": "{caret}\r\nError: Too many parameters found at '^' position.\r\n",
    "wrong_parameter": "{caret}\r\nError: Wrong parameter found at '^' position.\r\n",
    "incomplete": "{caret}\r\nError: Incomplete command found at '^' position.\r\n",
    "ambiguous": "{caret}\r\nError: Ambiguous command found at '^' position.\r\n",
    # HWTACACS command authorisation refusing a command to the lab's monitoring account.
    "denied": "Error: Failed to pass the authorization.\r\n",
}

_HUAWEI_MOTD = (
    "\r\n"
    "Info: The max number of VTY users is 10, and the number\r\n"
    "      of current VTY users on line is 1.\r\n"
    "      The current login time is {login_time}.\r\n"
)

_HUAWEI_COMMON = dict(
    kind="network",
    prompt="<{hostname}>",
    pre_auth_banner=BANKING_BANNER,
    login_time_format="%Y-%m-%d %H:%M:%S+08:00",
    more="  ---- More ----",
    # VRP moves the cursor back over the 16 characters of the More prompt, blanks them and moves
    # back again (ESC[16D); netmiko's HuaweiSSH strips exactly this sequence.
    more_erase="\x1b[16D" + " " * 16 + "\x1b[16D",
    page_lines=24,
    exec_requests=False,
    tree=_HUAWEI_TOP,
    denied=_HUAWEI_DENIED,
    actions=_HUAWEI_ACTIONS,
    errors=_HUAWEI_ERRORS,
    filters=("begin", "exclude", "include", "no-more"),
    silent_info={
        "paging": "Info: The configuration takes effect on the current user terminal "
        "interface only.\r\n"
    },
)

HUAWEI_VRP = Platform(id="huawei_vrp", motd=_HUAWEI_MOTD, **_HUAWEI_COMMON)  # type: ignore[arg-type]

HUAWEI_VRPV8 = Platform(
    id="huawei_vrpv8",
    motd=_HUAWEI_MOTD
    + "Info: Smart-upgrade is currently disabled. Enable Smart-upgrade to get recommended "
    "version information.\r\n",
    multiple_pipes=True,  # CE (VRP V8) chains filters: `| include X | no-more`
    **_HUAWEI_COMMON,  # type: ignore[arg-type]
)

# ---------------------------------------------------------------- AIX, Linux, Storwize (exec)

IBM_AIX = Platform(
    id="ibm_aix",
    kind="unix",
    prompt="$ ",
    pre_auth_banner=BANKING_BANNER,
    motd=(
        "*******************************************************************************\r\n"
        "*                                                                             *\r\n"
        "*  Welcome to AIX Version 7.2!                                                *\r\n"
        "*                                                                             *\r\n"
        "*  Please see the README file in /usr/lpp/bos for information pertinent to    *\r\n"
        "*  this release of the AIX Operating System.                                  *\r\n"
        "*                                                                             *\r\n"
        "*******************************************************************************\r\n"
    ),
    exec_requests=True,
)

LINUX = Platform(
    id="linux",
    kind="unix",
    prompt="[patrol@{hostname} ~]$ ",
    pre_auth_banner=BANKING_BANNER,
    motd="Last login: {login_time} from 10.20.1.15\r\n",
    login_time_format="%a %b %d %H:%M:%S %Y",
    exec_requests=True,
)

IBM_STORWIZE = Platform(
    id="ibm_storwize",
    kind="storwize",
    prompt="IBM_Storwize:{hostname}:patrol>",
    pre_auth_banner=BANKING_BANNER,
    motd="",
    exec_requests=True,
)

PLATFORMS: dict[str, Platform] = {
    p.id: p for p in (CISCO_IOS, CISCO_XE, HUAWEI_VRP, HUAWEI_VRPV8, IBM_AIX, LINUX, IBM_STORWIZE)
}


def platform(platform_id: str) -> Platform:
    try:
        return PLATFORMS[platform_id]
    except KeyError:
        known = ", ".join(sorted(PLATFORMS))
        raise ValueError(
            f"no CLI simulation for platform {platform_id!r} (known: {known})"
        ) from None


# ------------------------------------------------------------------------- command resolution


@dataclass
class Node:
    children: dict[str, Node] = field(default_factory=dict)  # lower-case keyword -> node
    spelling: dict[str, str] = field(default_factory=dict)  # lower-case -> as the device spells it
    runnable: bool = False
    int_range: tuple[int, int] | None = None  # set on a `<int:lo-hi>` parameter node

    def child(self, keyword: str) -> Node:
        key = keyword.lower()
        if key not in self.children:
            self.children[key] = Node()
            self.spelling[key] = keyword
        return self.children[key]


def build_tree(tree: Tree, extra_commands: list[str] | tuple[str, ...] = ()) -> Node:
    """The platform's keyword tree plus every recorded command of a device (as leaves)."""
    root = Node()
    _graft(root, tree)
    for command in extra_commands:
        node = root
        for word in command.split():
            node = node.child(word)
        node.runnable = True
    return root


def _graft(node: Node, tree: Tree) -> None:
    for keyword, sub in tree.items():
        if keyword == RUN:
            node.runnable = True
            continue
        m = re.fullmatch(r"<int:(\d+)-(\d+)>", keyword)
        child = node.child("<int>" if m else keyword)
        if m:
            child.int_range = (int(m.group(1)), int(m.group(2)))
        if sub is None:
            child.runnable = True
        else:
            _graft(child, sub)


@dataclass(frozen=True)
class Resolved:
    command: str  # canonical: full keywords as the device spells them, params as typed
    pattern: str  # canonical with `<int>` in place of integer parameters (for actions)
    params: tuple[int, ...]
    filters: tuple[tuple[str, str], ...]  # (filter keyword, its argument)


@dataclass(frozen=True)
class ParseError:
    kind: str  # invalid | too_many | wrong_parameter | incomplete | ambiguous | denied
    column: int  # 0-based column in the typed line where the caret goes


def _tokens(text: str, offset: int = 0) -> list[tuple[str, int]]:
    return [(m.group(), m.start() + offset) for m in re.finditer(r"\S+", text)]


def resolve(root: Node, plat: Platform, line: str) -> Resolved | ParseError:
    """Expand the abbreviations of one typed line, or say where the vendor's parser stops."""
    command_part, pipe_at = line, -1
    if "|" in line:
        pipe_at = line.index("|")
        command_part = line[:pipe_at]
    words = _tokens(command_part)
    node, spelled, pattern, params = root, [], [], []
    for index, (word, column) in enumerate(words):
        low = word.lower()
        if low in node.children and low != "<int>":
            key = low
        else:
            matches = [k for k in node.children if k != "<int>" and k.startswith(low)]
            if len(matches) > 1:
                return ParseError("ambiguous", column)
            if matches:
                key = matches[0]
            elif "<int>" in node.children and word.isdigit():
                lo, hi = node.children["<int>"].int_range or (0, 0)
                if not lo <= int(word) <= hi:
                    return ParseError("wrong_parameter", column)
                node = node.children["<int>"]
                spelled.append(word)
                pattern.append("<int>")
                params.append(int(word))
                continue
            elif "<int>" in node.children:
                return ParseError("wrong_parameter", column)
            elif node.runnable and not node.children:
                return ParseError("too_many", column)
            else:
                return ParseError("invalid", column)
        if index == 0 and key in plat.denied:
            return ParseError("denied", column)
        spelled.append(node.spelling[key])
        pattern.append(node.spelling[key])
        node = node.children[key]
    if not words:
        return ParseError("invalid", 0) if pipe_at >= 0 else Resolved("", "", (), ())
    if not node.runnable:
        return ParseError("incomplete", len(line.rstrip()))
    filters = _parse_filters(line, pipe_at, plat) if pipe_at >= 0 else ()
    if isinstance(filters, ParseError):
        return filters
    return Resolved(" ".join(spelled), " ".join(pattern), tuple(params), filters)


def _parse_filters(
    line: str, pipe_at: int, plat: Platform
) -> tuple[tuple[str, str], ...] | ParseError:
    filters: list[tuple[str, str]] = []
    at = pipe_at
    while at >= 0:
        rest_start = at + 1
        words = _tokens(line[rest_start:], rest_start)
        if not words:
            return ParseError("incomplete", len(line.rstrip()))
        word, column = words[0]
        matches = [f for f in plat.filters if f.startswith(word.lower())]
        if word.lower() in plat.filters:
            matches = [word.lower()]
        if len(matches) != 1:
            return ParseError("ambiguous" if matches else "invalid", column)
        keyword = matches[0]
        arg_start = column + len(word)
        remainder = line[arg_start:]
        next_pipe = remainder.find("|") if plat.multiple_pipes else -1
        if next_pipe >= 0:
            argument = remainder[:next_pipe].strip()
            at = arg_start + next_pipe
        else:
            argument = remainder.lstrip()  # a regex keeps its trailing blanks, as on the device
            at = -1
        if keyword in ("no-more", "count") and plat.id.startswith("huawei"):
            if argument:
                return ParseError("too_many", _tokens(remainder, arg_start)[0][1])
        elif keyword != "count" and not argument:
            return ParseError("incomplete", len(line.rstrip()))
        if keyword in ("append", "redirect", "tee"):
            return ParseError("denied", column)  # these write files on the device
        filters.append((keyword, argument))
    return tuple(filters)


def _search(pattern: str, text: str) -> bool:
    try:
        return re.search(pattern, text) is not None
    except re.error:
        return pattern in text


def apply_filters(text: str, filters: tuple[tuple[str, str], ...]) -> str:
    """Apply output filters in order, as the device does before paging."""
    lines = text.split("\n")
    for keyword, argument in filters:
        if keyword == "include":
            lines = [ln for ln in lines if _search(argument, ln)]
        elif keyword == "exclude":
            lines = [ln for ln in lines if not _search(argument, ln)]
        elif keyword == "begin":
            for i, ln in enumerate(lines):
                if _search(argument, ln):
                    lines = lines[i:]
                    break
            else:
                lines = []
        elif keyword == "section":
            kept: list[str] = []
            inside = False
            for ln in lines:
                if ln[:1] not in (" ", "\t"):
                    inside = _search(argument, ln)
                    if inside:
                        kept.append(ln)
                elif inside or _search(argument, ln):
                    kept.append(ln)
            lines = kept
        elif keyword == "count":
            hits = sum(1 for ln in lines if _search(argument or ".", ln))
            lines = [f"Number of lines which match regexp = {hits}"]
    return "\n".join(lines)


def render_error(plat: Platform, error: ParseError, line: str, prompt: str) -> str:
    """The device's answer to a line it cannot run (after the echoed CR LF).

    The caret sits under the offending column of the echoed line, so it is shifted by the
    prompt's length, as on the device.
    """
    caret = " " * (len(prompt) + error.column) + "^"
    return plat.errors[error.kind].format(caret=caret, line=line.strip())
