"""Running CLI checks over collected outputs: Verdicts become Results, nothing crashes a poll.

- A collection error (timeout, refused, transport error) on a command the check requires is
  UNKNOWN "<command>: <reason>".
- An output the check cannot use (the device's error message, empty, truncated, not understood)
  is UNKNOWN "<command>: <reason>" (the checks raise OutputError, caught here).
- Any other exception in a check is UNKNOWN "cannot evaluate <id>: <exception>", never a crash.
- A check returning None does not apply to this device: no Result.
Results are stamped with device, check id, ctx.now, the evaluation's duration and the level
(the Verdict's, else the check's declared `level` when the result is WARNING or CRITICAL).
The running itself is checks/engine.py's, shared with the SNMP checks.
"""

from __future__ import annotations

from collections.abc import Iterable

from checks.check import CheckContext
from checks.cli.parsing import OutputError
from checks.clidata import CliCheck, CliData
from checks.engine import evaluate, evaluate_all
from checks.result import Result


def required_commands(check: CliCheck, platform: str) -> tuple[str, ...]:
    required = getattr(check, "required_commands", None)
    return tuple(required(platform)) if callable(required) else tuple(check.commands(platform))


def collection_error(check: CliCheck, data: CliData, platform: str) -> str | None:
    """ "<command>: <reason>" for the first required command that could not be collected."""
    for command in required_commands(check, platform):
        reason = data.error_for(command)
        if reason:
            return f"{command}: {reason}"
    return None


def evaluate_cli_check(check: CliCheck, data: CliData, ctx: CheckContext) -> Result | None:
    return evaluate(
        check,
        data,
        ctx,
        collection_error=lambda: collection_error(check, data, ctx.platform),
        explain=lambda exc: _explain(check, ctx, exc),
        fallback_level=getattr(check, "level", None),
    )


def _explain(check: CliCheck, ctx: CheckContext, exc: Exception) -> str | None:
    if not isinstance(exc, OutputError):
        return None
    return str(exc) if exc.command else _first_command(check, ctx, exc)


def _first_command(check: CliCheck, ctx: CheckContext, exc: OutputError) -> str:
    # A parser's OutputError does not know its command: the check's first required one is it
    # for every single-command check; multi-command checks set `command` themselves.
    commands = required_commands(check, ctx.platform)
    return f"{commands[0]}: {exc.reason}" if commands else exc.reason


def evaluate_cli_checks(
    checks: Iterable[CliCheck], data: CliData, ctx: CheckContext
) -> list[Result]:
    """One Result per applicable check, in the order given."""
    return evaluate_all(checks, lambda check: evaluate_cli_check(check, data, ctx))
