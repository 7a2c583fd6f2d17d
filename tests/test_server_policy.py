"""The ticket policy: DESIGN.md's defaults, the level rules, damping, and server.yaml validation."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from checks.status import Status
from server.policy import (
    LevelOverride,
    LevelRules,
    MaintenanceWindow,
    Policy,
    PolicyError,
    add_working_time,
    check_matches,
    format_duration,
    load_policy,
    parse_duration,
    parse_policy,
)

H = timedelta(hours=1)
REPO_ROOT = Path(__file__).resolve().parents[1]

# The service terms of DESIGN.md, written out independently of the code under test.
CONTRACT = {
    ("urban", 1): (2 * H, 2 * H),
    ("urban", 2): (2 * H, 4 * H),
    ("urban", 3): (2 * H, 4 * H),
    ("urban", 4): (7 * 24 * H, None),
    ("suburban", 1): (4 * H, 4 * H),
    ("suburban", 2): (4 * H, 24 * H),
    ("suburban", 3): (4 * H, 24 * H),
    ("suburban", 4): (7 * 24 * H, None),
}


def issues_of(text: str) -> list[str]:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "server.yaml")
    return [str(issue) for issue in caught.value.issues]


# --- defaults -------------------------------------------------------------------------------


@pytest.mark.parametrize(("zone", "level"), sorted(CONTRACT))
def test_default_deadlines_are_the_service_contract(zone: str, level: int) -> None:
    deadline = Policy().deadline(level, zone)
    assert (deadline.response, deadline.onsite) == CONTRACT[(zone, level)]


def test_default_damping_follow_up_and_ladder() -> None:
    policy = Policy()
    assert policy.damping_for("huawei_vrp.fans") == 2
    assert policy.follow_up == 24 * H
    assert [s.roles for s in policy.ladder] == [
        ("engineer",),
        ("cs_manager",),
        ("general_manager", "expert"),
    ]
    assert policy.top_step == 3
    assert policy.roles_up_to(3) == ("engineer", "cs_manager", "general_manager", "expert")
    assert policy.complaint_roles == ("admin",)


@pytest.mark.parametrize(
    ("status", "check", "criticality", "expected"),
    [
        (Status.CRITICAL, "huawei_vrp.fans", "high", 1),
        (Status.CRITICAL, "huawei_vrp.fans", "medium", 2),
        (Status.CRITICAL, "huawei_vrp.fans", "low", 2),
        (Status.CRITICAL, "snmp.reachability", "high", 1),
        (Status.CRITICAL, "snmp.reachability", "low", 2),
        (Status.WARNING, "cisco_ios.cpu", "high", 3),
        (Status.WARNING, "cisco_ios.cpu", "low", 3),
        (Status.UNKNOWN, "cisco_ios.cpu", "high", 3),
        (Status.OK, "cisco_ios.cpu", "high", None),
    ],
)
def test_level_from_status_and_criticality(
    status: Status, check: str, criticality: str, expected: int | None
) -> None:
    level = Policy().level_for(status=status, check=check, device="d", criticality=criticality)
    assert level == expected


def test_level_precedence_override_then_declared_then_inspection_then_status() -> None:
    policy = Policy(
        levels=LevelRules(
            overrides=(
                LevelOverride(level=3, device="lab-*", check="*.fans"),
                LevelOverride(level=1, device="core-01"),
            )
        )
    )

    def level(**kw: object) -> int | None:
        args: dict[str, object] = {
            "status": Status.CRITICAL,
            "check": "huawei_vrp.fans",
            "device": "br-01",
            "criticality": "medium",
        }
        args.update(kw)
        return policy.level_for(**args)  # type: ignore[arg-type]

    assert level() == 2  # status x criticality
    assert level(inspection=True) == 4  # an inspection finding
    assert level(declared_level=2, criticality="high") == 2  # the check's own level wins
    assert level(declared_level=2, inspection=True) == 2
    assert level(device="lab-07", declared_level=1) == 3  # an override wins over everything
    assert level(device="core-01", status=Status.WARNING, declared_level=4) == 1
    assert level(device="lab-07", check="cisco_ios.cpu") == 2  # the rule names both


def test_override_may_name_a_status() -> None:
    policy = Policy(
        levels=LevelRules(
            overrides=(LevelOverride(level=2, check="snmp.interfaces", status=Status.WARNING),)
        )
    )
    kw = {"check": "snmp.interfaces", "device": "d", "criticality": "low"}
    assert policy.level_for(status=Status.WARNING, **kw) == 2
    assert policy.level_for(status=Status.UNKNOWN, **kw) == 3


def test_proposed_level_for_a_hand_registered_ticket() -> None:
    policy = Policy(levels=LevelRules(overrides=(LevelOverride(level=3, device="atm-*"),)))
    assert policy.proposed_level(device="core-01", criticality="high") == 1
    assert policy.proposed_level(device="br-01", criticality="medium") == 2
    assert policy.proposed_level(device=None, criticality="medium") == 2  # a whole site
    assert policy.proposed_level(device="atm-17", criticality="high") == 3


def test_damping_per_check_exact_prefix_and_glob_most_specific_wins() -> None:
    policy = Policy(
        damping_default=2,
        damping={"huawei_vrp.": 3, "huawei_vrp.fa*": 4, "huawei_vrp.fans": 5, "*.reachability": 1},
    )
    assert policy.damping_for("huawei_vrp.fans") == 5
    assert policy.damping_for("huawei_vrp.fan_tray") == 4
    assert policy.damping_for("huawei_vrp.cpu") == 3
    assert policy.damping_for("snmp.reachability") == 1
    assert policy.damping_for("cisco_ios.cpu") == 2


def test_check_patterns() -> None:
    assert check_matches("snmp.interfaces", "snmp.interfaces")
    assert not check_matches("snmp.interfaces", "snmp.interfaces_errors")
    assert check_matches("cisco_", "cisco_ios.cpu") is False  # a prefix ends with "."
    assert check_matches("cisco_ios.", "cisco_ios.cpu")
    assert check_matches("cisco_*", "cisco_ios.cpu")
    assert check_matches("*.fans", "huawei_vrp.fans")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2h", 2 * H), ("90m", timedelta(minutes=90)), ("7d", 7 * 24 * H), ("1h30m", 1.5 * H)],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected
    assert parse_duration(format_duration(expected)) == expected


@pytest.mark.parametrize("text", ["", "2", "2 hours", "h", "-1h", "1.5h"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="expected a duration"):
        parse_duration(text)


# --- maintenance windows pause the SLA clocks ------------------------------------------------

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def window(start_h: float, end_h: float, device: str = "core-01") -> MaintenanceWindow:
    return MaintenanceWindow(start=T0 + start_h * H, end=T0 + end_h * H, device=device)


def test_working_time_skips_pauses() -> None:
    assert add_working_time(T0, 2 * H, []) == T0 + 2 * H
    assert add_working_time(T0, 2 * H, [window(1, 3)]) == T0 + 4 * H
    assert add_working_time(T0, 2 * H, [window(-1, 1)]) == T0 + 3 * H  # raised inside a window
    assert add_working_time(T0, 2 * H, [window(5, 6)]) == T0 + 2 * H  # after the deadline
    assert add_working_time(T0, 2 * H, [window(2, 3)]) == T0 + 2 * H  # due as it starts
    overlapping = [window(1, 3), window(2, 4)]
    assert add_working_time(T0, 2 * H, overlapping) == T0 + 5 * H


def test_due_dates_with_a_window() -> None:
    policy = Policy(maintenance=(window(1, 3),))
    pauses = policy.windows_for("bank", "hq", "core-01")
    assert pauses and not policy.windows_for("bank", "hq", "core-02")
    assert policy.due_dates(1, "urban", T0, pauses) == (T0 + 4 * H, T0 + 4 * H)
    assert policy.due_dates(4, "urban", T0, pauses)[1] is None
    assert policy.in_maintenance("bank", "hq", "core-01", T0 + 2 * H) is not None
    assert policy.in_maintenance("bank", "hq", "core-01", T0 + 3 * H) is None  # end excluded


# --- server.yaml ----------------------------------------------------------------------------


def test_no_policy_section_means_defaults() -> None:
    assert parse_policy("") == Policy()
    assert parse_policy("listen: {port: 8080}\n") == Policy()
    assert parse_policy("policy:\n") == Policy()


def test_the_example_in_docs_tickets_md_is_valid() -> None:
    text = (REPO_ROOT / "docs" / "tickets.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, flags=re.S)
    example = next(b for b in blocks if b.startswith("policy:"))
    policy = parse_policy(example, "docs/tickets.md")
    assert policy.damping_for("snmp.interfaces") == 3
    assert policy.deadline(1, "urban").onsite == 2 * H
    assert policy.maintenance


def test_full_policy() -> None:
    policy = parse_policy(
        """
