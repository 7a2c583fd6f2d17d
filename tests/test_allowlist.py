"""The read-only allowlist: what is allowed (with its canonical expansion), what is refused, why."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.cli.allowlist import (
    AllowlistError,
    CommandRefused,
    check_command,
    load_allowlist,
)

ALLOWED: list[tuple[str, str, str]] = [
    # Cisco IOS / IOS-XE: the vendor's abbreviations expand to the full keywords.
    ("cisco_ios", "sh ver", "show version"),
    ("cisco_ios", "show version", "show version"),
    ("cisco_ios", "SHOW VERSION", "show version"),
    ("cisco_ios", "sh int", "show interfaces"),
    ("cisco_ios", "sh env", "show environment"),
    ("cisco_ios", "sh env all", "show environment all"),
    ("cisco_ios", "sh env temp stat", "show environment temperature status"),
    ("cisco_ios", "sh env power all", "show environment power all"),
    ("cisco_ios", "sh log", "show logging"),
    ("cisco_ios", "sh inv", "show inventory"),
    ("cisco_ios", "sh mod", "show module"),
    ("cisco_ios", "sh proc cpu", "show processes cpu"),
    ("cisco_ios", "sh proc cpu sorted", "show processes cpu sorted"),
    ("cisco_ios", "sh red", "show redundancy"),
    ("cisco_ios", "sh int GigabitEthernet0/1", "show interfaces GigabitEthernet0/1"),
    ("cisco_ios", "sh int Te1/1/1.100", "show interfaces Te1/1/1.100"),
    ("cisco_ios", "sh ip int br", "show ip interface brief"),
    ("cisco_ios", "  show   version  ", "show version"),
    ("cisco_ios", "sh log | i %LINK-3", "show logging | include %LINK-3"),
    ("cisco_ios", "sh log | inc Mar  1", "show logging | include Mar  1"),
    ("cisco_ios", "sh ver | b Configuration", "show version | begin Configuration"),
    ("cisco_ios", "sh int | ex ^$", "show interfaces | exclude ^$"),
    ("cisco_ios", "sh int | sec Gig", "show interfaces | section Gig"),
    ("cisco_ios", "sh int | count", "show interfaces | count"),
    ("cisco_xe", "sh ver", "show version"),
    ("cisco_xe", "show platform diag", "show platform diag"),
    # NX-OS: `show interface`, singular.
    ("cisco_nxos", "sh int", "show interface"),
    ("cisco_nxos", "sh int Ethernet1/1", "show interface Ethernet1/1"),
    ("cisco_nxos", "sh env temp", "show environment temperature"),
    ("cisco_nxos", "sh sys res", "show system resources"),
    ("cisco_nxos", "sh logging last 50", "show logging last 50"),
    # Huawei VRP: any unambiguous prefix, plus the table for cpu / mem.
    ("huawei_vrp", "dis dev", "display device"),
    ("huawei_vrp", "disp alarm act", "display alarm active"),
    ("huawei_vrp", "dis alarm active verbose", "display alarm active verbose"),
    ("huawei_vrp", "dis cpu", "display cpu-usage"),
    ("huawei_vrp", "dis mem", "display memory-usage"),
    ("huawei_vrp", "dis cpu slot 1", "display cpu-usage slot 1"),
    ("huawei_vrp", "dis ver", "display version"),
    ("huawei_vrp", "dis logb", "display logbuffer"),
    ("huawei_vrp", "dis logbuffer level 3 size 100", "display logbuffer level 3 size 100"),
    ("huawei_vrp", "dis fan", "display fan"),
    ("huawei_vrp", "dis pow", "display power"),
    ("huawei_vrp", "dis temp all", "display temperature all"),
    ("huawei_vrp", "dis int br", "display interface brief"),
    ("huawei_vrp", "dis int GigabitEthernet0/0/1", "display interface GigabitEthernet0/0/1"),
    ("huawei_vrp", "dis int 10GE1/0/1 | i CRC", "display interface 10GE1/0/1 | include CRC"),
    ("huawei_vrp", "dis el", "display elabel"),
    ("huawei_vrp", "dis esn", "display esn"),
    ("huawei_vrp", "dis alarm act | count", "display alarm active | count"),
    ("huawei_vrpv8", "dis dev", "display device"),
    # IBM AIX: getopt clusters are split, options are put in the allowlist's order.
    ("ibm_aix", "errpt", "errpt"),
    ("ibm_aix", "errpt -a", "errpt -a"),
    ("ibm_aix", "errpt -d H", "errpt -d H"),
    ("ibm_aix", "errpt -d H -a", "errpt -a -d H"),
    ("ibm_aix", "errpt -T PERM -s 0101000024", "errpt -T PERM -s 0101000024"),
    ("ibm_aix", "errpt -aj 4865FA9B", "errpt -a -j 4865FA9B"),
    ("ibm_aix", "lsvg", "lsvg"),
    ("ibm_aix", "lsvg -o", "lsvg -o"),
    ("ibm_aix", "lsvg -l rootvg", "lsvg -l rootvg"),
    ("ibm_aix", "lsvg rootvg", "lsvg rootvg"),
    ("ibm_aix", "lspv", "lspv"),
    ("ibm_aix", "lspv hdisk1", "lspv hdisk1"),
    ("ibm_aix", "lsdev -Cc disk", "lsdev -C -c disk"),
    ("ibm_aix", "lsdev -C -S d", "lsdev -C -S d"),
    ("ibm_aix", "lsdev -Cc disk -F name:status", "lsdev -C -c disk -F name:status"),
    ("ibm_aix", "lsps -s", "lsps -s"),
    ("ibm_aix", "lsps -a", "lsps -a"),
    ("ibm_aix", "df -gP", "df -g -P"),
    ("ibm_aix", "df -k", "df -k"),
    ("ibm_aix", "lscfg -vpl sysplanar0", "lscfg -v -p -l sysplanar0"),
    ("ibm_aix", "lsattr -El hdisk0", "lsattr -E -l hdisk0"),
    ("ibm_aix", "oslevel -s", "oslevel -s"),
    ("ibm_aix", "prtconf", "prtconf"),
    ("ibm_aix", "lparstat -i", "lparstat -i"),
    ("ibm_aix", "uptime", "uptime"),
    # Linux.
    ("linux", "uptime", "uptime"),
    ("linux", "df -P", "df -P"),
    ("linux", "df -iP", "df -P -i"),
    ("linux", "free -b", "free -b"),
    ("linux", "cat /proc/loadavg", "cat /proc/loadavg"),
    ("linux", "cat /proc/loadavg /proc/meminfo", "cat /proc/loadavg /proc/meminfo"),
    ("linux", "uname -a", "uname -a"),
    # IBM Storwize / SVC: the svcinfo prefix is kept when given.
    ("ibm_storwize", "lseventlog", "lseventlog"),
    (
        "ibm_storwize",
        "lseventlog -fixed no -order severity -delim :",
        "lseventlog -fixed no -order severity -delim :",
    ),
    (
        "ibm_storwize",
        "svcinfo lseventlog -delim : -fixed no",
        "svcinfo lseventlog -fixed no -delim :",
    ),
    ("ibm_storwize", "lsdrive -delim :", "lsdrive -delim :"),
    ("ibm_storwize", "lsdrive 3", "lsdrive 3"),
    ("ibm_storwize", "lsenclosurepsu -delim :", "lsenclosurepsu -delim :"),
    ("ibm_storwize", "lsenclosurebattery -delim :", "lsenclosurebattery -delim :"),
    ("ibm_storwize", "lssystem -delim :", "lssystem -delim :"),
    ("ibm_storwize", "lsenclosure", "lsenclosure"),
    ("ibm_storwize", "lsnode", "lsnode"),
    ("ibm_storwize", "lsnodecanister", "lsnodecanister"),
    ("ibm_storwize", "lsmdisk", "lsmdisk"),
    ("ibm_storwize", "svcinfo lsvdisk -bytes vol_01", "svcinfo lsvdisk -bytes vol_01"),
]


@pytest.mark.parametrize(("platform", "command", "canonical"), ALLOWED)
def test_allowed_commands_expand_to_their_canonical_form(
    platform: str, command: str, canonical: str
) -> None:
    assert check_command(platform, command) == canonical
    # The canonical form is itself allowed and stable: it is what the transport sends.
    assert check_command(platform, canonical) == canonical


# (platform, command, a fragment the reason must contain)
REFUSED: list[tuple[str, str, str]] = [
    # Abbreviations of commands that change a device.
    ("cisco_ios", "reload", "'reload' is not a read-only command on cisco_ios"),
    ("cisco_ios", "rel", "'reload' (typed 'rel') is not a read-only command"),
    ("cisco_ios", "reload in 5", "'reload' is not a read-only command"),
    ("cisco_ios", "conf t", "'configure' (typed 'conf') is not a read-only command"),
    ("cisco_ios", "configure terminal", "'configure' is not a read-only command"),
    ("cisco_ios", "wr", "'write' (typed 'wr')"),
    ("cisco_ios", "write memory", "'write' is not a read-only command"),
    ("cisco_ios", "wr er", "'write' (typed 'wr')"),
    ("cisco_ios", "copy run start", "'copy' is not a read-only command"),
    ("cisco_ios", "delete flash:vlan.dat", "'delete' is not a read-only command"),
    ("cisco_ios", "format flash:", "'format' is not a read-only command"),
    ("cisco_ios", "clear counters", "'clear' is not a read-only command"),
    ("cisco_ios", "debug all", "'debug' is not a read-only command"),
    ("cisco_ios", "shutdown", "'shutdown' is not a read-only command"),
    ("cisco_ios", "terminal monitor", "'terminal' is not a read-only command"),
    ("cisco_ios", "dis", "('disable' or 'disconnect') is not a read-only command"),
    ("cisco_ios", "s", "ambiguous abbreviation 's' on cisco_ios"),
    ("cisco_ios", "sh in", "ambiguous abbreviation 'in' after 'show'"),
    ("cisco_ios", "sh run", "'show running-config' (typed 'sh run') is not allowed"),
    ("cisco_ios", "show startup-config", "secrets included"),
    ("cisco_ios", "show tech", "secrets included"),
    ("cisco_ios", "show ip route", "is not in the read-only allowlist of cisco_ios"),
    ("cisco_ios", "ping 10.0.0.1", "'ping' is not a read-only command on cisco_ios"),
    ("cisco_ios", "show version extra", "unexpected 'extra' after 'show version'"),
    ("cisco_ios", "show interfaces Gi0/1;x", "command chaining (';') is refused"),
    # Chaining, substitution, redirection, injection.
    ("cisco_ios", "show ver; reload", "command chaining (';') is refused"),
    ("cisco_ios", "show version\nreload", "newline"),
    ("cisco_ios", "show version\rreload", "newline"),
    ("cisco_ios", "show version\treload", "control character 0x09"),
    ("cisco_ios", "show version \x1b", "control character 0x1b"),
    ("cisco_ios", "show `reload`", "command substitution ('`') is refused"),
    ("cisco_ios", "show version > flash:x", "redirection ('>') is refused"),
    ("cisco_xe", "show version | redirect flash:x", "pipe into 'redirect'"),
    ("cisco_xe", "show version | tee flash:x", "pipe into 'tee' is not an allowed output filter"),
    ("cisco_xe", "show version | append flash:x", "pipe into 'append'"),
    ("cisco_xe", "sh ver | t x", "pipe into 'tee'"),
    ("cisco_ios", "sh ver | i up | tee x", "pipe into 'tee'"),
    ("cisco_ios", "sh ver | i up | i down", "only one output filter"),
    ("cisco_ios", "sh ver | reload", "pipe into 'reload' is not an allowed output filter"),
    ("cisco_ios", "sh ver | i up|reload", "pipe into 'reload'"),
    ("cisco_ios", "sh ver | include", "needs a pattern"),
    ("cisco_ios", "sh ver |", "empty output filter"),
    ("cisco_ios", "| include x", "no command before '|'"),
    ("cisco_ios", "sh ver | i 'x'", "quotes are refused"),
    ("cisco_ios", "show version é", "non-ASCII"),
    ("cisco_ios", "", "empty command"),
    ("cisco_ios", "show " + "a" * 300, "longer than"),
    ("cisco_nxos", "run bash", "'run' is not a read-only command on cisco_nxos"),
    ("cisco_nxos", "show run", "secrets included"),
    # Huawei VRP.
    ("huawei_vrp", "display version && reboot", "command chaining ('&&') is refused"),
    ("huawei_vrp", "display version || reboot", "command chaining ('||') is refused"),
    ("huawei_vrp", "display version & reboot", "command chaining ('&')"),
    ("huawei_vrp", "reboot", "'reboot' is not a read-only command on huawei_vrp"),
    ("huawei_vrp", "sys", "'system-view' (typed 'sys') is not a read-only command"),
    ("huawei_vrp", "system-view", "'system-view' is not a read-only command"),
    ("huawei_vrp", "save", "'save' is not a read-only command"),
    ("huawei_vrp", "sa", "'save' (typed 'sa')"),
    ("huawei_vrp", "re", "is not a read-only command on huawei_vrp"),
    ("huawei_vrp", "reset saved-configuration", "'reset' is not a read-only command"),
    ("huawei_vrp", "undo info-center enable", "'undo' is not a read-only command"),
    ("huawei_vrp", "debugging all", "'debugging' is not a read-only command"),
    ("huawei_vrp", "delete flash:/vrpcfg.zip", "'delete' is not a read-only command"),
    ("huawei_vrp", "format flash:", "'format' is not a read-only command"),
    ("huawei_vrp", "copy vrpcfg.zip x.zip", "'copy' is not a read-only command"),
    ("huawei_vrp", "dis cur", "'display current-configuration' (typed 'dis cur')"),
    ("huawei_vrp", "dis cur | redirect x", "is not allowed on huawei_vrp"),
    ("huawei_vrp", "dis ver | redirect x", "pipe into 'redirect'"),
    ("huawei_vrp", "dis ver | section x", "pipe into 'section' is not an allowed output filter"),
    ("huawei_vrp", "dis t", "ambiguous abbreviation 't' after 'display'"),
    ("huawei_vrp", "dis alarm", "'display alarm' is incomplete"),
    ("huawei_vrp", "dis int Gi0/0/1;quit", "command chaining"),
    ("huawei_vrp", "dis logbuffer level x", "'display logbuffer level x' is not in the"),
    ("huawei_vrpv8", "commit", "'commit' is not a read-only command on huawei_vrpv8"),
    # IBM AIX.
    ("ibm_aix", "rm -rf /", "'rm' is not a read-only command on ibm_aix"),
    ("ibm_aix", "errclear 0", "'errclear' is not a read-only command"),
    ("ibm_aix", "shutdown -r now", "'shutdown' is not a read-only command"),
    ("ibm_aix", "reboot", "'reboot' is not a read-only command"),
    ("ibm_aix", "rmdev -dl hdisk1", "'rmdev' is not a read-only command"),
    ("ibm_aix", "chdev -l sys0 -a maxuproc=4096", "'chdev' is not a read-only command"),
    ("ibm_aix", "cat /etc/security/passwd", "'cat' is not a read-only command"),
    ("ibm_aix", "errpt | grep hdisk", "pipe into 'grep' is not an allowed output filter"),
    ("ibm_aix", "errpt; errclear 0", "command chaining (';')"),
    ("ibm_aix", "lsvg `reboot`", "command substitution ('`')"),
    ("ibm_aix", "lsvg $(reboot)", "command substitution ('$(')"),
    ("ibm_aix", "lsvg ${IFS}", "variable expansion"),
    ("ibm_aix", "lsps -s $HOME", "shell expansion ('$')"),
    ("ibm_aix", "errpt -a > /etc/motd", "redirection ('>')"),
    ("ibm_aix", "lspv < /dev/null", "redirection ('<')"),
    ("ibm_aix", "lspv \\hdisk0", "backslash"),
    ("ibm_aix", "errpt -x", "option '-x' is not allowed for 'errpt'"),
    ("ibm_aix", "errpt --help", "long option '--help' is not allowed"),
    ("ibm_aix", "errpt -d Q", "'Q' is not a valid value for 'errpt -d'"),
    ("ibm_aix", "errpt -d", "needs a value"),
    ("ibm_aix", "errpt -a -a", "option '-a' is given twice"),
    ("ibm_aix", "lsvg rootvg -l", "options must come before operands"),
    ("ibm_aix", "lspv hdisk*", "'hdisk*' is not a valid operand of 'lspv'"),
    ("ibm_aix", "lspv /dev/hdisk0", "is not a valid operand"),
    ("ibm_aix", "lspv hdisk0 hdisk1", "too many operands"),
    ("ibm_aix", "lslv", "'lslv' needs an operand"),
    ("ibm_aix", "uptime now", "'uptime' takes no operands"),
    ("ibm_aix", "lsattr -El HDISK0", "is not a valid value for 'lsattr -l'"),
    # Linux.
    ("linux", "cat /etc/shadow", "'/etc/shadow' is not a valid operand of 'cat'"),
    ("linux", "cat /proc/self/environ", "is not a valid operand of 'cat'"),
    ("linux", "cat /proc/loadavg/../../etc/shadow", "is not a valid operand"),
    ("linux", "uptime && reboot", "command chaining ('&&')"),
    ("linux", "df -P | tee /tmp/x", "pipe into 'tee'"),
    ("linux", "sudo reboot", "'sudo' is not a read-only command on linux"),
    ("linux", "systemctl reboot", "'systemctl' is not a read-only command"),
    ("linux", "ls", "'ls' is not a read-only command on linux (not in its allowlist)"),
    # IBM Storwize / SVC.
    ("ibm_storwize", "svctask rmvdisk 0", "'svctask' is not a read-only command on ibm_storwize"),
    ("ibm_storwize", "svcinfo rmvdisk 0", "'rmvdisk' is not a read-only command"),
    ("ibm_storwize", "rmvdisk -force 0", "'rmvdisk' is not a read-only command"),
    ("ibm_storwize", "chsystem -name x", "'chsystem' is not a read-only command"),
    ("ibm_storwize", "satask stopnode", "'satask' is not a read-only command"),
    ("ibm_storwize", "svcinfo", "'svcinfo' needs a command"),
    ("ibm_storwize", "lsdrive -filtervalue status=offline", "option '-filtervalue'"),
    ("ibm_storwize", "lseventlog -fixed maybe", "'maybe' is not a valid value"),
    ("ibm_storwize", "lsdrive | grep offline", "pipe into 'grep'"),
    ("ibm_storwize", "lsdrive -delim ;", "command chaining (';')"),
    ("ibm_storwize", "lsdrive -x", "option '-x' is not allowed for 'lsdrive'"),
    # A platform without an allowlist gets nothing.
    ("ibm_imm", "show version", "no read-only allowlist for platform 'ibm_imm'"),
    ("generic", "uptime", "no read-only allowlist"),
]


@pytest.mark.parametrize(("platform", "command", "reason"), REFUSED)
def test_refused_commands_say_why(platform: str, command: str, reason: str) -> None:
    with pytest.raises(CommandRefused) as caught:
        check_command(platform, command)
    assert reason in caught.value.reason
    assert caught.value.platform == platform
    assert str(caught.value) == caught.value.reason


def test_refusal_message_examples_read_as_documented() -> None:
    expected = {
        ("cisco_ios", "reload"): "'reload' is not a read-only command on cisco_ios: "
        "it restarts the device",
        ("cisco_ios", "show ver; reload"): "command chaining (';') is refused",
        ("cisco_ios", "sh ver | tee x"): "pipe into 'tee' is not an allowed output filter on "
        "cisco_ios: it writes the output to a file on the device",
        ("huawei_vrp", "dis t"): "ambiguous abbreviation 't' after 'display' on huawei_vrp: "
        "temperature, this, transceiver",
    }
    for (platform, command), reason in expected.items():
        with pytest.raises(CommandRefused) as caught:
            check_command(platform, command)
        assert caught.value.reason == reason


def test_there_are_enough_refusals_across_platforms() -> None:
    assert len(REFUSED) >= 40
    assert {p for p, _, _ in REFUSED} >= {
        "cisco_ios",
        "cisco_nxos",
        "huawei_vrp",
        "ibm_aix",
        "linux",
        "ibm_storwize",
    }


def test_issue_3_commands_are_all_allowed() -> None:
    """Every command the CLI checks of issue 3 run passes, on each platform of its family."""
    wanted = {
        ("cisco_ios", "cisco_xe"): [
            "show version",
            "show environment",
            "show environment all",
            "show environment temperature",
            "show environment power",
            "show logging",
            "show interfaces",
            "show inventory",
            "show module",
            "show processes cpu",
            "show redundancy",
        ],
        ("cisco_nxos",): ["show version", "show environment", "show logging", "show interface"],
        ("huawei_vrp", "huawei_vrpv8"): [
            "display version",
            "display device",
            "display alarm active",
            "display logbuffer",
            "display cpu-usage",
            "display memory-usage",
            "display fan",
            "display power",
            "display temperature",
            "display interface",
            "display interface brief",
            "display elabel",
            "display esn",
        ],
        ("ibm_aix",): [
            "errpt",
            "errpt -a",
            "errpt -d H",
            "errpt -T PERM",
            "errpt -s 0101000024",
            "lsvg",
            "lsvg -l rootvg",
            "lsvg -o",
            "lspv",
            "lspv hdisk0",
            "lsdev",
            "lsdev -C",
            "lsdev -c disk",
            "lsdev -S Defined",
            "lsps -s",
            "lsps -a",
            "df -k",
            "df -m",
            "df -g",
            "df -P",
            "lscfg",
            "lsattr -El hdisk0",
            "oslevel -s",
            "prtconf",
            "lparstat -i",
            "uptime",
        ],
        ("linux",): [
            "uptime",
            "df -P",
            "free -b",
            "cat /proc/loadavg",
            "cat /proc/meminfo",
            "uname -a",
        ],
        ("ibm_storwize",): [
            "lseventlog",
            "lseventlog -fixed no",
            "lseventlog -order severity",
            "lseventlog -delim :",
            "lsdrive",
            "lsdrive -delim :",
            "lsenclosurepsu -delim :",
            "lsenclosurebattery -delim :",
            "lssystem -delim :",
            "lsenclosure",
            "lsnode",
            "lsnodecanister",
            "lsmdisk",
            "lsvdisk",
            "svcinfo lsdrive",
        ],
    }
    for platforms, commands in wanted.items():
        for platform in platforms:
            for command in commands:
                check_command(platform, command)


def test_exec_platforms_only_ever_produce_shell_safe_commands() -> None:
    allowlist = load_allowlist()
    for platform, _command, canonical in ALLOWED:
        if allowlist.platform(platform).session == "exec":
            assert all(c.isalnum() or c in " _-:,/.=+" for c in canonical), canonical


def test_denied_words_are_never_also_allowed() -> None:
    """The deny tables only explain refusals: none of them names an allowed keyword."""
    allowlist = load_allowlist()
    for name in allowlist.platforms:
        rules = allowlist.platform(name)
        if rules.syntax == "keywords":
            for context, table in rules.deny.items():
                depth = len(context.split()) if context else 0
                allowed = {
                    s[depth].word
                    for s in rules.sequences
                    if len(s) > depth and " ".join(a.word for a in s[:depth]) == context
                }
                assert not allowed & set(table), (name, context)
        else:
            assert not set(rules.commands) & set(rules.deny.get("", {})), name
        assert not set(rules.filters) & set(rules.deny_filters), name


def test_platform_rules_expose_what_the_transport_needs() -> None:
    allowlist = load_allowlist()
    assert allowlist.platform("cisco_ios").session == "interactive"
    assert allowlist.platform("huawei_vrp").session_writes == (
        "screen-length 0 temporary",
        "N",
        "quit",
    )
    assert allowlist.platform("ibm_aix").session == "exec"
    assert "errpt [-a] [-d ERRCLASS]" in " ".join(allowlist.platform("ibm_aix").forms())
    vrp = allowlist.platform("huawei_vrp")
    assert vrp.cli_error("Error: Unrecognized command found at '^' position.") is not None
    assert vrp.cli_error("Huawei Versatile Routing Platform Software\nVRP (R) 5.170") is None
    ios = allowlist.platform("cisco_ios")
    assert ios.cli_error("         ^\n% Invalid input detected at '^' marker.") is not None
    assert ios.cli_error("Mar  1 00:01:02: %LINK-3-UPDOWN: Interface Gi0/1, down") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version: 1\nplatforms: {}\nextra: 1\n", "unknown keys"),
        ("version: 2\n", "version must be 1"),
        (
            "version: 1\nplatforms:\n  x: {session: exec, syntax: keywords, forms: [show X]}\n",
            "unknown argument type 'X'",
        ),
        (
            "version: 1\nplatforms:\n  x: {session: exec, syntax: keywords, "
            "forms: ['show [a (b|c)]']}\n",
            "groups do not nest",
        ),
        (
            "version: 1\ntypes: {ANY: {pattern: '\\S+', means: anything}}\nplatforms:\n"
            "  x: {session: exec, syntax: options, commands: {ls: {operands: ANY}}}\n",
            "starting with '-'",
        ),
        ("version: 1\nplatforms:\n  x: {session: telnet}\n", "session"),
        ("version: 1\nplatforms:\n  x: {extends: y}\n", "no platform 'y'"),
        ("version: 1\nplatforms:\n  x: {extends: x}\n", "extends loops"),
        ("version: 1\nversion: 1\n", "duplicate key"),
    ],
)
def test_malformed_allowlist_files_are_rejected(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "allowlist.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AllowlistError, match=message):
        load_allowlist(path)
