"""GET /healthz (no token: load balancers and monitors) and GET /metrics (Prometheus)."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from server.routes.deps import Reader, Services_
from server.schemas import HealthOut

router = APIRouter(tags=["system"])


@router.get("/healthz", response_model=HealthOut, responses={503: {"model": HealthOut}})
def healthz(services: Services_) -> JSONResponse:
    """The server answers and its database too. No token needed."""
    try:
        with services.db.read() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:
        reason = f"unreachable: {type(exc).__name__}"
        return JSONResponse({"status": "unhealthy", "database": reason}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}},
)
async def metrics(services: Services_, _caller: Reader) -> Response:
    """Results ingested, tickets open by level, SLA breaches, ingest latency."""
    body, content_type = await run_in_threadpool(services.metrics.render)
    return Response(body, media_type=content_type)
