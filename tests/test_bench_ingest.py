"""Smoke test of bench/ingest.py: it imports, its fleet is a valid inventory, and its result
generator produces Results the server accepts. The benchmark itself is never run here."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bench import ingest
from checks.inventory import parse_inventory
from server.schemas import parse_results


def test_fleet_is_a_valid_inventory_with_faults() -> None:
    fleet = ingest.make_fleet(devices=40, rounds=6, seed=1)
    inventory = parse_inventory(ingest.inventory_yaml(fleet), "bench-inventory.yaml")
    assert len(inventory.devices) == 40
    assert {c.id for c in inventory.customers} == set(ingest.CUSTOMERS)
    assert {d.zone for d in inventory.devices} == {"urban", "suburban"}
    assert len(fleet.faults) == int(40 * ingest.FAULT_SHARE)
    assert ingest.make_fleet(40, 6, seed=1).faults == fleet.faults  # deterministic


def test_rounds_are_valid_results_with_items_metrics_and_failures() -> None:
    fleet = ingest.make_fleet(devices=60, rounds=8, seed=2)
    at = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    statuses: set[str] = set()
    for round_no in range(8):
        batch = ingest.round_results(fleet, fleet.devices, round_no, at)
        parsed = parse_results(batch)  # raises on anything the server would refuse
        assert len(parsed) == sum(len(d.checks) for d in fleet.devices)
        assert len({r.id for r in parsed}) == len(parsed)
        statuses |= {r.status.value for r in parsed}
    assert {"OK", "WARNING", "CRITICAL"} <= statuses
    assert any(r.items for r in parsed) and any(r.metrics for r in parsed)


def test_a_down_device_answers_reachability_critical_and_nothing_else() -> None:
    fleet = ingest.make_fleet(devices=40, rounds=10, seed=3)
    fleet.faults = {
        fleet.devices[0].name: ingest.Fault("unreachable", "snmp.reachability", None, 1, 2)
    }
    device = fleet.devices[0]
    at = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    down = {r["check"]: r["status"] for r in ingest.round_results(fleet, [device], 1, at)}
    assert down.pop("snmp.reachability") == "CRITICAL"
    assert set(down.values()) == {"UNKNOWN"}
    back = ingest.round_results(fleet, [device], 3, at)
    assert {r["status"] for r in back} == {"OK"}


def test_client_batches_are_cut_in_time_order() -> None:
    fleet = ingest.make_fleet(devices=20, rounds=4, seed=4)
    at = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    batches = ingest.client_batches(fleet, fleet.devices[:10], range(1, 4), at, 50)
    flat = [r for b in batches for r in b]
    assert all(len(b) <= 50 for b in batches)
    assert [r["observed_at"] for r in flat] == sorted(r["observed_at"] for r in flat)


def test_floor_table_mirrors_results_and_report_section_is_replaced(tmp_path: Path) -> None:
    import sqlalchemy as sa

    from server.models import results

    table = ingest.floor_table(sa.MetaData())
    assert [c.name for c in table.columns] == [c.name for c in results.columns]
    assert [c.name for c in table.primary_key] == ["id"]
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\n<!-- bench:other -->\nkeep\n<!-- /bench:other -->\n")
    ingest.write_section(doc, "first\n")
    ingest.write_section(doc, "second\n")
    text = doc.read_text()
    assert "keep" in text and "second" in text and "first" not in text
    assert text.count(ingest.BEGIN) == 1


def test_faults_never_touch_the_checks_the_visibility_probes_fail() -> None:
    for seed in range(20):
        fleet = ingest.make_fleet(devices=50, rounds=12, seed=seed)
        for device in fleet.devices:
            fault = fleet.faults.get(device.name)
            if fault is not None:
                assert fault.check not in ingest.PROBE_CHECKS[device.platform]
            assert not fleet.down(device.name, 12)  # every device answers again at the end


def test_agent_groups_split_each_customer_between_its_agents() -> None:
    fleet = ingest.make_fleet(devices=40, rounds=4, seed=5)
    groups = ingest.agent_groups(fleet, 4)
    assert sorted(d.name for g in groups for d in g) == sorted(d.name for d in fleet.devices)
    for i, group in enumerate(groups):
        assert {d.customer for d in group} == {ingest.CUSTOMERS[i % 2]}
