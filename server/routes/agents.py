"""GET /api/v1/agents/me/config: for an agent token, its customer's devices (addresses, ports
and credential NAMES - never a secret) and the schedule from server.yaml."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from checks.inventory import SnmpV2cCredential, SnmpV3Credential
from server.routes.deps import Agent, Services_
from server.schemas import AgentConfigOut

router = APIRouter(tags=["agents"])


@router.get("/agents/me/config", response_model=AgentConfigOut)
def agent_config(services: Services_, caller: Agent) -> dict[str, Any]:
    """What this agent polls and how often. The agent reads the secrets of the credentials it
    is told about from its own machine (inventory.yaml there names env variables or files)."""
    assert caller.customer is not None
    devices = []
    for device in services.directory.customer_devices(caller.customer):
        snmp = ssh = None
        if device.snmp is not None:
            credential = device.snmp.credential
            kind = (
                "snmp_v3"
                if isinstance(credential, SnmpV3Credential)
                else "snmp_v2c"
                if isinstance(credential, SnmpV2cCredential)
                else "snmp"
            )
            snmp = {"credential": credential.name, "type": kind, "port": device.snmp.port}
        if device.ssh is not None:
            ssh = {"credential": device.ssh.credential.name, "type": "ssh", "port": device.ssh.port}
        devices.append(
            {
                "name": device.name,
                "site": device.site,
                "address": device.address,
                "platform": device.platform,
                "role": device.role,
                "criticality": device.criticality,
                "tags": list(device.tags),
                "snmp": snmp,
                "ssh": ssh,
            }
        )
    return {
        "customer": caller.customer,
        "agent": caller.actor,
        "schedule": services.config.agent_schedule.to_dict(),
        "devices": devices,
    }
