"""The check catalog: the declared checks of checks/catalog/*.yaml plus the checks in code.

Loading validates every declaration (unknown keys, missing fields, bad OIDs, unknown platforms
or metric names, duplicate ids) and fails with `CatalogError` naming the file, line and field,
so a typo in a YAML file stops the program at start-up rather than hiding a check.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from checks.check import SnmpCheck
from checks.engine import CheckIndex
from checks.snmp.common import CheckDefinitionError
from checks.snmp.declared import build_check

CATALOG_DIR = Path(__file__).resolve().parents[1] / "catalog"
FILE_KEYS = {"checks", "notes"}
# The order checks are listed (and reported) in: generic first, then by family.
FAMILY_ORDER = ("snmp", "cisco", "huawei", "imm", "host")
SUBJECT_ORDER = (
    "uptime",
    "interfaces",
    "cpu",
    "memory",
    "storage",
    "temperature",
    "fans",
    "power",
    "voltage",
    "health",
)


class CatalogError(ValueError):
    """A catalog file that cannot be used; the message names file, line and field."""


class Catalog(CheckIndex[SnmpCheck]):
    """All SNMP checks, by id, and which apply to a platform (and role)."""

    duplicate_error = CatalogError

    def ordered(self, by_id: dict[str, SnmpCheck]) -> dict[str, SnmpCheck]:
        return dict(sorted(by_id.items(), key=lambda kv: _order(kv[0])))


def _order(check_id: str) -> tuple[int, int, str]:
    family, _, subject = check_id.partition(".")
    rank = FAMILY_ORDER.index(family) if family in FAMILY_ORDER else len(FAMILY_ORDER)
    sub = SUBJECT_ORDER.index(subject) if subject in SUBJECT_ORDER else len(SUBJECT_ORDER)
    return rank, sub, check_id


@functools.lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """The catalog shipped with Patrol (cached: it is read once per process)."""
    return read_catalog(CATALOG_DIR)


def read_catalog(directory: Path, *, with_code_checks: bool = True) -> Catalog:
    """The catalog of `directory` (every *.yaml in it) plus, by default, the code checks."""
    from checks.snmp.code import CODE_CHECKS

    checks: list[SnmpCheck] = list(CODE_CHECKS) if with_code_checks else []
    for path in sorted(directory.glob("*.yaml")):
        checks.extend(read_catalog_file(path))
    try:
        return Catalog(checks)
    except CatalogError as exc:
        raise CatalogError(f"{directory}: {exc}") from None


def read_catalog_file(path: Path) -> list[SnmpCheck]:
    name = _display(path)
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except _DuplicateKey as exc:
        raise CatalogError(f"{name}:{exc.line}: duplicate key {exc.key!r}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        raise CatalogError(f"{name}:{line}: not valid YAML: {exc}") from None
    except OSError as exc:
        raise CatalogError(f"{name}: cannot read: {exc}") from None

    def line_of(mapping: Any, key: Any) -> str:
        if isinstance(mapping, _LineMap):
            return f"{name}:{mapping.key_lines.get(key, mapping.line)}"
        return name

    if not isinstance(document, Mapping) or "checks" not in document:
        raise CatalogError(f"{name}: expected a mapping with a 'checks' list")
    for key in document:
        if key not in FILE_KEYS:
            raise CatalogError(
                f"{line_of(document, key)}: {key}: unknown key (expected one of: checks, notes)"
            )
    entries = document["checks"]
    if not isinstance(entries, list):
        raise CatalogError(f"{line_of(document, 'checks')}: checks: expected a list")
    checks: list[SnmpCheck] = []
    for i, entry in enumerate(entries):
        ident = entry.get("id", i) if isinstance(entry, Mapping) else i
        try:
            checks.append(build_check(entry, name, f"checks[{ident}]", line_of))
        except CheckDefinitionError as exc:
            raise CatalogError(str(exc)) from None
    return checks


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(CATALOG_DIR.parents[1]))
    except ValueError:
        return str(path)


# --- a YAML loader that remembers lines and refuses duplicate keys ------------------------------


class _LineMap(dict[Any, Any]):
    line: int = 0
    key_lines: dict[Any, int]


class _DuplicateKey(yaml.YAMLError):
    def __init__(self, key: Any, line: int):
        super().__init__(f"duplicate key {key!r}")
        self.key = key
        self.line = line


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> _LineMap:
    loader.flatten_mapping(node)
    out = _LineMap()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            raise _DuplicateKey(key, key_node.start_mark.line + 1)
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