policy:
  damping:
    default: 3
    checks: {snmp.reachability: 1, "huawei_vrp.*": 2}
  levels:
    critical: {low: 3}
    unreachable: {medium: 1}
    warning: 3
    unknown: 4
    inspection: 4
    overrides:
      - {device: "fz-hq-core-*", level: 1}
      - {check: snmp.interfaces, status: WARNING, level: 2}
  deadlines:
    urban:
      1: {onsite: 1h}
    suburban:
      4: {response: 5d, onsite: none}
      2: {onsite: 12h}
  follow_up: 48h
  escalation:
    - {name: service centre, roles: [engineer]}
    - {name: duty manager, roles: [cs_manager, admin]}
  complaint_roles: [admin, cs_manager]
  charges: {base_fee: 800, currency: CNY}
  maintenance:
    - device: fz-hq-core-01
      start: 2025-01-04T22:00:00+08:00
      end: 2025-01-05T02:00:00+08:00
      reason: firmware upgrade
"""
    )
    assert policy.damping_default == 3
    assert policy.damping_for("snmp.reachability") == 1
    assert policy.damping_for("huawei_vrp.cpu") == 2
    assert policy.levels.critical == {"high": 1, "medium": 2, "low": 3}
    assert policy.levels.unreachable["medium"] == 1
    assert policy.levels.unknown == 4
    assert policy.levels.overrides[1].status is Status.WARNING
    assert policy.deadline(1, "urban").onsite == 1 * H
    assert policy.deadline(1, "urban").response == 2 * H  # the rest keeps its default
    assert policy.deadline(2, "suburban").onsite == 12 * H
    assert policy.deadline(4, "suburban").response == 5 * 24 * H
    assert policy.deadline(4, "suburban").onsite is None
    assert policy.follow_up == 48 * H
    assert policy.top_step == 2
    assert policy.step(2).roles == ("cs_manager", "admin")
    assert policy.step(9).step == 2  # beyond the top: the top step
    assert policy.complaint_roles == ("admin", "cs_manager")
    assert policy.base_fee == 800.0
    (maintenance,) = policy.maintenance
    assert maintenance.start == datetime(2025, 1, 4, 14, 0, tzinfo=UTC)
    assert maintenance.reason == "firmware upgrade"


def test_unknown_keys_are_rejected_with_their_line_and_a_suggestion() -> None:
    issues = issues_of("policy:\n  dampnig: {default: 2}\n  follow_up: 24h\n")
    assert issues == [
        "server.yaml:2: policy.dampnig: unknown key; did you mean 'damping'? allowed keys: "
        "damping, levels, deadlines, follow_up, escalation, complaint_roles, charges, maintenance, "
        "ticket_per_check"
    ]


def test_every_problem_is_listed_at_once_in_line_order() -> None:
    issues = issues_of(
        """policy:
  damping:
    default: 0
    checks: {snmp.interfaces: two}
  levels:
    warning: 5
    overrides:
      - {check: x}
      - {level: 2}
  deadlines:
    urban:
      5: {response: 2h}
      1: {response: 2, onsite: soon}
    rural: {}
  follow_up: 0m
  escalation:
    - {name: centre, roles: [Engineer]}
  maintenance:
    - {device: x, start: 2025-01-04 22:00:00, end: 2025-01-05T02:00:00Z}
    - {device: y, start: 2025-01-05T02:00:00Z, end: 2025-01-04T02:00:00Z}
