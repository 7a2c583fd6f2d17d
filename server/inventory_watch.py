"""Reloading the inventory while the server runs: each `serve` process notices a changed
inventory file by itself and swaps it in, so several processes need no signal to agree.

PUBLIC API:
    InventoryWatcher(path, directory)   .check() -> "reloaded" | "refused" | None (unchanged)

The serving process calls check() every `scheduler.inventory_check_s` (server.yaml, 10 s).

A changed file (modification time or size) is read and validated like at start; a file with
mistakes is refused, its problems logged with their lines, and the previous inventory keeps
being served until the file is fixed (each version of the file is reported once, not at every
check). A file that disappears is refused the same way: removing it does not empty the server.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from checks.inventory import InventoryError, load_inventory
from server.directory import Directory

log = logging.getLogger("patrol.server.inventory")


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


class InventoryWatcher:
    def __init__(self, path: str | Path, directory: Directory):
        self.path = Path(path)
        self.directory = directory
        self._seen = _stamp(self.path)  # the version being served (read at start)

    def check(self) -> str | None:
        """Reload the inventory when its file changed since the last check."""
        stamp = _stamp(self.path)
        if stamp == self._seen:
            return None
        self._seen = stamp
        if stamp is None:
            log.error("inventory %s is gone; still serving the previous one", self.path)
            return "refused"
        try:
            inventory = load_inventory(self.path)
        except InventoryError as exc:
            lines = "\n".join(f"  {issue}" for issue in exc.issues)
            log.error(
                "inventory %s changed but has %d problem(s); still serving the previous one:\n%s",
                self.path,
                len(exc.issues),
                lines,
            )
            return "refused"
        before = len(self.directory.devices())
        self.directory.replace(inventory)
        log.info(
            "inventory %s reloaded: %d devices (%d before)",
            self.path,
            len(inventory.devices),
            before,
        )
        return "reloaded"
