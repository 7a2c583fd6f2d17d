"""The ticket policy: the service contract of DESIGN.md as data, loaded from server.yaml.

PUBLIC API (used by server.faults, server.tickets, the server's config loader and tests):
    Policy                 damping, level rules, deadlines, follow-up, escalation ladder,
                           complaint roles, charges, maintenance windows; `Policy()` = defaults
    Policy.damping_for(check) -> int
    Policy.level_for(status=, check=, device=, criticality=, declared_level=, inspection=)
    Policy.proposed_level(device=, criticality=, check=) -> int     (hand-registered tickets)
    Policy.due_dates(level, zone, raised_at, windows) -> (response_due, onsite_due | None)
    Policy.step(n) / Policy.top_step / Policy.windows_for(...) / Policy.in_maintenance(...)
    load_policy(path), parse_policy(text, file), policy_from_node(node, file, path)
        raise PolicyError whose .issues each str() as "file:line: policy.field.path: message"
    parse_duration("1h30m") -> timedelta, format_duration(timedelta) -> "1h30m"
    check_matches(pattern, check)   exact id, prefix ending in ".", or glob (`*.fans`)

The `policy:` section of server.yaml is optional; every key left out keeps the default below
(docs/tickets.md has the tables). Other top-level keys of server.yaml belong to other parts of the
server and are not read here. Unknown keys inside `policy:` are rejected, every problem is listed
at once with its line.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fnmatch import fnmatchcase
from pathlib import Path

from checks import yamlnodes as yn
from checks.inventory import CRITICALITIES, ZONES
from checks.status import Status
from checks.yamlcheck import Issue, IssueError, NodeReader
from checks.yamlcheck import join as _join

LEVELS = (1, 2, 3, 4)
LEVEL_NAMES = {1: "critical", 2: "major", 3: "minor", 4: "advisory"}


def is_reachability(check: str) -> bool:
    """Whether a check id says if the device answers at all (`snmp.reachability`, ...)."""
    return check == "reachability" or check.endswith(".reachability")


def check_matches(pattern: str, check: str) -> bool:
    """A check id pattern: a glob (`*.fans`, `huawei_vrp.*`), a prefix ending in "." or an id."""
    if any(c in pattern for c in "*?["):
        return fnmatchcase(check, pattern)
    if pattern.endswith("."):
        return check.startswith(pattern)
    return check == pattern


def _name_matches(pattern: str | None, value: str | None) -> bool:
    if pattern is None:
        return True
    return value is not None and fnmatchcase(value, pattern)


# --- durations ------------------------------------------------------------------------------

_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?")


def parse_duration(text: str) -> timedelta:
    """`2h`, `90m`, `7d`, `1h30m`, `1d12h` -> timedelta. Raises ValueError naming the format."""
    match = _DURATION.fullmatch(text.strip().replace(" ", ""))
    if not text.strip() or match is None or not any(match.groups()):
        raise ValueError(f"expected a duration such as 2h, 90m, 7d or 1h30m, got {text!r}")
    days, hours, minutes = (int(g or 0) for g in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes)


def format_duration(value: timedelta) -> str:
    """The inverse of parse_duration for whole minutes: 2h, 1h30m, 7d."""
    minutes = int(value.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    text = (f"{days}d" if days else "") + (f"{hours}h" if hours else "")
    text += f"{minutes}m" if minutes else ""
    return text or "0m"


# --- the model ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    """How long after a fault is raised someone must respond, and be on site (None: never)."""

    response: timedelta
    onsite: timedelta | None


@dataclass(frozen=True)
class LevelOverride:
    """A policy rule that fixes the level; fields left None match anything. First match wins."""

    level: int
    device: str | None = None  # glob on the device name
    check: str | None = None  # check_matches pattern
    status: Status | None = None

    def matches(self, device: str | None, check: str | None, status: Status | None) -> bool:
        if not _name_matches(self.device, device):
            return False
        if self.check is not None and (check is None or not check_matches(self.check, check)):
            return False
        return self.status is None or self.status is status


def _by_criticality(high: int, medium: int, low: int) -> dict[str, int]:
    return {"high": high, "medium": medium, "low": low}


@dataclass(frozen=True)
class LevelRules:
    critical: Mapping[str, int] = field(default_factory=lambda: _by_criticality(1, 2, 2))
    unreachable: Mapping[str, int] = field(default_factory=lambda: _by_criticality(1, 2, 2))
    warning: int = 3
    # A check that could not be evaluated: no evidence of impact, but someone must look.
    unknown: int = 3
    inspection: int = 4
    overrides: tuple[LevelOverride, ...] = ()

    def override(self, device: str | None, check: str | None, status: Status | None) -> int | None:
        for rule in self.overrides:
            if rule.matches(device, check, status):
                return rule.level
        return None


def _default_deadlines() -> dict[tuple[str, int], Deadline]:
    hours = timedelta(hours=1)
    # Level 4 (advisory, an inspection finding): no on-site visit; answer within a week, which
    # covers "five business days" whatever weekday it opens, without a holiday calendar.
    advisory = Deadline(response=timedelta(days=7), onsite=None)
    return {
        ("urban", 1): Deadline(2 * hours, 2 * hours),
        ("urban", 2): Deadline(2 * hours, 4 * hours),
        ("urban", 3): Deadline(2 * hours, 4 * hours),
        ("urban", 4): advisory,
        ("suburban", 1): Deadline(4 * hours, 4 * hours),
        ("suburban", 2): Deadline(4 * hours, 24 * hours),
        ("suburban", 3): Deadline(4 * hours, 24 * hours),
        ("suburban", 4): advisory,
    }


@dataclass(frozen=True)
class EscalationStep:
    step: int  # 1-based
    name: str
    roles: tuple[str, ...]  # notification roles that own this step


DEFAULT_LADDER = (
    EscalationStep(1, "service centre (hotline, remote diagnosis)", ("engineer",)),
    EscalationStep(2, "customer-service manager (dispatches on-site)", ("cs_manager",)),
    EscalationStep(3, "general manager and technical experts", ("general_manager", "expert")),
)


@dataclass(frozen=True)
class MaintenanceWindow:
    """Planned work: faults of the covered devices open no ticket and SLA clocks pause."""

    start: datetime
    end: datetime
    reason: str = ""
    customer: str | None = None  # globs; None matches any
    site: str | None = None
    device: str | None = None

    def covers(self, customer: str | None, site: str | None, device: str | None) -> bool:
        return (
            _name_matches(self.customer, customer)
            and _name_matches(self.site, site)
            and _name_matches(self.device, device)
        )

    def active(self, at: datetime) -> bool:
        return self.start <= at < self.end


def add_working_time(
    start: datetime, duration: timedelta, pauses: Iterable[MaintenanceWindow]
) -> datetime:
    """`start + duration` with the clock stopped during the pauses (which may overlap)."""
    moment, remaining = start, duration
    for window in sorted(pauses, key=lambda w: w.start):
        if window.end <= moment:
            continue
        if window.start > moment:
            gap = window.start - moment
            if remaining <= gap:
                return moment + remaining
            remaining -= gap
        moment = max(moment, window.end)
    return moment + remaining


DEFAULT_TICKET_PER_CHECK = (
    "cisco.logging",
    "huawei.logbuffer",
    "huawei.alarms",
    "aix.errpt",
    "storwize.eventlog",
)


@dataclass(frozen=True)
class Policy:
    damping_default: int = 2
    damping: Mapping[str, int] = field(default_factory=dict)  # check pattern -> N
    levels: LevelRules = field(default_factory=LevelRules)
    deadlines: Mapping[tuple[str, int], Deadline] = field(default_factory=_default_deadlines)
    follow_up: timedelta = timedelta(hours=24)
    ladder: tuple[EscalationStep, ...] = DEFAULT_LADDER
    complaint_roles: tuple[str, ...] = ("admin",)
    base_fee: float = 0.0  # proposed base repair fee for a resolution by a person
    currency: str = "CNY"
    maintenance: tuple[MaintenanceWindow, ...] = ()
    # Checks whose items are events (log messages, active alarms, error-log entries), not
    # components: one ticket per check and device, so every new message does not open another.
    ticket_per_check: tuple[str, ...] = DEFAULT_TICKET_PER_CHECK

    def per_check(self, check: str) -> bool:
        """Whether a failing `check` is one problem per device rather than one per item."""
        return any(check_matches(pattern, check) for pattern in self.ticket_per_check)

    def damping_for(self, check: str) -> int:
        """N consecutive non-OK results that open a ticket: the exact id, else the longest
        matching pattern, else the default."""
        if check in self.damping:
            return self.damping[check]
        matching = [p for p in self.damping if check_matches(p, check)]
        if matching:
            return self.damping[max(matching, key=len)]
        return self.damping_default

    def level_for(
        self,
        *,
        status: Status,
        check: str,
        device: str | None,
        criticality: str = "medium",
        declared_level: int | None = None,
        inspection: bool = False,
    ) -> int | None:
        """The fault level of a non-OK observation (None for OK).

        Precedence: a policy override (per device and/or check) > the level the check declared >
        inspection finding > status x criticality (CRITICAL, or unreachable: by criticality;
        UNKNOWN; WARNING).
        """
        if status is Status.OK:
            return None
        override = self.levels.override(device, check, status)
        if override is not None:
            return override
        if declared_level is not None:
            return declared_level
        if inspection:
            return self.levels.inspection
        if status is Status.CRITICAL:
            table = self.levels.unreachable if is_reachability(check) else self.levels.critical
            return table.get(criticality, table["medium"])
        if status is Status.WARNING:
            return self.levels.warning
        return self.levels.unknown

    def proposed_level(
        self, *, device: str | None, criticality: str = "medium", check: str | None = None
    ) -> int:
        """The level proposed for a ticket registered by hand: a customer calling in is treated
        as a CRITICAL on that device (overrides without a status still apply)."""
        override = self.levels.override(device, check, None)
        if override is not None:
            return override
        return self.levels.critical.get(criticality, self.levels.critical["medium"])

    def deadline(self, level: int, zone: str) -> Deadline:
        try:
            return self.deadlines[(zone, level)]
        except KeyError:
            raise ValueError(f"no deadlines for zone {zone!r} and level {level!r}") from None

    def due_dates(
        self,
        level: int,
        zone: str,
        raised_at: datetime,
        pauses: Iterable[MaintenanceWindow] = (),
    ) -> tuple[datetime, datetime | None]:
        """(response_due, onsite_due) for a fault raised at `raised_at`; `pauses` stop the clock."""
        deadline = self.deadline(level, zone)
        pauses = tuple(pauses)
        response = add_working_time(raised_at, deadline.response, pauses)
        if deadline.onsite is None:
            return response, None
        return response, add_working_time(raised_at, deadline.onsite, pauses)

    @property
    def top_step(self) -> int:
        return len(self.ladder)

    def step(self, number: int) -> EscalationStep:
        return self.ladder[max(1, min(number, self.top_step)) - 1]

    def roles_up_to(self, number: int) -> tuple[str, ...]:
        """Every role told about a ticket at this step or below, each once, in ladder order."""
        roles: list[str] = []
        for step in self.ladder[: max(1, min(number, self.top_step))]:
            roles.extend(r for r in step.roles if r not in roles)
        return tuple(roles)

    def windows_for(
        self, customer: str | None, site: str | None, device: str | None
    ) -> tuple[MaintenanceWindow, ...]:
        return tuple(w for w in self.maintenance if w.covers(customer, site, device))

    def in_maintenance(
        self, customer: str | None, site: str | None, device: str | None, at: datetime
    ) -> MaintenanceWindow | None:
        for window in self.windows_for(customer, site, device):
            if window.active(at):
                return window
        return None


# --- loading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyIssue(Issue):
    """One problem of the `policy:` section; path like "policy.deadlines.urban.1.onsite"."""


class PolicyError(IssueError[PolicyIssue]):
    pass


def load_policy(path: str | Path) -> Policy:
    """The `policy:` section of a server.yaml file (defaults when the section is absent)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise PolicyError([PolicyIssue(str(path), 0, "", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError([PolicyIssue(str(path), 0, "", f"cannot read the file: {exc}")]) from None
    return parse_policy(text, str(path))


def parse_policy(text: str, file: str = "server.yaml") -> Policy:
    """The `policy:` section of server.yaml text."""
    try:
        root = yn.compose(text)
    except yn.YamlSyntaxError as exc:
        raise PolicyError(
            [PolicyIssue(file, exc.line, "", f"invalid YAML: {exc.message}")]
        ) from None
    if yn.is_null(root):
        return Policy()
    if not isinstance(root, yn.MappingNode):
        raise PolicyError(
            [PolicyIssue(file, yn.line(root), "", f"expected a mapping, got {yn.describe(root)}")]
        )
    entries, _ = yn.entries(root)  # duplicate top-level keys are the config loader's to report
    for entry in entries:
        if entry.key == "policy":
            return policy_from_node(entry.value, file)
    return Policy()


def policy_from_node(node: yn.Node | None, file: str, path: str = "policy") -> Policy:
    """A Policy from an already composed `policy:` node (for a loader of the whole server.yaml)."""
    reader = _Reader(file)
    policy = reader.policy(node, path)
    if reader.issues:
        raise PolicyError(reader.sorted_issues())
    return policy


POLICY_KEYS = (
    "damping",
    "levels",
    "deadlines",
    "follow_up",
    "escalation",
    "complaint_roles",
    "charges",
    "maintenance",
    "ticket_per_check",
)
DAMPING_KEYS = ("default", "checks")
LEVELS_KEYS = ("critical", "unreachable", "warning", "unknown", "inspection", "overrides")
OVERRIDE_KEYS = ("device", "check", "status", "level")
DEADLINE_KEYS = ("response", "onsite")
STEP_KEYS = ("name", "roles")
CHARGES_KEYS = ("base_fee", "currency")
WINDOW_KEYS = ("customer", "site", "device", "start", "end", "reason")
MAX_DAMPING = 100
_ROLE = re.compile(r"[a-z][a-z0-9_]*")


class _Reader(NodeReader[PolicyIssue]):
    """Walks the `policy:` node once, building the Policy and collecting every issue."""

    issue_type = PolicyIssue

    # --- shapes (mapping, fields, value, text: checks.yamlcheck.NodeReader) ---

    def integer(self, node: yn.Node, path: str, low: int, high: int, what: str) -> int | None:
        value = self.value(node, path)
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            return value
        self.add(node, path, f"expected {what} from {low} to {high}, got {yn.describe(node)}")
        return None

    def level(self, node: yn.Node, path: str) -> int | None:
        return self.integer(node, path, 1, 4, "a fault level")

    def duration(self, node: yn.Node, path: str, allow_none: bool = False) -> timedelta | None:
        if allow_none and (
            yn.is_null(node) or (isinstance(node, yn.ScalarNode) and node.value == "none")
        ):
            return None
        if isinstance(node, yn.ScalarNode) and node.tag == yn.STR_TAG:
            try:
                value = parse_duration(node.value)
            except ValueError as exc:
                self.add(node, path, str(exc))
                return None
            if value > timedelta(0):
                return value
            self.add(node, path, f"a duration must be more than 0, got {node.value!r}")
            return None
        extra = " or none" if allow_none else ""
        self.add(
            node,
            path,
            f"expected a duration with its unit (2h, 90m, 7d, 1h30m){extra}, "
            f"got {yn.describe(node)}",
        )
        return None

    def roles(self, node: yn.Node, path: str) -> tuple[str, ...] | None:
        if not isinstance(node, yn.SequenceNode) or not node.value:
            self.add(
                node, path, f"expected a non-empty list of role names, got {yn.describe(node)}"
            )
            return None
        roles: list[str] = []
        before = len(self.issues)
        for index, child in enumerate(node.value):
            where = f"{path}[{index}]"
            role = self.text(child, where, "a role name")
            if role is None:
                continue
            if not _ROLE.fullmatch(role):
                self.add(
                    child,
                    where,
                    f"a role name is lowercase letters, digits and _ (cs_manager), got {role!r}",
                )
            elif role in roles:
                self.add(child, where, f"role {role!r} is listed twice")
            else:
                roles.append(role)
        return tuple(roles) if len(self.issues) == before else None

    def moment(self, node: yn.Node, path: str) -> datetime | None:
        value = self.value(node, path)
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if isinstance(value, datetime):
            if value.tzinfo is None:
                self.add(
                    node, path, "a time needs its time zone, e.g. 2025-01-04T22:00:00+08:00 or Z"
                )
                return None
            return value
        self.add(
            node,
            path,
            f"expected a date and time such as 2025-01-04T22:00:00+08:00, got {yn.describe(node)}",
        )
        return None

    # --- sections ---

    def policy(self, node: yn.Node | None, path: str) -> Policy:
        defaults = Policy()
        if node is None or yn.is_null(node):
            return defaults
        found = self.fields(node, path, POLICY_KEYS)
        kwargs: dict[str, object] = {}
        if "damping" in found:
            default, per_check = self.damping(found["damping"], _join(path, "damping"))
            kwargs["damping_default"] = default
            kwargs["damping"] = per_check
        if "levels" in found:
            kwargs["levels"] = self.levels(found["levels"], _join(path, "levels"))
        if "deadlines" in found:
            kwargs["deadlines"] = self.deadlines(found["deadlines"], _join(path, "deadlines"))
        if "follow_up" in found:
            follow_up = self.duration(found["follow_up"], _join(path, "follow_up"))
            if follow_up is not None:
                kwargs["follow_up"] = follow_up
        if "escalation" in found:
            ladder = self.ladder(found["escalation"], _join(path, "escalation"))
            if ladder:
                kwargs["ladder"] = ladder
        if "complaint_roles" in found:
            roles = self.roles(found["complaint_roles"], _join(path, "complaint_roles"))
            if roles:
                kwargs["complaint_roles"] = roles
        if "charges" in found:
            kwargs.update(self.charges(found["charges"], _join(path, "charges")))
        if "maintenance" in found:
            kwargs["maintenance"] = self.maintenance(
                found["maintenance"], _join(path, "maintenance")
            )
        if "ticket_per_check" in found:
            kwargs["ticket_per_check"] = self.patterns(
                found["ticket_per_check"], _join(path, "ticket_per_check")
            )
        return Policy(**kwargs)  # type: ignore[arg-type]

    def patterns(self, node: yn.Node, path: str) -> tuple[str, ...]:
        if not isinstance(node, yn.SequenceNode):
            self.add(
                node, path, f"expected a list of check ids or patterns, got {yn.describe(node)}"
            )
            return ()
        out: list[str] = []
        for index, child in enumerate(node.value):
            pattern = self.text(child, f"{path}[{index}]", "a check id or pattern (cisco.logging)")
            if pattern is not None and pattern not in out:
                out.append(pattern)
        return tuple(out)

    def damping(self, node: yn.Node, path: str) -> tuple[int, dict[str, int]]:
        found = self.fields(node, path, DAMPING_KEYS)
        default = Policy().damping_default
        what = "a number of consecutive non-OK results"
        if "default" in found:
            value = self.integer(found["default"], _join(path, "default"), 1, MAX_DAMPING, what)
            default = value if value is not None else default
        per_check: dict[str, int] = {}
        if "checks" in found:
            checks_path = _join(path, "checks")
            for entry in self.mapping(found["checks"], checks_path) or []:
                value = self.integer(
                    entry.value, _join(checks_path, entry.key), 1, MAX_DAMPING, what
                )
                if value is not None:
                    per_check[entry.key] = value
        return default, per_check

    def levels(self, node: yn.Node, path: str) -> LevelRules:
        found = self.fields(node, path, LEVELS_KEYS)
        defaults = LevelRules()
        kwargs: dict[str, object] = {}
        for key in ("critical", "unreachable"):
            if key in found:
                table = dict(getattr(defaults, key))
                sub = _join(path, key)
                for name, child in self.fields(found[key], sub, CRITICALITIES).items():
                    level = self.level(child, _join(sub, name))
                    if level is not None:
                        table[name] = level
                kwargs[key] = table
        for key in ("warning", "unknown", "inspection"):
            if key in found:
                level = self.level(found[key], _join(path, key))
                if level is not None:
                    kwargs[key] = level
        if "overrides" in found:
            kwargs["overrides"] = self.overrides(found["overrides"], _join(path, "overrides"))
        return LevelRules(**kwargs)  # type: ignore[arg-type]

    def overrides(self, node: yn.Node, path: str) -> tuple[LevelOverride, ...]:
        if not isinstance(node, yn.SequenceNode):
            self.add(node, path, f"expected a list of rules, got {yn.describe(node)}")
            return ()
        rules: list[LevelOverride] = []
        for index, child in enumerate(node.value):
            sub = f"{path}[{index}]"
            found = self.fields(child, sub, OVERRIDE_KEYS)
            if not isinstance(child, yn.MappingNode):
                continue
            if "level" not in found:
                self.add(child, _join(sub, "level"), "required field is missing")
            if not {"device", "check"} & found.keys():
                self.add(child, sub, "a rule names a device, a check or both")
            level = self.level(found["level"], _join(sub, "level")) if "level" in found else None
            device = (
                self.text(found["device"], _join(sub, "device"), "a device name or glob")
                if "device" in found
                else None
            )
            check = (
                self.text(found["check"], _join(sub, "check"), "a check id or pattern")
                if "check" in found
                else None
            )
            status: Status | None = None
            if "status" in found:
                text = self.text(found["status"], _join(sub, "status"), "a status")
                if text is not None:
                    try:
                        status = Status.parse(text)
                    except ValueError as exc:
                        self.add(found["status"], _join(sub, "status"), str(exc))
                    if status is Status.OK:
                        self.add(found["status"], _join(sub, "status"), "OK never has a level")
            if level is not None:
                rules.append(LevelOverride(level=level, device=device, check=check, status=status))
        return tuple(rules)

    def deadlines(self, node: yn.Node, path: str) -> dict[tuple[str, int], Deadline]:
        table = _default_deadlines()
        for zone, zone_node in self.fields(node, path, ZONES).items():
            zone_path = _join(path, zone)
            for entry in self.mapping(zone_node, zone_path) or []:
                level_path = _join(zone_path, entry.key)
                level = int(entry.key) if entry.key in {"1", "2", "3", "4"} else None
                if level is None:
                    self.add(entry.key_node, level_path, "expected a fault level 1, 2, 3 or 4")
                    continue
                found = self.fields(entry.value, level_path, DEADLINE_KEYS)
                current = table[(zone, level)]
                response, onsite = current.response, current.onsite
                if "response" in found:
                    value = self.duration(found["response"], _join(level_path, "response"))
                    response = value if value is not None else response
                if "onsite" in found:
                    onsite = self.duration(
                        found["onsite"], _join(level_path, "onsite"), allow_none=True
                    )
                table[(zone, level)] = Deadline(response, onsite)
        return table

    def ladder(self, node: yn.Node, path: str) -> tuple[EscalationStep, ...]:
        if not isinstance(node, yn.SequenceNode) or not node.value:
            self.add(node, path, f"expected a non-empty list of steps, got {yn.describe(node)}")
            return ()
        steps: list[EscalationStep] = []
        for index, child in enumerate(node.value):
            sub = f"{path}[{index}]"
            found = self.fields(child, sub, STEP_KEYS)
            if not isinstance(child, yn.MappingNode):
                continue
            for key in STEP_KEYS:
                if key not in found:
                    self.add(child, _join(sub, key), "required field is missing")
            name = self.text(found["name"], _join(sub, "name")) if "name" in found else None
            roles = self.roles(found["roles"], _join(sub, "roles")) if "roles" in found else None
            if name is not None and roles is not None:
                steps.append(EscalationStep(index + 1, name, roles))
        return tuple(steps) if len(steps) == len(node.value) else ()

    def charges(self, node: yn.Node, path: str) -> dict[str, object]:
        found = self.fields(node, path, CHARGES_KEYS)
        out: dict[str, object] = {}
        if "base_fee" in found:
            value = self.value(found["base_fee"], _join(path, "base_fee"))
            if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
                out["base_fee"] = float(value)
            else:
                self.add(
                    found["base_fee"],
                    _join(path, "base_fee"),
                    f"expected an amount of 0 or more, got {yn.describe(found['base_fee'])}",
                )
        if "currency" in found:
            currency = self.text(found["currency"], _join(path, "currency"), "a currency code")
            if currency is not None:
                if re.fullmatch(r"[A-Z]{3}", currency):
                    out["currency"] = currency
                else:
                    self.add(
                        found["currency"],
                        _join(path, "currency"),
                        f"expected an ISO 4217 code such as CNY, got {currency!r}",
                    )
        return out

    def maintenance(self, node: yn.Node, path: str) -> tuple[MaintenanceWindow, ...]:
        if not isinstance(node, yn.SequenceNode):
            self.add(node, path, f"expected a list of windows, got {yn.describe(node)}")
            return ()
        windows: list[MaintenanceWindow] = []
        for index, child in enumerate(node.value):
            sub = f"{path}[{index}]"
            found = self.fields(child, sub, WINDOW_KEYS)
            if not isinstance(child, yn.MappingNode):
                continue
            for key in ("start", "end"):
                if key not in found:
                    self.add(child, _join(sub, key), "required field is missing")
            if not {"customer", "site", "device"} & found.keys():
                self.add(child, sub, "a window names a customer, a site or devices")
            names = {
                key: self.text(found[key], _join(sub, key), f"a {key} id or glob")
                for key in ("customer", "site", "device")
                if key in found
            }
            start = self.moment(found["start"], _join(sub, "start")) if "start" in found else None
            end = self.moment(found["end"], _join(sub, "end")) if "end" in found else None
            reason = self.text(found["reason"], _join(sub, "reason")) if "reason" in found else ""
            if start is not None and end is not None and end <= start:
                self.add(found["end"], _join(sub, "end"), "the window ends before it starts")
                continue
            if start is not None and end is not None:
                windows.append(
                    MaintenanceWindow(start=start, end=end, reason=reason or "", **names)
                )
        return tuple(windows)
