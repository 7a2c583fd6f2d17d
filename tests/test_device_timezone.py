"""A device's clock zone (inventory `timezone:`): timestamps it prints without a numeric offset
(logs, AIX errpt, the Storwize event log) are read in it, shown in it, and inherited
device > site > customer > defaults; an unknown zone is a located inventory error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from checks.check import CheckContext
from checks.cli import evaluate_cli_checks, load_cli_catalog
from checks.cli.timestamps import clock_time, errpt_time, iso_time, short, svc_time
from checks.clidata import CliData
from checks.inventory import InventoryError, parse_inventory
from checks.status import Status
from checks.thresholds import resolve

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)  # 20:00 in Fuzhou


def test_a_stamp_without_an_offset_is_read_in_the_device_zone() -> None:
    assert iso_time("2026-01-05", "19:00:00", None, SHANGHAI) == datetime(
        2026, 1, 5, 11, 0, tzinfo=UTC
    )
    assert iso_time("2026-01-05", "19:00:00") == datetime(2026, 1, 5, 19, 0, tzinfo=UTC)
    # A numeric offset or a UTC name on the line wins over the device's zone.
    assert iso_time("2026-01-05", "19:00:00", "+09:00", SHANGHAI) == datetime(
        2026, 1, 5, 10, 0, tzinfo=UTC
    )
    assert iso_time("2026-01-05", "19:00:00", "UTC", SHANGHAI) == datetime(
        2026, 1, 5, 19, 0, tzinfo=UTC
    )
    # A zone name of the device's own ("BJ", "CST") is its configured zone.
    assert clock_time("Jan", "5", "19:00:00", now=NOW, zone="BJ", local=SHANGHAI) == datetime(
        2026, 1, 5, 11, 0, tzinfo=UTC
    )
    assert errpt_time("0105190026", SHANGHAI) == datetime(2026, 1, 5, 11, 0, tzinfo=UTC)
    assert svc_time("260105190000", SHANGHAI) == datetime(2026, 1, 5, 11, 0, tzinfo=UTC)
    assert short(datetime(2026, 1, 5, 11, 0, tzinfo=UTC), SHANGHAI) == "2026-01-05 19:00"


def test_a_missing_year_is_decided_on_the_device_clock() -> None:
    # 00:30 on Jan 1 in Fuzhou is still Dec 31 in UTC: the message is from a minute ago,
    # not from almost a year ahead.
    now = datetime(2025, 12, 31, 16, 31, tzinfo=UTC)
    got = clock_time("Jan", "1", "00:30:00", now=now, local=SHANGHAI)
    assert got == datetime(2025, 12, 31, 16, 30, tzinfo=UTC)


def _errpt_result(ctx: CheckContext) -> tuple[Status, str]:
    # Two hardware errors at 19:00 device time today: 1 h ago in Fuzhou; read as UTC they
    # would be 7 h in the future.
    errpt = (
        "IDENTIFIER TIMESTAMP  T C RESOURCE_NAME  DESCRIPTION\n"
        "613E5F38   0105190026 P H LVDD           I/O ERROR DETECTED BY LVM\n"
    )
    check = load_cli_catalog().get("aix.errpt")
    (res,) = evaluate_cli_checks([check], CliData({"errpt": errpt}), ctx)
    return res.status, res.items[0].detail if res.items else res.summary


def test_checks_use_the_zone_from_their_context() -> None:
    base = dict(device="aix", platform="ibm_aix", thresholds=resolve([]), now=NOW)
    local = CheckContext(**base, local_zone=SHANGHAI)  # type: ignore[arg-type]
    assert _errpt_result(local) == (
        Status.CRITICAL,
        "I/O ERROR DETECTED BY LVM (hardware permanent, last 2026-01-05 19:00)",
    )


INVENTORY = """
credentials:
  v2c: {type: snmp_v2c, community: {env: X}}
defaults: {timezone: UTC}
customers:
  - id: fzbank
    timezone: Asia/Shanghai
    sites:
      - id: hq
        zone: urban
        devices:
          - {name: core, address: 127.0.0.1, snmp: {credential: v2c}}
          - {name: aix, address: 127.0.0.2, snmp: {credential: v2c}, timezone: Asia/Tokyo}
      - id: branch
        zone: suburban
        timezone: Asia/Urumqi
        devices:
          - {name: br, address: 127.0.0.3, snmp: {credential: v2c}}
  - id: other
    sites:
      - id: o
        zone: urban
        devices:
          - {name: o1, address: 127.0.0.4, snmp: {credential: v2c}}
"""


def test_the_zone_is_inherited_device_site_customer_defaults() -> None:
    inventory = parse_inventory(INVENTORY, "inventory.yaml")
    zones = {d.name: d.timezone for d in inventory.devices}
    assert zones == {
        "core": "Asia/Shanghai",
        "aix": "Asia/Tokyo",
        "br": "Asia/Urumqi",
        "o1": "UTC",
    }


def test_an_unknown_zone_is_a_located_error_with_a_suggestion() -> None:
    with pytest.raises(InventoryError) as caught:
        parse_inventory(INVENTORY.replace("Asia/Tokyo", "Asia/Tokio"), "inventory.yaml")
    (issue,) = caught.value.issues
    assert str(issue) == (
        "inventory.yaml:13: customers.fzbank.sites.hq.devices.aix.timezone: unknown time zone "
        "'Asia/Tokio'; did you mean 'Asia/Tokyo'? expected an IANA name such as Asia/Shanghai "
        "or UTC"
    )


def test_a_fixed_offset_zone_works_as_a_context_zone() -> None:
    east = timezone(timedelta(hours=8))
    assert iso_time("2026-01-05", "19:00:00", None, east) == datetime(2026, 1, 5, 11, 0, tzinfo=UTC)


def test_the_poller_hands_the_inventory_zone_to_the_checks() -> None:
    from agent.poller import PollOptions, evaluate

    # 16:00 on Dec 29 in Fuzhou is 7 days and 4 hours before NOW: outside errpt's 7-day window.
    # Read as UTC it would be 8 hours younger, and inside.
    errpt = (
        "IDENTIFIER TIMESTAMP  T C RESOURCE_NAME  DESCRIPTION\n"
        "613E5F38   1229160025 P H LVDD           I/O ERROR DETECTED BY LVM\n"
    )

    def status(zone: str | None) -> Status:
        report = evaluate(
            "aix",
            "ibm_aix",
            None,
            cli=CliData({"errpt": errpt}),
            options=PollOptions(check_ids=("aix.errpt",)),
            now=NOW,
            timezone=zone,
        )
        (res,) = [r for r in report.results if r.check == "aix.errpt"]
        return res.status

    assert status("Asia/Shanghai") is Status.OK
    assert status(None) is Status.CRITICAL
