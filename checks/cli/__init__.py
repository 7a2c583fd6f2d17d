"""CLI (SSH) checks: parsers, the check catalog and its evaluation engine.

`load_cli_catalog()` and `evaluate_cli_checks()` land here; the read-only command allowlist lives
beside them in `checks/cli/allowlist.py` (owned separately).
"""

from __future__ import annotations
