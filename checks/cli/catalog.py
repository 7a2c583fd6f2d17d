"""The CLI check catalog: every CLI check by id, and which apply to a platform (and role).

The checks are code (checks/cli/cisco.py, huawei.py, aix.py, storwize.py): each needs parsing
logic no declaration would express. The catalog also answers what the SSH transport needs to
know: the union of commands for a set of checks, and the second-round commands some checks
derive from the first round's outputs (AIX volume groups other than rootvg).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from checks.clidata import CliCheck, CliData
from checks.engine import CheckIndex

# CLI checks that read what an SNMP check already reads (the same fans, PSUs, CPU): on a device
# polled over both, the SNMP check speaks and its CLI twin stays silent, so one failed fan is one
# finding, not two. The twin still runs when the device has no SNMP or the SNMP check had
# nothing to say.
SNMP_TWINS: dict[str, tuple[str, ...]] = {
    "huawei.cpu_cli": ("huawei.cpu",),
    "huawei.memory_cli": ("huawei.memory",),
    "huawei.fans_cli": ("huawei.fans",),
    "huawei.power_cli": ("huawei.power",),
    "cisco.environment": ("cisco.fans", "cisco.power", "cisco.temperature"),
}


def without_snmp_twins(checks: list[CliCheck], answered: Iterable[str]) -> list[CliCheck]:
    """`checks` less those whose SNMP twins all gave a verdict (`answered`: SNMP check ids)."""
    done = set(answered)
    return [c for c in checks if not all(t in done for t in SNMP_TWINS.get(c.id, ("",)))]


class CliCatalog(CheckIndex[CliCheck]):
    """All CLI checks, by id."""

    what = "CLI check"

    def commands_for(self, platform: str, role: str | None = None) -> tuple[str, ...]:
        return commands_of(self.for_platform(platform, role), platform)


def commands_of(checks: Iterable[CliCheck], platform: str) -> tuple[str, ...]:
    """The commands to send for `checks`, each once, in first-asked order."""
    seen: dict[str, None] = {}
    for check in checks:
        for command in check.commands(platform):
            seen.setdefault(command, None)
    return tuple(seen)


def followup_commands(checks: Iterable[CliCheck], platform: str, data: CliData) -> tuple[str, ...]:
    """Second-round commands the checks derive from the first round's outputs in `data`, minus
    those already collected; () when none. The transport sends them in the same session."""
    seen: dict[str, None] = {}
    for check in checks:
        more = getattr(check, "followup_commands", None)
        if not callable(more):
            continue
        for command in more(platform, data):
            if command not in data.outputs and command not in data.errors:
                seen.setdefault(command, None)
    return tuple(seen)


@functools.lru_cache(maxsize=1)
def load_cli_catalog() -> CliCatalog:
    """The CLI checks shipped with Patrol (cached: built once per process)."""
    from checks.cli.aix import AIX_CHECKS
    from checks.cli.cisco import CISCO_CHECKS
    from checks.cli.huawei import HUAWEI_CHECKS
    from checks.cli.storwize import STORWIZE_CHECKS

    return CliCatalog([*CISCO_CHECKS, *HUAWEI_CHECKS, *AIX_CHECKS, *STORWIZE_CHECKS])
