"""Schemathesis against the OpenAPI schema, on SQLite and PostgreSQL: no generated request,
valid or deliberately invalid (wrong types, NUL characters, huge numbers, bodies that are not
arrays), makes the server answer 5xx. Examples are bounded so the test stays fast.

(schemathesis' lazy `from_fixture` loader does not run under pytest 9, so each operation's
hypothesis strategy is driven here directly, with the parametrised database fixture.)"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode

from tests.server_support import Server

EXAMPLES_PER_OPERATION = 8


def _seed(server: Server) -> None:
    """Something to hit: T-1 (open) and T-2 (resolved), results for hq-core and hq-srv."""
    for _ in range(2):
        server.observe("hq-core", "snmp.cpu", "CRITICAL")
        server.observe("hq-srv", "imm.health", "CRITICAL")
    server.observe("hq-srv", "imm.health", "OK")


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_generated_request_gets_a_server_error(server: Server, mode: GenerationMode) -> None:
    _seed(server)
    schema = schemathesis.openapi.from_asgi("/openapi.json", server.app)
    headers = server.headers("admin")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 17
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def check(case: schemathesis.Case) -> None:
            response = case.call(headers=headers)
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path} answered {response.status_code}: "
                f"{response.text[:500]}\n{case.as_curl_command(headers=headers)}"
            )

        try:
            check()
        except Unsatisfiable:
            # Nothing to make invalid (no parameters, no body): only the positive run applies.
            assert mode is GenerationMode.NEGATIVE, operation.label
