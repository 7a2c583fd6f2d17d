"""POST /api/v1/results: a batch of Results from an agent or an engineer's sweep.

The body is read and checked here in this order, so each mistake gets its own answer: too big
(413, before it is parsed), not JSON or not an array (422), more results than ingest.max_batch
(413), a malformed result (422, every problem named: `results[3].observed_at: ...`), a device
outside the agent's customer or not in the inventory (403), a result from the future (422).
200 `{"accepted": n, "duplicates": m}` comes only after the transaction committed.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from server.problems import to_iso
from server.routes.deps import Pusher, Services_
from server.schemas import BatchInvalid, IngestOut, ResultIn, parse_body

router = APIRouter(tags=["results"])

BYTES_PER_RESULT = 64 * 1024  # generous: a result with a hundred items is a few kB
MAX_CLOCK_SKEW = timedelta(minutes=5)

_BODY_SCHEMA = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/ResultIn"},
                }
            }
        },
    }
}


async def _read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"the body is {declared} bytes; the limit is {limit}")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise HTTPException(413, f"the body is larger than the limit of {limit} bytes")
    return bytes(body)


@router.post(
    "/results",
    response_model=IngestOut,
    openapi_extra=_BODY_SCHEMA,
    responses={
        401: {"description": "no token, or an unknown or revoked one"},
        403: {"description": "a device outside the agent's customer or not in the inventory"},
        413: {"description": "more results than ingest.max_batch"},
        422: {"description": "malformed input, with the reason"},
    },
)
async def post_results(request: Request, services: Services_, caller: Pusher) -> IngestOut:
    """Store a batch of Results (a JSON array; DESIGN.md's Result). Idempotent by result `id`:
    a result sent again counts as a duplicate and changes nothing."""
    limit = services.config.max_batch
    raw = await _read_limited(request, limit * BYTES_PER_RESULT + 1024 * 1024)
    try:
        batch = parse_body(raw, limit)
    except BatchInvalid as exc:
        raise HTTPException(exc.status, "; ".join(exc.reasons)) from None
    ingestor = services.ingestor
    ingestor.authorize(batch, caller.customer if caller.role == "agent" else None)
    now = services.clock.now()
    horizon = now + MAX_CLOCK_SKEW
    for index, result in enumerate(batch):
        if result["observed_at"] > horizon:
            raise HTTPException(
                422,
                f"results[{index}].observed_at {to_iso(result['observed_at'])} is in the future "
                f"(server time {to_iso(now)}); check the sender's clock",
            )
    started = time.perf_counter()
    report = await run_in_threadpool(ingestor.ingest, batch)
    services.metrics.ingest_seconds.observe(time.perf_counter() - started)
    services.metrics.results_ingested.inc(report.accepted)
    return IngestOut(accepted=report.accepted, duplicates=report.duplicates)


def publish_schemas(schema: dict[str, Any]) -> dict[str, Any]:
    """Add ResultIn (and the models it uses) to an OpenAPI document's components."""
    model = ResultIn.model_json_schema(ref_template="#/components/schemas/{model}")
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, definition in model.pop("$defs", {}).items():
        components.setdefault(name, definition)
    components["ResultIn"] = model
    return schema
