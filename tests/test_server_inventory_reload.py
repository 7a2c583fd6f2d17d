"""The server reloads a changed inventory file by itself (server/inventory_watch.py): a new
device is accepted, a removed one refused, a file with mistakes or a missing file keeps the
previous inventory (reported once per version of the file), and `patrol-server serve` wires it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from checks.inventory import load_inventory
from server.directory import Directory
from server.inventory_watch import InventoryWatcher
from tests.server_support import TEST_INVENTORY, FakeNotifier, Server

NEW_DEVICE = """
          - {name: hq-new, address: 127.0.9.9, platform: cisco_ios, criticality: low,
             snmp: {credential: v2c}}"""


def _with_new_device(text: str) -> str:
    anchor = "platform: cisco_ios, criticality: low,\n             snmp: {credential: v2c}}"
    assert anchor in text
    return text.replace(anchor, anchor + NEW_DEVICE, 1)


def _write(path: Path, text: str, bump: int) -> None:
    # Same-second rewrites of the same size must still look changed: move the mtime on.
    path.write_text(text)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + bump * 1_000_000_000))


@pytest.fixture
def inventory_file(tmp_path: Path) -> Path:
    path = tmp_path / "inventory.yaml"
    path.write_text(TEST_INVENTORY)
    return path


def test_a_changed_file_is_reloaded_and_a_broken_one_refused_once(
    inventory_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    directory = Directory(load_inventory(inventory_file))
    watcher = InventoryWatcher(inventory_file, directory)
    assert watcher.check() is None  # nothing changed since start
    assert directory.device("hq-new") is None

    _write(inventory_file, _with_new_device(TEST_INVENTORY), 1)
    assert watcher.check() == "reloaded"
    assert directory.device("hq-new") is not None
    assert [d.name for d in directory.customer_devices("bank")].count("hq-new") == 1

    caplog.set_level(logging.ERROR, logger="patrol.server.inventory")
    _write(inventory_file, TEST_INVENTORY.replace("zone: urban", "zone: downtown"), 2)
    assert watcher.check() == "refused"
    assert directory.device("hq-new") is not None  # still the previous inventory
    assert "inventory.yaml:" in caplog.text and "zone" in caplog.text
    assert watcher.check() is None  # the same broken file is not reported again

    _write(inventory_file, TEST_INVENTORY, 3)
    assert watcher.check() == "reloaded"
    assert directory.device("hq-new") is None

    inventory_file.unlink()
    assert watcher.check() == "refused"
    assert directory.device("hq-core") is not None  # removing the file empties nothing


@pytest.fixture
def reloading_server(db_url: str, inventory_file: Path) -> Iterator[Server]:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from server.app import create_app
    from server.clock import FakeClock
    from server.config import parse_config

    config = parse_config(
        f"database_url: {db_url}\ninventory: {inventory_file}\n", "server.yaml", environ={}
    )
    clock = FakeClock()
    notifier = FakeNotifier()
    app = create_app(config, clock=clock, notifier=notifier, background=False)
    with TestClient(app) as client:
        yield Server(app=app, client=client, clock=clock, notifier=notifier)


def test_results_for_a_device_added_to_the_file_are_accepted_after_the_reload(
    reloading_server: Server, inventory_file: Path
) -> None:
    server = reloading_server
    watcher = server.services.inventory_watcher
    assert watcher is not None  # loaded from the configured file: watched
    agent = server.headers("agent", "bank")
    batch = [server.result("hq-new", "snmp.uptime", "OK")]
    refused = server.client.post("/api/v1/results", json=batch, headers=agent)
    assert refused.status_code == 403
    assert "not in the inventory" in refused.json()["detail"]

    _write(inventory_file, _with_new_device(TEST_INVENTORY), 1)
    assert watcher.check() == "reloaded"
    accepted = server.client.post("/api/v1/results", json=batch, headers=agent)
    assert accepted.json() == {"accepted": 1, "duplicates": 0}
    devices = server.client.get("/api/v1/devices", headers=server.headers("viewer")).json()
    assert "hq-new" in {d["name"] for d in devices}
    config = server.client.get("/api/v1/agents/me/config", headers=agent).json()
    assert "hq-new" in {d["name"] for d in config["devices"]}

    _write(inventory_file, TEST_INVENTORY, 2)
    assert watcher.check() == "reloaded"
    again = [server.result("hq-new", "snmp.uptime", "OK")]
    assert server.client.post("/api/v1/results", json=again, headers=agent).status_code == 403


def test_an_inventory_given_in_code_is_not_watched(db_url: str) -> None:
    from tests.server_support import make_server

    for server in make_server(db_url):
        assert server.services.inventory_watcher is None
