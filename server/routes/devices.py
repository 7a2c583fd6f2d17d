"""GET /api/v1/devices and /api/v1/devices/{name}: the latest status of each check, and the
device's recent results (its history)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, HTTPException, Query

from checks.inventory import Device
from checks.status import Status, worst
from server.ingest import result_rows_for
from server.models import latest_checks, tickets
from server.routes.deps import Reader, Services_
from server.schemas import DeviceDetailOut, DeviceOut, Name
from server.storage import ACTIVE_STATES

router = APIRouter(tags=["devices"])


def _summary(device: Device, checks: list[Any], open_tickets: int) -> dict[str, Any]:
    statuses = [Status(c.status) for c in checks]
    last: datetime | None = max((c.observed_at for c in checks), default=None)
    return {
        "name": device.name,
        "customer": device.customer,
        "site": device.site,
        "zone": device.zone,
        "address": device.address,
        "platform": device.platform,
        "role": device.role,
        "criticality": device.criticality,
        "tags": list(device.tags),
        "status": worst(statuses).value if statuses else None,
        "last_seen_at": last,
        "open_tickets": open_tickets,
    }


@router.get("/devices", response_model=list[DeviceOut])
def list_devices(
    services: Services_,
    _caller: Reader,
    customer: Annotated[Name | None, Query(description="only this customer's devices")] = None,
    site: Annotated[Name | None, Query(description="only this site's devices")] = None,
) -> list[dict[str, Any]]:
    """Every device of the inventory with the worst latest status of its checks."""
    devices = [
        d
        for d in services.directory.devices()
        if (customer is None or d.customer == customer) and (site is None or d.site == site)
    ]
    checks: dict[str, list[Any]] = defaultdict(list)
    open_count: dict[str, int] = {}
    with services.db.read() as conn:
        for row in conn.execute(
            sa.select(latest_checks.c.device, latest_checks.c.status, latest_checks.c.observed_at)
        ):
            checks[row.device].append(row)
        for device, count in conn.execute(
            sa.select(tickets.c.device, sa.func.count())
            .where(tickets.c.state.in_(ACTIVE_STATES), tickets.c.device.is_not(None))
            .group_by(tickets.c.device)
        ):
            open_count[device] = int(count)
    return [_summary(d, checks[d.name], open_count.get(d.name, 0)) for d in devices]


@router.get(
    "/devices/{name}",
    response_model=DeviceDetailOut,
    responses={404: {"description": "no such device in the inventory"}},
)
def get_device(
    name: Name,
    services: Services_,
    _caller: Reader,
    history: Annotated[int, Query(ge=0, le=1000, description="how many recent results")] = 50,
) -> dict[str, Any]:
    """The latest result of each check (with its items) and the most recent results."""
    device = services.directory.device(name)
    if device is None:
        raise HTTPException(404, f"no device {name!r} in the inventory")
    with services.db.read() as conn:
        rows = conn.execute(
            sa.select(latest_checks)
            .where(latest_checks.c.device == name)
            .order_by(latest_checks.c.check)
        ).all()
        live = conn.execute(
            sa.select(sa.func.count()).where(
                tickets.c.device == name, tickets.c.state.in_(ACTIVE_STATES)
            )
        ).scalar_one()
        recent = result_rows_for(conn, name, history) if history else []
    out = _summary(device, list(rows), int(live))
    out["checks"] = [
        {
            "check": r.check,
            "status": r.status,
            "summary": r.summary,
            "observed_at": r.observed_at,
            "result_id": r.result_id,
            "items": r.items,
        }
        for r in rows
    ]
    out["history"] = recent
    return out