"""
    )
    assert issues == [
        "server.yaml:3: policy.damping.default: expected a number of consecutive non-OK results "
        "from 1 to 100, got 0",
        "server.yaml:4: policy.damping.checks.snmp.interfaces: expected a number of consecutive "
        "non-OK results from 1 to 100, got 'two'",
        "server.yaml:6: policy.levels.warning: expected a fault level from 1 to 4, got 5",
        "server.yaml:8: policy.levels.overrides[0].level: required field is missing",
        "server.yaml:9: policy.levels.overrides[1]: a rule names a device, a check or both",
        "server.yaml:12: policy.deadlines.urban.5: expected a fault level 1, 2, 3 or 4",
        "server.yaml:13: policy.deadlines.urban.1.response: expected a duration with its unit "
        "(2h, 90m, 7d, 1h30m), got 2",
        "server.yaml:13: policy.deadlines.urban.1.onsite: expected a duration such as 2h, 90m, "
        "7d or 1h30m, got 'soon'",
        "server.yaml:14: policy.deadlines.rural: unknown key; did you mean 'urban'? allowed keys: "
        "urban, suburban",
        "server.yaml:15: policy.follow_up: a duration must be more than 0, got '0m'",
        "server.yaml:17: policy.escalation[0].roles[0]: a role name is lowercase letters, digits "
        "and _ (cs_manager), got 'Engineer'",
        "server.yaml:19: policy.maintenance[0].start: a time needs its time zone, e.g. "
        "2025-01-04T22:00:00+08:00 or Z",
        "server.yaml:20: policy.maintenance[1].end: the window ends before it starts",
    ]


def test_duplicate_keys_and_yaml_syntax_errors_are_located() -> None:
    assert issues_of("policy:\n  follow_up: 24h\n  follow_up: 12h\n") == [
        "server.yaml:3: policy.follow_up: duplicate key 'follow_up' (first written at line 2)"
    ]
    (issue,) = issues_of("policy:\n  follow_up: [24h\n")
    assert issue.startswith("server.yaml:") and "invalid YAML" in issue


def test_wrong_shapes() -> None:
    assert issues_of("policy: [1, 2]\n") == [
        "server.yaml:1: policy: expected a mapping, got a list"
    ]
    assert issues_of("policy:\n  escalation: []\n") == [
        "server.yaml:2: policy.escalation: expected a non-empty list of steps, got a list"
    ]
    assert issues_of("policy:\n  escalation:\n    - {name: centre}\n") == [
        "server.yaml:3: policy.escalation[0].roles: required field is missing"
    ]
    assert issues_of("policy:\n  complaint_roles: [admin, admin]\n") == [
        "server.yaml:2: policy.complaint_roles[1]: role 'admin' is listed twice"
    ]
    assert issues_of("policy:\n  levels:\n    critical: {urgent: 1}\n") == [
        "server.yaml:3: policy.levels.critical.urgent: unknown key; allowed keys: high, medium, low"
    ]
    assert issues_of(
        "policy:\n  levels:\n    overrides:\n      - {check: x, status: OK, level: 2}\n"
    ) == ["server.yaml:4: policy.levels.overrides[0].status: OK never has a level"]
    assert issues_of("policy:\n  charges: {base_fee: -1, currency: yuan}\n") == [
        "server.yaml:2: policy.charges.base_fee: expected an amount of 0 or more, got -1",
        "server.yaml:2: policy.charges.currency: expected an ISO 4217 code such as CNY, got 'yuan'",
    ]


def test_load_policy_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "server.yaml"
    path.write_text("policy:\n  follow_up: 12h\n", encoding="utf-8")
    assert load_policy(path).follow_up == 12 * H
    with pytest.raises(PolicyError, match="file not found"):
        load_policy(tmp_path / "missing.yaml")
    path.write_text("policy:\n  follow_up: 12\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=r"server\.yaml:2: policy\.follow_up"):
        load_policy(path)


def test_event_checks_are_one_ticket_per_check() -> None:
    """Log messages and active alarms are events, not components: one problem per check."""
    from checks.result import Item, Result
    from checks.status import Status
    from server.policy import Policy, parse_policy
    from server.problems import observations

    policy = Policy()
    assert policy.per_check("cisco.logging") and policy.per_check("aix.errpt")
    assert not policy.per_check("huawei.fans")
    result = Result(
        device="sw",
        check="cisco.logging",
        status=Status.CRITICAL,
        summary="3 messages of severity 0-3",
        items=[Item("%A-2-X", Status.CRITICAL), Item("%B-3-Y", Status.WARNING)],
    )
    grouped = observations(result, per_check=True)
    assert [(o.fingerprint.item, o.status) for o in grouped] == [("", Status.CRITICAL)]
    assert len(observations(result)) == 3
    custom = parse_policy("policy:\n  ticket_per_check: [huawei.*]\n", "server.yaml")
    assert custom.per_check("huawei.fans") and not custom.per_check("cisco.logging")
