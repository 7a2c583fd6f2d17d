"""The dependency rule of DESIGN.md: checks/ (the shared kernel) imports nothing from agent/,
server/ or lab/. Scanned from the source with ast, so an import hidden in a function counts."""

from __future__ import annotations

import ast
from pathlib import Path

CHECKS = Path(__file__).resolve().parents[1] / "checks"
FORBIDDEN = ("agent", "server", "lab")


def imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def test_checks_imports_nothing_from_agent_server_or_lab() -> None:
    sources = sorted(CHECKS.rglob("*.py"))
    assert sources, f"no sources under {CHECKS}"
    offenders = [
        f"{path.relative_to(CHECKS.parent)}:{line}: import {module}"
        for path in sources
        for line, module in imported_modules(path)
        if module.split(".")[0] in FORBIDDEN
    ]
    assert not offenders, "checks/ must not import agent/, server/ or lab/:\n" + "\n".join(
        offenders
    )


def test_the_scanner_sees_imports(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os\nfrom agent.snmp import x\n"
        "def f():\n    import server.api\n    importlib.import_module('lab.cli')\n"
    )
    assert [m for _, m in imported_modules(sample)] == ["os", "agent.snmp", "server.api", "lab.cli"]


ROOT = CHECKS.parent


def _offenders(package: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{line}: import {module}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for line, module in imported_modules(path)
        if module.split(".")[0] in forbidden
    ]


def test_agent_and_server_never_import_each_other() -> None:
    """The engineer's CLI and the agent talk to the server only over HTTP (DESIGN.md)."""
    assert not _offenders("agent", ("server", "lab")), _offenders("agent", ("server", "lab"))
    assert not _offenders("server", ("agent", "lab")), _offenders("server", ("agent", "lab"))


def test_lab_imports_only_what_describes_devices() -> None:
    allowed = {"checks.snmpdata"}
    offenders = [
        line
        for line in _offenders("lab", ("agent", "server", "checks"))
        if line.rsplit("import ", 1)[1] not in allowed
    ]
    assert not offenders, offenders
