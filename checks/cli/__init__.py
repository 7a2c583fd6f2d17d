"""CLI (SSH) checks: parsers, the check catalog and its evaluation engine.

PUBLIC API (mirrors checks.snmp; the transport, poller and CLI call exactly these):
    load_cli_catalog() -> CliCatalog                      cached
    CliCatalog.for_platform(platform, role=None) -> list[CliCheck]
    CliCatalog.get(check_id) -> CliCheck                  KeyError naming the known ids
    CliCatalog.ids -> tuple[str, ...]
    CliCatalog.commands_for(platform, role=None) -> tuple[str, ...]
    commands_of(checks, platform) -> tuple[str, ...]      the union to send, each once
    followup_commands(checks, platform, data) -> tuple[str, ...]
                                                          second round (AIX VGs other than rootvg)
    evaluate_cli_checks(checks, data: CliData, ctx: CheckContext) -> list[Result]
    SNMP_TWINS, without_snmp_twins(checks, answered)  CLI checks an SNMP check makes redundant
Each check has `id`, `title`, `level`, `applies_to(platform)`, `commands(platform)` and
`evaluate(data, ctx) -> Verdict | None` (checks/clidata.py CliCheck), plus
`required_commands(platform)` and `followup_commands(platform, data)`.

Layout: parsing.py (TextFSM runner, device errors, `-delim :` tables), parsers.py (one parser per
command), templates/ (our TextFSM templates), base.py, cisco.py, huawei.py, aix.py,
storwize.py (the checks), catalog.py, engine.py. The read-only command allowlist lives beside
them in allowlist.py / allowlist.yaml (owned separately).
"""

from __future__ import annotations

from checks.cli.catalog import (
    SNMP_TWINS,
    CliCatalog,
    commands_of,
    followup_commands,
    load_cli_catalog,
    without_snmp_twins,
)
from checks.cli.engine import evaluate_cli_check, evaluate_cli_checks
from checks.cli.parsing import OutputError

__all__ = [
    "SNMP_TWINS",
    "CliCatalog",
    "OutputError",
    "commands_of",
    "evaluate_cli_check",
    "evaluate_cli_checks",
    "followup_commands",
    "load_cli_catalog",
    "without_snmp_twins",
]
