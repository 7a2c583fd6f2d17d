"""SNMP checks: the catalog (declared in checks/catalog/*.yaml, plus code checks here) and the
engine that turns collected SnmpData into Results.

PUBLIC API (the poller and the CLI call exactly these):
    load_catalog() -> Catalog                 cached; CatalogError on a bad catalog file
    Catalog.for_platform(platform, role=None) -> list[SnmpCheck]
    Catalog.get(check_id) -> SnmpCheck        KeyError naming the known ids
    Catalog.ids -> tuple[str, ...]
    evaluate_checks(checks, data, ctx) -> list[Result]
Each check has `id`, `title`, `level` (declared fault level of its failure, or None),
`applies_to(platform)`, `plan()` and `evaluate(data, ctx) -> Verdict | None`.
"""

from __future__ import annotations

from checks.snmp.catalog import CATALOG_DIR, Catalog, CatalogError, load_catalog, read_catalog
from checks.snmp.engine import evaluate_check, evaluate_checks

__all__ = [
    "CATALOG_DIR",
    "Catalog",
    "CatalogError",
    "evaluate_check",
    "evaluate_checks",
    "load_catalog",
    "read_catalog",
]
